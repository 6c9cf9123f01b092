/**
 * An attestation, a cosign signature or a Notary Project signature for people: the claim it makes
 * (its predicate type, named and linked to its spec when known), what it is about (its subjects,
 * linked to their manifests), who signed it as far as a Sigstore bundle, cosign's annotations or
 * a Notary certificate chain say, a few facts of the claim, and an envelope's payload decoded.
 * Pure, like the rest of the view model; every string is registry text and leaves clipped.
 */
import {
  predicateFacts,
  predicateKindOf,
  readAttestation,
  readCosignSignature,
  type AttestationRead,
  type BundleRead,
  type StatementSubject,
} from '../../core/oci/attestation';
import { kindName } from '../../core/oci/media-types';
import { readNotarySignature, type NotaryRead } from '../../core/oci/notary-signature';
import type { AttestationSection, Fact, SubjectRow } from './protocol';
import { jsonTree } from './json-tree';
import { manifestLink, type Place } from './links';
import { clip, httpUrl } from './text';

/** Subjects shown: BuildKit names one, GitHub a few; a statement about thousands is listed in its JSON. */
export const MAX_SUBJECTS = 200;

/** What {@link readSigned} reads: an attestation or a signature, with a Notary Project envelope's own headers. */
export type SignedRead = AttestationRead & { notary?: NotaryRead };

/**
 * What a JSON document says when it is an attestation, a cosign signature or a Notary Project
 * signature, else undefined; `layerAnnotations` are those of the layer the document is (a cosign
 * signature's signer is there).
 */
export function readSigned(document: unknown, layerAnnotations?: Record<string, string>): SignedRead | undefined {
  return readAttestation(document) ?? readCosignSignature(document, layerAnnotations) ?? readNotarySignature(document);
}

/** The section for what {@link readSigned} read. */
export function attestationSection(place: Place, read: SignedRead, label: string): AttestationSection {
  const section: AttestationSection = {
    title: read.signature ? 'Signature' : 'Attestation',
    facts: facts(read),
    subjects: [],
    predicate: [],
  };
  if (read.notary) section.verifiedWith = 'notation';
  const signature = read.signature;
  if (signature) {
    section.subjects = [
      subjectRow(
        place,
        { ...(signature.reference !== undefined ? { name: signature.reference } : {}), digests: [digestParts(signature.signedDigest)] },
        label,
      ),
    ];
    section.predicate = signature.annotations.map(({ key, value }) => fact(key, value));
  }
  const statement = read.statement;
  if (statement) {
    const shown = statement.subjects.slice(0, MAX_SUBJECTS);
    section.subjects = shown.map((subject) => subjectRow(place, subject, label));
    if (statement.subjects.length > shown.length) section.subjectsOmitted = statement.subjects.length - shown.length;
    section.predicate = predicateFacts(statement.predicateType, statement.predicate).map(({ label: name, value }) => fact(name, value));
  }
  if (read.payload && 'json' in read.payload) section.payload = jsonTree(read.payload.json);
  else if (read.payload) section.payloadText = clip(read.payload.text);
  if (read.problem) section.problem = read.problem;
  return section;
}

function facts(read: SignedRead): Fact[] {
  const out: Fact[] = [];
  if (read.signature) out.push({ label: 'Claim', value: clip(read.signature.type, 256) });
  const statement = read.statement;
  if (statement) {
    const kind = predicateKindOf(statement.predicateType);
    // The name carries the type's version: registry text, of any length.
    if (kind) out.push({ label: 'Claim', value: clip(kind.name, 256), ...(kind.spec ? { url: kind.spec } : {}) });
    out.push({ label: 'Predicate type', value: clip(statement.predicateType, 512) });
    out.push({ label: 'Statement', value: clip(statement.type, 512) });
  }
  const envelope = read.envelope;
  if (envelope) {
    out.push({ label: 'Payload type', value: clip(envelope.payloadType, 512) });
    out.push({ label: 'Signatures', value: clip(signatureText(envelope.keyIds), 1024) });
  }
  if (read.notary) out.push(...notaryFacts(read.notary));
  if (read.bundle) out.push(...bundleFacts(read.bundle));
  return out;
}

