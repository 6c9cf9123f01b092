import { strict as assert } from 'node:assert';
import { CoreError } from '../../../../src/core/errors';
import { isRedirect, MAX_REDIRECTS, redirectTarget, redirectTlsError, sameHost } from '../../../../src/core/transport/redirect';

describe('a TLS failure at a redirect target', () => {
  const from = new URL('https://r.example/v2/app/blobs/sha256:1');
  const to = new URL('https://storage.example/b/1');

  it('says what fits a redirect target: the registry\'s CA, never "mark it insecure"', () => {
    const inner = new CoreError(
      'TLS_UNKNOWN_AUTHORITY',
      'The certificate of storage.example is signed by an unknown authority: … or add storage.example to registryExplorer.insecureRegistries.',
    );
    const err = redirectTlsError(inner, 'r.example', from, to);
    assert.ok(err instanceof CoreError);
    assert.equal(err.code, 'TLS_REDIRECT_TARGET');
    assert.equal(err.cause, inner);
    assert.equal(
      err.message,
      'r.example sent /v2/app/blobs/sha256:1 to storage.example, whose certificate could not be verified (signed by an unknown authority), so nothing was fetched from it: ' +
        "if that storage uses your own CA, add the CA to the hosts.toml `ca` or certs.d folder of r.example or of storage.example (a redirect target is verified with both); otherwise tell the registry's operator.",
    );
    assert.ok(!/insecureRegistries/.test(err.message));
  });

  it('leaves other failures as they are', () => {
    const reset = new CoreError('CONNECTION_RESET', 'closed');
    assert.equal(redirectTlsError(reset, 'r.example', from, to), reset);
    const plain = new Error('x');
    assert.equal(redirectTlsError(plain, 'r.example', from, to), plain);
  });
});

describe('redirect policy', () => {
  const from = new URL('https://r.example/v2/app/blobs/sha256:1');

  it('is a redirect for 301, 302, 303, 307 and 308 only', () => {
    assert.deepEqual(
      [300, 301, 302, 303, 304, 305, 306, 307, 308, 309].filter((s) => isRedirect(s)),
      [301, 302, 303, 307, 308],
    );
  });

  it('refuses a redirect without Location, and the eleventh hop, in words', () => {
    for (const location of [undefined, '']) {
      assert.throws(
        () => redirectTarget(from, location, 0),
        (err: unknown) =>
          err instanceof CoreError &&
          err.code === 'BAD_REDIRECT' &&
          err.message === 'r.example sent a redirect without a Location for /v2/app/blobs/sha256:1.',
      );
    }
    assert.equal(redirectTarget(from, '/b', MAX_REDIRECTS - 1).href, 'https://r.example/b');
    assert.throws(
      () => redirectTarget(from, '/b', MAX_REDIRECTS),
      (err: unknown) =>
        err instanceof CoreError &&
        err.code === 'TOO_MANY_REDIRECTS' &&
        err.message === 'r.example redirected /v2/app/blobs/sha256:1 more than 10 times; the request was stopped.',
    );
    assert.equal(MAX_REDIRECTS, 10);
  });

  it('names the registry and the path in a refused target', () => {
    assert.throws(
      () => redirectTarget(from, 'http://s.example/b', 0),
      (err: unknown) =>
        err instanceof CoreError &&
        err.code === 'INSECURE_REDIRECT' &&
        err.message.startsWith('r.example redirected /v2/app/blobs/sha256:1 from https'),
    );
  });

  it('calls two URLs the same host only with the same scheme, host and port', () => {
    assert.equal(sameHost(new URL('https://a.example/x'), new URL('https://a.example:443/y')), true);
    assert.equal(sameHost(new URL('https://a.example/'), new URL('http://a.example/')), false);
    assert.equal(sameHost(new URL('https://a.example/'), new URL('https://a.example:444/')), false);
    assert.equal(sameHost(new URL('https://a.example/'), new URL('https://b.example/')), false);
  });

  for (const [code, reason] of [
    ['TLS_NO_IP_SAN', 'without that IP address in it'],
    ['TLS_NAME_MISMATCH', 'issued for another name'],
    ['TLS_CERT_DATES', 'expired or not yet valid'],
    ['TLS_PLAIN_HTTP', 'it answered in plain HTTP'],
  ]) {
    it(`a redirect target's ${code} says: ${reason}`, () => {
      const err = redirectTlsError(new CoreError(code as 'TLS_NO_IP_SAN', 'x'), 'r.example', from, new URL('https://s.example/b'));
      assert.ok(err instanceof CoreError && err.code === 'TLS_REDIRECT_TARGET');
      assert.ok(err.message.includes(`could not be verified (${reason}), so`), err.message);
    });
  }
});
