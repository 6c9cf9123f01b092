/**
 * Pull and push: the copy engine between a registry repository and local content — an OCI image
 * layout folder, a `docker load`-able tar, an archive from `docker save` or skopeo, or plain
 * files as an OCI artifact.
 */
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isDigest } from '../oci/digest';
import { CoreError } from '../errors';
import { archiveImages, chooseArchiveImage, type ArchiveImage } from '../layout/archive-choice';
import { openImageArchive } from '../layout/archive-source';
import { extractArtifactFiles, FileArtifactSource, type ArtifactFileInput } from '../layout/artifact-files';
import { writeDockerArchive } from '../layout/docker-archive';
import { withFileErrors } from '../layout/files';
import { OciImageLayout } from '../layout/oci-layout';
import { formatPlatform, hostPlatform, parseManifest, type Descriptor } from '../oci/manifest';
import type { Repository } from '../registry/repository';
import { copy, type CopyOptions, type CopyResult } from './copy';

export type PullDestination =
  /** An OCI image layout folder (created if missing); the root is listed under `refName` (default: the tag). */
  | { kind: 'oci-layout'; dir: string; refName?: string }
  /**
   * A tar for `docker load`, holding one image (one platform of an index) named `repoTag`; by
   * default the repository and the tag pulled, and no name for a pull by digest (as `docker pull
   * repo@digest` leaves the image untagged: a made-up `:latest` would replace the user's own).
   */
  | { kind: 'docker-archive'; file: string; repoTag?: string }
  /** An artifact's files, named by their titles, in `dir`. */
  | { kind: 'artifact-files'; dir: string; overwrite?: boolean };

export type PushSource =
  /** An OCI image layout folder; `refName` picks the image when it holds more than one. */
  | { kind: 'oci-layout'; dir: string; refName?: string }
  /** A `docker save` tar or an OCI archive tar; `refName` picks the image (a RepoTag or ref name). */
  | { kind: 'archive'; file: string; refName?: string; workDir?: string }
  /** Files pushed as one OCI artifact. */
  | { kind: 'files'; files: ArtifactFileInput[]; artifactType: string; annotations?: Record<string, string>; subject?: Descriptor };

export type TransferOptions = Omit<CopyOptions, 'tag'>;

export interface PushOptions extends TransferOptions {
  /**
   * Asked when an archive holds several images and the source names none (`docker save a b c`):
   * the digest of the one to push, or undefined to stop (a CANCELLED error). Without it, such an
   * archive is refused with the names it holds. The archive is read once either way.
   */
  chooseImage?: (images: ArchiveImage[]) => Promise<string | undefined>;
}

export interface PullResult extends CopyResult {
  /** What was written: the layout folder, the tar, or the files. */
  written: string[];
}

/** Pulls `reference` (a tag or digest of `repository`) to a local destination. */
export function pull(
  repository: Repository,
  reference: string,
  destination: PullDestination,
  options: TransferOptions = {},
): Promise<PullResult> {
  const where = destination.kind === 'docker-archive' ? destination.file : destination.dir;
  return withFileErrors(`Pulling ${repository.name} into ${where}`, () => pullTo(repository, reference, destination, options));
}

async function pullTo(
  repository: Repository,
  reference: string,
  destination: PullDestination,
  options: TransferOptions,
): Promise<PullResult> {
  const root = await repository.resolve(reference, options.signal);
  const tag = isDigest(reference) ? undefined : reference;
  switch (destination.kind) {
    case 'oci-layout': {
      const layout = await OciImageLayout.open(destination.dir, { create: true });
      const result = await copy(repository, layout, root, { ...options, tag: destination.refName ?? tag ?? root.digest.replace(':', '-') });
      return { ...result, written: [destination.dir] };
    }
    case 'docker-archive':
      return pullDockerArchive(
        repository,
        root,
        destination.file,
        destination.repoTag ?? (tag ? `${repository.name}:${tag}` : undefined),
        options,
      );
    case 'artifact-files':
      return pullArtifactFiles(repository, root, destination.dir, destination.overwrite === true, options);
  }
}

/**
 * A docker archive holds images, not indexes: one platform is pulled into a staging layout beside
 * the tar (kept on failure so a rerun resumes), then packed; the staging folder goes at the end.
 */
