/**
 * Attestations opened down to what they say. Three shapes reach a registry:
 * - a DSSE envelope (cosign's attestations): the statement is base64 in `payload`;
 * - a Sigstore bundle (cosign 3, GitHub's artifact attestations): a DSSE envelope, or a plain
 *   message signature, with the signer's certificate and transparency-log entries beside it;
 * - a bare in-toto Statement (BuildKit's provenance and SBOM attestations).
 * Each is read to its statement: what it is about (subjects, by digest), what kind of claim it
 * makes (the predicate type, named when it is a known one) and a few facts of that claim.
 * A cosign signature (simple signing) is read the same way: the digest it signs, and the signer
 * and log entry its layer's annotations record.
 *
 * Reading, never verifying: no signature is checked here, and callers must not say otherwise.
 * Every string comes from the registry; callers clip and show them as text.
 */
import { isJsonObject } from './manifest';
import { spdx3Overview } from './sbom';
import { readSigningCertificate, type SigningCertificate } from './signing-certificate';

export interface StatementSubject {
  name?: string;
  /** Algorithm and value, as the statement gives them (`sha256` → hex). */
  digests: { algorithm: string; value: string }[];
}

export interface InTotoStatement {
  /** `_type`: the statement schema's URI. */
  type: string;
  predicateType: string;
  subjects: StatementSubject[];
  predicate: unknown;
}

export interface EnvelopeRead {
  payloadType: string;
  /** Each signature's key id; '' where none is given (DSSE: unset means empty). */
  keyIds: string[];
  /** Decoded size of the payload. */
  payloadBytes: number;
}

export interface BundleRead {
  /** A Sigstore bundle's media type; unset when the signer and log come from a cosign signature's annotations. */
  mediaType?: string;
  certificate?: SigningCertificate;
  /** Set when the bundle holds a certificate that could not be read. */
  certificateProblem?: string;
  /** Transparency-log entries: the log index, and when it was logged (ISO) when the bundle says. */
  logEntries: { index: string; time?: string }[];
  /** A message signature's signed digest (`sha256:…`), when the bundle signs a digest and not an envelope. */
  signedDigest?: string;
}

/** A cosign container image signature's signed payload ("simple signing"). */
export interface SimpleSigningRead {
  /** `critical.type`: always "cosign container image signature" for cosign. */
  type: string;
  /** The manifest digest signed. */
  signedDigest: string;
  /** The reference the signer named, if any. */
  reference?: string;
  /** `optional`: the signer's own annotations (`-a key=value`), strings only. */
  annotations: { key: string; value: string }[];
}

export interface AttestationRead {
  /** Set for a cosign signature's payload, read with its layer's annotations. */
  signature?: SimpleSigningRead;
  envelope?: EnvelopeRead;
  bundle?: BundleRead;
  statement?: InTotoStatement;
  /** The envelope's payload, decoded: JSON when it parses, else its text. */
  payload?: { json: unknown } | { text: string };
  /** Why the payload is not a statement, as a sentence. */
  problem?: string;
}

const STATEMENT_TYPE = /^https:\/\/in-toto\.io\/Statement\//;
const SIGSTORE_BUNDLE = /^application\/vnd\.dev\.sigstore\.bundle/;
/** A bundle logs its signature once or twice; more entries than this are not read. */
const MAX_LOG_ENTRIES = 16;

/** What an attestation-shaped JSON document says; undefined for any other document. */
export function readAttestation(document: unknown): AttestationRead | undefined {
  if (!isJsonObject(document)) return undefined;
  if (typeof document.mediaType === 'string' && SIGSTORE_BUNDLE.test(document.mediaType)) return readBundle(document);
  if (isEnvelope(document)) return openEnvelope(document);
  const statement = readStatement(document);
  return statement ? { statement } : undefined;
}

