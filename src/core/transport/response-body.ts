/**
 * The body of every response the transport returns. A registry controls when its bodies fail,
 * stall or end, so this stream makes three things hold for all of them, whoever reads them:
 *  - no failure of a body is ever an unhandled 'error' event (that would end the whole process:
 *    in VS Code, the extension host);
 *  - every failure a reader sees is a CoreError with a sentence (a cut connection, a stall, a
 *    cancelled read), never undici's or Node's raw error;
 *  - discarding a body (dump) is bounded in bytes and time and never fails.
 * The client that read the answer pushes the chunks straight into it: the transport's own
 * (direct-client.ts) or, through a proxy, undici's dispatcher (see ResponseHandler in http.ts).
 * Either enforces the idle time between chunks and pauses it while the reader applies
 * back-pressure, so a slow consumer is never mistaken for a stalled server.
 */
import { finished, Readable } from 'node:stream';
import type { LendingBody } from '../lent-chunks';
import type { CheckingBody, ChunkCheck } from '../oci/verify-stream';
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

/** How the body asks undici for more and drops the request: the callbacks its dispatcher hands a handler. */
export interface BodyControls {
  /** Reading may go on (after push returned false). */
  resume(): void;
  /** Drops the request and its connection (a body given up before its end). */
  abort(): void;
  /** Lend chunks from now on (see LendingBody); absent where the body's source cannot. */
  lend?(): boolean;
}

export class ResponseBody extends Readable implements LendingBody, CheckingBody {
  private readonly context: ResponseBodyContext;
  private readonly controls: BodyControls;
  private completed = false;
  /**
   * Chunks received before anyone read: held here, not in the stream's buffer, so that a check
   * attached before reading starts still sees every chunk. Undefined once reading has started.
   */
  private held: Buffer[] | undefined = [];
  private heldBytes = 0;
  private check: ChunkCheck | undefined;

  constructor(context: ResponseBodyContext, controls: BodyControls) {
    super({ highWaterMark: 64 * 1024 });
    this.context = context;
    this.controls = controls;
    // A listener for the whole life of the stream: an error nobody is reading for (a body
    // abandoned, destroyed unread, or failing before its reader starts) is never unhandled.
    // Readers still see it: for-await, pipeline and finished() look at the stream's errored state.
    this.on('error', ignore);
  }

  /** See LendingBody: the direct client's bodies lend (direct-client.ts); undici's cannot. */
  lendChunks(): boolean {
    return this.controls.lend?.() ?? false;
  }

  /**
   * Runs `check` on every chunk and at the end (see ChunkCheck). Only before reading starts, and
   * once: false when too late, and then the reader checks the bytes itself.
   */
  checkChunks(check: ChunkCheck): boolean {
    if (this.held === undefined || this.check !== undefined || this.destroyed) return false;
    this.check = check;
    return true;
  }

  /** A chunk from the dispatcher; false asks it to pause until _read resumes it. */
  receive(chunk: Buffer): boolean {
    if (this.held === undefined) return this.pass(chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    // As much as the stream's own buffer would take before asking the client to pause.
    return this.heldBytes < this.readableHighWaterMark;
  }

  /** The dispatcher read the whole body. */
  complete(): void {
    this.completed = true;
    if (this.held === undefined) this.passEnd();
  }

  /** The dispatcher failed the body (a cut, a stall, a cancel): the reader sees it worded. */
  fail(err: unknown): void {
    if (!this.destroyed) this.destroy(describeBodyError(err, this.context.url, this.context));
  }

  override _read(): void {
    const held = this.held;
    if (held !== undefined) {
      this.held = undefined;
      for (const chunk of held) this.pass(chunk);
      if (this.completed) return this.passEnd();
    }
    this.controls.resume();
  }

  /** Hands a chunk to the reader, through the check when there is one. */
  private pass(chunk: Buffer): boolean {
    if (this.destroyed) return false;
    if (this.check) {
      try {
        this.check.update(chunk);
      } catch (err) {
        this.destroy(err instanceof Error ? err : new Error(String(err)));
        return false;
      }
    }
    return this.push(chunk);
  }

  /** The last chunk was passed on: the check's verdict, then the end. */
  private passEnd(): void {
    if (this.destroyed) return;
    try {
      this.check?.finish();
    } catch (err) {
      this.destroy(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.push(null);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    // A body dropped before its end aborts its request; the error undici raises for that comes
    // back through fail(), on a stream already destroyed, where it changes nothing.
    if (!this.completed) this.controls.abort();
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
