// undici's index also loads fetch, WebSocket, EventSource, the mock agents and more, which a
// registry client never uses: the parts used are required one by one (types: undici-parts.d.ts).
import type { Dispatcher } from 'undici';
import type buildConnector from 'undici/lib/core/connect';
import type undiciErrors from 'undici/lib/core/errors';
import type * as undiciUtil from 'undici/lib/core/util';
import type Agent from 'undici/lib/dispatcher/agent';
import type DispatcherBase from 'undici/lib/dispatcher/dispatcher';
import type Pool from 'undici/lib/dispatcher/pool';
import type ProxyAgent from 'undici/lib/dispatcher/proxy-agent';
import type connectThroughDispatcher from 'undici/lib/api/api-connect';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ConnectionOptions, ProxyOptions } from './connection-options';
import { secureContextFor } from './tls-context';
import { DirectClient } from './direct-client';
import { abortReason } from './direct-connect';
import { headerNamed, MAX_INFORMATIONAL_ANSWERS } from './http1-head';
import { CoreError } from '../errors';
import { describeNetworkError, describeTimeout } from './network-errors';
import { describeForwardedAnswer, describeProxyFailure, markProxyConnectFailure } from './proxy-errors';
import { DEFAULT_BODY_TIME_LIMITS, ResponseBody, type BodyTimeLimits, type ResponseBodyContext } from './response-body';

/** One HTTP exchange as the client layer sees it; bodies stay streams until someone reads them. */
export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
  signal?: AbortSignal;
  /**
   * How to connect for this request (TLS policy, dial target, time limits), decided by the caller
   * from the configuration of the host being contacted; absent, the transport's defaults apply.
   */
  connection?: ConnectionOptions;
  /**
   * The origin is one the registry sent the client to (a redirect target, an upload location, a
   * token realm) rather than one of its own: its connections are kept among a few recently used
   * such origins, not for the whole session, as a registry may name a new origin every time.
   */
  elsewhere?: boolean;
}

export interface HttpResponse {
  status: number;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  /** Fails only with CoreErrors, never raises an unhandled error, and `dump()` never rejects (see ResponseBody). */
  body: Readable & { dump(): Promise<void> };
  /** How long reading the whole body may take when it is a small document (see readBodyLimited). */
  documentTimeoutMs?: number;
  /** Answered by an origin the registry sent the client to (the request's `elsewhere`), where none of its login goes. */
  elsewhere?: true;
}

export type { ConnectionOptions, ProxyOptions } from './connection-options';

/** The parts of undici the transport uses (see undici()). */
interface UndiciParts {
  Agent: typeof Agent;
  ProxyAgent: typeof ProxyAgent;
  Pool: typeof Pool;
  buildConnector: typeof buildConnector;
  errors: typeof undiciErrors;
  parseHeaders: typeof undiciUtil.parseHeaders;
}

let undiciParts: UndiciParts | undefined;

/**
 * undici, loaded on first use. Only requests through a proxy and stream uploads of unknown length
 * go through it, so a pull, a copy or a listing on direct connections never loads it: its modules
 * cost every start of the extension host, or of a process of the bench, 15-20 ms of CPU.
 */
