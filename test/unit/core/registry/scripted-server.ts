// A real HTTP server on 127.0.0.1 whose answers a test scripts request by request, and the real
// client stack in front of it (HttpTransport, RegistryConnection, Authorizer, EndpointClient):
// the request layer's policies (retries, redirects, headers kept to their host, mirrors, the
// upload protocol) exercised on the wire without a registry. Written for the transport group's
// mutation survivors (see docs/mutation.md); the lab covers the same code against real registries.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authorizer } from '../../../../src/core/auth/authorizer';
import type { Credential } from '../../../../src/core/credentials/types';
import type { PlannedEndpoint } from '../../../../src/core/hosts/plan';
import { EndpointClient } from '../../../../src/core/registry/endpoint-client';
import { RegistryConnection, type RequestLogEntry } from '../../../../src/core/transport/connection';
import { HttpTransport } from '../../../../src/core/transport/http';
import type { RetryPolicy } from '../../../../src/core/transport/retry';

/** One request as the server saw it. */
export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** What a script does with a request: answer it (status, headers, body), or cut the connection. */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'reset';

export class ScriptedServer {
  readonly seen: Seen[] = [];
  /** TCP connections accepted, and those still open (connection reuse, closing). */
  connections = 0;
  open = 0;
  private server: http.Server | undefined;
  /** Answers the n-th request (from 0); defaults to 404. */
  script: (req: Seen, index: number) => Answer = () => ({ status: 404 });

  async start(address = '127.0.0.1'): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
        const answer = this.script(seen, this.seen.length);
        this.seen.push(seen);
        if (answer === 'reset') {
          req.socket.destroy();
          return;
        }
        const body = answer.body ?? '';
        res.writeHead(answer.status, { 'content-length': String(Buffer.byteLength(body)), ...answer.headers });
        res.end(req.method === 'HEAD' ? undefined : body);
      });
    });
    this.server.on('connection', (socket) => {
      this.connections++;
      this.open++;
      socket.on('close', () => this.open--);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, address, resolve));
    return this;
  }

  get host(): string {
    const a = this.server!.address() as AddressInfo;
    return `${a.address}:${a.port}`;
  }

  get origin(): string {
    return `http://${this.host}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/**
 * Registers, in the calling `describe`, a fresh ScriptedServer and HttpTransport for each test, both
 * closed after it; `use` receives them before the test runs (so the test's own `let`s stay plain).
 */
export function scriptedServerPerTest(use: (server: ScriptedServer, transport: HttpTransport) => void): void {
  let server: ScriptedServer | undefined;
  let transport: HttpTransport | undefined;
  beforeEach(async () => {
    server = await new ScriptedServer().start();
    transport = new HttpTransport();
    use(server, transport);
  });
  afterEach(async () => {
    await transport?.close();
    await server?.stop();
  });
}

export const FAST_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 200 };

export interface ClientOptions {
  credential?: Credential;
  ns?: string;
  pathPrefix?: string;
  headers?: Record<string, string>;
  retry?: RetryPolicy;
  role?: 'mirror' | 'server';
  observe?: (status: number) => void;
  log?: RequestLogEntry[];
}

/** The real client stack for one plain-HTTP endpoint on `host`. */
export function endpointClient(transport: HttpTransport, host: string, options: ClientOptions = {}): EndpointClient {
  const connection = new RegistryConnection({ host, scheme: 'http', insecure: false }, transport, (e) => options.log?.push(e));
  const authorizer = new Authorizer({
    host,
    scheme: 'http',
    credentials: () => Promise.resolve(options.credential),
    send: (req) => connection.sendElsewhere(req, 'realm'),
    extraHeaders: options.headers,
  });
  const endpoint = {
    role: options.role ?? 'server',
    host,
    scheme: 'http',
    pathPrefix: options.pathPrefix ?? '/v2',
    insecure: false,
    skipVerify: false,
    ...(options.ns ? { ns: options.ns } : {}),
    capabilities: ['pull', 'resolve', 'push'],
    caFiles: [],
    clientCertificates: [],
    connectTo: {},
    proxy: {},
    headerNames: Object.keys(options.headers ?? {}),
    headers: options.headers ?? {},
    why: [],
  } as PlannedEndpoint;
  const observe = options.observe;
  return new EndpointClient(
    endpoint,
    connection,
    authorizer,
    options.retry ?? FAST_RETRY,
    observe ? (res) => observe(res.status) : undefined,
  );
}
