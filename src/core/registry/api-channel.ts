/**
 * Requests to a vendor's web API (Docker Hub's, GitHub's, GitLab's, Quay's, Harbor's): the same
 * transport, connection options, logging and secrets as the registry's own requests, for a host
 * that is not a registry. The session decides how each origin is reached from configuration (its
 * resolve rule, its CA and client certificate from the host directories, the insecure settings),
 * as it does for a registry; this adds retries of temporary failures and redirects followed by
 * hand, so Authorization never leaves the origin that was asked.
 */
import { homedir } from 'node:os';
import { CoreError, isTemporary } from '../errors';
import type { KnownSecrets } from '../text/registry-text';
import type { HttpRequest, HttpResponse } from '../transport/http';
import { isRedirect, sameHost } from '../transport/redirect';
import { retryDelayMs, sleep, type RetryPolicy } from '../transport/retry';
import { judgeRegistryUrl } from '../transport/url-policy';
import { header } from './endpoint-client';

/** One request to a vendor's API. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  /** A JSON or form body; a string, so retries and redirects can send it again. */
  body?: string;
  signal?: AbortSignal;
  /**
   * `none`: a redirect is handed back as the answer, not followed (a probe of a registry's own
   * origin, which its answers must not steer to another host).
   */
  redirects?: 'follow' | 'none';
}

/** What the session gives a channel: how to send one request to an origin it reaches as configured. */
export interface ApiChannelSource {
  /** Sends one request with the connection options configured for its URL's host, and logs it. */
  send(req: HttpRequest): Promise<HttpResponse>;
  /** Everything the session sends that a message must never repeat (tokens the providers add here). */
  readonly secrets: KnownSecrets;
  readonly retry: RetryPolicy;
  /** The machine's environment and home folder, where providers find what the vendors' own tools set up (AWS profiles). */
  readonly local?: LocalSetup;
}

/** What a provider may read from the user's machine: the environment and the home folder the session was given. */
export interface LocalSetup {
  readonly env: Record<string, string | undefined>;
  readonly homedir: string;
  readonly platform: NodeJS.Platform;
}

/** Statuses a vendor API may answer on a bad moment, tried again after a pause (429 is the provider's to explain). */
const RETRIED_STATUS = new Set([408, 500, 502, 503, 504]);
const MAX_REDIRECTS = 5;

export class ApiChannel {
  constructor(private readonly source: ApiChannelSource) {}

  get secrets(): KnownSecrets {
    return this.source.secrets;
  }

  /** The session's environment and home folder (the process's when the session was given none). */
  get local(): LocalSetup {
    return this.source.local ?? { env: process.env, homedir: homedir(), platform: process.platform };
  }

  /**
   * Sends a request, retrying dropped connections and 5xx answers with backoff, and following
   * redirects that pass the URL policy: Authorization, the caller's headers and a request body go
   * only to the origin asked; a redirect elsewhere is followed without them, or refused when it
   * asks for the body again (307/308). The caller reads the body.
   */
  async send(req: ApiRequest): Promise<HttpResponse> {
    const policy = this.source.retry;
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.sendFollowing(req);
      } catch (err) {
        if (attempt < policy.maxAttempts && isTemporary(err) && !req.signal?.aborted) {
          await sleep(retryDelayMs(attempt, undefined, policy), req.signal);
          continue;
        }
        throw err;
      }
      if (attempt < policy.maxAttempts && RETRIED_STATUS.has(res.status)) {
        await res.body.dump().catch(() => undefined);
        await sleep(retryDelayMs(attempt, header(res, 'retry-after'), policy), req.signal);
        continue;
      }
      return res;
    }
  }

  private async sendFollowing(req: ApiRequest): Promise<HttpResponse> {
    const home = req.url;
    let res = await this.source.send({ method: req.method, url: req.url, headers: req.headers, body: req.body, signal: req.signal });
    if (req.redirects === 'none') return res;
    for (let hop = 0; isRedirect(res.status); hop++) {
      const location = header(res, 'location');
      await res.body.dump().catch(() => undefined);
      if (hop >= MAX_REDIRECTS)
        throw new CoreError(
          'TOO_MANY_REDIRECTS',
          `${home.host} redirected ${home.pathname} more than ${MAX_REDIRECTS} times; it is not followed further.`,
        );
      const verdict = location === undefined ? undefined : judgeRegistryUrl(location, res.url, 'redirect');
      if (!verdict?.allowed)
        throw new CoreError(
          'BAD_REDIRECT',
          `${home.host} redirected ${home.pathname} to a place this client does not follow (another protocol, plain http from https, or your own network); report this to the service's operator.`,
        );
      const to = verdict.url;
      const keepsBody = res.status === 307 || res.status === 308;
      const sameOrigin = sameHost(to, home);
      // A 307/308 asks for the body again, and a body here is a login (a password, a refresh
      // token): it goes to no origin but the one asked.
      if (keepsBody && req.body !== undefined && !sameOrigin)
        throw new CoreError(
          'BAD_REDIRECT',
          `${home.host} redirected ${home.pathname} to ${to.host}; the request's body, which may hold a login, was not sent there. Report this to the service's operator.`,
        );
      const method = keepsBody ? req.method : 'GET';
      const headers = sameOrigin ? req.headers : withoutAuthorization(req.headers);
      res = await this.source.send({ method, url: to, headers, body: keepsBody ? req.body : undefined, signal: req.signal });
    }
    return res;
  }
}

/** The caller's headers without what identifies it (Authorization and vendor token headers), for another origin. */
function withoutAuthorization(headers: Record<string, string> | undefined): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!/^(authorization|private-token|job-token|cookie)$/i.test(name)) kept[name] = value;
  }
  return kept;
}
