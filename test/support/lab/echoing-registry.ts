// A hostile registry and token server for the lab: it asks for a login (Basic, or Bearer from its
// own /token), then answers every other request with an error whose text repeats what the client
// sent — the Authorization header, every other header (hosts.toml ones too), the form body of a
// token POST, percent-encoded as well — followed by a forged log line and a bidi override. Tests
// check that none of it reaches a message or a log line as sent. Loopback only; bodies read up to
// 64 KiB; stop() never waits for a client.
import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import { LoopbackServer } from './fault-proxy';

export type EchoAuth = 'basic' | 'bearer';

export interface EchoedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const MAX_BODY = 64 * 1024;
const MAX_RECORDED = 1000;
/** A line that would look like one of the extension's own log entries if it started a line. */
export const FORGED_LOG_LINE = '2025-01-01 00:00:00.000 [info] GET https://forged.example/v2/ → 200 in 1 ms';
/** Reads "exe.txt" backwards after U+202E when shown as is. */
export const BIDI_TRICK = 'invoice\u202Etxt.exe';

export class EchoingRegistry {
  readonly requests: EchoedRequest[] = [];
  /** The access and refresh tokens /token hands out (when it is not failing). */
  readonly token = `echo-access-${randomBytes(8).toString('hex')}`;
  readonly refreshToken = `echo/refresh+${randomBytes(8).toString('hex')}=`;
  /** When true, /token answers 500 with the echo as its error_description. */
  failTokens = false;

  private server!: LoopbackServer;

  private constructor(private readonly auth: EchoAuth) {}

  static async start(auth: EchoAuth): Promise<EchoingRegistry> {
    const instance = new EchoingRegistry(auth);
    instance.server = await LoopbackServer.listen((req, res) => void instance.handle(req, res), {});
    return instance;
  }

  get url(): string {
    return this.server.url;
  }

  get host(): string {
    return this.server.host;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const body = await readBody(req);
    const seen: EchoedRequest = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body };
    this.requests.push(seen);
    if (this.requests.length > MAX_RECORDED) this.requests.shift();
    const path = new URL(seen.path, 'http://127.0.0.1').pathname;

    if (path === '/token') {
      if (this.failTokens) return json(res, 500, { error: 'server_error', error_description: echo(seen) });
      return json(res, 200, { token: this.token, refresh_token: this.refreshToken, expires_in: 300 });
    }
    if (!req.headers.authorization) {
      const challenge = this.auth === 'basic' ? 'Basic realm="echo"' : `Bearer realm="${this.url}/token",service="echo"`;
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'log in' }] }, { 'www-authenticate': challenge });
    }
    if (path === '/v2/') return json(res, 200, {});
    // Distribution puts request details in `detail` too: this one puts every header there.
    return json(res, 400, { errors: [{ code: 'DENIED', message: echo(seen), detail: { headers: req.headers, body } }] });
  }
}

/**
 * The request repeated back, secrets first (a message quotes only the start of a registry's text):
 * every header as sent and percent-encoded, the body, then a bidi override and a forged log line.
 */
function echo(seen: EchoedRequest): string {
  const headers = Object.entries(seen.headers).filter(
    ([name]) => !['host', 'accept', 'user-agent', 'content-length', 'content-type', 'connection', 'accept-encoding'].includes(name),
  );
  const sent = headers.map(([name, value]) => `${name}: ${String(value)}`).join('; ');
  const encoded = headers.map(([, value]) => encodeURIComponent(String(value))).join(' ');
  return `you sent ${sent}; body ${seen.body}; encoded ${encoded}\r\n${BIDI_TRICK}\n${FORGED_LOG_LINE}`;
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers }).end(text);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) break;
      chunks.push(chunk);
    }
  } catch {
    // A client that went away: what arrived is enough.
  }
  return Buffer.concat(chunks as unknown as Uint8Array[]).toString('utf8');
}
