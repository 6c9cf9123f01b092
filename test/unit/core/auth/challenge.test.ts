import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseError } from '../../../../src/core/errors';
import { formatChallenge, parseChallenges, pickChallenge, toBearerChallenge, type Challenge } from '../../../../src/core/auth/challenge';
import { throwsAt } from '../../support/parse-assert';

describe('challenge: parseChallenges', () => {
  it('parses several challenges in one header', () => {
    const h =
      'Bearer realm="https://a/token",service="r",scope="repository:a:pull repository:b:pull",error="insufficient_scope", Basic realm="x"';
    assert.deepEqual(parseChallenges(h), [
      {
        scheme: 'bearer',
        params: { realm: 'https://a/token', service: 'r', scope: 'repository:a:pull repository:b:pull', error: 'insufficient_scope' },
      },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });

  it('parses several headers in order', () => {
    assert.deepEqual(parseChallenges(['Basic realm="one"', 'Bearer realm="https://t/", service=reg']), [
      { scheme: 'basic', params: { realm: 'one' } },
      { scheme: 'bearer', params: { realm: 'https://t/', service: 'reg' } },
    ]);
  });

  it('lowercases scheme and parameter names but not values', () => {
    assert.deepEqual(parseChallenges('BEARER Realm="https://A/Token", SERVICE="Reg"'), [
      { scheme: 'bearer', params: { realm: 'https://A/Token', service: 'Reg' } },
    ]);
  });

  it('unescapes quoted strings and keeps commas and "=" inside quotes', () => {
    assert.deepEqual(parseChallenges('Basic realm="a \\"quoted\\" \\\\ realm, with=commas", charset="UTF-8"'), [
      { scheme: 'basic', params: { realm: 'a "quoted" \\ realm, with=commas', charset: 'UTF-8' } },
    ]);
    assert.deepEqual(parseChallenges('Basic realm="\\x\\y"'), [{ scheme: 'basic', params: { realm: 'xy' } }]);
    assert.deepEqual(parseChallenges('Basic realm=""'), [{ scheme: 'basic', params: { realm: '' } }]);
  });

  it('tolerates whitespace, empty list elements and unquoted URL values', () => {
    assert.deepEqual(parseChallenges(' , Bearer  realm = "https://r/t" ,\t, service=registry.io , scope=repository:x/y:pull,,'), [
      { scheme: 'bearer', params: { realm: 'https://r/t', service: 'registry.io', scope: 'repository:x/y:pull' } },
    ]);
    assert.deepEqual(parseChallenges('Bearer realm=https://auth.example.com/token?x=1'), [
      { scheme: 'bearer', params: { realm: 'https://auth.example.com/token?x=1' } },
    ]);
  });

  it('reads token68 and parameterless challenges', () => {
    assert.deepEqual(parseChallenges('Negotiate abc/+d==, Basic, NTLM'), [
      { scheme: 'negotiate', params: {}, token68: 'abc/+d==' },
      { scheme: 'basic', params: {} },
      { scheme: 'ntlm', params: {} },
    ]);
    assert.deepEqual(parseChallenges('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'), [
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ]);
  });

  it('joins a repeated scope and keeps odd names as plain keys', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://r", scope="a:b:pull", scope="c:d:push"')[0]!.params.scope, 'a:b:pull c:d:push');
    const [c] = parseChallenges('Bearer __proto__="x", constructor=y');
    assert.deepEqual(Object.keys(c!.params), ['__proto__', 'constructor']);
    assert.equal(Object.getPrototypeOf(c!.params), Object.prototype);
  });

  it('returns nothing for empty headers', () => {
    assert.deepEqual(parseChallenges(''), []);
    assert.deepEqual(parseChallenges([' ', ',']), []);
    assert.deepEqual(parseChallenges([]), []);
  });

  it('rejects malformed headers, pointing at the problem', () => {
    throwsAt(() => parseChallenges('Bearer realm="https://a'), 13, /quoted string opened at position 13 is not closed/);
    throwsAt(() => parseChallenges('Bearer realm="x" junk'), 17, /expected "," or the end after the value of "realm"; "j" at position 17/);
    throwsAt(() => parseChallenges('=x'), 0, /expected an auth scheme/);
    throwsAt(() => parseChallenges('realm="x"'), 5, /expected a space after the scheme "realm"; "=" at position 5/);
    throwsAt(() => parseChallenges('Bearer"x"'), 6, /expected a space after the scheme/);
    throwsAt(() => parseChallenges('Bearer realm="a", realm="b"'), 18, /parameter "realm" appears twice/);
    throwsAt(() => parseChallenges('Bearer realm="a\u0001"'), 15, /control characters/);
    throwsAt(() => parseChallenges('Bearer realm="a\\'), 13, /ends inside an escape/);
    throwsAt(() => parseChallenges('Bearer ""'), 7, /expected parameters or a token68/);
    throwsAt(() => parseChallenges('Basic abc== def'), 12, /expected "," or the end after the Basic credentials/);
    // With BWS around "=", "abc= def" is a parameter, not a token68.
    assert.deepEqual(parseChallenges('Basic abc= def'), [{ scheme: 'basic', params: { abc: 'def' } }]);
    throwsAt(() => parseChallenges('Bearér realm="x"'), 4, /"é" at position 4/);
    const e = throwsAt(() => parseChallenges(['Basic', 'Bearer realm="x" ;']), 17);
    assert.equal(e.input, 'Bearer realm="x" ;');
    assert.equal(e.code, 'INVALID_CHALLENGE');
  });
});

describe('challenge: pickChallenge and toBearerChallenge', () => {
  it('prefers Bearer over Basic, whatever the order', () => {
    const picked = pickChallenge(parseChallenges('Basic realm="b", Bearer realm="https://auth/token", service="svc", scope="a b  c"'));
    assert.ok(picked?.scheme === 'bearer');
    assert.deepEqual(picked.bearer, { realm: 'https://auth/token', service: 'svc', scopes: ['a', 'b', 'c'] });
  });

  it('reads error and error_description', () => {
    const b = toBearerChallenge(parseChallenges('Bearer realm="http://t/", error="invalid_token", error_description="expired"')[0]!);
    assert.deepEqual(b, { realm: 'http://t/', scopes: [], error: 'invalid_token', errorDescription: 'expired' });
  });

  it('falls back to Basic when Bearer has no usable realm', () => {
    const picked = pickChallenge(parseChallenges('Bearer service="x", Basic realm="Registry"'));
    assert.deepEqual(picked && { scheme: picked.scheme, realm: picked.scheme === 'basic' ? picked.realm : undefined }, {
      scheme: 'basic',
      realm: 'Registry',
    });
    const noRealm = pickChallenge(parseChallenges('Basic'));
    assert.ok(noRealm?.scheme === 'basic' && noRealm.realm === undefined);
  });

  it('throws ParseError when only a realm-less Bearer is offered', () => {
    throwsAt(() => pickChallenge(parseChallenges('Bearer service="x"')), undefined, /it has no realm/);
    throwsAt(() => pickChallenge(parseChallenges('Bearer realm="/token"')), undefined, /is not an absolute http\(s\) URL/);
    throwsAt(() => pickChallenge(parseChallenges('Bearer realm="ftp://x/"')), undefined, /is not an absolute http\(s\) URL/);
  });

  it('returns undefined when no scheme is understood', () => {
    assert.equal(pickChallenge([]), undefined);
    assert.equal(pickChallenge(parseChallenges('Negotiate abc, Digest realm="x", nonce="y"')), undefined);
  });

  it('takes the first usable Bearer', () => {
    const picked = pickChallenge(parseChallenges('Bearer scope="x", Bearer realm="https://one/", Bearer realm="https://two/"'));
    assert.ok(picked?.scheme === 'bearer' && picked.bearer.realm === 'https://one/');
  });
});

describe('challenge: properties', () => {
  const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
  const token = fc.array(fc.constantFrom(...tchars), { minLength: 1, maxLength: 8 }).map((a) => a.join(''));
  const value = fc.string({ unit: fc.constantFrom(...' !"#$%,;=\\abcXYZ019\t/:@é'.split('')), maxLength: 20 });
  const challenge: fc.Arbitrary<Challenge> = fc.oneof(
    fc
      .tuple(token, fc.uniqueArray(fc.tuple(token, value), { selector: ([k]) => k.toLowerCase(), maxLength: 5 }))
      .map(([scheme, params]) => ({
        scheme: scheme.toLowerCase(),
        params: Object.fromEntries(params.map(([k, v]) => [k.toLowerCase(), v])),
      })),
    fc
      .tuple(token, fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,12}={0,2}$/))
      .map(([scheme, token68]) => ({ scheme: scheme.toLowerCase(), params: {}, token68 })),
  );

  it('formatted challenges parse back to the same challenges', () => {
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 4 }), (list) => {
        // Parameters named like a following scheme are fine; keys with "__proto__" too.
        const header = list.map(formatChallenge).join(', ');
        assert.deepEqual(parseChallenges(header), list);
      }),
      { numRuns: 300 },
    );
  });

  it('random and mutated headers either parse or throw ParseError, and parsing is stable', () => {
    const mutated = fc
      .tuple(fc.array(challenge, { minLength: 1, maxLength: 3 }), fc.nat(), fc.constantFrom('', '"', ',', '=', '\\', ' ', 'x', '\u0000'))
      .map(([list, n, ch]) => {
        const s = list.map(formatChallenge).join(', ');
        const i = n % (s.length + 1);
        return s.slice(0, i) + ch + s.slice(i + (n % 2));
      });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), mutated), (s) => {
        let parsed: Challenge[];
        try {
          parsed = parseChallenges(s);
        } catch (e) {
          assert.ok(e instanceof ParseError, `non-ParseError for ${JSON.stringify(s)}: ${String(e)}`);
          if (e.position !== undefined) assert.ok(e.position >= 0 && e.position <= s.length);
          return;
        }
        assert.deepEqual(parseChallenges(parsed.map(formatChallenge).join(', ')), parsed);
        try {
          pickChallenge(parsed);
        } catch (e) {
          assert.ok(e instanceof ParseError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('challenge: edges of the grammar', () => {
  it('refuses characters a bare value may not hold', () => {
    for (const header of ['Bearer realm=https://a\x7f', 'Bearer realm=ab"c"', 'Bearer realm=a\\b'])
      assert.throws(() => parseChallenges(header), ParseError, JSON.stringify(header));
  });

  it('refuses a parameter without a name', () => {
    assert.throws(() => parseChallenges('Bearer realm="https://a/", =y'), ParseError);
  });

  it('takes escaped spaces and tabs in a quoted string, and refuses control characters and DEL, escaped or not', () => {
    assert.deepEqual(parseChallenges('Basic realm="a\\ b\\\tc"')[0]?.params, { realm: 'a b\tc' });
    throwsAt(() => parseChallenges('Basic realm="a\\\x01"'), 15, /control characters cannot be escaped in a quoted string/);
    throwsAt(() => parseChallenges('Basic realm="a\x7f"'), 14, /control characters are not allowed in a quoted string/);
  });

  it('joins the scope parameters of one challenge without stray spaces', () => {
    assert.equal(parseChallenges('Bearer realm="https://a/", scope="", scope="repository:a:pull"')[0]?.params.scope, 'repository:a:pull');
  });

  it('writes a challenge without parameters as its scheme alone', () => {
    assert.equal(formatChallenge({ scheme: 'basic', params: {} }), 'basic');
  });

  it('says an empty realm is no realm', () => {
    assert.throws(
      () => toBearerChallenge({ scheme: 'bearer', params: { realm: '' } }),
      /it has no realm, so there is no token server to ask/,
    );
  });

  it('gives ordinary parameters a caller may change or delete, even one named __proto__', () => {
    const [c] = parseChallenges('Bearer realm="https://a/token",__proto__="x"');
    c!.params.realm = 'changed';
    assert.equal(c!.params.realm, 'changed');
    assert.equal(delete c!.params.__proto__, true);
    assert.deepEqual(Object.keys(c!.params), ['realm']);
  });

  it('leaves out the realm of a Basic challenge that names none', () => {
    const picked = pickChallenge(parseChallenges('Basic'));
    assert.ok(picked !== undefined && !('realm' in picked));
  });
});
