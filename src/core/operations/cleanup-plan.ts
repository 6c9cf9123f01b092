/**
 * Which tags a clean-up of one repository removes, and how: a pure policy over facts already read
 * (each tag's digest, creation time, and an index's children). Nothing here talks to a registry, so
 * the preview a user approves is exactly what `runCleanup` (cleanup.ts) later sends.
 *
 * A tag goes when it matches the pattern, is older than the age limit and is not among the newest
 * N of the matching tags, and no always-keep pattern names it. Deleting a manifest by digest takes
 * every tag pointing at it, so a digest is deleted only when all its tags go; a tag that shares its
 * digest with a kept tag (or is a platform of a kept index) is removed as a tag only, or kept,
 * as the policy says. While a tag could not be read, it may point at any manifest (or be an index
 * listing any), so no manifest is deleted by digest: every tag that goes is removed alone, or kept.
 */
import { CoreError } from '../errors';
import { digestTagOf } from '../oci/digest';

/** What a clean-up removes. Every criterion given must hold for a tag to go; none given selects every tag. */
export interface CleanupPolicy {
  /** Tags that may go: a glob (`*` any run of characters, `?` one) or a regular expression written `/…/`. Empty: every tag. */
  match?: string;
  /** Exactly these tags may go (a selection in a tree); the other criteria still apply. */
  only?: readonly string[];
  /** Only tags created more than this many days ago (tags whose date is unknown are kept). */
  olderThanDays?: number;
  /** Keep the newest N of the matching tags (tags whose date is unknown are kept). */
  keepNewest?: number;
  /** Tags never removed, whatever else matches: globs or `/regular expressions/`. */
  keep?: readonly string[];
  /**
   * A tag that goes but shares its manifest with a kept tag: `delete-tag` removes the tag alone
   * (the manifest stays for the kept tag), `keep` leaves it.
   */
  sharedDigest: 'delete-tag' | 'keep';
  /**
   * Also delete manifests no tag points at, where the registry lists them (PlanOptions.untagged);
   * one a kept index or a kept manifest's referrer needs is never deleted.
   */
  deleteUntagged?: boolean;
}

/** A manifest without a tag, as a registry that lists them says (ACR's `_manifests`). */
export interface UntaggedManifest {
  digest: string;
  /** Bytes, when the registry says (ACR's imageSize). */
  size?: number;
  /** ms since the epoch, when the registry says. */
  created?: number;
  /** For an index: the manifests it lists. */
  children?: readonly string[];
  /** For a referrer (a signature, an SBOM): the manifest it refers to. */
  subject?: string;
  /**
   * Why it could not be read (an error code), when it could not: what it is and what needs it are
   * unknown, so it is kept, and the preview says so.
   */
  unreadable?: string;
}

/** An untagged manifest that stays, and why in words. */
export interface UntaggedProtection {
  digest: string;
  reason: string;
}

/** What the plan needs to know about one tag (read from the registry before planning). */
export interface TagFacts {
  tag: string;
  /** The manifest it points at; absent when it could not be read (such tags are kept). */
  digest?: string;
  /** Creation time in ms since the epoch, when the image says. */
  created?: number;
  /** For an index: the digests of the manifests it lists (deleting one of them would break it). */
  children?: readonly string[];
}

export type TagAction = 'delete-manifest' | 'delete-tag' | 'keep';

export interface TagDecision {
  tag: string;
  digest?: string;
  created?: number;
  action: TagAction;
  /** Why, in words: what protected a kept tag, or what made a removal tag-only. */
  reason: string;
}

/** One manifest deleted by digest, with every tag that goes with it. */
export interface ManifestDeletion {
  digest: string;
  tags: string[];
}

/** One tag removed on its own; its manifest stays. */
export interface TagDeletion {
  tag: string;
  digest: string;
}

