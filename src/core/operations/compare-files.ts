/**
 * Which files differ between two images: each image's file system is built by applying its
 * layers' listings in order (whiteouts delete, opaque directories hide what lies below), then the
 * two are compared path by path — added, removed, or changed in type, size, mode, owner or link
 * target. Layers are read as the inspector reads them (streamed, verified, bounded), each digest
 * once, and the work stops when `signal` is aborted.
 */
import { CoreError } from '../errors';
import type { LayerFileEntry } from '../layers/layer-files';
import { MergedFileSystem } from '../layers/merged-files';
import { layerEntries, namingTheLayer } from './image-files';
import type { Descriptor } from '../oci/manifest';
import { isNonDistributableLayer } from '../oci/media-types';
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
    const entries: LayerFileEntry[] = [];
    try {
      for await (const entry of layerEntries(repo, l, { signal: options.signal, maxEntries: options.maxEntries })) entries.push(entry);
    } catch (err) {
      // Two images' layers are read here: a refusal says which layer it was.
      throw err instanceof CoreError && err.code !== 'CANCELLED' ? namingTheLayer(err, 'layer', l) : err;
    }
    listings.set(l.digest, entries);
  }
  const build = (list: readonly Descriptor[]): FileSystem => {
    const merged = new MergedFileSystem();
    for (const l of list) merged.apply(listings.get(l.digest) ?? []);
    return merged.files;
  };
  return { before: build(layers.before), after: build(layers.after), notIncluded };
}