/** An in-toto Statement (v0.1 or v1), or undefined when the document is not one. */
export function readStatement(document: unknown): InTotoStatement | undefined {
  if (!isJsonObject(document) || typeof document._type !== 'string' || !STATEMENT_TYPE.test(document._type)) return undefined;
  if (typeof document.predicateType !== 'string') return undefined;
  const subjects: StatementSubject[] = [];
  for (const entry of Array.isArray(document.subject) ? document.subject : []) {
    if (!isJsonObject(entry)) continue;
    const digests = isJsonObject(entry.digest)
      ? Object.entries(entry.digest)
          .filter((pair): pair is [string, string] => typeof pair[1] === 'string')
          .map(([algorithm, value]) => ({ algorithm, value }))
      : [];
    subjects.push({ ...(typeof entry.name === 'string' ? { name: entry.name } : {}), digests });
  }
  return { type: document._type, predicateType: document.predicateType, subjects, predicate: document.predicate };
}

interface Envelope {
  payloadType: string;
  payload: string;
  signatures: unknown[];
}

function isEnvelope(value: unknown): value is Envelope & Record<string, unknown> {
  return (
    isJsonObject(value) && typeof value.payloadType === 'string' && typeof value.payload === 'string' && Array.isArray(value.signatures)
  );
}

function openEnvelope(envelope: Envelope): AttestationRead {
  const keyIds = envelope.signatures.map((s) => (isJsonObject(s) && typeof s.keyid === 'string' ? s.keyid : ''));
  const bytes = decodeBase64(envelope.payload);
  if (!bytes) {
    return {
      envelope: { payloadType: envelope.payloadType, keyIds, payloadBytes: 0 },
      problem: 'Its payload is not base64, so what it says cannot be read.',
    };
  }
  const read: AttestationRead = { envelope: { payloadType: envelope.payloadType, keyIds, payloadBytes: bytes.length } };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    read.problem = `Its payload is ${bytes.length.toLocaleString('en-US')} bytes of binary data, not a statement.`;
    return read;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    read.payload = { text };
    read.problem = 'Its payload is not JSON, so it is shown as text.';
    return read;
  }
  read.payload = { json };
  const statement = readStatement(json);
  if (statement) read.statement = statement;
  else read.problem = 'Its payload is JSON but not an in-toto statement.';
  return read;
}

function readBundle(bundle: Record<string, unknown>): AttestationRead {
  const material = isJsonObject(bundle.verificationMaterial) ? bundle.verificationMaterial : {};
  const read: BundleRead = { mediaType: bundle.mediaType as string, logEntries: [] };
  // v0.3 has one certificate; v0.1 and v0.2 a chain whose first is the signer's.
  const chain = isJsonObject(material.x509CertificateChain) ? material.x509CertificateChain.certificates : undefined;
  const leaf = isJsonObject(material.certificate)
    ? material.certificate
    : Array.isArray(chain) && isJsonObject(chain[0])
      ? chain[0]
      : undefined;
  if (leaf) {
    const der = typeof leaf.rawBytes === 'string' ? decodeBase64(leaf.rawBytes) : undefined;
    const certificate = der && readSigningCertificate(der);
    if (certificate) read.certificate = certificate;
    else read.certificateProblem = 'Its certificate could not be read.';
  }
  const entries = Array.isArray(material.tlogEntries) ? material.tlogEntries : [];
  for (const entry of entries.slice(0, MAX_LOG_ENTRIES)) {
    if (!isJsonObject(entry) || !isDecimal(entry.logIndex)) continue;
    const time = isDecimal(entry.integratedTime) ? isoSeconds(Number(entry.integratedTime)) : undefined;
    read.logEntries.push({ index: String(entry.logIndex), ...(time ? { time } : {}) });
  }
  const message = isJsonObject(bundle.messageSignature) ? bundle.messageSignature : undefined;
  const digest = message && isJsonObject(message.messageDigest) ? message.messageDigest : undefined;
  if (digest && typeof digest.digest === 'string' && digest.algorithm === 'SHA2_256') {
    const bytes = decodeBase64(digest.digest);
    if (bytes?.length === 32) read.signedDigest = `sha256:${Buffer.from(bytes).toString('hex')}`;
  }
  if (isEnvelope(bundle.dsseEnvelope)) return { ...openEnvelope(bundle.dsseEnvelope), bundle: read };
  return { bundle: read };
}

