/**
 * File-system helpers shared by the local content stores: writing through a temporary file that
 * is renamed into place only when complete (so a final name never holds partial or unverified
 * bytes); opening local content only when it is a regular file (a FIFO would hang a read
 * forever, a device never end) and, inside a folder, never through a link out of it; and turning
 * aborts, missing files and every other file-system error into CoreErrors that say what to do.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats, WriteStream } from 'node:fs';
import { type FileHandle, open, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cancelled, CoreError, type CoreErrorCode } from '../errors';
import { giveBack } from '../lent-chunks';

/**
 * How much a file being written may hold before it asks for a pause. Node's default (16 KiB) is
 * smaller than one network chunk (64 KiB), so every chunk became its own write on the thread
 * pool; with room for several, the stream writes whatever arrived meanwhile in one writev. The
 * bytes being written count too: at 512 KiB a batch on its way to the disk already paused the
 * socket, and a pull of 512 MiB waited on its file writes; 1 MiB lets the next batch gather
 * meanwhile, and still fits the 2 MiB of read buffers a connection keeps (bench/PROFILING.md).
 */
const WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * The most one write call takes. On the bench machine, calls of 1 MiB into the page cache cost up
 * to three times more per byte than calls under 512 KiB in a second large file (larger page-cache
 * folios, bench/PROFILING.md), so a larger batch goes out in several calls.
 */
const MAX_WRITE_CALL_BYTES = 512 * 1024;

/** fs.WriteStream as Node constructs it (its typings give only Writable's constructor). */
const FileWriteStream = WriteStream as unknown as new (
  path: string,
  options: { flags: string; mode?: number; highWaterMark: number },
) => WriteStream;

/**
 * A file stream that gives every lent chunk back once its bytes are written (see lent-chunks.ts),
 * and writes a batch in calls of at most MAX_WRITE_CALL_BYTES.
 */
class GivingBackWriteStream extends FileWriteStream {
  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    super._write(chunk, encoding, (err) => {
      giveBack(chunk);
      callback(err);
    });
  }

  override _writev(chunks: { chunk: Buffer; encoding: BufferEncoding }[], callback: (error?: Error | null) => void): void {
    // At least one chunk per call, however large.
    let take = 1;
    let bytes = chunks[0]!.chunk.length;
    while (take < chunks.length && bytes + chunks[take]!.chunk.length <= MAX_WRITE_CALL_BYTES) bytes += chunks[take++]!.chunk.length;
    const call = take === chunks.length ? chunks : chunks.slice(0, take);
    super._writev!(call, (err) => {
      for (const { chunk } of call) giveBack(chunk);
      if (err || call === chunks) return callback(err);
      this._writev(chunks.slice(take), callback);
    });
  }
}

/**
 * A stream into a new file for content downloaded or unpacked: sized for network chunks (see
 * WRITE_BUFFER_BYTES), giving lent chunks back. 'wx': never reuses a name another writer holds.
 */
export function newFileWriteStream(path: string, mode?: number): WriteStream {
  return new GivingBackWriteStream(path, { flags: 'wx', highWaterMark: WRITE_BUFFER_BYTES, ...(mode !== undefined ? { mode } : {}) });
}

/** The longest name of one file or folder on the usual file systems (ext4, APFS, NTFS), in bytes. */
export const MAX_NAME_BYTES = 255;

/**
 * A fresh name in the same folder as `target` (same file system, so rename is atomic). A long
 * target name is shortened in the temporary name, which must fit the same 255-byte limit.
 */
export function temporaryPathBeside(target: string): string {
  const suffix = `.partial-${randomBytes(6).toString('hex')}`;
  let stem = `.${basename(target)}`;
  while (Buffer.byteLength(stem) + suffix.length > MAX_NAME_BYTES) stem = [...stem].slice(0, -1).join('');
  return join(dirname(target), `${stem}${suffix}`);
}

/** A fresh name inside `folder`, for content whose final name is not known yet. */
export function temporaryPathIn(folder: string): string {
  return join(folder, `.partial-${randomBytes(8).toString('hex')}`);
}

/**
 * Pipes `source` (through `transforms`) into a new temporary file and returns its path. On any
 * error or abort the temporary file is removed and the error rethrown (CANCELLED for an abort).
 * Lent chunks are given back as soon as they are written.
 */
export async function streamToTemporaryFile(
  temporary: string,
  streams: [Readable, ...NodeJS.ReadWriteStream[]],
  signal?: AbortSignal,
): Promise<void> {
  let sink: WriteStream | undefined;
  try {
    if (signal?.aborted) {
      streams[0].destroy();
      throw cancelled();
    }
    sink = newFileWriteStream(temporary);
    await pipeline([...streams, sink], signal ? { signal } : {});
  } catch (err) {
    // The file is opened asynchronously: a stream that fails at once may still be creating it, so
    // wait for the sink to close before removing what it wrote, or the file would appear afterwards.
    if (sink && !sink.closed) await new Promise<void>((resolve) => sink!.once('close', () => resolve()));
    await rm(temporary, { force: true });
    throw signal?.aborted ? withCause(cancelled(), err) : err;
  }
}

