// Whatever JSON a registry serves as an attestation, a signature or an SBOM, reading it never throws
// and what comes back has the shape the page expects.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { claimOf, predicateFacts, readAttestation, readCosignSignature } from '../../../../src/core/oci/attestation';
import { readSbom } from '../../../../src/core/oci/sbom';

/** JSON values, with the keys these readers look for mixed in so the interesting paths are taken. */
const KEYS = [
  '_type',
  'predicateType',
  'predicate',
  'subject',
  'digest',
  'name',
  'payload',
  'payloadType',
  'signatures',
  'keyid',
  'mediaType',
  'verificationMaterial',
  'certificate',
  'rawBytes',
  'tlogEntries',
  'logIndex',
  'integratedTime',
  'dsseEnvelope',
  'messageSignature',
  'critical',
  'image',
  'docker-manifest-digest',
  'optional',
  'spdxVersion',
  'packages',
  'bomFormat',
  'components',
  'licenses',
  '@context',
  '@graph',
  '@id',
  'type',
  'spdxId',
  'relationshipType',
  'from',
  'to',
  'software_packageUrl',
  'externalIdentifier',
];
const STRINGS = [
  'https://in-toto.io/Statement/v1',
  'https://slsa.dev/provenance/v1',
  'https://spdx.dev/Document',
  'application/vnd.dev.sigstore.bundle.v0.3+json',
  'SPDX-2.3',
  'https://spdx.org/rdf/3.0.1/spdx-context.jsonld',
  'software_Package',
  'hasConcludedLicense',
  'CycloneDX',
  'e30=',
  'eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEiLCJwcmVkaWNhdGVUeXBlIjoieCJ9',
];
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...STRINGS),
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** Ids the SPDX 3 elements below share, so relationships, licenses and identifiers find their packages. */
const spdx3Id = fc.oneof(
  fc.constantFrom('urn:p1', 'urn:p2', 'urn:l1', '_:purl', 'https://spdx.org/licenses/MIT', 'expandedlicensing_NoAssertionLicense'),
  json,
);
const spdx3Element = fc.record(
  {
    type: fc.oneof(
      fc.constantFrom(
        'software_Package',
        'spdx:Software/Package',
        'Relationship',
        'simplelicensing_LicenseExpression',
        'expandedlicensing_ListedLicense',
        'ExternalIdentifier',
        'SpdxDocument',
        'CreationInfo',
        'software_File',
      ),
      json,
    ),
    spdxId: spdx3Id,
    '@id': spdx3Id,
    name: json,
    software_packageVersion: json,
    software_packageUrl: json,
    externalIdentifier: fc.oneof(
      json,
      fc.array(fc.oneof(spdx3Id, fc.record({ externalIdentifierType: fc.oneof(fc.constant('packageUrl'), json), identifier: json })), {
        maxLength: 3,
      }),
    ),
    externalIdentifierType: fc.oneof(fc.constant('packageUrl'), json),
    identifier: json,
    relationshipType: fc.oneof(fc.constantFrom('hasConcludedLicense', 'hasDeclaredLicense'), json),
    from: spdx3Id,
    to: fc.oneof(spdx3Id, fc.array(spdx3Id, { maxLength: 3 })),
    simplelicensing_licenseExpression: fc.oneof(fc.constantFrom('MIT', 'NOASSERTION'), json),
    creationInfo: fc.oneof(spdx3Id, json),
    created: json,
  },
  { requiredKeys: [] },
);
/** SPDX 3 JSON-LD: a context naming SPDX 3 (or not quite) and a graph of elements and junk. */
const spdx3Document = fc.record(
  {
    '@context': fc.oneof(
      fc.constantFrom('https://spdx.org/rdf/3.0.1/spdx-context.jsonld', 'https://spdx.org/rdf/3.x/spdx-context.jsonld'),
      fc.array(fc.oneof(fc.constant('https://spdx.org/rdf/3.0/spdx-context.jsonld'), json), { maxLength: 3 }),
      json,
    ),
    '@graph': fc.oneof(fc.array(fc.oneof(spdx3Element, json), { maxLength: 8 }), spdx3Element, json),
  },
  { requiredKeys: ['@context'] },
);

