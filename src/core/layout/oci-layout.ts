/**
 * An OCI image layout folder (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`) as a content
 * source and target, the format skopeo's and ORAS's `oci:` transport read and write.
 *
 * Blobs reach their final name only after the stream that carried them ended without error
 * (the stream verifies digest and size), so a blob present under its name with the right size
 * is a verified blob: that is how an interrupted pull resumes without hashing again.
 *
 * A layout read as a source may come from anyone: its files are read only when they are regular
 * files whose real path is inside the folder (see openRegularFile), so a FIFO cannot hang a push
 * and a link cannot push a file from elsewhere.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { join, resolve as resolvePath } from 'node:path';
import { addAbortSignal, type Readable, Transform, type TransformCallback } from 'node:stream';
import type { ReadTarget, WriteTarget } from '../oci/content';
import { type DigestAlgorithm, Digester, DigestVerifier, digestOf, isDigest, parseDigest } from '../oci/digest';
import { CoreError, quoteInput } from '../errors';
import { type Descriptor, type ImageIndex, MAX_MANIFEST_BYTES, parseManifest } from '../oci/manifest';
import { MediaTypes } from '../oci/media-types';
import {
  fileSize,
  fileSystemError,
  holdErrors,
  isNotFound,
  moveIntoPlace,
  openRegularFile,
  readRegularFile,
  streamToTemporaryFile,
  temporaryPathIn,
  throwIfAborted,
  withFileErrors,
  writeFileAtomically,
} from './files';

export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
const LAYOUT_FILE = 'oci-layout';
const INDEX_FILE = 'index.json';
const LAYOUT_VERSION = '1.0.0';
/** `oci-layout` holds one small JSON object. */
const MAX_LAYOUT_FILE_BYTES = 64 * 1024;

/** A manifest that index.json lists, with the name it is listed under (if any). */
export interface LayoutRoot {
  descriptor: Descriptor;
  refName?: string;
}

export interface OpenLayoutOptions {
  /** Create the folder and the layout skeleton when they are missing (an existing layout is reused). */
  create?: boolean;
}

export interface IngestOptions {
  /** Default sha256; taken from `expectedDigest` when that is given. */
  algorithm?: DigestAlgorithm;
  /** Refuse the content unless it hashes to this. */
  expectedDigest?: string;
  /** Pass-through streams the content flows through on its way (e.g. to look at its first bytes). */
  through?: NodeJS.ReadWriteStream[];
  signal?: AbortSignal;
}

export class OciImageLayout implements ReadTarget, WriteTarget {
  /** `oci:<dir>`, as skopeo names the transport. */
  readonly name: string;
  /** pushBlob writes through streamToTemporaryFile, which gives chunks back once written. */
  readonly givesBackChunks = true;

  private constructor(readonly dir: string) {
    this.name = `oci:${dir}`;
  }

  /**
   * Opens a layout folder; with `create`, makes a new one in a missing or empty folder.
   * @throws CoreError `NOT_A_LAYOUT` for anything that is not a layout (and cannot become one).
   */
  static open(dir: string, options: OpenLayoutOptions = {}): Promise<OciImageLayout> {
    return withFileErrors(`${options.create ? 'Preparing' : 'Opening'} the layout ${dir}`, () => OciImageLayout.openOrCreate(dir, options));
  }

  private static async openOrCreate(dir: string, options: OpenLayoutOptions): Promise<OciImageLayout> {
    const layout = new OciImageLayout(resolvePath(dir));
    const state = await layout.inspectFolder();
    if (state === 'layout') await layout.checkVersion();
    else if (!options.create) throw layout.notALayout(state === 'missing' ? 'the folder does not exist' : 'it has no oci-layout file');
    else if (state === 'not-empty') {
      throw new CoreError(
        'NOT_A_LAYOUT',
        `${dir} is not empty and is not an OCI image layout (it has no oci-layout file): choose an empty folder or an existing layout.`,
      );
    }
    if (options.create) await layout.createSkeleton();
    // Read, not just looked for: a FIFO or a link out of the folder is refused here.
    else await layout.readIndex();
    return layout;
  }

