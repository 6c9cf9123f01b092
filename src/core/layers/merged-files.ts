/**
 * An image's file system built from its layers' listings, as a container sees it: each layer
 * applied in order, its whiteouts deleting and its opaque folders hiding what the layers below put
 * there (OCI image spec, "Representing Changes"). Pure: the listings are read elsewhere.
 */
import type { LayerFileEntry } from './layer-files';

/**
 * An image's file system built layer by layer. Each path knows its direct children, folders the
 * archive leaves out included, so a whiteout
 * costs what it removes: a layer's thousands of whiteouts over a large image stay quick on the
 * extension host, where scanning every path for each of them took minutes.
 */
export class MergedFileSystem<E extends LayerFileEntry = LayerFileEntry> {
  private readonly byPath = new Map<string, E>();
  /** Path → its direct children's paths; a folder no layer listed has children but no entry. */
  private readonly children = new Map<string, Set<string>>();

  /** The paths and their entries so far. */
  get files(): ReadonlyMap<string, E> {
    return this.byPath;
  }

  /** Applies one layer's entries on top of what the layers below made. */
  apply(entries: Iterable<E>): void {
    const layer = [...entries];
    // Whiteouts apply to lower layers only, so first remove, then add this layer's own entries.
    for (const entry of layer) {
      if (entry.whiteout?.kind === 'file') this.removeTree(entry.whiteout.target);
      else if (entry.whiteout?.kind === 'opaque') this.removeBelow(entry.whiteout.directory);
    }
    for (const entry of layer) {
      if (entry.whiteout || entry.path === '') continue;
      // Anything but a directory, put where a directory was, hides what was below it (as extraction does).
      if (entry.type !== 'directory') this.removeBelow(entry.path);
      this.byPath.set(entry.path, entry);
      this.link(entry.path);
    }
  }

  /** Records `path` under its parent, and each folder above it under its own, up to the root. */
  private link(path: string): void {
    for (let child = path; child !== '';) {
      const parent = parentOf(child);
      const siblings = this.children.get(parent);
      if (siblings) {
        // A folder with children is linked above already.
        siblings.add(child);
        return;
      }
      this.children.set(parent, new Set([child]));
      child = parent;
    }
  }

  /** Removes `path` and everything below it. */
  private removeTree(path: string): void {
    this.children.get(parentOf(path))?.delete(path);
    this.forget([path]);
  }

  /** Removes everything below `directory`, keeping the directory. */
  private removeBelow(directory: string): void {
    const below = this.children.get(directory);
    if (!below) return;
    this.children.delete(directory);
    this.forget([...below]);
  }

  /** Drops the paths and their descendants, without recursion: hostile paths nest deeper than the stack. */
  private forget(pending: string[]): void {
    for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
      this.byPath.delete(path);
      const below = this.children.get(path);
      if (!below) continue;
      this.children.delete(path);
      for (const child of below) pending.push(child);
    }
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Links followed at most while resolving a path, as Linux does (ELOOP after 40). */
export const MAX_LINK_HOPS = 40;
/** The longest path resolved (PATH_MAX). */
const MAX_LINK_PATH_BYTES = 4096;

/**
 * Path characters that resolving links may still look up: an image's links share one budget, so a
 * hostile image of 200,000 links thousands of folders deep cannot hold the extension host.
 */
export interface LinkBudget {
  characters: number;
}

/**
 * What a symbolic link at `linkPath` leads to in an image's files, as the kernel would resolve it
 * inside the container: relative targets from the link's folder, absolute ones from the image's
 * root, `..` never above the root, and links met on the way (a folder such as `bin` → `usr/bin`,
 * or a link to a link) followed up to {@link MAX_LINK_HOPS}. Undefined when the chain is too long,
 * a path grows past PATH_MAX, it ends nowhere in the image, or `budget` runs out.
 */
export function resolveLink<E extends LayerFileEntry>(
  files: ReadonlyMap<string, E>,
  linkPath: string,
  budget: LinkBudget = { characters: MAX_LINK_PATH_BYTES * MAX_LINK_HOPS * 4 },
): { path: string; entry: E } | undefined {
  const link = files.get(linkPath);
  if (link?.type !== 'symlink' || link.linkTarget === undefined) return undefined;
  let hops = 0;
  // The folder resolved so far ('' is the root), and the names still to walk, the next one last.
  let folder = link.linkTarget.startsWith('/') ? '' : parentOf(linkPath);
  const pending = namesToWalk(link.linkTarget, budget);
  if (!pending) return undefined;
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (name === '.') continue;
    if (name === '..') {
      folder = parentOf(folder);
      continue;
    }
    const path = folder === '' ? name : `${folder}/${name}`;
    budget.characters -= path.length;
    if (path.length > MAX_LINK_PATH_BYTES || budget.characters < 0) return undefined;
    const entry = files.get(path);
    if (entry?.type === 'symlink' && entry.linkTarget !== undefined) {
      if (++hops >= MAX_LINK_HOPS) return undefined;
      if (entry.linkTarget.startsWith('/')) folder = '';
      const more = namesToWalk(entry.linkTarget, budget);
      if (!more) return undefined;
      for (const next of more) pending.push(next);
      continue;
    }
    folder = path;
  }
  const entry = files.get(folder);
  return entry ? { path: folder, entry } : undefined;
}

/** A target's names, last first (a stack to pop), without empty parts; splitting it spends its length. */
function namesToWalk(target: string, budget: LinkBudget): string[] | undefined {
  budget.characters -= target.length;
  if (budget.characters < 0) return undefined;
  return target
    .split('/')
    .filter((name) => name !== '')
    .reverse();
}