function undici(): UndiciParts {
  if (!undiciParts) {
    /* eslint-disable @typescript-eslint/no-require-imports -- required on first use, see above */
    // undici's index gives every dispatcher its API methods; ProxyAgent opens its CONNECT tunnels
    // with one of them, so that one is given here as the index would.
    const dispatcherBase = require('undici/lib/dispatcher/dispatcher') as typeof DispatcherBase;
    Object.assign(dispatcherBase.prototype, { connect: require('undici/lib/api/api-connect') as typeof connectThroughDispatcher });
    undiciParts = {
      Agent: require('undici/lib/dispatcher/agent') as UndiciParts['Agent'],
      ProxyAgent: require('undici/lib/dispatcher/proxy-agent') as UndiciParts['ProxyAgent'],
      Pool: require('undici/lib/dispatcher/pool') as UndiciParts['Pool'],
      buildConnector: require('undici/lib/core/connect') as UndiciParts['buildConnector'],
      errors: require('undici/lib/core/errors') as UndiciParts['errors'],
      parseHeaders: (require('undici/lib/core/util') as typeof undiciUtil).parseHeaders,
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
  }
  return undiciParts;
}

/** What the core says it is when nobody says more (the extension adds its version and VS Code's). */
export const DEFAULT_USER_AGENT = 'oci-registry-explorer';

/** How many origins a registry sent the client to keep their dispatchers (see HttpRequest.elsewhere). */
export const MAX_ELSEWHERE_DISPATCHERS = 16;

/**
 * Sends requests on connections kept per origin and connection options (the whole value, not the
 * origin alone), so each request is connected with the TLS policy and dial target decided for it,
 * never with whatever the first request to that origin happened to use: on a direct connection
 * through the transport's own client (direct-client.ts), through a proxy with one undici
 * dispatcher per origin and options.
 */
export class HttpTransport {
  /** The registries' own origins (and vendor APIs): a few per session, kept until close(). */
  private readonly dispatchers = new Map<string, Dispatcher>();
  /**
   * Origins a registry sent the client to, least recently used first: without a bound, a registry
   * redirecting each request to a new origin (wildcard subdomains) would keep an Agent for each.
   */
  private readonly elsewhereDispatchers = new Map<string, Dispatcher>();
  /** Evicted dispatchers still finishing their requests (close() waits for them too). */
  private readonly closing = new Set<Promise<unknown>>();
  private readonly fingerprints = new WeakMap<ConnectionOptions, string>();
  private readonly perPair = new WeakMap<ConnectionOptions, ConnectionOptions[]>();
  /** Origin and options → the client certificate pair its server accepted (see ConnectionOptions.clientCertificates). */
  private readonly chosenPairs = new Map<string, number>();
  /**
   * Origin and options whose connections have answered at least once: a failure there is not a first
   * contact. Only origins with a dispatcher kept are here (see evictLeastRecent).
   */
  private readonly answered = new Set<string>();
  private readonly direct: DirectClient;

  constructor(
    /** Options for a request that carries none. */
    private readonly defaults: (url: URL) => ConnectionOptions = () => ({}),
    /** Registries log it and some rate-limit or block requests without one. */
    private readonly userAgent: string = DEFAULT_USER_AGENT,
    /** How long a registry may take over a response body, once its headers arrived. */
    private readonly bodyLimits: BodyTimeLimits = DEFAULT_BODY_TIME_LIMITS,
  ) {
    this.direct = new DirectClient(bodyLimits, MAX_ELSEWHERE_DISPATCHERS, (key) => this.answered.delete(key));
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const options = req.connection ?? this.defaults(req.url);
    const pairs = options.clientCertificates ?? [];
    if (pairs.length <= 1) return this.sendWith(req, options);
    const key = `${req.url.origin}\n${this.fingerprint(options)}`;
    const each = this.onePairEach(options);
    const chosen = this.chosenPairs.get(key);
    if (chosen !== undefined) return this.sendWith(req, each[chosen]!);
    // A body that is a stream cannot be sent twice: it goes with the first pair only.
    const replayable = req.body === undefined || typeof req.body === 'string' || Buffer.isBuffer(req.body);
    for (let index = 0; ; index++) {
      try {
        const res = await this.sendWith(req, each[index]!);
        this.chosenPairs.set(key, index);
        return res;
      } catch (err) {
        const last = index === each.length - 1;
        if (!replayable || req.signal?.aborted || !mayBeClientCertificateRefusal(err)) throw err;
        if (last) throw everyPairRefused(err as CoreError, req.url, each.length);
      }
    }
  }

  /** The options once per client certificate pair, each offering that pair alone (memoised so they share connections). */
  private onePairEach(options: ConnectionOptions): ConnectionOptions[] {
    let each = this.perPair.get(options);
    if (!each) {
      each = (options.clientCertificates ?? []).map((pair) => ({ ...options, clientCertificates: [pair] }));
      this.perPair.set(options, each);
    }
    return each;
  }

  private async sendWith(req: HttpRequest, options: ConnectionOptions): Promise<HttpResponse> {
    const key = `${req.url.origin}\n${this.fingerprint(options)}`;
    // Without a proxy, requests go on the transport's own client (see direct-client.ts); through one, on undici.
    if (!options.proxy && hasKnownLength(req)) return this.sendDirect(req, options, key);
    let dispatcher: Dispatcher;
    try {
      dispatcher = this.dispatcherFor(key, options, req.elsewhere === true);
    } catch (err) {
      throw unusableTlsFiles(err, req.url);
    }
    try {
      const res = await dispatchRequest(
        dispatcher,
        {
          origin: req.url.origin,
          path: `${req.url.pathname}${req.url.search}`,
          method: req.method,
          headers: { 'user-agent': this.userAgent, ...req.headers },
          body: req.body,
          // Silence between body chunks; undici does not count it while the reader holds the body back.
          bodyTimeout: this.bodyLimits.idleMs,
          // undici closes the connection after every HEAD unless told otherwise (for servers that wrongly
          // send a body); registries answer HEAD properly, and a copy sends one HEAD per blob.
          ...(req.method === 'HEAD' ? { reset: false } : {}),
        },
        req.signal,
        options.headersTimeoutMs ?? 30_000,
        (headers) => {
          const announced = Number(headers['content-length']);
          return {
            url: req.url,
            signal: req.signal,
            limits: this.bodyLimits,
            // A HEAD's Content-Length is the length of a GET's body; its own body is empty.
            ...(req.method !== 'HEAD' && Number.isSafeInteger(announced) && announced >= 0 ? { announcedLength: announced } : {}),
          };
        },
      );
      this.answered.add(key);
      const proxy = options.proxy;
      // A forwarded request's answer may be the proxy's own error page rather than the host's.
      if (proxy && req.url.protocol === 'http:' && !proxy.tunnel) {
        const proxyAnswer = describeForwardedAnswer(res.statusCode, res.headers, req.url, proxy);
        if (proxyAnswer) {
          await res.body.dump();
          throw proxyAnswer;
        }
      }
      const body = res.body;
      return {
        status: res.statusCode,
        url: req.url,
        headers: res.headers,
        body,
        documentTimeoutMs: this.bodyLimits.documentMs,
        ...(req.elsewhere ? { elsewhere: true as const } : {}),
      };
    } catch (err) {
      throw this.describeFailure(err, req, options, key);
    }
  }

  /** A request's failure before its answer, in words: a cancel, the proxy's, a timeout, the network's. */
  private describeFailure(err: unknown, req: HttpRequest, options: ConnectionOptions, key: string): CoreError {
    if (err instanceof CoreError) return err;
    if (req.signal?.aborted) return new CoreError('CANCELLED', 'The operation was cancelled.', { cause: err });
    const proxied = options.proxy ? describeProxyFailure(err, req.url, options.proxy) : undefined;
    if (proxied) return proxied;
    // An error of undici's comes only from a request that loaded it.
    const undiciErrors = undiciParts?.errors;
    if (undiciErrors && (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.ConnectTimeoutError))
      return describeTimeout(req.url, err);
    return describeNetworkError(err, req.url, {
      trust: options.roots?.summary,
      configuredCa: (options.ca?.length ?? 0) > 0,
      clientCertificates: options.clientCertificates?.length ?? 0,
      firstContact: !this.answered.has(key),
    });
  }

  /** A request on the direct path: the same connection options, errors and answer as through undici. */
  private async sendDirect(req: HttpRequest, options: ConnectionOptions, key: string): Promise<HttpResponse> {
    try {
      // An unusable CA or client certificate is said as on the undici path, before any connection.
      secureContextOrError(options, req.url);
      const res = await this.direct.send({
        method: req.method,
        url: req.url,
        headers: { 'user-agent': this.userAgent, ...lengthHeader(req), ...req.headers },
        ...(req.body !== undefined ? { body: req.body } : {}),
        options,
        key,
        elsewhere: req.elsewhere === true,
        ...(req.signal ? { signal: req.signal } : {}),
      });
      this.answered.add(key);
      return {
        status: res.status,
        url: req.url,
        headers: res.headers,
        body: res.body,
        documentTimeoutMs: this.bodyLimits.documentMs,
        ...(req.elsewhere ? { elsewhere: true as const } : {}),
      };
    } catch (err) {
      throw this.describeFailure(err, req, options, key);
    }
  }

  async close(): Promise<void> {
    this.direct.close();
    const all = [...this.dispatchers.values(), ...this.elsewhereDispatchers.values()];
    this.dispatchers.clear();
    this.elsewhereDispatchers.clear();
    this.answered.clear();
    await Promise.all([...all.map((d) => d.close().catch(() => undefined)), ...this.closing]);
  }

  /** The dispatcher for `key` (origin and options' fingerprint), made on first use. */
  private dispatcherFor(key: string, options: ConnectionOptions, elsewhere: boolean): Dispatcher {
    const own = this.dispatchers.get(key);
    if (own) return own;
    const kept = this.elsewhereDispatchers.get(key);
    const dispatcher = kept ?? this.newDispatcher(options);
    // Used again, it becomes the most recent; asked for as the registry's own, it is kept from now on.
    this.elsewhereDispatchers.delete(key);
    (elsewhere ? this.elsewhereDispatchers : this.dispatchers).set(key, dispatcher);
    if (this.elsewhereDispatchers.size > MAX_ELSEWHERE_DISPATCHERS) this.evictLeastRecent();
    return dispatcher;
  }

  private newDispatcher(options: ConnectionOptions): Dispatcher {
    const { Agent, buildConnector } = undici();
    const connectTo = options.connectTo;
    const baseConnect = buildConnector({
      rejectUnauthorized: !options.skipVerify,
      secureContext: secureContextFor(options),
      timeout: options.connectTimeoutMs ?? 30_000,
    });
    // A resolve rule moves only the TCP target: `host` (and so the TLS server name and the
    // certificate check) stays the registry's name.
    const connect: buildConnector.connector = connectTo
      ? (opts, callback) => baseConnect({ ...opts, hostname: connectTo.address, port: String(connectTo.port) }, callback)
      : baseConnect;
    const headersTimeout = options.headersTimeoutMs ?? 30_000;
    return options.proxy
      ? proxyAgent(options, options.proxy, headersTimeout)
      : new Agent({ connect, headersTimeout, bodyTimeout: 300_000 });
  }

  /**
   * Forgets the least recently used dispatcher of another origin. undici's close() lets the
   * requests already on it finish (a body being read included) and then closes its connections;
   * it takes no new ones, and a later request to that origin gets a new dispatcher.
   */
  private evictLeastRecent(): void {
    const [key, evicted] = this.elsewhereDispatchers.entries().next().value!;
    this.elsewhereDispatchers.delete(key);
    // Its connections go with it, so the next contact there is a first one again; and the set of
    // answered origins stays as bounded as the pools.
    this.answered.delete(key);
    const closed = evicted.close().catch(() => undefined);
    this.closing.add(closed);
    void closed.then(() => this.closing.delete(closed));
  }

  /** A digest of every field of the options (PEM text included), so equal policies share connections. */
  private fingerprint(options: ConnectionOptions): string {
    let print = this.fingerprints.get(options);
    if (print === undefined) {
      const fields = [
        options.skipVerify === true,
        options.ca ?? [],
        options.roots?.id ?? null,
        (options.clientCertificates ?? []).map((pair) => [pair.cert, pair.key]),
        options.connectTo ? [options.connectTo.address, options.connectTo.port] : null,
        options.connectTimeoutMs ?? null,
        options.headersTimeoutMs ?? null,
        options.proxy
          ? [
              options.proxy.url,
              options.proxy.authorization ?? null,
              options.proxy.verify,
              options.proxy.tunnel,
              options.proxy.roots?.id ?? null,
            ]
          : null,
      ];
      print = createHash('sha256').update(JSON.stringify(fields)).digest('hex');
      this.fingerprints.set(options, print);
    }
    return print;
  }
}

/** Whether the request's body length is known before sending it (none, a string or Buffer, or a stream with its Content-Length given). */
function hasKnownLength(req: HttpRequest): boolean {
  return !isStreamBody(req.body) || contentLengthOf(req) !== undefined;
}

/** The Content-Length the caller gave. */
function contentLengthOf(req: HttpRequest): string | undefined {
  return headerNamed(req.headers, 'content-length');
}

/** The Content-Length of a string or Buffer body the caller did not give one for. */
function lengthHeader(req: HttpRequest): Record<string, string> {
  if (req.body === undefined || isStreamBody(req.body) || contentLengthOf(req) !== undefined) return {};
  return { 'content-length': String(Buffer.byteLength(req.body)) };
}

/** The CA or client certificate configured for a host, which cannot be loaded, in words. */
function unusableTlsFiles(err: unknown, url: URL): CoreError {
  return new CoreError(
    'TLS_FILE_UNREADABLE',
    `The CA or client certificate configured for ${url.host} cannot be used (${(err as Error).message}): fix the files its hosts.toml or certs.d folder names.`,
    { cause: err },
  );
}

/** Builds (and caches) the TLS context of a request's options, or says why it cannot be (whatever the scheme, as undici's dispatchers do). */
function secureContextOrError(options: ConnectionOptions, url: URL): void {
  try {
    secureContextFor(options);
  } catch (err) {
    throw unusableTlsFiles(err, url);
  }
}

/**
 * Whether a failure may be the server refusing the client certificate offered: a TLS alert that says
 * so, or (TLS 1.3, where the alert comes after the client's side of the handshake) the connection
 * closed before any answer.
 */
function mayBeClientCertificateRefusal(err: unknown): boolean {
  return err instanceof CoreError && (err.code === 'TLS_CLIENT_CERT_REFUSED' || err.code === 'CONNECTION_RESET');
}

/** The failure after the last pair: what happened, and that every configured pair was offered. */
function everyPairRefused(err: CoreError, url: URL, pairs: number): CoreError {
  if (err.code === 'TLS_CLIENT_CERT_REFUSED') return err;
  return new CoreError(
    err.code,
    `${url.host} closed the connection before answering with each of the ${pairs} client certificates configured for it: it may accept none of them. Check the client certificates and keys in its hosts.toml \`client\` or its certs.d folder, and that its operator trusts their CA.`,
    { cause: err },
  );
}

/**
 * undici's ProxyAgent for one proxy: HTTPS through a CONNECT tunnel with the registry's TLS policy
 * inside it; plain HTTP forwarded, or tunnelled too when `tunnel` says so. The proxy's own
 * certificate, when it speaks https, is checked against the session's roots (Node's, the system's,
 * NODE_EXTRA_CA_CERTS: where a company installs the CA of its proxy) unless the user said not to.
 */
function proxyAgent(options: ConnectionOptions, proxy: ProxyOptions, headersTimeout: number): Dispatcher {
  const { ProxyAgent, Pool } = undici();
  const timeout = options.connectTimeoutMs ?? 30_000;
  return new ProxyAgent({
    uri: proxy.url,
    ...(proxy.authorization !== undefined ? { token: proxy.authorization } : {}),
    proxyTunnel: proxy.tunnel,
    proxyTls: {
      rejectUnauthorized: proxy.verify,
      timeout,
      ...(proxy.roots ? { secureContext: secureContextFor({ roots: proxy.roots }) } : {}),
    },
    // The proxy's own connection (its TCP connect and, for an https proxy, its TLS handshake) marks
    // what fails there, so a certificate the proxy presents is never blamed on the registry.
    clientFactory: (origin: URL, opts: object) => {
      const { connect } = opts as { connect: buildConnector.connector };
      return new Pool(origin, {
        ...opts,
        connect: (connectOptions, callback) =>
          connect(connectOptions, (err, socket) => (err ? callback(markProxyConnectFailure(err), null) : callback(null, socket!))),
      });
    },
    requestTls: { rejectUnauthorized: !options.skipVerify, secureContext: secureContextFor(options), timeout },
    headersTimeout,
    bodyTimeout: 300_000,
  });
}

interface DispatchedResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: ResponseBody;
}

