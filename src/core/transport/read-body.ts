import { CoreError } from '../errors';
import type { HttpResponse } from './http';
import { secondsText } from './network-errors';
import { DEFAULT_BODY_TIME_LIMITS } from './response-body';

/**
 * Reads a whole response body, refusing more than `limit` bytes whatever Content-Length says (a
 * registry's answer is untrusted), and more time than the response's document deadline: a
 * manifest, listing or token answer trickled a byte at a time fails with BODY_TIMEOUT instead of
 * holding the caller for as long as the registry likes. `tooLarge` gives the error in the
 * caller's terms.
 */
export async function readBodyLimited(res: HttpResponse, limit: number, tooLarge: (announced?: number) => CoreError): Promise<Buffer> {
  const announced = Number(res.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) {
    discardBody(res);
    throw tooLarge(announced);
  }
  return withinDeadline(res, async () => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      size += bytes.length;
      // Leaving the loop destroys the body.
      if (size > limit) throw tooLarge();
      chunks.push(bytes);
    }
    return Buffer.concat(chunks);
  });
}

/** An error body is read this far for its message; a registry's answer is untrusted, and its size too. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * A failed answer's body as text for its error message: at most MAX_ERROR_BODY_BYTES (the rest is
 * not read, the connection is dropped), within the document deadline; '' when it was already
 * drained (a HEAD, or a body dumped before the status was looked at). A body cut short or too
 * slow gives what arrived: the status still explains the error.
 */
export async function errorBodyText(res: HttpResponse): Promise<string> {
  if (res.body.readableEnded || res.body.destroyed) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    await withinDeadline(res, async () => {
      for await (const chunk of res.body as AsyncIterable<Buffer | string>) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        chunks.push(bytes);
        size += bytes.length;
        if (size >= MAX_ERROR_BODY_BYTES) break; // leaving the loop destroys the body
      }
    });
  } catch {
    // What arrived still explains the error.
  }
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
}

/**
 * Drops a body without reading it. The transport's bodies are safe to destroy; the error listener
 * keeps any other stream (a test's, a future transport's) from raising an unhandled error.
 */
export function discardBody(res: Pick<HttpResponse, 'body'>): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

/** Runs `read` and fails the body with BODY_TIMEOUT if it has not finished by the response's document deadline. */
async function withinDeadline<T>(res: HttpResponse, read: () => Promise<T>): Promise<T> {
  const limitMs = res.documentTimeoutMs ?? DEFAULT_BODY_TIME_LIMITS.documentMs;
  const timer = setTimeout(() => {
    res.body.destroy(
      new CoreError(
        'BODY_TIMEOUT',
        `${res.url.host} took more than ${secondsText(limitMs)} to send ${res.url.pathname.slice(0, 120)}, so it was not used: try again; if the registry is just slow, allow it a longer request timeout.`,
        { remedy: { kind: 'allow-more-time' } },
      ),
    );
  }, limitMs);
  try {
    return await read();
  } finally {
    clearTimeout(timer);
  }
}