/** cosign's annotations on a signature layer (cosign specs/SIGNATURE_SPEC.md). */
const COSIGN_CERTIFICATE = 'dev.sigstore.cosign/certificate';
const COSIGN_BUNDLE = 'dev.sigstore.cosign/bundle';
/** Signer annotations shown: cosign users add a few (`-a git_sha=…`). */
const MAX_SIGNER_ANNOTATIONS = 32;

/**
 * A cosign signature: its simple-signing payload (the manifest digest it signs, the reference
 * named) and, from its layer's annotations, the keyless signer's certificate (PEM) and the
 * transparency-log entry its bundle records. Undefined for any other document.
 */
export function readCosignSignature(document: unknown, layerAnnotations: Record<string, string> = {}): AttestationRead | undefined {
  if (!isJsonObject(document) || !isJsonObject(document.critical)) return undefined;
  const { type, image, identity } = document.critical;
  if (typeof type !== 'string' || !isJsonObject(image) || typeof image['docker-manifest-digest'] !== 'string') return undefined;
  const signature: SimpleSigningRead = { type, signedDigest: image['docker-manifest-digest'], annotations: [] };
  if (isJsonObject(identity) && typeof identity['docker-reference'] === 'string') signature.reference = identity['docker-reference'];
  if (isJsonObject(document.optional))
    for (const [key, value] of Object.entries(document.optional).slice(0, MAX_SIGNER_ANNOTATIONS))
      if (typeof value === 'string') signature.annotations.push({ key, value });
  const read: AttestationRead = { signature };
  const pem = layerAnnotations[COSIGN_CERTIFICATE];
  const logged = layerAnnotations[COSIGN_BUNDLE];
  if (pem === undefined && logged === undefined) return read;
  const bundle: BundleRead = { logEntries: [] };
  if (pem !== undefined) {
    const certificate = readSigningCertificate(Buffer.from(pem));
    if (certificate) bundle.certificate = certificate;
    else bundle.certificateProblem = 'Its certificate could not be read.';
  }
  const entry = logged === undefined ? undefined : logEntryOf(logged);
  if (entry) bundle.logEntries.push(entry);
  read.bundle = bundle;
  return read;
}

/** cosign's bundle annotation: `{"SignedEntryTimestamp": …, "Payload": {"logIndex": 1, "integratedTime": 2, …}}`. */
function logEntryOf(text: string): { index: string; time?: string } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const payload = isJsonObject(json) && isJsonObject(json.Payload) ? json.Payload : undefined;
  if (!payload || !isDecimal(payload.logIndex)) return undefined;
  const time = isDecimal(payload.integratedTime) ? isoSeconds(Number(payload.integratedTime)) : undefined;
  return { index: String(payload.logIndex), ...(time ? { time } : {}) };
}

/** Unix seconds as ISO text, for times a log could have recorded (after 1970, before 5138). */
function isoSeconds(seconds: number): string | undefined {
  return seconds > 0 && seconds < 1e11 ? new Date(seconds * 1000).toISOString() : undefined;
}

/**
 * Base64 as DSSE allows it: the standard or the URL-safe alphabet (not both), padding optional.
 * Node's decoder skips what it does not know, so the text is checked first: a payload with
 * stray characters is not silently read as something else.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  const body = text.endsWith('==') ? text.slice(0, -2) : text.endsWith('=') ? text.slice(0, -1) : text;
  if (body.length % 4 === 1 || (body.length !== text.length && text.length % 4 !== 0)) return undefined;
  const standard = /^[A-Za-z0-9+/]*$/.test(body);
  if (!standard && !/^[A-Za-z0-9_-]*$/.test(body)) return undefined;
  return Buffer.from(body, standard ? 'base64' : 'base64url');
}

export interface PredicateKind {
  /** What people call it: "SLSA provenance v1", "SPDX SBOM". */
  name: string;
  /** Where its specification is. */
  spec?: string;
}

