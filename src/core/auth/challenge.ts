/**
 * `WWW-Authenticate` parsing (RFC 7235 §4.1, RFC 9110 §11.6.1) and the choice of which challenge
 * to answer.
 *
 * A header holds a comma-separated list of challenges, each `scheme [ token68 | param, … ]`, and a
 * response may carry several such headers. Scheme and parameter names are case-insensitive (they
 * come back lowercased); values are a token or a quoted string with backslash escapes, and commas
 * inside quotes are data. As a leniency, unquoted values may also contain `/`, `:`, `@`, `?`, `=`
 * and other visible ASCII except `"`, `,` and `\`, so `realm=https://host/token` is understood.
 */
import { ParseError, quoteChar, quoteInput } from '../errors';

/** One challenge from a `WWW-Authenticate` header. */
export interface Challenge {
  /** Lowercased auth scheme: `bearer`, `basic`, or any other token. */
  scheme: 'basic' | 'bearer' | (string & {});
  /** Parameters with lowercased names and unescaped values. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`) when the challenge carries one instead of parameters. */
  token68?: string;
}

/** What a Bearer challenge asks for. */
export interface BearerChallenge {
  /** Token endpoint, an absolute http(s) URL. */
  realm: string;
  service?: string;
  /** The `scope` parameter split on spaces (empty when absent). */
  scopes: string[];
  /** `invalid_token`, `insufficient_scope`, … when the registry says why it refused a token. */
  error?: string;
  errorDescription?: string;
}

/** The challenge {@link pickChallenge} chose to answer. */
export type PickedChallenge =
  { scheme: 'bearer'; bearer: BearerChallenge; challenge: Challenge } | { scheme: 'basic'; realm?: string; challenge: Challenge };

const CODE = 'INVALID_CHALLENGE';
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const TOKEN68_CHAR = /^[A-Za-z0-9\-._~+/]$/;
const isTchar = (c: string | undefined): boolean => c !== undefined && TCHAR.test(c);
const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t';
/** Lenient unquoted value characters: visible ASCII except `"`, `,` and `\`. */
const isBareValueChar = (c: string | undefined): boolean =>
  c !== undefined && c > ' ' && c < '\x7f' && c !== '"' && c !== ',' && c !== '\\';

class HeaderScanner {
  pos = 0;
  constructor(readonly s: string) {}

  fail(reason: string, pos = this.pos): never {
    const at =
      pos < this.s.length ? `; ${quoteChar(this.s, pos)} at position ${pos} is not allowed` : ` at position ${pos} (end of header)`;
    throw new ParseError(`invalid WWW-Authenticate header ${quoteInput(this.s)}: ${reason}${at}`, this.s, pos, CODE);
  }

  get done(): boolean {
    return this.pos >= this.s.length;
  }

  get ch(): string | undefined {
    return this.s[this.pos];
  }

  skipWs(): number {
    const start = this.pos;
    while (isWs(this.ch)) this.pos++;
    return this.pos - start;
  }

  token(): string {
    const start = this.pos;
    while (isTchar(this.ch)) this.pos++;
    return this.s.slice(start, this.pos);
  }

  /** True when `token BWS "=" BWS (token | quoted-string)` starts here (not a token68 ending in "="). */
  paramAhead(): boolean {
    let p = this.pos;
    const start = p;
    while (isTchar(this.s[p])) p++;
    if (p === start) return false;
    while (isWs(this.s[p])) p++;
    if (this.s[p] !== '=') return false;
    p++;
    while (isWs(this.s[p])) p++;
    const c = this.s[p];
    return c === '"' || (isBareValueChar(c) && c !== '=');
  }