  /** The folder's index.json. */
  async readIndex(): Promise<ImageIndex> {
    let bytes: Buffer;
    try {
      // Checked before reading: a damaged or hostile folder's index.json could be any size.
      bytes = await readRegularFile(this.indexPath, {
        within: this.dir,
        what: `The index.json of ${this.name}`,
        maxBytes: MAX_MANIFEST_BYTES,
        tooLarge: (size) =>
          new CoreError(
            'MANIFEST_TOO_LARGE',
            `The index.json of ${this.name} is ${size} bytes, over the ${MAX_MANIFEST_BYTES / 1048576} MiB limit for manifests; it was not read: the layout is damaged or not an image layout.`,
          ),
      });
    } catch (err) {
      if (isNotFound(err)) throw this.notALayout('it has no index.json');
      throw fileSystemError(err, `Reading the index.json of ${this.name}`);
    }
    const parsed = parseManifest(bytes, digestOf(bytes), undefined, `The index.json of ${this.name}`);
    if (parsed.kind !== 'index')
      throw new CoreError(
        'NOT_A_LAYOUT',
        `The index.json of ${this.name} is not an image index: the layout is damaged; copy the images into a new folder.`,
      );
    return parsed.index;
  }

  /** Every manifest index.json lists, with its `org.opencontainers.image.ref.name`. */
  async roots(): Promise<LayoutRoot[]> {
    return (await this.readIndex()).manifests.map((descriptor) => {
      const refName = descriptor.annotations?.[ANNOTATION_REF_NAME];
      return refName === undefined ? { descriptor } : { descriptor, refName };
    });
  }

  /**
   * The manifest listed under `refName` (or a listed digest). Without a name, the only manifest
   * listed. @throws CoreError `REF_NOT_FOUND`, or `REF_AMBIGUOUS` naming the choices.
   */
  async resolve(refName?: string): Promise<Descriptor> {
    const roots = await this.roots();
    if (refName !== undefined) {
      const found =
        roots.find((r) => r.refName === refName) ?? (isDigest(refName) ? roots.find((r) => r.descriptor.digest === refName) : undefined);
      if (found) return found.descriptor;
      throw new CoreError('REF_NOT_FOUND', `${this.name} has no image named ${quoteInput(refName)}; ${describeNames(roots)}.`);
    }
    if (roots.length === 1) return roots[0]!.descriptor;
    if (roots.length === 0) throw new CoreError('REF_NOT_FOUND', `${this.name} lists no images: it is empty.`);
    throw new CoreError('REF_AMBIGUOUS', `${this.name} lists ${roots.length} images, so one must be named; ${describeNames(roots)}.`);
  }