/**
 * A stream handed over may fail (a verifying stream at its end) before the code that consumes it
 * is attached, after an await: without a listener that error would be thrown from the event loop.
 * The pipeline attached later still sees the stream's stored error and rejects with it.
 */
export function holdErrors(stream: Readable): void {
  stream.on('error', () => undefined);
}

/** Renames `temporary` onto `target`, removing it when that fails. */
export async function moveIntoPlace(temporary: string, target: string): Promise<void> {
  try {
    await rename(temporary, target);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}

/** Writes small content (an index, a manifest) so readers see the old file or the new one, never half. */
export async function writeFileAtomically(target: string, bytes: Buffer | string): Promise<void> {
  const temporary = temporaryPathBeside(target);
  try {
    await writeFile(temporary, bytes, { flag: 'wx' });
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  await moveIntoPlace(temporary, target);
}

/** The size of a regular file, or undefined when there is none at `path`. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export interface OpenRegularFileOptions {
  /**
   * The folder the file belongs to (a layout): links inside it may point elsewhere in it, never
   * out of it. Without it (a file the user chose) links are followed wherever they go.
   */
  within?: string;
  /** The file as messages name it ("Blob sha256:… in oci:/x", "The archive"). */
  what: string;
}

/**
 * Opens a regular file for reading, and nothing else: a FIFO, socket, device or folder is refused
 * (opened without blocking, so a FIFO with no writer cannot hang the open, then checked on the
 * open handle, so it is the file read that was checked). With `within`, the file's real path must
 * lie inside the folder's, and the resolved path is opened without following a link (O_NOFOLLOW
 * where the system has it; Windows has none, and the real-path check stands alone there).
 * @throws CoreError `NOT_A_FILE`, `UNSAFE_PATH`; a missing file rethrows the system's ENOENT.
 */
export async function openRegularFile(path: string, options: OpenRegularFileOptions): Promise<{ handle: FileHandle; size: number }> {
  let target = path;
  if (options.within !== undefined) {
    const [folder, real] = await Promise.all([realpath(options.within), realpath(path)]);
    if (!isInside(folder, real)) {
      throw new CoreError(
        'UNSAFE_PATH',
        `${options.what} (${path}) is a link to ${real}, outside ${options.within}; it was not read, so that nothing outside the folder is used: replace the link with the file itself.`,
      );
    }
    target = real;
  }
  const noFollow = options.within !== undefined ? (fsConstants.O_NOFOLLOW ?? 0) : 0;
  let handle: FileHandle;
  try {
    handle = await open(target, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | noFollow);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      throw new CoreError(
        'UNSAFE_PATH',
        `${options.what} (${path}) became a link while it was being opened; it was not read: check what is changing the folder, then try again.`,
        { cause: err },
      );
    if (code === 'EISDIR') throw notRegular(options.what, path, 'a folder');
    throw err;
  }
  let info: Stats;
  try {
    info = await handle.stat();
  } catch (err) {
    await handle.close();
    throw err;
  }
  if (!info.isFile()) {
    await handle.close();
    throw notRegular(options.what, path, kindOf(info));
  }
  return { handle, size: info.size };
}

/** A small regular file read whole (see openRegularFile), refused when it is larger than `maxBytes`. */
export async function readRegularFile(
  path: string,
  options: OpenRegularFileOptions & { maxBytes: number; tooLarge: (size: number) => CoreError },
): Promise<Buffer> {
  const { handle, size } = await openRegularFile(path, options);
  try {
    if (size > options.maxBytes) throw options.tooLarge(size);
    const bytes = await handle.readFile();
    // A file that grew since it was measured is read no further than the limit allows.
    if (bytes.length > options.maxBytes) throw options.tooLarge(bytes.length);
    return bytes;
  } finally {
    await handle.close();
  }
}

function isInside(folder: string, path: string): boolean {
  const inside = relative(folder, path);
  return inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}

function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isDirectory()) return 'a folder';
  return 'not a regular file';
}

function notRegular(what: string, path: string, kind: string): CoreError {
  return new CoreError('NOT_A_FILE', `${what} (${path}) is ${kind}, not a regular file; it was not read: replace it with the file itself.`);
}

