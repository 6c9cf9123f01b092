/**
 * Reads one file's content out of an image layer, by its path, as oci.dag.dev does: the blob is
 * streamed through the same decoding, tar guards and limits as a listing (layer-files.ts), and the
 * download stops as soon as the file is read. What is kept is bounded: the first `maxBytes` of
 * the content (the rest is skipped, and the result says it was cut and how big the file is).
 *
 * Verification: a layer is checked against its digest only when it has been read to its end. A
 * small layer (at most `readWholeUpTo` compressed bytes, 16 MiB by default) is read to the end
 * anyway, which costs little and makes the answer verified; a bigger one stops early and the
 * result says so (`wholeLayerRead: false`), so the application can mark the content unverified
 * rather than make the user download hundreds of megabytes to see a 1 KiB file.
 *
 * A hard link's content is its target's, which the archive holds earlier: the layer is read again
 * from the start up to the link (`open` is called once more). A symbolic link gives its target
 * (as written: links are not followed, within the layer or across layers). Directories, whiteouts,
 * devices and sparse files are not read.
 */
import { pipeline, type Readable } from 'node:stream';
import { CoreError } from '../errors';
import type { Descriptor } from '../oci/manifest';
import { verifyingStream } from '../oci/verify-stream';
import type { Repository } from '../registry/repository';
import { quoteRegistryText } from '../text/registry-text';
import { LayerFilePasses, type LayerFileProgress } from './layer-file-progress';
import { LayerListing, normaliseArchivePath, type LayerFileEntry, type TarEntryStream } from './layer-files';

/** What a file read gives: 16 MiB is far more than an editor shows usefully, and bounds memory. */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Layers this small (compressed) are read to the end, so the content comes from a verified layer. */
export const DEFAULT_READ_WHOLE_UP_TO = 16 * 1024 * 1024;
/** Hard links followed to a file at most (each is one more read of the layer's start). */
export const MAX_HARD_LINK_HOPS = 4;

export interface ReadLayerFileOptions {
  /** The descriptor's media type: only a hint for error messages, since the bytes decide. */
  mediaType?: string;
  signal?: AbortSignal;
  /** The content returned at most; default 16 MiB. */
  maxBytes?: number;
  /** The layer's compressed size (its descriptor's), to decide whether to read it to the end. */
  layerSize?: number;
  /** Layers up to this size are read to the end (see the header); default 16 MiB. 0 never does. */
  readWholeUpTo?: number;
  /** Default 500 000, as for a listing. */
  maxEntries?: number;
  /** Called as the blob is read, over every read a hard link takes (see layer-file-progress.ts). */
  onProgress?(progress: LayerFileProgress): void;
}

export interface LayerFileContent {
  /** The entry at the path asked for (a hard link's own entry, not its target's). */
  entry: LayerFileEntry;
  /** 'file' with content (a hard link's is its target's), or 'symlink' with only `linkTarget`. */
  kind: 'file' | 'symlink';
  /** The first `maxBytes` of the content; empty for a symbolic link. */
  content: Buffer;
  /** The file's size in the archive: more than `content.length` when `cut`. */
  size: number;
  cut: boolean;
  /** Where the content came from when that is not the path asked for (the file a hard link names). */
  contentPath?: string;
  /** A symbolic link's target, as written in the archive. */
  linkTarget?: string;
  /**
   * Whether the whole layer was read: only then has a verifying source checked its digest. False
   * when the read stopped after the file (a big layer), so the content is unverified.
   */
  wholeLayerRead: boolean;
}

/**
 * Opens the layer blob's bytes (compressed), from the start, each time it is called. The stream's
 * errors must be handled until the reader takes it (as `pipeline` does), since a small blob can
 * fail its digest check before then.
 */
export type OpenLayer = (signal: AbortSignal | undefined) => Promise<Readable>;

/** A layer in a registry: each read streams the blob through its digest and size check. */
export function registryLayer(repository: Pick<Repository, 'openBlob'>, descriptor: Descriptor): OpenLayer {
  return async (signal) => {
    const body = await repository.openBlob(descriptor, signal);
    const verifier = verifyingStream(descriptor, `layer ${descriptor.digest}`);
    // Errors reach the reader through the verifier; pipeline keeps them from going unhandled before.
    pipeline(body, verifier, () => undefined);
    return verifier;
  };
}

/**
 * The content of the entry at `path` ('/'-separated; a leading '/' or './' is ignored). Fails
 * with LAYER_FILE_NOT_FOUND when the layer has no such entry, LAYER_FILE_NOT_READABLE when the
 * entry has no content to show, or any error a listing fails with.
 */