const IN_TOTO_PREDICATES = 'https://github.com/in-toto/attestation/blob/main/spec/predicates/';

/** Known predicate types (in-toto attestation spec/predicates, SLSA, cosign, OpenVEX), first match wins. */
const PREDICATE_KINDS: readonly (readonly [RegExp, (version: string) => PredicateKind])[] = [
  [
    /^https:\/\/slsa\.dev\/provenance\/(v\d[\d.]{0,10})$/,
    (v) => ({ name: `SLSA provenance ${v}`, spec: `https://slsa.dev/spec/${slsaSpecVersion(v)}/provenance` }),
  ],
  [
    /^https:\/\/in-toto\.io\/Provenance\/(v\d[\d.]{0,10})$/,
    (v) => ({ name: `SLSA provenance ${v} (in-toto's old name)`, spec: 'https://slsa.dev/spec/v0.1/provenance' }),
  ],
  [
    /^https:\/\/slsa\.dev\/verification_summary\/(v\d[\d.]{0,10})$/,
    (v) => ({ name: `SLSA verification summary ${v}`, spec: `https://slsa.dev/spec/${slsaSpecVersion(v)}/verification_summary` }),
  ],
  [
    /^https:\/\/spdx\.dev\/Document(?:\/(v\d[\d.]{0,10}))?$/,
    (v) => ({ name: `SPDX SBOM${v ? ` ${v}` : ''}`, spec: `${IN_TOTO_PREDICATES}${v.startsWith('v3') ? 'spdx3' : 'spdx2'}.md` }),
  ],
  [
    /^https:\/\/cyclonedx\.org\/bom(?:\/(v\d[\d.]{0,10}))?$/,
    (v) => ({ name: `CycloneDX SBOM${v ? ` ${v}` : ''}`, spec: `${IN_TOTO_PREDICATES}cyclonedx.md` }),
  ],
  [
    // `vuln/v0.1` is how the predicate's first draft and some tools still write it.
    /^https:\/\/in-toto\.io\/attestation\/vulns?\/(v\d[\d.]{0,10})$/,
    (v) => ({ name: `vulnerability scan ${v}`, spec: `${IN_TOTO_PREDICATES}${v === 'v0.1' ? 'vuln' : 'vulns_02'}.md` }),
  ],
  [
    /^https:\/\/cosign\.sigstore\.dev\/attestation\/vuln\/(v\d+)$/,
    () => ({
      name: 'vulnerability scan (cosign)',
      spec: 'https://github.com/sigstore/cosign/blob/main/specs/COSIGN_VULN_ATTESTATION_SPEC.md',
    }),
  ],
  [
    /^https:\/\/cosign\.sigstore\.dev\/attestation\/(v\d+)$/,
    () => ({ name: 'custom predicate (cosign)', spec: 'https://github.com/sigstore/cosign/blob/main/specs/COSIGN_PREDICATE_SPEC.md' }),
  ],
  [
    /^https:\/\/openvex\.dev\/ns(?:\/(v\d[\d.]{0,10}))?$/,
    (v) => ({ name: `OpenVEX${v ? ` ${v}` : ''}`, spec: 'https://github.com/openvex/spec' }),
  ],
  [
    /^https:\/\/in-toto\.io\/(?:attestation\/link|Link)\/(v\d[\d.]{0,10})$/,
    (v) => ({ name: `in-toto link ${v}`, spec: `${IN_TOTO_PREDICATES}link.md` }),
  ],
  [
    /^https:\/\/in-toto\.io\/attestation\/scai\/(v\d[\d.]{0,10})$/,
    (v) => ({ name: `SCAI report ${v}`, spec: `${IN_TOTO_PREDICATES}scai.md` }),
  ],
  [
    /^https:\/\/in-toto\.io\/attestation\/runtime-trace\/(v\d[\d.]{0,10})$/,
    (v) => ({ name: `runtime trace ${v}`, spec: `${IN_TOTO_PREDICATES}runtime-trace.md` }),
  ],
  [
    /^https:\/\/in-toto\.io\/attestation\/test-result\/(v\d[\d.]{0,10})$/,
    (v) => ({ name: `test result ${v}`, spec: `${IN_TOTO_PREDICATES}test-result.md` }),
  ],
  [
    /^https:\/\/in-toto\.io\/attestation\/release\/(v\d[\d.]{0,10})$/,
    (v) => ({ name: `release ${v}`, spec: `${IN_TOTO_PREDICATES}release.md` }),
  ],
  [
    /^https:\/\/in-toto\.io\/attestation\/reference\/(v\d[\d.]{0,10})$/,
    (v) => ({ name: `reference ${v}`, spec: `${IN_TOTO_PREDICATES}reference.md` }),
  ],
  [
    /^https:\/\/in-toto\.io\/attestation\/svr\/(v\d[\d.]{0,10})$/,
    (v) => ({ name: `verification result ${v}`, spec: `${IN_TOTO_PREDICATES}svr.md` }),
  ],
];

