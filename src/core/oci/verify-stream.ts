/**
 * Checks bytes against a descriptor's digest and size as they flow, so no consumer (upload, file,
 * hash listing) ever completes on corrupt or truncated content: in the body itself when it can run
 * a check (a registry's response), otherwise in a pass-through stream.
 */
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { DigestVerifier } from './digest';
import { CoreError } from '../errors';

export interface VerifyingStreamOptions {
  /** Called with each chunk's length as it passes (progress). */
  onBytes?(n: number): void;
}

export interface VerifiedStreamOptions extends VerifyingStreamOptions {
  /**
   * Hears the first failure of the source or of the check (the stream returned fails with it too).
   * A body destroyed without an error (a reader that stopped early) is not one.
   */
  onError?(err: Error): void;
}

/**
 * Passes bytes through, failing the stream (before its end) when more bytes arrive than the
 * size, or at the end when the size or digest differ. Errors are CoreErrors naming `what`.
 */
export function verifyingStream(expected: { digest: string; size: number }, what: string, options: VerifyingStreamOptions = {}): Transform {
  const check = digestCheck(expected, what, options);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        check.update(chunk);
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      try {
        check.finish();
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

/** The digest and size check both ways run: its errors are CoreErrors naming `what`. */
function digestCheck(expected: { digest: string; size: number }, what: string, options: VerifyingStreamOptions): ChunkCheck {
  const verifier = new DigestVerifier(expected.digest, expected.size);
  return {
    update(chunk) {
      try {
        verifier.update(chunk);
      } catch (err) {
        throw named(err, what);
      }
      options.onBytes?.(chunk.length);
    },
    finish() {
      try {
        verifier.verify();
      } catch (err) {
        throw named(err, what);
      }
    },
  };
}

/**
 * Sees every chunk of a body just before its reader does. A throw from either method fails the
 * body with that error, as is: the reader never sees that chunk, or the end.
 */
export interface ChunkCheck {
  update(chunk: Buffer): void;
  /** After the last chunk. */
  finish(): void;
}

/** A body that can run a ChunkCheck itself, sparing its reader a pass-through stream (a stream hop per chunk). */
export interface CheckingBody {
  /** Runs `check` on every chunk and at the end; false when it cannot (reading has started). */
  checkChunks(check: ChunkCheck): boolean;
}

function isCheckingBody(body: object): body is CheckingBody {
  return typeof (body as Partial<CheckingBody>).checkChunks === 'function';
}

/**
 * `body` checked against `expected` as it is read (see verifyingStream): the body itself when it
 * can check its chunks, otherwise a verifying stream it is piped into. Read the stream returned,
 * never `body`; destroying it destroys `body`.
 */
export function verifiedStream(
  body: Readable,
  expected: { digest: string; size: number },
  what: string,
  options: VerifiedStreamOptions = {},
): Readable {
  const checked = isCheckingBody(body) && body.checkChunks(digestCheck(expected, what, options));
  if (checked) {
    if (options.onError) body.once('error', options.onError);
    return body;
  }
  const verifying = verifyingStream(expected, what, options.onBytes ? { onBytes: options.onBytes } : {});
  // pipeline carries a failure of either side to the other, so the reader sees the source's too.
  pipeline(body, verifying, (err) => {
    if (err) options.onError?.(err);
  });
  return verifying;
}

function named(err: unknown, what: string): Error {
  if (!(err instanceof CoreError)) return err instanceof Error ? err : new Error(String(err));
  return new CoreError(err.code, `${what}: ${err.message}`, { cause: err });
}
