// The clean-up policy: patterns, age, newest N, always-keep, and the protection of manifests that
// a kept tag or a kept index still needs. Property tests check the invariants on open-ended input.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planCleanup, tagPattern, type CleanupPolicy, type TagFacts } from '../../../../src/core/operations/cleanup-plan';
import { cleanupPlanJson, describeCleanupPlan } from '../../../../src/core/operations/cleanup-text';
import { CoreError } from '../../../../src/core/errors';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 11, 1);
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const tag = (name: string, d: number, ageDays?: number, children?: number[]): TagFacts => ({
  tag: name,
  digest: digest(d),
  ...(ageDays !== undefined ? { created: NOW - ageDays * DAY } : {}),
  ...(children ? { children: children.map(digest) } : {}),
});
const policy = (p: Partial<CleanupPolicy> = {}): CleanupPolicy => ({ sharedDigest: 'delete-tag', ...p });
const actions = (plan: ReturnType<typeof planCleanup>) => Object.fromEntries(plan.decisions.map((d) => [d.tag, d.action]));

describe('cleanup plan', function () {
  describe('tagPattern', function () {
    it('matches globs against the whole tag', function () {
      const pr = tagPattern('pr-*');
      assert.ok(pr('pr-12'));
      assert.ok(!pr('xpr-12'));
      assert.ok(tagPattern('v1.?')('v1.2'));
      assert.ok(!tagPattern('v1.?')('v1x2x'), 'a dot in a glob is a dot');
      assert.ok(!tagPattern('v1.?')('v1.22'));
    });

    it('takes /regular expressions/ with flags, matching anywhere unless anchored', function () {
      assert.ok(tagPattern('/^pr-\\d+$/')('pr-7'));
      assert.ok(!tagPattern('/^pr-\\d+$/')('pr-7a'));
      assert.ok(tagPattern('/RC/i')('1.0-rc1'));
    });

    it('says what is wrong with a bad expression or an empty pattern', function () {
      assert.throws(
        () => tagPattern('/(/'),
        (err: unknown) => err instanceof CoreError && err.code === 'INVALID_PATTERN',
      );
      assert.throws(
        () => tagPattern('  '),
        (err: unknown) => err instanceof CoreError && err.code === 'INVALID_PATTERN',
      );
    });
  });

  it('selects by pattern and age, and always keeps what the keep patterns name', function () {
    const plan = planCleanup(
      [tag('pr-1', 1, 40), tag('pr-2', 2, 5), tag('pr-3', 3), tag('1.0', 4, 100), tag('latest', 5, 90)],
      policy({ match: '*', olderThanDays: 30, keep: ['latest', '/^\\d+\\.\\d+$/'] }),
      NOW,
    );
    assert.deepEqual(actions(plan), { 'pr-1': 'delete-manifest', 'pr-2': 'keep', 'pr-3': 'keep', '1.0': 'keep', latest: 'keep' });
    assert.match(plan.decisions.find((d) => d.tag === 'pr-3')!.reason, /creation date is unknown/);
    assert.match(plan.decisions.find((d) => d.tag === 'latest')!.reason, /always kept/);
    assert.deepEqual(plan.manifests, [{ digest: digest(1), tags: ['pr-1'] }]);
  });

  it('keeps the newest N of the matching tags, by date', function () {
    const tags = [tag('b1', 1, 3), tag('b2', 2, 2), tag('b3', 3, 1), tag('b4', 4, 10), tag('other', 5, 50)];
    const plan = planCleanup(tags, policy({ match: 'b*', keepNewest: 2 }), NOW);
    assert.deepEqual(actions(plan), { b1: 'delete-manifest', b2: 'keep', b3: 'keep', b4: 'delete-manifest', other: 'keep' });
  });

  it('removes only the tag when a kept tag shares its manifest, or keeps it when asked', function () {
    const tags = [tag('old', 1, 90), tag('stable', 1, 90), tag('gone', 2, 90)];
    const tagOnly = planCleanup(tags, policy({ keep: ['stable'] }), NOW);
    assert.deepEqual(actions(tagOnly), { old: 'delete-tag', stable: 'keep', gone: 'delete-manifest' });
    assert.deepEqual(tagOnly.tagDeletions, [{ tag: 'old', digest: digest(1) }]);
    assert.match(tagOnly.decisions[0]!.reason, /shares its manifest with kept tag "stable": only the tag is removed/);
    const kept = planCleanup(tags, policy({ keep: ['stable'], sharedDigest: 'keep' }), NOW);
    assert.deepEqual(actions(kept), { old: 'keep', stable: 'keep', gone: 'delete-manifest' });
    assert.equal(kept.tagDeletions.length, 0);
  });

  it('deletes a manifest once when every tag on it goes', function () {
    const plan = planCleanup([tag('a', 1, 9), tag('b', 1, 9)], policy(), NOW);
    assert.deepEqual(plan.manifests, [{ digest: digest(1), tags: ['a', 'b'] }]);
    assert.deepEqual(plan.totals, { tags: 2, tagsRemoved: 2, manifestsDeleted: 1, tagOnlyDeletes: 0, kept: 0, untaggedDeleted: 0 });
  });

  it('names each of thousands of tags on one manifest once, in the order listed', function () {
    const names = Array.from({ length: 3000 }, (_, i) => `build-${i}`);
    const tags = [...names, ...names.slice(0, 100)].map((name) => tag(name, 1, 9));
    const plan = planCleanup(tags, policy(), NOW);
    assert.deepEqual(plan.manifests, [{ digest: digest(1), tags: names }]);
    assert.equal(plan.totals.tagsRemoved, 3000);
  });

  it('never deletes a platform manifest that a kept index lists', function () {
    const plan = planCleanup([tag('1.0', 10, 1, [11, 12]), tag('1.0-amd64', 11, 90)], policy({ olderThanDays: 30 }), NOW);
    assert.deepEqual(actions(plan), { '1.0': 'keep', '1.0-amd64': 'delete-tag' });
    assert.match(plan.decisions[1]!.reason, /platform of kept index "1.0"/);
  });

  it("keeps unreadable tags, referrers tags and cosign's signature, attestation and SBOM tags, whatever matches", function () {
    const named = [
      `sha256-${'a'.repeat(64)}`,
      `sha256-${'a'.repeat(64)}.sig`,
      `sha256-${'a'.repeat(64)}.att`,
      `sha256-${'a'.repeat(64)}.sbom`,
    ];
    const plan = planCleanup(
      [{ tag: 'broken' }, ...named.map((t, i) => tag(t, 3 + i, 90))],
      policy({ match: '*', olderThanDays: 30 }),
      NOW,
    );
    assert.deepEqual(actions(plan), { broken: 'keep', ...Object.fromEntries(named.map((t) => [t, 'keep'])) });
    assert.equal(plan.decisions[2]!.reason, 'holds the signatures, attestations or SBOMs of another manifest');
    // Only the suffixes cosign writes: another tag that starts like one is an ordinary tag.
    const lookalike = `sha256-${'a'.repeat(64)}.v2`;
    assert.deepEqual(actions(planCleanup([tag(lookalike, 9, 90)], policy({ match: '*' }), NOW)), { [lookalike]: 'delete-manifest' });
  });

  describe("a deleted manifest's signatures, attestations and SBOMs", function () {
    const beside = (subject: number, suffix = '') => `${digest(subject).replace(':', '-')}${suffix}`;

    it('go with it: its referrers index and cosign tags, while those of a kept manifest stay', function () {
      const input = [
        tag('pr-1', 1, 90),
        tag('v1', 2, 90),
        tag(beside(1, '.sig'), 20),
        tag(beside(1, '.att'), 21),
        tag(beside(1), 22),
        tag(beside(2, '.sig'), 23),
      ];
      const plan = planCleanup(input, policy({ match: 'pr-*' }), NOW);
      assert.deepEqual(actions(plan), {
        'pr-1': 'delete-manifest',
        v1: 'keep',
        [beside(1, '.sig')]: 'delete-manifest',
        [beside(1, '.att')]: 'delete-manifest',
        [beside(1)]: 'delete-manifest',
        [beside(2, '.sig')]: 'keep',
      });
      assert.deepEqual(
        plan.manifests.map((m) => m.digest),
        [digest(1), digest(20), digest(21), digest(22)],
      );
      assert.equal(
        plan.decisions[2]!.reason,
        `holds the signatures, attestations or SBOMs of ${digest(1).slice(0, 'sha256:'.length + 12)}, which this clean-up deletes; its manifest goes with it`,
      );
      assert.equal(plan.totals.manifestsDeleted, 4);
    });

    it('stay when a keep pattern names them, and go as tags only (or stay, as the policy says) when their manifest is shared', function () {
      const input = [tag('pr-1', 1, 90), tag(beside(1, '.sig'), 20), tag('sig-backup', 20)];
      assert.deepEqual(actions(planCleanup(input, policy({ match: 'pr-*', keep: ['sha256-*'] }), NOW)), {
        'pr-1': 'delete-manifest',
        [beside(1, '.sig')]: 'keep',
        'sig-backup': 'keep',
      });
      const shared = planCleanup(input, policy({ match: 'pr-*' }), NOW);
      assert.deepEqual(actions(shared), { 'pr-1': 'delete-manifest', [beside(1, '.sig')]: 'delete-tag', 'sig-backup': 'keep' });
      assert.deepEqual(shared.tagDeletions, [{ tag: beside(1, '.sig'), digest: digest(20) }]);
      assert.match(shared.decisions[1]!.reason, /shares its manifest with kept tag "sig-backup": only the tag is removed$/);
      const kept = planCleanup(input, policy({ match: 'pr-*', sharedDigest: 'keep' }), NOW);
      assert.equal(actions(kept)[beside(1, '.sig')], 'keep');
      assert.deepEqual(kept.tagDeletions, []);
    });

    it('stay while a tag could not be read: their manifest is not deleted by digest either', function () {
      const plan = planCleanup([tag('pr-1', 1, 90), tag(beside(1, '.sig'), 20), { tag: 'broken' }], policy({ match: 'pr-*' }), NOW);
      assert.equal(actions(plan)[beside(1, '.sig')], 'keep', 'its subject is not deleted by digest either, so it stays');
    });
  });

  it('deletes no manifest by digest while a tag could not be read: it may share it', function () {
    const input = [tag('pr-1', 1, 90), { tag: 'release-1.0' }, tag('pr-2', 2, 90)];
    const removing = planCleanup(input, policy({ only: ['pr-1'] }), NOW);
    assert.deepEqual(actions(removing), { 'pr-1': 'delete-tag', 'release-1.0': 'keep', 'pr-2': 'keep' });
    assert.deepEqual([removing.manifests, removing.tagDeletions], [[], [{ tag: 'pr-1', digest: digest(1) }]]);
    assert.equal(removing.decisions[0]!.reason, 'tag "release-1.0" could not be read and may share its manifest: only the tag is removed');
    assert.deepEqual(removing.unreadableTags, ['release-1.0']);
    assert.match(describeCleanupPlan(removing, 'r.test/app'), /NO MANIFEST IS DELETED BY DIGEST: tag "release-1.0" could not be read/);
    const keeping = planCleanup(input, policy({ sharedDigest: 'keep' }), NOW);
    assert.deepEqual(actions(keeping), { 'pr-1': 'keep', 'release-1.0': 'keep', 'pr-2': 'keep' });
    assert.deepEqual([keeping.manifests, keeping.tagDeletions], [[], []]);
    const readable = planCleanup([tag('pr-1', 1, 90), tag('release-1.0', 2, 90)], policy({ only: ['pr-1'] }), NOW);
    assert.equal(readable.unreadableTags, undefined);
    assert.doesNotMatch(describeCleanupPlan(readable, 'r.test/app'), /NO MANIFEST/);
  });

  it('removes only the selected tags, protecting a manifest an unselected tag shares', function () {
    const plan = planCleanup([tag('a', 1, 9), tag('b', 1, 9), tag('c', 2, 9), tag('d', 3, 9)], policy({ only: ['a', 'c'] }), NOW);
    assert.deepEqual(actions(plan), { a: 'delete-tag', b: 'keep', c: 'delete-manifest', d: 'keep' });
    assert.equal(plan.decisions[3]!.reason, 'not selected');
  });

  it('refuses a negative age or count', function () {
    assert.throws(() => planCleanup([], policy({ olderThanDays: -1 }), NOW), /0 or more/);
    assert.throws(() => planCleanup([], policy({ keepNewest: Number.NaN }), NOW), /0 or more/);
  });

  it('shows hidden characters of registry tags in the preview as escapes', function () {
    const plan = planCleanup([tag('evil\u202Egpj', 1, 9)], policy(), NOW);
    const text = describeCleanupPlan(plan, 'r.test/app');
    assert.ok(!text.includes('\u202E'));
    assert.match(text, /evil\\u202Egpj/);
  });

  it('says when the plan covers only part of the repository, in the preview and its JSON', function () {
    const whole = planCleanup([tag('a', 1, 9)], policy(), NOW);
    assert.equal(whole.partial, undefined);
    assert.doesNotMatch(describeCleanupPlan(whole, 'r.test/app'), /PART OF THE REPOSITORY/);
    const part = planCleanup([tag('a', 1, 9), tag('b', 2, 9)], policy(), NOW, { partialAt: 2 });
    assert.deepEqual(part.partial, { tagsRead: 2, limit: 2 });
    assert.match(describeCleanupPlan(part, 'r.test/app'), /PART OF THE REPOSITORY ONLY: the repository has more than 2 tags/);
  });

  describe('untagged manifests', function () {
    const untagged = (d: number, extra: { children?: number[]; subject?: number; size?: number; ageDays?: number } = {}) => ({
      digest: digest(d),
      ...(extra.children ? { children: extra.children.map(digest) } : {}),
      ...(extra.subject !== undefined ? { subject: digest(extra.subject) } : {}),
      ...(extra.size !== undefined ? { size: extra.size } : {}),
      ...(extra.ageDays !== undefined ? { created: NOW - extra.ageDays * DAY } : {}),
    });

    it('carries what the listing lacks into the plan, its JSON and the preview, in lines of at most 100 characters', function () {
      const note = `Amazon ECR refused to read the sizes and dates of the untagged manifests of app: ${'word '.repeat(40)}ListImages instead.`;
      const plan = planCleanup([], policy({ deleteUntagged: true }), NOW, { untagged: [untagged(7)], untaggedNote: note });
      assert.ok(plan.untagged.listed);
      assert.equal(plan.untagged.note, note);
      assert.equal(JSON.parse(cleanupPlanJson(plan, 'r.test/app')).untagged.note, note);
      const text = describeCleanupPlan(plan, 'r.test/app');
      const at = text.indexOf('Amazon ECR refused');
      const paragraph = text.slice(at, text.indexOf('\n\nUntagged manifests deleted', at));
      assert.equal(paragraph.replace(/\n/g, ' '), note);
      assert.ok(paragraph.split('\n').length > 1 && paragraph.split('\n').every((line) => line.length <= 100), paragraph);
      assert.match(text, new RegExp(`\\n  ${digest(7)}  size unknown +date unknown\\n`));
      // Without a note, nothing is said.
      const quiet = planCleanup([], policy({ deleteUntagged: true }), NOW, { untagged: [untagged(7)] });
      assert.ok(quiet.untagged.listed && !('note' in quiet.untagged));
    });

    it('says the registry cannot list them when no listing is given, naming Distribution’s garbage-collect', function () {
      const plan = planCleanup([tag('a', 1, 9)], policy({ deleteUntagged: true }), NOW);
      assert.deepEqual(plan.untagged, { listed: false });
      assert.equal(plan.totals.untaggedDeleted, 0);
      assert.match(describeCleanupPlan(plan, 'r.test/app'), /registry garbage-collect --delete-untagged/);
    });

    it('deletes the listed ones when chosen, with digest, size and date in the preview and its JSON', function () {
      const plan = planCleanup([tag('1.0', 1, 9)], policy({ match: 'none', deleteUntagged: true }), NOW, {
        untagged: [untagged(7, { size: 2048, ageDays: 3 })],
      });
      assert.ok(plan.untagged.listed);
      assert.deepEqual(plan.untagged.deletions, [untagged(7, { size: 2048, ageDays: 3 })]);
      assert.equal(plan.totals.untaggedDeleted, 1);
      const text = describeCleanupPlan(plan, 'r.test/app');
      assert.match(text, new RegExp(`Untagged manifests deleted by digest \\(1\\)\\n  ${digest(7)}  2\\.0 kB +2026-11-28`));
      assert.doesNotMatch(text, /garbage-collect/);
    });

    it('lists them as kept, not deleted, when the clean-up was not asked to delete them', function () {
      const plan = planCleanup([tag('1.0', 1, 9)], policy(), NOW, { untagged: [untagged(7)] });
      assert.ok(plan.untagged.listed);
      assert.deepEqual(plan.untagged.deletions, []);
      assert.deepEqual(plan.untagged.protected, [{ digest: digest(7), reason: 'not chosen: the clean-up leaves untagged manifests' }]);
    });

    it('protects the platforms of a kept index, and of a kept untagged index, and lets those of a deleted index go', function () {
      const tags = [tag('latest', 1, 9, [2, 3]), tag('old', 4, 9, [5])];
      const plan = planCleanup(tags, policy({ match: 'old', deleteUntagged: true }), NOW, {
        untagged: [untagged(2), untagged(3), untagged(5), untagged(8, { children: [9] }), untagged(9)],
      });
      assert.ok(plan.untagged.listed);
      assert.deepEqual(
        plan.untagged.deletions.map((m) => m.digest),
        [digest(5), digest(8), digest(9)],
      );
      assert.deepEqual(plan.untagged.protected, [
        { digest: digest(2), reason: 'its manifest is a platform of kept index "latest"' },
        { digest: digest(3), reason: 'its manifest is a platform of kept index "latest"' },
      ]);
    });

    it('protects a referrer of a manifest that stays, and its platforms; one whose subject goes goes too', function () {
      const tags = [tag('latest', 1, 9), tag('old', 4, 9)];
      const plan = planCleanup(tags, policy({ match: 'old', deleteUntagged: true }), NOW, {
        untagged: [
          untagged(6, { subject: 1, children: [10] }),
          untagged(10),
          untagged(7, { subject: 4 }),
          untagged(11, { subject: 12 }),
          untagged(12),
        ],
      });
      assert.ok(plan.untagged.listed);
      assert.deepEqual(
        plan.untagged.deletions.map((m) => m.digest),
        [digest(7), digest(11), digest(12)],
      );
      assert.deepEqual(
        plan.untagged.protected.map((p) => p.digest),
        [digest(6), digest(10)],
      );
      assert.match(plan.untagged.protected[0]!.reason, /^refers to manifest sha256:0+1, which stays/);
    });

    it('protects a chain of referrers listed last to first, each for the manifest it refers to', function () {
      const chain = Array.from({ length: 500 }, (_, i) => untagged(500 - i + 1, { subject: 500 - i }));
      const plan = planCleanup([tag('latest', 1, 9)], policy({ match: 'none', deleteUntagged: true }), NOW, { untagged: chain });
      assert.ok(plan.untagged.listed);
      assert.deepEqual(plan.untagged.deletions, []);
      assert.deepEqual(
        plan.untagged.protected,
        Array.from({ length: 500 }, (_, i) => ({
          digest: digest(i + 2),
          reason: `refers to manifest ${digest(i + 1)}, which stays (a signature, SBOM or attestation of it)`,
        })),
      );
    });

    it('gives a manifest needed twice the reason a pass over the listing reaches first, in the order reached', function () {
      // 4 refers to the kept 1 and lists 5; 5 lists 2; 2 refers to 4, which the first pass protects after passing 2.
      const plan = planCleanup([tag('latest', 1, 9)], policy({ match: 'none', deleteUntagged: true }), NOW, {
        untagged: [untagged(5, { children: [2] }), untagged(2, { subject: 4 }), untagged(4, { subject: 1, children: [5] })],
      });
      assert.ok(plan.untagged.listed);
      assert.deepEqual(plan.untagged.protected, [
        { digest: digest(4), reason: `refers to manifest ${digest(1)}, which stays (a signature, SBOM or attestation of it)` },
        { digest: digest(5), reason: `its manifest is a platform of kept untagged index ${digest(4)}` },
        { digest: digest(2), reason: `refers to manifest ${digest(4)}, which stays (a signature, SBOM or attestation of it)` },
      ]);
    });

    it('keeps one that could not be read, and every other (it may be an index listing them); the preview and its JSON say why', function () {
      const plan = planCleanup([tag('latest', 1, 9)], policy({ match: 'none', deleteUntagged: true }), NOW, {
        untagged: [{ ...untagged(7), unreadable: 'DIGEST_MISMATCH' }, untagged(8)],
      });
      assert.ok(plan.untagged.listed);
      assert.deepEqual(plan.untagged.deletions, []);
      const reason = 'could not be read (DIGEST_MISMATCH): what it is and what needs it are unknown';
      assert.deepEqual(plan.untagged.protected, [
        { digest: digest(7), reason },
        { digest: digest(8), reason: `kept while untagged manifest ${digest(7)} cannot be read: it may be an index that lists this one` },
      ]);
      assert.equal(plan.totals.untaggedDeleted, 0);
      assert.match(
        describeCleanupPlan(plan, 'r.test/app'),
        new RegExp(`Untagged manifests kept \\(2\\)\\n  ${digest(7)}  could not be read \\(DIGEST_MISMATCH\\)`),
      );
      assert.match(cleanupPlanJson(plan, 'r.test/app'), /"reason": "could not be read \(DIGEST_MISMATCH\)/);
    });

    it('keeps every one while a tag could not be read (it may point at one, or at an index listing one)', function () {
      const plan = planCleanup([{ tag: 'broken' }], policy({ deleteUntagged: true }), NOW, { untagged: [untagged(7)] });
      assert.ok(plan.untagged.listed);
      assert.deepEqual(plan.untagged.deletions, []);
      assert.deepEqual(plan.untagged.protected, [
        { digest: digest(7), reason: 'kept while tag "broken" cannot be read: one may point at it or at an index that lists it' },
      ]);
    });

    it('never offers a digest a tag points at, nor any when only part of the tags were read', function () {
      const whole = planCleanup([tag('a', 1, 9)], policy({ match: 'none', deleteUntagged: true }), NOW, { untagged: [untagged(1)] });
      assert.ok(whole.untagged.listed);
      assert.deepEqual([whole.untagged.deletions, whole.untagged.protected], [[], []]);
      const part = planCleanup([tag('a', 1, 9)], policy({ deleteUntagged: true }), NOW, { partialAt: 1, untagged: [untagged(7)] });
      assert.ok(part.untagged.listed);
      assert.deepEqual(part.untagged.deletions, []);
      assert.match(part.untagged.protected[0]!.reason, /only part of the tags were read/);
    });

    it('never deletes an untagged manifest that a kept tag’s index or a staying referrer subject needs (property)', function () {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              d: fc.integer({ min: 1, max: 8 }),
              kept: fc.boolean(),
              children: fc.array(fc.integer({ min: 9, max: 16 }), { maxLength: 3 }),
            }),
            {
              maxLength: 6,
            },
          ),
          fc.uniqueArray(
            fc.record({
              d: fc.integer({ min: 9, max: 16 }),
              subject: fc.option(fc.integer({ min: 1, max: 16 }), { nil: undefined }),
              children: fc.array(fc.integer({ min: 9, max: 16 }), { maxLength: 2 }),
            }),
            { selector: (u) => u.d, maxLength: 8 },
          ),
          (tagged, loose) => {
            const tags = tagged.map((t, i) => tag(`${t.kept ? 'keep' : 'drop'}-${i}`, t.d, 9, t.children));
            const plan = planCleanup(tags, policy({ match: 'drop-*', deleteUntagged: true }), NOW, {
              untagged: loose.map((u) =>
                untagged(u.d, { children: u.children, ...(u.subject !== undefined ? { subject: u.subject } : {}) }),
              ),
            });
            assert.ok(plan.untagged.listed);
            const deleted = new Set([...plan.manifests.map((m) => m.digest), ...plan.untagged.deletions.map((m) => m.digest)]);
            const keptDigests = new Set(plan.decisions.filter((d) => d.action !== 'delete-manifest').map((d) => d.digest!));
            // Whatever stays must still find every manifest it lists, and every listed referrer of it stays.
            const stays = (d: string) => !deleted.has(d);
            const lists = new Map<string, readonly string[]>([
              ...tags.map((t) => [t.digest!, t.children ?? []] as const),
              ...loose.map((u) => [digest(u.d), u.children.map(digest)] as const),
            ]);
            for (const d of new Set([...keptDigests, ...[...lists.keys()].filter(stays)]))
              for (const child of lists.get(d) ?? []) assert.ok(stays(child), `${child} is listed by ${d}, which stays`);
            for (const u of loose)
              if (u.subject !== undefined && stays(digest(u.subject)))
                assert.ok(stays(digest(u.d)), `${digest(u.d)} refers to a manifest that stays`);
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('properties', function () {
    const tagName = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,6}$/);
    const facts = fc.uniqueArray(
      fc.record({
        tag: tagName,
        d: fc.integer({ min: 1, max: 6 }),
        age: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
        children: fc.option(fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 3 }), { nil: undefined }),
      }),
      { selector: (t) => t.tag, maxLength: 25 },
    );
    const policies = fc.record({
      match: fc.option(fc.constantFrom('*', 'a*', '?', '/[0-9]/', 'b?c*'), { nil: undefined }),
      olderThanDays: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
      keepNewest: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
      keep: fc.array(fc.constantFrom('latest', 'a*', '/^v/', 'z?'), { maxLength: 2 }),
      sharedDigest: fc.constantFrom('delete-tag' as const, 'keep' as const),
    });
    // Children belong to a manifest, not a tag: every tag on one digest sees the same list.
    const build = (list: { tag: string; d: number; age: number | undefined; children: number[] | undefined }[]) => {
      const childrenOf = new Map<number, number[] | undefined>();
      for (const t of list)
        if (!childrenOf.has(t.d))
          childrenOf.set(
            t.d,
            t.children?.filter((c) => c < t.d),
          );
      return list.map((t) => tag(t.tag, t.d, t.age, childrenOf.get(t.d)));
    };

    it('never deletes a manifest that a kept tag points at or a kept index lists', function () {
      fc.assert(
        fc.property(facts, policies, (list, p) => {
          const input = build(list);
          const plan = planCleanup(input, p, NOW);
          const kept = plan.decisions.filter((d) => d.action === 'keep');
          const needed = new Set([
            ...kept.map((d) => d.digest),
            ...kept.flatMap((d) => input.find((t) => t.tag === d.tag)!.children ?? []),
          ]);
          for (const m of plan.manifests) assert.ok(!needed.has(m.digest), `${m.digest} is still needed`);
        }),
        { numRuns: 300 },
      );
    });

    it('decides every tag once, accounts for every removal and never removes an always-kept tag', function () {
      fc.assert(
        fc.property(facts, policies, (list, p) => {
          const input = build(list);
          const plan = planCleanup(input, p, NOW);
          assert.deepEqual(
            plan.decisions.map((d) => d.tag),
            input.map((t) => t.tag),
          );
          const viaManifests = plan.manifests.flatMap((m) => m.tags).sort();
          const manifestDecisions = plan.decisions
            .filter((d) => d.action === 'delete-manifest')
            .map((d) => d.tag)
            .sort();
          assert.deepEqual(viaManifests, manifestDecisions);
          assert.equal(plan.totals.tagsRemoved + plan.totals.kept, input.length);
          const keepers = p.keep.map(tagPattern);
          for (const d of plan.decisions) if (keepers.some((k) => k(d.tag))) assert.equal(d.action, 'keep');
          if (p.sharedDigest === 'keep') assert.equal(plan.tagDeletions.length, 0);
        }),
        { numRuns: 300 },
      );
    });

    it('keeps at least the newest N matching dated tags', function () {
      fc.assert(
        fc.property(facts, policies, (list, p) => {
          fc.pre(p.keepNewest !== undefined);
          const input = build(list);
          const plan = planCleanup(input, p, NOW);
          const matches = p.match ? tagPattern(p.match) : () => true;
          const keepers = p.keep.map(tagPattern);
          const eligible = input.filter((t) => t.created !== undefined && matches(t.tag) && !keepers.some((k) => k(t.tag)));
          const removed = plan.decisions.filter((d) => d.action !== 'keep' && d.created !== undefined);
          // Everything removed is older than (or as old as) the N-th newest eligible tag.
          const newest = eligible.map((t) => t.created!).sort((a, b) => b - a);
          if (newest.length > p.keepNewest! && p.keepNewest! > 0)
            for (const d of removed) assert.ok(d.created! <= newest[p.keepNewest! - 1]!);
          assert.ok(plan.totals.kept >= Math.min(p.keepNewest!, eligible.length));
        }),
        { numRuns: 300 },
      );
    });
  });
});