export interface CleanupPlan {
  policy: CleanupPolicy;
  /**
   * Present when only part of the repository's tags were read (the listing stopped at `limit`):
   * tags beyond it are neither kept nor removed by this plan, and the newest-N ranking and the
   * shared-manifest checks saw only the tags read.
   */
  partial?: { tagsRead: number; limit: number };
  /**
   * Tags that could not be read (kept): what they point at is unknown, so this plan deletes no
   * manifest by digest, tagged or untagged; a tag that goes is removed alone, or kept, as
   * `policy.sharedDigest` says.
   */
  unreadableTags?: string[];
  /** When the ages were measured (ISO 8601). */
  plannedAt: string;
  /** Every tag, in the order given, with its fate. */
  decisions: TagDecision[];
  manifests: ManifestDeletion[];
  tagDeletions: TagDeletion[];
  /**
   * Manifests without a tag: `listed: false` when the registry cannot list them (they are not part
   * of the plan); otherwise those deleted by digest and those protected, with why.
   */
  untagged:
    | { listed: false }
    | {
        listed: true;
        deletions: UntaggedManifest[];
        protected: UntaggedProtection[];
        /** What the registry's listing lacks and why, in words (PlanOptions.untaggedNote). */
        note?: string;
      };
  totals: { tags: number; tagsRemoved: number; manifestsDeleted: number; tagOnlyDeletes: number; kept: number; untaggedDeleted: number };
}

const DAY_MS = 24 * 60 * 60 * 1000;
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** A glob or `/regular expression/` as a test on whole tags. Throws INVALID_PATTERN with what is wrong. */
export function tagPattern(text: string): (tag: string) => boolean {
  const trimmed = text.trim();
  const regex = /^\/(.*)\/([imsu]*)$/s.exec(trimmed);
  if (regex) {
    try {
      // A regular expression matches anywhere unless anchored, as grep does.
      const compiled = new RegExp(regex[1]!, regex[2]!.replace(/[gy]/g, ''));
      return (tag) => compiled.test(tag);
    } catch (err) {
      throw new CoreError(
        'INVALID_PATTERN',
        `"${trimmed}" is not a valid regular expression (${(err as Error).message}): fix it, or write a glob such as "v1.*".`,
      );
    }
  }
  if (trimmed === '')
    throw new CoreError(
      'INVALID_PATTERN',
      'The pattern is empty: write a glob such as "pr-*" or a regular expression such as "/^pr-\\d+$/".',
    );
  // Globs match the whole tag; tags use only letters, digits, "_", "." and "-", so `*` and `?` are the only specials.
  const source = trimmed
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const compiled = new RegExp(`^${source}$`, 's');
  return (tag) => compiled.test(tag);
}

/** Checks a policy's numbers and patterns, throwing INVALID_PATTERN with what to change. */
function checkPolicy(policy: CleanupPolicy): void {
  for (const [name, value] of [
    ['The age limit', policy.olderThanDays],
    ['The number of newest tags to keep', policy.keepNewest],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0))
      throw new CoreError('INVALID_PATTERN', `${name} must be a number of 0 or more, not ${String(value)}.`);
  }
}

/** Decides the fate of every tag (see the module comment). `now` is when ages are measured from. */
export interface PlanOptions {
  /** The listing stopped at this many tags: the plan covers only part of the repository. */
  partialAt?: number;
  /** The repository's manifests without a tag, where the registry lists them; absent when it cannot. */
  untagged?: readonly UntaggedManifest[];
  /** What that listing lacks and why (ECR without `ecr:DescribeImages`: no sizes or dates), for the preview. */
  untaggedNote?: string;
}