/**
 * Sends one request through `dispatcher` and resolves with its status, headers and a ResponseBody
 * that undici's parser pushes into directly (undici's own `request` would put a stream of its own
 * in between, one more hop for every chunk of every blob). Rejects with undici's error when the
 * request fails before its headers; a failure after them fails the body instead.
 */
function dispatchRequest(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: AbortSignal | undefined,
  headersTimeoutMs: number,
  bodyContext: (headers: Record<string, string | string[] | undefined>) => ResponseBodyContext,
): Promise<DispatchedResponse> {
  return new Promise<DispatchedResponse>((resolve, reject) => {
    const handler = new ResponseHandler(resolve, reject, signal, headersTimeoutMs, bodyContext);
    // A request body that fails is the request's failure (undici listens too, once it writes it).
    if (isStreamBody(options.body)) options.body.on('error', (err: unknown) => handler.onError(err));
    try {
      dispatcher.dispatch(options, handler);
    } catch (err) {
      handler.onError(err);
    }
  });
}

/** A request body is a string, a Buffer or a stream (HttpRequest.body). */
function isStreamBody(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body);
}

/** undici's handler callbacks for one request, settling its promise and then feeding its body. */
class ResponseHandler implements Dispatcher.DispatchHandlers {
  private abortRequest: ((reason?: Error) => void) | undefined;
  private body: ResponseBody | undefined;
  private settled = false;
  private failed = false;
  private readonly removeAbortListener: () => void;
  /** Informational answers so far, and the deadline for the real one that the first of them starts. */
  private informational = 0;
  private finalAnswerDeadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly resolve: (res: DispatchedResponse) => void,
    private readonly reject: (err: unknown) => void,
    private readonly signal: AbortSignal | undefined,
    private readonly headersTimeoutMs: number,
    private readonly bodyContext: (headers: Record<string, string | string[] | undefined>) => ResponseBodyContext,
  ) {
    const onAbort = (): void => this.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.removeAbortListener = () => signal?.removeEventListener('abort', onAbort);
  }

  /**
   * The signal fired: before the headers the request is aborted, after them the body fails. While
   * its connection is still being made undici has not handed over `abort` yet: the caller is answered
   * now, and `onConnect` aborts the request once it gets one (else a cancel waited for the connect
   * time limit, 30 s by default, on a host that never completes its handshake).
   */
  private cancel(): void {
    const reason = abortReason(this.signal);
    if (this.body) this.body.fail(reason);
    else if (this.abortRequest) this.abortRequest(reason);
    else this.onError(reason);
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abortRequest = abort;
    if (this.signal?.aborted) abort(abortReason(this.signal));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[] | null, resume: () => void): boolean {
    // 1xx answers (100 Continue, 103 Early Hints) come before the real one. undici restarts its
    // headers timer at each, so a registry sending them without end would hold the request forever:
    // the real answer must come within the headers time limit of the first, and after a few of them.
    if (statusCode < 200) {
      this.informational++;
      if (this.informational > MAX_INFORMATIONAL_ANSWERS) this.abortRequest?.(new (undici().errors.HeadersTimeoutError)());
      else if (this.informational === 1) {
        this.finalAnswerDeadline = setTimeout(
          () => this.abortRequest?.(new (undici().errors.HeadersTimeoutError)()),
          this.headersTimeoutMs,
        );
        this.finalAnswerDeadline.unref();
      }
      return true;
    }
    clearTimeout(this.finalAnswerDeadline);
    const headers = undici().parseHeaders(rawHeaders ?? []) as Record<string, string | string[] | undefined>;
    const abort = this.abortRequest;
    this.body = new ResponseBody(this.bodyContext(headers), { resume, abort: () => abort?.() });
    // The body's reader ends it: the signal is no longer this request's business once the body is done.
    this.body.once('close', this.removeAbortListener);
    this.settled = true;
    this.resolve({ statusCode, headers, body: this.body });
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.body ? this.body.receive(chunk) : true;
  }

  onComplete(): void {
    this.body?.complete();
  }

  onError(err: unknown): void {
    clearTimeout(this.finalAnswerDeadline);
    if (this.failed) return;
    this.failed = true;
    if (!this.settled) {
      this.settled = true;
      this.removeAbortListener();
      this.reject(err);
    } else {
      this.body?.fail(err);
    }
  }
}
