// Attestations read to their statements (DSSE envelopes, Sigstore bundles, bare in-toto statements) and cosign signatures to what they sign, hostile ones too.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeBase64,
  predicateFacts,
  predicateKindOf,
  annotatedPredicateType,
  claimOf,
  isSbomPredicateType,
  readAttestation,
  readCosignSignature,
  readStatement,
} from '../../../../src/core/oci/attestation';
import { readSigningCertificate } from '../../../../src/core/oci/signing-certificate';
import { EMAIL_CERTIFICATE, pemOf, WORKFLOW_CERTIFICATE } from '../../../support/signing-certificates';

const IMAGE = 'a'.repeat(64);

/** BuildKit's provenance statement for one platform manifest (SLSA v0.2, mode=min), cut to its shape. */
const PROVENANCE = {
  _type: 'https://in-toto.io/Statement/v0.1',
  predicateType: 'https://slsa.dev/provenance/v0.2',
  subject: [{ name: 'pkg:docker/acme/app@v1?platform=linux%2Famd64', digest: { sha256: IMAGE } }],
  predicate: {
    builder: { id: 'https://github.com/acme/app/actions/runs/1' },
    buildType: 'https://mobyproject.org/buildkit@v1',
    materials: [{ uri: 'pkg:docker/debian@bookworm' }, { uri: 'pkg:docker/golang@1.22' }],
    invocation: { configSource: { entryPoint: 'Dockerfile' } },
    metadata: { buildStartedOn: '2026-11-30T10:00:00Z', buildFinishedOn: '2026-11-30T10:02:00Z' },
  },
};

const envelope = (payload: unknown, signatures: unknown[] = [{ keyid: '', sig: 'MEUCIQ==' }]): Record<string, unknown> => ({
  payloadType: 'application/vnd.in-toto+json',
  payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString('base64'),
  signatures,
});