export function planCleanup(tags: readonly TagFacts[], policy: CleanupPolicy, now: number, options: PlanOptions = {}): CleanupPlan {
  checkPolicy(policy);
  const pattern = policy.match?.trim() ? tagPattern(policy.match) : () => true;
  const only = policy.only ? new Set(policy.only) : undefined;
  const matches = (tag: string) => (!only || only.has(tag)) && pattern(tag);
  const keepers = (policy.keep ?? []).filter((k) => k.trim()).map((k) => ({ text: k.trim(), test: tagPattern(k) }));
  const decisions = new Map<string, TagDecision>();
  const keep = (facts: TagFacts, reason: string) => decisions.set(facts.tag, { ...factsOf(facts), action: 'keep', reason });

  // 1. Each tag on its own: readable, not always-kept, matching, old enough.
  const candidates: TagFacts[] = [];
  for (const facts of tags) {
    if (decisions.has(facts.tag)) continue; // a tag listed twice counts once
    if (!facts.digest) keep(facts, 'could not be read, so what it points at is unknown');
    else if (digestTagOf(facts.tag)) keep(facts, 'holds the signatures, attestations or SBOMs of another manifest');
    else if (keepers.some((k) => k.test(facts.tag))) keep(facts, `always kept (matches "${keepers.find((k) => k.test(facts.tag))!.text}")`);
    else if (only && !only.has(facts.tag)) keep(facts, 'not selected');
    else if (!matches(facts.tag)) keep(facts, `does not match "${policy.match!.trim()}"`);
    else if (policy.olderThanDays !== undefined && facts.created === undefined) keep(facts, 'its creation date is unknown');
    else if (policy.olderThanDays !== undefined && facts.created! > now - policy.olderThanDays * DAY_MS)
      keep(facts, `created less than ${policy.olderThanDays} day${policy.olderThanDays === 1 ? '' : 's'} ago`);
    else candidates.push(facts);
  }

  // 2. The newest N of the matching tags stay, counted among every matching tag (old or not).
  let selected = candidates;
  if (policy.keepNewest !== undefined) {
    const matching = tags.filter((t) => t.digest && !digestTagOf(t.tag) && !keepers.some((k) => k.test(t.tag)) && matches(t.tag));
    const newest = new Set(
      newestFirst(matching.filter((t) => t.created !== undefined))
        .slice(0, policy.keepNewest)
        .map((t) => t.tag),
    );
    selected = [];
    for (const facts of candidates) {
      if (facts.created === undefined) keep(facts, 'its creation date is unknown, so it cannot be ranked among the newest');
      else if (newest.has(facts.tag)) keep(facts, `one of the newest ${policy.keepNewest}`);
      else selected.push(facts);
    }
  }

  // 3. By digest: a manifest goes only when no kept tag points at it and no staying index lists it.
  const going = new Set(selected.map((t) => t.tag));
  // Each digest's tags once, in the order given; a set per digest, as thousands of tags may share one.
  const tagSets = new Map<string, Set<string>>();
  const childrenByDigest = new Map<string, readonly string[]>();
  for (const facts of tags) {
    if (!facts.digest) continue;
    const tagsOfDigest = tagSets.get(facts.digest) ?? new Set<string>();
    tagSets.set(facts.digest, tagsOfDigest.add(facts.tag));
    if (facts.children) childrenByDigest.set(facts.digest, facts.children);
  }
  const tagsByDigest = new Map([...tagSets].map(([digest, tagsOfDigest]) => [digest, [...tagsOfDigest]]));
  // A tag that could not be read may point at any manifest, or be an index listing any: it protects them all.
  const unreadable = [...new Set(tags.filter((t) => !t.digest).map((t) => t.tag))];
  const unknownProtector = unreadable.length
    ? `tag${unreadable.length === 1 ? '' : 's'} ${namedTags(unreadable)} could not be read and may share its manifest`
    : undefined;
  let staying = stayingManifests(tags, going, tagsByDigest, childrenByDigest);
  const protectorOf = (digest: string) => staying.get(digest) ?? unknownProtector;
  if (policy.sharedDigest === 'keep') {
    // Keeping a tag keeps its manifest, which may protect more: repeat until nothing changes.
    for (let changed = true; changed;) {
      changed = false;
      for (const facts of selected)
        if (going.has(facts.tag) && protectorOf(facts.digest!)) {
          going.delete(facts.tag);
          keep(facts, `${protectorOf(facts.digest!)!}, so it is kept`);
          changed = true;
        }
      if (changed) staying = stayingManifests(tags, going, tagsByDigest, childrenByDigest);
    }
  }

  const manifests: ManifestDeletion[] = [];
  const tagDeletions: TagDeletion[] = [];
  const planned = new Set<string>();
  for (const facts of selected) {
    if (!going.has(facts.tag)) continue;
    const digest = facts.digest!;
    const protector = protectorOf(digest);
    if (protector) {
      tagDeletions.push({ tag: facts.tag, digest });
      decisions.set(facts.tag, { ...factsOf(facts), action: 'delete-tag', reason: `${protector}: only the tag is removed` });
      continue;
    }
    if (!planned.has(digest)) {
      planned.add(digest);
      manifests.push({ digest, tags: tagsByDigest.get(digest)! });
    }
    decisions.set(facts.tag, { ...factsOf(facts), action: 'delete-manifest', reason: 'matches the policy; its manifest goes with it' });
  }

  // 4. What is kept beside a manifest under a tag named after its digest (its referrers index,
  // cosign's signature, attestations and SBOM) goes with it: left, it would sign or describe nothing.
  const deleted = new Set(manifests.map((m) => m.digest));
  const orphans = tags.filter(
    (t) =>
      t.digest &&
      decisions.get(t.tag)?.action === 'keep' &&
      deleted.has(digestTagOf(t.tag)?.subject ?? '') &&
      !keepers.some((k) => k.test(t.tag)),
  );
  if (orphans.length) {
    for (const facts of orphans) going.add(facts.tag);
    staying = stayingManifests(tags, going, tagsByDigest, childrenByDigest);
    for (const facts of orphans) {
      const digest = facts.digest!;
      const why = `holds the signatures, attestations or SBOMs of ${shortOf(digestTagOf(facts.tag)!.subject)}, which this clean-up deletes`;
      const protector = protectorOf(digest);
      if (protector && policy.sharedDigest === 'keep') {
        going.delete(facts.tag);
        keep(facts, `${why}, but ${protector}, so it is kept`);
        continue;
      }
      if (protector) {
        tagDeletions.push({ tag: facts.tag, digest });
        decisions.set(facts.tag, { ...factsOf(facts), action: 'delete-tag', reason: `${why}; ${protector}: only the tag is removed` });
        continue;
      }
      if (!planned.has(digest)) {
        planned.add(digest);
        manifests.push({ digest, tags: tagsByDigest.get(digest)! });
      }
      decisions.set(facts.tag, { ...factsOf(facts), action: 'delete-manifest', reason: `${why}; its manifest goes with it` });
    }
  }

  const untagged = planUntagged(options, policy, staying, new Set(manifests.map((m) => m.digest)), tagsByDigest, unreadable);

  const ordered = tags.flatMap((t) => {
    const decision = decisions.get(t.tag);
    if (!decision) return [];
    decisions.delete(t.tag);
    return [decision];
  });
  const removed = ordered.filter((d) => d.action !== 'keep').length;
  return {
    policy,
    ...(options.partialAt !== undefined ? { partial: { tagsRead: tags.length, limit: options.partialAt } } : {}),
    ...(unreadable.length ? { unreadableTags: unreadable } : {}),
    plannedAt: new Date(now).toISOString(),
    decisions: ordered,
    manifests,
    tagDeletions,
    untagged,
    totals: {
      tags: ordered.length,
      tagsRemoved: removed,
      manifestsDeleted: manifests.length,
      tagOnlyDeletes: tagDeletions.length,
      kept: ordered.length - removed,
      untaggedDeleted: untagged.listed ? untagged.deletions.length : 0,
    },
  };
}

