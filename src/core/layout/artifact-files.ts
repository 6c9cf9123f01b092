/**
 * Files as OCI artifacts, the way ORAS pushes and pulls them: one layer per file, named by its
 * `org.opencontainers.image.title` annotation, under a manifest with `artifactType` and the
 * empty config. Titles come from whoever pushed the artifact, so every title is checked before
 * it becomes a path, and the whole set of titles is checked before any file is written: names too
 * long for the file system, a title that is both a file and a folder (`a` and `a/b`), and two
 * titles one file system would take for the same file (`A` and `a` where case does not count).
 */
import { lstat, mkdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { addAbortSignal, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadTarget } from '../oci/content';
import { Digester, digestOf } from '../oci/digest';
import { CoreError, quoteInput } from '../errors';
import { type Descriptor, type ImageManifest, titleOf } from '../oci/manifest';
import { MediaTypes } from '../oci/media-types';
import { verifiedStream } from '../oci/verify-stream';
import {
  fileSystemError,
  isNotFound,
  MAX_NAME_BYTES,
  moveIntoPlace,
  openRegularFile,
  streamToTemporaryFile,
  temporaryPathBeside,
  throwIfAborted,
  withFileErrors,
} from './files';

export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
const EMPTY_CONFIG_BYTES = Buffer.from('{}', 'utf8');
/** The OCI empty descriptor, with its two bytes embedded as ORAS writes it. */
export const EMPTY_CONFIG: Descriptor = {
  mediaType: MediaTypes.ociEmpty,
  digest: digestOf(EMPTY_CONFIG_BYTES),
  size: 2,
  data: EMPTY_CONFIG_BYTES.toString('base64'),
};

/**
 * The path an artifact file titled `title` gets inside `folder`. Titles may name subfolders
 * (`docs/readme.md`) but never leave `folder`.
 * @throws CoreError `UNSAFE_PATH` for empty, absolute, `..`, NUL, backslash or drive-letter titles.
 */
export function safeArtifactPath(folder: string, title: string): string {
  const refuse = (why: string): never => {
    throw new CoreError(
      'UNSAFE_PATH',
      `The artifact file name ${quoteInput(title)} ${why}; it was refused so that nothing is written outside the chosen folder.`,
    );
  };
  if (title.trim() === '') refuse('is empty');
  if (title.includes('\0')) refuse('contains a NUL character');
  if (title.includes('\\')) refuse('contains a backslash');
  if (/^[A-Za-z]:/.test(title)) refuse('starts with a drive letter');
  // On Windows any other colon would name an alternate data stream of a file.
  if (process.platform === 'win32' && title.includes(':')) refuse('contains a colon');
  if (title.startsWith('/')) refuse('is an absolute path');
  const parts = title.split('/');
  if (parts.includes('..')) refuse('contains ".."');
  if (parts.some((p) => p === '' || p === '.')) refuse('has an empty or "." part between slashes');
  const base = resolve(folder);
  // The title whole, not its parts spread: a title of a million parts is more arguments than a call takes.
  const target = join(base, title);
  const inside = relative(base, target);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) refuse('leads outside the folder');
  return target;
}

export interface ArtifactFileInput {
  path: string;
  /** The name the layer is pulled as (default: the file's base name). */
  title?: string;
  /** Default `application/vnd.oci.image.layer.v1.tar`, as ORAS uses for files. */
  mediaType?: string;
}

export interface FileArtifactOptions {
  artifactType: string;
  /** Manifest annotations (`org.opencontainers.image.created` is added unless given). */
  annotations?: Record<string, string>;
  /** Layer annotations, by file title. */
  fileAnnotations?: Record<string, Record<string, string>>;
  /** The manifest this artifact refers to (signature, SBOM…). */
  subject?: Descriptor;
  /** Creation time to record (default: now). */
  created?: Date;
}

/** Local files as an OCI artifact: the manifest is built here and served from memory, the layers from the files. */
export class FileArtifactSource implements ReadTarget {
  private constructor(
    readonly name: string,
    readonly root: Descriptor,
    readonly manifest: ImageManifest,
    private readonly manifestBytes: Buffer,
    private readonly filesByDigest: Map<string, string>,
  ) {}

