/**
 * Tag order and creation dates, pure: the tree orders a repository's tags with it, and the editor
 * features order completions and find newer tags the same way.
 */

/** The orders `registryExplorer.tagSortOrder` offers (common/settings.ts reads the setting). */
export type TagSortOrder = 'natural' | 'alphabetical' | 'created';

const VERSION_LIKE = /^v?\d+(\.\d+)*([-+][0-9A-Za-z.-]+)?$/;
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Orders tags for display. `natural`: version-like tags first, newest first and numerically
 * (`1.2.10` before `1.2.9`; a release before its pre-releases), then the other tags (`latest`,
 * branch names) alphabetically with numbers compared as numbers. `alphabetical`: plain code-point
 * order, as registries list them. `created` needs creation dates (see {@link sortTagsByCreated});
 * without them it orders like `natural`.
 */
export function sortTags(tags: readonly string[], order: TagSortOrder): string[] {
  if (order === 'alphabetical') return [...tags].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const versions = tags.filter((t) => VERSION_LIKE.test(t)).sort(compareVersionsDescending);
  const others = tags.filter((t) => !VERSION_LIKE.test(t)).sort((a, b) => collator.compare(a, b) || (a < b ? -1 : 1));
  return [...versions, ...others];
}

function compareVersionsDescending(a: string, b: string): number {
  const [coreA, preA] = splitPrerelease(a);
  const [coreB, preB] = splitPrerelease(b);
  const byCore = collator.compare(coreB, coreA);
  if (byCore !== 0) return byCore;
  // Same version: the release sorts before its pre-releases; pre-releases newest first.
  if (!preA !== !preB) return preA ? 1 : -1;
  return collator.compare(preB ?? '', preA ?? '') || (a < b ? -1 : a > b ? 1 : 0);
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