/**
 * Which untagged manifests go: all that are listed when the policy asks, except those something
 * that stays needs: a platform of a kept index (tagged or a protected untagged one), and a referrer
 * (signature, SBOM) of a manifest that stays; and those that could not be read, and while one cannot
 * be read, every other (it may be an index listing them), as while a tag cannot be read
 * (`unreadableTags`). Protection spreads until nothing changes.
 */
function planUntagged(
  options: PlanOptions,
  policy: CleanupPolicy,
  staying: ReadonlyMap<string, string>,
  tagManifestsDeleted: ReadonlySet<string>,
  tagsByDigest: ReadonlyMap<string, string[]>,
  unreadableTags: readonly string[],
): CleanupPlan['untagged'] {
  if (!options.untagged) return { listed: false };
  const listed = new Map<string, UntaggedManifest>();
  // A digest a tag points at is no untagged manifest, whatever the listing says.
  for (const m of options.untagged) if (!tagsByDigest.has(m.digest) && !listed.has(m.digest)) listed.set(m.digest, m);
  const protectedBy = new Map<string, string>();
  if (!policy.deleteUntagged)
    for (const digest of listed.keys()) protectedBy.set(digest, 'not chosen: the clean-up leaves untagged manifests');
  else if (options.partialAt !== undefined)
    for (const digest of listed.keys()) protectedBy.set(digest, 'only part of the tags were read, so an unread tag may need it');
  else {
    // One that cannot be read may be an index: any other could be its platform, so none goes this time.
    const unreadable = [...listed.values()].find((m) => m.unreadable);
    const goes = (digest: string) => tagManifestsDeleted.has(digest) || (listed.has(digest) && !protectedBy.has(digest));
    const protection = (m: UntaggedManifest): string | undefined => {
      const kept = staying.get(m.digest);
      if (kept) return kept;
      if (unreadableTags.length)
        return `kept while tag${unreadableTags.length === 1 ? '' : 's'} ${namedTags(unreadableTags)} cannot be read: one may point at it or at an index that lists it`;
      if (m.unreadable) return `could not be read (${m.unreadable}): what it is and what needs it are unknown`;
      if (unreadable) return `kept while untagged manifest ${unreadable.digest} cannot be read: it may be an index that lists this one`;
      if (m.subject && !goes(m.subject)) return `refers to manifest ${m.subject}, which stays (a signature, SBOM or attestation of it)`;
      return undefined;
    };
    spreadProtection([...listed.values()], protectedBy, protection);
  }
  return {
    listed: true,
    deletions: [...listed.values()].filter((m) => !protectedBy.has(m.digest)),
    protected: [...protectedBy].map(([digest, reason]) => ({ digest, reason })),
    ...(options.untaggedNote ? { note: options.untaggedNote } : {}),
  };
}

