/**
 * The HTTP/1.1 message heads of the transport's own client (see direct-client.ts): the request head it
 * writes, and the response head it reads, with how the response's body ends (RFC 9112 §4–6).
 * Response bytes come from the registry, or from whatever answers in its place: every field is
 * checked and bounded, and anything ambiguous about where the body ends is refused rather than
 * guessed, so a response can never make a blob longer, shorter or spill into the next one.
 */

/** A head larger than this is refused (Node's own HTTP parser stops at 16 KiB; registries send ~1 KiB). */
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;
/** More header fields than any registry sends. */
export const MAX_HEADER_FIELDS = 256;
/** More informational answers (100 Continue, 103 Early Hints) than any registry sends before the real one. */
export const MAX_INFORMATIONAL_ANSWERS = 8;

/** A request header's value, whatever the case its name was given in. */
export function headerNamed(headers: Record<string, string> | undefined, name: string): string | undefined {
  const key = Object.keys(headers ?? {}).find((n) => n.toLowerCase() === name);
  return key === undefined ? undefined : headers![key];
}

/** How a response's body ends (RFC 9112 §6.3). */
export type BodyFraming =
  /** No body: 1xx, 204, 304, or the answer to a HEAD. */
  | { kind: 'none' }
  /** Exactly this many bytes (Content-Length). */
  | { kind: 'length'; length: number }
  /** Chunked transfer coding (see chunked-decoder.ts). */
  | { kind: 'chunked' }
  /** Everything until the server closes the connection. */
  | { kind: 'close' };

export interface ResponseHead {
  status: number;
  /** Lower-cased names; a name sent more than once holds every value in order, as undici's parseHeaders gives them. */
  headers: Record<string, string | string[]>;
  framing: BodyFraming;
  /** The connection may carry another request once this body has been read to its end. */
  reusable: boolean;
}

/** A response head that cannot be read safely: the reason, in a few words, for the user's message. */
export class MalformedHead extends Error {
  override readonly name = 'MalformedHead';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values: visible characters, spaces, tabs and obs-text; never NUL, CR, LF or another control. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const DECIMAL = /^\d{1,15}$/;

/** Where the head ends in `bytes` (the offset just after its empty line), or -1 while it has not ended. */
export function headEnd(bytes: Buffer, from = 0): number {
  const at = bytes.indexOf('\r\n\r\n', Math.max(0, from - 3), 'latin1');
  return at < 0 ? -1 : at + 4;
}

/**
 * Reads a response head: the bytes before its empty line, as latin1 text. `method` is the request's,
 * which decides whether a body follows at all.
 */
export function parseResponseHead(text: string, method: string): ResponseHead {
  const lines = text.split('\r\n');
  const statusLine = STATUS_LINE.exec(lines[0] ?? '');
  if (!statusLine) throw new MalformedHead(`a status line that is not HTTP/1.x: ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`);
  const minor = statusLine[1]!;
  const status = Number(statusLine[2]);
  const headers: Record<string, string | string[]> = {};
  let fields = 0;
  for (let index = 1; index < lines.length; index++) {
    let line = lines[index]!;
    if (line === '') continue;
    // obs-fold: a user agent replaces it with spaces (RFC 9112 §5.2); registries never send it.
    while (index + 1 < lines.length && /^[ \t]/.test(lines[index + 1]!)) line += ` ${lines[++index]!.trim()}`;
    if (++fields > MAX_HEADER_FIELDS) throw new MalformedHead(`more than ${MAX_HEADER_FIELDS} header fields`);
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    // No space between a name and its colon (RFC 9112 §5.1), or the field is not one.
    if (!TOKEN.test(name)) throw new MalformedHead(`a header field that is not "name: value": ${JSON.stringify(line.slice(0, 40))}`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) throw new MalformedHead(`a control character in the ${name} header`);
    const key = name.toLowerCase();
    const before = headers[key];
    headers[key] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  const framing = framingOf(status, method, headers);
  const connection = listOf(headers.connection).map((t) => t.toLowerCase());
  const reusable =
    minor === '1' &&
    !connection.includes('close') &&
    // A body that ends at the close, or whose Content-Length a Transfer-Encoding overrides, ends the connection too (RFC 9112 §6.1).
    framing.kind !== 'close' &&
    !(headers['transfer-encoding'] !== undefined && headers['content-length'] !== undefined);
  return { status, headers, framing, reusable };
}

function framingOf(status: number, method: string, headers: Record<string, string | string[]>): BodyFraming {
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) return { kind: 'none' };
  const codings = listOf(headers['transfer-encoding']).map((t) => t.toLowerCase());
  if (codings.length) {
    // Only chunked is spoken: another coding (gzip over the wire) would hand the digest check bytes it cannot match.
    if (codings.length !== 1 || codings[0] !== 'chunked')
      throw new MalformedHead(`a transfer coding this client does not decode (${codings.join(', ').slice(0, 40)})`);
    return { kind: 'chunked' };
  }
  const lengths = listOf(headers['content-length'], true);
  if (lengths.length) {
    // "5, 5" and two equal fields are one length (RFC 9110 §8.6); anything else cannot be trusted.
    if (!lengths.every((l) => DECIMAL.test(l) && l === lengths[0]))
      throw new MalformedHead(`a Content-Length that is not one number (${lengths.join(', ').slice(0, 40)})`);
    return { kind: 'length', length: Number(lengths[0]) };
  }
  return { kind: 'close' };
}

/** A list-valued field's members, however many times it was sent; empty ones kept when `keepEmpty`, to be refused. */
function listOf(value: string | string[] | undefined, keepEmpty = false): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => keepEmpty || v !== '');
}

/**
 * The head of a request without a body. Names and values come from the caller, some of them from a
 * registry (a token a realm issued): one with a line break or another control character is refused,
 * so nothing can add a header or a request of its own.
 */
export function requestHead(method: string, url: URL, headers: Record<string, string>): string {
  const fields: string[] = [];
  let host = url.host;
  for (const [name, raw] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw new MalformedHead(`a request header name that is not a token: ${JSON.stringify(name.slice(0, 40))}`);
    const value = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) throw new MalformedHead(`a control character in the request's ${name} header`);
    // A Host the caller gives replaces the URL's, as undici does.
    if (name.toLowerCase() === 'host') host = value;
    else fields.push(`${name}: ${value}`);
  }
  return `${[`${method} ${url.pathname}${url.search} HTTP/1.1`, `host: ${host}`, ...fields].join('\r\n')}\r\n\r\n`;
}
