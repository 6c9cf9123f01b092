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

/**
 * A failed answer's body as text for its error message; '' when it was already drained (a HEAD,
 * or a body dumped before the status was looked at). undici 6's text() on a body whose end was
 * emitted throws from a microtask, past every catch, and takes the process down
 * (nodejs/undici#5614): it is never called on one.
 */
export async function errorBodyText(res: HttpResponse): Promise<string> {
  if (res.body.readableEnded || res.body.destroyed) return '';
  return res.body.text().catch(() => '');
}
