import { strict as assert } from 'node:assert';
import { getEventListeners } from 'node:events';
import { CoreError } from '../../../../src/core/errors';
import { redirectTarget, MAX_REDIRECTS } from '../../../../src/core/transport/redirect';
import { realmMaySkipVerify } from '../../../../src/core/registry/session';
import { isTemporaryStatus } from '../../../../src/core/errors';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelayMs, sleep } from '../../../../src/core/transport/retry';

describe('retry policy', () => {
  it('retries only the statuses that mean "later"', () => {
    assert.deepEqual([408, 429, 500, 502, 503, 504].map(isTemporaryStatus), [true, true, true, true, true, true]);
    assert.deepEqual([400, 401, 403, 404, 405, 409, 416, 501].map(isTemporaryStatus), [
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('reads Retry-After in seconds and as an HTTP date', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('Mon, 23 Nov 2026 10:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('backs off exponentially with bounded jitter, and caps every wait', () => {
    const noJitter = () => 0;
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(n, undefined, DEFAULT_RETRY_POLICY, 0, noJitter)),
      [250, 500, 1000, 2000],
    );
    assert.equal(
      retryDelayMs(1, undefined, DEFAULT_RETRY_POLICY, 0, () => 1),
      300,
      'at most 20 % jitter',
    );
    assert.equal(retryDelayMs(20, undefined, DEFAULT_RETRY_POLICY, 0, noJitter), DEFAULT_RETRY_POLICY.maxDelayMs);
    assert.equal(retryDelayMs(1, '7', DEFAULT_RETRY_POLICY, 0, noJitter), 7000, 'Retry-After wins over the backoff');
    assert.equal(retryDelayMs(1, '86400', DEFAULT_RETRY_POLICY, 0, noJitter), DEFAULT_RETRY_POLICY.maxDelayMs, 'and is capped');
  });

  it('stops waiting when cancelled', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(sleep(10_000, controller.signal), (err: CoreError) => err.code === 'CANCELLED');
    assert.ok(Date.now() - started < 2000);
  });
});

describe('redirect policy', () => {
  const from = new URL('https://registry.example/v2/a/blobs/sha256:1');

  it('resolves relative locations and allows https to https on another host', () => {
    assert.equal(redirectTarget(from, '/v2/b', 0).href, 'https://registry.example/v2/b');
    assert.equal(redirectTarget(from, 'https://storage.example/blob?sig=1', 0).host, 'storage.example');
  });

  it('refuses https to http, private addresses from a public host, odd schemes and endless chains', () => {
    const refused = (location: string | undefined, hop = 0) => {
      try {
        redirectTarget(from, location, hop);
        return 'followed';
      } catch (err) {
        return (err as CoreError).code;
      }
    };
    assert.equal(refused('http://storage.example/blob'), 'INSECURE_REDIRECT');
    assert.equal(refused('https://127.0.0.1/admin'), 'PRIVATE_REDIRECT');
    assert.equal(refused('https://[::1]/admin'), 'PRIVATE_REDIRECT');
    assert.equal(refused('https://169.254.169.254/latest/meta-data'), 'PRIVATE_REDIRECT');
    assert.equal(refused('file:///etc/passwd'), 'BAD_REDIRECT');
    assert.equal(refused(undefined), 'BAD_REDIRECT');
    assert.equal(refused('/v2/next', MAX_REDIRECTS), 'TOO_MANY_REDIRECTS');
    // A lab registry on loopback may redirect to another loopback port.
    assert.equal(redirectTarget(new URL('http://127.0.0.1:5000/v2/x'), 'http://127.0.0.1:5001/y', 0).port, '5001');
  });
});

describe('token realm TLS policy', () => {
  it("lets a realm skip verification with its insecure registry only on the registry's own host name", () => {
    assert.ok(realmMaySkipVerify(new URL('https://10.0.0.5:5001/token'), '10.0.0.5:5000'));
    assert.ok(realmMaySkipVerify(new URL('https://registry.lan/auth'), 'registry.lan:5000'));
    assert.ok(realmMaySkipVerify(new URL('https://[::1]:5001/token'), '[::1]:5000'));
    assert.ok(!realmMaySkipVerify(new URL('https://auth.example.com/token'), '10.0.0.5:5000'));
    assert.ok(!realmMaySkipVerify(new URL('https://registry.lan.evil.example/token'), 'registry.lan'));
    assert.ok(!realmMaySkipVerify(new URL('https://localhost:5001/token'), '127.0.0.1:5000'));
  });
});

describe('retry: the edges', () => {
  it('reads a Retry-After in seconds with spaces around it, and nothing else as seconds', () => {
    assert.equal(parseRetryAfter(' 120 '), 120_000);
    assert.equal(parseRetryAfter('12x'), undefined);
    assert.equal(parseRetryAfter('x12'), undefined);
  });

  it('rejects at once when the signal was already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(sleep(60_000, controller.signal), (err: unknown) => err instanceof CoreError && err.code === 'CANCELLED');
  });

  it('leaves no listener on the signal once the wait is over', async () => {
    const controller = new AbortController();
    await sleep(1, controller.signal);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});
