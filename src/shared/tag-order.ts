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
  // Each tag's parts are taken once, not in every comparison: 100,000 tags make 1.7 million of them.
  groups.version = sortedBy(groups.version, versionParts, compareVersionsDescending);
  groups.dated = sortedBy(groups.dated, dateParts, compareDatesDescending);
  groups.other.sort((a, b) => collator.compare(a, b) || codePoints(a, b));
  return [...groups.named, ...groups.version, ...groups.dated, ...groups.other];
}

function codePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `tags` sorted by `compare` over the parts `partsOf` takes from each, taken once per tag. */
function sortedBy<P extends { tag: string }>(
  tags: readonly string[],
  partsOf: (tag: string) => P,
  compare: (a: P, b: P) => number,
): string[] {
  return tags
    .map(partsOf)
    .sort(compare)
    .map((p) => p.tag);
}

interface DateParts {
  tag: string;
  date: string;
  before: string;
  after: string;
}

/** Newest date first; on the same date, by the text before the date, then what follows it highest first (`.10` before `.2`). */
function compareDatesDescending(a: DateParts, b: DateParts): number {
  return (
    b.date.localeCompare(a.date) || collator.compare(a.before, b.before) || collator.compare(b.after, a.after) || codePoints(a.tag, b.tag)
  );
}

function dateParts(tag: string): DateParts {
  const m = DATE_STAMP.exec(tag)!;
  return { tag, date: `${m[1]}${m[3]}${m[4]}`, before: tag.slice(0, m.index), after: tag.slice(m.index + m[0].length) };
}

interface VersionParts {
  tag: string;
  core: string;
  pre: string | undefined;
}

function compareVersionsDescending(a: VersionParts, b: VersionParts): number {
  const byCore = compareDottedNumbers(b.core, a.core);
  if (byCore !== 0) return byCore;
  // Same version: the release sorts before its pre-releases; pre-releases newest first.
  if (!a.pre !== !b.pre) return a.pre ? 1 : -1;
  return collator.compare(b.pre ?? '', a.pre ?? '') || codePoints(a.tag, b.tag);
}

/**
 * Two version cores (`\d+(\.\d+)*`, all a version-like tag's core can be), as the numeric collator
 * orders them: number by number (leading zeros do not count), and a prefix first. Written out
 * because the collator, asked 1.7 million times for 100,000 tags, was most of the sort.
 */
export function compareDottedNumbers(a: string, b: string): number {
  let i = 0;
  let j = 0;
  for (;;) {
    if (i >= a.length || j >= b.length) return i >= a.length ? (j >= b.length ? 0 : -1) : 1;
    // One number from each: skip leading zeros, then the longer run of digits is the larger number.
    while (i < a.length - 1 && a[i] === '0' && a[i + 1] !== '.') i++;
    while (j < b.length - 1 && b[j] === '0' && b[j + 1] !== '.') j++;
    let endA = i;
    let endB = j;
    while (endA < a.length && a[endA] !== '.') endA++;
    while (endB < b.length && b[endB] !== '.') endB++;
    if (endA - i !== endB - j) return endA - i - (endB - j) < 0 ? -1 : 1;
    for (; i < endA; i++, j++) if (a[i] !== b[j]) return a[i]! < b[j]! ? -1 : 1;
    // Past the dots (a core never ends in one).
    i = endA + 1;
    j = endB + 1;
    if (endA >= a.length || endB >= b.length) return endA >= a.length ? (endB >= b.length ? 0 : -1) : 1;
  }
}

function versionParts(tag: string): VersionParts {
  const plain = tag.replace(/^v/, '').replace(/\+.*$/, '');
  const dash = plain.indexOf('-');
  return dash < 0 ? { tag, core: plain, pre: undefined } : { tag, core: plain.slice(0, dash), pre: plain.slice(dash + 1) };
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
