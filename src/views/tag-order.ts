import type { TagSortOrder } from '../settings';

const VERSION_LIKE = /^v?\d+(\.\d+)*([-+][0-9A-Za-z.-]+)?$/;
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Orders tags for display. `natural`: version-like tags first, newest first and numerically
 * (`1.2.10` before `1.2.9`; a release before its pre-releases), then the other tags (`latest`,
 * branch names) alphabetically with numbers compared as numbers. `alphabetical`: plain code-point
 * order, as registries list them. `created` needs creation dates, which come from the manifests;
 * until they are known it orders like `natural`.
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
