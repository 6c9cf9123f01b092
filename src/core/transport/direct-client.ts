/**
 * The transport's own HTTP/1.1 client, for every request on a direct connection (no proxy): pings,
 * manifests, listings, tokens, uploads and, above all, blobs of gigabytes, read straight off the
 * socket. undici copies every chunk into its WebAssembly parser, whose compiled code alone weighs
 * 20-30 MB; Node's streams allocate a new buffer for every socket read, which the collector frees
 * only tens of megabytes at a time (bench/PROFILING.md). Here every read lands in one of a few
 * buffers of its connection (read-slots.ts): a body's reader gets copies, unless it asks for lent
 * chunks and gives each back once stored (see lent-chunks.ts), and an upload gives back the lent
 * chunks it was sent once the socket has written them, so a pull or a copy allocates nothing per
 * read. Requests through a proxy, and stream bodies of unknown length, stay on undici.
 * Connections are made by direct-connect.ts as undici's would be; heads are read by http1-head.ts
 * and chunked bodies by chunked-decoder.ts; connections are kept between requests to the same
 * origin with the same options.
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { CoreError } from '../errors';
import { giveBack, lend } from '../lent-chunks';
import { describeTimeout, shownPath } from './network-errors';
import { ChunkedDecoder, MalformedChunk } from './chunked-decoder';
import type { ConnectionOptions } from './connection-options';
import {
  headEnd,
  headerNamed,
  MalformedHead,
  MAX_INFORMATIONAL_ANSWERS,
  MAX_RESPONSE_HEAD_BYTES,
  parseResponseHead,
  requestHead,
  type BodyFraming,
} from './http1-head';
import { ResponseBody, type BodyTimeLimits } from './response-body';
import { abortReason, connectDirect } from './direct-connect';
import { readSlotsOf, type SlotHold } from './read-slots';

/** What a request resolves with once its head has arrived; the body follows in `body`. */
export interface DirectResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: ResponseBody;
}

/** One exchange's inputs: the URL and headers to send, and the limits of the connection chosen for it. */
export interface DirectRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  /** With a body, its Content-Length among them (see HttpTransport's choice of client). */
  headers: Record<string, string>;
  /** Sent after the head; a stream's lent chunks are given back once written (see lent-chunks.ts). */
  body?: string | Buffer | Readable;
  signal?: AbortSignal;
  options: ConnectionOptions;
  /** Origin and connection options' fingerprint: connections are kept and reused per key. */
  key: string;
  /** An origin the registry sent the client to: its connections are kept among a few recently used such origins only. */
  elsewhere: boolean;
}

