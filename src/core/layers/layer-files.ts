/**
 * Lists the files in an image layer by streaming its blob: decompress (gzip or zstd, decided by
 * the bytes themselves), parse the tar headers with tar-stream, skip every entry's content without
 * holding it. Memory stays bounded whatever the layer's size, and every failure is a CoreError.
 * Paths come from the archive and are untrusted: they are kept as text, normalised and flagged.
 * What is kept is bounded too, since a few KiB of gzip can name gigabytes: entries, the bytes of
 * each name and of all names, the depth of paths, and the nodes of the tree built from them; and
 * extended tar headers are checked before tar-stream reads them (see tar-guard.ts).
 */
import { type Readable } from 'node:stream';
import { extract as tarExtract, type Extract, type Header } from 'tar-stream';
import { CoreError } from '../errors';
import { gunzipChunks, unzstdChunks } from './layer-decode';
import { layerCompressionOf } from '../oci/media-types';
import { quoteRegistryText } from '../text/registry-text';
import {
  MAX_EXTENDED_HEADER_BYTES,
  MAX_GLOBAL_HEADER_RECORDS,
  MAX_SPARSE_MAP_BYTES,
  TarHeaderGuard,
  type TarGuardProblem,
} from './tar-guard';

export interface LayerFileEntry {
  /** Normalised: no leading './' or '/', '/'-separated; directories without trailing '/'. The archive's root directory is ''. */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo' | 'other';
  size: number;
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  mtime?: Date;
  /** A symlink's target as written, or a hard link's target path normalised like `path`. */
  linkTarget?: string;
  /** '.wh.<name>' deletes <dir>/<name> from lower layers; '.wh..wh..opq' makes its directory opaque. */
  whiteout?: { kind: 'file'; target: string } | { kind: 'opaque'; directory: string };
  /** Set when the raw name was absolute or contained '..' (hostile layers): shown, never resolved on disk. */
  unsafe?: 'absolute' | 'parent-traversal';
}

export type LayerCompression = 'gzip' | 'zstd' | 'none';

export interface ListLayerOptions {
  /** The descriptor's media type: only a hint for error messages, since the bytes decide. */
  mediaType?: string;
  signal?: AbortSignal;
  /** Default 500 000. */
  maxEntries?: number;
  /** Called as the blob is read, with the total compressed bytes read so far (for progress). */
  onBytes?(compressedBytesRead: number): void;
}

export interface LayerTreeNode {
  name: string;
  path: string;
  entry?: LayerFileEntry;
  children?: Map<string, LayerTreeNode>;
  /** Sum of the sizes of the non-directory entries at or below this node. */
  totalSize: number;
  /** Number of entries at or below this node that are neither directories nor whiteouts. */
  fileCount: number;
  /** On the root only: how many nodes the whole tree holds (what a cache of trees should weigh). */
  nodeCount?: number;
}

const BLOCK = 512;
const DEFAULT_MAX_ENTRIES = 500_000;
/** PATH_MAX on Linux: no path or link target a container can use is longer. */
export const MAX_LAYER_NAME_BYTES = 4096;
/** Folders in one path: far deeper than real trees, which 4 KiB names could make at most 2048 deep. */
export const MAX_LAYER_PATH_DEPTH = 1024;
/** All the names kept for one listing (paths, link targets, owners): 500 000 entries of 134 bytes. */
export const MAX_LAYER_NAME_BYTES_TOTAL = 64 * 1024 * 1024;
/** The tree's nodes: the default entry limit, and 100 000 folders the archive leaves out (each costs about 350 bytes). */
export const MAX_LAYER_TREE_NODES = 600_000;
/** Folders made for paths the archive does not list: a few per listed folder in real layers, a million from 9 KiB of hostile ones. */
export const MAX_LAYER_IMPLIED_FOLDERS = 100_000;

/**
 * How a blob's first bytes say it is stored: gzip (1f 8b), zstd (28 b5 2f fd, or a skippable
 * frame), or an uncompressed tar ('ustar' at offset 257, or an all-zero first block: an empty
 * archive). Undefined when the bytes are none of these or too few to tell.
 */
export function sniffCompression(firstBytes: Uint8Array): LayerCompression | undefined {
  const b = firstBytes;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd';
  if (b.length >= 4 && (b[0]! & 0xf0) === 0x50 && b[1] === 0x2a && b[2] === 0x4d && b[3] === 0x18) return 'zstd';
  if (hasUstarMagic(b) || isZeroBlock(b)) return 'none';
  return undefined;
}