/**
 * Protects the listed manifests as passes over the listing would, until one changes nothing: each
 * pass first asks of every manifest in listed order whether it must stay (`protection`), then
 * protects the platforms of every protected index in listed order. The first rule to protect a
 * manifest is the reason shown, in the order protected, so both follow the passes exactly; but a
 * manifest is visited again only when a protection can change its answer (its subject or its
 * index became protected), so a chain of 10,000 referrers takes 10,000 visits, not 10,000 passes
 * over all 10,000. A visit is a number ordered as the passes run: (pass × 2 + step) × count + place.
 */
function spreadProtection(
  manifests: readonly UntaggedManifest[],
  protectedBy: Map<string, string>,
  protection: (m: UntaggedManifest) => string | undefined,
): void {
  const count = manifests.length;
  const pass = 2 * count;
  const placeOf = new Map(manifests.map((m, place) => [m.digest, place]));
  const referrersOf = new Map<string, number[]>();
  manifests.forEach((m, place) => {
    if (!m.subject) return;
    const referrers = referrersOf.get(m.subject) ?? [];
    referrersOf.set(m.subject, referrers);
    referrers.push(place);
  });
  const visits = new MinHeap();
  for (let place = 0; place < count; place++) visits.push(place);
  // The first visit of `step` (0: the manifest's own check, 1: its platforms) at `place` after `now`.
  const nextVisit = (now: number, step: 0 | 1, place: number) => {
    const thisPass = now - (now % pass) + step * count + place;
    return thisPass > now ? thisPass : thisPass + pass;
  };
  const protect = (digest: string, reason: string, now: number) => {
    const place = placeOf.get(digest);
    if (place === undefined || protectedBy.has(digest)) return;
    protectedBy.set(digest, reason);
    for (const referrer of referrersOf.get(digest) ?? []) visits.push(nextVisit(now, 0, referrer));
    visits.push(nextVisit(now, 1, place));
  };
  while (visits.size > 0) {
    const now = visits.pop();
    const m = manifests[now % count]!;
    if (now % pass < count) {
      const reason = protectedBy.has(m.digest) ? undefined : protection(m);
      if (reason) protect(m.digest, reason, now);
    } else for (const child of m.children ?? []) protect(child, `its manifest is a platform of kept untagged index ${m.digest}`, now);
  }
}