  /**
   * Hashes each file (streaming) and builds the manifest.
   * @throws CoreError `DUPLICATE_TITLE`, `UNSAFE_PATH`, `NOT_A_FILE`, `FILE_NOT_FOUND`, `BAD_ANNOTATIONS`.
   */
  static create(files: ArtifactFileInput[], options: FileArtifactOptions): Promise<FileArtifactSource> {
    return withFileErrors('Reading the files to push', () => FileArtifactSource.fromFiles(files, options));
  }

  private static async fromFiles(files: ArtifactFileInput[], options: FileArtifactOptions): Promise<FileArtifactSource> {
    if (options.artifactType.trim() === '')
      throw new CoreError(
        'INVALID_ARTIFACT_TYPE',
        'An artifact needs an artifact type, a media type such as application/vnd.example.config.v1.',
      );
    const titles = files.map((f) => f.title ?? basename(f.path));
    checkTitles(titles, options.fileAnnotations ?? {});
    const filesByDigest = new Map<string, string>();
    const layers: Descriptor[] = [];
    for (const [i, file] of files.entries()) {
      const { digest, size } = await hashFile(file.path);
      filesByDigest.set(digest, file.path);
      const annotations = { ...options.fileAnnotations?.[titles[i]!], [ANNOTATION_TITLE]: titles[i]! };
      layers.push({ mediaType: file.mediaType ?? MediaTypes.ociLayer, digest, size, annotations });
    }
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: options.artifactType,
      config: EMPTY_CONFIG,
      layers,
    };
    if (options.subject)
      manifest.subject = { mediaType: options.subject.mediaType, digest: options.subject.digest, size: options.subject.size };
    manifest.annotations = { [ANNOTATION_CREATED]: (options.created ?? new Date()).toISOString(), ...options.annotations };
    const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
    const root: Descriptor = {
      mediaType: MediaTypes.ociManifest,
      digest: digestOf(bytes),
      size: bytes.length,
      artifactType: options.artifactType,
    };
    return new FileArtifactSource(sourceName(titles), root, manifest, bytes, filesByDigest);
  }

  async fetchManifest(descriptor: Descriptor): Promise<Buffer> {
    if (descriptor.digest !== this.root.digest) throw this.missing(descriptor);
    return Buffer.from(new Uint8Array(this.manifestBytes));
  }

  async openBlob(descriptor: Descriptor, signal?: AbortSignal): Promise<Readable> {
    throwIfAborted(signal);
    if (descriptor.digest === EMPTY_CONFIG.digest) return Readable.from([EMPTY_CONFIG_BYTES]);
    const path = this.filesByDigest.get(descriptor.digest);
    if (path === undefined) throw this.missing(descriptor);
    let handle;
    try {
      // Opened anew at push time: what is there now must still be a regular file (the digest is checked as it streams).
      ({ handle } = await openRegularFile(path, { what: 'The file' }));
    } catch (err) {
      if (isNotFound(err)) throw new CoreError('FILE_NOT_FOUND', `${path} was removed after it was chosen: choose the files again.`);
      throw fileSystemError(err, `Reading ${path}`);
    }
    const stream = handle.createReadStream();
    return signal ? addAbortSignal(signal, stream) : stream;
  }

  private missing(descriptor: Descriptor): CoreError {
    return new CoreError('BLOB_NOT_FOUND', `${descriptor.digest} is not part of ${this.name}.`);
  }
}

