// Property tests holding the clean-up plan's indexes to plain models: each deleted manifest's tags
// (once each, in the order the tags were given), and the protection of untagged manifests, which
// the plan spreads by visiting only what a protection can change, against passes over the whole
// listing until one changes nothing: the same manifests kept, in the same order, for the same reasons.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  planCleanup,
  type CleanupPlan,
  type CleanupPolicy,
  type TagFacts,
  type UntaggedManifest,
} from '../../../../src/core/operations/cleanup-plan';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 11, 1);
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/** Tags over a small alphabet of names and digests, so tags repeat and digests are shared. */
const tagFacts: fc.Arbitrary<TagFacts[]> = fc
  .array(
    fc.record({
      name: fc.constantFrom('drop-a', 'drop-b', 'drop-c', 'drop-d', 'keep-a', 'keep-b'),
      // An unreadable tag (no digest) keeps every manifest: rare, so most runs spread protection.
      d: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 100 }),
      age: fc.integer({ min: 0, max: 60 }),
      children: fc.option(fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 3 }), { nil: undefined }),
    }),
    { maxLength: 30 },
  )
  .map((list) =>
    list.map(({ name, d, age, children }): TagFacts => ({
      tag: name,
      ...(d !== undefined ? { digest: digest(d), created: NOW - age * DAY } : {}),
      ...(d !== undefined && children ? { children: children.map(digest) } : {}),
    })),
  );

const policies: fc.Arbitrary<CleanupPolicy> = fc.record({
  match: fc.constantFrom('*', 'drop-*'),
  keep: fc.constantFrom([], ['keep-*']),
  olderThanDays: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
  sharedDigest: fc.constantFrom('delete-tag' as const, 'keep' as const),
  deleteUntagged: fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, { arbitrary: fc.constant(false), weight: 1 }),
});

/** Untagged manifests whose subjects and platforms reach each other (chains in any order), tagged ones and unlisted ones. */
const untaggedManifests: fc.Arbitrary<UntaggedManifest[]> = fc.array(
  fc
    .record({
      d: fc.integer({ min: 2, max: 12 }),
      subject: fc.option(fc.integer({ min: 1, max: 13 }), { nil: undefined }),
      children: fc.option(fc.array(fc.integer({ min: 2, max: 13 }), { maxLength: 2 }), { nil: undefined }),
      unreadable: fc.oneof({ arbitrary: fc.constant(undefined), weight: 30 }, { arbitrary: fc.constant('DIGEST_MISMATCH'), weight: 1 }),
    })
    .map(({ d, subject, children, unreadable }): UntaggedManifest => ({
      digest: digest(d),
      ...(subject !== undefined ? { subject: digest(subject) } : {}),
      ...(children ? { children: children.map(digest) } : {}),
      ...(unreadable ? { unreadable } : {}),
    })),
  { maxLength: 16 },
);

function namedTags(tags: readonly string[]): string {
  const quoted = tags.slice(0, 5).map((t) => `"${t}"`);
  return tags.length > 5 ? `${quoted.join(', ')} and ${tags.length - 5} more` : quoted.join(', ');
}

/** What stays of the tagged manifests, given the tags that go: what a kept tag points at, and what a staying index lists. */
function modelStaying(tags: readonly TagFacts[], going: ReadonlySet<string>): Map<string, string> {
  const tagsOf = (d: string) => [...new Set(tags.filter((t) => t.digest === d).map((t) => t.tag))];
  const childrenOf = (d: string) => tags.filter((t) => t.digest === d && t.children).at(-1)?.children ?? [];
  const staying = new Map<string, string>();
  const queue: string[] = [];
  for (const t of tags) {
    if (!t.digest || going.has(t.tag) || staying.has(t.digest)) continue;
    const kept = tagsOf(t.digest).filter((name) => !going.has(name));
    staying.set(t.digest, `shares its manifest with kept tag${kept.length === 1 ? '' : 's'} ${namedTags(kept)}`);
    queue.push(t.digest);
  }
  while (queue.length) {
    const parent = queue.shift()!;
    for (const child of childrenOf(parent))
      if (!staying.has(child)) {
        staying.set(child, `its manifest is a platform of kept index "${tagsOf(parent)[0] ?? parent}"`);
        queue.push(child);
      }
  }
  return staying;
}

