import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pullRateLimitOf } from '../../../../src/core/registry/rate-limit';

describe('registry: pullRateLimitOf', () => {
  it('reads Docker Hub’s headers, window included', () => {
    assert.deepEqual(pullRateLimitOf({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' }, 5), {
      limit: 100,
      remaining: 76,
      windowSeconds: 21600,
      seenAt: 5,
    });
    assert.deepEqual(pullRateLimitOf({ 'ratelimit-limit': '200', 'ratelimit-remaining': ['0'] }, 1), {
      limit: 200,
      remaining: 0,
      seenAt: 1,
    });
  });

  it('reports nothing for missing, malformed or impossible values', () => {
    assert.equal(pullRateLimitOf({}), undefined);
    assert.equal(pullRateLimitOf({ 'ratelimit-limit': '100;w=21600' }), undefined);
    assert.equal(pullRateLimitOf({ 'ratelimit-limit': 'lots', 'ratelimit-remaining': '1' }), undefined);
    assert.equal(pullRateLimitOf({ 'ratelimit-limit': '10', 'ratelimit-remaining': '11' }), undefined, 'more left than the limit');
    assert.equal(pullRateLimitOf({ 'ratelimit-limit': '-1', 'ratelimit-remaining': '0' }), undefined);
  });

  it('never throws, and whatever it reports is consistent', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (limit, remaining) => {
        const r = pullRateLimitOf({ 'ratelimit-limit': limit, 'ratelimit-remaining': remaining });
        return r === undefined || (Number.isSafeInteger(r.limit) && r.remaining >= 0 && r.remaining <= r.limit);
      }),
    );
  });
});
