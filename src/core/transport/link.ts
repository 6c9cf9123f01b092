/**
 * `Link` header parsing (RFC 8288 §3) for paginated registry lists.
 *
 * Registries answer `GET /v2/_catalog?n=…` and `/v2/<name>/tags/list` with
 * `Link: </v2/_catalog?last=x&n=100>; rel="next"`; the target is resolved against the request URL.
 * A header is a comma-separated list of `<URI-reference>` followed by `;`-separated parameters whose
 * values are tokens or quoted strings (commas and semicolons inside `<…>` or quotes are data).
 * Unquoted values are accepted leniently (any visible ASCII except `"`, `,`, `;` and `\`).
 */
import { ParseError, quoteChar, quoteInput } from '../errors';

/** One link: its target as written and its parameters (names lowercased; first occurrence wins). */
export interface LinkValue {
  url: string;
  params: Record<string, string>;
}

const CODE = 'INVALID_LINK_HEADER';
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const isTchar = (c: string | undefined): boolean => c !== undefined && TCHAR.test(c);
const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t';
const isBareValueChar = (c: string | undefined): boolean =>
  c !== undefined && c > ' ' && c < '\x7f' && c !== '"' && c !== ',' && c !== ';' && c !== '\\';

function parseOne(s: string, out: LinkValue[]): void {
  let pos = 0;
  const fail = (reason: string, at = pos): never => {
    const where = at < s.length ? `; ${quoteChar(s, at)} at position ${at} is not allowed` : ` at position ${at} (end of header)`;
    throw new ParseError(`invalid Link header ${quoteInput(s)}: ${reason}${where}`, s, at, CODE);
  };
  const skipWs = (): void => {
    while (isWs(s[pos])) pos++;
  };

  for (;;) {
    while (isWs(s[pos]) || s[pos] === ',') pos++;
    if (pos >= s.length) return;
    if (s[pos] !== '<') fail('each link must start with "<"');
    const open = pos;
    const close = s.indexOf('>', open + 1);
    if (close < 0) fail(`the "<" at position ${open} is never closed by ">"`, open);
    for (let i = open + 1; i < close; i++) {
      const c = s[i]!;
      if (c < ' ' || c === '\x7f' || c === '<') fail('a link target cannot contain this character', i);
    }
    const link: LinkValue = { url: s.slice(open + 1, close), params: {} };
    const seen = new Set<string>();
    out.push(link);
    pos = close + 1;

    for (;;) {
      skipWs();
      if (pos >= s.length || s[pos] === ',') break;
      if (s[pos] !== ';') fail('expected ";" before a link parameter, or "," before the next link');
      pos++;
      skipWs();
      const nameAt = pos;
      while (isTchar(s[pos])) pos++;
      if (pos === nameAt) fail('expected a parameter name after ";"');
      const name = s.slice(nameAt, pos).toLowerCase();
      skipWs();
      let value = '';
      if (s[pos] === '=') {
        pos++;
        skipWs();
        if (s[pos] === '"') {
          const q = pos++;
          for (;;) {
            const c = s[pos];
            if (c === undefined) fail(`the quoted string opened at position ${q} is not closed`, q);
            if (c === '"') break;
            if (c === '\\') {
              pos++;
              const e = s[pos];
              if (e === undefined) fail(`the quoted string opened at position ${q} ends inside an escape`, q);
              // RFC 9110 quoted-pair allows HTAB, SP, VCHAR and obs-text: DEL is as invalid escaped as bare.
              if ((e < ' ' && e !== '\t') || e === '\x7f') fail('control characters cannot be escaped in a quoted string');
              value += e;
            } else if ((c < ' ' && c !== '\t') || c === '\x7f') {
              fail('control characters are not allowed in a quoted string');
            } else {
              value += c;
            }
            pos++;
          }
          pos++;
        } else {
          const start = pos;
          while (isBareValueChar(s[pos])) pos++;
          if (pos === start) fail(`expected a value for the parameter "${name}"`);
          value = s.slice(start, pos);
        }
      }
      if (!seen.has(name)) {
        seen.add(name);
        Object.defineProperty(link.params, name, { value, enumerable: true, writable: true, configurable: true });
      }
    }
  }
}

/**
 * Parses one or several `Link` header values into links, in order. Empty values yield none.
 * @throws ParseError naming the offending character and its position.
 */
export function parseLinkHeader(value: string | readonly string[]): LinkValue[] {
  const out: LinkValue[] = [];
  for (const v of typeof value === 'string' ? [value] : value) parseOne(v, out);
  return out;
}

/** True when the link's `rel` lists `relation` (case-insensitive; `rel` may hold several). */
export function hasRel(link: LinkValue, relation: string): boolean {
  const rel = link.params['rel'];
  if (rel === undefined) return false;
  const want = relation.toLowerCase();
  return rel.split(/[ \t]+/).some((r) => r.toLowerCase() === want);
}

/**
 * The absolute URL of the first `rel="next"` link, resolved against `requestUrl`, or `undefined`
 * when there is no such link (or no header).
 *
 * This does not check where the link points: callers that follow it should require
 * {@link sameOrigin}`(next, requestUrl)`.
 * @throws ParseError when the header is malformed or the target cannot be resolved to a URL.
 */
export function nextPageUrl(linkHeader: string | readonly string[] | null | undefined, requestUrl: string | URL): string | undefined {
  if (linkHeader === null || linkHeader === undefined) return undefined;
  const next = parseLinkHeader(linkHeader).find((l) => hasRel(l, 'next'));
  if (next === undefined) return undefined;
  let base: URL;
  try {
    base = new URL(requestUrl);
  } catch {
    const text = String(requestUrl);
    throw new ParseError(
      `invalid request URL ${quoteInput(text)}: it is not an absolute URL to resolve the next page against`,
      text,
      undefined,
      CODE,
    );
  }
  try {
    return new URL(next.url, base).href;
  } catch {
    throw new ParseError(`invalid Link header: the next-page target ${quoteInput(next.url)} is not a valid URL`, next.url, undefined, CODE);
  }
}

/** True when both URLs parse and share scheme, host and port (default ports normalised). */
export function sameOrigin(a: string | URL, b: string | URL): boolean {
  try {
    const oa = new URL(a).origin;
    return oa !== 'null' && oa === new URL(b).origin;
  } catch {
    return false;
  }
}
