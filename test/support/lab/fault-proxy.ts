// A fault-injecting reverse proxy for the lab: it sits between the client under test and one lab
// registry, forwards everything as streams, and answers chosen requests wrongly on purpose (slow,
// failing, cut short, hung, corrupted, mislabelled, redirected, paged, or with a hostile body, by
// rule or by a `choose` function asked per request). RecordingServer is a second
// origin for redirects: it serves given bodies and records who asked, with which headers.
// Loopback only, no dependencies, and stop() never waits for a client.
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import { hostPort, isLoopbackAddress, type LoopbackAddress, requireLoopback } from './addresses';
import { concatBuffers } from './bytes';
import { sendHostileAnswer, type HostileAnswer } from './hostile-answers';

export type Fault =
  /** Waits before forwarding. */
  | { kind: 'delay'; ms: number }
  /** Answers without forwarding (e.g. 429 with Retry-After in seconds or as an HTTP-date, 500/502/503/504). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Forwards, then destroys the client connection after `afterBytes` bytes of the response body. */
  | { kind: 'drop'; afterBytes: number }
  /**
   * Forwards the request and lets the registry act on it, then cuts the client connection before
   * any byte of the answer: the registry did the work, the client never hears of it.
   */
  | { kind: 'lose-answer' }
  /** Forwards `afterBytes` bytes of the response body, then sends nothing more until the client gives up or the proxy stops. */
  | { kind: 'stall'; afterBytes: number }
  /**
   * Relays the body as it comes but chunked (without its Content-Length), and ends it `ms` after the
   * registry's last byte: a reader has every byte well before the body ends, as from a slow CDN.
   */
  | { kind: 'late-end'; ms: number }
  /** Flips the lowest bit of one body byte (default: the middle one, else the first), keeping the length. */
  | { kind: 'tamper'; offset?: number }
  /** Replaces (or adds) Docker-Content-Digest; the default is a well-formed digest of nothing served. */
  | { kind: 'wrong-digest-header'; digest?: string }
  /** Points the Link header's URLs at another origin, keeping path and query. */
  | { kind: 'link-to'; origin: string }
  /** Answers a redirect (default 307) to `location` without forwarding. */
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  /** Answers without forwarding, with a body that may lie or linger (see hostile-answers.ts). */
  | { kind: 'answer'; answer: HostileAnswer }
  /**
   * For GET …/tags/list: fetches the registry's full list and serves it in pages of at most
   * `pageSize` (fewer if the client's `n` asks for fewer), after the client's `last`, with
   * `Link: <…>; rel="next"` while more remain. Distribution 2.8 itself ignores `n` on tags/list.
   */
  | { kind: 'page-tags'; pageSize: number };

export interface FaultRule {
  /** Matches any method when absent; compared case-insensitively. */
  method?: string;
  /** Tested against the path with its query string (the same text as SeenRequest.path). */
  path: RegExp;
  fault: Fault;
  /** How many matching requests get the fault; default: every one. */
  times?: number;
}

export interface SeenRequest {
  method: string;
  /** Path with query, as the client sent it. */
  path: string;
  /** The status answered; 0 while no answer has been sent (or none ever was). */
  status: number;
  fault?: Fault['kind'];
  /** The client's request headers, as received. */
  headers: http.IncomingHttpHeaders;
  /** When the request's headers arrived (Date.now(), so comparable with the client's clock). */
  at: number;
}

/** PEM text of a certificate and its key (e.g. read from a lab CertKeyPair's files). */
export interface PemPair {
  cert: string;
  key: string;
}

export interface ServerOptions {
  /** Serve HTTPS with this pair instead of plain HTTP. */
  tls?: PemPair;
  /** The loopback address to listen on; default 127.0.0.1 (127.0.0.2… and ::1 are other hosts). */
  address?: LoopbackAddress;
  /** The port; default a free one. A fixed one lets servers on different addresses share a port. */
  port?: number;
  /**
   * How long an idle kept-alive connection is held before the server closes it; default Node's 5 s.
   * A long one leaves closing to the client, so a test can see whether it does.
   */
  keepAliveTimeoutMs?: number;
}

