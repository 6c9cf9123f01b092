/**
 * Nested repositories: the path segments of repository names as folders (`team-a/` holding
 * `team-a/api` and `team-a/worker`), built from whatever pages are loaded. Pure, so the tree can
 * rebuild a level on every redraw as more pages arrive.
 */
export interface FolderEntry {
  /** The folder's full prefix with its trailing slash: `team-b/tools/`. */
  prefix: string;
  /** The last segment, as the tree shows it: `tools`. */
  name: string;
  /** Loaded repositories anywhere under it. */
  repositories: number;
}

export interface FolderLevel {
  folders: FolderEntry[];
  /** Full names of the repositories directly at this level, in the order given. */
  repositories: string[];
}

/** What sits directly under `prefix` (`''` for the registry itself): folders first, by name. */
export function folderLevel(names: readonly string[], prefix = ''): FolderLevel {
  const folders = new Map<string, FolderEntry>();
  const repositories: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || name.length === prefix.length) continue;
    const rest = name.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      repositories.push(name);
      continue;
    }
    const segment = rest.slice(0, slash);
    const folderPrefix = `${prefix}${segment}/`;
    const entry = folders.get(folderPrefix) ?? { prefix: folderPrefix, name: segment, repositories: 0 };
    entry.repositories++;
    folders.set(folderPrefix, entry);
  }
  const sorted = [...folders.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { folders: sorted, repositories };
}

/** The last path segment of a repository name: what a nested tree shows for it. */
export function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}
