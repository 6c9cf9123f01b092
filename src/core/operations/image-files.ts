/**
 * The files of one image as a container sees them: its layers read one after the other (streamed,
 * checked against their digests, bounded) and applied in order. Each file is marked with the layer
 * that put it there, so it can be opened or saved from that layer, and each symbolic link with the
 * file it leads to in the image. Foreign layers are left out and named: registries need not hold
 * them, and their URLs point at hosts this client does not fetch from.
 */
import { CoreError } from '../errors';
import { listLayerFiles, type LayerFileEntry } from '../layers/layer-files';
import { MergedFileSystem, resolveLink } from '../layers/merged-files';
import { shortDigest } from '../oci/digest';
import type { Descriptor } from '../oci/manifest';
import { isNonDistributableLayer } from '../oci/media-types';
import { verifiedStream } from '../oci/verify-stream';
import type { Repository } from '../registry/repository';

/** Entries one layer may list, as Compare reads them. */
export const MAX_LAYER_ENTRIES = 200_000;
/** Entries all of an image's layers may list together: the inspector's tree holds no more. */
export const MAX_IMAGE_ENTRIES = 600_000;
/** Path characters all of an image's links may look up while resolving (a few hundred ms at most). */
const LINK_RESOLVING_CHARACTERS = 64 * 1024 * 1024;

/** A file of the image, with the layer it comes from (`index` counts from 0, in the manifest's order). */
export interface ImageFileEntry extends LayerFileEntry {
  layer: { index: number; descriptor: Descriptor };
  /** A symbolic link that leads to a file of the image: that file, read in its place. */
  leadsTo?: { path: string; layer: ImageFileEntry['layer'] };
}

export interface ImageFilesProgress {
  /** Compressed bytes read over all layers, of `size`. */
  bytesRead: number;
  size: number;
  /** Entries listed so far, over all layers. */
  entries: number;
}

export interface ImageFilesOptions {
  signal?: AbortSignal;
  onProgress?(progress: ImageFilesProgress): void;
  /** Lower limits than {@link MAX_LAYER_ENTRIES} and {@link MAX_IMAGE_ENTRIES} (for tests). */
  limits?: { layerEntries?: number; imageEntries?: number };
}

export interface ImageFiles {
  files: ReadonlyMap<string, ImageFileEntry>;
  /** Compressed bytes of the layers read. */
  size: number;
  /** Foreign (non-distributable) layers, not read. */
  notIncluded: Descriptor[];
}

export async function readImageFiles(
  repository: Repository,
  layers: readonly Descriptor[],
  options: ImageFilesOptions = {},
): Promise<ImageFiles> {
  const merged = new MergedFileSystem<ImageFileEntry>();
  const included = layers
    .map((descriptor, index) => ({ descriptor, index }))
    .filter(({ descriptor }) => !isNonDistributableLayer(descriptor.mediaType));
  const size = included.reduce((sum, { descriptor }) => sum + descriptor.size, 0);
  const maxImageEntries = options.limits?.imageEntries ?? MAX_IMAGE_ENTRIES;
  let bytesBefore = 0;
  let entries = 0;
  for (const { descriptor, index } of included) {
    const layer = { index, descriptor };
    const listed: ImageFileEntry[] = [];
    for await (const entry of imageLayerEntries(repository, descriptor, `layer ${index + 1} of ${layers.length}`, {
      signal: options.signal,
      maxEntries: options.limits?.layerEntries,
      onBytes: (read) => options.onProgress?.({ bytesRead: bytesBefore + read, size, entries }),
    })) {
      if (++entries > maxImageEntries)
        throw new CoreError(
          'LAYER_TOO_MANY_ENTRIES',
          `The image's layers list more than ${maxImageEntries.toLocaleString('en-US')} entries together, too many to show at once; open its layers one by one, or pull the image to look at its files on disk.`,
        );
      listed.push({ ...entry, layer });
    }
    merged.apply(listed);
    bytesBefore += descriptor.size;
    options.onProgress?.({ bytesRead: bytesBefore, size, entries });
  }
  const files = merged.files;
  // Enough for every link of any real image many times over; a hostile one's links stop resolving.
  const budget = { characters: LINK_RESOLVING_CHARACTERS };
  for (const [path, entry] of files) {
    if (entry.type !== 'symlink') continue;
    const target = resolveLink(files, path, budget);
    if (target?.entry.type === 'file' || target?.entry.type === 'hardlink')
      entry.leadsTo = { path: target.path, layer: target.entry.layer };
  }
  return { files, size, notIncluded: layers.filter((l) => isNonDistributableLayer(l.mediaType)) };
}

/**
 * {@link layerEntries} of one layer of an image whose files are listed: a layer with too many
 * entries is refused in words about the image's files, and any other refusal names the layer
 * (`which`, "layer 2 of 5"); a cancellation stays as it is.
 */
export async function* imageLayerEntries(
  repository: Repository,
  layer: Descriptor,
  which: string,
  options: { signal?: AbortSignal; maxEntries?: number; onBytes?(read: number): void },
): AsyncGenerator<LayerFileEntry> {
  try {
    yield* layerEntries(repository, layer, options);
  } catch (err) {
    if (!(err instanceof CoreError) || err.code === 'CANCELLED') throw err;
    if (err.code === 'LAYER_TOO_MANY_ENTRIES') {
      const max = (options.maxEntries ?? MAX_LAYER_ENTRIES).toLocaleString('en-US');
      throw new CoreError(
        'LAYER_TOO_MANY_ENTRIES',
        `The image's files are too many to list: its ${which} alone has more than ${max} entries; pull the image to look at its files on disk.`,
        { cause: err },
      );
    }
    throw namingTheLayer(err, which, layer);
  }
}

/**
 * A layer's refusal ("The layer's tar archive has a damaged header…") as one of several layers
 * read together gives it: saying which (`which`: "layer 2 of 5"), with its short digest.
 */
export function namingTheLayer(err: CoreError, which: string, layer: Descriptor): CoreError {
  const named = `${which[0]!.toUpperCase()}${which.slice(1)} (${shortDigest(layer.digest)})`;
  return new CoreError(err.code, `${named}: ${err.message}`, { cause: err, ...(err.remedy ? { remedy: err.remedy } : {}) });
}

/**
 * One layer's entries, read from the registry through a digest check: a layer that does not match
 * its digest fails before its last entry is taken for true.
 */
export async function* layerEntries(
  repository: Repository,
  layer: Descriptor,
  options: { signal?: AbortSignal; maxEntries?: number; onBytes?(read: number): void } = {},
): AsyncGenerator<LayerFileEntry> {
  if (options.signal?.aborted) throw new CoreError('CANCELLED', 'Reading the files was cancelled.');
  const body = await repository.openBlob(layer, options.signal);
  // A failure of the body or of the check fails the stream, which the listing rethrows.
  yield* listLayerFiles(verifiedStream(body, layer, `layer ${layer.digest}`), {
    mediaType: layer.mediaType,
    maxEntries: options.maxEntries ?? MAX_LAYER_ENTRIES,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onBytes ? { onBytes: options.onBytes } : {}),
  });
}
