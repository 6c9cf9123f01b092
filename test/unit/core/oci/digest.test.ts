import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { CoreError, ParseError } from '../../../../src/core/errors';
import {
  DigestVerifier,
  Digester,
  digestOf,
  formatDigest,
  isDigest,
  parseDigest,
  digestTagOf,
  referrersTagFor,
  shortDigest,
} from '../../../../src/core/oci/digest';
import { throwsAt } from '../../support/parse-assert';

const HEX64 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const EMPTY_SHA256 = `sha256:${HEX64}`;
const ABC_SHA256 = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const ABC_SHA512 =
  'sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';

function coreErrorCode(fn: () => unknown): CoreError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CoreError && !(e instanceof ParseError), `expected a CoreError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

describe('digest: parseDigest', () => {
  it('parses sha256 and sha512', () => {
    assert.deepEqual(parseDigest(EMPTY_SHA256), { algorithm: 'sha256', hex: HEX64 });
    assert.deepEqual(parseDigest(ABC_SHA512), { algorithm: 'sha512', hex: ABC_SHA512.slice(7) });
    assert.equal(isDigest(ABC_SHA256), true);
    assert.equal(isDigest('sha256:x'), false);
  });

  it('points at what is wrong', () => {
    throwsAt(() => parseDigest(''), 0, /the digest is empty/);
    throwsAt(() => parseDigest(HEX64), 64, /no ":" was found/);
    throwsAt(() => parseDigest(`:${HEX64}`), 0, /algorithm before ":" at position 0 is empty/);
    throwsAt(() => parseDigest('sha256:'), 7, /encoded value after ":" at position 6 is empty/);
    throwsAt(() => parseDigest(`SHA256:${HEX64}`), 0, /digest algorithms must be lowercase; "S" at position 0/);
    throwsAt(() => parseDigest(`sha256:${HEX64.toUpperCase()}`), 7, /digest hex must be lowercase; "E" at position 7/);
    throwsAt(() => parseDigest(`sha256:${HEX64.slice(0, 63)}g`), 70, /a sha256 digest is hexadecimal; "g" at position 70/);
    throwsAt(() => parseDigest(`sha256:${HEX64}0`), 71, /64 hex characters but this one has 65/);
    throwsAt(() => parseDigest('sha256:abc'), 10, /64 hex characters but this one has 3/);
    throwsAt(() => parseDigest(`sha512:${HEX64}`), 71, /a sha512 digest has 128 hex characters/);
    throwsAt(() => parseDigest(`sha256:${HEX64} `), 71, /" " at position 71 is not allowed in a digest/);
    throwsAt(() => parseDigest(`sha-:${HEX64}`), 3, /cannot end with a separator/);
    throwsAt(() => parseDigest(`sha$256:${HEX64}`), 3, /"\$" at position 3 is not allowed in a digest algorithm/);
  });

  it('rejects well-formed but unsupported algorithms clearly', () => {
    for (const alg of ['md5', 'sha384', 'blake3', 'sha256+b64u']) {
      const e = throwsAt(
        () => parseDigest(`${alg}:abcd`),
        0,
        new RegExp(`unsupported digest algorithm "${alg.replace('+', '\\+')}"; only sha256 and sha512 are supported`),
      );
      assert.equal(e.code, 'UNSUPPORTED_DIGEST_ALGORITHM');
    }
    assert.equal(throwsAt(() => parseDigest('sha256:x'), 7).code, 'INVALID_DIGEST');
  });

  it('formats and shortens', () => {
    assert.equal(formatDigest(parseDigest(ABC_SHA256)), ABC_SHA256);
    assert.equal(shortDigest(ABC_SHA256), 'ba7816bf8f01');
    assert.equal(shortDigest(parseDigest(ABC_SHA512)), 'ddaf35a19361');
    throwsAt(() => shortDigest('nope'), 4);
  });
});

describe('digest: computing', () => {
  it('matches known vectors', () => {
    assert.equal(digestOf(new Uint8Array()), EMPTY_SHA256);
    assert.equal(digestOf('abc'), ABC_SHA256);
    assert.equal(digestOf(Buffer.from('abc'), 'sha512'), ABC_SHA512);
  });

  it('streams: chunks give the same digest and count bytes', () => {
    const d = new Digester();
    d.update('a')
      .update(Buffer.from('b'))
      .update(new Uint8Array([0x63]));
    assert.equal(d.size, 3);
    assert.equal(d.digest(), ABC_SHA256);
    assert.equal(d.digest(), ABC_SHA256, 'digest() is idempotent');
    assert.equal(coreErrorCode(() => d.update('x')).code, 'DIGEST_FINALIZED');
  });

  it('hashes only the view of a Uint8Array, not its whole buffer', () => {
    const big = Buffer.from('xxabcxx');
    assert.equal(digestOf(big.subarray(2, 5)), ABC_SHA256);
  });

  it('rejects unknown algorithms at construction', () => {
    assert.equal(coreErrorCode(() => new Digester('md5' as never)).code, 'UNSUPPORTED_DIGEST_ALGORITHM');
  });
});

describe('digest: DigestVerifier', () => {
  it('accepts matching content and size', () => {
    const v = new DigestVerifier(ABC_SHA256, 3);
    v.update('ab').update('c');
    assert.equal(v.verify(), ABC_SHA256);
    assert.equal(new DigestVerifier(parseDigest(ABC_SHA512)).update('abc').verify(), ABC_SHA512);
  });

  it('reports a digest mismatch with a sentence', () => {
    const v = new DigestVerifier(ABC_SHA256, 3).update('abd');
    const e = coreErrorCode(() => v.verify());
    assert.equal(e.code, 'DIGEST_MISMATCH');
    assert.match(e.message, new RegExp(`expected ${ABC_SHA256} but the 3 bytes received hash to sha256:`));
    assert.match(e.message, /try again/);
  });

  it('reports short content as a size mismatch', () => {
    const e = coreErrorCode(() => new DigestVerifier(ABC_SHA256, 4).update('abc').verify());
    assert.equal(e.code, 'SIZE_MISMATCH');
    assert.match(e.message, /should be 4 bytes but only 3 arrived/);
  });

  it('stops an oversized stream as soon as it overruns', () => {
    const v = new DigestVerifier(ABC_SHA256, 3).update('ab');
    const e = coreErrorCode(() => v.update('cd'));
    assert.equal(e.code, 'SIZE_MISMATCH');
    assert.match(e.message, /should be 3 bytes but more than that arrived/);
  });

  it('rejects a malformed expected digest or size', () => {
    throwsAt(() => new DigestVerifier('sha256:zz'), 7);
    assert.equal(coreErrorCode(() => new DigestVerifier(ABC_SHA256, -1)).code, 'INVALID_SIZE');
  });
});

describe('digest: referrersTagFor', () => {
  it('follows the referrers tag schema', () => {
    assert.equal(referrersTagFor(ABC_SHA256), `sha256-${ABC_SHA256.slice(7)}`);
    assert.equal(referrersTagFor(parseDigest(ABC_SHA512)), `sha512-${ABC_SHA512.slice(7, 7 + 64)}`);
    assert.equal(
      referrersTagFor('sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564='),
      'sha256-b64u-LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564-',
    );
    const longAlg = `${'a'.repeat(30)}.bcdef`;
    assert.equal(referrersTagFor(`${longAlg}:abc`), `${'a'.repeat(30)}.b-abc`);
    throwsAt(() => referrersTagFor('nocolon'), 7);
    throwsAt(() => referrersTagFor('sha256:a b'), 8);
  });

  it('always yields a valid tag', () => {
    const alg = fc.stringMatching(/^[a-z0-9]{1,20}([+._-][a-z0-9]{1,20}){0,3}$/);
    const enc = fc.stringMatching(/^[a-zA-Z0-9=_-]{1,150}$/);
    fc.assert(
      fc.property(alg, enc, (a, e) => {
        const tag = referrersTagFor(`${a}:${e}`);
        assert.match(tag, /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/);
        assert.ok(tag.length <= 32 + 1 + 64);
      }),
      { numRuns: 200 },
    );
  });
});

describe('digest: properties', () => {
  it('random and mutated strings either parse or throw ParseError', () => {
    const mutated = fc
      .tuple(fc.stringMatching(/^[0-9a-f]{64}$/), fc.nat(), fc.constantFrom('', 'A', ':', 'g', '-', '\u0000', 'é'))
      .map(([hex, n, ch]) => {
        const s = `sha256:${hex}`;
        const i = n % (s.length + 1);
        return s.slice(0, i) + ch + s.slice(i + (n % 2));
      });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), mutated), (s) => {
        try {
          const d = parseDigest(s);
          assert.equal(formatDigest(d), s, 'a parsed digest formats back to its input');
        } catch (e) {
          assert.ok(e instanceof ParseError, `non-ParseError for ${JSON.stringify(s)}: ${String(e)}`);
          if (e.position !== undefined) assert.ok(e.position >= 0 && e.position <= s.length);
        }
        try {
          referrersTagFor(s);
        } catch (e) {
          assert.ok(e instanceof ParseError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('digests are independent of chunking and match node:crypto', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(300), { maxLength: 5 }),
        fc.constantFrom('sha256', 'sha512' as const),
        (bytes, cuts, alg) => {
          const d = new Digester(alg);
          let prev = 0;
          for (const c of [...cuts.map((c) => Math.min(c, bytes.length)).sort((a, b) => a - b), bytes.length]) {
            d.update(bytes.subarray(prev, c));
            prev = Math.max(prev, c);
          }
          const want = `${alg}:${createHash(alg).update(bytes).digest('hex')}`;
          assert.equal(d.digest(), want);
          assert.equal(d.size, bytes.length);
          assert.equal(digestOf(bytes, alg), want);
          assert.equal(new DigestVerifier(want, bytes.length).update(bytes).verify(), want);
          assert.deepEqual(parseDigest(want), { algorithm: alg, hex: want.slice(alg.length + 1) });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("tells the tags named after a digest: the referrers index and cosign's signature, attestations and SBOM", () => {
    const hex = 'ab'.repeat(32);
    assert.deepEqual(digestTagOf(`sha256-${hex}`), { kind: 'referrers', subject: `sha256:${hex}` });
    assert.deepEqual(digestTagOf(`sha256-${hex}.sig`), { kind: 'signature', subject: `sha256:${hex}` });
    assert.deepEqual(digestTagOf(`sha256-${hex}.att`), { kind: 'attestations', subject: `sha256:${hex}` });
    assert.deepEqual(digestTagOf(`sha256-${hex}.sbom`), { kind: 'sbom', subject: `sha256:${hex}` });
    assert.equal(digestTagOf(referrersTagFor(`sha256:${hex}`))?.kind, 'referrers', 'the tag referrersTagFor writes');
    for (const other of [`sha256-${hex}.v2`, `sha256-${hex.slice(2)}`, `SHA256-${hex}`, `sha384-${hex}`, 'latest', `sha256-${hex}.sig.old`])
      assert.equal(digestTagOf(other), undefined, other);
  });
});
