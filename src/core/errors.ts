import { oneLineText, visibleText } from './text/visible-text';

/**
 * Errors the core throws on purpose. Every message is a sentence a user can act on; `code` is a
 * stable machine-readable name for tests and for the extension to pick an action (log in, mark
 * insecure, open settings). A message is one line of visible text whatever it quotes: line breaks
 * and control characters become spaces (a registry's text cannot forge a log line) and invisible or
 * bidi characters escapes (see oneLineText). Secrets and length are the quoting code's part
 * (quoteRegistryText, quoteInput).
 */
export class CoreError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(oneLineText(message), options);
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

/** A parser's failure callback: `reason` and, when `pos` names a character, where it is. */
export type Fail = (reason: string, pos?: number) => never;

/**
 * Builds a {@link Fail} for `input`, described in messages as `what` ("resolve rule"). With
 * `pointAt`, a position adds `; "x" at position N is not allowed` (parsers that word the position
 * themselves leave it off).
 */
export function failer(input: string, what: string, code: string, options: { pointAt?: boolean } = {}): Fail {
  return (reason, pos) => {
    const at = options.pointAt && pos !== undefined && pos < input.length ? `; ${quoteChar(input, pos)} at position ${pos} is not allowed` : '';
    throw new ParseError(`invalid ${what} ${quoteInput(input)}: ${reason}${at}`, input, pos, code);
  };
}

const MAX_SHOWN = 200;

/**
 * Bad input quoted for a message, cut at 200 characters so a huge value never floods it; JSON's
 * escapes show control characters, and invisible or bidi ones are escaped the same way (`\u202E`).
 */
export function quoteInput(s: string): string {
  return visibleText(JSON.stringify(s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s));
}

/** The character at `i` (a whole code point), quoted for a message. */
export function quoteChar(s: string, i: number): string {
  const cp = s.codePointAt(i);
  return visibleText(JSON.stringify(cp === undefined ? '' : String.fromCodePoint(cp)));
}
