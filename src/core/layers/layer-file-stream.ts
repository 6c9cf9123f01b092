/**
 * Streams one file's whole content out of an image layer, for saving it (like `docker cp` out of
 * an image): unlike readLayerFile, nothing is kept in memory and there is no cap, since the bytes
 * go to a destination the caller gives (a temporary file), with backpressure all the way to the
 * download.
 *
 * Every pass reads the layer to its end, so the content handed out comes from a layer whose
 * digest a verifying source (registryLayer) has checked: saving is a deliberate act, so
 * correctness comes before the download a big layer costs. The caller must keep what it received
 * only when this resolves: a digest mismatch at the very end rejects after the content went by.
 *
 * The last entry at the path wins, as on extraction, so the destination is opened afresh for each
 * candidate (each replaces what the previous one received). A hard link's content is its target's,
 * which the archive holds earlier: the layer is read again (up to MAX_HARD_LINK_HOPS times), and
 * each re-read also goes to the end, since a registry could send other bytes the second time.
 * Symbolic links, directories, whiteouts, devices and sparse files have no content to save.
 */
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { cancelled, CoreError } from '../errors';
import { checkHasContent, followHardLink, isReadable, notFound, notReadable, type ArchivePlace, type OpenLayer } from './layer-file-read';
import { LayerFilePasses, type LayerFileProgress } from './layer-file-progress';
import { quoteRegistryText } from '../text/registry-text';
import { LayerListing, normaliseArchivePath, type LayerFileEntry, type TarEntryStream } from './layer-files';

export interface StreamLayerFileOptions {
  /** The descriptor's media type: only a hint for error messages, since the bytes decide. */
  mediaType?: string;
  signal?: AbortSignal;
  /** Default 500 000, as for a listing. */
  maxEntries?: number;
  /** The layer's compressed size (its descriptor's), so progress can say how much is left. */
  layerSize?: number;
  /** Called as the blob is read, over every read a hard link takes (see layer-file-progress.ts). */
  onProgress?(progress: LayerFileProgress): void;
}

/** Where a candidate's content goes. */
export interface LayerFileSink {
  /**
   * A fresh destination for the content of `entry` (the regular file whose bytes follow, with its
   * mode). Each call replaces what the previous destination received. The stream is ended when
   * the content is whole, or destroyed when the read fails.
   */
  open(entry: LayerFileEntry): Promise<Writable>;
}

export interface StreamedLayerFile {
  /** The entry at the path asked for (a hard link's own entry, not its target's). */
  entry: LayerFileEntry;
  /** The entry whose content was handed out: `entry` itself, or the file a hard link names. */
  contentEntry: LayerFileEntry;
  /** Bytes handed to the last destination. */
  size: number;
  /** How many times the layer was read (each time to its end). */
  passes: number;
}

/**
 * Hands the content of the entry at `path` to `sink` and resolves once the layer has been read to
 * its end. Fails like readLayerFile (LAYER_FILE_NOT_FOUND, LAYER_FILE_NOT_READABLE, any listing
 * failure, DIGEST_MISMATCH from the source, CANCELLED), or with the destination's own error.
 */
export async function streamLayerFile(
  open: OpenLayer,
  path: string,
  sink: LayerFileSink,
  options: StreamLayerFileOptions = {},
): Promise<StreamedLayerFile> {
  const wanted = normaliseArchivePath(path).path;
  const passes = new LayerFilePasses(options.layerSize, options.onProgress);
  const first = await streamPass(open, wanted, Infinity, sink, options, passes);
  if (!first) throw notFound(wanted);
  const entry = first.entry;
  if (entry.type === 'symlink')
    throw notReadable(
      entry,
      `is a symbolic link to ${quoteTarget(entry.linkTarget)}, which has no content of its own; save the file it points to instead`,
    );
  const found =
    entry.type === 'hardlink'
      ? await followHardLink(wanted, first, 'save', (target, before) => streamPass(open, target, before, sink, options, passes))
      : first;
  if (found !== first && found.entry.type === 'symlink')
    throw notReadable(found.entry, 'is a symbolic link, which a hard link cannot name');
  checkHasContent(found.entry, found.written !== undefined);
  return { entry, contentEntry: found.entry, size: found.written!, passes: passes.begun };
}

