import { join } from 'node:path';

/**
 * A path from settings with a leading `~` as the user's home folder (`~/.docker/config.json`),
 * as people write them and as the settings' own defaults do. Other paths are returned unchanged.
 */
export function expandHome(path: string, home: string): string {
  const trimmed = path.trim();
  if (trimmed === '~') return home;
  if (trimmed.startsWith('~/') || trimmed.startsWith('~\\')) return join(home, trimmed.slice(2));
  return trimmed;
}
