/**
 * Writes images as a tar that `docker load` accepts, laid out the way Docker 25+ `docker save`
 * writes it: `manifest.json` for docker load, and `oci-layout` + `index.json` + `blobs/` so the
 * same file is also an OCI archive. Blobs stream from their source through digest verification
 * straight into the tar; the file appears under its name only when complete.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { ReadTarget } from '../oci/content';
import { digestOf, parseDigest } from '../oci/digest';
import { cancelled, CoreError } from '../errors';
import type { Descriptor, ImageIndex, ImageManifest } from '../oci/manifest';
import { MediaTypes } from '../oci/media-types';
import { familiarString, formatReference, parseReference, type Reference } from '../name/reference';
import { verifiedStream } from '../oci/verify-stream';
import { fileSystemError, moveIntoPlace, temporaryPathBeside, throwIfAborted, withCause } from './files';
import { ANNOTATION_REF_NAME } from './oci-layout';

export interface DockerArchiveImage {
  manifest: ImageManifest;
  /** Where the config and layers are read from. */
  source: ReadTarget;
  /** `name:tag` as Docker shows them (`alpine:3.20`, `localhost:5000/app:1`); may be empty. */
  repoTags: string[];
  /**
   * The manifest's descriptor in `source`: its exact bytes are then fetched, so index.json names
   * the same digest the registry does. Without it the manifest object is serialised anew.
   */
  manifestDescriptor?: Descriptor;
}

export interface DockerArchiveOptions {
  signal?: AbortSignal;
  /** Called as blob bytes are written (progress). */
  onBytes?(n: number): void;
}

/** Docker writes this to name images in index.json; containerd-based loaders read it. */
const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
/** Fixed entry times make archives of the same images byte-identical. */
const ENTRY_TIME = new Date(0);

interface ArchivePlan {
  blobs: { descriptor: Descriptor; source: ReadTarget }[];
  manifests: { descriptor: Descriptor; bytes: Buffer }[];
  dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[];
  index: ImageIndex;
}

/** Writes the archive to `outPath` (through a temporary file beside it). */
export async function writeDockerArchive(outPath: string, images: DockerArchiveImage[], options: DockerArchiveOptions = {}): Promise<void> {
  throwIfAborted(options.signal);
  if (images.length === 0) throw new CoreError('ARCHIVE_EMPTY', 'There are no images to write to the archive: choose at least one.');
  const plan = await planArchive(images, options.signal);
  const temporary = temporaryPathBeside(outPath);
  const pack = tarPack();
  const failure = await packInto(pack, createWriteStream(temporary, { flags: 'wx' }), plan, options);
  if (failure !== undefined) {
    await rm(temporary, { force: true });
    throw options.signal?.aborted ? withCause(cancelled(), failure) : fileSystemError(failure, `Writing ${outPath}`);
  }
  try {
    await moveIntoPlace(temporary, outPath);
  } catch (err) {
    throw fileSystemError(err, `Writing ${outPath}`);
  }
}

/**
 * The same archive written into a stream (a `docker load` or `podman load` process's stdin). The
 * stream is ended when the archive is complete; a failure of either side rejects, CANCELLED when
 * `signal` was aborted.
 */
export async function writeDockerArchiveTo(out: Writable, images: DockerArchiveImage[], options: DockerArchiveOptions = {}): Promise<void> {
  throwIfAborted(options.signal);
  if (images.length === 0) throw new CoreError('ARCHIVE_EMPTY', 'There are no images to write to the archive: choose at least one.');
  const plan = await planArchive(images, options.signal);
  const pack = tarPack();
  const failure = await packInto(pack, out, plan, options);
  if (failure !== undefined) throw options.signal?.aborted ? withCause(cancelled(), failure) : failure;
}

/**
 * Writes the plan's entries into `pack` while `pack` streams into `out`; resolves with the failure
 * that stopped it, if any. When the reader went away first (a full disk, an engine that exited),
 * its error is the one that counts: the pack's own complaint after it ("already finalized or
 * destroyed") says nothing a person can act on.
 */
async function packInto(pack: Pack, out: Writable, plan: ArchivePlan, options: DockerArchiveOptions): Promise<unknown> {
  const writing = pipeline(pack, out);
  let destroyedByReader = false;
  const producing = writeEntries(pack, plan, options).then(
    () => pack.finalize(),
    (err: unknown) => {
      if (pack.destroyed) destroyedByReader = true;
      else pack.destroy(err instanceof Error ? err : new Error(String(err)));
      throw err;
    },
  );
  const [produced, written] = await Promise.allSettled([producing, writing]);
  if (written.status === 'rejected' && (destroyedByReader || produced.status === 'fulfilled')) return written.reason;
  if (produced.status === 'rejected') return produced.reason;
  return written.status === 'rejected' ? written.reason : undefined;
}

