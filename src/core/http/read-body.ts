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