  quoted(): string {
    const open = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.ch;
      if (c === undefined) this.fail(`the quoted string opened at position ${open} is not closed`, open);
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        this.pos++;
        const e = this.ch;
        if (e === undefined) this.fail(`the quoted string opened at position ${open} ends inside an escape`, open);
        if ((e < ' ' && e !== '\t') || e === '\x7f') this.fail('control characters cannot be escaped in a quoted string');
        out += e;
        this.pos++;
        continue;
      }
      if ((c < ' ' && c !== '\t') || c === '\x7f') this.fail('control characters are not allowed in a quoted string');
      out += c;
      this.pos++;
    }
  }

  /** Skips optional whitespace, then requires the end or a ",". */
  endOfElement(what: string): void {
    this.skipWs();
    if (!this.done && this.ch !== ',') this.fail(`expected "," or the end after ${what}`);
  }
}

/**
 * The value of a parameter given several times in one challenge (only `scope` may be), built as
 * `(previous + " " + next).trim()` for each repeat, but in time linear in the values' length: that
 * expression rebuilt the whole value each time, quadratic in a header of thousands of `scope=`.
 * After the first repeat the value has no outer whitespace, so each later one just adds its own
 * end-trimmed text (or, after an empty value, its trimmed text); a blank one adds nothing.
 */
class RepeatedValue {
  private readonly parts: string[] = [];
  /** The first value, untrimmed as long as it is the only one. */
  private first: string | undefined;

  constructor(first: string) {
    this.first = first;
  }

  add(value: string): void {
    if (this.first !== undefined) {
      const joined = `${this.first} ${value}`.trim();
      this.first = undefined;
      if (joined !== '') this.parts.push(joined);
    } else if (this.parts.length === 0) {
      const trimmed = value.trim();
      if (trimmed !== '') this.parts.push(trimmed);
    } else if (value.trim() !== '') {
      this.parts.push(value.trimEnd());
    }
  }

  get value(): string {
    return this.first ?? this.parts.join(' ');
  }
}

function parseOne(header: string, out: Challenge[]): void {
  const sc = new HeaderScanner(header);
  let current: Challenge | undefined;
  /** Repeated parameters of `current`, written back into its params when it is complete. */
  let repeated = new Map<string, RepeatedValue>();
  const complete = (): void => {
    if (current !== undefined) for (const [name, value] of repeated) current.params[name] = value.value;
    repeated = new Map();
  };
  for (;;) {
    while (isWs(sc.ch) || sc.ch === ',') sc.pos++;
    if (sc.done) {
      complete();
      return;
    }

    if (current !== undefined && current.token68 === undefined && sc.paramAhead()) {
      const nameAt = sc.pos;
      const name = sc.token().toLowerCase();
      sc.skipWs();
      sc.pos++; // "=" (checked by paramAhead)
      sc.skipWs();
      let value: string;
      if (sc.ch === '"') value = sc.quoted();
      else {
        const start = sc.pos;
        while (isBareValueChar(sc.ch)) sc.pos++;
        value = header.slice(start, sc.pos);
      }
      if (Object.prototype.hasOwnProperty.call(current.params, name)) {
        if (name !== 'scope') sc.fail(`parameter "${name}" appears twice in one challenge`, nameAt);
        let joined = repeated.get(name);
        if (joined === undefined) repeated.set(name, (joined = new RepeatedValue(current.params[name]!)));
        joined.add(value);
      } else {
        current.params[name] = value;
      }
      sc.endOfElement(`the value of "${name}"`);
      continue;
    }

    const schemeAt = sc.pos;
    const scheme = sc.token();
    if (scheme === '') sc.fail('expected an auth scheme such as Bearer or Basic', schemeAt);
    complete();
    current = { scheme: scheme.toLowerCase(), params: Object.create(null) as Record<string, string> };
    out.push(current);
    const spaces = sc.skipWs();
    if (sc.done || sc.ch === ',' || sc.paramAhead()) {
      if (!sc.done && sc.ch !== ',' && spaces === 0) sc.fail(`expected a space after the scheme "${scheme}"`);
      continue;
    }
    if (spaces === 0) sc.fail(`expected a space after the scheme "${scheme}"`);
    const t68At = sc.pos;
    while (TOKEN68_CHAR.test(sc.ch ?? '')) sc.pos++;
    if (sc.pos === t68At) sc.fail(`expected parameters or a token68 after the scheme "${scheme}"`);
    while (sc.ch === '=') sc.pos++;
    current.token68 = header.slice(t68At, sc.pos);
    sc.endOfElement(`the ${scheme} credentials`);
  }
}

