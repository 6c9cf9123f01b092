/**
 * Content digests (`<algorithm>:<hex>`): parsing, formatting, streaming computation and
 * verification, and the referrers fallback tag derived from a digest.
 *
 * Only `sha256` and `sha512` are accepted, the two algorithms the OCI image spec registers for
 * content addressing; any other well-formed algorithm is reported as unsupported rather than
 * silently trusted.
 */
import { createHash, type Hash } from 'node:crypto';
import { CoreError, ParseError, quoteChar, quoteInput } from '../errors';

/** Binary input (a `Buffer` is listed because @types/node does not always see it as a `Uint8Array`). */
export type Bytes = Uint8Array | Buffer;

/** A digest algorithm this client can compute and verify. */
export type DigestAlgorithm = 'sha256' | 'sha512';

/** A parsed content digest. `hex` is always lowercase. */
export interface Digest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
}

/** Hex length of each supported algorithm's encoded value. */
export const DIGEST_HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

const CODE = 'INVALID_DIGEST';

const isAlgChar = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
const isAlgSep = (c: string): boolean => c === '+' || c === '.' || c === '_' || c === '-';
const isEncodedChar = (c: string): boolean =>
  (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '=' || c === '_' || c === '-';
const isLowerHex = (c: string): boolean => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');

/**
 * Checks the general OCI digest grammar (`algorithm ":" encoded`) on `input[start..]` and returns
 * the algorithm and encoded parts. Positions in errors are indices into `input`, and `what`
 * names the whole input in messages (e.g. `digest "…"` or `reference "…"`).
 */
function splitDigestGrammar(input: string, start: number, what: string): { algorithm: string; encoded: string } {
  const fail = (reason: string, pos?: number): never => {
    throw new ParseError(`invalid ${what}: ${reason}`, input, pos, CODE);
  };
  const colon = input.indexOf(':', start);
  if (start >= input.length) fail(`the digest is empty; expected "<algorithm>:<hex>" such as "sha256:…"`, start);
  let prevSep = true;
  const algEnd = colon < 0 ? input.length : colon;
  for (let i = start; i < algEnd; i++) {
    const c = input[i]!;
    if (isAlgChar(c)) prevSep = false;
    else if (isAlgSep(c) && !prevSep) prevSep = true;
    else if (c >= 'A' && c <= 'Z') fail(`digest algorithms must be lowercase; ${quoteChar(input, i)} at position ${i} is not allowed`, i);
    else fail(`${quoteChar(input, i)} at position ${i} is not allowed in a digest algorithm`, i);
  }
  if (colon < 0) fail(`a digest needs the form "<algorithm>:<hex>" but no ":" was found after position ${start}`, input.length);
  if (colon === start) fail(`the digest algorithm before ":" at position ${colon} is empty`, colon);
  if (prevSep)
    fail(
      `a digest algorithm cannot end with a separator; ${quoteChar(input, colon - 1)} at position ${colon - 1} is not allowed`,
      colon - 1,
    );
  if (colon + 1 >= input.length) fail(`the encoded value after ":" at position ${colon} is empty`, colon + 1);
  for (let i = colon + 1; i < input.length; i++) {
    if (!isEncodedChar(input[i]!)) fail(`${quoteChar(input, i)} at position ${i} is not allowed in a digest`, i);
  }
  return { algorithm: input.slice(start, colon), encoded: input.slice(colon + 1) };
}

/**
 * Parses the digest that occupies `input` from `start` to its end. Exposed for the reference
 * parser so that error positions point into the whole reference.
 * @internal
 */
export function parseDigestAt(input: string, start: number, what: string): Digest {
  const { algorithm, encoded } = splitDigestGrammar(input, start, what);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new ParseError(
      `invalid ${what}: unsupported digest algorithm "${algorithm}"; only sha256 and sha512 are supported`,
      input,
      start,
      'UNSUPPORTED_DIGEST_ALGORITHM',
    );
  }
  const hexStart = start + algorithm.length + 1;
  for (let i = hexStart; i < input.length; i++) {
    const c = input[i]!;
    if (isLowerHex(c)) continue;
    const reason = c >= 'A' && c <= 'F' ? 'digest hex must be lowercase' : `a ${algorithm} digest is hexadecimal`;
    throw new ParseError(`invalid ${what}: ${reason}; ${quoteChar(input, i)} at position ${i} is not allowed`, input, i, CODE);
  }
  const want = DIGEST_HEX_LENGTH[algorithm];
  if (encoded.length !== want) {
    const pos = encoded.length > want ? hexStart + want : input.length;
    throw new ParseError(
      `invalid ${what}: a ${algorithm} digest has ${want} hex characters but this one has ${encoded.length}`,
      input,
      pos,
      CODE,
    );
  }
  return { algorithm, hex: encoded };
}

