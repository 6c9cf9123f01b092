/**
 * A Notary Project signature (what `notation sign` pushes, and AWS Signer and Azure's signing
 * service through Notation's plugins) read for people: the artifact it signs, the signing scheme
 * and times it states, the signing agent, and the certificate chain it carries. The envelope is a
 * flattened JWS JSON serialization (github.com/notaryproject/specifications, specs/
 * signature-envelope-jws.md): `protected` and `payload` base64url JSON, `header.x5c` base64 DER
 * certificates, leaf first. COSE envelopes (`application/cose`) are read in notary-cose.ts to the
 * same facts, through {@link notarySignatureRead}.
 *
 * Reading only: nothing here checks the signature, the chain or a trust policy.
 */
import { readSigningCertificate } from './signing-certificate';
import { decodeBase64, type AttestationRead } from './attestation';
import { isJsonObject } from './manifest';

/** What the envelope's headers say, beside the signed artifact and the certificate. */
export interface NotaryRead {
  /** `notary.x509` (the signer's key and certificate) or `notary.x509.signingAuthority`. */
  signingScheme?: string;
  /** The signing algorithm as JWS names it: PS256…PS512, ES256…ES512 (a COSE `alg` is named the same way). */
  algorithm?: string;
  /** When the signer says it signed (untrusted, `notary.x509`). */
  signingTime?: string;
  /** When a signing authority says it signed (`notary.x509.signingAuthority`). */
  authenticSigningTime?: string;
  /** The signer's "best by" time for the artifact. */
  expiry?: string;
  /** The client that signed: `notation-go/1.3.0`, a plugin's name. */
  signingAgent?: string;
  /** Certificates in the chain (leaf, intermediates, root). */
  chainLength: number;
  /** Whether an RFC 3161 timestamp countersignature is attached. */
  timestamped: boolean;
  /** The signed artifact's media type and size, as the payload gives them. */
  target: { mediaType?: string; size?: number };
}

/** The payload's content type a Notary Project envelope declares (JWS `cty`, COSE label 3). */
export const NOTARY_PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
/** Certificates read from a chain at most; a real one has two to four. */
export const MAX_CHAIN = 16;
/** A signer's annotations on the target shown at most. */
const MAX_TARGET_ANNOTATIONS = 32;
/** Header values are short; longer text is cut (registry data of any size). */
const MAX_HEADER_CHARS = 256;

/** What a Notary Project signature reads to, whichever envelope carried it. */
export type NotarySignatureRead = AttestationRead & { notary: NotaryRead };

/**
 * What either envelope (JWS or COSE) says, once its own encoding is undone: header values as the
 * envelope holds them (checked and clipped by {@link notarySignatureRead}), the leaf certificate's
 * DER, and the payload parsed as JSON (undefined when it is not, with `payloadProblem` saying why).
 */
export interface EnvelopeContent {
  signingScheme: unknown;
  algorithm: unknown;
  signingTime: unknown;
  authenticSigningTime: unknown;
  expiry: unknown;
  signingAgent: unknown;
  /** Certificates in the chain, at most {@link MAX_CHAIN}. */
  chainLength: number;
  /** The first certificate's DER; undefined when the chain is empty or its first entry is not bytes. */
  leaf: Uint8Array | undefined;
  timestamped: boolean;
  payload: unknown;
  /** Why `payload` is undefined, as a sentence. */
  payloadProblem: string;
}

/** What a Notary Project JWS envelope says; undefined for any other document. */
export function readNotarySignature(document: unknown): NotarySignatureRead | undefined {
  if (!isJsonObject(document) || typeof document.protected !== 'string' || typeof document.payload !== 'string') return undefined;
  const header = jsonOf(document.protected);
  if (!isJsonObject(header) || header.cty !== NOTARY_PAYLOAD_TYPE) return undefined;
  const unprotected = isJsonObject(document.header) ? document.header : {};
  const chain = Array.isArray(unprotected.x5c) ? unprotected.x5c.slice(0, MAX_CHAIN) : [];
  return notarySignatureRead({
    signingScheme: header['io.cncf.notary.signingScheme'],
    algorithm: header.alg,
    signingTime: header['io.cncf.notary.signingTime'],
    authenticSigningTime: header['io.cncf.notary.authenticSigningTime'],
    expiry: header['io.cncf.notary.expiry'],
    signingAgent: unprotected['io.cncf.notary.signingAgent'],
    chainLength: chain.length,
    // x5c holds standard base64 DER (RFC 7515 §4.1.6).
    leaf: typeof chain[0] === 'string' ? decodeBase64(chain[0]) : undefined,
    timestamped: typeof unprotected['io.cncf.notary.timestampSignature'] === 'string',
    payload: jsonOf(document.payload),
    payloadProblem: 'Its payload is not base64url-encoded JSON, so what it signs cannot be read.',
  });
}

/** The read both envelopes share: header text clipped, the signed target from the payload, the signer from the leaf. */
export function notarySignatureRead(content: EnvelopeContent): NotarySignatureRead {
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? value.slice(0, MAX_HEADER_CHARS) : undefined;
  const notary: NotaryRead = { chainLength: content.chainLength, timestamped: content.timestamped, target: {} };
  const set = <K extends keyof NotaryRead>(key: K, value: NotaryRead[K] | undefined) => {
    if (value !== undefined) notary[key] = value;
  };
  set('signingScheme', text(content.signingScheme));
  set('algorithm', text(content.algorithm));
  set('signingTime', text(content.signingTime));
  set('authenticSigningTime', text(content.authenticSigningTime));
  set('expiry', text(content.expiry));
  set('signingAgent', text(content.signingAgent));

  const read: NotarySignatureRead = { notary };
  const payload = content.payload;
  if (payload === undefined) read.problem = content.payloadProblem;
  else read.payload = { json: payload };
  const target = isJsonObject(payload) && isJsonObject(payload.targetArtifact) ? payload.targetArtifact : undefined;
  if (target && typeof target.digest === 'string') {
    const annotations = isJsonObject(target.annotations)
      ? Object.entries(target.annotations)
          .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
          .slice(0, MAX_TARGET_ANNOTATIONS)
          .map(([key, value]) => ({ key, value }))
      : [];
    read.signature = { type: 'Notary Project signature', signedDigest: target.digest, annotations };
    if (typeof target.mediaType === 'string') notary.target.mediaType = target.mediaType.slice(0, MAX_HEADER_CHARS);
    if (typeof target.size === 'number' && Number.isSafeInteger(target.size) && target.size >= 0) notary.target.size = target.size;
  } else if (payload !== undefined) read.problem = 'Its payload names no target artifact, so what it signs cannot be read.';

  // The leaf certificate names the signer.
  if (content.chainLength) {
    const certificate = content.leaf ? readSigningCertificate(content.leaf) : undefined;
    read.bundle = certificate
      ? { certificate, logEntries: [] }
      : { certificateProblem: 'Its signing certificate could not be read.', logEntries: [] };
  }
  return read;
}

/** JSON from base64url (or base64) text; undefined when either step fails. */
function jsonOf(encoded: string): unknown {
  const bytes = decodeBase64(encoded);
  return bytes ? payloadJson(bytes) : undefined;
}

/** A payload's bytes as JSON (UTF-8, as both envelopes carry it); undefined when they are not JSON. */
export function payloadJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