const MAX_SEEN = 10_000;
const MAX_CONNECTIONS = 1_000;
const MAX_TAG_LIST_BYTES = 32 * 1024 * 1024;
const UPSTREAM_SOCKETS = 64;
// Connection-level headers belong to one hop and are never forwarded (RFC 9110 section 7.6.1).
// `expect` is answered by this proxy's own server already.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

// ---------------------------------------------------------------------------------------------
// Loopback servers that can always be stopped

function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || isLoopbackAddress(hostname);
}

/**
 * Throws unless `url` is on loopback; `.test` names (RFC 2606, never resolvable publicly) are also
 * allowed where the client under test dials them through resolve rules.
 */
function assertLabUrl(url: string, what: string, allowTestNames: boolean): URL {
  const parsed = new URL(url);
  const hostname = parsed.hostname.toLowerCase();
  if (isLoopbackHostname(hostname) || (allowTestNames && hostname.endsWith('.test'))) return parsed;
  throw new Error(`fault proxy: ${what} ${url} is not a loopback address; the lab only talks to 127.0.0.0/8 and ::1`);
}

function appendBounded(list: SeenRequest[], entry: SeenRequest): void {
  list.push(entry);
  if (list.length > MAX_SEEN) list.splice(0, list.length - MAX_SEEN);
}

function countMatching(list: readonly SeenRequest[], method: string, path: RegExp): number {
  return list.filter((r) => r.method === method.toUpperCase() && testPath(path, r.path)).length;
}

/** RegExp.test without the `g`/`y` flags' memory of the previous match. */
function testPath(pattern: RegExp, path: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(path);
}

function recordArrival(list: SeenRequest[], req: http.IncomingMessage): SeenRequest {
  const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '/', status: 0, headers: req.headers, at: Date.now() };
  appendBounded(list, seen);
  return seen;
}

