/**
 * File-system helpers shared by the local content stores: writing through a temporary file that
 * is renamed into place only when complete (so a final name never holds partial or unverified
 * bytes), and turning aborts and missing files into CoreErrors.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CoreError } from '../errors';
import { cancelled } from '../transport/retry';

/**
 * How much a file being written may hold before it asks for a pause. Node's default (16 KiB) is
 * smaller than one network chunk (64 KiB), so every chunk became its own write on the thread
 * pool; with room for several, the stream writes whatever arrived meanwhile in one writev.
 */
const WRITE_BUFFER_BYTES = 512 * 1024;

/** A fresh name in the same folder as `target` (same file system, so rename is atomic). */
export function temporaryPathBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.partial-${randomBytes(6).toString('hex')}`);
}

/** A fresh name inside `folder`, for content whose final name is not known yet. */
export function temporaryPathIn(folder: string): string {
  return join(folder, `.partial-${randomBytes(8).toString('hex')}`);
}

/**
 * Pipes `source` (through `transforms`) into a new temporary file and returns its path. On any
 * error or abort the temporary file is removed and the error rethrown (CANCELLED for an abort).
 */
export async function streamToTemporaryFile(temporary: string, streams: [Readable, ...NodeJS.ReadWriteStream[]], signal?: AbortSignal): Promise<void> {
  let sink: WriteStream | undefined;
  try {
    if (signal?.aborted) {
      streams[0].destroy();
      throw cancelled();
    }
    // 'wx': never reuse a name another writer holds.
    sink = createWriteStream(temporary, { flags: 'wx', highWaterMark: WRITE_BUFFER_BYTES });
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
