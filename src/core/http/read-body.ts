import type { CoreError } from '../errors';
import type { HttpResponse } from '../transport/http';

/**
 * Reads a whole response body, refusing more than `limit` bytes whatever Content-Length says (a
 * registry's answer is untrusted). `tooLarge` gives the error in the caller's terms.
 */
export async function readBodyLimited(res: HttpResponse, limit: number, tooLarge: (announced?: number) => CoreError): Promise<Buffer> {
  const announced = Number(res.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) {
    res.body.destroy();
    throw tooLarge(announced);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** An error body is read this far for its message; a registry's answer is untrusted, and its size too. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * A failed answer's body as text for its error message: at most MAX_ERROR_BODY_BYTES (the rest is
 * not read, the connection is dropped); '' when it was already drained (a HEAD, or a body dumped
 * before the status was looked at) — undici 6's consuming methods on a body whose end was emitted
 * throw from a microtask, past every catch, and take the process down (nodejs/undici#5614).
 */
export async function errorBodyText(res: HttpResponse): Promise<string> {
  if (res.body.readableEnded || res.body.destroyed) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ERROR_BODY_BYTES) break; // leaving the loop destroys the body
    }
  } catch {
    // A body cut short: what arrived still explains the error.
  }
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
}