/** The server's open connections, kept current from the moment it is created. */
function trackSockets(server: http.Server | https.Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** An HTTP(S) server on a loopback address that tracks its sockets, so stop() can destroy them instead of waiting. */
export class LoopbackServer {
  readonly url: string;

  private constructor(
    private readonly server: http.Server | https.Server,
    private readonly sockets: Set<Socket>,
    /** e.g. 127.0.0.1:PORT or [::1]:PORT; still valid after stop(). */
    readonly host: string,
    private readonly accepted: () => number,
  ) {
    this.url = `${server instanceof https.Server ? 'https' : 'http'}://${host}`;
  }

  static async listen(handler: http.RequestListener, options: ServerOptions): Promise<LoopbackServer> {
    const { tls, keepAliveTimeoutMs } = options;
    const address = requireLoopback(options.address ?? '127.0.0.1', 'server address');
    const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
    server.maxConnections = MAX_CONNECTIONS;
    if (keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = keepAliveTimeoutMs;
    const sockets = trackSockets(server);
    let accepted = 0;
    server.on('connection', () => accepted++);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port: options.port ?? 0, ipv6Only: address === '::1' }, () => resolve());
    });
    // A forgotten stop() must not keep the test process alive.
    server.unref();
    const port = (server.address() as AddressInfo).port;
    return new LoopbackServer(server, sockets, hostPort(address, port), () => accepted);
  }

  /** Client connections still open (kept-alive, or held by an answer that never ends). */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** Connections accepted since the server started, counted before any TLS handshake or request. */
  get acceptedConnections(): number {
    return this.accepted();
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

// ---------------------------------------------------------------------------------------------
// Header rewriting

/** `value` with its scheme://authority replaced by `origin` when it is absolute and points at `from`. */
function reoriginate(value: string, from: string, to: string): string {
  if (!value.startsWith(from)) return value;
  const rest = value.slice(from.length);
  return rest === '' || /^[/?#]/.test(rest) ? to + rest : value;
}

/** A Link URL (absolute, or relative to the request it answered) moved to `origin`, path and query kept byte for byte. */
function moveToOrigin(reference: string, requestUrl: string, origin: string): string {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;
  if (authority.test(reference)) return origin + reference.replace(authority, '');
  if (reference.startsWith('/')) return origin + reference;
  return origin + new URL(reference, requestUrl).href.replace(authority, '');
}

/** Applies `change` to every `<URL>` of a Link header value. */
function mapLinkUrls(link: string, change: (url: string) => string): string {
  return link.replace(/<([^>]*)>/g, (_, url: string) => `<${change(url)}>`);
}

function headerText(value: string | string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** The upstream's response headers minus hop-by-hop ones, with its own URLs pointed at the proxy. */
function relayedHeaders(upstream: http.IncomingMessage, upstreamOrigin: string, proxyOrigin: string): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  const location = headerText(headers.location);
  if (location !== undefined) headers.location = reoriginate(location, upstreamOrigin, proxyOrigin);
  const link = headerText(headers.link);
  if (link !== undefined) headers.link = mapLinkUrls(link, (url) => reoriginate(url, upstreamOrigin, proxyOrigin));
  return headers;
}

/** The client's request headers for the upstream: hop-by-hop ones dropped, Host set to the registry. */
function forwardedHeaders(req: http.IncomingMessage, upstreamHost: string): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  headers.host = upstreamHost;
  return headers;
}

/** The client's headers (Authorization included) for a GET the proxy makes on its behalf. */
function bodilessGetHeaders(req: http.IncomingMessage, upstreamHost: string): http.OutgoingHttpHeaders {
  const headers = forwardedHeaders(req, upstreamHost);
  delete headers['content-length'];
  delete headers['content-type'];
  return headers;
}

// ---------------------------------------------------------------------------------------------
// Body faults

/** Flips the lowest bit of the byte at `offset`: the length stays and text stays text, so only a digest check can notice. */
class ByteFlipper extends Transform {
  private position = 0;

  constructor(private readonly offset: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const index = this.offset - this.position;
    this.position += chunk.length;
    if (index < 0 || index >= chunk.length) return done(null, chunk);
    const copy = Buffer.from(chunk);
    copy[index] = (copy[index] as number) ^ 0x01;
    done(null, copy);
  }
}

/**
 * Relays the first `limit` body bytes, then stops reading the upstream and calls `atLimit` (which
 * decides what happens to the client connection). If the body is shorter, all of it is relayed and
 * the response is never ended, so `atLimit` still runs.
 */
function relayPrefix(from: http.IncomingMessage, to: http.ServerResponse, limit: number, atLimit: () => void): void {
  let sent = 0;
  let reached = false;
  const reach = (): void => {
    if (reached) return;
    reached = true;
    from.destroy();
    atLimit();
  };
  // Headers go out first, even when no body byte will.
  to.flushHeaders();
  if (limit <= 0) return reach();
  from.on('data', (chunk: Buffer) => {
    const slice = chunk.subarray(0, limit - sent);
    sent += slice.length;
    if (!to.write(slice)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
    if (sent >= limit) reach();
  });
  from.once('end', reach);
}

/** Flushes what was written, then closes the client connection mid-body (the client sees a short body or a reset). */
function dropConnection(res: http.ServerResponse): void {
  const socket = res.socket;
  if (!socket) return;
  socket.once('finish', () => socket.destroy());
  socket.end();
}

// ---------------------------------------------------------------------------------------------
// The proxy

interface ActiveRule {
  rule: FaultRule;
  /** Infinity when the rule has no `times`. */
  remaining: number;
}

interface TagList {
  name?: string;
  tags?: string[] | null;
}

function validateFault(fault: Fault): void {
  if (fault.kind === 'redirect') assertLabUrl(fault.location, 'redirect location', true);
  if (fault.kind === 'link-to') assertLabUrl(fault.origin, 'link-to origin', true);
  if (fault.kind === 'page-tags' && !(fault.pageSize >= 1)) throw new Error('fault proxy: page-tags needs pageSize >= 1');
}

/** A well-formed digest that differs from the real one (a hash of it, so the same for every call). */
function someOtherDigest(real: string | undefined): string {
  return `sha256:${createHash('sha256')
    .update(`not ${real ?? ''}`)
    .digest('hex')}`;
}

function parsePageSize(n: string | null): number | undefined {
  return n !== null && /^\d{1,9}$/.test(n) ? Number(n) : undefined;
}

/** Byte order, as Distribution sorts tags (Go's sort.Strings); tags are ASCII, so UTF-16 order agrees. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message }] });
}

export class FaultProxy {
  /** Everything seen, in arrival order (the last 10,000). */
  readonly requests: SeenRequest[] = [];
  /** Asked for a fault when no rule matches a request (rules first, so a test can still pin one). */
  choose: ((seen: SeenRequest) => Fault | undefined) | undefined;
  private readonly rules: ActiveRule[] = [];
  private readonly upstream: URL;
  private readonly agent: http.Agent;
  private readonly upstreamRequests = new Set<http.ClientRequest>();
  private readonly delays = new Map<NodeJS.Timeout, () => void>();
  // Set by start(), the only way to make one.
  private server!: LoopbackServer;
  private stopped = false;

  private constructor(target: { url: string }) {
    this.upstream = assertLabUrl(target.url, 'target', false);
    // Lab registries present lab certificates (some deliberately unverifiable by IP); the proxy
    // tests the client, not the registry's certificate, so it does not verify upstream TLS.
    const agentOptions = { keepAlive: true, maxSockets: UPSTREAM_SOCKETS, maxFreeSockets: 16 };
    this.agent =
      this.upstream.protocol === 'https:' ? new https.Agent({ ...agentOptions, rejectUnauthorized: false }) : new http.Agent(agentOptions);
  }

  static async start(target: { url: string }, options: ServerOptions = {}): Promise<FaultProxy> {
    const proxy = new FaultProxy(target);
    proxy.server = await LoopbackServer.listen((req, res) => proxy.handle(req, res), options);
    return proxy;
  }

  /** e.g. http://127.0.0.1:PORT */
  get url(): string {
    return this.server.url;
  }

  /** e.g. 127.0.0.1:PORT */
  get host(): string {
    return this.server.host;
  }

  /** Client connections still open to the proxy. */
  get openConnections(): number {
    return this.server.openConnections;
  }

  /** Adds a rule after the existing ones; the first matching rule with uses left applies. */
  add(rule: FaultRule): this {
    validateFault(rule.fault);
    this.rules.push({ rule, remaining: rule.times ?? Infinity });
    return this;
  }

  /** Removes every rule (the request log stays). */
  clear(): void {
    this.rules.length = 0;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** How many logged requests had this method and a path (with query) matching `path`. */
  count(method: string, path: RegExp): number {
    return countMatching(this.requests, method, path);
  }

  /** Closes the server, every client and upstream connection and pending delay; never waits for a client. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [timer, wake] of this.delays) {
      clearTimeout(timer);
      wake();
    }
    this.delays.clear();
    for (const request of this.upstreamRequests) request.destroy();
    this.agent.destroy();
    await this.server.stop();
  }

  private takeFault(method: string, path: string): Fault | undefined {
    for (const active of this.rules) {
      const { rule } = active;
      if (active.remaining <= 0) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (!testPath(rule.path, path)) continue;
      active.remaining--;
      return rule.fault;
    }
    return undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const seen = recordArrival(this.requests, req);
    const fault = this.takeFault(seen.method, seen.path) ?? this.choose?.(seen);
    if (fault) seen.fault = fault.kind;
    // A broken client connection is an expected outcome here, never a crash of the test process.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    this.apply(fault, req, res, seen).catch((err: Error) => this.failBeforeOrDuringAnswer(res, seen, err));
  }

  private async apply(fault: Fault | undefined, req: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest): Promise<void> {
    switch (fault?.kind) {
      case 'delay':
        await this.sleep(fault.ms);
        // Nobody to answer any more: the proxy stopped or the client hung up while waiting.
        if (this.stopped || !res.socket || res.socket.destroyed) return;
        return this.forward(req, res, seen, undefined);
      case 'status': {
        req.resume();
        const body = fault.body ?? errorBody('FAULT_INJECTED', `fault proxy: status ${fault.status}`);
        const type = fault.body === undefined ? { 'content-type': 'application/json' } : {};
        return this.answer(res, seen, fault.status, { ...type, ...fault.headers, 'content-length': String(Buffer.byteLength(body)) }, body);
      }
      case 'redirect':
        req.resume();
        return this.answer(res, seen, fault.status ?? 307, { location: fault.location, 'content-length': '0' }, '');
      case 'answer':
        req.resume();
        seen.status = fault.answer.status ?? 200;
        return sendHostileAnswer(req, res, fault.answer);
      case 'page-tags':
        req.resume();
        return this.serveTagPage(req, res, seen, fault.pageSize);
      default:
        return this.forward(req, res, seen, fault);
    }
  }

  private answer(
    res: http.ServerResponse,
    seen: SeenRequest,
    status: number,
    headers: http.OutgoingHttpHeaders,
    body: string | Buffer,
  ): void {
    seen.status = status;
    res.writeHead(status, headers).end(body);
  }

  /** Upstream unreachable or the handler failed: a 502 if nothing was sent yet, else cut the connection. */
  private failBeforeOrDuringAnswer(res: http.ServerResponse, seen: SeenRequest, err: Error): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const body = errorBody('FAULT_PROXY_UPSTREAM', `fault proxy: ${this.upstream.origin}: ${err.message}`);
    this.answer(res, seen, 502, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.delays.delete(timer);
        resolve();
      }, ms);
      this.delays.set(timer, resolve);
    });
  }

  private openUpstream(method: string, path: string, headers: http.OutgoingHttpHeaders): http.ClientRequest {
    const options: http.RequestOptions = {
      protocol: this.upstream.protocol,
      // URL keeps an IPv6 address in brackets; the socket wants it bare.
      hostname: this.upstream.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: this.upstream.port,
      method,
      path,
      headers,
      agent: this.agent,
    };
    const request = this.upstream.protocol === 'https:' ? https.request(options) : http.request(options);
    this.upstreamRequests.add(request);
    request.once('close', () => this.upstreamRequests.delete(request));
    return request;
  }

  /**
   * The proxy's origin as the client named it (its Host header), so the registry's own URLs come
   * back under the name the client used: `https://registry.test` through a resolve rule, not 127.0.0.1.
   */
  private originAsAddressed(seen: SeenRequest): string {
    const host = seen.headers.host;
    if (host === undefined || !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host)) return this.url;
    return `${new URL(this.url).protocol}//${host}`;
  }

  /** Streams the request to the registry and its response back, applying header and body faults. */
  private forward(req: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest, fault: Fault | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const upstreamRequest = this.openUpstream(seen.method, seen.path, forwardedHeaders(req, this.upstream.host));
      let upstreamResponse: http.IncomingMessage | undefined;
      upstreamRequest.on('error', reject);
      upstreamRequest.on('response', (response) => {
        upstreamResponse = response;
        response.on('error', () => res.destroy());
        this.relayResponse(response, res, seen, fault);
        resolve();
      });
      // The client went away (or was dropped) before the registry finished: stop the registry side too.
      res.once('close', () => {
        if (!upstreamResponse?.complete) upstreamRequest.destroy();
      });
      req.pipe(upstreamRequest);
    });
  }

  private relayResponse(upstream: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest, fault: Fault | undefined): void {
    const headers = relayedHeaders(upstream, this.upstream.origin, this.originAsAddressed(seen));
    if (fault?.kind === 'wrong-digest-header') {
      headers['docker-content-digest'] = fault.digest ?? someOtherDigest(headerText(headers['docker-content-digest']));
    }
    const link = headerText(headers.link);
    if (fault?.kind === 'link-to' && link !== undefined) {
      const origin = new URL(fault.origin).origin;
      headers.link = mapLinkUrls(link, (url) => moveToOrigin(url, this.url + seen.path, origin));
    }
    if (fault?.kind === 'late-end') delete headers['content-length'];
    if (fault?.kind === 'lose-answer') {
      // Read the registry's answer to its end (so it has finished the request), then hang up unanswered.
      upstream.resume();
      upstream.once('end', () => res.socket?.destroy());
      return;
    }
    const status = upstream.statusCode ?? 502;
    seen.status = status;
    res.writeHead(status, headers);
    switch (fault?.kind) {
      case 'drop':
        return relayPrefix(upstream, res, fault.afterBytes, () => dropConnection(res));
      case 'stall':
        // Keep the client connection open and silent; stop() or the client ends it.
        return relayPrefix(upstream, res, fault.afterBytes, () => undefined);
      case 'late-end':
        upstream.pipe(res, { end: false });
        upstream.once('end', () => void this.sleep(fault.ms).then(() => res.end()));
        return;
      case 'tamper': {
        const length = Number(headers['content-length']);
        const offset = fault.offset ?? (Number.isFinite(length) && length > 0 ? Math.floor(length / 2) : 0);
        upstream.pipe(new ByteFlipper(offset)).pipe(res);
        return;
      }
      default:
        upstream.pipe(res);
    }
  }

  /** Serves one page of the registry's full tag list, paged by the client's n/last (see Fault 'page-tags'). */
  private async serveTagPage(req: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest, pageSize: number): Promise<void> {
    const asked = new URL(seen.path, this.upstream);
    const full = await this.fetchUpstream(asked.pathname, bodilessGetHeaders(req, this.upstream.host));
    const headers = relayedHeaders(full.response, this.upstream.origin, this.originAsAddressed(seen));
    delete headers['content-length'];
    if (full.response.statusCode !== 200) {
      // Challenges and errors go back as the registry sent them.
      return this.answer(res, seen, full.response.statusCode ?? 502, { ...headers, 'content-length': String(full.body.length) }, full.body);
    }
    const list = JSON.parse(full.body.toString('utf8')) as TagList;
    const last = asked.searchParams.get('last');
    const after = [...(list.tags ?? [])].sort(byteOrder).filter((tag) => last === null || tag > last);
    const size = Math.min(parsePageSize(asked.searchParams.get('n')) ?? pageSize, pageSize);
    const page = after.slice(0, size);
    const lastOnPage = page[page.length - 1];
    if (after.length > page.length && lastOnPage !== undefined) {
      // Relative, like Distribution's own catalog Link: the client resolves it against the request URL.
      headers.link = `<${asked.pathname}?n=${size}&last=${encodeURIComponent(lastOnPage)}>; rel="next"`;
    } else {
      delete headers.link;
    }
    const body = JSON.stringify({ name: list.name, tags: page });
    this.answer(
      res,
      seen,
      200,
      { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      body,
    );
  }

  /** A bodiless GET to the registry, its answer read into memory (bounded). */
  private fetchUpstream(path: string, headers: http.OutgoingHttpHeaders): Promise<{ response: http.IncomingMessage; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const request = this.openUpstream('GET', path, headers);
      request.on('error', reject);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_TAG_LIST_BYTES) request.destroy(new Error(`tag list larger than ${MAX_TAG_LIST_BYTES} bytes`));
          else chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => resolve({ response, body: concatBuffers(chunks) }));
      });
      request.end();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// A second origin