/** What each file-system error means to a user, as a CoreError code and the problem with `path`. */
const FILE_SYSTEM_PROBLEMS: Record<string, { code: CoreErrorCode; problem: (path: string) => string }> = {
  ENAMETOOLONG: {
    code: 'NAME_TOO_LONG',
    problem: (p) => `the name ${p} is too long for the file system; choose a shorter folder or file name`,
  },
  EACCES: {
    code: 'PERMISSION_DENIED',
    problem: (p) => `permission to use ${p} was denied; check its permissions, or choose another folder`,
  },
  EPERM: {
    code: 'PERMISSION_DENIED',
    problem: (p) => `the system did not allow the change to ${p}; check its permissions, or choose another folder`,
  },
  ENOSPC: { code: 'DISK_FULL', problem: (p) => `the disk holding ${p} is full; free some space, then try again` },
  EDQUOT: { code: 'DISK_FULL', problem: (p) => `the disk quota for ${p} is used up; free some space, then try again` },
  EROFS: { code: 'READ_ONLY', problem: (p) => `${p} is on a read-only file system; choose another folder` },
  EEXIST: { code: 'FILE_EXISTS', problem: (p) => `${p} already exists; move it away, or choose another folder` },
  ENOTDIR: {
    code: 'NOT_A_FOLDER',
    problem: (p) => `a part of ${p} is a file where a folder is needed; move it away, or choose another folder`,
  },
  EISDIR: { code: 'NOT_A_FILE', problem: (p) => `${p} is a folder where a file is needed; move it away, or choose another name` },
  ENOTEMPTY: {
    code: 'NOT_A_FILE',
    problem: (p) => `${p} is a folder with files in it where a file is needed; move it away, or choose another name`,
  },
  ENOENT: { code: 'FILE_NOT_FOUND', problem: (p) => `${p} does not exist (it may have been moved or deleted meanwhile); choose it again` },
  ELOOP: {
    code: 'UNSAFE_PATH',
    problem: (p) =>
      `${p} goes through a loop of links, or is a link where none is allowed; replace the link with the file or folder itself`,
  },
  EMFILE: {
    code: 'TOO_MANY_OPEN_FILES',
    problem: () => 'too many files are open at once; close other programs or wait for other transfers, then try again',
  },
  ENFILE: { code: 'TOO_MANY_OPEN_FILES', problem: () => 'too many files are open on this system; close other programs, then try again' },
  EBUSY: { code: 'FILE_BUSY', problem: (p) => `${p} is in use by another program; close it, then try again` },
  ETXTBSY: { code: 'FILE_BUSY', problem: (p) => `${p} is in use by another program; close it, then try again` },
  EIO: { code: 'IO_ERROR', problem: (p) => `the disk reported an error on ${p}; check the disk, then try again` },
};

/** Errors of sockets, which also carry a `syscall` (a write to a closed connection is EPIPE from "write"). */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The error of a file-system call (it has a `syscall`), as opposed to a socket's, a stream's or an abort. */
function isFileSystemError(err: unknown): err is NodeJS.ErrnoException & { dest?: string } {
  if (!(err instanceof Error)) return false;
  const { code, syscall } = err as NodeJS.ErrnoException;
  return (
    typeof code === 'string' &&
    typeof syscall === 'string' &&
    !NETWORK_CODES.has(code) &&
    syscall !== 'connect' &&
    !syscall.startsWith('getaddrinfo')
  );
}

/** A path for a message: long ones keep their start and their end. */
function shownPath(path: string | undefined): string {
  if (path === undefined || path === '') return 'the file';
  return path.length <= 240 ? path : `${path.slice(0, 120)}…${path.slice(-100)}`;
}

/**
 * The one translation of file-system errors for local content: an error of a file-system call
 * becomes a CoreError saying what failed (`action`, such as "Writing the artifact's files into
 * /x"), on which path, and what to do; any other error (already a CoreError, a stream's, an
 * abort) is returned as it is.
 */
export function fileSystemError(err: unknown, action: string): unknown {
  if (err instanceof CoreError || !isFileSystemError(err)) return err;
  const code = err.code!;
  // A rename's trouble is usually with where it goes.
  const path = shownPath(err.syscall === 'rename' && err.dest !== undefined && code !== 'ENOENT' ? err.dest : err.path);
  const known = FILE_SYSTEM_PROBLEMS[code];
  if (known) return new CoreError(known.code, `${action} failed: ${known.problem(path)}.`, { cause: err });
  return new CoreError(
    'FILE_SYSTEM_ERROR',
    `${action} failed: the system answered ${code} for ${path} (${err.message}); check the folder and the disk, then try again.`,
    { cause: err },
  );
}

/** Runs `work`, translating its file-system errors (see fileSystemError). */
export async function withFileErrors<T>(action: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw fileSystemError(err, action);
  }
}

export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function withCause(error: CoreError, cause: unknown): CoreError {
  return new CoreError(error.code, error.message, { cause });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}