  /** Where a blob with this digest lives (the digest is validated, so the path stays inside `blobs/`). */
  blobPath(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.dir, 'blobs', algorithm, hex);
  }

  async fetchManifest(descriptor: Descriptor, signal?: AbortSignal): Promise<Buffer> {
    throwIfAborted(signal);
    const what = `Manifest ${descriptor.digest} in ${this.name}`;
    if (descriptor.size > MAX_MANIFEST_BYTES) {
      throw new CoreError(
        'MANIFEST_TOO_LARGE',
        `${what} is ${descriptor.size} bytes, over the ${MAX_MANIFEST_BYTES / 1048576} MiB limit for manifests; it was not read.`,
      );
    }
    const { handle, size } = await this.openFile(descriptor, what);
    let bytes: Buffer;
    try {
      if (size !== descriptor.size) {
        throw new CoreError(
          'SIZE_MISMATCH',
          `${what} is ${size} bytes but should be ${descriptor.size}: the layout is damaged; copy the image into it again.`,
        );
      }
      bytes = await handle.readFile(signal ? { signal } : {});
    } finally {
      await handle.close();
    }
    try {
      new DigestVerifier(descriptor.digest, descriptor.size).update(bytes).verify();
    } catch (err) {
      throw err instanceof CoreError ? new CoreError(err.code, `${what}: ${err.message}`, { cause: err }) : err;
    }
    return bytes;
  }

  async openBlob(descriptor: Descriptor, signal?: AbortSignal): Promise<Readable> {
    throwIfAborted(signal);
    const { handle } = await this.openFile(descriptor, `Blob ${descriptor.digest} in ${this.name}`);
    const stream = handle.createReadStream();
    return signal ? addAbortSignal(signal, stream) : stream;
  }

  /** A blob's file, opened only if it is a regular file inside the layout. */
  private async openFile(descriptor: Descriptor, what: string): ReturnType<typeof openRegularFile> {
    try {
      return await openRegularFile(this.blobPath(descriptor.digest), { within: this.dir, what });
    } catch (err) {
      if (isNotFound(err)) throw this.missing(descriptor);
      throw err;
    }
  }

  /** Present under its final name with the right size: only verified content is ever renamed there. */
  async hasBlob(descriptor: Descriptor): Promise<boolean> {
    return (await fileSize(this.blobPath(descriptor.digest))) === descriptor.size;
  }

  hasManifest(descriptor: Descriptor): Promise<boolean> {
    return this.hasBlob(descriptor);
  }

  /**
   * Writes the (already verifying) stream to a temporary file beside the blobs and renames it to
   * the digest's name once the stream ended cleanly; on error or abort nothing is left behind.
   * Concurrent pushes of one digest each write their own temporary file; the renames agree.
   */
  async pushBlob(descriptor: Descriptor, content: Readable, signal?: AbortSignal): Promise<void> {
    holdErrors(content);
    const { temporary } = await this.prepareWrite(content, () => parseDigest(descriptor.digest).algorithm);
    await streamToTemporaryFile(temporary, [content], signal);
    const written = await fileSize(temporary);
    if (written !== descriptor.size) {
      await rm(temporary, { force: true });
      throw new CoreError(
        'SIZE_MISMATCH',
        `${descriptor.digest} arrived as ${written ?? 0} bytes instead of ${descriptor.size}; it was not stored in ${this.name}. Try again.`,
      );
    }
    await this.placeBlob(temporary, this.blobPath(descriptor.digest), descriptor.size);
  }

  /**
   * Stores a stream whose digest is not known in advance (an archive being unpacked), hashing it
   * as it is written. With `expected`, refuses content that does not match.
   */
  async ingestBlob(content: Readable, options: IngestOptions = {}): Promise<{ digest: string; size: number }> {
    holdErrors(content);
    const { algorithm, temporary } = await this.prepareWrite(content, () =>
      options.expectedDigest ? parseDigest(options.expectedDigest).algorithm : (options.algorithm ?? 'sha256'),
    );
    const hasher = new HashingPassThrough(algorithm);
    await streamToTemporaryFile(temporary, [content, ...(options.through ?? []), hasher], options.signal);
    const digest = hasher.digest();
    if (options.expectedDigest !== undefined && digest !== options.expectedDigest) {
      await rm(temporary, { force: true });
      throw new CoreError(
        'DIGEST_MISMATCH',
        `The content named ${options.expectedDigest} hashes to ${digest}: the source is damaged and was not imported.`,
      );
    }
    await this.placeBlob(temporary, this.blobPath(digest), hasher.size);
    return { digest, size: hasher.size };
  }

  /** Stores manifest bytes (checked against the descriptor) and, with `tag`, lists them in index.json. */
  async pushManifest(descriptor: Descriptor, bytes: Buffer, tag?: string, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (bytes.length > MAX_MANIFEST_BYTES) {
      throw new CoreError(
        'MANIFEST_TOO_LARGE',
        `Manifest ${descriptor.digest} is ${bytes.length} bytes, over the ${MAX_MANIFEST_BYTES / 1048576} MiB limit for manifests; it was not stored.`,
      );
    }
    try {
      new DigestVerifier(descriptor.digest, descriptor.size).update(bytes).verify();
    } catch (err) {
      throw err instanceof CoreError ? new CoreError(err.code, `Manifest for ${this.name}: ${err.message}`, { cause: err }) : err;
    }
    await this.blobFolder(parseDigest(descriptor.digest).algorithm);
    if (!(await this.hasBlob(descriptor))) await writeFileAtomically(this.blobPath(descriptor.digest), bytes);
    if (tag !== undefined) await this.addRoot(descriptor, tag);
  }

  /**
   * Lists a manifest in index.json: under `refName` (replacing whatever had that name), or
   * without a name when it is not listed yet. Serialised per folder and written atomically.
   */
  addRoot(descriptor: Descriptor, refName?: string): Promise<void> {
    return serialisePerFolder(this.dir, async () => {
      const index = await this.readIndex();
      const entry: Descriptor = { ...descriptor };
      if (refName !== undefined) {
        entry.annotations = { ...descriptor.annotations, [ANNOTATION_REF_NAME]: refName };
        index.manifests = index.manifests.filter((d) => d.annotations?.[ANNOTATION_REF_NAME] !== refName);
      } else if (index.manifests.some((d) => d.digest === descriptor.digest)) {
        return;
      }
      delete entry.data;
      index.manifests.push(entry);
      await this.writeIndex(index);
    });
  }

  /** Replaces index.json's list with `roots` (a freshly unpacked archive lists exactly its own images). */
  setRoots(roots: LayoutRoot[]): Promise<void> {
    return serialisePerFolder(this.dir, async () => {
      const index = await this.readIndex();
      index.manifests = roots.map(({ descriptor, refName }) => {
        const entry: Descriptor = { ...descriptor };
        delete entry.data;
        if (refName !== undefined) entry.annotations = { ...descriptor.annotations, [ANNOTATION_REF_NAME]: refName };
        return entry;
      });
      await this.writeIndex(index);
    });
  }

  private get indexPath(): string {
    return join(this.dir, INDEX_FILE);
  }

  private async writeIndex(index: ImageIndex): Promise<void> {
    const { schemaVersion, mediaType, manifests, ...rest } = index;
    const ordered = { schemaVersion, mediaType: mediaType ?? MediaTypes.ociIndex, manifests, ...rest };
    await writeFileAtomically(this.indexPath, `${JSON.stringify(ordered, null, 2)}\n`);
  }

  private async inspectFolder(): Promise<'missing' | 'empty' | 'not-empty' | 'layout'> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw this.notALayout('it is a file, not a folder');
      if (isNotFound(err)) return 'missing';
      throw err;
    }
    if (names.includes(LAYOUT_FILE)) return 'layout';
    // Hidden files (.DS_Store, .git) do not make a folder unfit for a new layout.
    return names.some((n) => !n.startsWith('.')) ? 'not-empty' : 'empty';
  }

  private async checkVersion(): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(join(this.dir, LAYOUT_FILE), {
        within: this.dir,
        what: `The oci-layout file of ${this.name}`,
        maxBytes: MAX_LAYOUT_FILE_BYTES,
        tooLarge: () => this.notALayout('its oci-layout file is far larger than the one line it should hold'),
      });
    } catch (err) {
      if (isNotFound(err)) throw this.notALayout('it has no oci-layout file');
      throw err;
    }
    let version: unknown;
    try {
      version = (JSON.parse(bytes.toString('utf8')) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch {
      throw this.notALayout('its oci-layout file is not valid JSON');
    }
    if (typeof version !== 'string' || !/^1\./.test(version)) {
      throw new CoreError(
        'NOT_A_LAYOUT',
        `${this.dir} is an OCI image layout of version ${JSON.stringify(version)}, which this client does not read (it reads 1.x).`,
      );
    }
  }

  private async createSkeleton(): Promise<void> {
    await this.blobFolder('sha256');
    if ((await fileSize(join(this.dir, LAYOUT_FILE))) === undefined) {
      await writeFileAtomically(join(this.dir, LAYOUT_FILE), JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
    }
    if ((await fileSize(this.indexPath)) === undefined) {
      await serialisePerFolder(this.dir, () => this.writeIndex({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] }));
    }
  }

  /** A temporary name in the blob folder; when even that fails, `content` is released (it would hold a file or socket open). */
  private async prepareWrite(
    content: Readable,
    algorithmOf: () => DigestAlgorithm,
  ): Promise<{ algorithm: DigestAlgorithm; temporary: string }> {
    try {
      const algorithm = algorithmOf();
      return { algorithm, temporary: temporaryPathIn(await this.blobFolder(algorithm)) };
    } catch (err) {
      content.destroy();
      throw err;
    }
  }

  private async blobFolder(algorithm: DigestAlgorithm): Promise<string> {
    const folder = join(this.dir, 'blobs', algorithm);
    await mkdir(folder, { recursive: true });
    return folder;
  }

  /** Renames a finished temporary file to its blob name; another writer of the same digest may have won. */
  private async placeBlob(temporary: string, target: string, size: number): Promise<void> {
    try {
      await moveIntoPlace(temporary, target);
    } catch (err) {
      // Windows refuses to rename over a file that is open; the blob is there all the same.
      if ((await fileSize(target)) !== size) throw err;
    }
  }

  private missing(descriptor: Descriptor): CoreError {
    return new CoreError(
      'BLOB_NOT_FOUND',
      `${descriptor.digest} is not in ${this.name}: the layout is incomplete; copy the image into it again.`,
    );
  }

  private notALayout(reason: string): CoreError {
    return new CoreError(
      'NOT_A_LAYOUT',
      `${this.dir} is not an OCI image layout (${reason}): choose a folder that holds one, such as one written by skopeo, ORAS or docker save.`,
    );
  }
}