/** Documents of the shapes the readers take, with arbitrary values wherever the registry chooses them. */
const statement = fc.record({
  _type: fc.constantFrom('https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'),
  predicateType: fc.oneof(
    fc.constantFrom(
      'https://slsa.dev/provenance/v1',
      'https://slsa.dev/provenance/v0.2',
      'https://spdx.dev/Document',
      'https://spdx.dev/Document/v3',
      'https://cyclonedx.org/bom',
    ),
    fc.string(),
  ),
  subject: fc.oneof(fc.array(json, { maxLength: 4 }), fc.array(fc.record({ name: json, digest: json }), { maxLength: 4 }), json),
  predicate: fc.oneof(
    json,
    fc.record({ spdxVersion: fc.constant('SPDX-2.3'), packages: fc.array(json, { maxLength: 4 }) }),
    fc.record({ bomFormat: fc.constant('CycloneDX'), components: fc.array(json, { maxLength: 4 }) }),
    spdx3Document,
  ),
});
const envelope = fc.record({
  payloadType: fc.string(),
  payload: fc.oneof(
    statement.map((s) => Buffer.from(JSON.stringify(s)).toString('base64')),
    fc.string(),
    json.map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')),
  ),
  signatures: fc.array(json, { maxLength: 3 }),
});
const bundle = fc.record({
  mediaType: fc.constant('application/vnd.dev.sigstore.bundle.v0.3+json'),
  verificationMaterial: fc.oneof(
    json,
    fc.record({
      certificate: fc.oneof(json, fc.record({ rawBytes: fc.oneof(fc.string(), fc.base64String()) })),
      tlogEntries: fc.array(json, { maxLength: 3 }),
    }),
  ),
  dsseEnvelope: fc.oneof(json, envelope),
  messageSignature: fc.oneof(
    json,
    fc.record({
      messageDigest: fc.record({ algorithm: fc.constantFrom('SHA2_256', 'x'), digest: fc.oneof(fc.string(), fc.base64String()) }),
    }),
  ),
});
const simpleSigning = fc.record({
  critical: fc.oneof(json, fc.record({ type: json, image: fc.oneof(json, fc.record({ 'docker-manifest-digest': json })), identity: json })),
  optional: json,
});
const documents = fc.oneof(json, statement, envelope, bundle, simpleSigning, spdx3Document);

describe('attestation readers on arbitrary JSON', () => {
  it('never throw, and give text where the page expects text', () => {
    fc.assert(
      fc.property(
        documents,
        fc.dictionary(fc.constantFrom('dev.sigstore.cosign/certificate', 'dev.sigstore.cosign/bundle', 'x'), fc.string()),
        (document, annotations) => {
          const read = readAttestation(document);
          if (read?.statement) {
            assert.equal(typeof read.statement.predicateType, 'string');
            for (const subject of read.statement.subjects) for (const d of subject.digests) assert.equal(typeof d.value, 'string');
            for (const fact of predicateFacts(read.statement.predicateType, read.statement.predicate))
              assert.equal(typeof fact.value, 'string');
          }
          // An SBOM served as a document of its own is also a predicate's shape.
          for (const fact of predicateFacts('https://spdx.dev/Document/v3', document)) assert.equal(typeof fact.value, 'string');
          const signature = readCosignSignature(document, annotations);
          if (signature?.signature) assert.equal(typeof signature.signature.signedDigest, 'string');
          const sbom = readSbom(document) ?? readSbom(read?.statement?.predicate);
          for (const p of sbom?.packages ?? []) {
            assert.equal(typeof p.name, 'string');
            for (const text of [p.version, p.license, p.purl]) assert.ok(text === undefined || typeof text === 'string');
          }
          const claim = claimOf(annotations);
          assert.ok(claim === undefined || typeof claim === 'string');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
