// What a registry says, quoted in a message: no secret the session sent in any form, one line,
// no hidden characters, and short.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  KnownSecrets,
  MAX_QUOTED_CHARS,
  MAX_RECENT_SECRETS,
  MAX_SCANNED_CHARS,
  MIN_CUT_SECRET_CHARS,
  quoteRegistryText,
  REDACTED,
  scrubSecrets,
  secretForms,
} from '../../../../src/core/text/registry-text';
import { registryErrorFor } from '../../../../src/core/registry/registry-errors';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
/** Controls, separators and format characters: none may be in a quote. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

describe('quoting registry text', () => {
  const password = 'pa$$:w0rd/+é';
  const secrets = new KnownSecrets();
  secrets.addCredential({ username: 'alice', password });
  secrets.add('header-secret-value');
  secrets.addRecent('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl', 'refresh-token-123');

  it('removes the Authorization value echoed back, Basic or Bearer, leaving the scheme', () => {
    const said = quoteRegistryText(
      `invalid header Authorization: ${basic('alice', password)} (and Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl)`,
      secrets,
    );
    assert.equal(said, `invalid header Authorization: Basic ${REDACTED} (and Bearer ${REDACTED})`);
  });

  it('removes the password as is, percent-encoded (either hex case), form-encoded and JSON-escaped', () => {
    for (const echoed of [
      password,
      encodeURIComponent(password),
      encodeURIComponent(password).toLowerCase(),
      new URLSearchParams({ p: password }).toString().slice(2),
      JSON.stringify(password).slice(1, -1),
    ]) {
      const said = quoteRegistryText(`login failed for alice with ${echoed}!`, secrets);
      assert.equal(said, `login failed for alice with ${REDACTED}!`, echoed);
    }
    assert.equal(
      quoteRegistryText('X-Api-Key: header-secret-value; refresh_token=refresh-token-123', secrets),
      `X-Api-Key: ${REDACTED}; refresh_token=${REDACTED}`,
    );
  });

  it('turns line breaks and control characters into spaces and shows bidi controls as escapes', () => {
    assert.equal(
      quoteRegistryText('denied\r\n2024-01-01 00:00:00.000 [info] GET https://x/v2/ → 200\x1b[0m', []),
      'denied 2024-01-01 00:00:00.000 [info] GET https://x/v2/ → 200 [0m',
    );
    assert.equal(quoteRegistryText('see file\u202Efdp.exe\u2066', []), 'see file\\u202Efdp.exe\\u2066');
  });

  it('caps the text at MAX_QUOTED_CHARS characters without splitting one', () => {
    const said = quoteRegistryText('😀'.repeat(500), []);
    assert.equal(Array.from(said).length, MAX_QUOTED_CHARS);
    assert.ok(said.endsWith('😀…'));
    assert.equal(quoteRegistryText('short', []), 'short');
  });

  it('removes a secret before cutting, so the cap never leaves a piece of it', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    for (let at = MAX_QUOTED_CHARS - token.length; at < MAX_QUOTED_CHARS + 2; at++) {
      const said = quoteRegistryText(`${'x'.repeat(at)}${token} tail`, secrets);
      assert.ok(!said.includes(token.slice(0, MIN_CUT_SECRET_CHARS)), `at ${at}: ${said}`);
    }
  });

  it('removes the start of a secret that a limit cut off at the end of the text', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    assert.equal(quoteRegistryText(`bad token ${token.slice(0, 20)}`, secrets), `bad token ${REDACTED}`);
    // Past MAX_SCANNED_CHARS nothing is read: a secret across that line is cut, then caught as cut.
    const long = `${'y'.repeat(MAX_SCANNED_CHARS - 10)}${token}`;
    assert.ok(scrubSecrets(long.slice(0, MAX_SCANNED_CHARS), secrets).endsWith(REDACTED));
    assert.equal(quoteRegistryText(long, secrets, MAX_SCANNED_CHARS + 100), `${'y'.repeat(MAX_SCANNED_CHARS - 10)}${REDACTED}`);
  });

  it('does not search for values too short to be told from words, but still for their encodings', () => {
    const few = new KnownSecrets();
    few.addCredential({ username: 'bob', password: 'abc' });
    assert.equal(quoteRegistryText('abc', few), 'abc');
    assert.equal(quoteRegistryText(basic('bob', 'abc'), few), `Basic ${REDACTED}`);
  });

  it("knows a session's credentials for good and only its latest tokens", () => {
    const known = new KnownSecrets();
    known.addCredential({
      username: 'u',
      password: 'long-lived-password',
      identityToken: 'identity-token',
      registryToken: 'registry-token',
    });
    for (let i = 0; i < MAX_RECENT_SECRETS + 10; i++) known.addRecent(`token-number-${i}`);
    const all = [...known];
    for (const kept of [
      'long-lived-password',
      'u:long-lived-password',
      'identity-token',
      'registry-token',
      `token-number-${MAX_RECENT_SECRETS + 9}`,
    ])
      assert.ok(all.includes(kept), kept);
    assert.ok(!all.includes('token-number-0'));
    assert.equal(all.length, 4 + MAX_RECENT_SECRETS);
    // Forms are cached and follow changes.
    assert.ok(known.forms().includes('long-lived-password'));
    known.add('added-later-value');
    assert.ok(known.forms().includes('added-later-value'));
  });

  it('keeps a bounded share of each long token, and still catches it whole, echoed or cut off', () => {
    const known = new KnownSecrets();
    // A token server's largest tokens, as many as a session remembers.
    const token = (i: number) => `${i.toString(36).padStart(4, '0')}-${'abcdefghij%+/ '.repeat(2400)}`.slice(0, 32 * 1024);
    for (let i = 0; i < MAX_RECENT_SECRETS; i++) known.addRecent(token(i));
    const kept = known.forms().reduce((sum, form) => sum + form.length, 0);
    assert.ok(kept <= MAX_RECENT_SECRETS * 10 * (MAX_SCANNED_CHARS + 1), `forms hold ${kept} characters`);
    const last = token(MAX_RECENT_SECRETS - 1);
    // Whole, in an error's detail longer than any quote (as is and base64): the detail is left out.
    const echoed = registryErrorFor(
      400,
      JSON.stringify({
        errors: [{ code: 'DENIED', message: 'no', detail: { echoed: `x${last}x`, header: Buffer.from(last).toString('base64') } }],
      }),
      'the request',
      'r.test',
      known,
    );
    assert.equal(echoed.details?.[0]?.detail, undefined);
    // Cut off by the quote's limit: its start is still removed.
    const quoted = quoteRegistryText(`token was ${last}`, known, 100_000);
    assert.equal(quoted, `token was ${REDACTED}`);
    const encoded = quoteRegistryText(`token=${encodeURIComponent(last)}`, known, 100_000);
    assert.equal(encoded, `token=${REDACTED}`);
  });

  it("derives a Basic header value among a login's forms", () => {
    assert.ok(secretForms('alice:secret').includes(basic('alice', 'secret').slice('Basic '.length)));
  });

  describe('property: any secret, in any form, with any text around it', () => {
    const secret = fc.string({ minLength: 4, maxLength: 40, unit: 'binary' }).filter((s) => s.trim().length >= 4 && !REDACTED.includes(s));
    const around = fc.string({
      maxLength: 300,
      unit: fc.oneof(
        fc.constantFrom('\n', '\r', '\u202E', '\u2066', '\u200B', '\x1b', '%', '+', '=', 'A', ':', ' '),
        fc.constant('a'),
        fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
      ),
    });
    const user = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme-ascii' }).filter((u) => !u.includes(':'));
    type Form = 'plain' | 'basic' | 'uri' | 'uri-lower' | 'form' | 'json' | 'bearer';
    const form = fc.constantFrom<Form>('plain', 'basic', 'uri', 'uri-lower', 'form', 'json', 'bearer');
    const encode = (f: Form, u: string, s: string): string => {
      switch (f) {
        case 'plain':
          return s;
        case 'basic':
          return basic(u, s);
        case 'uri':
          return encodeURIComponent(s);
        case 'uri-lower':
          return encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
        case 'form':
          return new URLSearchParams({ v: s }).toString().slice(2);
        case 'json':
          return JSON.stringify(s).slice(1, -1);
        case 'bearer':
          return `Bearer ${s}`;
      }
    };

    it('never lets the secret or its echoed form through, and the result is one short visible line', () => {
      // `pad` puts the echo anywhere, across the cap too.
      fc.assert(
        fc.property(
          secret,
          user,
          form,
          around,
          around,
          fc.nat({ max: 3 }),
          fc.integer({ min: 20, max: 400 }),
          fc.nat({ max: 450 }),
          (s, u, f, before, after, repeat, max, pad) => {
            const known = new KnownSecrets();
            known.addCredential({ username: u, password: s });
            const echoed = encode(f, u, s);
            const text = `${'x'.repeat(pad)}${before}${echoed}${after}${echoed.repeat(repeat)}`;
            const said = quoteRegistryText(text, known, max);
            assert.ok(!said.includes(s), `the secret came out: ${JSON.stringify({ text, said })}`);
            assert.ok(!said.includes(echoed), `its ${f} form came out`);
            assert.ok(!HIDDEN.test(said), `hidden characters: ${JSON.stringify(said)}`);
            assert.ok(Array.from(said).length <= max);
          },
        ),
        { numRuns: 1500 },
      );
    });

    it('never lets a piece of the secret through where a limit cuts it', () => {
      fc.assert(
        fc.property(fc.string({ minLength: 12, maxLength: 60, unit: 'grapheme-ascii' }), fc.nat(), (token, cutAt) => {
          fc.pre(token.trim().length >= 4 && !REDACTED.includes(token));
          const known = new KnownSecrets();
          known.addRecent(token);
          const kept = MIN_CUT_SECRET_CHARS + (cutAt % (token.length - MIN_CUT_SECRET_CHARS));
          const said = quoteRegistryText(`token ${token.slice(0, kept)}`, known);
          assert.ok(!said.includes(token.slice(0, kept)), JSON.stringify({ token, said }));
        }),
        { numRuns: 500 },
      );
    });

    it('a registry error never repeats the secret, in its message or its details', () => {
      fc.assert(
        fc.property(secret, user, form, around, (s, u, f, before) => {
          const known = new KnownSecrets();
          known.addCredential({ username: u, password: s });
          const echoed = encode(f, u, s);
          const body = JSON.stringify({ errors: [{ code: 'DENIED', message: `${before}${echoed}`, detail: { header: echoed } }] });
          const err = registryErrorFor(403, body, 'repository x', 'r.example', known);
          assert.ok(!err.message.includes(s) && !err.message.includes(echoed));
          assert.ok(!JSON.stringify(err.details).includes(JSON.stringify(echoed).slice(1, -1)));
          assert.ok(!/[\n\r]/.test(err.message));
        }),
        { numRuns: 500 },
      );
    });
  });
});
