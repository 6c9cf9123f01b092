import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRepositoryName, pageOn, rateLimitReset, text, time } from '../../../../src/core/providers/vendor-api';

describe('providers: vendor-api', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');

  it('reads when a rate limit resets from each vendor’s headers', () => {
    // GitHub: 403 with x-ratelimit-remaining 0 and the reset in epoch seconds.
    assert.deepEqual(
      rateLimitReset({ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1795000000' } }, '', now),
      {
        resetAt: new Date(1795000000_000),
      },
    );
    // Retry-After in seconds wins.
    assert.deepEqual(rateLimitReset({ status: 429, headers: { 'retry-after': '30', 'ratelimit-reset': '1795000000' } }, '', now), {
      resetAt: new Date(now + 30_000),
    });
    // Docker Hub: 429 with X-Retry-After as an epoch second.
    assert.deepEqual(rateLimitReset({ status: 429, headers: { 'x-retry-after': '1795000123' } }, '', now), {
      resetAt: new Date(1795000123_000),
    });
    // A 429 that says nothing more still is one.
    assert.deepEqual(rateLimitReset({ status: 429, headers: {} }, '', now), {});
    // GitHub's secondary limit says so in its message.
    assert.deepEqual(rateLimitReset({ status: 403, headers: {} }, '{"message":"You have exceeded a secondary rate limit."}', now), {});
  });

  it('does not take a plain refusal for a rate limit', () => {
    assert.equal(
      rateLimitReset({ status: 403, headers: { 'x-ratelimit-remaining': '4999' } }, '{"message":"Must have admin rights"}', now),
      undefined,
    );
    assert.equal(rateLimitReset({ status: 404, headers: { 'x-ratelimit-remaining': '0' } }, '', now), undefined);
  });

  it('reads vendor times and refuses the implausible', () => {
    assert.equal(time('2026-11-20T10:00:00Z'), Date.parse('2026-11-20T10:00:00Z'));
    assert.equal(time(1795000000), 1795000000_000);
    assert.equal(time('yesterday'), undefined);
    assert.equal(time(0), undefined);
    assert.equal(time('9999-01-01T00:00:00Z'), undefined);
    assert.equal(time(null), undefined);
  });

  it('cuts long text and drops what is not text', () => {
    assert.equal(text('x'.repeat(5), 3), 'xx…');
    assert.equal(text(''), undefined);
    assert.equal(text(42), undefined);
    // Characters, not UTF-16 units: three emoji are six units and fit in three.
    assert.equal(text('😀😀😀', 3), '😀😀😀');
    assert.equal(text('😀😀😀😀', 3), '😀😀…');
    assert.equal(text('é'.repeat(4_000_000), 4), 'ééé…');
  });

  it('cuts text as a cut of all its characters would, reading only as far as the cut (property)', () => {
    const model = (value: string, max: number) => {
      const chars = Array.from(value);
      return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : value;
    };
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 30 }), (value, max) => {
        assert.equal(text(value, max), model(value, max));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps only repository names references can use', () => {
    assert.ok(isRepositoryName('octocat/app'));
    assert.ok(!isRepositoryName('Octocat/App'));
    assert.ok(!isRepositoryName('../etc'));
    assert.ok(!isRepositoryName('a//b'));
    assert.ok(!isRepositoryName(7));
  });

  it('keeps a web page an answer names only on the vendor’s own site', () => {
    assert.equal(
      pageOn('https://github.com/users/o/packages/container/package/app', 'https://github.com'),
      'https://github.com/users/o/packages/container/package/app',
    );
    assert.equal(pageOn('https://evil.example/phish', 'https://github.com'), undefined);
    assert.equal(pageOn('javascript:alert(1)', 'https://github.com'), undefined);
    assert.equal(pageOn('https://user:pw@github.com/x', 'https://github.com'), undefined);
    fc.assert(
      fc.property(
        fc.string(),
        (raw) =>
          pageOn(raw, 'https://github.com') === undefined || new URL(pageOn(raw, 'https://github.com')!).origin === 'https://github.com',
      ),
    );
  });
});