/** Passes bytes through while hashing and counting them. */
class HashingPassThrough extends Transform {
  private readonly digester: Digester;

  constructor(algorithm: DigestAlgorithm) {
    super();
    this.digester = new Digester(algorithm);
  }

  get size(): number {
    return this.digester.size;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.digester.update(chunk);
    callback(null, chunk);
  }

  digest(): string {
    return this.digester.digest();
  }
}

function describeNames(roots: LayoutRoot[]): string {
  const names = roots.map((r) => r.refName).filter((n): n is string => n !== undefined);
  if (names.length === 0)
    return roots.length === 0
      ? 'it lists no images'
      : `its ${roots.length} images have no names; pick one by digest (${roots
          .map((r) => r.descriptor.digest)
          .slice(0, 5)
          .join(', ')})`;
  const shown = names
    .slice(0, 20)
    .map((n) => quoteInput(n))
    .join(', ');
  return `the names it lists are ${shown}${names.length > 20 ? ` and ${names.length - 20} more` : ''}`;
}

/** index.json updates per folder, one at a time, so concurrent writers never lose each other's entries. */
const indexQueues = new Map<string, Promise<void>>();

/**
 * The lock on a folder's index.json, held by one writer in any process (two VS Code windows, or a
 * script, pulling into one folder). proper-lockfile keeps it fresh while held and takes over one
 * left by a writer that died (stale after LOCK_STALE_MS).
 */
const LOCK_STALE_MS = 10_000;
const LOCK_RETRIES = { retries: 100, minTimeout: 20, maxTimeout: 250, factor: 1.5 };

function serialisePerFolder<T>(folder: string, work: () => Promise<T>): Promise<T> {
  const previous = indexQueues.get(folder) ?? Promise.resolve();
  const result = previous.then(() => withIndexLock(folder, work));
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  indexQueues.set(folder, tail);
  void tail.then(() => {
    if (indexQueues.get(folder) === tail) indexQueues.delete(folder);
  });
  return result;
}

async function withIndexLock<T>(folder: string, work: () => Promise<T>): Promise<T> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(join(folder, INDEX_FILE), {
      lockfilePath: join(folder, `${INDEX_FILE}.lock`),
      realpath: false,
      stale: LOCK_STALE_MS,
      retries: LOCK_RETRIES,
    });
  } catch (err) {
    throw new CoreError(
      'LAYOUT_BUSY',
      `Another program keeps ${join(folder, `${INDEX_FILE}.lock`)} locked, so the image list of ${folder} could not be updated: wait for it to finish, or remove the lock if nothing is writing there.`,
      { cause: err },
    );
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