/**
 * Parses `sha256:<64 hex>` or `sha512:<128 hex>`.
 * @throws ParseError on anything else, naming the offending character and its position.
 */
export function parseDigest(s: string): Digest {
  return parseDigestAt(s, 0, `digest ${quoteInput(s)}`);
}

/** True when `s` is a digest {@link parseDigest} accepts. */
export function isDigest(s: string): boolean {
  try {
    parseDigest(s);
    return true;
  } catch {
    return false;
  }
}

/** `<algorithm>:<hex>`. */
export function formatDigest(d: Digest): string {
  return `${d.algorithm}:${d.hex}`;
}

/** The first 12 hex characters of a digest, the short form tools show (no algorithm prefix). */
export function shortDigest(d: Digest | string): string {
  const parsed = typeof d === 'string' ? parseDigest(d) : d;
  return parsed.hex.slice(0, 12);
}

/** Hashes bytes incrementally and counts them. */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  private readonly hash: Hash;
  private bytes = 0;
  private result: string | undefined;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    if (algorithm !== 'sha256' && algorithm !== 'sha512') {
      throw new CoreError(
        'UNSUPPORTED_DIGEST_ALGORITHM',
        `Digest algorithm "${String(algorithm)}" is not supported; use sha256 or sha512.`,
      );
    }
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  /** Adds a chunk (strings are hashed as UTF-8). Returns `this` for chaining. */
  update(chunk: Bytes | string): this {
    if (this.result !== undefined) {
      throw new CoreError('DIGEST_FINALIZED', 'This digester has already produced its digest and cannot take more data.');
    }
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.hash.update(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    this.bytes += buf.byteLength;
    return this;
  }

  /** Number of bytes hashed so far. */
  get size(): number {
    return this.bytes;
  }

  /** Finishes hashing and returns `<algorithm>:<hex>`; later calls return the same string. */
  digest(): string {
    this.result ??= `${this.algorithm}:${this.hash.digest('hex')}`;
    return this.result;
  }
}

/** The digest string of a whole buffer (or UTF-8 string). */
export function digestOf(bytes: Bytes | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return new Digester(algorithm).update(bytes).digest();
}

/**
 * Checks streamed content against an expected digest and (optionally) size. Feed it with
 * {@link DigestVerifier.update} and call {@link DigestVerifier.verify} at the end.
 *
 * When a size is expected, `update` throws `SIZE_MISMATCH` as soon as more bytes arrive than
 * announced, so an oversized or endless stream is cut short.
 */
export class DigestVerifier {
  readonly expected: Digest;
  readonly expectedSize: number | undefined;
  private readonly digester: Digester;

  /** @throws ParseError when `expected` is not a valid digest. */
  constructor(expected: Digest | string, expectedSize?: number) {
    this.expected = typeof expected === 'string' ? parseDigest(expected) : expected;
    if (expectedSize !== undefined && !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) {
      throw new CoreError('INVALID_SIZE', `Expected size ${String(expectedSize)} is not a whole number of bytes.`);
    }
    this.expectedSize = expectedSize;
    this.digester = new Digester(this.expected.algorithm);
  }