async function pullDockerArchive(
  repository: Repository,
  root: Descriptor,
  file: string,
  repoTag: string | undefined,
  options: TransferOptions,
): Promise<PullResult> {
  const stagingDir = join(dirname(file), `.${basenameOf(file)}.pulling`);
  const staging = await OciImageLayout.open(stagingDir, { create: true });
  // An index becomes the one image for the chosen platform (this machine's unless told); its
  // attestation stays behind, as a docker archive holds images only.
  const platforms = options.platforms && options.platforms.length > 0 ? options.platforms.slice(0, 1) : [hostPlatform()];
  const result = await copy(repository, staging, root, { ...options, platforms, attestations: false, tag: 'image' });
  const bytes = await staging.fetchManifest(result.root, options.signal);
  const parsed = parseManifest(bytes, result.root.digest, result.root.mediaType, `manifest ${result.root.digest}`);
  if (parsed.kind !== 'image') {
    const platforms = parsed.index.manifests.map((m) => formatPlatform(m.platform)).join(', ');
    throw new CoreError(
      'PLATFORM_REQUIRED',
      `${repository.name} is a multi-platform index; a docker archive holds one image: choose a platform (${platforms}).`,
    );
  }
  await writeDockerArchive(
    file,
    [{ manifest: parsed.manifest, source: staging, repoTags: repoTag ? [repoTag] : [], manifestDescriptor: result.root }],
    {
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  await rm(stagingDir, { recursive: true, force: true });
  return { ...result, written: [file] };
}

async function pullArtifactFiles(
  repository: Repository,
  root: Descriptor,
  dir: string,
  overwrite: boolean,
  options: TransferOptions,
): Promise<PullResult> {
  const started = performance.now();
  const parsed = await repository.getManifest(root.digest, options.signal);
  if (parsed.kind !== 'image')
    throw new CoreError(
      'NOT_AN_ARTIFACT',
      `${repository.name}@${root.digest} is an index, not an artifact with files: pull it to an OCI layout instead.`,
    );
  let transferred = 0;
  // The files to write, not every layer: an untitled layer is not written, so its bytes never arrive.
  let total = 0;
  const extracted = await extractArtifactFiles(repository, parsed.manifest, dir, {
    overwrite,
    ...(options.signal ? { signal: options.signal } : {}),
    onPlanned: (layers) => {
      total = layers.reduce((sum, l) => sum + l.size, 0);
      options.onProgress?.({ type: 'planned', blobs: layers.length, manifests: 0, totalBytes: total, root: parsed.descriptor });
    },
    onBytes: (n) => {
      transferred += n;
      options.onProgress?.({ type: 'bytes', descriptor: root, n, doneBytes: transferred, totalBytes: total });
    },
    onWritten: (layer) => options.onProgress?.({ type: 'blob', descriptor: layer, state: 'copied' }),
  });
  return {
    root: parsed.descriptor,
    rewritten: false,
    manifests: { stored: 0, skipped: 0 },
    blobs: { copied: extracted.files.length, skipped: extracted.skipped.length, mounted: 0 },
    bytes: { total, transferred },
    referrers: 0,
    durationMs: performance.now() - started,
    written: extracted.files,
  };
}

/** Pushes local content to `repository` under `tag`. */
export function push(source: PushSource, repository: Repository, tag: string, options: PushOptions = {}): Promise<CopyResult> {
  const what = source.kind === 'oci-layout' ? source.dir : source.kind === 'archive' ? source.file : 'the files';
  return withFileErrors(`Pushing ${what} to ${repository.name}`, () => pushFrom(source, repository, tag, options));
}

async function pushFrom(source: PushSource, repository: Repository, tag: string, pushOptions: PushOptions): Promise<CopyResult> {
  const { chooseImage, ...options } = pushOptions;
  switch (source.kind) {
    case 'oci-layout': {
      const layout = await OciImageLayout.open(source.dir);
      const root = await layout.resolve(source.refName);
      return copy(layout, repository, root, { ...options, tag });
    }
    case 'archive': {
      const archive = await openImageArchive(source.file, {
        ...(source.workDir ? { workDir: source.workDir } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      try {
        const images = archiveImages(archive.roots);
        let root: Descriptor;
        if (source.refName === undefined && images.length > 1 && chooseImage) {
          const digest = await chooseImage(images);
          const picked = images.find((i) => i.descriptor.digest === digest);
          if (!picked) throw new CoreError('CANCELLED', 'Push was cancelled: no image of the archive was chosen.');
          root = picked.descriptor;
        } else root = chooseArchiveImage(archive.roots, source.refName, source.file, images);
        return await copy(archive.layout, repository, root, { ...options, tag });
      } finally {
        await archive.close();
      }
    }
    case 'files': {
      const artifact = await FileArtifactSource.create(source.files, {
        artifactType: source.artifactType,
        ...(source.annotations ? { annotations: source.annotations } : {}),
        ...(source.subject ? { subject: source.subject } : {}),
      });
      return copy(artifact, repository, artifact.root, { ...options, tag });
    }
  }
}

function basenameOf(path: string): string {
  return path.split(/[\\/]/).pop() ?? 'archive.tar';
}
