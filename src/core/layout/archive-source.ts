/**
 * Opens an image archive as a content source: a `docker save` tar (the old format with
 * `manifest.json`, `<id>/layer.tar` and `<id>.json`, or Docker 25+'s with an OCI layout inside),
 * or an OCI archive (an OCI layout in a tar), optionally gzip'd.
 *
 * The tar is read once, front to back: every file is hashed as it is written into a temporary
 * OCI layout, since which file is a layer is only known from manifest.json, which usually comes
 * last. For the old docker format, Docker v2 manifests are then made from manifest.json.
 *
 * The archive is untrusted, and a gzip'd one can expand a thousandfold: what it may write into the
 * temporary folder is bounded by a multiple of its compressed size (see ArchiveBudget), each entry
 * is checked against what is left before any of it is written, a blob whose size a manifest read
 * earlier declares must have that size, and entries, names and extended tar headers are bounded.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Header } from 'tar-stream';
import { digestOf, isDigest } from '../oci/digest';
import { cancelled, CoreError } from '../errors';
import { childrenOf, type Descriptor, MAX_MANIFEST_BYTES, parseManifest } from '../oci/manifest';
import { MediaTypes } from '../oci/media-types';
import {
  MAX_EXTENDED_HEADER_BYTES,
  MAX_GLOBAL_HEADER_RECORDS,
  MAX_SPARSE_MAP_BYTES,
  TarHeaderGuard,
  type TarGuardProblem,
} from '../layers/tar-guard';
import { fileSystemError, isNotFound, openRegularFile, throwIfAborted, withCause } from './files';
import { type LayoutRoot, OciImageLayout } from './oci-layout';

export interface ImageArchive {
  /** The unpacked content, in a temporary folder. */
  layout: OciImageLayout;
  /**
   * The images the archive names, one entry per name (RepoTags, or index.json's ref names): one
   * image saved under two tags is listed twice, with the same descriptor.
   */
  roots: ArchiveRoot[];
  /** `docker`: the old docker save format, manifests made here; `oci`: an OCI layout (also Docker 25+). */
  format: 'docker' | 'oci';
  /** Removes the temporary folder. */
  close(): Promise<void>;
}

export interface ArchiveRoot extends LayoutRoot {
  /**
   * The image's full name where the archive gives one besides `refName`: Docker 25+ writes only
   * the tag as the ref name (`1`) and the name in `io.containerd.image.name`
   * (`docker.io/library/app:1`).
   */
  imageName?: string;
}

export interface OpenArchiveOptions {
  /** Where the temporary layout goes (default: the system's temporary folder). */
  workDir?: string;
  signal?: AbortSignal;
}

/** A file of the archive, stored as a blob. */
interface StoredFile {
  digest: string;
  size: number;
  compression: 'gzip' | 'zstd' | 'none';
}

interface ArchiveContents {
  files: Map<string, StoredFile>;
  /** Symlinks and hard links: archive path → the archive path they point at. */
  links: Map<string, string>;
  /** The small JSON files that say what the archive holds, kept in memory. */
  metadata: Map<string, Buffer>;
  /** Blob sizes the manifests unpacked so far declare: a blob that follows must have that size. */
  declaredSizes: Map<string, number>;
  entries: number;
  nameBytes: number;
}

/** docker save's legacy `manifest.json` entry. */
interface DockerManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

const METADATA_FILES = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);
const LAYOUT_BLOB = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/;

/**
 * A gzip'd archive may unpack to this many times its size. docker save writes layers as plain
 * tars, which gzip shrinks 2 to 5 times (text-heavy ones up to about 10); a thousandfold is a bomb.
 */