interface Found extends ArchivePlace {
  /** The bytes handed to the sink, when the entry is a regular file whose content was read. */
  written?: number;
}

/**
 * One read of the whole layer: the last entry at `wanted` before position `before` is the one
 * found, and each regular file among the candidates has its content handed to a fresh destination.
 */
async function streamPass(
  open: OpenLayer,
  wanted: string,
  before: number,
  sink: LayerFileSink,
  options: StreamLayerFileOptions,
  passes: LayerFilePasses,
): Promise<Found | undefined> {
  if (options.signal?.aborted) throw cancelled();
  passes.begin();
  const { mediaType, signal, maxEntries } = options;
  const listing = new LayerListing(await open(signal), { mediaType, signal, maxEntries, onBytes: (bytes) => passes.bytes(bytes) });
  let found: Found | undefined;
  try {
    for (let ordinal = 0; ; ordinal++) {
      const entry = await listing.next();
      // Read to the end: only then has the source checked the layer's digest.
      if (entry === undefined) {
        passes.end();
        return found;
      }
      if (ordinal >= before || entry.path !== wanted) continue;
      found = { entry, ordinal };
      // Its target is read in another whole pass (unless a later entry replaces the link).
      if (entry.type === 'hardlink') passes.another(true);
      if (!isReadable(entry)) continue;
      const stream = listing.takeContent();
      if (!stream) continue;
      // A sparse file: tar-stream would hand out its packed runs, not the file.
      if (stream.header.size !== entry.size) {
        stream.resume();
        continue;
      }
      found.written = await writeContent(stream, entry, sink, listing, options.signal);
    }
  } finally {
    listing.close();
  }
}

/** Copies one entry's content into a fresh destination, waiting on the destination as it fills. */
async function writeContent(
  stream: TarEntryStream,
  entry: LayerFileEntry,
  sink: LayerFileSink,
  listing: LayerListing,
  signal: AbortSignal | undefined,
): Promise<number> {
  const out = await sink.open(entry);
  // Always listened to: a write failing between two waits, or after the destination is destroyed
  // (a pending write then fails too), must not be thrown from the event loop. Waits see `errored`.
  out.on('error', () => undefined);
  let written = 0;
  try {
    try {
      for await (const chunk of stream as unknown as AsyncIterable<Buffer>) {
        written += chunk.length;
        if (!out.write(chunk)) await drained(out, signal);
      }
    } catch (err) {
      // A torn-down entry stream: the listing says why (cancelled, truncated, corrupt…).
      throw listing.failed ?? err;
    }
    if (written !== entry.size)
      throw (
        listing.failed ??
        new CoreError('LAYER_TRUNCATED', 'The layer ends in the middle of a file; the download was cut short, so try again.')
      );
    out.end();
    await finished(out);
    return written;
  } catch (err) {
    out.destroy();
    throw err;
  }
}

/** Resolves when `out` wants more; rejects when it has failed (before or meanwhile), closed, or the read is cancelled. */
function drained(out: Writable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: Error): void => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => settle();
    const onError = (err: Error): void => settle(err);
    const onClose = (): void => settle(out.errored ?? new Error('The file being written was closed before the content was whole.'));
    const onAbort = (): void => settle(cancelled());
    if (out.errored) return settle(out.errored);
    if (out.destroyed) return onClose();
    if (signal?.aborted) return onAbort();
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
    signal?.addEventListener('abort', onAbort);
  });
}

/** A symbolic link's target as written (relative or absolute), quoted as registry text. */
function quoteTarget(target: string | undefined): string {
  return quoteRegistryText(target ?? '', [], 300);
}