/** The untagged part of a plan, by whole passes over the listing until one changes nothing. */
function modelUntagged(
  tags: readonly TagFacts[],
  policy: CleanupPolicy,
  plan: CleanupPlan,
  untagged: readonly UntaggedManifest[],
  partialAt: number | undefined,
): CleanupPlan['untagged'] {
  const going = new Set(plan.decisions.filter((d) => d.action !== 'keep').map((d) => d.tag));
  const staying = modelStaying(tags, going);
  const deletedWithTags = new Set(plan.manifests.map((m) => m.digest));
  const unreadableTags = [...new Set(tags.filter((t) => !t.digest).map((t) => t.tag))];
  const listed = new Map<string, UntaggedManifest>();
  for (const m of untagged) if (!tags.some((t) => t.digest === m.digest) && !listed.has(m.digest)) listed.set(m.digest, m);
  const protectedBy = new Map<string, string>();
  if (!policy.deleteUntagged) for (const d of listed.keys()) protectedBy.set(d, 'not chosen: the clean-up leaves untagged manifests');
  else if (partialAt !== undefined)
    for (const d of listed.keys()) protectedBy.set(d, 'only part of the tags were read, so an unread tag may need it');
  const unreadable = [...listed.values()].find((m) => m.unreadable);
  for (let changed = true; changed;) {
    changed = false;
    const protect = (d: string, reason: string) => {
      if (!listed.has(d) || protectedBy.has(d)) return;
      protectedBy.set(d, reason);
      changed = true;
    };
    const goes = (d: string) => deletedWithTags.has(d) || (listed.has(d) && !protectedBy.has(d));
    for (const m of listed.values()) {
      const kept = staying.get(m.digest);
      if (kept) protect(m.digest, kept);
      else if (unreadableTags.length)
        protect(
          m.digest,
          `kept while tag${unreadableTags.length === 1 ? '' : 's'} ${namedTags(unreadableTags)} cannot be read: one may point at it or at an index that lists it`,
        );
      else if (m.unreadable) protect(m.digest, `could not be read (${m.unreadable}): what it is and what needs it are unknown`);
      else if (unreadable)
        protect(m.digest, `kept while untagged manifest ${unreadable.digest} cannot be read: it may be an index that lists this one`);
      else if (m.subject && !goes(m.subject))
        protect(m.digest, `refers to manifest ${m.subject}, which stays (a signature, SBOM or attestation of it)`);
    }
    for (const m of listed.values())
      if (protectedBy.has(m.digest))
        for (const child of m.children ?? []) protect(child, `its manifest is a platform of kept untagged index ${m.digest}`);
  }
  return {
    listed: true,
    deletions: [...listed.values()].filter((m) => !protectedBy.has(m.digest)),
    protected: [...protectedBy].map(([d, reason]) => ({ digest: d, reason })),
  };
}

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

  it('keeps the untagged manifests that passes over the whole listing keep, in their order, for their reasons', function () {
    fc.assert(
      fc.property(
        tagFacts,
        policies,
        untaggedManifests,
        fc.oneof({ arbitrary: fc.constant(undefined), weight: 10 }, { arbitrary: fc.constant(30), weight: 1 }),
        (tags, policy, untagged, partialAt) => {
          const plan = planCleanup(tags, policy, NOW, { untagged, ...(partialAt !== undefined ? { partialAt } : {}) });
          assert.deepEqual(plan.untagged, modelUntagged(tags, policy, plan, untagged, partialAt));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
