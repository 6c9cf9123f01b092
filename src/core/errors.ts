/**
 * Errors the core throws on purpose. Every message is a sentence a user can act on; `code` is a
 * stable machine-readable name for tests and for the extension to pick an action (log in, mark
 * insecure, open settings).
 */
export class CoreError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Malformed input to a parser: a reference, a header, a line of configuration. `position` is the
 * 0-based index of the offending character in `input` when one can be named.
 */
export class ParseError extends CoreError {
  readonly input: string;
  readonly position: number | undefined;

  constructor(message: string, input: string, position?: number, code = 'PARSE_ERROR') {
    super(code, message);
    this.input = input;
    this.position = position;
  }
}