/** Numbers, the smallest taken first (a binary heap). */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    let at = this.items.push(value) - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.items[parent]! <= value) break;
      this.items[at] = this.items[parent]!;
      at = parent;
    }
    this.items[at] = value;
  }

  pop(): number {
    const top = this.items[0]!;
    const last = this.items.pop()!;
    if (this.items.length === 0) return top;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= this.items.length) break;
      if (child + 1 < this.items.length && this.items[child + 1]! < this.items[child]!) child++;
      if (this.items[child]! >= last) break;
      this.items[at] = this.items[child]!;
      at = child;
    }
    this.items[at] = last;
    return top;
  }
}

/**
 * The manifests that stay, each with why in words: those a kept tag points at, and (transitively)
 * those a staying index lists.
 */
function stayingManifests(
  tags: readonly TagFacts[],
  going: ReadonlySet<string>,
  tagsByDigest: ReadonlyMap<string, string[]>,
  childrenByDigest: ReadonlyMap<string, readonly string[]>,
): Map<string, string> {
  const staying = new Map<string, string>();
  const queue: string[] = [];
  for (const facts of tags) {
    if (!facts.digest || going.has(facts.tag) || staying.has(facts.digest)) continue;
    const kept = tagsByDigest.get(facts.digest)!.filter((t) => !going.has(t));
    staying.set(facts.digest, `shares its manifest with kept tag${kept.length === 1 ? '' : 's'} ${namedTags(kept)}`);
    queue.push(facts.digest);
  }
  while (queue.length) {
    const parent = queue.shift()!;
    const name = tagsByDigest.get(parent)?.[0] ?? parent;
    for (const child of childrenByDigest.get(parent) ?? [])
      if (!staying.has(child)) {
        staying.set(child, `its manifest is a platform of kept index "${name}"`);
        queue.push(child);
      }
  }
  return staying;
}

/** `sha256:0123456789ab`, as the preview names a manifest. */
function shortOf(digest: string): string {
  const colon = digest.indexOf(':');
  return `${digest.slice(0, colon + 13)}`;
}

function factsOf(facts: TagFacts): Pick<TagDecision, 'tag' | 'digest' | 'created'> {
  return {
    tag: facts.tag,
    ...(facts.digest ? { digest: facts.digest } : {}),
    ...(facts.created !== undefined ? { created: facts.created } : {}),
  };
}

/** Newest first; equal dates in version order, highest first, so the choice never depends on listing order. */
function newestFirst(tags: readonly TagFacts[]): TagFacts[] {
  return [...tags].sort((a, b) => b.created! - a.created! || collator.compare(b.tag, a.tag) || (a.tag < b.tag ? 1 : -1));
}

function namedTags(tags: readonly string[]): string {
  const quoted = tags.slice(0, 5).map((t) => `"${t}"`);
  return tags.length > 5 ? `${quoted.join(', ')} and ${tags.length - 5} more` : quoted.join(', ');
}