function hasUstarMagic(b: Uint8Array): boolean {
  return b.length >= 262 && Buffer.from(b.buffer, b.byteOffset + 257, 5).toString('latin1') === 'ustar';
}

function isZeroBlock(b: Uint8Array): boolean {
  return b.length >= BLOCK && b.subarray(0, BLOCK).every((byte) => byte === 0);
}

/**
 * Yields the entries of a layer blob as they are read. Breaking out of the loop, or aborting
 * `signal`, destroys `source`. Whatever the bytes, failures are CoreErrors: LAYER_TRUNCATED,
 * NOT_A_TAR, LAYER_CORRUPT, LAYER_TOO_MANY_ENTRIES, CANCELLED, LAYER_READ_FAILED, or a CoreError
 * the source itself raised (such as DIGEST_MISMATCH); only an error thrown by `onBytes` passes as is.
 */
export async function* listLayerFiles(source: Readable, options: ListLayerOptions = {}): AsyncGenerator<LayerFileEntry> {
  const listing = new LayerListing(source, options);
  try {
    for (let entry = await listing.next(); entry !== undefined; entry = await listing.next()) yield entry;
  } finally {
    listing.close();
  }
}

/** What tar-stream's iterator yields: an entry's content stream with its header and offset. */
export interface TarEntryStream {
  header: Header;
  /** Where the entry's own header starts in the tar bytes. */
  offset: number;
  resume(): unknown;
  on(event: 'data', listener: (chunk: unknown) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
}

/**
 * One listing: a pump reads, decompresses and writes tar bytes into tar-stream's parser, which
 * stalls (and so stalls the pump) until the consumer asks for the next entry. An entry's content
 * is skipped when the next entry is asked for, unless `takeContent()` handed it out first (to
 * read one file: layer-file-read.ts); tearing the listing down destroys that content stream too.
 */
export class LayerListing {
  private readonly extract: Extract = tarExtract();
  private readonly tarEntries: AsyncIterator<TarEntryStream>;
  private readonly tail = new TarTail();
  /** GNU sparse files' real sizes by where their header starts, from the guard ahead of tar-stream. */
  private readonly sparseSizes = new Map<number, number>();
  private readonly guard = new TarHeaderGuard(headerRefused, (offset, sparseSize) => {
    if (sparseSize !== undefined) this.sparseSizes.set(offset, sparseSize);
  });
  private readonly maxEntries: number;
  private nameBytes = 0;
  /** Rejects the `next()` waiting for an entry, if one is: a failure must wake it. */
  private wakeWaiter: ((err: Error) => void) | undefined;
  private failure: Error | undefined;
  private closed = false;
  private count = 0;
  private lastEntryEnd = 0;
  private compression: LayerCompression = 'none';
  /** The last entry's content, until it is handed out or skipped. */
  private unread: TarEntryStream | undefined;

  constructor(
    private readonly source: Readable,
    private readonly options: ListLayerOptions,
  ) {
    this.maxEntries = Number.isFinite(options.maxEntries) ? options.maxEntries! : DEFAULT_MAX_ENTRIES;
    this.tarEntries = this.extract[Symbol.asyncIterator]();
    // Errors after we stop reading must not crash the process; we report our own.
    source.on('error', () => undefined);
    options.signal?.addEventListener('abort', this.onAbort);
    if (options.signal?.aborted) this.onAbort();
    else this.pump().catch((err: unknown) => this.fail(unexpected(err)));
  }

  async next(): Promise<LayerFileEntry | undefined> {
    // Skip the content as it arrives: it is never held, and the parser moves on.
    this.unread?.resume();
    this.unread = undefined;
    let result: IteratorResult<TarEntryStream>;
    try {
      result = await this.nextTarEntry();
    } catch (err) {
      throw this.failure ?? this.fail(tarError(err));
    }
    if (this.failure) throw this.failure;
    if (result.done) {
      this.checkEndOfArchive();
      return undefined;
    }
    const stream = result.value;
    // Held, not skipped yet: the parser waits for the next `next()` to read further anyway.
    this.unread = stream;
    this.lastEntryEnd = entryEnd(stream);
    if (++this.count > this.maxEntries) throw this.fail(tooManyEntries(this.maxEntries));
    let entry: LayerFileEntry;
    try {
      const sparseSize = this.sparseSizes.get(stream.offset);
      this.sparseSizes.delete(stream.offset);
      entry = toLayerFileEntry(stream.header, sparseSize);
      this.nameBytes += keptNameBytes(entry);
    } catch (err) {
      throw this.fail(unexpected(err));
    }
    if (this.nameBytes > MAX_LAYER_NAME_BYTES_TOTAL) throw this.fail(namesTooLarge());
    return entry;
  }

