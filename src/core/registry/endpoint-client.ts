import type { Readable } from 'node:stream';
import type { Authorizer, ChallengeInfo } from '../auth/authorizer';
import { CoreError, isTemporary, isTemporaryStatus } from '../errors';
import type { PlannedEndpoint } from '../hosts/plan';
import type { RegistryConnection } from '../transport/connection';
import type { HttpRequest, HttpResponse } from '../transport/http';
import { isRedirect, redirectTarget, redirectTlsError, sameHost } from '../transport/redirect';
import { requireRegistryUrl } from '../transport/url-policy';
import { DEFAULT_RETRY_POLICY, originHoldMs, retryDelayMs, sleep, type RetryPolicy } from '../transport/retry';

/** One request to a registry endpoint, relative to its API root (`/v2` unless override_path). */
export interface EndpointRequest {
  method: HttpRequest['method'];
  /** Path under the API root, e.g. `/` or `/library/alpine/tags/list`; or an absolute URL on this endpoint (a Link or upload Location). */
  path: string | URL;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  /** A body that can be sent again (a factory for streams), so auth challenges and retries can replay it. */
  body?: string | Buffer | (() => Readable);
  /** Token scopes the request needs (see scopesFor). */
  scopes: readonly string[];
  signal?: AbortSignal;
  /** Retry 408/429/5xx and dropped connections here; false on a mirror, whose failure moves to the next endpoint. */
  retry?: boolean;
}

/** How many times one request may answer a 401 with new authorization (a re-scope can take two). */
const MAX_AUTH_ROUNDS = 2;

/**
 * Talks to one planned endpoint: its API root and `ns` parameter, its configured headers, its own
 * credentials (never another host's), retries with backoff, and redirects followed by hand so
 * Authorization never leaves this host and https never becomes http.
 */
export class EndpointClient {
  constructor(
    readonly endpoint: PlannedEndpoint,
    private readonly connection: RegistryConnection,
    private readonly authorizer: Authorizer,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
    /** Sees every answer's headers before the caller does (the session notes the pull rate limit a registry reports). */
    private readonly observe?: (res: HttpResponse) => void,
  ) {}

  get host(): string {
    return this.endpoint.host;
  }

  /** What requests to this endpoint carry (its login, tokens, configured headers): never to be quoted back. */
  get secrets(): Iterable<string> {
    return this.authorizer.secrets;
  }

  /** What this host last asked for (Basic, or Bearer with its realm); undefined before any challenge. */
  get challenge(): ChallengeInfo | undefined {
    return this.authorizer.lastChallenge;
  }

  /** The base URL in use now (the scheme may have fallen back to http for an insecure host). */
  get origin(): string {
    return this.connection.origin;
  }

