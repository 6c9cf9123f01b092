/**
 * A Notary Project signature in a COSE envelope (`application/cose`, what `notation sign
 * --signature-format cose` pushes) read to the same facts as a JWS one. The envelope follows
 * github.com/notaryproject/specifications, specs/signature-envelope-cose.md:
 * - a COSE_Sign1_Tagged message: CBOR tag 18 around [protected, unprotected, payload, signature];
 * - protected: a byte string holding a CBOR map with label 1 `alg` (an integer, see ALGORITHMS),
 *   label 2 `crit`, label 3 content type (the Notary payload's) and text labels
 *   `io.cncf.notary.signingScheme`, `.signingTime`, `.authenticSigningTime` and `.expiry`, whose
 *   values are epoch-based date/times (RFC 8949 §3.4.2: tag 1 around seconds);
 * - unprotected: a map with label 33 `x5chain` (DER certificates, leaf first: an array of byte
 *   strings, or one byte string for a single certificate, draft-ietf-cose-x509 §2; the spec also
 *   allows it in the protected map), `io.cncf.notary.signingAgent` (text) and
 *   `io.cncf.notary.timestampSignature` (an RFC 3161 token, bytes);
 * - payload: the same JSON bytes as a JWS envelope's (`targetArtifact`).
 *
 * The blob is registry data: it is decoded with limits (no indefinite lengths, no `undefined`,
 * only tags 18 and 1), and nothing in it can make the reader throw.
 * Reading only: nothing here checks the signature, the chain or a trust policy.
 */
import { decode, Tagged } from 'cborg';
import { MAX_CHAIN, NOTARY_PAYLOAD_TYPE, notarySignatureRead, payloadJson, type NotarySignatureRead } from './notary-signature';

/** An envelope is a few KiB (a chain of three certificates, a timestamp token); a larger blob is not read. */
export const MAX_COSE_ENVELOPE_BYTES = 4 * 1024 * 1024;

/** COSE header labels the spec names (IANA's COSE Header Parameters registry). */
const ALG = 1;
const CONTENT_TYPE = 3;
const X5CHAIN = 33;

/** The spec's "Supported alg header values" table, named as JWS names them. */
const ALGORITHMS = new Map<number, string>([
  [-37, 'PS256'],
  [-38, 'PS384'],
  [-39, 'PS512'],
  [-7, 'ES256'],
  [-35, 'ES384'],
  [-36, 'ES512'],
]);

/** COSE_Sign1_Tagged (RFC 8152 §4.2) and an epoch-based date/time (RFC 8949 §3.4.2). */
const COSE_SIGN1_TAG = 18;
const EPOCH_TIME_TAG = 1;

/**
 * Decoding for registry bytes: definite lengths only, no `undefined`, no NaN or infinity, a map
 * with a key twice refused (RFC 9052 §3: such a header is invalid); maps as Maps, since COSE
 * labels are integers. Any other tag is refused. Integers need not be in their shortest form
 * (cborg's `strict`): that is an encoder's choice and changes nothing read here.
 */
const DECODE_OPTIONS = {
  useMaps: true,
  // Kept as Tagged values: a time is told apart from a plain number, the message from an array.
  tags: Tagged.preserve(COSE_SIGN1_TAG, EPOCH_TIME_TAG),
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  rejectDuplicateMapKeys: true,
} as const;

/** What a Notary Project COSE envelope says; undefined for bytes that are not one (or not CBOR at all). */
export function readNotaryCoseSignature(bytes: Uint8Array): NotarySignatureRead | undefined {
  if (bytes.length > MAX_COSE_ENVELOPE_BYTES) return undefined;
  const message = decodeCbor(bytes);
  // The spec requires the tagged form; an untagged COSE_Sign1 says the same and is read too.
  const fields = isTagged(message, COSE_SIGN1_TAG) ? message.value : message;
  if (!Array.isArray(fields) || fields.length !== 4) return undefined;
  const [protectedBytes, unprotected, payload] = fields as unknown[];
  if (!(protectedBytes instanceof Uint8Array) || !(unprotected instanceof Map)) return undefined;
  const header = decodeCbor(protectedBytes);
  if (!(header instanceof Map) || header.get(CONTENT_TYPE) !== NOTARY_PAYLOAD_TYPE) return undefined;

  const chain = certificates(unprotected.get(X5CHAIN) ?? header.get(X5CHAIN));
  return notarySignatureRead({
    signingScheme: header.get('io.cncf.notary.signingScheme'),
    algorithm: algorithmName(header.get(ALG)),
    signingTime: timeText(header.get('io.cncf.notary.signingTime')),
    authenticSigningTime: timeText(header.get('io.cncf.notary.authenticSigningTime')),
    expiry: timeText(header.get('io.cncf.notary.expiry')),
    signingAgent: unprotected.get('io.cncf.notary.signingAgent'),
    chainLength: chain.length,
    leaf: chain[0] instanceof Uint8Array ? chain[0] : undefined,
    timestamped: unprotected.get('io.cncf.notary.timestampSignature') instanceof Uint8Array,
    payload: payload instanceof Uint8Array ? payloadJson(payload) : undefined,
    payloadProblem:
      payload === null
        ? 'Its payload is detached (not in the envelope), so what it signs cannot be read.'
        : 'Its payload is not JSON, so what it signs cannot be read.',
  });
}

/** The decoded item, or undefined for bytes that are not exactly one well-formed item (a hostile blob included). */
function decodeCbor(bytes: Uint8Array): unknown {
  try {
    return decode(bytes, DECODE_OPTIONS) as unknown;
  } catch {
    // Malformed, truncated, an unknown tag, or nesting deep enough to exhaust the stack: not an envelope.
    return undefined;
  }
}

/** x5chain's certificates, at most {@link MAX_CHAIN}: an array of byte strings, or one byte string. */
function certificates(value: unknown): unknown[] {
  if (value instanceof Uint8Array) return [value];
  return Array.isArray(value) ? value.slice(0, MAX_CHAIN) : [];
}

/** PS256 … ES512 for the spec's labels; another integer as COSE's number; text as given. */
function algorithmName(value: unknown): unknown {
  if (typeof value !== 'number') return value;
  return ALGORITHMS.get(value) ?? `COSE algorithm ${value}`;
}

/** An epoch-based date/time as ISO text (whole seconds without `.000`); undefined for anything else. */
function timeText(value: unknown): string | undefined {
  const seconds = isTagged(value, EPOCH_TIME_TAG) ? value.value : undefined;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined;
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().replace('.000Z', 'Z');
}

function isTagged(value: unknown, tag: number): value is Tagged {
  return value instanceof Tagged && value.tag === tag;
}