/** SLSA's spec pages are per release: v1 and v1.0 are `v1.0`, v0.2 is `v0.2`. */
function slsaSpecVersion(version: string): string {
  return /^v1(\.0)?$/.test(version) ? 'v1.0' : version;
}

export function predicateKindOf(predicateType: string): PredicateKind | undefined {
  for (const [pattern, kind] of PREDICATE_KINDS) {
    const match = pattern.exec(predicateType);
    if (match) return kind(match[1] ?? '');
  }
  return undefined;
}

/**
 * Annotations that say what an attestation layer or manifest claims: BuildKit's on its statement
 * layers, cosign's bundle spec on a bundle referrer, and cosign's own on each envelope layer of a
 * `sha256-<hex>.att` manifest.
 */
const PREDICATE_TYPE_ANNOTATIONS = ['in-toto.io/predicate-type', 'dev.sigstore.bundle.predicateType', 'predicateType'];

/** The predicate type a descriptor's annotations name, if any (registry text: unchecked beyond being a string). */
export function annotatedPredicateType(annotations: Record<string, string> | undefined): string | undefined {
  if (!annotations) return undefined;
  for (const key of PREDICATE_TYPE_ANNOTATIONS) {
    const type = annotations[key];
    if (typeof type === 'string' && type !== '') return type;
  }
  return undefined;
}

/** SPDX and CycloneDX, as in-toto names them: the predicates whose body is an SBOM. */
export function isSbomPredicateType(predicateType: string): boolean {
  return /^https:\/\/(?:spdx\.dev\/Document|cyclonedx\.org\/bom)(?:\/v\d[\d.]{0,10})?$/.test(predicateType);
}

/** The in-toto vulnerability predicates and cosign's: the predicates whose body is a scan report. */
export function isScanPredicateType(predicateType: string): boolean {
  return /^https:\/\/(?:in-toto\.io\/attestation\/vulns?\/v\d[\d.]{0,10}|cosign\.sigstore\.dev\/attestation\/vuln\/v\d+)$/.test(
    predicateType,
  );
}

/**
 * What an attestation claims, judged from its descriptor's annotations alone (no read): the
 * predicate's name ("SLSA provenance v0.2") or type, or "signature" for a bundle holding a message
 * signature; undefined when the annotations do not say.
 */
export function claimOf(annotations: Record<string, string> | undefined): string | undefined {
  if (!annotations) return undefined;
  const type = annotatedPredicateType(annotations);
  // An unknown type is named by itself, cut to what a row can hold: annotations can be megabytes.
  if (type !== undefined) return predicateKindOf(type)?.name ?? cutText(type, MAX_CLAIM_CHARS);
  return annotations['dev.sigstore.bundle.content'] === 'message-signature' ? 'signature' : undefined;
}

const MAX_CLAIM_CHARS = 200;

function cutText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

export interface PredicateFact {
  label: string;
  value: string;
}

/**
 * A few facts a person looks for first in a known predicate: who built it and from what, what an
 * SBOM describes and how many packages, what scanner ran. Fields of the wrong type are skipped.
 */