export const MAX_ARCHIVE_EXPANSION = 32;
/** …but a small archive may always unpack to this much (a tiny image's layer of zeros is fine). */
export const MIN_ARCHIVE_UNPACKED_BYTES = 64 * 1024 * 1024;
/** docker save writes 2 to 4 entries per layer; this is 25 000 layers. */
export const MAX_ARCHIVE_ENTRIES = 100_000;
/** PATH_MAX for one entry's name, and all names kept: 100 000 entries of 167 bytes. */
export const MAX_ARCHIVE_NAME_BYTES = 4096;
export const MAX_ARCHIVE_NAME_BYTES_TOTAL = 16 * 1024 * 1024;
/** Sizes declared by manifests seen while unpacking, kept to check the blobs that follow. */
const MAX_DECLARED_SIZES = 50_000;

export async function openImageArchive(path: string, options: OpenArchiveOptions = {}): Promise<ImageArchive> {
  try {
    return await unpackArchive(path, options);
  } catch (err) {
    throw fileSystemError(err, `Opening ${path}`);
  }
}

async function unpackArchive(path: string, options: OpenArchiveOptions): Promise<ImageArchive> {
  throwIfAborted(options.signal);
  const { stream: input, budget } = await openArchiveFile(path);
  const folder = await mkdtemp(join(options.workDir ?? tmpdir(), 'oci-archive-'));
  const close = (): Promise<void> => rm(folder, { recursive: true, force: true });
  try {
    const layout = await OciImageLayout.open(folder, { create: true });
    const contents = await unpack(input, budget, layout, path, options.signal);
    // Docker 25+ saves an image named by its ID alone with an empty index.json: manifest.json still lists it.
    const { roots, format } =
      contents.metadata.has('index.json') && !(indexIsEmpty(contents) && contents.metadata.has('manifest.json'))
        ? await ociRoots(contents, path)
        : await dockerRoots(contents, layout, path);
    await layout.setRoots(roots);
    return { layout, roots, format, close };
  } catch (err) {
    input.destroy();
    await close();
    throw options.signal?.aborted && !(err instanceof CoreError && err.code === 'CANCELLED') ? withCause(cancelled(), err) : err;
  }
}

