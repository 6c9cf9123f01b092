/**
 * The body of every response the transport returns. A registry controls when its bodies fail,
 * stall or end, so this wrapper makes three things hold for all of them, whoever reads them:
 *  - no failure of a body is ever an unhandled 'error' event (undici raises one when a body is
 *    destroyed unread, and that ends the whole process: in VS Code, the extension host);
 *  - every failure a reader sees is a CoreError with a sentence (a cut connection, a stall, a
 *    cancelled read), never undici's or Node's raw error;
 *  - discarding a body (dump) is bounded in bytes and time and never fails.
 * The idle time between chunks is enforced by undici (see HttpTransport.send), which pauses it
 * while the reader applies back-pressure, so a slow consumer is never mistaken for a stalled server.
 */
import { finished, Readable } from 'node:stream';
import { describeBodyError } from './network-errors';

/** How long a registry may take over a response body. */
export interface BodyTimeLimits {
  /** Longest silence between two chunks of any body, blobs included. */
  idleMs: number;
  /** Longest time to read the whole of a small document: a manifest, a listing page, a token or error answer. */
  documentMs: number;
}

export const DEFAULT_BODY_TIME_LIMITS: Readonly<BodyTimeLimits> = { idleMs: 60_000, documentMs: 60_000 };

/** A discarded body is read this far (so its connection can carry the next request), then dropped. */
const DISCARD_MAX_BYTES = 128 * 1024;
/** …and for at most this long: a body trickled to hold the connection costs a reconnect, not a wait. */
const DISCARD_MAX_MS = 2_000;

const ignore = (): void => undefined;

/** What the wrapper needs to word a failure: where the body comes from and who may cancel it. */
export interface ResponseBodyContext {
  url: URL;
  signal?: AbortSignal;
  /** The response's Content-Length, when it announced one. */
  announcedLength?: number;
  limits: BodyTimeLimits;
}

export class ResponseBody extends Readable {
  private readonly source: Readable;
  private readonly context: ResponseBodyContext;

  constructor(source: Readable, context: ResponseBodyContext) {
    super({ highWaterMark: 64 * 1024 });
    this.source = source;
    this.context = context;
    // Listeners for the whole life of both streams: an error nobody is reading for (a body
    // abandoned, destroyed unread, or failing before its reader starts) is never unhandled.
    // Readers still see it: for-await, pipeline and finished() look at the stream's errored state.
    this.on('error', ignore);
    source.on('error', (err: unknown) => this.destroy(describeBodyError(err, context.url, context)));
    source.pause();
    source.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) source.pause();
    });
    source.on('end', () => this.push(null));
    source.on('close', () => {
      // undici always ends or errors its body before closing it; anything else is a cut.
      if (!source.readableEnded && !this.destroyed)
        this.destroy(
          describeBodyError(Object.assign(new Error('closed before the end'), { code: 'UND_ERR_SOCKET' }), context.url, context),
        );
    });
  }

  override _read(): void {
    this.source.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    // Dropping the source aborts its request; the error undici raises for that lands on the
    // listener above, on a stream already destroyed, where it changes nothing.
    if (!this.source.destroyed) this.source.destroy();
    callback(err);
  }

  /**
   * Discards the rest of the body: reads a little (so the connection can be reused) and drops the
   * connection when there is more, or when it does not end soon. Never rejects.
   */
  dump(): Promise<void> {
    if (this.destroyed || this.readableEnded) return Promise.resolve();
    const announced = this.context.announcedLength;
    if (announced !== undefined && announced > DISCARD_MAX_BYTES) {
      this.destroy();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      let budget = DISCARD_MAX_BYTES;
      const timer = setTimeout(() => this.destroy(), Math.min(DISCARD_MAX_MS, this.context.limits.documentMs));
      finished(this, () => {
        clearTimeout(timer);
        resolve();
      });
      this.on('data', (chunk: Buffer) => {
        budget -= chunk.length;
        if (budget <= 0) this.destroy();
      });
    });
  }
}