interface ServedBody {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * A plain origin for redirect targets: serves the bodies it was given (any method, by exact path
 * without query; 404 otherwise) and records every request with its headers, so tests can prove
 * what reached it (e.g. never an Authorization header). Request bodies are read and discarded.
 */
export class RecordingServer {
  /** Everything seen, in arrival order (the last 10,000). */
  readonly requests: SeenRequest[] = [];
  private readonly served = new Map<string, ServedBody>();

  // Set by start(), the only way to make one.
  private server!: LoopbackServer;

  private constructor() {}

  static async start(options: ServerOptions = {}): Promise<RecordingServer> {
    const instance = new RecordingServer();
    instance.server = await LoopbackServer.listen((req, res) => instance.handle(req, res), options);
    return instance;
  }

  get url(): string {
    return this.server.url;
  }

  get host(): string {
    return this.server.host;
  }

  serve(path: string, body: Buffer, headers: Record<string, string> = {}): void {
    this.served.set(path, { body, headers });
  }

  count(method: string, path: RegExp): number {
    return countMatching(this.requests, method, path);
  }

  /** Connections ever made to it, requests or not (a TLS handshake that failed counts too). */
  get acceptedConnections(): number {
    return this.server.acceptedConnections;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const seen = recordArrival(this.requests, req);
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    req.resume();
    const found = this.served.get(new URL(seen.path, 'http://127.0.0.1').pathname);
    const body = found?.body ?? Buffer.from(errorBody('NOT_FOUND', `recording server: nothing served at ${seen.path}`));
    seen.status = found ? 200 : 404;
    const headers = {
      'content-type': found ? 'application/octet-stream' : 'application/json',
      ...found?.headers,
      'content-length': String(body.length),
    };
    res.writeHead(seen.status, headers).end(body);
  }
}
