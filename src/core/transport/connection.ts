import { CoreError } from '../errors';
import { type ConnectionOptions, type HttpTransport, type HttpRequest, type HttpResponse } from './http';
import { RetryGate } from './retry-gate';

/** Where and how to reach one registry. */
export interface RegistryEndpoint {
  /** `host[:port]` as the registry is named: `registry.example.com`, `localhost:5000`, `[::1]:5000`. */
  host: string;
  /** `http` only when the user said so explicitly; otherwise `https`. */
  scheme: 'https' | 'http';
  /**
   * Docker's insecure-registry semantics: HTTPS without certificate verification first, then plain
   * HTTP if the server answers the handshake in plain HTTP.
   */
  insecure: boolean;
}

/** One request/response line for the log: never headers, never bodies, so never secrets. */
export interface RequestLogEntry {
  method: string;
  url: string;
  status?: number;
  durationMs: number;
  error?: string;
}

export type RequestLogger = (entry: RequestLogEntry) => void;

/** Why a request goes to another origin than the registry's own. */
export type ElsewherePurpose = 'redirect' | 'realm';

/**
 * How one registry endpoint's requests are connected, decided from configuration: its own origin
 * per scheme (the plain-HTTP fallback may dial elsewhere), and another origin it sends the client
 * to (a redirect target, an upload location, a token realm).
 */
export interface ConnectionPolicy {
  /** The options for this registry's own origin in a scheme (made on first use by the session). */
  own(scheme: 'https' | 'http'): Promise<ConnectionOptions>;
  elsewhere(url: URL, purpose: ElsewherePurpose): Promise<ConnectionOptions>;
}

/**
 * A registry's base URL and the scheme policy: an insecure host that answers TLS with plain HTTP is
 * switched to http and remembered; once HTTPS has worked for it, it is never downgraded. A secure
 * host is never downgraded and never sent unverified.
 */
export class RegistryConnection {
  /** The origin's Retry-After hold, shared by every request sent to it (see EndpointClient.send). */
  readonly gate: RetryGate;
  private scheme: 'https' | 'http';
  private httpsConfirmed = false;

  constructor(
    readonly endpoint: RegistryEndpoint,
    private readonly transport: HttpTransport,
    private readonly log: RequestLogger = () => undefined,
    /** Connection options for each request; default: the transport's defaults everywhere. */
    private readonly policy?: ConnectionPolicy,
    /** Shared by every connection to this host (see gate). */
    gate?: RetryGate,
  ) {
    this.scheme = endpoint.scheme;
    this.gate = gate ?? new RetryGate(endpoint.host);
  }

  /** The base URL currently in use, e.g. `http://127.0.0.1:5000`. */
  get origin(): string {
    return `${this.scheme}://${this.endpoint.host}`;
  }

  url(pathAndQuery: string): URL {
    return new URL(pathAndQuery, this.origin);
  }

  /** Sends to this registry's own origin, connected as configured for it. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    try {
      const res = await this.sendLogged(await this.withOwnOptions(req));
      if (req.url.protocol === 'https:') this.httpsConfirmed = true;
      return res;
    } catch (err) {
      if (!this.mayFallBack(req.url, err)) throw err;
      this.scheme = 'http';
      const url = new URL(req.url.href);
      url.protocol = 'http:';
      return this.sendLogged(await this.withOwnOptions({ ...req, url }));
    }
  }

  /**
   * Sends to another origin (a redirect target, an upload location, a token realm) with logging
   * and the connection options decided for that origin, but none of this host's scheme policy.
   */
  async sendElsewhere(req: HttpRequest, purpose: ElsewherePurpose = 'redirect'): Promise<HttpResponse> {
    const connection = this.policy ? await this.policy.elsewhere(req.url, purpose) : undefined;
    return this.sendLogged({ ...req, ...(connection ? { connection } : {}), elsewhere: true });
  }

  private async withOwnOptions(req: HttpRequest): Promise<HttpRequest> {
    if (!this.policy) return req;
    return { ...req, connection: await this.policy.own(req.url.protocol === 'http:' ? 'http' : 'https') };
  }

  private mayFallBack(url: URL, err: unknown): boolean {
    return (
      this.endpoint.insecure &&
      !this.httpsConfirmed &&
      url.protocol === 'https:' &&
      url.host === this.endpoint.host &&
      err instanceof CoreError &&
      err.code === 'TLS_PLAIN_HTTP'
    );
  }

  private async sendLogged(req: HttpRequest): Promise<HttpResponse> {
    const started = performance.now();
    const url = `${req.url.origin}${req.url.pathname}${req.url.search}`;
    try {
      const res = await this.transport.send(req);
      this.log({ method: req.method, url, status: res.status, durationMs: performance.now() - started });
      return res;
    } catch (err) {
      this.log({ method: req.method, url, durationMs: performance.now() - started, error: err instanceof CoreError ? err.code : 'ERROR' });
      throw err;
    }
  }
}
