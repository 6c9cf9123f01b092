/**
 * A pass-through stream that checks bytes against a descriptor's digest and size as they flow,
 * so no consumer (upload, file, hash listing) ever completes on corrupt or truncated content.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { DigestVerifier } from './digest';
import { CoreError } from '../errors';

export interface VerifyingStreamOptions {
  /** Called with each chunk's length as it passes (progress). */
  onBytes?(n: number): void;
}

/**
 * Passes bytes through, failing the stream (before its end) when more bytes arrive than the
 * size, or at the end when the size or digest differ. Errors are CoreErrors naming `what`.
 */
export function verifyingStream(expected: { digest: string; size: number }, what: string, options: VerifyingStreamOptions = {}): Transform {
  const verifier = new DigestVerifier(expected.digest, expected.size);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        verifier.update(chunk);
      } catch (err) {
        callback(named(err, what));
        return;
      }
      options.onBytes?.(chunk.length);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      try {
        verifier.verify();
        callback();
      } catch (err) {
        callback(named(err, what));
      }
    },
  });
}

function named(err: unknown, what: string): Error {
  if (!(err instanceof CoreError)) return err instanceof Error ? err : new Error(String(err));
  return new CoreError(err.code, `${what}: ${err.message}`, { cause: err });
}