/** A Notary Project envelope's headers in words; times as the signer (or its authority) states them. */
function notaryFacts(notary: NotaryRead): Fact[] {
  const out: Fact[] = [];
  const add = (label: string, value: string | undefined) => {
    if (value !== undefined) out.push(fact(label, value));
  };
  if (notary.target.mediaType !== undefined)
    add(
      'Signs',
      `${kindName(notary.target.mediaType)}${notary.target.size !== undefined ? ` (${notary.target.size.toLocaleString('en-US')} bytes)` : ''}`,
    );
  add('Signing scheme', notary.signingScheme);
  add('Algorithm', notary.algorithm);
  add('Signed at (as the signer says)', notary.signingTime);
  add('Signed at (as the signing authority says)', notary.authenticSigningTime);
  add('Expires', notary.expiry);
  add('Signing agent', notary.signingAgent);
  add('Certificate chain', `${notary.chainLength} certificate${notary.chainLength === 1 ? '' : 's'}`);
  if (notary.timestamped) add('Timestamp', 'an RFC 3161 countersignature is attached');
  return out;
}

function signatureText(keyIds: readonly string[]): string {
  const count = `${keyIds.length} signature${keyIds.length === 1 ? '' : 's'}`;
  const named = keyIds.filter((id) => id !== '');
  if (!keyIds.length) return 'none';
  return named.length ? `${count}, key ID ${named.slice(0, 8).join(', ')}${named.length > 8 ? ', …' : ''}` : `${count}, no key ID given`;
}

function bundleFacts(bundle: BundleRead): Fact[] {
  const out: Fact[] = bundle.mediaType === undefined ? [] : [{ label: 'Sigstore bundle', value: clip(bundle.mediaType, 256) }];
  if (bundle.signedDigest) out.push({ label: 'Signs', value: { text: bundle.signedDigest } });
  const certificate = bundle.certificate;
  if (certificate) {
    out.push(fact('Signed by', certificate.identities.join(', ') || certificate.subject || '(no name in the certificate)'));
    for (const claim of certificate.claims) out.push(fact(claim.name, claim.value));
    out.push(fact('Certificate issuer', certificate.issuer));
    out.push(fact('Certificate valid', `${certificate.validFrom} to ${certificate.validTo}`));
  } else if (bundle.certificateProblem) {
    out.push(fact('Signed by', bundle.certificateProblem));
  }
  for (const entry of bundle.logEntries)
    out.push(fact('Transparency log', `entry ${entry.index}${entry.time ? `, logged ${entry.time}` : ''}`));
  return out;
}

function fact(label: string, value: string): Fact {
  const out: Fact = { label: clip(label, 128).text, value: clip(value, 1024) };
  const url = httpUrl(value);
  if (url) out.url = url;
  return out;
}

/** `sha256:…` as the algorithm and value a statement's subject gives. */
function digestParts(digest: string): { algorithm: string; value: string } {
  const colon = digest.indexOf(':');
  return colon < 0 ? { algorithm: '', value: digest } : { algorithm: digest.slice(0, colon), value: digest.slice(colon + 1) };
}

function subjectRow(place: Place, subject: StatementSubject, label: string): SubjectRow {
  const sha256 = subject.digests.find((d) => d.algorithm === 'sha256' && /^[0-9a-f]{64}$/.test(d.value));
  const first = sha256 ?? subject.digests[0];
  const row: SubjectRow = { digest: clip(first ? `${first.algorithm}:${first.value}` : '(no digest)', 256) };
  if (subject.name !== undefined) row.name = clip(subject.name, 1024);
  // Statements name their subject by digest; here that is a manifest in the same repository.
  if (sha256) row.link = manifestLink(place, `sha256:${sha256.value}`, `the subject of ${label}`);
  return row;
}
