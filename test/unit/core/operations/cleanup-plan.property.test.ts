// Property tests holding the clean-up plan's indexes to plain models: each deleted manifest's tags
// (once each, in the order the tags were given), however many tags share a digest and however
// often a tag is listed.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planCleanup, type CleanupPolicy, type TagFacts } from '../../../../src/core/operations/cleanup-plan';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 11, 1);
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/** Tags over a small alphabet of names and digests, so tags repeat and digests are shared. */
const tagFacts: fc.Arbitrary<TagFacts[]> = fc
  .array(
    fc.record({
      name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'keep-1', 'keep-2'),
      d: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 8 }),
      age: fc.integer({ min: 0, max: 60 }),
    }),
    { maxLength: 30 },
  )
  .map((list) =>
    list.map(({ name, d, age }): TagFacts => ({ tag: name, ...(d !== undefined ? { digest: digest(d), created: NOW - age * DAY } : {}) })),
  );

const policies: fc.Arbitrary<CleanupPolicy> = fc.record({
  keep: fc.constantFrom([], ['keep-*']),
  olderThanDays: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
  sharedDigest: fc.constantFrom('delete-tag' as const, 'keep' as const),
});

describe('cleanup plan (properties against plain models)', function () {
  it('names every tag of a deleted manifest once, in the order the tags were given', function () {
    fc.assert(
      fc.property(tagFacts, policies, (tags, policy) => {
        const plan = planCleanup(tags, policy, NOW);
        for (const m of plan.manifests) {
          const model = [...new Set(tags.filter((t) => t.digest === m.digest).map((t) => t.tag))];
          assert.deepEqual(m.tags, model);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