/** The archive's bytes as a tar stream, gunzipped when the file is gzip'd (`docker save | gzip`), with how much it may unpack to. */
async function openArchiveFile(path: string): Promise<{ stream: Readable; budget: ArchiveBudget }> {
  let handle;
  let size: number;
  try {
    if ((await stat(path)).isDirectory()) {
      throw new CoreError('ARCHIVE_UNSUPPORTED', `${path} is a folder, not an archive file: open it as an OCI layout folder instead.`);
    }
    // A FIFO or device would never end (or never open): only a regular file is read.
    ({ handle, size } = await openRegularFile(path, { what: 'The archive' }));
  } catch (err) {
    if (isNotFound(err)) throw new CoreError('ARCHIVE_NOT_FOUND', `${path} does not exist: choose the archive file again.`);
    throw err;
  }
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    const stream = handle.createReadStream({ start: 0 });
    if (head[0] !== 0x1f || head[1] !== 0x8b) return { stream, budget: new ArchiveBudget(path, size, false) };
    const gunzip = createGunzip();
    stream.on('error', (err) => gunzip.destroy(err));
    // Destroying the gunzipped side (a failure, a cancel) must close the file too.
    gunzip.once('close', () => stream.destroy());
    return { stream: stream.pipe(gunzip), budget: new ArchiveBudget(path, size, true) };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * How much of the archive may be unpacked: the tar bytes (after gunzip) are counted as they pass,
 * and each entry's declared size is checked against what is left before any of it is written.
 */
class ArchiveBudget {
  readonly maxBytes: number;

  constructor(
    private readonly path: string,
    private readonly fileSize: number,
    private readonly gzipped: boolean,
  ) {
    // A plain tar holds nothing beyond its own bytes; tar-stream never reads past them.
    this.maxBytes = gzipped ? Math.max(MIN_ARCHIVE_UNPACKED_BYTES, fileSize * MAX_ARCHIVE_EXPANSION) : fileSize;
  }

  /**
   * Passes the tar bytes through, refusing them past the budget and checking extended headers; what
   * goes on is what the guard hands on (the same bytes, GNU sparse headers rewritten).
   */
  meter(): Transform {
    const guard = new TarHeaderGuard((problem) => headerRefused(this.path, problem));
    let total = 0;
    const meter: Transform = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        total += chunk.length;
        let pieces: Buffer[];
        try {
          if (total > this.maxBytes) throw this.exceeded(total);
          pieces = guard.write(chunk);
        } catch (err) {
          return callback(err as Error);
        }
        for (const piece of pieces) meter.push(piece);
        callback();
      },
      flush: (callback) => {
        for (const piece of guard.end()) meter.push(piece);
        callback();
      },
    });
    return meter;
  }

  /** An entry starting at `offset` (its header) with `size` bytes of content must fit. */
  checkEntry(offset: number, size: number): void {
    const end = offset + 512 + size;
    if (end > this.maxBytes) throw this.exceeded(end);
  }

  private exceeded(bytes: number): CoreError {
    if (!this.gzipped)
      return new CoreError(
        'ARCHIVE_INCOMPLETE',
        `${this.path} is incomplete (an entry runs past the end of the file): write the archive again.`,
      );
    return new CoreError(
      'ARCHIVE_TOO_LARGE',
      `${this.path} would unpack to ${mebibytes(bytes)} or more, over ${MAX_ARCHIVE_EXPANSION} times its ${mebibytes(this.fileSize)} (at most ${mebibytes(this.maxBytes)}): image archives never expand that much, so it was refused; if you trust it, gunzip it and open the .tar.`,
    );
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1).replace(/\.0$/, '')} MiB`;
}

function headerRefused(path: string, problem: TarGuardProblem): CoreError {
  switch (problem.kind) {
    case 'extended-header-too-large':
      return unsupported(
        path,
        `it has a${problem.global ? ' global' : 'n'} extended tar header of ${problem.size} bytes, over the ${MAX_EXTENDED_HEADER_BYTES / 1024} KiB read`,
      );
    case 'global-header-too-many-records':
      return unsupported(path, `it has a global PAX header of ${problem.records} records, over the ${MAX_GLOBAL_HEADER_RECORDS} read`);
    case 'extended-header-malformed':
      return unsupported(path, 'it has an extended tar header with no readable size');
    case 'sparse-map-too-large':
      return unsupported(path, `it has a GNU sparse file whose map of data runs is over the ${MAX_SPARSE_MAP_BYTES / 1024} KiB read`);
  }
}

/** Reads the tar once, storing every file as a blob and remembering what each path became. */
async function unpack(
  input: Readable,
  budget: ArchiveBudget,
  layout: OciImageLayout,
  path: string,
  signal: AbortSignal | undefined,
): Promise<ArchiveContents> {
  const contents: ArchiveContents = {
    files: new Map(),
    links: new Map(),
    metadata: new Map(),
    declaredSizes: new Map(),
    entries: 0,
    nameBytes: 0,
  };
  const extract = tarExtract();
  const feeding = pipeline(input, budget.meter(), extract, signal ? { signal } : {});
  try {
    for await (const entry of extract) {
      budget.checkEntry(entry.offset, entry.header.type === 'directory' ? 0 : (entry.header.size ?? 0));
      countEntry(contents, entry.header, path);
      await storeEntry(entry.header, entry as unknown as Readable, contents, layout, path, signal);
    }
    await feeding;
  } catch (err) {
    feeding.catch(() => undefined);
    extract.destroy();
    throw describeTarError(err, path);
  }
  return contents;
}

/** Bounds the entries and the names kept, before the entry is stored. */
function countEntry(contents: ArchiveContents, header: Header, path: string): void {
  if (++contents.entries > MAX_ARCHIVE_ENTRIES)
    throw unsupported(path, `it has more than ${MAX_ARCHIVE_ENTRIES.toLocaleString('en-US')} entries`);
  const bytes = Buffer.byteLength(header.name) + Buffer.byteLength(header.linkname ?? '');
  if (Buffer.byteLength(header.name) > MAX_ARCHIVE_NAME_BYTES || Buffer.byteLength(header.linkname ?? '') > MAX_ARCHIVE_NAME_BYTES) {
    throw unsupported(path, `it has an entry whose name or link is longer than ${MAX_ARCHIVE_NAME_BYTES} bytes`);
  }
  contents.nameBytes += bytes;
  if (contents.nameBytes > MAX_ARCHIVE_NAME_BYTES_TOTAL)
    throw unsupported(path, `its entries' names add up to more than ${MAX_ARCHIVE_NAME_BYTES_TOTAL / 1048576} MiB`);
}