  /**
   * The parser's next entry, or the failure that stops the listing first. Not a Promise.race with
   * one long-lived "stopped" promise: every race would leave a reaction on it holding the entry it
   * resolved with, so a listing of 500 000 entries kept all their streams (about 1.6 KiB each).
   */
  private nextTarEntry(): Promise<IteratorResult<TarEntryStream>> {
    return new Promise((resolve, reject) => {
      this.wakeWaiter = reject;
      this.tarEntries
        .next()
        .then(resolve, reject)
        .finally(() => {
          this.wakeWaiter = undefined;
        });
    });
  }

  /**
   * The content of the entry `next()` last returned, if not skipped yet: the caller reads it (it
   * must start reading at once, or resume it) before asking for the next entry.
   */
  takeContent(): TarEntryStream | undefined {
    const stream = this.unread;
    this.unread = undefined;
    return stream;
  }

  /** The failure that stopped the listing, once one has. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** Stops everything and releases the source; later failures of the pump are ignored. */
  close(): void {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.teardown();
  }

  /** The caller's progress callback; if it throws, the listing stops with that very error. */
  private readonly reportProgress = (total: number): void => {
    try {
      this.options.onBytes?.(total);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  };

  private readonly onAbort = (): void => {
    this.fail(new CoreError('CANCELLED', "Listing the layer's files was cancelled."));
  };

  /** Records the first failure, stops the pipeline and wakes a waiting `next()`. */
  private fail(err: Error): Error {
    if (this.failure || this.closed) return this.failure ?? err;
    this.failure = err;
    this.wakeWaiter?.(err);
    this.teardown();
    return err;
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.destroy();
    this.extract.destroy();
  }

  /** Source → decompression → tar parser, each step pulling only what the next one takes. */
  private async pump(): Promise<void> {
    const [head, compressed] = await peek(readBytes(this.source, this.reportProgress), BLOCK);
    this.compression = sniffCompression(head) ?? 'none';
    const [tarHead, tarBytes] = await peek(decompress(this.compression, compressed), BLOCK);
    this.checkTarHead(tarHead);
    for await (const chunk of tarBytes) {
      // The parser destroys itself on a bad header; next() reports that, the pump just stops.
      if (this.closed || this.extract.destroying) return;
      this.tail.add(chunk);
      // Before tar-stream buffers and merges a hostile extended header.
      for (const piece of this.guard.write(chunk)) {
        if (!this.extract.write(piece)) await writableOrClosed(this.extract);
        if (this.closed || this.extract.destroying) return;
      }
    }
    if (this.closed) return;
    for (const piece of this.guard.end()) this.extract.write(piece);
    this.extract.end(undefined);
  }

  /** The first block of tar bytes must be a tar header or an empty archive's zero block. */
  private checkTarHead(head: Buffer): void {
    if (head.length === 0 || hasUstarMagic(head) || isZeroBlock(head)) return;
    if (head.length < BLOCK && head.every((byte) => byte === 0)) throw this.truncated();
    throw notATar(this.compression, this.options.mediaType);
  }

  /** An archive that stops after an entry, without the zero block that ends a tar, was cut short. */
  private checkEndOfArchive(): void {
    if (this.tail.total === 0) return;
    if (!this.tail.endsWithZeroBlockAfter(this.lastEntryEnd)) throw this.fail(this.truncated());
  }

  private truncated(): CoreError {
    return new CoreError('LAYER_TRUNCATED', 'The layer ends in the middle of its tar archive; the download was cut short, so try again.');
  }
}

/** Tracks how many tar bytes went by and whether the last 512 of them are zero. */
class TarTail {
  total = 0;
  private last = Buffer.alloc(0);

