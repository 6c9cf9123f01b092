// Notary Project signatures (notation sign) read for people: the artifact signed, the scheme,
// times and agent the envelope states, the signer from its certificate's subject, and the payload;
// envelopes that are not Notary's are left to the other readers, and damaged ones say what is wrong.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readNotarySignature } from '../../../../src/core/oci/notary-signature';
import { notaryEnvelope, NOTARY_CERTIFICATE, WORKFLOW_CERTIFICATE } from '../../../support/signing-certificates';

const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const TARGET = {
  mediaType: 'application/vnd.oci.image.index.v1+json',
  digest: D(7),
  size: 1234,
  annotations: { 'io.wabbit-networks.buildId': '123' },
};
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('Notary Project signatures', () => {
  it('reads what a notation signature says: the artifact, the headers, the signer and the payload', () => {
    const read = readNotarySignature(notaryEnvelope(TARGET, { header: { 'io.cncf.notary.timestampSignature': 'MIIB' } }))!;
    assert.deepEqual(read.signature, {
      type: 'Notary Project signature',
      signedDigest: D(7),
      annotations: [{ key: 'io.wabbit-networks.buildId', value: '123' }],
    });
    assert.deepEqual(read.notary, {
      signingScheme: 'notary.x509',
      algorithm: 'ES256',
      signingTime: '2026-12-05T05:13:21Z',
      expiry: '2027-06-05T05:13:21Z',
      signingAgent: 'notation-go/1.3.0',
      chainLength: 1,
      timestamped: true,
      target: { mediaType: 'application/vnd.oci.image.index.v1+json', size: 1234 },
    });
    assert.equal(read.bundle?.certificate?.subject, 'C=US, ST=WA, L=Seattle, O=Notary, CN=wabbit-networks.io');
    assert.deepEqual(read.bundle?.certificate?.identities, []);
    assert.deepEqual(read.bundle?.logEntries, []);
    assert.deepEqual(read.payload, { json: { targetArtifact: TARGET } });
    assert.equal(read.problem, undefined);
  });

  it("reads a signing authority's authentic time, and a chain of several certificates", () => {
    const read = readNotarySignature(
      notaryEnvelope(TARGET, {
        protected: {
          'io.cncf.notary.signingScheme': 'notary.x509.signingAuthority',
          'io.cncf.notary.signingTime': undefined,
          'io.cncf.notary.authenticSigningTime': '2026-12-05T06:00:00Z',
        },
        header: { x5c: [NOTARY_CERTIFICATE, WORKFLOW_CERTIFICATE, WORKFLOW_CERTIFICATE] },
      }),
    )!;
    assert.equal(read.notary.signingScheme, 'notary.x509.signingAuthority');
    assert.equal(read.notary.authenticSigningTime, '2026-12-05T06:00:00Z');
    assert.equal(read.notary.signingTime, undefined);
    assert.equal(read.notary.chainLength, 3);
    assert.equal(read.bundle?.certificate?.subject, 'C=US, ST=WA, L=Seattle, O=Notary, CN=wabbit-networks.io', 'the leaf names the signer');
  });

  it('leaves JWS envelopes that are not Notary signatures, and other documents, to the other readers', () => {
    const other = notaryEnvelope(TARGET);
    other.protected = b64url({ alg: 'ES256', cty: 'application/json' });
    for (const document of [
      other,
      { payload: 'e30', protected: 'not base64!' },
      { payloadType: 'application/vnd.in-toto+json', payload: 'e30' },
      null,
      'x',
      [],
    ])
      assert.equal(readNotarySignature(document), undefined, JSON.stringify(document));
  });

  it('says what is wrong with a damaged one rather than reading it as something else', () => {
    const badPayload = { ...notaryEnvelope(TARGET), payload: 'not*base64' };
    assert.match(readNotarySignature(badPayload)!.problem!, /payload is not base64url-encoded JSON/);
    const noTarget = { ...notaryEnvelope(TARGET), payload: b64url({ subject: D(1) }) };
    assert.match(readNotarySignature(noTarget)!.problem!, /names no target artifact/);
    assert.equal(readNotarySignature(noTarget)!.signature, undefined);
    const badCertificate = notaryEnvelope(TARGET, { header: { x5c: ['AAAA'] } });
    assert.equal(readNotarySignature(badCertificate)!.bundle?.certificateProblem, 'Its signing certificate could not be read.');
    const noChain = notaryEnvelope(TARGET, { header: { x5c: undefined } });
    assert.equal(readNotarySignature(noChain)!.bundle, undefined);
    assert.equal(readNotarySignature(noChain)!.notary.chainLength, 0);
  });

  it('keeps header values and annotations bounded, and sizes sane', () => {
    const read = readNotarySignature(
      notaryEnvelope(
        {
          ...TARGET,
          size: -1,
          annotations: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i % 2 ? 'v' : 7])) as Record<string, string>,
        },
        { protected: { alg: 'x'.repeat(100_000) }, header: { x5c: Array.from({ length: 1000 }, () => NOTARY_CERTIFICATE) } },
      ),
    )!;
    assert.equal(read.notary.algorithm!.length, 256);
    assert.equal(read.notary.target.size, undefined);
    assert.equal(read.notary.chainLength, 16);
    assert.equal(read.signature!.annotations.length, 32, 'string values only, at most 32');
    assert.ok(read.signature!.annotations.every((a) => a.value === 'v'));
  });

  it('never throws, whatever the envelope holds (property)', () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    const envelope = fc.record(
      {
        payload: fc.oneof(fc.string(), value.map(b64url)),
        protected: fc.oneof(
          fc.string(),
          fc
            .dictionary(fc.constantFrom('alg', 'cty', 'io.cncf.notary.signingScheme', 'io.cncf.notary.expiry'), value)
            .map((h) => b64url({ ...h, cty: 'application/vnd.cncf.notary.payload.v1+json' })),
        ),
        header: fc.oneof(value, fc.record({ x5c: fc.oneof(value, fc.array(fc.oneof(fc.string(), fc.constant(NOTARY_CERTIFICATE)))) })),
        signature: value,
      },
      { requiredKeys: ['payload', 'protected'] },
    );
    fc.assert(
      fc.property(envelope, (document) => {
        const read = readNotarySignature(document);
        if (!read) return;
        assert.ok(read.notary.chainLength <= 16);
        if (read.signature) assert.equal(typeof read.signature.signedDigest, 'string');
      }),
      { numRuns: 500 },
    );
  });
});
