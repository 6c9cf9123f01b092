/**
 * What a registry's provider adds to the tree, in words: the registry row's provider, signed-in
 * account and pull rate limit; a repository row's last push, visibility and pulls, with the
 * vendor's description in its tooltip; the listing with the repositories pinned in settings
 * first; and the order by name or by last push. Pure (no vscode import): the rows call it.
 */
import type { ProviderClient, ProviderId, PullRateLimit, RepositoryDetails } from '../core/index';
import type { RepositorySortOrder } from '../common/settings';
import type { Page } from './pager';

const ICONS: Record<ProviderId, string> = {
  distribution: 'server',
  'docker-hub': 'package',
  github: 'github',
  gitlab: 'git-merge',
  quay: 'database',
  harbor: 'archive',
  acr: 'azure',
  ecr: 'cloud',
  gar: 'cloud',
};

/** The codicon of a registry row for its provider (its state still colours it). */
export function providerIcon(id: ProviderId): string {
  return ICONS[id];
}

/** "76/100 pulls left" for a row's description. */
export function pullLimitNote(limit: PullRateLimit | undefined): string | undefined {
  return limit ? `${limit.remaining}/${limit.limit} pulls left` : undefined;
}

/** The tooltip's sentence about the pull rate limit, with its window. */
export function pullLimitText(limit: PullRateLimit): string {
  const window = limit.windowSeconds ? ` per ${formatDuration(limit.windowSeconds)}` : '';
  return `Pull rate limit: ${limit.remaining} of ${limit.limit} pulls left${window} (as the registry reported at ${new Date(limit.seenAt).toLocaleTimeString()})`;
}

/**
 * The provider and account part of a registry row's description: "GitHub Container Registry ·
 * octocat". A plain registry's row says neither (its tooltip says who is signed in).
 */
export function providerNote(provider: ProviderClient, account: string | undefined): string | undefined {
  if (provider.info.chosenBy === 'default') return undefined;
  return [provider.info.name, account].filter((p) => p).join(' · ');
}

/** A repository row's description: "pushed 3 days ago · private · 1.2k pulls". */
export function repositoryNote(details: RepositoryDetails | undefined, now = Date.now()): string | undefined {
  if (!details) return undefined;
  const parts = [
    details.lastPush !== undefined ? `pushed ${ago(details.lastPush, now)}` : undefined,
    details.visibility && details.visibility !== 'public' ? details.visibility : undefined,
    details.pullCount !== undefined ? `${compact(details.pullCount)} pulls` : undefined,
  ];
  return parts.filter((p) => p).join(' · ') || undefined;
}

/** The tooltip lines a provider adds to a repository row (untrusted text: the caller appends them escaped). */
export function repositoryTooltipLines(details: RepositoryDetails | undefined): string[] {
  if (!details) return [];
  const lines: string[] = [];
  if (details.description) lines.push(details.description);
  if (details.lastPush !== undefined) lines.push(`Last push: ${new Date(details.lastPush).toISOString()}`);
  if (details.visibility) lines.push(`Visibility: ${details.visibility}`);
  if (details.pullCount !== undefined) lines.push(`Pulls: ${details.pullCount.toLocaleString('en-US')}`);
  if (details.tagCount !== undefined) lines.push(`Tags: ${details.tagCount}`);
  if (details.versionCount !== undefined) lines.push(`Versions: ${details.versionCount} (every manifest, tagged or not)`);
  if (details.artifactCount !== undefined) lines.push(`Artifacts: ${details.artifactCount}`);
  return lines;
}

/**
 * Names to show in order: by name, or by last push (latest first; those the provider gives no
 * time for after, by name). Pinned repositories always come first, in the order the user wrote them.
 */
export function orderRepositories(
  names: readonly string[],
  pinned: readonly string[],
  order: RepositorySortOrder,
  details: (name: string) => RepositoryDetails | undefined,
): string[] {
  const first = pinned.filter((p) => names.includes(p));
  const pinnedSet = new Set(first);
  const rest = names.filter((n) => !pinnedSet.has(n));
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  rest.sort(
    order === 'lastPush'
      ? (a, b) => {
          const ta = details(a)?.lastPush;
          const tb = details(b)?.lastPush;
          if (ta !== undefined && tb !== undefined && ta !== tb) return tb - ta;
          if (ta === undefined && tb !== undefined) return 1;
          if (tb === undefined && ta !== undefined) return -1;
          return byName(a, b);
        }
      : byName,
  );
  return [...first, ...rest];
}

/**
 * A registry's listing for the tree: the pinned repositories first (one page), then the
 * provider's pages without them, noting each repository's details in `details`. A registry
 * without a catalog ends the listing quietly after its pinned repositories.
 */
export async function* repositoryListing(
  provider: ProviderClient,
  pinned: readonly string[],
  pageSize: number,
  details: Map<string, RepositoryDetails>,
): AsyncGenerator<Page<string>> {
  const shown = new Set(pinned);
  if (pinned.length > 0) yield { names: [...pinned], more: true };
  try {
    for await (const page of provider.listRepositories({ pageSize })) {
      const names: string[] = [];
      for (const repository of page) {
        details.set(repository.name, repository);
        if (shown.has(repository.name)) continue;
        shown.add(repository.name);
        names.push(repository.name);
      }
      // A vendor API that does not say whether more follow is read once more, when the tree wants more.
      yield { names, more: page.more ?? true, ...(page.leftOut ? { leftOut: page.leftOut } : {}), ...(page.cut ? { cut: page.cut } : {}) };
    }
  } catch (err) {
    if (pinned.length > 0 && (err as { code?: string }).code === 'CATALOG_UNSUPPORTED') return;
    throw err;
  }
}

function ago(time: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return 'just now';
  const units: [number, string][] = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

const UNITS: [number, string][] = [
  [1e3, 'k'],
  [1e6, 'M'],
  [1e9, 'B'],
];

/** "1.2k", "999k", "1M": one decimal under 10 of a unit; a count that rounds to 1000 of one unit is said in the next ("1M", not "1000k"). */
function compact(n: number): string {
  if (n < 1000) return String(n);
  for (const [i, [size, unit]] of UNITS.entries()) {
    const value = n / size;
    const rounded = value.toFixed(value < 10 ? 1 : 0);
    if (Number(rounded) < 1000 || i === UNITS.length - 1) return `${rounded.replace(/\.0$/, '')}${unit}`;
  }
  return String(n);
}

function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
