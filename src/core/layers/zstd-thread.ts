/**
 * Runs fzstd in a worker thread (zstd-worker.js) and watches it. A registry's bytes that send the
 * decoder into a loop would otherwise hold the extension host's event loop for good, since no timer
 * can fire while synchronous code runs; here the thread is ended when a batch gets no answer within
 * the stall limit, and the layers it was decoding fail with LAYER_TOO_COSTLY. One thread serves every
 * layer being read (each has a session of its own) and is ended when idle, so a host that never
 * lists a zstd layer without Node's own decoder never starts it.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CoreError } from '../errors';
import type { ZstdReply, ZstdRequest } from './zstd-worker';

export interface ZstdThreadOptions {
  /** The worker's script; zstd-worker.js beside this module (the bundles are built side by side). */
  script?: string;
  /** How long one batch may go unanswered before the thread is ended; a batch decodes to a few MiB at most. */
  stallMs?: number;
  /** How long the thread stays up with no layer to decode. */
  idleMs?: number;
}

const DEFAULT_STALL_MS = 20_000;
const DEFAULT_IDLE_MS = 30_000;

interface Waiting {
  resolve(blocks: Uint8Array[]): void;
  reject(err: unknown): void;
}

/** Decoded blocks of a batch, or an error fzstd threw (its numeric code, when it gave one). */
export class ZstdDecodeError extends Error {
  constructor(
    message: string,
    readonly fzstdCode: number | undefined,
  ) {
    super(message);
  }
}

export class ZstdThread {
  private readonly script: string;
  private readonly stallMs: number;
  private readonly idleMs: number;
  private worker: Worker | undefined;
  /** Whether the thread said it loaded: a failure before that is one of starting it, not of a layer. */
  private ready = false;
  private nextSession = 1;
  private readonly open = new Set<number>();
  /** Each session's batches in flight, oldest first: the thread answers a session's batches in order. */
  private readonly waiting = new Map<number, Waiting[]>();
  /** Sessions that were open when their thread was ended, with the reason: their decoders are gone. */
  private readonly ended = new Map<number, unknown>();
  private stallTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(options: ZstdThreadOptions = {}) {
    this.script = options.script ?? join(__dirname, 'zstd-worker.js');
    this.stallMs = options.stallMs ?? DEFAULT_STALL_MS;
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  }

  /** A decoder for one layer's zstd stream; close it when done, whatever happened. */
  session(): ZstdSession {
    const id = this.nextSession++;
    this.open.add(id);
    clearTimeout(this.idleTimer);
    return new ZstdSession(
      (pieces, final) => this.decode(id, pieces, final),
      () => this.close(id),
    );
  }

  private decode(session: number, pieces: Uint8Array[], final: boolean): Promise<Uint8Array[]> {
    if (this.ended.has(session)) return Promise.reject(this.ended.get(session));
    let worker: Worker;
    try {
      worker = this.started();
    } catch (err) {
      return Promise.reject(notStarted(err));
    }
    const ends: number[] = [];
    let length = 0;
    for (const piece of pieces) ends.push((length += piece.length));
    // One copy of the batch into memory of its own, which then moves to the thread without another.
    const bytes = new Uint8Array(length);
    let at = 0;
    for (const piece of pieces) {
      bytes.set(piece, at);
      at += piece.length;
    }
    return new Promise<Uint8Array[]>((resolve, reject) => {
      const queue = this.waiting.get(session) ?? [];
      queue.push({ resolve, reject });
      this.waiting.set(session, queue);
      this.watch();
      worker.postMessage({ session, bytes, ends, final } satisfies ZstdRequest, [bytes.buffer]);
    });
  }

  private close(session: number): void {
    this.ended.delete(session);
    if (!this.open.delete(session)) return;
    // Batches of its still in flight are answered to nobody, and no longer watched.
    this.waiting.delete(session);
    this.watch();
    this.worker?.postMessage({ session, close: true } satisfies ZstdRequest);
    if (this.open.size === 0 && this.worker) {
      this.idleTimer = setTimeout(() => this.endWorker(), this.idleMs);
      this.idleTimer.unref();
    }
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.on('message', (reply: ZstdReply) => this.answered(reply));
    const failed = (err: unknown): void => {
      if (this.worker === worker) this.fail(this.ready ? corruptDecoder(err) : notStarted(err));
    };
    worker.on('error', failed);
    worker.on('exit', (code) => failed(new Error(`its thread exited with code ${code}`)));
    // Only a batch in flight keeps the process alive (its stall timer does). After the listeners:
    // adding a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    this.ready = false;
    return worker;
  }

  private answered(reply: ZstdReply): void {
    if ('ready' in reply) {
      this.ready = true;
      return;
    }
    const queue = this.waiting.get(reply.session);
    const waiting = queue?.shift();
    if (!waiting) return;
    if (queue!.length === 0) this.waiting.delete(reply.session);
    this.watch();
    if ('error' in reply) waiting.reject(new ZstdDecodeError(reply.error.message, reply.error.code));
    else waiting.resolve(reply.blocks);
  }

  /** (Re)starts the stall limit while a batch is in flight: each answer proves the thread alive. */
  private watch(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (this.waiting.size === 0) return;
    this.stallTimer = setTimeout(() => this.fail(stalled(this.stallMs)), this.stallMs);
  }

  /** Ends the thread and fails every batch in flight with `err`; the next layer starts a new thread. */
  private fail(err: unknown): void {
    const waiting = [...this.waiting.values()].flat();
    this.waiting.clear();
    for (const session of this.open) this.ended.set(session, err);
    this.open.clear();
    this.endWorker();
    for (const batch of waiting) batch.reject(err);
  }

  private endWorker(): void {
    clearTimeout(this.stallTimer);
    clearTimeout(this.idleTimer);
    this.stallTimer = this.idleTimer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }
}

/** One layer's decoder in the thread: its batches are decoded in the order sent, and answered in that order. */
export class ZstdSession {
  constructor(
    readonly decode: (pieces: Uint8Array[], final: boolean) => Promise<Uint8Array[]>,
    readonly close: () => void,
  ) {}
}

function stalled(stallMs: number): CoreError {
  return new CoreError(
    'LAYER_TOO_COSTLY',
    `The layer's zstd data kept the decoder busy for over ${Math.round(stallMs / 1000)} s without a block decoded, far longer than any encoder's output needs: it was built to hang decoders or is damaged, so it is not listed (nor any zstd layer read at the same time); if you trust the image, pull it and read the layer with tar.`,
  );
}

function notStarted(err: unknown): CoreError {
  const detail = err instanceof Error ? err.message : String(err);
  return new CoreError(
    'UNSUPPORTED',
    `The thread that decodes zstd layers where Node has no zstd decoder of its own could not start (${detail}), so the layer is not listed; use a VS Code whose Node is 22.15 or later, or pull the image and read the layer with tar.`,
  );
}

function corruptDecoder(err: unknown): CoreError {
  const detail = err instanceof Error ? err.message : String(err);
  return new CoreError(
    'LAYER_CORRUPT',
    `The layer's zstd decoder failed (${detail}); the blob is damaged or hostile, so it is not listed.`,
  );
}

let shared: ZstdThread | undefined;

/** The one thread every layer listing in this process shares. */
export function sharedZstdThread(): ZstdThread {
  return (shared ??= new ZstdThread());
}