export function predicateFacts(predicateType: string, predicate: unknown): PredicateFact[] {
  if (!isJsonObject(predicate)) return [];
  const facts: PredicateFact[] = [];
  const add = (label: string, value: unknown): void => {
    if (typeof value === 'string' && value !== '') facts.push({ label, value });
    else if (typeof value === 'number' && Number.isFinite(value)) facts.push({ label, value: String(value) });
    else if (typeof value === 'boolean') facts.push({ label, value: String(value) });
  };
  const count = (label: string, value: unknown): void => {
    if (Array.isArray(value)) facts.push({ label, value: value.length.toLocaleString('en-US') });
  };
  const at = (...path: string[]): unknown => path.reduce<unknown>((v, key) => (isJsonObject(v) ? v[key] : undefined), predicate);
  const kind = predicateKindOf(predicateType)?.name ?? '';
  if (/^SLSA provenance v1/.test(kind)) {
    add('Builder', at('runDetails', 'builder', 'id'));
    add('Build type', at('buildDefinition', 'buildType'));
    add('Invocation', at('runDetails', 'metadata', 'invocationId'));
    add('Started', at('runDetails', 'metadata', 'startedOn'));
    add('Finished', at('runDetails', 'metadata', 'finishedOn'));
    count('Dependencies', at('buildDefinition', 'resolvedDependencies'));
  } else if (/^SLSA provenance/.test(kind)) {
    add('Builder', at('builder', 'id'));
    add('Build type', at('buildType'));
    add('Source', at('invocation', 'configSource', 'uri'));
    add('Entry point', at('invocation', 'configSource', 'entryPoint'));
    add('Started', at('metadata', 'buildStartedOn'));
    add('Finished', at('metadata', 'buildFinishedOn'));
    count('Materials', at('materials'));
  } else if (/^SLSA verification summary/.test(kind)) {
    add('Verifier', at('verifier', 'id'));
    add('Result', at('verificationResult'));
    const levels = at('verifiedLevels');
    if (Array.isArray(levels)) add('Levels', levels.filter((l): l is string => typeof l === 'string').join(', '));
    add('Policy', at('policy', 'uri'));
    add('Verified', at('timeVerified'));
  } else if (/^SPDX/.test(kind)) {
    // SPDX 3 is JSON-LD: its version is in `@context` and what it lists is in `@graph`.
    const spdx3 = spdx3Overview(predicate);
    if (spdx3) {
      add('SPDX version', spdx3.format);
      add('Document', spdx3.name);
      add('Created', spdx3.created);
      add('Packages', spdx3.packages.toLocaleString('en-US'));
      if (spdx3.files) add('Files', spdx3.files.toLocaleString('en-US'));
    } else {
      add('SPDX version', at('spdxVersion'));
      add('Document', at('name'));
      add('Created', at('creationInfo', 'created'));
      const creators = at('creationInfo', 'creators');
      if (Array.isArray(creators)) add('Creators', creators.filter((c): c is string => typeof c === 'string').join(', '));
      count('Packages', at('packages'));
      count('Files', at('files'));
    }
  } else if (/^CycloneDX/.test(kind)) {
    add('Spec version', at('specVersion'));
    add('Component', at('metadata', 'component', 'name'));
    add('Version', at('metadata', 'component', 'version'));
    add('Created', at('metadata', 'timestamp'));
    count('Components', at('components'));
    count('Vulnerabilities', at('vulnerabilities'));
  } else if (/^vulnerability scan/.test(kind)) {
    add('Scanner', at('scanner', 'uri'));
    add('Scanner version', at('scanner', 'version'));
    add('Database', at('scanner', 'db', 'uri'));
    add('Scanned', at('metadata', 'scanFinishedOn'));
    count('Findings', at('scanner', 'result'));
  } else if (/^OpenVEX/.test(kind)) {
    add('Author', at('author'));
    add('Issued', at('timestamp'));
    count('Statements', at('statements'));
  }
  return facts;
}

function isDecimal(value: unknown): value is string | number {
  return (
    (typeof value === 'string' && /^\d{1,20}$/.test(value)) || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
  );
}