async function storeEntry(
  header: Header,
  content: Readable,
  contents: ArchiveContents,
  layout: OciImageLayout,
  path: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const name = safeArchivePath(header.name);
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      await storeFile(name, header.size ?? 0, content, contents, layout, path, signal);
      return;
    case 'symlink':
      contents.links.set(name, linkTarget(name, posix.join(posix.dirname(name), header.linkname)));
      break;
    case 'link':
      contents.links.set(name, linkTarget(name, header.linkname));
      break;
    default:
      break; // Folders and special files say nothing about the images.
  }
  await drain(content);
}

async function storeFile(
  name: string,
  size: number,
  content: Readable,
  contents: ArchiveContents,
  layout: OciImageLayout,
  path: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (METADATA_FILES.has(name)) {
    const bytes = await readSmall(content, size, name);
    contents.metadata.set(name, bytes);
    if (name === 'index.json') declareSizes(contents, bytes);
    return;
  }
  const blobName = LAYOUT_BLOB.exec(name);
  const expectedDigest = blobName && isDigest(`${blobName[1]}:${blobName[2]}`) ? `${blobName[1]}:${blobName[2]}` : undefined;
  const declared = expectedDigest === undefined ? undefined : contents.declaredSizes.get(expectedDigest);
  if (declared !== undefined && declared !== size) {
    throw incomplete(path, `its blob ${expectedDigest} is ${size} bytes, but a manifest in it says ${declared}`);
  }
  const sniffer = new HeadSniffer(size <= MAX_MANIFEST_BYTES);
  const stored = await layout.ingestBlob(content, {
    ...(expectedDigest ? { expectedDigest } : {}),
    through: [sniffer],
    ...(signal ? { signal } : {}),
  });
  contents.files.set(name, { ...stored, compression: sniffer.compression() });
  const json = sniffer.json();
  if (json) declareSizes(contents, json);
}

/** Remembers the sizes a manifest or index declares for its children (anything else is ignored). */
function declareSizes(contents: ArchiveContents, bytes: Buffer): void {
  let children: Descriptor[];
  try {
    children = childrenOf(parseManifest(bytes, digestOf(bytes), undefined, 'an archive entry'));
  } catch {
    return;
  }
  for (const child of children) {
    if (contents.declaredSizes.size >= MAX_DECLARED_SIZES) return;
    if (!contents.declaredSizes.has(child.digest)) contents.declaredSizes.set(child.digest, child.size);
  }
}

/** Whether index.json lists no image (what Docker 25+ writes for `docker save <image ID>`). */
function indexIsEmpty(contents: ArchiveContents): boolean {
  try {
    const json = JSON.parse(contents.metadata.get('index.json')!.toString('utf8')) as { manifests?: unknown };
    return Array.isArray(json.manifests) && json.manifests.length === 0;
  } catch {
    return false; // ociRoots says what is wrong with it
  }
}