function checkTitles(titles: string[], fileAnnotations: Record<string, Record<string, string>>): void {
  const seen = new Set<string>();
  for (const title of titles) {
    safeArtifactPath('.', title);
    if (seen.has(title))
      throw new CoreError(
        'DUPLICATE_TITLE',
        `Two files would both be named ${quoteInput(title)} in the artifact: give one of them another title.`,
      );
    seen.add(title);
  }
  // What could never be pulled as files anywhere is refused before it is pushed.
  checkTitleSet(titles, { caseInsensitive: false, folder: undefined }, (problem) => `${problem}: give the files other titles.`);
  const unknown = Object.keys(fileAnnotations).filter((t) => !seen.has(t));
  if (unknown.length > 0)
    throw new CoreError(
      'BAD_ANNOTATIONS',
      `Annotations are given for ${unknown.map((t) => quoteInput(t)).join(', ')}, which no file is titled: check the file names.`,
    );
}

async function hashFile(path: string): Promise<{ digest: string; size: number }> {
  let handle;
  try {
    if ((await stat(path)).isDirectory())
      throw new CoreError('NOT_A_FILE', `${path} is not a file: choose files (pack a folder into an archive first).`);
    // A FIFO or device would never end: only a regular file is hashed, the one opened here.
    ({ handle } = await openRegularFile(path, { what: 'The file' }));
  } catch (err) {
    if (isNotFound(err)) throw new CoreError('FILE_NOT_FOUND', `${path} does not exist: choose the files again.`);
    throw err;
  }
  const digester = new Digester();
  await pipeline(
    handle.createReadStream(),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        digester.update(chunk);
        done();
      },
    }),
  );
  return { digest: digester.digest(), size: digester.size };
}

function sourceName(titles: string[]): string {
  const shown = titles.slice(0, 3).join(', ');
  return `files (${shown}${titles.length > 3 ? `, and ${titles.length - 3} more` : ''})`;
}

export interface ExtractArtifactOptions {
  signal?: AbortSignal;
  /** Called as bytes are written (progress). */
  onBytes?(n: number): void;
  /** Called once the checks passed, with the layers that will be written (progress: the total). */
  onPlanned?(layers: Descriptor[]): void;
  /** Called as each file is in place. */
  onWritten?(layer: Descriptor): void;
  /** Replace files that already exist (default: refuse before writing anything). */
  overwrite?: boolean;
}

export interface ExtractArtifactResult {
  /** The files written, in layer order. */
  files: string[];
  /** Layers without a title: nothing says what to call them, so they were not written. */
  skipped: Descriptor[];
}

/**
 * Writes each titled layer of an artifact as a file in `folder`: through a temporary file beside
 * it, verified as it streams, renamed into place when complete.
 * @throws CoreError `UNSAFE_PATH`, `DUPLICATE_TITLE`, `FILE_EXISTS`, or a verification error.
 */
export function extractArtifactFiles(
  source: ReadTarget,
  manifest: ImageManifest,
  folder: string,
  options: ExtractArtifactOptions = {},
): Promise<ExtractArtifactResult> {
  return withFileErrors(`Writing the artifact's files into ${folder}`, () => writeArtifactFiles(source, manifest, folder, options));
}

async function writeArtifactFiles(
  source: ReadTarget,
  manifest: ImageManifest,
  folder: string,
  options: ExtractArtifactOptions,
): Promise<ExtractArtifactResult> {
  const { planned, skipped } = planFiles(manifest, folder);
  const caseInsensitive = await isCaseInsensitive(resolve(folder));
  checkTitleSet(
    planned.map((p) => p.title),
    { caseInsensitive, folder: resolve(folder) },
    (problem) => `${problem}; nothing was written: pull the artifact into an OCI layout folder instead, where files are named by digest.`,
  );
  await checkNoLinksOnTheWay(resolve(folder), planned);
  await checkTargets(
    planned.map((p) => p.target),
    options.overwrite === true,
  );
  options.onPlanned?.(planned.map((p) => p.layer));
  const files: string[] = [];
  for (const { layer, title, target } of planned) {
    throwIfAborted(options.signal);
    await writeLayerFile(source, layer, title, target, options);
    files.push(target);
    options.onWritten?.(layer);
  }
  return { files, skipped };
}

interface PlannedFile {
  layer: Descriptor;
  title: string;
  target: string;
}

