import { Agent, buildConnector, errors as undiciErrors, request as undiciRequest, type Dispatcher } from 'undici';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { CoreError } from '../errors';
import { describeNetworkError } from './network-errors';
import { DEFAULT_BODY_TIME_LIMITS, ResponseBody, type BodyTimeLimits } from './response-body';

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
}

export interface HttpResponse {
  status: number;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  /** Fails only with CoreErrors, never raises an unhandled error, and `dump()` never rejects (see ResponseBody). */
  body: Readable & { dump(): Promise<void> };
  /** How long reading the whole body may take when it is a small document (see readBodyLimited). */
  documentTimeoutMs?: number;
}

/**
 * How to reach a host: TLS policy, dial target and time limits. A value: two requests to one
 * origin with different options use different connections.
 */
export interface ConnectionOptions {
  /** Skip certificate verification (insecure registries only). */
  skipVerify?: boolean;
  /** Extra CA certificates (PEM) on top of the system roots. */
  ca?: string[];
  /** Client certificate and key (PEM) for mutual TLS. */
  clientCertificate?: { cert: string; key: string };
  /** TCP target other than the URL's host (resolve rules); Host and SNI keep the URL's name. */
  connectTo?: { address: string; port: number };
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
}

/** What the core says it is when nobody says more (the extension adds its version and VS Code's). */
export const DEFAULT_USER_AGENT = 'oci-registry-explorer';

/**
 * Sends requests through one undici dispatcher per origin and connection options (the whole
 * value, not the origin alone), so each request is connected with the TLS policy and dial target
 * decided for it, never with whatever the first request to that origin happened to use.
 */
export class HttpTransport {
  private readonly dispatchers = new Map<string, Dispatcher>();
  private readonly fingerprints = new WeakMap<ConnectionOptions, string>();

  constructor(
    /** Options for a request that carries none. */
    private readonly defaults: (url: URL) => ConnectionOptions = () => ({}),
    /** Registries log it and some rate-limit or block requests without one. */
    private readonly userAgent: string = DEFAULT_USER_AGENT,
    /** How long a registry may take over a response body, once its headers arrived. */
    private readonly bodyLimits: BodyTimeLimits = DEFAULT_BODY_TIME_LIMITS,
  ) {}

  async send(req: HttpRequest): Promise<HttpResponse> {
    const dispatcher = this.dispatcherFor(req.url, req.connection ?? this.defaults(req.url));
    try {
      const res = await undiciRequest(req.url, {
        method: req.method,
        headers: { 'user-agent': this.userAgent, ...req.headers },
        body: req.body,
        signal: req.signal,
        dispatcher,
        // Silence between body chunks; undici does not count it while the reader holds the body back.
        bodyTimeout: this.bodyLimits.idleMs,
        // undici closes the connection after every HEAD unless told otherwise (for servers that wrongly
        // send a body); registries answer HEAD properly, and a copy sends one HEAD per blob.
        ...(req.method === 'HEAD' ? { reset: false } : {}),
      });
      const announced = Number(res.headers['content-length']);
      const body = new ResponseBody(res.body, {
        url: req.url,
        signal: req.signal,
        limits: this.bodyLimits,
        // A HEAD's Content-Length is the length of a GET's body; its own body is empty.
        ...(req.method !== 'HEAD' && Number.isSafeInteger(announced) && announced >= 0 ? { announcedLength: announced } : {}),
      });
      return { status: res.statusCode, url: req.url, headers: res.headers, body, documentTimeoutMs: this.bodyLimits.documentMs };
    } catch (err) {
      if (req.signal?.aborted) throw new CoreError('CANCELLED', 'The operation was cancelled.', { cause: err });
      if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.ConnectTimeoutError) {
        throw new CoreError(
          'TIMEOUT',
          `${req.url.host} did not answer in time: check that it is up and reachable, or allow more time for requests.`,
          { cause: err, remedy: { kind: 'allow-more-time' } },
        );
      }
      throw describeNetworkError(err, req.url);
    }
  }

  async close(): Promise<void> {
    const all = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.all(all.map((d) => d.close().catch(() => undefined)));
  }

  private dispatcherFor(url: URL, options: ConnectionOptions): Dispatcher {
    const key = `${url.origin}\n${this.fingerprint(options)}`;
    let dispatcher = this.dispatchers.get(key);
    if (!dispatcher) {
      const connectTo = options.connectTo;
      const baseConnect = buildConnector({
        rejectUnauthorized: !options.skipVerify,
        // Node's `ca` replaces the system roots; a registry's own CA is added on top of them.
        ca: options.ca ? [...rootCertificates, ...options.ca] : undefined,
        cert: options.clientCertificate?.cert,
        key: options.clientCertificate?.key,
        timeout: options.connectTimeoutMs ?? 30_000,
      });
      // A resolve rule moves only the TCP target: `host` (and so the TLS server name and the
      // certificate check) stays the registry's name.
      const connect: buildConnector.connector = connectTo
        ? (opts, callback) => baseConnect({ ...opts, hostname: connectTo.address, port: String(connectTo.port) }, callback)
        : baseConnect;
      dispatcher = new Agent({ connect, headersTimeout: options.headersTimeoutMs ?? 30_000, bodyTimeout: 300_000 });
      this.dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  }

  /** A digest of every field of the options (PEM text included), so equal policies share connections. */
  private fingerprint(options: ConnectionOptions): string {
    let print = this.fingerprints.get(options);
    if (print === undefined) {
      const fields = [
        options.skipVerify === true,
        options.ca ?? [],
        options.clientCertificate ? [options.clientCertificate.cert, options.clientCertificate.key] : null,
        options.connectTo ? [options.connectTo.address, options.connectTo.port] : null,
        options.connectTimeoutMs ?? null,
        options.headersTimeoutMs ?? null,
      ];
      print = createHash('sha256').update(JSON.stringify(fields)).digest('hex');
      this.fingerprints.set(options, print);
    }
    return print;
  }
}
