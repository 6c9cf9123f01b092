/**
 * Which files differ between two images: each image's file system is built by applying its
 * layers' listings in order (whiteouts delete, opaque directories hide what lies below), then the
 * two are compared path by path — added, removed, or changed in type, size, mode, owner or link
 * target. Layers are read as the inspector reads them (streamed, verified, bounded), each digest
 * once, and the work stops when `signal` is aborted.
 */
import { pipeline } from 'node:stream';
import { CoreError } from '../errors';
import type { LayerFileEntry } from '../layers/layer-files';
import { listLayerFiles } from '../layers/layer-files';
import type { Descriptor } from '../oci/manifest';
import { isNonDistributableLayer } from '../oci/media-types';
import { verifyingStream } from '../oci/verify-stream';
import type { Repository } from '../registry/repository';

/** A file system: path → its entry (the root '' left out). */
export type FileSystem = ReadonlyMap<string, LayerFileEntry>;

export interface FileChange {
  path: string;
  /** What differs, in words: `size 120 → 4096`, `mode 0644 → 0755`, `owner 0:0 → 1000:1000`, `link a → b`, `type file → symlink`. */
  changes: string[];
}

export interface FileComparison {
  added: LayerFileEntry[];
  removed: LayerFileEntry[];
  changed: FileChange[];
}

/**
 * An image's file system built layer by layer (OCI image spec: whiteouts and opaque directories).
 * Each path knows its direct children, folders the archive leaves out included, so a whiteout
 * costs what it removes: a layer's thousands of whiteouts over a large image stay quick on the
 * extension host, where scanning every path for each of them took minutes.
 */
export class MergedFileSystem {
  private readonly byPath = new Map<string, LayerFileEntry>();
  /** Path → its direct children's paths; a folder no layer listed has children but no entry. */
  private readonly children = new Map<string, Set<string>>();

  /** The paths and their entries so far. */
  get files(): FileSystem {
    return this.byPath;
  }

  /** Applies one layer's entries on top of what the layers below made. */
  apply(entries: Iterable<LayerFileEntry>): void {
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

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

/** Path by path, sorted: what only the second has, what only the first has, and what differs. */
export function compareFileSystems(before: FileSystem, after: FileSystem): FileComparison {
  const added: LayerFileEntry[] = [];
  const removed: LayerFileEntry[] = [];
  const changed: FileChange[] = [];
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(path);
    const b = after.get(path);
    if (!a) added.push(b!);
    else if (!b) removed.push(a);
    else {
      const changes: string[] = [];
      if (a.type !== b.type) changes.push(`type ${a.type} → ${b.type}`);
      if (a.type === 'file' && b.type === 'file' && a.size !== b.size) changes.push(`size ${a.size} → ${b.size}`);
      if ((a.mode & 0o7777) !== (b.mode & 0o7777)) changes.push(`mode ${octal(a.mode)} → ${octal(b.mode)}`);
      if (a.uid !== b.uid || a.gid !== b.gid) changes.push(`owner ${a.uid}:${a.gid} → ${b.uid}:${b.gid}`);
      if ((a.linkTarget ?? '') !== (b.linkTarget ?? '')) changes.push(`link ${a.linkTarget ?? '(none)'} → ${b.linkTarget ?? '(none)'}`);
      if (changes.length) changed.push({ path, changes });
    }
  }
  return { added, removed, changed };
}

export interface ReadFilesOptions {
  signal?: AbortSignal;
  /** Entries per layer at most (default 200 000): a layer with more is refused, as the inspector does. */
  maxEntries?: number;
  /** Called before each layer is read: how many of `total` distinct layers are done. */
  onLayer?: (done: number, total: number) => void;
}

/**
 * Both images' file systems, reading each distinct layer once. Foreign and non-distributable
 * layers are left out (`notIncluded`): registries need not hold them, and their `urls` point
 * elsewhere, at hosts the manifest names and this client does not fetch from.
 */
export async function readFileSystems(
  repository: { before: Repository; after: Repository },
  layers: { before: readonly Descriptor[]; after: readonly Descriptor[] },
  options: ReadFilesOptions = {},
): Promise<{ before: FileSystem; after: FileSystem; notIncluded: Descriptor[] }> {
  const listings = new Map<string, LayerFileEntry[]>();
  const all = [
    ...new Map([
      ...layers.before.map((l) => [l.digest, { l, repo: repository.before }] as const),
      ...layers.after.map((l) => [l.digest, { l, repo: repository.after }] as const),
    ]).values(),
  ];
  const notIncluded = all.filter(({ l }) => isNonDistributableLayer(l.mediaType)).map(({ l }) => l);
  const distinct = all.filter(({ l }) => !isNonDistributableLayer(l.mediaType));
  let done = 0;
  for (const { l, repo } of distinct) {
    if (options.signal?.aborted) throw new CoreError('CANCELLED', 'Comparing the files was cancelled.');
    options.onLayer?.(done++, distinct.length);
    const body = await repo.openBlob(l, options.signal);
    const verifier = verifyingStream(l, `layer ${l.digest}`);
    // pipeline carries a failure of either side to the verifier, which the listing rethrows.
    pipeline(body, verifier, () => undefined);
    const entries: LayerFileEntry[] = [];
    for await (const entry of listLayerFiles(verifier, {
      mediaType: l.mediaType,
      maxEntries: options.maxEntries ?? 200_000,
      ...(options.signal ? { signal: options.signal } : {}),
    }))
      entries.push(entry);
    listings.set(l.digest, entries);
  }
  const build = (list: readonly Descriptor[]): FileSystem => {
    const merged = new MergedFileSystem();
    for (const l of list) merged.apply(listings.get(l.digest) ?? []);
    return merged.files;
  };
  return { before: build(layers.before), after: build(layers.after), notIncluded };
}
