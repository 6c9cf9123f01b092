// A hostile registry for the lab: a plain HTTP server on loopback that answers chosen requests
// with bodies that lie and linger — a Content-Length far over any cap, a body trickled a byte at
// a time, one that stalls, one cut short, malformed chunked encoding. No real registry behind it:
// every answer is scripted by the test. stop() destroys every connection it still holds.
import type * as http from 'node:http';
import { LoopbackServer } from './fault-proxy';

export type HostileBody =
  /** All of it, with a true Content-Length. */
  | { kind: 'whole'; body: Buffer }
  /** Announces `length` bytes, sends `send`, then holds the connection open without a word more. */
  | { kind: 'announce'; length: number; send?: Buffer }
  /** One byte every `everyMs`, with a true Content-Length (chunked when `chunked`), until done or disconnected. */
  | { kind: 'trickle'; body: Buffer; everyMs: number; chunked?: boolean }
  /** Announces the whole body, sends `afterBytes` of it, then nothing more. */
  | { kind: 'stall'; body: Buffer; afterBytes: number }
  /** Announces the whole body, sends `afterBytes` of it, then closes the connection. */
  | { kind: 'cut'; body: Buffer; afterBytes: number }
  /** No Content-Length: `total` bytes in chunks of `chunk`, as fast as the client takes them. */
  | { kind: 'stream'; chunk: Buffer; total: number }
  /** After a proper status line and headers, bytes that are not valid chunked encoding; then the connection is closed. */
  | { kind: 'bad-chunks'; text: string };

export interface HostileAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: HostileBody;
}

export interface HostileRoute {
  /** Any method when absent. */
  method?: string;
  path: RegExp;
  /** The answer, or one per arrival (`n` counts this route's requests from 0). */
  answer: HostileAnswer | ((n: number) => HostileAnswer);
}

/** No loop in here runs longer than this, whatever a test asks for. */
const MAX_ANSWER_MS = 60_000;

export class HostileRegistry {
  /** Method and path of every request, in arrival order (the last 1,000). */
  readonly seen: string[] = [];
  private readonly routes: HostileRoute[] = [];
  private readonly arrivals = new Map<HostileRoute, number>();

  // Set by start(), the only way to make one.
  private server!: LoopbackServer;

  private constructor() {}

  static async start(): Promise<HostileRegistry> {
    const instance = new HostileRegistry();
    instance.server = await LoopbackServer.listen((req, res) => instance.handle(req, res), {});
    return instance;
  }

  /** `127.0.0.1:PORT`. */
  get host(): string {
    return this.server.host;
  }

  get url(): string {
    return this.server.url;
  }

  /** Routes are tried in the order added; an unmatched request gets a 404 in the registry's error format. */
  route(...routes: HostileRoute[]): this {
    this.routes.push(...routes);
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    req.resume();
    const path = req.url ?? '/';
    this.seen.push(`${req.method} ${path}`);
    if (this.seen.length > 1_000) this.seen.shift();
    const route = this.routes.find((r) => (!r.method || r.method.toUpperCase() === req.method) && r.path.test(path));
    if (!route) {
      answerWhole(res, 404, { 'content-type': 'application/json' }, Buffer.from('{"errors":[{"code":"NAME_UNKNOWN","message":"hostile registry: no such route"}]}'));
      return;
    }
    const n = this.arrivals.get(route) ?? 0;
    this.arrivals.set(route, n + 1);
    const answer = typeof route.answer === 'function' ? route.answer(n) : route.answer;
    void this.answer(req, res, answer).catch(() => res.destroy());
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, answer: HostileAnswer): Promise<void> {
    const status = answer.status ?? 200;
    const headers = { ...answer.headers };
    const body = answer.body ?? { kind: 'whole', body: Buffer.alloc(0) };
    const started = Date.now();
    const going = (): boolean => !res.destroyed && Date.now() - started < MAX_ANSWER_MS;
    switch (body.kind) {
      case 'whole':
        answerWhole(res, status, headers, req.method === 'HEAD' ? Buffer.alloc(0) : body.body, body.body.length);
        return;
      case 'announce':
        res.writeHead(status, { ...headers, 'content-length': String(body.length) });
        if (body.send?.length) res.write(body.send);
        else res.flushHeaders();
        return; // held open until the client or stop() closes it
      case 'trickle':
        res.writeHead(status, body.chunked ? headers : { ...headers, 'content-length': String(body.body.length) });
        res.flushHeaders();
        for (let at = 0; at < body.body.length && going(); at++) {
          await sleep(body.everyMs);
          if (!going()) return;
          res.write(body.body.subarray(at, at + 1));
        }
        if (!res.destroyed) res.end();
        return;
      case 'stall':
        res.writeHead(status, { ...headers, 'content-length': String(body.body.length) });
        res.write(body.body.subarray(0, body.afterBytes));
        return; // held open
      case 'cut':
        res.writeHead(status, { ...headers, 'content-length': String(body.body.length) });
        res.write(body.body.subarray(0, body.afterBytes), () => res.destroy());
        return;
      case 'stream':
        res.writeHead(status, headers);
        for (let sent = 0; sent < body.total && going(); sent += body.chunk.length) {
          if (!res.write(body.chunk)) await drainedOrClosed(res);
        }
        if (!res.destroyed) res.end();
        return;
      case 'bad-chunks': {
        const head = [`HTTP/1.1 ${status} Hostile`, 'transfer-encoding: chunked', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
        req.socket.end(head + body.text);
        return;
      }
    }
  }
}

function answerWhole(res: http.ServerResponse, status: number, headers: Record<string, string>, body: Buffer, length = body.length): void {
  res.writeHead(status, { ...headers, 'content-length': String(length) }).end(body);
}

function drainedOrClosed(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