/** The images of an OCI layout archive (also Docker 25+ docker save): index.json's list. */
async function ociRoots(contents: ArchiveContents, path: string): Promise<{ roots: ArchiveRoot[]; format: 'oci' }> {
  const bytes = contents.metadata.get('index.json')!;
  const parsed = parseManifest(bytes, digestOf(bytes), undefined, `The index.json of ${path}`);
  if (parsed.kind !== 'index') throw unsupported(path, 'its index.json is not an image index');
  const stored = new Set([...contents.files.values()].map((f) => f.digest));
  const roots = parsed.index.manifests.map((descriptor): ArchiveRoot => {
    if (!stored.has(descriptor.digest)) throw incomplete(path, `its index.json lists ${descriptor.digest}, which is not in it`);
    const refName = descriptor.annotations?.['org.opencontainers.image.ref.name'];
    const imageName = descriptor.annotations?.['io.containerd.image.name'];
    return { descriptor, ...(refName === undefined ? {} : { refName }), ...(imageName === undefined ? {} : { imageName }) };
  });
  return { roots, format: 'oci' };
}

/** The images of an old-format docker save archive, with Docker v2 manifests made for them. */
async function dockerRoots(
  contents: ArchiveContents,
  layout: OciImageLayout,
  path: string,
): Promise<{ roots: LayoutRoot[]; format: 'docker' }> {
  const bytes = contents.metadata.get('manifest.json');
  if (!bytes) throw unsupported(path, 'it has neither manifest.json nor index.json');
  const roots: LayoutRoot[] = [];
  for (const entry of parseDockerManifest(bytes, path)) {
    const config = lookup(contents, entry.Config, path);
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifest,
      config: { mediaType: MediaTypes.dockerConfig, size: config.size, digest: config.digest },
      layers: entry.Layers.map((layerPath) => {
        const layer = lookup(contents, layerPath, path);
        return {
          mediaType: layer.compression === 'gzip' ? MediaTypes.dockerLayerGzip : MediaTypes.dockerLayer,
          size: layer.size,
          digest: layer.digest,
        };
      }),
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 3), 'utf8');
    const descriptor: Descriptor = { mediaType: MediaTypes.dockerManifest, digest: digestOf(manifestBytes), size: manifestBytes.length };
    await layout.pushManifest(descriptor, manifestBytes);
    const tags = entry.RepoTags ?? [];
    if (tags.length === 0) roots.push({ descriptor });
    for (const refName of tags) roots.push({ descriptor, refName });
  }
  return { roots, format: 'docker' };
}

function parseDockerManifest(bytes: Buffer, path: string): DockerManifestEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw unsupported(path, 'its manifest.json is not JSON');
  }
  const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  const valid =
    Array.isArray(json) &&
    json.every(
      (e: Partial<DockerManifestEntry> | null) =>
        e &&
        typeof e.Config === 'string' &&
        isStrings(e.Layers) &&
        (e.RepoTags === null || e.RepoTags === undefined || isStrings(e.RepoTags)),
    );
  if (!valid) throw unsupported(path, 'its manifest.json is not a list of {Config, RepoTags, Layers}');
  return json as DockerManifestEntry[];
}

/** The stored file at an archive path, following links (a few hops: docker save links shared layers). */
function lookup(contents: ArchiveContents, archivePath: string, path: string): StoredFile {
  let name = safeArchivePath(archivePath);
  for (let hops = 0; hops < 8; hops++) {
    const file = contents.files.get(name);
    if (file) return file;
    const next = contents.links.get(name);
    if (next === undefined) break;
    name = next;
  }
  throw incomplete(path, `its manifest.json names ${JSON.stringify(archivePath)}, which is not in it`);
}

/**
 * An entry name made relative and checked: absolute paths, drive letters, backslashes and `..`
 * are refused, so nothing in the archive can name a place outside it.
 */