/** Everything the archive will hold, blobs listed once even when images share them. */
async function planArchive(images: DockerArchiveImage[], signal: AbortSignal | undefined): Promise<ArchivePlan> {
  const plan: ArchivePlan = {
    blobs: [],
    manifests: [],
    dockerManifest: [],
    index: { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] },
  };
  const seen = new Set<string>();
  const addBlob = (descriptor: Descriptor, source: ReadTarget): void => {
    if (seen.has(descriptor.digest)) return;
    seen.add(descriptor.digest);
    plan.blobs.push({ descriptor, source });
  };
  for (const image of images) {
    const references = image.repoTags.map(parseRepoTag);
    const { descriptor, bytes } = await manifestBytes(image, signal);
    addBlob(image.manifest.config, image.source);
    image.manifest.layers.forEach((layer) => addBlob(layer, image.source));
    if (!plan.manifests.some((m) => m.descriptor.digest === descriptor.digest)) plan.manifests.push({ descriptor, bytes });
    plan.dockerManifest.push({
      Config: blobName(image.manifest.config.digest),
      RepoTags: references.map(familiarString),
      Layers: image.manifest.layers.map((layer) => blobName(layer.digest)),
    });
    const entry = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
    if (references.length === 0) plan.index.manifests.push(entry);
    for (const reference of references) {
      plan.index.manifests.push({
        ...entry,
        annotations: { [ANNOTATION_IMAGE_NAME]: formatReference(reference), [ANNOTATION_REF_NAME]: reference.tag ?? 'latest' },
      });
    }
  }
  return plan;
}

async function manifestBytes(
  image: DockerArchiveImage,
  signal: AbortSignal | undefined,
): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
  const mediaType = image.manifest.mediaType ?? MediaTypes.ociManifest;
  if (image.manifestDescriptor) {
    const bytes = await image.source.fetchManifest(image.manifestDescriptor, signal);
    return { descriptor: { mediaType, digest: image.manifestDescriptor.digest, size: bytes.length }, bytes };
  }
  const bytes = Buffer.from(JSON.stringify(image.manifest), 'utf8');
  return { descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length }, bytes };
}

/** `alpine` → `docker.io/library/alpine:latest`, as docker save and docker load name images. */
function parseRepoTag(text: string): Reference {
  const reference = parseReference(text);
  if (reference.digest !== undefined) {
    throw new CoreError('INVALID_REPO_TAG', `"${text}" names a digest; docker load only takes name:tag, so give a tag instead.`);
  }
  return { ...reference, tag: reference.tag ?? 'latest' };
}

async function writeEntries(pack: Pack, plan: ArchivePlan, options: DockerArchiveOptions): Promise<void> {
  await addDirectory(pack, 'blobs/');
  for (const algorithm of new Set([...plan.blobs, ...plan.manifests].map((b) => parseDigest(b.descriptor.digest).algorithm))) {
    await addDirectory(pack, `blobs/${algorithm}/`);
  }
  for (const { descriptor, source } of plan.blobs) {
    throwIfAborted(options.signal);
    const content = await source.openBlob(descriptor, options.signal);
    const checked = verifiedStream(
      content,
      descriptor,
      `${descriptor.digest} from ${source.name}`,
      options.onBytes ? { onBytes: options.onBytes } : {},
    );
    try {
      await addFile(pack, blobName(descriptor.digest), descriptor.size, [checked]);
    } catch (err) {
      // A pack its reader destroyed refuses the entry before the pipeline takes the stream: its
      // file would stay open until a garbage collection closed it.
      content.destroy();
      throw err;
    }
  }
  for (const { descriptor, bytes } of plan.manifests) await addBuffer(pack, blobName(descriptor.digest), bytes);
  await addBuffer(pack, 'index.json', Buffer.from(JSON.stringify(plan.index), 'utf8'));
  await addBuffer(pack, 'manifest.json', Buffer.from(JSON.stringify(plan.dockerManifest), 'utf8'));
  await addBuffer(pack, 'oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }), 'utf8'));
}

function blobName(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

function addDirectory(pack: Pack, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, type: 'directory', mode: 0o755, mtime: ENTRY_TIME }, (err) => (err ? reject(err) : resolve()));
  });
}

function addBuffer(pack: Pack, name: string, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, mode: 0o644, mtime: ENTRY_TIME }, bytes, (err) => (err ? reject(err) : resolve()));
  });
}

/** The header carries the size first, so the content streams through with back-pressure. */
async function addFile(pack: Pack, name: string, size: number, streams: [Readable, ...NodeJS.ReadWriteStream[]]): Promise<void> {
  const entry = pack.entry({ name, size, mode: 0o644, mtime: ENTRY_TIME });
  await pipeline([...streams, entry as unknown as NodeJS.WritableStream]);
}