function planFiles(manifest: ImageManifest, folder: string): { planned: PlannedFile[]; skipped: Descriptor[] } {
  const planned: PlannedFile[] = [];
  const skipped: Descriptor[] = [];
  const byTarget = new Set<string>();
  for (const layer of manifest.layers) {
    const title = titleOf(layer);
    if (title === undefined) {
      skipped.push(layer);
      continue;
    }
    const target = safeArtifactPath(folder, title);
    if (byTarget.has(target))
      throw new CoreError('DUPLICATE_TITLE', `The artifact has two files named ${quoteInput(title)}: pull its layers one by one instead.`);
    byTarget.add(target);
    planned.push({ layer, title, target });
  }
  return { planned, skipped };
}

/**
 * A title's folders must be real folders inside `folder` (or not exist yet): a link already there
 * (`sub` → `/etc`) would carry a file named `sub/x` out of the chosen folder, however clean the name.
 */
async function checkNoLinksOnTheWay(folder: string, planned: readonly PlannedFile[]): Promise<void> {
  const checked = new Set<string>();
  for (const { title, target } of planned) {
    for (let dir = dirname(target); dir !== folder && !checked.has(dir); dir = dirname(dir)) {
      checked.add(dir);
      const kind = await lstat(dir).then(
        (s) => (s.isDirectory() ? 'folder' : 'other'),
        (err: unknown) => {
          if (isNotFound(err)) return 'missing';
          throw err;
        },
      );
      if (kind === 'other') {
        throw new CoreError(
          'UNSAFE_PATH',
          `The artifact file ${quoteInput(title)} would be written through ${dir}, which is a link or a file, not a folder; it was refused so that nothing is written outside the chosen folder: choose another folder.`,
        );
      }
    }
  }
}

/** Checks every target before anything is written: no folders in the way, no files unless overwriting. */
async function checkTargets(targets: string[], overwrite: boolean): Promise<void> {
  const existing: string[] = [];
  for (const target of targets) {
    const kind = await pathKind(target);
    if (kind === 'other')
      throw new CoreError(
        'NOT_A_FILE',
        `${target} is a folder or link, so the artifact file cannot be written there: choose another folder.`,
      );
    if (kind === 'file' && !overwrite) existing.push(target);
  }
  if (existing.length === 0) return;
  const shown = existing.slice(0, 5).join(', ') + (existing.length > 5 ? ` and ${existing.length - 5} more` : '');
  throw new CoreError(
    'FILE_EXISTS',
    `${shown} already ${existing.length === 1 ? 'exists' : 'exist'}: choose another folder, or allow overwriting.`,
  );
}

async function writeLayerFile(
  source: ReadTarget,
  layer: Descriptor,
  title: string,
  target: string,
  options: ExtractArtifactOptions,
): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const kind = await pathKind(target);
  if (kind === 'other')
    throw new CoreError(
      'NOT_A_FILE',
      `${target} is a folder or link, so the artifact file ${quoteInput(title)} was not written there: choose another folder.`,
    );
  if (kind === 'file' && !options.overwrite)
    throw new CoreError('FILE_EXISTS', `${target} already exists: choose another folder, or allow overwriting.`);
  const temporary = temporaryPathBeside(target);
  const content = await source.openBlob(layer, options.signal);
  const checked = verifiedStream(
    content,
    layer,
    `File ${quoteInput(title)} from ${source.name}`,
    options.onBytes ? { onBytes: options.onBytes } : {},
  );
  await streamToTemporaryFile(temporary, [checked], options.signal);
  await moveIntoPlace(temporary, target);
}

/** Names Windows keeps for devices, whatever the extension (`NUL.txt` is NUL). */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** Room for a temporary name's suffix beside a file, within PATH_MAX (4096 bytes with its NUL). */
const MAX_PATH_BYTES = 4095 - 22;

/**
 * Checks a whole set of titles at once, so that nothing is written when any of them would fail:
 * every part at most 255 bytes (and a valid Windows name there), the whole path within PATH_MAX,
 * no title twice, and no title that is a file and also a folder of another (`a` and `a/b`). With
 * `caseInsensitive`, titles are compared as such a file system does (case and Unicode form).
 * `word` turns a problem into the message's sentence.
 */