export function safeArchivePath(name: string): string {
  const refuse = (why: string): never => {
    throw new CoreError(
      'UNSAFE_PATH',
      `The archive holds an entry named ${JSON.stringify(name.slice(0, 200))}, which ${why}; such archives are refused because they could write outside their folder.`,
    );
  };
  if (name.includes('\0')) refuse('contains a NUL character');
  if (name.includes('\\')) refuse('contains a backslash');
  if (name.startsWith('/')) refuse('is an absolute path');
  if (/^[A-Za-z]:/.test(name)) refuse('starts with a drive letter');
  if (name.split('/').includes('..')) refuse('contains ".."');
  return posix
    .normalize(name)
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
}

function linkTarget(name: string, target: string): string {
  const normalised = posix.normalize(target);
  if (target.startsWith('/') || normalised === '..' || normalised.startsWith('../')) {
    throw new CoreError(
      'UNSAFE_PATH',
      `The archive entry ${JSON.stringify(name)} links to ${JSON.stringify(target)}, outside the archive; such archives are refused.`,
    );
  }
  return normalised.replace(/^(\.\/)+/, '');
}

async function readSmall(content: Readable, size: number, name: string): Promise<Buffer> {
  if (size > MAX_MANIFEST_BYTES)
    throw new CoreError(
      'ARCHIVE_UNSUPPORTED',
      `The archive's ${name} is ${size} bytes, more than the ${MAX_MANIFEST_BYTES / 1048576} MiB this client reads.`,
    );
  const chunks: Uint8Array[] = [];
  for await (const chunk of content) chunks.push(chunk as Uint8Array);
  return Buffer.concat(chunks);
}

/** Reads an entry to its end (the tar reader moves on only then); cheap, since most entries are folders. */
function drain(content: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    content.once('end', () => resolve());
    content.once('error', reject);
    content.once('close', () => resolve());
    content.resume();
  });
}

/**
 * Remembers the first bytes that pass, to tell gzip'd layers from plain tar; with `keepJson`
 * (an entry small enough to be a manifest), keeps all of an entry that starts like JSON.
 */
class HeadSniffer extends Transform {
  private head = Buffer.alloc(0);
  private kept: Buffer[] | undefined;

  constructor(private readonly keepJson: boolean) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.head.length === 0 && chunk.length > 0 && this.keepJson && chunk[0] === 0x7b) this.kept = [];
    if (this.head.length < 4) this.head = Buffer.concat([new Uint8Array(this.head), new Uint8Array(chunk.subarray(0, 4))]).subarray(0, 4);
    this.kept?.push(Buffer.from(chunk));
    callback(null, chunk);
  }

  /** The whole entry, when it started with '{'. */
  json(): Buffer | undefined {
    return this.kept && Buffer.concat(this.kept);
  }

  compression(): StoredFile['compression'] {
    const h = this.head;
    if (h[0] === 0x1f && h[1] === 0x8b) return 'gzip';
    if (h[0] === 0x28 && h[1] === 0xb5 && h[2] === 0x2f && h[3] === 0xfd) return 'zstd';
    return 'none';
  }
}

function describeTarError(err: unknown, path: string): unknown {
  if (err instanceof CoreError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
    return new CoreError('ARCHIVE_UNSUPPORTED', `${path} looks gzip'd but does not decompress (${message}): the file is damaged.`, {
      cause: err,
    });
  }
  if (typeof code === 'string') return err; // File-system errors and aborts keep their own codes.
  // tar-stream's own errors ("Invalid tar header…", "Unexpected end of data") mean a damaged or foreign file.
  return new CoreError(
    'ARCHIVE_UNSUPPORTED',
    `${path} is not a readable tar archive (${message}): choose a file written by docker save, skopeo or an OCI tool.`,
    { cause: err },
  );
}

function unsupported(path: string, why: string): CoreError {
  return new CoreError(
    'ARCHIVE_UNSUPPORTED',
    `${path} is not an image archive this client reads (${why}): use one written by docker save, skopeo or an OCI tool.`,
  );
}

function incomplete(path: string, why: string): CoreError {
  return new CoreError('ARCHIVE_INCOMPLETE', `${path} is incomplete (${why}): write the archive again.`);
}