  add(chunk: Buffer): void {
    this.total += chunk.length;
    // Copies at most one block, so no chunk is retained.
    const joined = chunk.length >= BLOCK ? chunk : Buffer.concat([this.last, chunk]);
    this.last = Buffer.from(joined.subarray(Math.max(0, joined.length - BLOCK)));
  }

  endsWithZeroBlockAfter(offset: number): boolean {
    return this.total % BLOCK === 0 && this.total - BLOCK >= offset && isZeroBlock(this.last);
  }
}

/** Where an entry's header and content (padded to a block) end; a directory's size is ignored by the parser. */
function entryEnd(stream: TarEntryStream): number {
  const size = stream.header.type === 'directory' ? 0 : stream.header.size;
  return stream.offset + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
}

function decompress(compression: LayerCompression, chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  if (compression === 'gzip') return gunzipChunks(chunks);
  if (compression === 'zstd') return unzstdChunks(chunks);
  return chunks;
}

/** Reads the source's chunks as Buffers, reporting progress; read errors become CoreErrors. */
async function* readBytes(source: Readable, onBytes: (total: number) => void): AsyncGenerator<Buffer> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  let total = 0;
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw readError(err);
      }
      if (next.done) return;
      const bytes = asBytes(next.value);
      total += bytes.length;
      onBytes(total);
      yield bytes;
    }
  } finally {
    await chunks.return?.();
  }
}

function asBytes(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new CoreError(
    'LAYER_READ_FAILED',
    'The layer stream produced something other than bytes; this is a bug in the extension, so please report it.',
  );
}

/**
 * Reads at least `size` bytes (fewer if the input ends) to look at, and returns them with an
 * iterable that replays them before the rest of the input.
 */
async function peek(input: AsyncIterable<Buffer>, size: number): Promise<[Buffer, AsyncIterable<Buffer>]> {
  const rest = input[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const next = await rest.next();
    if (next.done) break;
    held.push(next.value);
    length += next.value.length;
  }
  return [Buffer.concat(held), replay(held, rest)];
}

async function* replay(held: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    while (held.length > 0) yield held.shift()!;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

/** Resolves once the parser wants more bytes, or has been destroyed. */
function writableOrClosed(extract: Extract): Promise<void> {
  return new Promise((resolve) => {
    if (extract.destroying) return resolve();
    const done = (): void => {
      extract.off('drain', done);
      extract.off('close', done);
      resolve();
    };
    extract.on('drain', done);
    extract.on('close', done);
  });
}

/** `sparseSize`: the real size of a GNU sparse file (type 'S'), which tar-stream does not know. */
function toLayerFileEntry(header: Header, sparseSize?: number): LayerFileEntry {
  const pax = paxRecords(header);
  const rawName = pax['GNU.sparse.name'] ?? header.name;
  checkNameLength('a path', rawName, MAX_LAYER_NAME_BYTES);
  if (header.linkname) checkNameLength('a link target', header.linkname, MAX_LAYER_NAME_BYTES);
  const { path, unsafe } = normaliseArchivePath(rawName);
  const depth = path === '' ? 0 : countOf(path, '/') + 1;
  if (depth > MAX_LAYER_PATH_DEPTH) throw tooDeep(depth);
  const type = sparseSize === undefined ? entryType(header.type) : 'file';
  const entry: LayerFileEntry = {
    path,
    type,
    size: type === 'directory' ? 0 : (sparseSize ?? paxSparseSize(pax) ?? finiteOr(header.size, 0)),
    mode: finiteOr(header.mode, 0),
    // tar-stream applies only path, linkpath and size from PAX records; owners are read here.
    uid: paxId(pax.uid) ?? finiteOr(header.uid, 0),
    gid: paxId(pax.gid) ?? finiteOr(header.gid, 0),
  };
  const uname = paxOwnerName(pax.uname) ?? header.uname;
  const gname = paxOwnerName(pax.gname) ?? header.gname;
  if (uname) entry.uname = uname;
  if (gname) entry.gname = gname;
  const mtime = modificationTime(header, pax);
  if (mtime) entry.mtime = mtime;
  if (header.linkname && (type === 'symlink' || type === 'hardlink')) {
    entry.linkTarget = type === 'hardlink' ? normaliseArchivePath(header.linkname).path : header.linkname;
  }
  const whiteout = whiteoutOf(path);
  if (whiteout) entry.whiteout = whiteout;
  if (unsafe) entry.unsafe = unsafe;
  return entry;
}

function checkNameLength(what: string, name: string, max: number): void {
  // Cheap before exact: UTF-8 takes at least one byte per UTF-16 unit and at most three.
  if (name.length * 3 <= max) return;
  const bytes = Buffer.byteLength(name);
  if (bytes > max) throw nameTooLong(what, bytes, max);
}

function countOf(text: string, character: string): number {
  let count = 0;
  for (let i = text.indexOf(character); i !== -1; i = text.indexOf(character, i + 1)) count++;
  return count;
}

/** The bytes of text an entry keeps (names are at most 4 KiB, owners 256 bytes: measuring is cheap). */
function keptNameBytes(entry: LayerFileEntry): number {
  let bytes = Buffer.byteLength(entry.path);
  if (entry.linkTarget !== undefined) bytes += Buffer.byteLength(entry.linkTarget);
  if (entry.uname !== undefined) bytes += Buffer.byteLength(entry.uname);
  if (entry.gname !== undefined) bytes += Buffer.byteLength(entry.gname);
  return bytes;
}

function entryType(type: Header['type'] | null): LayerFileEntry['type'] {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'link':
      return 'hardlink';
    case 'character-device':
      return 'char-device';
    case 'directory':
    case 'symlink':
    case 'block-device':
    case 'fifo':
      return type;
    default:
      return 'other';
  }
}