/**
 * Parses one or several `WWW-Authenticate` header values into challenges, in order.
 * Empty values yield no challenges.
 * @throws ParseError naming the offending character and its position within that header value.
 */
export function parseChallenges(headerValues: string | readonly string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const h of typeof headerValues === 'string' ? [headerValues] : headerValues) parseOne(h, out);
  // Give callers ordinary objects (the null prototype only guarded against "__proto__" keys).
  return out.map((c) => {
    const params: Record<string, string> = {};
    for (const k of Object.keys(c.params))
      Object.defineProperty(params, k, { value: c.params[k], enumerable: true, writable: true, configurable: true });
    return c.token68 === undefined ? { scheme: c.scheme, params } : { scheme: c.scheme, params, token68: c.token68 };
  });
}

function quoteValue(v: string): string {
  return `"${v.replace(/["\\]/g, (m) => `\\${m}`)}"`;
}

/** Writes a challenge back as header text (`Scheme k="v", …`), quoting every value. */
export function formatChallenge(ch: Challenge): string {
  if (ch.token68 !== undefined) return `${ch.scheme} ${ch.token68}`;
  const params = Object.entries(ch.params).map(([k, v]) => `${k}=${quoteValue(v)}`);
  return params.length === 0 ? ch.scheme : `${ch.scheme} ${params.join(', ')}`;
}

/**
 * Reads a Bearer challenge's parameters.
 * @throws ParseError when `realm` is missing or is not an absolute http(s) URL.
 */
export function toBearerChallenge(ch: Challenge): BearerChallenge {
  const text = formatChallenge(ch);
  const realm = ch.params['realm'];
  if (realm === undefined || realm === '') {
    throw new ParseError(
      `invalid Bearer challenge ${quoteInput(text)}: it has no realm, so there is no token server to ask`,
      text,
      undefined,
      CODE,
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(realm);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ParseError(
      `invalid Bearer challenge ${quoteInput(text)}: realm ${quoteInput(realm)} is not an absolute http(s) URL`,
      text,
      undefined,
      CODE,
    );
  }
  const out: BearerChallenge = { realm, scopes: (ch.params['scope'] ?? '').split(' ').filter((s) => s !== '') };
  if (ch.params['service'] !== undefined) out.service = ch.params['service'];
  if (ch.params['error'] !== undefined) out.error = ch.params['error'];
  if (ch.params['error_description'] !== undefined) out.errorDescription = ch.params['error_description'];
  return out;
}

/**
 * Chooses the challenge to answer: the first usable Bearer (one with an http(s) realm), else the
 * first Basic, else `undefined` (no scheme this client speaks).
 * @throws ParseError when the only candidates are Bearer challenges without a usable realm.
 */
export function pickChallenge(challenges: readonly Challenge[]): PickedChallenge | undefined {
  let bearerError: ParseError | undefined;
  for (const c of challenges) {
    if (c.scheme !== 'bearer') continue;
    try {
      return { scheme: 'bearer', bearer: toBearerChallenge(c), challenge: c };
    } catch (e) {
      bearerError ??= e as ParseError;
    }
  }
  const basic = challenges.find((c) => c.scheme === 'basic');
  if (basic !== undefined) {
    return basic.params['realm'] === undefined
      ? { scheme: 'basic', challenge: basic }
      : { scheme: 'basic', realm: basic.params['realm'], challenge: basic };
  }
  if (bearerError !== undefined) throw bearerError;
  return undefined;
}
