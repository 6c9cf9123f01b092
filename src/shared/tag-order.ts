/**
 * Tag order and creation dates, pure: the tree orders a repository's tags with it, and the editor
 * features order completions and find newer tags the same way.
 */

/** The orders `registryExplorer.tagSortOrder` offers (common/settings.ts reads the setting). */
export type TagSortOrder = 'natural' | 'alphabetical' | 'created';

/**
 * How tags are ordered for display. A tag is read as the first of these that fits it:
 * - a named tag that people look for by name (`latest`, `stable`, `main`…), shown first, in this
 *   list's order;
 * - a date-stamped tag (`nightly-20240101`, `2024-01-01`, `build-20240315.2`), by its date;
 * - a version (`1.2.10`, `v2`, `3.20-alpine`);
 * - anything else (branch names, commit hashes, referrers tags).
 * `natural` shows named tags, then versions newest first (numerically: `1.2.10` before `1.2.9`; a
 * release before its pre-releases), then date-stamped tags newest first, then the rest
 * alphabetically with numbers compared as numbers. In a repository of thousands of tags the ones
 * people reach for are on the first page. `alphabetical` is plain code-point order, as registries
 * list them. `created` needs creation dates (see {@link sortTagsByCreated}); without them it
 * orders like `natural`.
 */
const NAMED_TAGS = ['latest', 'stable', 'main', 'master', 'edge', 'nightly', 'next', 'beta', 'dev', 'develop', 'canary', 'lts'];
const NAMED_RANK = new Map(NAMED_TAGS.map((name, i) => [name, i]));
const VERSION_LIKE = /^v?\d+(\.\d+)*([-+][0-9A-Za-z.-]+)?$/;
/** A calendar date in a tag: `20240101`, `2024-01-01`, `2024.01.01`, not inside a longer number. */
const DATE_STAMP = /(?<!\d)((?:19|20)\d{2})([-._]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)/;
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export type TagKind = 'named' | 'version' | 'dated' | 'other';

/** What kind of tag this is, for ordering (see the module's comment). */
export function tagKind(tag: string): TagKind {
  if (NAMED_RANK.has(tag.toLowerCase())) return 'named';
  if (DATE_STAMP.test(tag)) return 'dated';
  if (VERSION_LIKE.test(tag)) return 'version';
  return 'other';
}

export function sortTags(tags: readonly string[], order: TagSortOrder): string[] {
  if (order === 'alphabetical') return [...tags].sort(codePoints);
  const groups: Record<TagKind, string[]> = { named: [], version: [], dated: [], other: [] };
  for (const tag of tags) groups[tagKind(tag)].push(tag);
  groups.named.sort((a, b) => NAMED_RANK.get(a.toLowerCase())! - NAMED_RANK.get(b.toLowerCase())! || codePoints(a, b));
  groups.version.sort(compareVersionsDescending);
  groups.dated.sort(compareDatesDescending);
  groups.other.sort((a, b) => collator.compare(a, b) || codePoints(a, b));
  return [...groups.named, ...groups.version, ...groups.dated, ...groups.other];
}

function codePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Newest date first; on the same date, by the text before the date, then what follows it highest first (`.10` before `.2`). */
function compareDatesDescending(a: string, b: string): number {
  const [dateA, beforeA, afterA] = datePartsOf(a);
  const [dateB, beforeB, afterB] = datePartsOf(b);
  return dateB.localeCompare(dateA) || collator.compare(beforeA, beforeB) || collator.compare(afterB, afterA) || codePoints(a, b);
}

function datePartsOf(tag: string): [date: string, before: string, after: string] {
  const m = DATE_STAMP.exec(tag)!;
  return [`${m[1]}${m[3]}${m[4]}`, tag.slice(0, m.index), tag.slice(m.index + m[0].length)];
}

function compareVersionsDescending(a: string, b: string): number {
  const [coreA, preA] = splitPrerelease(a);
  const [coreB, preB] = splitPrerelease(b);
  const byCore = collator.compare(coreB, coreA);
  if (byCore !== 0) return byCore;
  // Same version: the release sorts before its pre-releases; pre-releases newest first.
  if (!preA !== !preB) return preA ? 1 : -1;
  return collator.compare(preB ?? '', preA ?? '') || codePoints(a, b);
}

function splitPrerelease(tag: string): [string, string | undefined] {
  const plain = tag.replace(/^v/, '').replace(/\+.*$/, '');
  const dash = plain.indexOf('-');
  return dash < 0 ? [plain, undefined] : [plain.slice(0, dash), plain.slice(dash + 1)];
}

/**
 * `created` order: tags whose creation time is known, newest first (ties keep natural order),
 * then the tags whose date is unknown (not fetched yet, or the image does not say) in natural order.
 */
export function sortTagsByCreated(tags: readonly string[], createdOf: (tag: string) => number | undefined): string[] {
  const natural = sortTags(tags, 'natural');
  const dated = natural.filter((t) => createdOf(t) !== undefined);
  const undated = natural.filter((t) => createdOf(t) === undefined);
  // Array.prototype.sort is stable, so equal dates keep their natural order.
  return [...dated.sort((a, b) => createdOf(b)! - createdOf(a)!), ...undated];
}

/** Before this, a `created` is a placeholder: Go's zero time, or the epoch that reproducible builds write. */
const EARLIEST_MEANINGFUL = Date.UTC(1980, 0, 1);

/** An RFC 3339 `created` (config field or annotation) as milliseconds, or `undefined` when it says nothing. */
export function parseCreated(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim()))
    return undefined;
  const ms = Date.parse(value.trim());
  return Number.isFinite(ms) && ms >= EARLIEST_MEANINGFUL ? ms : undefined;
}

/** A creation time as the tag row shows it: the UTC date, e.g. `2024-05-01` (the tooltip has the time). */
export function formatCreated(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