export async function readLayerFile(open: OpenLayer, path: string, options: ReadLayerFileOptions = {}): Promise<LayerFileContent> {
  const wanted = normaliseArchivePath(path).path;
  const maxBytes = Number.isSafeInteger(options.maxBytes) && options.maxBytes! >= 0 ? options.maxBytes! : DEFAULT_MAX_FILE_BYTES;
  const readWhole = (options.layerSize ?? Infinity) <= (options.readWholeUpTo ?? DEFAULT_READ_WHOLE_UP_TO);
  const passes = new LayerFilePasses(options.layerSize, options.onProgress);
  const first = await readPass(open, options, passes, {
    wanted,
    maxBytes,
    readWhole,
    before: Infinity,
  });
  const entry = first.found?.entry;
  if (!entry) throw notFound(wanted);
  if (entry.type === 'symlink') {
    const linkTarget = entry.linkTarget ?? '';
    return { entry, kind: 'symlink', content: Buffer.alloc(0), size: 0, cut: false, linkTarget, wholeLayerRead: first.wholeLayerRead };
  }
  if (entry.type !== 'hardlink') return fileContent(entry, first.found!, first.wholeLayerRead);
  // Verified only if every pass read the whole layer: a later one might stop early.
  let wholeLayerRead = first.wholeLayerRead;
  const target = await followHardLink(wanted, first.found!, 'open', async (name, before) => {
    const pass = await readPass(open, options, passes, { wanted: name, maxBytes, readWhole, before });
    wholeLayerRead &&= pass.wholeLayerRead;
    return pass.found;
  });
  return { ...fileContent(target.entry, target, wholeLayerRead), entry, contentPath: target.entry.path };
}

/** An entry found in a read of the archive, and where: its position among the entries (0-based). */
export interface ArchivePlace {
  entry: LayerFileEntry;
  ordinal: number;
}

/**
 * Follows the hard link found at `wanted` to the file it names, which the archive holds earlier:
 * each hop reads the layer again with `readUpTo(target, before)`, looking only at the entries
 * before the link. Resolves with the first entry found that is not itself a hard link; fails when
 * a target is missing or the chain is longer than MAX_HARD_LINK_HOPS. `verb` is what the user was
 * doing ('open', 'save'), for the advice.
 */
export async function followHardLink<F extends ArchivePlace>(
  wanted: string,
  link: F,
  verb: string,
  readUpTo: (target: string, before: number) => Promise<F | undefined>,
): Promise<F> {
  for (let hop = 0; hop < MAX_HARD_LINK_HOPS; hop++) {
    const target = link.entry.linkTarget ?? '';
    const found = await readUpTo(target, link.ordinal);
    if (!found) throw linkTargetMissing(wanted, target);
    if (found.entry.type !== 'hardlink') return found;
    link = found;
  }
  throw new CoreError(
    'LAYER_FILE_NOT_READABLE',
    `The hard link ${quoted(wanted)} leads through more than ${MAX_HARD_LINK_HOPS} other hard links, so it is not followed; ${verb} the file it names instead.`,
  );
}

/** The entry found at the wanted path, where it was in the archive, and its content if it is a file. */
interface Found extends ArchivePlace {
  content?: { bytes: Buffer; cut: boolean };
}

interface PassGoal {
  wanted: string;
  maxBytes: number;
  /** Read on to the end of the layer after the file, so its digest is checked. */
  readWhole: boolean;
  /** Entries at or after this position are not looked at (a hard link's target is the last one before the link). */
  before: number;
}

/**
 * One read of the layer from its start. The last entry at the wanted path (before `goal.before`)
 * wins, as on extraction; a pass that stops early settles for the first one it meets.
 */
