// How a hostile server writes one answer whose body lies or lingers: a Content-Length far over
// any cap, a body trickled a byte at a time, one that stalls, one cut short, malformed chunked
// encoding. Shared by the scripted hostile registry (hostile-registry.ts) and by the fault proxy's
// `answer` fault, which the hostile soak uses in front of a real registry. Every loop here ends
// when the client goes away, and none runs longer than a minute.
import type * as http from 'node:http';
import { concatBuffers } from './bytes';

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
  | { kind: 'bad-chunks'; text: string }
  /** Announces `length` bytes, fewer than `body`, and sends all of it: the rest lands where the next answer would start; then the connection is closed. */
  | { kind: 'short-length'; body: Buffer; length: number };

export interface HostileAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: HostileBody;
}

/** No loop in here runs longer than this, whatever a caller asks for. */
const MAX_ANSWER_MS = 60_000;

/**
 * Writes `answer` to `res` (the request body is the caller's to consume). Resolves once the answer
 * is written, or, for the bodies that hold the connection, once their part is sent: the client or
 * the server's stop() ends those.
 */
export async function sendHostileAnswer(req: http.IncomingMessage, res: http.ServerResponse, answer: HostileAnswer): Promise<void> {
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
    case 'bad-chunks':
      req.socket.end(rawHead(status, { ...headers, 'transfer-encoding': 'chunked' }) + body.text);
      return;
    case 'short-length':
      req.socket.end(concatBuffers([Buffer.from(rawHead(status, { ...headers, 'content-length': String(body.length) })), body.body]));
      return;
  }
}

/** A status line and headers written by hand, for answers Node's own writer refuses to make. */
function rawHead(status: number, headers: Record<string, string>): string {
  return [`HTTP/1.1 ${status} Hostile`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
}

export function answerWhole(
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  length = body.length,
): void {
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