  /** The full URL of a path under this endpoint's API root, with `ns` when this is not the registry itself. */
  url(path: string | URL, query: Record<string, string | undefined> = {}): URL {
    const url = path instanceof URL ? new URL(path.href) : this.connection.url(`${this.endpoint.pathPrefix}${path}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    if (this.endpoint.ns && url.host === this.endpoint.host && !url.searchParams.has('ns')) url.searchParams.set('ns', this.endpoint.ns);
    return url;
  }

  /** When this endpoint asked every request to wait until; undefined when it may be contacted now. */
  get retryAt(): Date | undefined {
    return this.connection.gate.retryAt;
  }

  /**
   * Sends a request, retrying 408/429/5xx and dropped connections with backoff when allowed. A
   * Retry-After (or a 429) holds back every request to this origin, not just this one: they all
   * wait at the connection's gate, and a hold longer than the policy's cap fails at once with
   * RETRY_LATER (see RetryGate.wait).
   * @throws RetryLaterError, CoreError CANCELLED, and the transport's and authorizer's errors
   */
  async send(req: EndpointRequest): Promise<HttpResponse> {
    const maxAttempts = req.retry === false ? 1 : this.retryPolicy.maxAttempts;
    const gate = this.connection.gate;
    for (let attempt = 1; ; attempt++) {
      await gate.wait(this.retryPolicy.maxDelayMs, req.signal);
      let res: HttpResponse;
      try {
        res = await this.sendAuthorized(req);
      } catch (err) {
        if (attempt < maxAttempts && isTemporary(err) && !req.signal?.aborted) {
          await sleep(retryDelayMs(attempt, undefined, this.retryPolicy), req.signal);
          continue;
        }
        throw err;
      }
      // Blob storage's own 503 speaks for the storage, not for this registry.
      const hold = sameHost(res.url, new URL(this.origin))
        ? originHoldMs(res.status, header(res, 'retry-after'), attempt, this.retryPolicy)
        : undefined;
      if (hold !== undefined) gate.hold(hold, res.status);
      this.observe?.(res);
      if (attempt < maxAttempts && isTemporaryStatus(res.status)) {
        await res.body.dump().catch(() => undefined);
        // With a hold, the gate at the top of the loop is this request's wait too.
        if (hold === undefined) await sleep(retryDelayMs(attempt, undefined, this.retryPolicy), req.signal);
        continue;
      }
      return res;
    }
  }

  /** Sends with this host's authorization, answering up to two challenges, then follows redirects. */
  private async sendAuthorized(req: EndpointRequest): Promise<HttpResponse> {
    const url = this.url(req.path, req.query);
    if (!sameHost(url, new URL(this.origin))) return this.sendToOtherHost(req, url);
    for (let round = 0; ; round++) {
      if (req.signal?.aborted) throw new CoreError('CANCELLED', 'The operation was cancelled.');
      const authorization = await this.authorizer.header(req.scopes, req.signal);
      const headers: Record<string, string> = { ...this.configuredHeaders(), ...req.headers };
      if (authorization) headers.authorization = authorization;
      const res = await this.connection.send({ method: req.method, url, headers, body: bodyOf(req.body), signal: req.signal });
      const refused = res.status === 401 || (res.status === 403 && /insufficient_scope/i.test(header(res, 'www-authenticate') ?? ''));
      if (refused && round < MAX_AUTH_ROUNDS && (await this.authorizer.challenged(res, req.scopes, authorization, req.signal))) {
        await res.body.dump().catch(() => undefined);
        continue;
      }
      return isRedirect(res.status) ? this.followRedirects(req, res) : res;
    }
  }

  /**
   * Blob downloads are redirected to storage: each hop is checked (no https→http, nothing to a
   * private address from a public one), and Authorization and configured headers go only to this
   * endpoint's own origin.
   */
  private async followRedirects(req: EndpointRequest, first: HttpResponse): Promise<HttpResponse> {
    let res = first;
    const home = first.url;
    for (let hop = 0; isRedirect(res.status); hop++) {
      const to = redirectTarget(res.url, header(res, 'location'), hop);
      await res.body.dump().catch(() => undefined);
      const method = res.status === 303 && req.method !== 'HEAD' ? 'GET' : req.method;
      const keepsBody = res.status === 307 || res.status === 308;
      if (sameHost(to, home)) {
        const authorization = await this.authorizer.header(req.scopes, req.signal);
        const headers: Record<string, string> = { ...this.configuredHeaders(), ...req.headers };
        if (authorization) headers.authorization = authorization;
        res = await this.connection.send({ method, url: to, headers, body: keepsBody ? bodyOf(req.body) : undefined, signal: req.signal });
      } else {
        const from = res.url;
        res = await this.connection
          .sendElsewhere({
            method,
            url: to,
            headers: { ...req.headers },
            body: keepsBody ? bodyOf(req.body) : undefined,
            signal: req.signal,
          })
          .catch((err: unknown) => {
            throw redirectTlsError(err, this.host, from, to);
          });
      }
    }
    return res;
  }

  /**
   * An upload Location on another host: no Authorization and no configured headers go there, and
   * the registry URL policy is applied again (whoever built the URL), so nothing reaches plain http
   * from https or a private address from a public registry.
   */
  private sendToOtherHost(req: EndpointRequest, url: URL): Promise<HttpResponse> {
    const checked = requireRegistryUrl(url.href, new URL(this.origin), 'upload-location', this.host, url.pathname);
    return this.connection.sendElsewhere({
      method: req.method,
      url: checked,
      headers: { ...req.headers },
      body: bodyOf(req.body),
      signal: req.signal,
    });
  }

  /** The sentence for a request this host still refuses after authorization: log in, wrong login, or not permitted. */
  refusal(res: Pick<HttpResponse, 'status' | 'headers'>, scopes: readonly string[]): Promise<CoreError> {
    return this.authorizer.refusal(res, scopes);
  }

  private configuredHeaders(): Record<string, string> {
    return { ...(this.endpoint as PlannedEndpoint & { headers?: Record<string, string> }).headers };
  }
}

function bodyOf(body: EndpointRequest['body']): HttpRequest['body'] {
  return typeof body === 'function' ? body() : body;
}

export function header(res: Pick<HttpResponse, 'headers'>, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