export function checkTitleSet(
  titles: readonly string[],
  target: { caseInsensitive: boolean; folder: string | undefined },
  word: (problem: string) => string,
): void {
  const key = (title: string): string => (target.caseInsensitive ? title.normalize('NFC').toLowerCase() : title);
  const files = new Map<string, string>();
  for (const title of titles) {
    const parts = title.split('/');
    for (const part of parts) {
      const bytes = Buffer.byteLength(part);
      if (bytes > MAX_NAME_BYTES)
        throw new CoreError(
          'NAME_TOO_LONG',
          word(
            `The artifact file name ${quoteInput(title)} has a part of ${bytes} bytes, longer than the ${MAX_NAME_BYTES} bytes a file system allows for one name`,
          ),
        );
      if (
        process.platform === 'win32' &&
        (WINDOWS_RESERVED.test(part) || /[<>:"|?*]/.test(part) || [...part].some((c) => c.charCodeAt(0) < 0x20) || /[. ]$/.test(part))
      ) {
        throw new CoreError(
          'UNSAFE_PATH',
          word(`The artifact file name ${quoteInput(title)} has a part Windows does not allow (${quoteInput(part)})`),
        );
      }
    }
    if (target.folder !== undefined && Buffer.byteLength(join(target.folder, title)) > MAX_PATH_BYTES) {
      throw new CoreError(
        'NAME_TOO_LONG',
        word(`The artifact file ${quoteInput(title)} would have a path longer than the 4096 bytes a file system allows`),
      );
    }
    const own = key(title);
    const earlier = files.get(own);
    if (earlier === title) throw new CoreError('DUPLICATE_TITLE', word(`The artifact names the file ${quoteInput(title)} twice`));
    if (earlier !== undefined)
      throw new CoreError(
        'DUPLICATE_TITLE',
        word(`The artifact names files ${quoteInput(earlier)} and ${quoteInput(title)}, which this file system takes for the same file`),
      );
    files.set(own, title);
  }
  // A '/' never changes the key of what is around it, so the keys of the titles in a folder begin
  // with the folder's key and a '/', and sorted, the first key from there on is one of them if any
  // is: a binary search per title, where keeping the key of every folder of every title cost
  // seconds for each 4,000-byte title 2,000 folders deep.
  const sorted = [...files.keys()].sort();
  for (const [own, title] of files) {
    const folder = `${own}/`;
    if (!sorted[firstAtOrAfter(sorted, folder)]?.startsWith(folder)) continue;
    // The first title, in the order given, that has it as a folder.
    const inside = [...files].find(([other]) => other.startsWith(folder))![1];
    throw new CoreError(
      'TITLE_CONFLICT',
      word(`The artifact names ${quoteInput(title)} as a file and also as a folder (${quoteInput(inside)})`),
    );
  }
}

/** Where `key` would go in `sorted` (code unit order): the index of the first item not before it. */
function firstAtOrAfter(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Whether the file system holding `folder` ignores case: the nearest existing folder with a letter
 * in its name is looked up with its case swapped (nothing is written). Without such a folder, the
 * system's usual file system decides (macOS and Windows ignore case).
 */
export async function isCaseInsensitive(folder: string): Promise<boolean> {
  for (let dir = folder; ; dir = dirname(dir)) {
    const name = basename(dir);
    const swapped = [...name].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
    if (swapped !== name) {
      const [own, other] = await Promise.all([stat(dir).catch(() => undefined), stat(join(dirname(dir), swapped)).catch(() => undefined)]);
      if (own) return other !== undefined && other.ino === own.ino && other.dev === own.dev;
    }
    if (dirname(dir) === dir) return process.platform === 'darwin' || process.platform === 'win32';
  }
}

async function pathKind(path: string): Promise<'missing' | 'file' | 'other'> {
  try {
    return (await lstat(path)).isFile() ? 'file' : 'other';
  } catch (err) {
    if (isNotFound(err)) return 'missing';
    throw err;
  }
}
