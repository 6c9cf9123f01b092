/**
 * Who a Sigstore signing certificate names: its subject alternative names (the email, workflow or
 * account the signer proved), its issuer, its validity, and the claims Fulcio copies from the
 * signer's OIDC token into extensions under 1.3.6.1.4.1.57264.1 (the token's issuer, the source
 * repository and ref, the build that signed). Node's X509Certificate reads the standard fields but
 * not arbitrary extensions, so those are found with a small, bounded DER walk.
 *
 * Reading only: nothing here checks the certificate against a root or a transparency log.
 */
import { X509Certificate } from 'node:crypto';

export interface SigningCertificate {
  /** Subject alternative names, as Node words them: `URI:https://github.com/…`, `email:…`. */
  identities: string[];
  /** The subject's distinguished name, one line: how a Notary Project or other code-signing certificate names its holder (Fulcio's is empty). */
  subject: string;
  /** The issuing CA's distinguished name, one line. */
  issuer: string;
  validFrom: string;
  validTo: string;
  /** Fulcio's extensions that were present, in a fixed order, with their names. */
  claims: { name: string; value: string }[];
}

/** The Fulcio extensions shown, by the last arc under 1.3.6.1.4.1.57264.1 (fulcio docs/oid-info.md). */
const FULCIO_CLAIMS: readonly (readonly [arc: number, name: string, raw: boolean])[] = [
  // .1 holds the issuer as raw bytes (deprecated); .8 holds it as a DER UTF8String. The first found wins.
  [8, 'OIDC issuer', false],
  [1, 'OIDC issuer', true],
  [12, 'Source repository', false],
  [14, 'Source ref', false],
  [13, 'Source commit', false],
  [9, 'Build signer', false],
  [20, 'Build trigger', false],
  [21, 'Run', false],
  [11, 'Runner', false],
];

/** 1.3.6.1.4.1.57264.1 as DER OID content bytes (57264 in base 128 is 0x83 0xBF 0x30). */
const FULCIO_ARC = Buffer.from([0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01]);

/** Claims longer than this are cut (in characters): a page line is small. */
const MAX_CLAIM_BYTES = 2048;

/** Reads a DER certificate; undefined when it is not one Node can parse. */
export function readSigningCertificate(der: Uint8Array): SigningCertificate | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    return undefined;
  }
  const extensions = fulcioExtensions(Buffer.from(certificate.raw));
  const claims: { name: string; value: string }[] = [];
  for (const [arc, name, raw] of FULCIO_CLAIMS) {
    if (claims.some((claim) => claim.name === name)) continue;
    const content = extensions.get(arc);
    const value = content === undefined ? undefined : raw ? content.toString('utf8') : utf8StringOf(content);
    if (value) claims.push({ name, value: value.slice(0, MAX_CLAIM_BYTES) });
  }
  return {
    identities: splitAltNames(certificate.subjectAltName ?? ''),
    subject: certificate.subject.split('\n').join(', '),
    issuer: certificate.issuer.split('\n').join(', '),
    validFrom: certificate.validFrom,
    validTo: certificate.validTo,
    claims,
  };
}

/** Node lists alternative names comma-separated, quoting (as JSON) any value that holds a comma. */
function splitAltNames(text: string): string[] {
  const names: string[] = [];
  const pattern = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < text.length && (match = pattern.exec(text))) {
    let value = match[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        // Left quoted: still the certificate's text.
      }
    }
    names.push(`${match[1]}:${value}`);
  }
  return names;
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** One DER element at `at`, within `limit`; undefined for anything malformed (long tags, indefinite lengths, overruns). */
function readTlv(bytes: Buffer, at: number, limit: number): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = bytes[at]!;
  if ((tag & 0x1f) === 0x1f) return undefined;
  let length = bytes[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!;
    start += count;
  }
  const end = start + length;
  return end > limit ? undefined : { tag, start, end };
}

function children(bytes: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end;) {
    const child = readTlv(bytes, at, parent.end);
    if (!child) return out;
    out.push(child);
    at = child.end;
  }
  return out;
}

/**
 * Certificate → tbsCertificate → the [3] extensions → each Extension { extnID, critical?, extnValue },
 * keeping the OCTET STRING content of the ones under Fulcio's arc, by their last arc.
 */
function fulcioExtensions(bytes: Buffer): Map<number, Buffer> {
  const found = new Map<number, Buffer>();
  const certificate = readTlv(bytes, 0, bytes.length);
  const tbs = certificate && children(bytes, certificate)[0];
  const wrapper = tbs && children(bytes, tbs).find((field) => field.tag === 0xa3);
  const list = wrapper && children(bytes, wrapper)[0];
  if (!list) return found;
  for (const extension of children(bytes, list)) {
    const [id, ...rest] = children(bytes, extension);
    const value = rest.at(-1);
    if (!id || id.tag !== 0x06 || !value || value.tag !== 0x04) continue;
    const oid = bytes.subarray(id.start, id.end);
    // Only a single-byte last arc under the prefix: the claims shown are all below 128.
    if (oid.length !== FULCIO_ARC.length + 1 || !oid.subarray(0, FULCIO_ARC.length).equals(FULCIO_ARC)) continue;
    found.set(oid[FULCIO_ARC.length]!, bytes.subarray(value.start, value.end));
  }
  return found;
}

/** The text of a DER UTF8String (or IA5String, which some issuers used), else undefined. */
function utf8StringOf(content: Buffer): string | undefined {
  const inner = readTlv(content, 0, content.length);
  if (!inner || (inner.tag !== 0x0c && inner.tag !== 0x16)) return undefined;
  return content.subarray(inner.start, inner.end).toString('utf8');
}