function paxRecords(header: Header): Record<string, string> {
  const pax = header.pax;
  return typeof pax === 'object' && pax !== null ? (pax as Record<string, string>) : {};
}

/** A GNU sparse file's real size (PAX formats 0.1 and 1.0); the header's size is what is stored. */
function paxSparseSize(pax: Record<string, string>): number | undefined {
  const size = Number(pax['GNU.sparse.realsize'] ?? pax['GNU.sparse.size']);
  return Number.isSafeInteger(size) && size >= 0 ? size : undefined;
}

/**
 * A PAX uid or gid: Go's archive/tar and GNU tar put one past the ustar field's 2097151 there
 * (OpenShift's 1000680000, say) and leave the field 0.
 */
function paxId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** A PAX user or group name, unless longer than a system allows (LOGIN_NAME_MAX). */
function paxOwnerName(text: string | undefined): string | undefined {
  return text && Buffer.byteLength(text) <= MAX_OWNER_NAME_BYTES ? text : undefined;
}

const MAX_OWNER_NAME_BYTES = 256;

/** PAX mtime has sub-second precision; the header's is whole seconds. */
function modificationTime(header: Header, pax: Record<string, string>): Date | undefined {
  const paxSeconds = Number(pax.mtime);
  const date = pax.mtime !== undefined && Number.isFinite(paxSeconds) ? new Date(paxSeconds * 1000) : header.mtime;
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

/**
 * An archive path as text: '.' and empty segments dropped, no leading or trailing '/'. '..'
 * segments are kept (not resolved), so a hostile name stays visible, and flagged.
 */
export function normaliseArchivePath(raw: string): { path: string; unsafe?: 'absolute' | 'parent-traversal' } {
  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.');
  const path = segments.join('/');
  if (segments.includes('..')) return { path, unsafe: 'parent-traversal' };
  if (raw.startsWith('/')) return { path, unsafe: 'absolute' };
  return { path };
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';

/** OCI whiteouts; other '.wh..wh.' names are AUFS bookkeeping, not deletions. */
function whiteoutOf(path: string): LayerFileEntry['whiteout'] {
  const slash = path.lastIndexOf('/');
  const directory = slash < 0 ? '' : path.slice(0, slash);
  const name = path.slice(slash + 1);
  if (name === OPAQUE_WHITEOUT) return { kind: 'opaque', directory };
  if (!name.startsWith(WHITEOUT_PREFIX) || name.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return undefined;
  const deleted = name.slice(WHITEOUT_PREFIX.length);
  if (deleted === '') return undefined;
  return { kind: 'file', target: directory === '' ? deleted : `${directory}/${deleted}` };
}

function tooManyEntries(max: number): CoreError {
  return new CoreError(
    'LAYER_TOO_MANY_ENTRIES',
    `The layer has more than ${max.toLocaleString('en-US')} entries, too many to list; pull the image to look at its files on disk.`,
  );
}

const NOT_LISTED =
  'it was built to exhaust memory or is damaged, so it is not listed; if you trust the image, pull it and read the layer with tar';

function nameTooLong(what: string, bytes: number, max: number): CoreError {
  return new CoreError(
    'LAYER_NAME_TOO_LONG',
    `The layer has ${what} of ${bytes.toLocaleString('en-US')} bytes, longer than the ${max.toLocaleString('en-US')} bytes a system allows: ${NOT_LISTED}.`,
  );
}

function tooDeep(depth: number): CoreError {
  return new CoreError(
    'LAYER_TOO_DEEP',
    `The layer has a path ${depth.toLocaleString('en-US')} folders deep, more than the ${MAX_LAYER_PATH_DEPTH.toLocaleString('en-US')} listed here: ${NOT_LISTED}.`,
  );
}

function namesTooLarge(): CoreError {
  return new CoreError(
    'LAYER_NAMES_TOO_LARGE',
    `The layer's file names add up to more than ${MAX_LAYER_NAME_BYTES_TOTAL / 1048576} MiB, more than is listed here: pull the image to look at its files on disk.`,
  );
}

/** The guard's findings, worded for a layer. */
function headerRefused(problem: TarGuardProblem): CoreError {
  switch (problem.kind) {
    case 'extended-header-too-large':
      return new CoreError(
        'LAYER_HEADER_TOO_LARGE',
        `The layer has a${problem.global ? ' global' : 'n'} extended tar header (PAX or GNU long name) of ${problem.size.toLocaleString('en-US')} bytes, over the ${MAX_EXTENDED_HEADER_BYTES / 1024} KiB read here: ${NOT_LISTED}.`,
      );
    case 'global-header-too-many-records':
      return new CoreError(
        'LAYER_HEADER_TOO_LARGE',
        `The layer has a global PAX header of ${problem.records.toLocaleString('en-US')} records, over the ${MAX_GLOBAL_HEADER_RECORDS} read here: ${NOT_LISTED}.`,
      );
    case 'extended-header-malformed':
      return new CoreError(
        'LAYER_CORRUPT',
        "The layer's tar archive has an extended header (PAX or GNU long name) with no readable size; the blob is corrupt, so push the image again.",
      );
    case 'sparse-map-too-large':
      return new CoreError(
        'LAYER_HEADER_TOO_LARGE',
        `The layer has a GNU sparse file (tar -S) whose map of data runs is over the ${MAX_SPARSE_MAP_BYTES / 1024} KiB read here, so it is not listed; pull the image and read the layer with tar.`,
      );
  }
}

function notATar(compression: LayerCompression, mediaType: string | undefined): CoreError {
  const what = compression === 'none' ? 'This blob' : `This blob's ${compression} content`;
  let hint = '';
  // The media type is the manifest's text: one line, visible, and short in a message.
  const shown = mediaType && quoteRegistryText(mediaType, [], 120);
  if (mediaType && layerCompressionOf(mediaType)) hint = ` although its media type ${shown} says it is a layer`;
  else if (mediaType) hint = ` (its media type is ${shown})`;
  return new CoreError(
    'NOT_A_TAR',
    `${what} is not a tar archive${hint}; artifacts' blobs are files, not layers, so download it to see what it holds.`,
  );
}

function readError(err: unknown): CoreError {
  if (err instanceof CoreError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new CoreError('LAYER_READ_FAILED', `Reading the layer failed (${detail}); check the connection and try again.`, { cause: err });
}

/** Errors from tar-stream: it reports a stream that ends mid-entry as "Unexpected end of data". */
function tarError(err: unknown): CoreError {
  if (err instanceof CoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/unexpected end/i.test(message)) {
    return new CoreError('LAYER_TRUNCATED', 'The layer ends in the middle of its tar archive; the download was cut short, so try again.');
  }
  return new CoreError('LAYER_CORRUPT', "The layer's tar archive has a damaged header; the blob is corrupt, so push the image again.", {
    cause: err,
  });
}

/** A failure no step classified (a bug, not an input): still a CoreError, naming the cause. */
function unexpected(err: unknown): CoreError {
  if (err instanceof CoreError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new CoreError(
    'LAYER_CORRUPT',
    `The layer could not be read as a tar archive (${detail}); the blob may be damaged, so push the image again.`,
    { cause: err },
  );
}

/** How large a tree built from a listing may grow, and whose files it holds. */
export interface LayerTreeLimits {
  maxNodes?: number;
  maxImpliedFolders?: number;
  /** Whose files these are, for the words of a refusal: one layer's (default), or an image's with all its layers applied. */
  of?: 'layer' | 'image';
}

/**
 * Builds the nested tree the UI shows: parent directories the archive does not list are created,
 * a path listed twice keeps its last entry (as extraction would), and each node sums the sizes
 * and counts the files beneath it. In one go: `layerFileTreeAsync` is for the extension host.
 */
export function layerFileTree(entries: Iterable<LayerFileEntry>, limits: LayerTreeLimits = {}): LayerTreeNode {
  const tree = new TreeBuilder(entries, limits);
  tree.advance(Infinity);
  return tree.root;
}

/** How long `layerFileTreeAsync` works before the event loop gets a turn, by default. */
const SLICE_MS = 10;

/**
 * `layerFileTree` a slice at a time: the event loop gets a turn after each `sliceMs` of work, so
 * half a million entries do not stall the extension host for a second. Aborting `signal` stops
 * it between slices with a CANCELLED CoreError. `entries` must not change until it settles.
 */
export async function layerFileTreeAsync(
  entries: Iterable<LayerFileEntry>,
  limits: LayerTreeLimits = {},
  options: { signal?: AbortSignal; sliceMs?: number } = {},
): Promise<LayerTreeNode> {
  const tree = new TreeBuilder(entries, limits);
  const sliceMs = options.sliceMs ?? SLICE_MS;
  for (;;) {
    if (options.signal?.aborted) throw new CoreError('CANCELLED', 'Building the tree of files was cancelled.');
    if (tree.advance(performance.now() + sliceMs)) return tree.root;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Work between two looks at the clock, in steps of well under a microsecond: an entry placed, a
 * name looked up in its folder, 32 characters of a path read. Steps rather than entries, so that
 * paths a thousand folders deep or 4 KiB long cannot run a slice long past its time.
 */
const STEPS_PER_CLOCK_CHECK = 64;

/**
 * Every node has every field from the start (undefined when absent), so V8 gives all of them one
 * hidden class and the code that walks them stays fast.
 */
function treeNode(name: string, path: string): LayerTreeNode {
  return { name, path, entry: undefined, children: undefined, totalSize: 0, fileCount: 0 };
}

const SLASH = 0x2f;

/** A tree being built, entry by entry: each node's totals are kept up to date as entries are placed. */
class TreeBuilder {
  readonly root = treeNode('', '');
  private readonly entries: Iterator<LayerFileEntry>;
  private nodes = 1;
  private implied = 0;
  /** Work done since the clock was last read. */
  private steps = 0;
  private readonly maxNodes: number;
  private readonly maxImplied: number;
  private readonly of: 'layer' | 'image';
  /**
   * The nodes along the last path placed (the root first) and where each one's name ends in that
   * path: an archive lists a folder's entries together, so the next path mostly starts the same
   * and its walk starts from the deepest folder they share instead of from the root. They are
   * also the nodes whose totals an entry changes.
   */
  private readonly trail: LayerTreeNode[] = [this.root];
  private readonly trailEnds: number[] = [0];
  private trailDepth = 0;
  private trailPath = '';

  constructor(entries: Iterable<LayerFileEntry>, limits: LayerTreeLimits) {
    this.entries = entries[Symbol.iterator]();
    this.root.children = new Map();
    this.maxNodes = limits.maxNodes ?? MAX_LAYER_TREE_NODES;
    this.maxImplied = limits.maxImpliedFolders ?? MAX_LAYER_IMPLIED_FOLDERS;
    this.of = limits.of ?? 'layer';
  }

  /** Places entries until they run out (true: the tree is complete) or the clock passes `until` (performance.now()). */
  advance(until: number): boolean {
    do {
      for (this.steps = 0; this.steps < STEPS_PER_CLOCK_CHECK; this.steps++) {
        const next = this.entries.next();
        if (next.done) {
          this.root.nodeCount = this.nodes;
          return true;
        }
        this.place(next.value);
      }
    } while (performance.now() < until);
    return false;
  }

  /** Puts `entry` at its node, in place of the entry the path had, and adds the difference to the totals of that node and its folders. */
  private place(entry: LayerFileEntry): void {
    // Its path is read a few times over (compared, scanned, hashed), and its folders' totals updated.
    this.steps += entry.path.length >> 5;
    const node = this.nodeAt(entry.path);
    const replaced = node.entry;
    node.entry = entry;
    if (entry.type === 'directory') node.children ??= new Map();
    const size = ownSize(entry) - ownSize(replaced);
    const files = ownFiles(entry) - ownFiles(replaced);
    if (size === 0 && files === 0) return;
    if (node === this.root) {
      // The archive's own root ('') leaves the trail where it was.
      node.totalSize += size;
      node.fileCount += files;
      return;
    }
    for (let depth = 0; depth <= this.trailDepth; depth++) {
      const onTheWay = this.trail[depth]!;
      onTheWay.totalSize += size;
      onTheWay.fileCount += files;
    }
  }

  /** Finds or makes the node at `path`, counting the nodes made: folders the archive leaves out are made too. */
  private nodeAt(path: string): LayerTreeNode {
    if (path === '') return this.root;
    const shared = sharedPrefixLength(path, this.trailPath);
    // The last path's folders whose whole names this path shares.
    let depth = 0;
    while (depth < this.trailDepth) {
      const end = this.trailEnds[depth + 1]!;
      if (end > shared || (end < path.length && path.charCodeAt(end) !== SLASH)) break;
      depth++;
    }
    let node = this.trail[depth]!;
    let start = depth === 0 ? 0 : this.trailEnds[depth]! + 1;
    // Names are scanned in place, not split out: no array, and a path is a slice of the entry's own.
    while (start <= path.length) {
      let end = path.indexOf('/', start);
      if (end === -1) end = path.length;
      const name = path.slice(start, end);
      node.children ??= new Map();
      let child = node.children.get(name);
      if (child === undefined) {
        child = this.newChild(node, name, path, start, end);
        node.children.set(name, child);
      }
      this.steps++;
      node = child;
      depth++;
      this.trail[depth] = node;
      this.trailEnds[depth] = end;
      start = end + 1;
    }
    this.trailDepth = depth;
    this.trailPath = path;
    return node;
  }

  /** The node for the name at [start, end) of `path`, under `parent`, if the limits allow one more. */
  private newChild(parent: LayerTreeNode, name: string, path: string, start: number, end: number): LayerTreeNode {
    if (++this.nodes > this.maxNodes) throw treeTooLarge(this.maxNodes, this.of);
    if (end < path.length && ++this.implied > this.maxImplied) throw tooManyImpliedFolders(this.maxImplied, this.of);
    // A path is its parent's, '/', and its name; only a path with empty names ('/a', 'a//b'),
    // which listings never give, has a parent's path that is not the start of its own.
    const childPath = parent.path === '' ? name : parent.path.length === start - 1 ? path.slice(0, end) : `${parent.path}/${name}`;
    return treeNode(name, childPath);
  }
}

/** What an entry adds to the totals of its node and the folders above: a directory's own size is not counted. */
function ownSize(entry: LayerFileEntry | undefined): number {
  return entry && entry.type !== 'directory' ? entry.size : 0;
}

function ownFiles(entry: LayerFileEntry | undefined): number {
  return entry && entry.type !== 'directory' && !entry.whiteout ? 1 : 0;
}

function sharedPrefixLength(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function tooManyImpliedFolders(max: number, of: LayerTreeLimits['of']): CoreError {
  const count = max.toLocaleString('en-US');
  return new CoreError(
    'LAYER_TOO_MANY_ENTRIES',
    of === 'image'
      ? `The image's files are in more than ${count} folders its layers do not list themselves, too many to show at once; open its layers one by one, or pull the image to look at its files on disk.`
      : `The layer's files are in more than ${count} folders it does not list itself, too many to show; pull the image to look at its files on disk.`,
  );
}

function treeTooLarge(max: number, of: LayerTreeLimits['of']): CoreError {
  const count = max.toLocaleString('en-US');
  return new CoreError(
    'LAYER_TOO_MANY_ENTRIES',
    of === 'image'
      ? `The image's files and the folders they are in make more than ${count} entries, too many to show at once; open its layers one by one, or pull the image to look at its files on disk.`
      : `The layer's files and the folders they are in make more than ${count} entries, too many to show; pull the image to look at its files on disk.`,
  );
}