/** A failure of the body after its head, with a code that describeBodyError words. */
class BodyFailure extends Error {
  constructor(
    readonly code: 'BODY_IDLE_TIMEOUT' | 'CLOSED_EARLY' | 'MALFORMED_BODY',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A kept connection the server closed, cleanly, before any byte of its answer (see DirectClient.send).
 * Not sent again, it is worded as any connection closed before answering.
 */
class ClosedWhenIdle extends Error {
  readonly code = 'ECONNRESET';
}

/** How long an idle connection is kept when the server says nothing about it (undici's default). */
const DEFAULT_KEEP_ALIVE_MS = 4_000;
/** Idle connections kept per origin and options: a copy keeps at most its concurrency busy. */
const MAX_IDLE_PER_KEY = 8;

export class DirectClient {
  /** Idle connections by origin and options. */
  private readonly idle = new Map<string, Set<Socket>>();
  /** Origins the registries sent the client to, least recently used first: only these keep connections. */
  private readonly elsewhereKeys = new Set<string>();
  /** The listener that drops each idle connection, removed when it is taken again. */
  private readonly dropIdle = new WeakMap<Socket, () => void>();
  private closed = false;

  constructor(
    private readonly bodyLimits: BodyTimeLimits,
    /** How many other origins keep idle connections (as HttpTransport keeps their dispatchers). */
    private readonly maxElsewhere: number,
    /** Told when another origin drops out of the most recent ones, its connections closed. */
    private readonly onForgotten: (key: string) => void = () => undefined,
  ) {}

  /** Sends the request on a kept connection or a new one and resolves at its head. */
  async send(req: DirectRequest): Promise<DirectResponse> {
    if (req.elsewhere) this.touchElsewhere(req.key);
    // A server that closed an idle connection a moment ago: its end may be read but not yet handled.
    // One turn of the event loop lets the idle watcher drop it first, so no request goes out on it.
    if (this.idle.has(req.key)) await new Promise((resolve) => setImmediate(resolve));
    const kept = this.take(req.key);
    if (kept) {
      try {
        return await this.exchange(kept, req, true);
      } catch (err) {
        // The server closed the kept connection as the request went out, without a byte of answer: a
        // GET or HEAD goes once more on a new connection, as Go's HTTP client does. Never anything that
        // carries a body or changes something: whether it arrived is for the request layer to find out.
        const idempotent = req.method === 'GET' || req.method === 'HEAD';
        if (!(err instanceof ClosedWhenIdle) || !idempotent || req.signal?.aborted) throw err;
      }
    }
    return this.exchange(await connectDirect(req.url, req.options, req.signal), req, false);
  }

  /** Drops the idle connections; those still reading a body are closed when it ends. */
  close(): void {
    this.closed = true;
    for (const sockets of [...this.idle.values()]) for (const socket of [...sockets]) this.forget(socket, true);
    this.elsewhereKeys.clear();
  }

  /**
   * Marks another origin as the most recently used; beyond the most recent few, the least recently
   * used is forgotten and its idle connections closed (a registry sending each request to a new
   * origin keeps connections to a few only).
   */
  private touchElsewhere(key: string): void {
    this.elsewhereKeys.delete(key);
    this.elsewhereKeys.add(key);
    if (this.elsewhereKeys.size <= this.maxElsewhere) return;
    const oldest = this.elsewhereKeys.values().next().value!;
    this.elsewhereKeys.delete(oldest);
    for (const idle of [...(this.idle.get(oldest) ?? [])]) this.forget(idle, true);
    this.onForgotten(oldest);
  }

  /** The most recently kept connection for `key` that is still open, taken out of the idle set. */
  private take(key: string): Socket | undefined {
    for (;;) {
      const sockets = this.idle.get(key);
      const socket = sockets ? [...sockets].pop() : undefined;
      if (!socket) return undefined;
      this.forget(socket, false);
      if (!socket.destroyed && socket.readyState === 'open') {
        socket.ref();
        return socket;
      }
      socket.destroy();
    }
  }

  /** Takes `socket` out of the idle set (and destroys it, when `destroy`). */
  private forget(socket: Socket, destroy: boolean): void {
    const drop = this.dropIdle.get(socket);
    if (drop) {
      this.dropIdle.delete(socket);
      socket.off('end', drop).off('close', drop).off('timeout', drop).off('error', drop);
      const slots = readSlotsOf(socket);
      slots.onBytes = undefined;
      slots.setIdle(false);
      socket.setTimeout(0);
      for (const [key, sockets] of this.idle) {
        if (!sockets.delete(socket)) continue;
        if (!sockets.size) this.idle.delete(key);
        break;
      }
    }
    if (destroy) socket.destroy();
  }

  /** Keeps a connection whose last body ended cleanly, until the server's keep-alive time runs out. */
  private release(socket: Socket, req: DirectRequest, keepAliveMs: number): void {
    const sockets = this.idle.get(req.key) ?? new Set<Socket>();
    const forgotten = req.elsewhere && !this.elsewhereKeys.has(req.key);
    if (this.closed || forgotten || keepAliveMs <= 0 || sockets.size >= MAX_IDLE_PER_KEY) {
      socket.destroy();
      return;
    }
    const drop = (): void => this.forget(socket, true);
    // Nothing may arrive on an idle connection: bytes, an end, a close or an error all end it.
    socket.on('end', drop).on('close', drop).on('timeout', drop).on('error', drop);
    const slots = readSlotsOf(socket);
    slots.onBytes = drop;
    slots.setIdle(true);
    this.dropIdle.set(socket, drop);
    socket.setTimeout(keepAliveMs);
    socket.unref();
    // Flowing, so that the server's end or close of an idle connection is seen at once.
    socket.resume();
    sockets.add(socket);
    this.idle.set(req.key, sockets);
  }

  /** Writes the request on `socket` and reads the answer's head; the body is then fed to the response's body. */
  private exchange(socket: Socket, req: DirectRequest, reused: boolean): Promise<DirectResponse> {
    const { url, signal } = req;
    const limits = this.bodyLimits;
    const headersTimeoutMs = req.options.headersTimeoutMs ?? 30_000;
    return new Promise<DirectResponse>((resolve, reject) => {
      let head: Buffer | undefined;
      let informational = 0;
      let body: ResponseBody | undefined;
      let framing: BodyFraming = { kind: 'none' };
      let remaining = 0;
      let decoder: ChunkedDecoder | undefined;
      let reusable = false;
      let keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
      let paused = false;
      let settled = false;
      let finished = false;
      /** Any byte of the answer has come (a kept connection closed before that was closed while idle). */
      let answered = false;
      /** The reader gives chunks back (see lent-chunks.ts): pieces of a read are lent, not copied. */
      let lending = false;
      /** The read being handled, whose buffer the pieces pushed now are views of. */
      let current: SlotHold | undefined;
      /** The request's body went out whole (or it has none). */
      let sent = false;
      /** Stops writing a stream body (an answer came first, or the exchange ended). */
      let stopSending = (): void => undefined;
      const slots = readSlotsOf(socket);

      const detach = (): void => {
        clearTimeout(headDeadline);
        stopSending();
        signal?.removeEventListener('abort', onAbort);
        slots.onBytes = undefined;
        socket.off('end', onEnd).off('close', onClose).off('error', onError).off('timeout', onIdle);
        socket.setTimeout(0);
      };
      /** Ends the exchange with an error: before the head the request fails, after it the body does. */
      const fail = (err: unknown): void => {
        if (finished) return;
        finished = true;
        detach();
        socket.destroy();
        if (!settled) {
          settled = true;
          reject(err);
        } else body?.fail(err);
        // A stream still being sent ends with the request (its reader is told by its own close).
        if (isStream(req.body) && !req.body.destroyed && !sent) req.body.destroy();
      };
      const finish = (): void => {
        if (finished) return;
        finished = true;
        detach();
        body?.complete();
        if (reusable) this.release(socket, req, keepAliveMs);
        else socket.destroy();
      };
      const push = (piece: Buffer): void => {
        if (!piece.length) return;
        // A view of the read buffer is lent or copied: that buffer is read into again once released.
        const inSlot = current !== undefined && piece.buffer === current.slot.buffer;
        const handed = inSlot ? (lending ? lend(piece, current!.retain()) : Buffer.from(piece)) : piece;
        if (!body!.receive(handed) && !paused) {
          // The reader holds the body back: its silence is not the server's, so the idle limit waits too.
          paused = true;
          socket.pause();
          socket.setTimeout(0);
        }
      };
      const feedBody = (bytes: Buffer): void => {
        if (framing.kind === 'length') {
          const take = Math.min(remaining, bytes.length);
          push(bytes.subarray(0, take));
          remaining -= take;
          // Bytes past the announced length belong to no response: the connection is not used again.
          if (bytes.length > take) reusable = false;
          if (remaining === 0) finish();
        } else if (framing.kind === 'chunked') {
          let end: number;
          try {
            end = decoder!.feed(bytes, push);
          } catch (err) {
            if (!(err instanceof MalformedChunk)) throw err;
            return fail(new BodyFailure('MALFORMED_BODY', err.message));
          }
          if (end >= 0) {
            if (end < bytes.length) reusable = false;
            finish();
          }
        } else push(bytes);
      };
      const readHead = (bytes: Buffer): void => {
        let searchFrom = head?.length ?? 0;
        head = head ? Buffer.concat([head, bytes]) : bytes;
        for (;;) {
          const end = headEnd(head, searchFrom);
          if ((end < 0 ? head.length : end) > MAX_RESPONSE_HEAD_BYTES)
            throw new MalformedHead(`a response head over ${MAX_RESPONSE_HEAD_BYTES / 1024} KiB`);
          if (end < 0) {
            // Kept until the next read: copied out of the read buffer, which that read reuses.
            head = Buffer.from(head);
            return;
          }
          const parsed = parseResponseHead(head.toString('latin1', 0, end - 4), req.method);
          const rest = head.subarray(end);
          head = undefined;
          if (parsed.status < 200) {
            // 100 Continue, 103 Early Hints: the real answer follows, within the same headers deadline.
            // As on the undici path: the real answer did not come in time.
            if (++informational > MAX_INFORMATIONAL_ANSWERS) return fail(describeTimeout(url));
            if (!rest.length) return;
            head = rest;
            searchFrom = 0;
            continue;
          }
          clearTimeout(headDeadline);
          framing = parsed.framing;
          // An answer before the whole request was sent (a refusal): the rest is not sent, nor the connection reused.
          reusable = parsed.reusable && sent;
          stopSending();
          keepAliveMs = keepAliveOf(parsed.headers['keep-alive']);
          if (framing.kind === 'length') remaining = framing.length;
          if (framing.kind === 'chunked') decoder = new ChunkedDecoder();
          const announced = framing.kind === 'length' ? { announcedLength: framing.length } : {};
          body = new ResponseBody(
            { url, signal, limits, ...announced },
            {
              resume: () => {
                if (!paused || finished) return;
                paused = false;
                socket.setTimeout(limits.idleMs);
                socket.resume();
              },
              abort: () => fail(new BodyFailure('CLOSED_EARLY', 'the reader gave the body up')),
              lend: () => (lending = true),
            },
          );
          settled = true;
          socket.setTimeout(limits.idleMs);
          resolve({ status: parsed.status, headers: parsed.headers, body });
          if (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)) finish();
          else if (rest.length) feedBody(rest);
          return;
        }
      };
      const onData = (bytes: Buffer, hold: SlotHold): void => {
        answered = true;
        current = hold;
        try {
          if (!settled) readHead(bytes);
          else if (!finished) feedBody(bytes);
        } catch (err) {
          if (!(err instanceof MalformedHead)) throw err;
          fail(
            new CoreError(
              'BAD_RESPONSE',
              `${url.host} sent an answer to ${shownPath(url)} that is not valid HTTP (${err.message}): try again; if it keeps happening, check that the URL points at a registry and not at something else in between.`,
              { cause: err },
            ),
          );
        } finally {
          current = undefined;
        }
      };
      const closedBeforeEnd = (): Error => {
        // A clean close of a kept connection before a byte of the answer: the server's idle close, raced.
        if (!answered && reused) return new ClosedWhenIdle('the server closed the kept connection');
        if (!settled) return Object.assign(new Error('the server closed the connection before answering'), { code: 'ECONNRESET' });
        return new BodyFailure('CLOSED_EARLY', 'the server closed the connection before the end of the body');
      };
      const onEnd = (): void => {
        if (settled && framing.kind === 'close') finish();
        else fail(closedBeforeEnd());
      };
      const onClose = (): void => fail(closedBeforeEnd());
      const onError = (err: NodeJS.ErrnoException): void => fail(err);
      const onIdle = (): void => {
        fail(new BodyFailure('BODY_IDLE_TIMEOUT', 'no bytes within the idle limit'));
      };
      const onAbort = (): void => fail(abortReason(signal));
      // The whole head must come within the limit from the request, however slowly it trickles.
      // Counted from the end of the request (its body may take long), as undici counts it.
      let headDeadline: NodeJS.Timeout | undefined;
      const awaitHead = (): void => {
        if (!finished && !settled) headDeadline = setTimeout(() => fail(describeTimeout(url)), headersTimeoutMs);
      };

      if (signal?.aborted) return fail(abortReason(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      slots.onBytes = onData;
      socket.on('end', onEnd).on('close', onClose).on('error', onError).on('timeout', onIdle);
      /** Writes the body after the head: a stream at the pace the socket takes it, checked against its Content-Length. */
      const sendBody = (): void => {
        const content = req.body;
        if (content === undefined || typeof content === 'string' || Buffer.isBuffer(content)) {
          if (content !== undefined) socket.write(content);
          sent = true;
          return awaitHead();
        }
        const announced = Number(headerNamed(req.headers, 'content-length') ?? Number.NaN);
        let written = 0;
        const onChunk = (chunk: Buffer): void => {
          written += chunk.length;
          if (written > announced) return fail(requestBodyLength(url, announced, written));
          // Given back once the socket has written it: a lender may then read into its memory again.
          if (!socket.write(chunk, () => giveBack(chunk))) content.pause();
        };
        const onDrain = (): void => void content.resume();
        const onEnd = (): void => {
          if (written !== announced) return fail(requestBodyLength(url, announced, written));
          sent = true;
          stopSending();
          awaitHead();
        };
        const onError = (err: unknown): void => fail(err);
        // Closed before its end without an error of its own (destroyed by its reader): the request cannot be completed.
        const onClose = (): void => {
          if (!sent) fail(requestBodyLength(url, announced, written));
        };
        stopSending = () => {
          content.off('data', onChunk).off('end', onEnd).off('error', onError).off('close', onClose);
          socket.off('drain', onDrain);
        };
        // The stream may have failed or been destroyed while the connection was being made: no event will come.
        if (content.errored) return fail(content.errored);
        if (content.destroyed) return fail(requestBodyLength(url, announced, written));
        content.on('data', onChunk).once('end', onEnd).once('error', onError).once('close', onClose);
        socket.on('drain', onDrain);
      };
      let text: string;
      try {
        text = requestHead(req.method, url, req.headers);
      } catch (err) {
        return fail(
          err instanceof MalformedHead
            ? new CoreError('NETWORK', `A request to ${url.host} was not sent: ${err.message}.`, { cause: err })
            : err,
        );
      }
      socket.write(text);
      sendBody();
    });
  }
}

/** The server's `Keep-Alive: timeout=N`, less a second for the trip, or the default when it says nothing. */
function keepAliveOf(value: string | string[] | undefined): number {
  const hint = /(?:^|[,;\s])timeout=(\d+)/i.exec(Array.isArray(value) ? value.join(',') : (value ?? ''));
  return hint ? Math.min(Number(hint[1]) * 1000 - 1000, 600_000) : DEFAULT_KEEP_ALIVE_MS;
}

function isStream(body: DirectRequest['body']): body is Readable {
  return typeof body === 'object' && !Buffer.isBuffer(body);
}

/** A request body whose length is not the one its head announced: the request is not completed. */
function requestBodyLength(url: URL, announced: number, written: number): CoreError {
  return new CoreError(
    'NETWORK',
    `The request to ${url.host} was stopped: its body came to ${written > announced ? 'more than' : 'only'} ${written > announced ? announced : written} of the ${announced} bytes announced.`,
  );
}