describe('attestations', () => {
  it('reads a bare in-toto statement, as BuildKit pushes it', () => {
    const read = readAttestation(PROVENANCE);
    assert.deepEqual(read?.statement?.subjects, [
      { name: 'pkg:docker/acme/app@v1?platform=linux%2Famd64', digests: [{ algorithm: 'sha256', value: IMAGE }] },
    ]);
    assert.equal(read?.statement?.predicateType, 'https://slsa.dev/provenance/v0.2');
    assert.equal(read?.envelope, undefined);
    assert.equal(read?.payload, undefined);
  });

  it("opens a DSSE envelope's payload to its statement, with each signature's key ID", () => {
    const read = readAttestation(envelope(PROVENANCE, [{ keyid: 'SHA256:abc', sig: 'x' }, { sig: 'y' }]));
    assert.deepEqual(read?.envelope, {
      payloadType: 'application/vnd.in-toto+json',
      keyIds: ['SHA256:abc', ''],
      payloadBytes: JSON.stringify(PROVENANCE).length,
    });
    assert.deepEqual(read?.payload, { json: PROVENANCE });
    assert.equal(read?.statement?.type, 'https://in-toto.io/Statement/v0.1');
    assert.equal(read?.problem, undefined);
  });

  it('accepts URL-safe base64 and missing padding, as DSSE allows', () => {
    const text = JSON.stringify(PROVENANCE) + '??>>';
    const urlSafe = Buffer.from(text).toString('base64url');
    assert.match(urlSafe, /[-_]/);
    assert.equal(Buffer.from(decodeBase64(urlSafe)!).toString(), text);
    assert.equal(Buffer.from(decodeBase64('aGk')!).toString(), 'hi');
    assert.equal(Buffer.from(decodeBase64('aGk=')!).toString(), 'hi');
  });

  it('refuses base64 with stray characters, mixed alphabets or a bad length, which Node would read as something else', () => {
    for (const bad of ['aGk*', 'aG k=', 'a', 'aGk==', 'a+b_', 'aGk=aGk=', '=aGk', 'aGk\n']) assert.equal(decodeBase64(bad), undefined, bad);
    const read = readAttestation({ ...envelope(PROVENANCE), payload: 'e30*' });
    assert.equal(read?.statement, undefined);
    assert.match(read?.problem ?? '', /not base64/);
  });

  it('agrees with Node on every well-formed base64 text, in both alphabets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.boolean(), (bytes, urlSafe, unpadded) => {
        let text = Buffer.from(bytes).toString(urlSafe ? 'base64url' : 'base64');
        if (!urlSafe && unpadded) text = text.replace(/=+$/, '');
        assert.deepEqual(Buffer.from(decodeBase64(text)!), Buffer.from(bytes));
      }),
    );
  });

  it('says what a payload is when it is not a statement: binary, text, or other JSON', () => {
    const binary = readAttestation({ ...envelope(''), payload: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') });
    assert.match(binary?.problem ?? '', /3 bytes of binary data/);
    const text = readAttestation(envelope('signed words'));
    assert.deepEqual(text?.payload, { text: 'signed words' });
    assert.match(text?.problem ?? '', /not JSON/);
    const other = readAttestation(envelope({ critical: { type: 'cosign container image signature' } }));
    assert.equal(other?.statement, undefined);
    assert.match(other?.problem ?? '', /not an in-toto statement/);
  });

  it('reads a Sigstore bundle: its envelope, its signer and its log entries', () => {
    const read = readAttestation({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        certificate: { rawBytes: WORKFLOW_CERTIFICATE },
        tlogEntries: [{ logIndex: '123456789', integratedTime: '1764500000', kindVersion: { kind: 'dsse', version: '0.0.1' } }],
      },
      dsseEnvelope: envelope(PROVENANCE),
    });
    assert.equal(read?.statement?.predicateType, 'https://slsa.dev/provenance/v0.2');
    assert.equal(read?.bundle?.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.deepEqual(read?.bundle?.certificate?.identities, [
      'URI:https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0',
    ]);
    assert.deepEqual(read?.bundle?.logEntries, [{ index: '123456789', time: '2025-11-30T10:53:20.000Z' }]);
  });

  it("reads an older bundle's certificate chain and a message signature's signed digest", () => {
    const read = readAttestation({
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2',
      verificationMaterial: { x509CertificateChain: { certificates: [{ rawBytes: EMAIL_CERTIFICATE }, { rawBytes: 'AAAA' }] } },
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: Buffer.from(IMAGE, 'hex').toString('base64') },
        signature: 'MEU=',
      },
    });
    assert.deepEqual(read?.bundle?.certificate?.identities, ['email:dev@example.com']);
    assert.equal(read?.bundle?.signedDigest, `sha256:${IMAGE}`);
    assert.equal(read?.statement, undefined);
    assert.equal(read?.envelope, undefined);
  });

  it('says when a bundle holds a certificate it cannot read, and skips log entries of the wrong shape', () => {
    const read = readAttestation({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        certificate: { rawBytes: 'bm90IGEgY2VydA==' },
        tlogEntries: [{ logIndex: '-1' }, { logIndex: 'x' }, 'entry', { logIndex: 7, integratedTime: 'soon' }],
      },
    });
    assert.match(read?.bundle?.certificateProblem ?? '', /could not be read/);
    assert.deepEqual(read?.bundle?.logEntries, [{ index: '7' }]);
  });

  it('leaves documents that are not attestations alone', () => {
    for (const document of [
      null,
      [],
      'text',
      { schemaVersion: 2 },
      { _type: 'https://example.com/Statement/v1', predicateType: 'x' },
      { _type: 'https://in-toto.io/Statement/v1' },
      { payloadType: 'x', payload: 'e30=' },
    ])
      assert.equal(readAttestation(document), undefined, JSON.stringify(document));
  });

  it('keeps subjects of any shape it can read, and skips fields of the wrong type', () => {
    const statement = readStatement({
      _type: 'https://in-toto.io/Statement/v1',
      predicateType: 'https://example.com/custom/v1',
      subject: [{ digest: { sha256: IMAGE, gitCommit: 7 } }, 'x', { name: 3, digest: 'sha256' }, { name: 'only-a-name' }],
    });
    assert.deepEqual(statement?.subjects, [
      { digests: [{ algorithm: 'sha256', value: IMAGE }] },
      { digests: [] },
      { name: 'only-a-name', digests: [] },
    ]);
  });

  describe('cosign signatures', () => {
    const payload = {
      critical: {
        identity: { 'docker-reference': 'ghcr.io/acme/app' },
        image: { 'docker-manifest-digest': `sha256:${IMAGE}` },
        type: 'cosign container image signature',
      },
      optional: { git_sha: 'abc123', count: 3 },
    };
    const pem = pemOf(WORKFLOW_CERTIFICATE);

    it("reads what a keyless signature signs, and its signer and log entry from its layer's annotations", () => {
      const read = readCosignSignature(payload, {
        'dev.cosignproject.cosign/signature': 'MEUCIQ==',
        'dev.sigstore.cosign/certificate': pem,
        'dev.sigstore.cosign/bundle': JSON.stringify({
          SignedEntryTimestamp: 'x',
          Payload: { body: 'e30=', integratedTime: 1764500000, logIndex: 42, logID: 'c0d2' },
        }),
      });
      assert.deepEqual(read?.signature, {
        type: 'cosign container image signature',
        signedDigest: `sha256:${IMAGE}`,
        reference: 'ghcr.io/acme/app',
        annotations: [{ key: 'git_sha', value: 'abc123' }],
      });
      assert.deepEqual(read?.bundle?.certificate?.identities, [
        'URI:https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0',
      ]);
      assert.deepEqual(read?.bundle?.logEntries, [{ index: '42', time: '2025-11-30T10:53:20.000Z' }]);
    });

    it('reads a signature made with a key (no certificate, no log) as just what it signs', () => {
      const read = readCosignSignature(payload, { 'dev.cosignproject.cosign/signature': 'MEUCIQ==' });
      assert.equal(read?.signature?.signedDigest, `sha256:${IMAGE}`);
      assert.equal(read?.bundle, undefined);
    });

    it('says when the certificate annotation is not one, and ignores a bundle annotation it cannot read', () => {
      for (const bundle of ['{', '[]', '{"Payload":{"logIndex":"-3"}}', '{"Payload":{"logIndex":1e400}}']) {
        const read = readCosignSignature(payload, {
          'dev.sigstore.cosign/certificate': 'not a certificate',
          'dev.sigstore.cosign/bundle': bundle,
        });
        assert.match(read?.bundle?.certificateProblem ?? '', /could not be read/, bundle);
        assert.deepEqual(read?.bundle?.logEntries, [], bundle);
      }
    });

    it('leaves other JSON alone', () => {
      for (const document of [{ critical: {} }, { critical: { type: 'x', image: {} } }, { critical: 'x' }, PROVENANCE])
        assert.equal(readCosignSignature(document), undefined, JSON.stringify(document));
    });
  });

  it("names what an attestation claims from its descriptor's annotations alone", () => {
    assert.equal(claimOf({ 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' }), 'SLSA provenance v0.2');
    assert.equal(
      claimOf({ 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://spdx.dev/Document' }),
      'SPDX SBOM',
    );
    assert.equal(claimOf({ 'dev.sigstore.bundle.content': 'message-signature' }), 'signature');
    assert.equal(claimOf({ predicateType: 'https://cyclonedx.org/bom' }), 'CycloneDX SBOM', "cosign's annotation on an .att layer");
    assert.equal(claimOf({ 'in-toto.io/predicate-type': 'https://example.com/own/v1' }), 'https://example.com/own/v1');
    assert.equal(
      claimOf({ 'in-toto.io/predicate-type': 'x'.repeat(1_000_000) })?.length,
      201,
      'an unknown type is cut to what a row holds',
    );
    assert.equal(claimOf({ 'in-toto.io/predicate-type': '' }), undefined);
    assert.equal(claimOf({ 'org.opencontainers.image.title': 'x' }), undefined);
    assert.equal(claimOf(undefined), undefined);
  });

  it('tells SBOM predicate types from the rest', () => {
    for (const type of [
      'https://spdx.dev/Document',
      'https://spdx.dev/Document/v2.3',
      'https://spdx.dev/Document/v3.0',
      'https://cyclonedx.org/bom',
      'https://cyclonedx.org/bom/v1.5',
    ])
      assert.equal(isSbomPredicateType(type), true, type);
    for (const type of ['https://slsa.dev/provenance/v1', 'https://spdx.dev/Documentation', 'https://cyclonedx.org/bom/x', 'spdx', ''])
      assert.equal(isSbomPredicateType(type), false, type);
    assert.equal(
      annotatedPredicateType({ predicateType: 'https://spdx.dev/Document', 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v1' }),
      'https://slsa.dev/provenance/v1',
      "BuildKit's annotation first",
    );
    assert.equal(annotatedPredicateType({ predicateType: '' }), undefined);
  });

  describe('predicate types', () => {
    it('names the common ones and links their specs', () => {
      const cases: [string, string, string][] = [
        ['https://slsa.dev/provenance/v0.2', 'SLSA provenance v0.2', 'https://slsa.dev/spec/v0.2/provenance'],
        ['https://slsa.dev/provenance/v1', 'SLSA provenance v1', 'https://slsa.dev/spec/v1.0/provenance'],
        ['https://spdx.dev/Document', 'SPDX SBOM', 'spdx2.md'],
        ['https://spdx.dev/Document/v3', 'SPDX SBOM v3', 'spdx3.md'],
        ['https://cyclonedx.org/bom/v1.5', 'CycloneDX SBOM v1.5', 'cyclonedx.md'],
        ['https://cosign.sigstore.dev/attestation/vuln/v1', 'vulnerability scan (cosign)', 'COSIGN_VULN_ATTESTATION_SPEC.md'],
        ['https://in-toto.io/attestation/vulns/v0.1', 'vulnerability scan v0.1', 'vuln.md'],
        ['https://openvex.dev/ns/v0.2.0', 'OpenVEX v0.2.0', 'openvex/spec'],
        ['https://slsa.dev/verification_summary/v1', 'SLSA verification summary v1', 'https://slsa.dev/spec/v1.0/verification_summary'],
      ];
      for (const [uri, name, spec] of cases) {
        const kind = predicateKindOf(uri);
        assert.equal(kind?.name, name, uri);
        assert.ok(kind?.spec?.endsWith(spec) || kind?.spec?.includes(spec), `${uri}: ${kind?.spec}`);
      }
      assert.equal(predicateKindOf('https://slsa.dev/provenance/v0.2/extra'), undefined);
      // A version is a few characters: a megabyte of them names nothing and links nowhere.
      assert.equal(predicateKindOf(`https://slsa.dev/provenance/v1${'.0'.repeat(500_000)}`), undefined);
      assert.equal(predicateKindOf('https://openvex.dev/ns/v0.2.0')?.name, 'OpenVEX v0.2.0');
      assert.equal(predicateKindOf('https://example.com/custom'), undefined);
    });

    it('pulls out what people look for first in provenance, SBOMs and scans', () => {
      assert.deepEqual(predicateFacts('https://slsa.dev/provenance/v0.2', PROVENANCE.predicate), [
        { label: 'Builder', value: 'https://github.com/acme/app/actions/runs/1' },
        { label: 'Build type', value: 'https://mobyproject.org/buildkit@v1' },
        { label: 'Entry point', value: 'Dockerfile' },
        { label: 'Started', value: '2026-11-30T10:00:00Z' },
        { label: 'Finished', value: '2026-11-30T10:02:00Z' },
        { label: 'Materials', value: '2' },
      ]);
      assert.deepEqual(
        predicateFacts('https://spdx.dev/Document', {
          spdxVersion: 'SPDX-2.3',
          name: 'sbom',
          creationInfo: { created: '2026-11-30T10:02:00Z', creators: ['Tool: syft-v1.0.0', 7] },
          packages: new Array(1234).fill({}),
        }),
        [
          { label: 'SPDX version', value: 'SPDX-2.3' },
          { label: 'Document', value: 'sbom' },
          { label: 'Created', value: '2026-11-30T10:02:00Z' },
          { label: 'Creators', value: 'Tool: syft-v1.0.0' },
          { label: 'Packages', value: '1,234' },
        ],
      );
      // SPDX 3 is JSON-LD: the version comes from its context, the counts from its graph, the
      // creation time through the CreationInfo node the document references.
      const spdx3 = {
        '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld',
        '@graph': [
          { type: 'CreationInfo', '@id': '_:creationinfo', specVersion: '3.0.1', created: '2026-11-30T10:02:00Z' },
          { type: 'SpdxDocument', spdxId: 'urn:doc', creationInfo: '_:creationinfo', name: 'app 1.4.2' },
          ...new Array(1234).fill({ type: 'software_Package', name: 'p', creationInfo: '_:creationinfo' }),
          { type: 'software_File', name: '/bin/sh' },
          { type: 'Relationship', relationshipType: 'contains', from: 'urn:doc', to: ['urn:p'] },
        ],
      };
      const spdx3Facts = [
        { label: 'SPDX version', value: 'SPDX-3.0.1' },
        { label: 'Document', value: 'app 1.4.2' },
        { label: 'Created', value: '2026-11-30T10:02:00Z' },
        { label: 'Packages', value: '1,234' },
        { label: 'Files', value: '1' },
      ];
      assert.deepEqual(predicateFacts('https://spdx.dev/Document/v3', spdx3), spdx3Facts);
      assert.deepEqual(predicateFacts('https://spdx.dev/Document', spdx3), spdx3Facts);
      assert.deepEqual(
        predicateFacts('https://spdx.dev/Document/v3', {
          '@context': ['https://spdx.org/rdf/3.0.1/spdx-context.jsonld'],
          '@graph': [{ type: 'SpdxDocument', name: 7, creationInfo: { created: '2026-11-30T10:02:00Z' } }, null],
        }),
        [
          { label: 'SPDX version', value: 'SPDX-3.0.1' },
          { label: 'Created', value: '2026-11-30T10:02:00Z' },
          { label: 'Packages', value: '0' },
        ],
      );
      assert.deepEqual(
        predicateFacts('https://slsa.dev/provenance/v1', {
          buildDefinition: { buildType: 'https://actions.github.io/buildtypes/workflow/v1', resolvedDependencies: [{}] },
          runDetails: { builder: { id: 'https://github.com/actions/runner' }, metadata: { invocationId: 'run-1' } },
        }),
        [
          { label: 'Builder', value: 'https://github.com/actions/runner' },
          { label: 'Build type', value: 'https://actions.github.io/buildtypes/workflow/v1' },
          { label: 'Invocation', value: 'run-1' },
          { label: 'Dependencies', value: '1' },
        ],
      );
      assert.deepEqual(predicateFacts('https://slsa.dev/provenance/v0.2', { builder: { id: { nested: true } }, materials: 'many' }), []);
      assert.deepEqual(predicateFacts('https://example.com/custom', { builder: { id: 'x' } }), []);
    });
  });

  describe('signing certificates', () => {
    it("reads a workflow signer's name, the OIDC issuer (v2 before the deprecated raw one) and the source it was built from", () => {
      const certificate = readSigningCertificate(Buffer.from(WORKFLOW_CERTIFICATE, 'base64'));
      assert.deepEqual(certificate?.identities, ['URI:https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0']);
      assert.deepEqual(certificate?.claims, [
        { name: 'OIDC issuer', value: 'https://token.actions.githubusercontent.com' },
        { name: 'Source repository', value: 'https://github.com/acme/app' },
        { name: 'Source ref', value: 'refs/tags/v1.2.0' },
        { name: 'Source commit', value: '0123456789abcdef0123456789abcdef01234567' },
      ]);
      assert.equal(certificate?.issuer, 'O=sigstore.dev, CN=sigstore-intermediate');
      assert.match(certificate?.validFrom ?? '', /GMT$/);
    });

    it('falls back to the deprecated raw issuer extension', () => {
      const certificate = readSigningCertificate(Buffer.from(EMAIL_CERTIFICATE, 'base64'));
      assert.deepEqual(certificate?.identities, ['email:dev@example.com']);
      assert.deepEqual(certificate?.claims, [{ name: 'OIDC issuer', value: 'https://accounts.google.com' }]);
    });

    it('returns nothing for bytes that are not a certificate, and never throws on cut or flipped ones', () => {
      const der = Buffer.from(WORKFLOW_CERTIFICATE, 'base64');
      assert.equal(readSigningCertificate(Buffer.from('not a certificate')), undefined);
      fc.assert(
        fc.property(fc.nat(der.length - 1), fc.nat(255), fc.boolean(), (at, byte, cut) => {
          const bytes = Buffer.from(der);
          if (cut) readSigningCertificate(bytes.subarray(0, at));
          else {
            bytes[at] = byte;
            readSigningCertificate(bytes);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