async function readPass(
  open: OpenLayer,
  options: ReadLayerFileOptions,
  passes: LayerFilePasses,
  goal: PassGoal,
): Promise<{ found: Found | undefined; wholeLayerRead: boolean }> {
  passes.begin();
  const { mediaType, signal, maxEntries } = options;
  const listing = new LayerListing(await open(signal), { mediaType, signal, maxEntries, onBytes: (bytes) => passes.bytes(bytes) });
  let found: Found | undefined;
  // Not in `finally`: a failed pass reports nothing more, and a throwing callback must not hide its error.
  const ended = (wholeLayerRead: boolean): { found: Found | undefined; wholeLayerRead: boolean } => {
    passes.end();
    return { found, wholeLayerRead };
  };
  try {
    for (let ordinal = 0; ; ordinal++) {
      const entry = await listing.next();
      if (entry === undefined) return ended(true);
      if (ordinal >= goal.before) {
        if (!goal.readWhole) return ended(false);
        continue;
      }
      if (entry.path !== goal.wanted) continue;
      found = { entry, ordinal };
      // Its target is read in another pass: the whole layer again, or up to here (it lies before).
      if (entry.type === 'hardlink') passes.another(goal.readWhole);
      if (isReadable(entry)) {
        const stream = listing.takeContent();
        if (stream) found.content = await readContent(stream, entry, goal.maxBytes, listing);
      }
      // A later entry could replace this one, but only reading on to the end would tell.
      if (!goal.readWhole && goal.before === Infinity) return ended(false);
    }
  } finally {
    listing.close();
  }
}

export function isReadable(entry: LayerFileEntry): boolean {
  return entry.type === 'file' && !entry.whiteout;
}

function fileContent(entry: LayerFileEntry, found: Found, wholeLayerRead: boolean): LayerFileContent {
  checkHasContent(entry, found.content !== undefined);
  return { entry, kind: 'file', content: found.content!.bytes, size: entry.size, cut: found.content!.cut, wholeLayerRead };
}

/** Throws LAYER_FILE_NOT_READABLE, saying why, unless `entry` is a regular file whose content was read. */
export function checkHasContent(entry: LayerFileEntry, contentRead: boolean): void {
  if (entry.type === 'directory') throw notReadable(entry, 'is a directory: open it in the listing to see its files');
  if (entry.whiteout)
    throw notReadable(entry, 'is a whiteout: it only marks a file of a lower layer as deleted, and has no content of its own');
  if (entry.type !== 'file') throw notReadable(entry, `is a ${entry.type.replace('-', ' ')}, which has no content to show`);
  if (!contentRead)
    throw notReadable(entry, 'is a sparse file (tar -S), whose content is not read here; pull the image and read the layer with tar');
}

/**
 * Reads an entry's content, keeping the first `max` bytes. Resolves as soon as they are read
 * (the rest then goes by unkept if the listing goes on, and is never downloaded if it stops).
 * Undefined content for a sparse file: tar-stream would hand out its packed runs, not the file.
 */
function readContent(
  stream: TarEntryStream,
  entry: LayerFileEntry,
  max: number,
  listing: LayerListing,
): Promise<{ bytes: Buffer; cut: boolean } | undefined> {
  if (stream.header.size !== entry.size) {
    stream.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const kept: Buffer[] = [];
    let length = 0;
    let settled = false;
    const settle = (cut: boolean): void => {
      if (settled) return;
      settled = true;
      resolve({ bytes: Buffer.concat(kept, length), cut });
      kept.length = 0;
    };
    if (max === 0 && entry.size > 0) settle(true);
    stream.on('data', (data) => {
      if (settled) return;
      const chunk = data as Buffer;
      const take = Math.min(chunk.length, max - length);
      // A copy: the chunk may be a view of a much larger buffer of the parser's.
      if (take > 0) kept.push(Buffer.from(chunk.subarray(0, take)));
      length += take;
      if (length >= max && length < entry.size) settle(true);
    });
    stream.on('end', () => settle(false));
    // Torn down before the end: the listing says why (cancelled, truncated, corrupt…).
    stream.on('close', () => {
      if (settled) return;
      settled = true;
      reject(
        listing.failed ??
          new CoreError('LAYER_TRUNCATED', 'The layer ends in the middle of a file; the download was cut short, so try again.'),
      );
    });
    stream.resume();
  });
}

export function quoted(path: string): string {
  return quoteRegistryText(`/${path}`, [], 300);
}

export function notFound(path: string): CoreError {
  return new CoreError(
    'LAYER_FILE_NOT_FOUND',
    `The layer has no file ${quoted(path)}; another layer of the image may hold it, so look for it in their listings.`,
  );
}

export function linkTargetMissing(path: string, target: string): CoreError {
  return new CoreError(
    'LAYER_FILE_NOT_FOUND',
    `The hard link ${quoted(path)} names ${quoted(target)}, which the layer does not hold before it (a damaged or hand-made layer), so it has no content here; open the file in the layer that holds it.`,
  );
}

export function notReadable(entry: LayerFileEntry, why: string): CoreError {
  return new CoreError('LAYER_FILE_NOT_READABLE', `${quoted(entry.path)} ${why}.`);
}
