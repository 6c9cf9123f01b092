import type { ExplorerSettings } from './settings';

/**
 * What a settings change means for the tree, so a change costs no more than it must:
 * - `session`: how registries are reached changed; a new core session and fresh nodes.
 * - `rebuild`: what the tree shows changed (registries listed, paging, nesting); fresh nodes, same session.
 * - `redraw`: only the order of what is loaded changed; the same nodes draw again.
 * - `none`: read when a command runs (concurrency, default platform, upload chunk size, where logins are saved).
 */
export type SettingsImpact = 'none' | 'redraw' | 'rebuild' | 'session';

const SESSION_KEYS = [
  'registries',
  'insecureRegistries',
  'resolveRules',
  'hostsDirectories',
  'dockerConfigPath',
  'podmanAuthPath',
  'credentialHelperTimeoutSeconds',
  'requestTimeoutSeconds',
  'network',
] as const;
const REBUILD_KEYS = ['showDiscoveredRegistries', 'hiddenRegistries', 'pageSize', 'nestedRepositories'] as const;
const REDRAW_KEYS = ['tagSortOrder', 'repositorySortOrder'] as const;

export function impactOf(before: ExplorerSettings, after: ExplorerSettings): SettingsImpact {
  const changed = (keys: readonly (keyof ExplorerSettings)[]) =>
    keys.some((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  if (changed(SESSION_KEYS)) return 'session';
  if (changed(REBUILD_KEYS)) return 'rebuild';
  if (changed(REDRAW_KEYS)) return 'redraw';
  return 'none';
}