  /** Number of bytes seen so far. */
  get size(): number {
    return this.digester.size;
  }

  /** Adds a chunk; throws `SIZE_MISMATCH` once the stream exceeds the expected size. */
  update(chunk: Bytes | string): this {
    this.digester.update(chunk);
    if (this.expectedSize !== undefined && this.digester.size > this.expectedSize) {
      throw this.sizeError();
    }
    return this;
  }

  /**
   * Finishes and checks size then digest.
   * @returns the verified digest string.
   * @throws CoreError `SIZE_MISMATCH` or `DIGEST_MISMATCH` with a sentence for the user.
   */
  verify(): string {
    if (this.expectedSize !== undefined && this.digester.size !== this.expectedSize) throw this.sizeError();
    const actual = this.digester.digest();
    const want = formatDigest(this.expected);
    if (actual !== want) {
      throw new CoreError(
        'DIGEST_MISMATCH',
        `The content does not match its digest: expected ${want} but the ${this.digester.size} bytes received hash to ${actual}. ` +
          'The transfer may have been corrupted or the registry served different content; try again, and check any proxy or mirror in between.',
      );
    }
    return actual;
  }

  private sizeError(): CoreError {
    return new CoreError(
      'SIZE_MISMATCH',
      `The content of ${formatDigest(this.expected)} should be ${this.expectedSize} bytes but ` +
        `${this.digester.size > (this.expectedSize ?? 0) ? 'more than that' : `only ${this.digester.size}`} arrived. ` +
        'The transfer was cut short or the registry served different content; try again.',
    );
  }
}

/**
 * The tag the OCI referrers tag schema uses for a subject digest when a registry has no referrers
 * API: `<alg>-<encoded>`, with the algorithm cut to 32 characters, the encoded value cut to 64, and
 * every character outside `[a-zA-Z0-9._-]` replaced by `-`.
 *
 * Any digest in the OCI grammar is accepted here, not only sha256/sha512.
 * @throws ParseError when a string argument is not a digest.
 */
export function referrersTagFor(digest: Digest | string): string {
  const { algorithm, encoded } =
    typeof digest === 'string'
      ? splitDigestGrammar(digest, 0, `digest ${quoteInput(digest)}`)
      : { algorithm: digest.algorithm, encoded: digest.hex };
  const clean = (s: string): string => s.replace(/[^a-zA-Z0-9._-]/g, '-');
  return `${clean(algorithm.slice(0, 32))}-${clean(encoded.slice(0, 64))}`;
}

/** What a tag named after a manifest's digest holds (see {@link digestTagOf}). */
export type DigestTagKind = 'referrers' | 'signature' | 'attestations' | 'sbom';

const DIGEST_TAG = /^(sha256|sha512)-([0-9a-f]{64}(?:[0-9a-f]{64})?)(?:\.(sig|att|sbom))?$/;
const DIGEST_TAG_KINDS: Readonly<Record<string, DigestTagKind>> = { sig: 'signature', att: 'attestations', sbom: 'sbom' };

/**
 * A tag named after another manifest's digest: the referrers tag schema's `sha256-<hex>` index, or
 * cosign's `sha256-<hex>.sig`, `.att` and `.sbom` beside it, with the digest it is named after
 * (`sha256:<hex>`); undefined for any other tag. These hold signatures, attestations and SBOMs of
 * that manifest, not images of their own.
 */
export function digestTagOf(tag: string): { kind: DigestTagKind; subject: string } | undefined {
  const match = DIGEST_TAG.exec(tag);
  if (!match) return undefined;
  return { kind: match[3] === undefined ? 'referrers' : DIGEST_TAG_KINDS[match[3]]!, subject: `${match[1]!}:${match[2]!}` };
}
