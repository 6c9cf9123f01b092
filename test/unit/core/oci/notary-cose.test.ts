// Notary Project signatures in COSE envelopes (notation sign --signature-format cose) read to the
// same facts as JWS ones: the artifact signed, the scheme, times, algorithm and agent, the signer
// from the leaf of x5chain, and the payload; other CBOR is left alone and damaged or hostile bytes
// are read as nothing, never thrown on.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encode, Tagged } from 'cborg';
import { MAX_COSE_ENVELOPE_BYTES, readNotaryCoseSignature } from '../../../../src/core/oci/notary-cose';
import { readNotarySignature } from '../../../../src/core/oci/notary-signature';
import {
  notaryCoseEnvelope,
  notaryEnvelope,
  COSE_EXPIRY,
  NOTARY_CERTIFICATE,
  WORKFLOW_CERTIFICATE,
} from '../../../support/signing-certificates';

const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const TARGET = {
  mediaType: 'application/vnd.oci.image.index.v1+json',
  digest: D(7),
  size: 1234,
  annotations: { 'io.wabbit-networks.buildId': '123' },
};
const der = (base64: string) => Buffer.from(base64, 'base64');

describe('Notary Project signatures in COSE envelopes', () => {
  it('reads what a notation COSE signature says: the artifact, the headers, the signer and the payload', () => {
    const read = readNotaryCoseSignature(
      notaryCoseEnvelope(TARGET, { unprotected: [['io.cncf.notary.timestampSignature', Buffer.from('MIIB')]] }),
    )!;
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
    assert.deepEqual(read.bundle?.logEntries, []);
    assert.deepEqual(read.payload, { json: { targetArtifact: TARGET } });
    assert.equal(read.problem, undefined);
  });

  it('reads the same facts as the JWS envelope of the same signature', () => {
    const cose = readNotaryCoseSignature(
      notaryCoseEnvelope(TARGET, { unprotected: [['io.cncf.notary.timestampSignature', Buffer.from('MIIB')]] }),
    )!;
    const jws = readNotarySignature(notaryEnvelope(TARGET, { header: { 'io.cncf.notary.timestampSignature': 'MIIB' } }))!;
    assert.deepEqual(cose, jws);
  });

  it('names each algorithm of the spec as JWS does, and says which COSE number another one is', () => {
    const named = [
      [-37, 'PS256'],
      [-38, 'PS384'],
      [-39, 'PS512'],
      [-7, 'ES256'],
      [-35, 'ES384'],
      [-36, 'ES512'],
      [-8, 'COSE algorithm -8'],
      ['ES256', 'ES256'],
    ] as const;
    for (const [alg, name] of named)
      assert.equal(readNotaryCoseSignature(notaryCoseEnvelope(TARGET, { protected: [[1, alg]] }))!.notary.algorithm, name, String(alg));
  });

  it("reads a signing authority's authentic time, and a chain of several certificates, leaf first", () => {
    const read = readNotaryCoseSignature(
      notaryCoseEnvelope(TARGET, {
        protected: [
          ['io.cncf.notary.signingScheme', 'notary.x509.signingAuthority'],
          ['io.cncf.notary.signingTime', undefined],
          ['io.cncf.notary.authenticSigningTime', new Tagged(1, 1796450400)],
        ],
        unprotected: [[33, [der(NOTARY_CERTIFICATE), der(WORKFLOW_CERTIFICATE), der(WORKFLOW_CERTIFICATE)]]],
      }),
    )!;
    assert.equal(read.notary.signingScheme, 'notary.x509.signingAuthority');
    assert.equal(read.notary.authenticSigningTime, '2026-12-05T06:00:00Z');
    assert.equal(read.notary.signingTime, undefined);
    assert.equal(read.notary.chainLength, 3);
    assert.equal(read.bundle?.certificate?.subject, 'C=US, ST=WA, L=Seattle, O=Notary, CN=wabbit-networks.io', 'the leaf names the signer');
  });

  it('reads x5chain as one byte string (a single certificate), and in the protected header where the spec allows it', () => {
    const single = readNotaryCoseSignature(notaryCoseEnvelope(TARGET, { unprotected: [[33, der(NOTARY_CERTIFICATE)]] }))!;
    assert.equal(single.notary.chainLength, 1);
    assert.equal(single.bundle?.certificate?.subject, 'C=US, ST=WA, L=Seattle, O=Notary, CN=wabbit-networks.io');
    const inProtected = readNotaryCoseSignature(
      notaryCoseEnvelope(TARGET, { protected: [[33, [der(NOTARY_CERTIFICATE)]]], unprotected: [[33, undefined]] }),
    )!;
    assert.equal(inProtected.bundle?.certificate?.subject, 'C=US, ST=WA, L=Seattle, O=Notary, CN=wabbit-networks.io');
  });

  it('reads an untagged COSE_Sign1 too, and times only as the tag 1 epoch date/time the spec names', () => {
    assert.equal(readNotaryCoseSignature(notaryCoseEnvelope(TARGET, { tagged: false }))!.notary.signingScheme, 'notary.x509');
    const read = readNotaryCoseSignature(
      notaryCoseEnvelope(TARGET, {
        protected: [
          ['io.cncf.notary.signingTime', COSE_EXPIRY],
          ['io.cncf.notary.expiry', new Tagged(1, 1812172401.5)],
        ],
      }),
    )!;
    assert.equal(read.notary.signingTime, undefined, 'a bare number is not a date/time');
    assert.equal(read.notary.expiry, '2027-06-05T05:13:21.500Z', 'fractional seconds kept');
    const outOfRange = readNotaryCoseSignature(
      notaryCoseEnvelope(TARGET, { protected: [['io.cncf.notary.expiry', new Tagged(1, 1e300)]] }),
    )!;
    assert.equal(outOfRange.notary.expiry, undefined);
  });

  it('leaves COSE messages that are not Notary signatures, and bytes that are not COSE, to the other readers', () => {
    const notCose = [
      notaryCoseEnvelope(TARGET, { protected: [[3, 'application/json']] }),
      notaryCoseEnvelope(TARGET, { protected: [[3, undefined]] }),
      encode(new Tagged(18, [encode(new Map()), new Map(), new Uint8Array(), new Uint8Array()])),
      encode(new Tagged(18, [new Uint8Array([0xff]), new Map(), new Uint8Array(), new Uint8Array()])),
      encode(new Tagged(18, [encode(new Map([[3, 'application/vnd.cncf.notary.payload.v1+json']])), new Map()])),
      encode(new Tagged(18, 'x')),
      encode({ protected: 'e30', payload: 'e30' }),
      Buffer.from(JSON.stringify(notaryEnvelope(TARGET))),
      new Uint8Array(),
    ];
    for (const bytes of notCose) assert.equal(readNotaryCoseSignature(bytes), undefined, Buffer.from(bytes).toString('hex').slice(0, 80));
  });

  it('reads nothing from truncated, garbage, oversized or deeply nested bytes, and never throws', () => {
    const envelope = notaryCoseEnvelope(TARGET);
    for (let cut = 0; cut < envelope.length; cut++)
      assert.equal(readNotaryCoseSignature(envelope.subarray(0, cut)), undefined, `cut at ${cut}`);
    assert.equal(readNotaryCoseSignature(Buffer.concat([envelope, Buffer.from([0])])), undefined, 'trailing bytes');
    assert.equal(readNotaryCoseSignature(Buffer.from('not cbor at all, just text')), undefined);
    // An array claiming 2^64-1 entries, and a byte string claiming 4 GiB: both end at the input's end.
    assert.equal(readNotaryCoseSignature(Buffer.from('d29bffffffffffffffff', 'hex')), undefined);
    assert.equal(readNotaryCoseSignature(Buffer.from('d2845affffffff', 'hex')), undefined);
    // A header with a label twice is invalid (RFC 9052 §3): which value counts would be a guess.
    const cty = 'application/vnd.cncf.notary.payload.v1+json';
    const twice = Buffer.from(
      encode(
        new Map([
          [3, cty],
          [4, cty],
        ]),
      ),
    );
    twice[1 + encode(3).length + encode(cty).length] = 3;
    assert.equal(readNotaryCoseSignature(encode(new Tagged(18, [twice, new Map(), envelope, new Uint8Array()]))), undefined);
    // Indefinite lengths and unknown tags are refused.
    const indefinite = Buffer.concat([Buffer.from([0xd2, 0x9f]), envelope.subarray(2), Buffer.from([0xff])]);
    assert.equal(envelope[1], 0x84, 'the fixture is tag 18 around a four-item array');
    assert.equal(readNotaryCoseSignature(indefinite), undefined);
    assert.equal(readNotaryCoseSignature(encode(new Tagged(99, [1]))), undefined);
    // Nesting a million deep exhausts the stack: caught, not thrown.
    assert.equal(readNotaryCoseSignature(Buffer.alloc(1_000_000, 0x81)), undefined);
    const oversized = notaryCoseEnvelope({ ...TARGET, annotations: { big: 'x'.repeat(MAX_COSE_ENVELOPE_BYTES) } });
    assert.equal(readNotaryCoseSignature(oversized), undefined, 'a well-formed envelope over the cap is not decoded');
  });

  it('says what is wrong with a damaged one rather than reading it as something else', () => {
    const badPayload = readNotaryCoseSignature(notaryCoseEnvelope(TARGET, { payload: Buffer.from('{not json') }))!;
    assert.match(badPayload.problem!, /payload is not JSON/);
    const detached = readNotaryCoseSignature(notaryCoseEnvelope(TARGET, { payload: null }))!;
    assert.match(detached.problem!, /payload is detached/);
    const noTarget = readNotaryCoseSignature(notaryCoseEnvelope(TARGET, { payload: Buffer.from(JSON.stringify({ subject: D(1) })) }))!;
    assert.match(noTarget.problem!, /names no target artifact/);
    assert.equal(noTarget.signature, undefined);
    const badCertificate = readNotaryCoseSignature(notaryCoseEnvelope(TARGET, { unprotected: [[33, [Buffer.from('AAAA')]]] }))!;
    assert.equal(badCertificate.bundle?.certificateProblem, 'Its signing certificate could not be read.');
    const textCertificate = readNotaryCoseSignature(notaryCoseEnvelope(TARGET, { unprotected: [[33, [NOTARY_CERTIFICATE]]] }))!;
    assert.equal(textCertificate.bundle?.certificateProblem, 'Its signing certificate could not be read.', 'x5chain holds bytes, not text');
    const noChain = readNotaryCoseSignature(notaryCoseEnvelope(TARGET, { unprotected: [[33, undefined]] }))!;
    assert.equal(noChain.bundle, undefined);
    assert.equal(noChain.notary.chainLength, 0);
    const textTimestamp = readNotaryCoseSignature(
      notaryCoseEnvelope(TARGET, { unprotected: [['io.cncf.notary.timestampSignature', 'MIIB']] }),
    )!;
    assert.equal(textTimestamp.notary.timestamped, false, 'a timestamp token is bytes');
  });

  it('keeps header values and the chain bounded', () => {
    const read = readNotaryCoseSignature(
      notaryCoseEnvelope(TARGET, {
        protected: [['io.cncf.notary.signingScheme', 'x'.repeat(100_000)]],
        unprotected: [[33, Array.from({ length: 1000 }, () => der(NOTARY_CERTIFICATE))]],
      }),
    )!;
    assert.equal(read.notary.signingScheme!.length, 256);
    assert.equal(read.notary.chainLength, 16);
  });

  it('never throws on arbitrary bytes, or on arbitrary CBOR in any part of the envelope (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        readNotaryCoseSignature(bytes);
        readNotaryCoseSignature(Uint8Array.of(0xd2, ...bytes));
      }),
      { numRuns: 2000 },
    );
    // Values cborg can encode: no undefined, and maps with a label of each kind COSE uses.
    const leaf = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.uint8Array({ maxLength: 64 }), fc.boolean(), fc.constant(null));
    const value = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: -40, max: 40 }), fc.string()), tie('value')), { maxLength: 4 }).map((e) => new Map(e)),
        tie('value').map((v) => new Tagged(1, v)),
      ),
    })).value;
    const label = fc.oneof(
      fc.constantFrom<number | string>(1, 2, 3, 33, 'io.cncf.notary.signingScheme', 'io.cncf.notary.signingTime', 'io.cncf.notary.expiry'),
      fc.constantFrom<number | string>('io.cncf.notary.signingAgent', 'io.cncf.notary.timestampSignature'),
    );
    const entries = fc.array(fc.tuple(label, value), { maxLength: 6 });
    fc.assert(
      fc.property(
        entries,
        entries,
        fc.oneof(
          value,
          fc.jsonValue({ maxDepth: 3 }).map((json) => Buffer.from(JSON.stringify(json))),
        ),
        fc.boolean(),
        (protectedEntries, unprotectedEntries, payload, tagged) => {
          const read = readNotaryCoseSignature(
            notaryCoseEnvelope(TARGET, { protected: protectedEntries, unprotected: unprotectedEntries, payload, tagged }),
          );
          if (!read) return;
          assert.ok(read.notary.chainLength <= 16);
          if (read.signature) assert.equal(typeof read.signature.signedDigest, 'string');
          for (const text of [read.notary.algorithm, read.notary.signingScheme, read.notary.signingTime, read.notary.expiry])
            if (text !== undefined) assert.ok(typeof text === 'string' && text.length <= 256);
        },
      ),
      { numRuns: 500 },
    );
  });
});
