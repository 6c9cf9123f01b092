import { parseChallenges, pickChallenge } from '../auth/challenge';
import { scopesFor } from '../auth/scope';
import { header, type EndpointClient, type EndpointRequest } from './endpoint-client';
import { CoreError } from '../errors';
import { nextPageUrl, sameOrigin } from '../transport/link';
import { readBodyLimited } from '../transport/read-body';
import type { EndpointPlan, Operation } from '../hosts/plan';
import { registryErrorFor } from './registry-errors';
import { Repository } from './repository';
import type { RegistrySession } from './session';
import type { HttpResponse } from '../transport/http';
import { requireRegistryUrl } from '../transport/url-policy';

/** What `GET /v2/` said about a registry: the extension shows it as the registry's state. */
export type PingResult =
  | { state: 'reachable'; origin: string; /** Where the credential that worked came from; absent when anonymous. */ credentialSource?: string }
  | { state: 'needs-login'; origin: string; scheme: string; realm?: string; /** Set when credentials were sent and refused. */ rejectedCredentialSource?: string }
  | { state: 'unreachable'; error: CoreError };

export interface ListOptions {
  /** Entries asked for per request (`n`); registries may send fewer. Capped at 1000. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Registries that do not offer `_catalog` answer with one of these (401 means: log in first). */
const NO_CATALOG_STATUS = new Set([403, 404, 405]);

/** The largest listing page read into memory (Distribution may send every tag in one page). */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;

/** One failed endpoint on the way to an answer, for the error a user sees when all fail. */
interface EndpointFailure {
  host: string;
  reason: string;
}

/**
 * One registry's Distribution API over its endpoint plan: each request goes to the plan's
 * endpoints in order (mirrors first); a 4xx, 5xx or connection failure on a mirror moves on to
 * the next, and only the last endpoint is retried. Operations (pull, push, copy) build on it.
 */
export class RegistryClient {
  constructor(
    readonly session: RegistrySession,
    /** The registry as references name it: `docker.io`, `ghcr.io`, `localhost:5000`. */
    readonly host: string,
  ) {}

  /** The endpoints an operation would use, in order, and why. */
  plan(operation: Operation): Promise<EndpointPlan> {
    return this.session.plan(this.host, operation);
  }

  /** One repository of this registry: manifests, blobs, uploads, tags, referrers, deletes. */
  repository(name: string): Repository {
    return new Repository(this, name);
  }

  /**
   * Sends a request through the plan for `operation`, returning the first response that is not a
   * mirror's failure. The caller reads or discards the body.
   */
  async request(operation: Operation, repository: string | undefined, req: Omit<EndpointRequest, 'retry'>): Promise<HttpResponse> {
    const endpoints = await this.endpointClients(operation, repository);
    const failures: EndpointFailure[] = [];
    for (const [index, endpoint] of endpoints.entries()) {
      const last = index === endpoints.length - 1;
      // A mirror that asked for a pause is skipped, not waited for: the next endpoint can answer now.
      const heldUntil = last ? undefined : endpoint.retryAt;
      if (heldUntil) {
        failures.push({ host: endpoint.host, reason: `asked to wait until ${heldUntil.toLocaleTimeString()}` });
        continue;
      }
      try {
        const res = await endpoint.send({ ...req, retry: last });
        if (last || res.status < 400) return res;
        failures.push({ host: endpoint.host, reason: `HTTP ${res.status}` });
        await res.body.dump().catch(() => undefined);
      } catch (err) {
        if (last || !(err instanceof CoreError) || err.code === 'CANCELLED') throw withFailures(err, failures);
        failures.push({ host: endpoint.host, reason: err.message });
      }
    }
    throw new CoreError('NO_ENDPOINT', `No endpoint of ${this.host} answered.`);
  }

  /** `GET /v2/` on the registry itself: reachable (with whose login), needs a login, or why not. */
  async ping(signal?: AbortSignal): Promise<PingResult> {
    let endpoint: EndpointClient | undefined;
    let res: HttpResponse;
    try {
      [endpoint] = (await this.endpointClients('list')) as [EndpointClient];
      res = await endpoint.send({ method: 'GET', path: '/', scopes: [], signal, retry: false });
    } catch (err) {
      // A token server that refuses the credentials (or anonymous access) answers for the registry:
      // it is up, and needs a (better) login.
      if (endpoint && err instanceof CoreError && (err.code === 'AUTH_FAILED' || err.code === 'NEEDS_LOGIN')) return this.needsLogin(endpoint);
      if (err instanceof CoreError && err.code !== 'CANCELLED') return { state: 'unreachable', error: err };
      throw err;
    }
    const text = await readText(res);
    const origin = endpoint.origin;
    const credential = await this.session.credential(endpoint.host).catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { state: 'reachable', origin, ...(credential ? { credentialSource: credential.source } : {}) };
    if (res.status === 401) {
      let scheme = 'unknown';
      let realm: string | undefined;
      try {
        const picked = pickChallenge(parseChallenges(header(res, 'www-authenticate') ?? ''));
        scheme = picked?.scheme ?? scheme;
        realm = picked?.scheme === 'bearer' ? picked.bearer.realm : picked?.realm;
      } catch {
        // A malformed challenge still means "log in"; its details are just not shown.
      }
      return { state: 'needs-login', origin, scheme, ...(realm ? { realm } : {}), ...(credential ? { rejectedCredentialSource: credential.source } : {}) };
    }
    return { state: 'unreachable', error: registryErrorFor(res.status, text, 'the API root /v2/', this.host, this.session.secrets) };
  }

  private async needsLogin(endpoint: EndpointClient): Promise<PingResult> {
    const credential = await this.session.credential(endpoint.host).catch(() => undefined);
    const challenge = endpoint.challenge;
    return {
      state: 'needs-login',
      origin: endpoint.origin,
      scheme: challenge?.scheme ?? 'bearer',
      ...(challenge?.realm ? { realm: challenge.realm } : {}),
      ...(credential ? { rejectedCredentialSource: credential.source } : {}),
    };
  }

  /**
   * Repository names from `_catalog`, a page at a time, following `Link` (same origin only).
   * A registry without a catalog throws `CoreError('CATALOG_UNSUPPORTED')` on the first page.
   */
  listRepositories(options: ListOptions = {}): AsyncGenerator<string[]> {
    return this.pages('/_catalog', undefined, scopesFor({ method: 'GET', catalog: true }), 'repositories', 'the catalog', options, (status, text) => {
      const code = registryErrorFor(status, text, 'the catalog', this.host, this.session.secrets).code;
      if (NO_CATALOG_STATUS.has(status) || code === 'UNSUPPORTED') {
        return new CoreError('CATALOG_UNSUPPORTED', `${this.host} does not list its repositories (HTTP ${status}): add the ones you use to the registry's "repositories" in registryExplorer.registries.`);
      }
      return undefined;
    });
  }

  /** Tags of a repository, a page at a time, following `Link` (same origin only). */
  listTags(repository: string, options: ListOptions = {}): AsyncGenerator<string[]> {
    return this.pages(`/${repository}/tags/list`, repository, scopesFor({ method: 'GET', repository }), 'tags', `repository ${repository}`, options);
  }

  /** Clients for the plan's endpoints of an operation, in order; refuses an empty plan with the reason. */
  async endpointClients(operation: Operation, repository?: string): Promise<EndpointClient[]> {
    const plan = await this.plan(operation);
    if (plan.endpoints.length === 0) {
      const why = plan.skipped.map((s) => `${s.host}: ${s.reason}`).join('; ');
      throw new CoreError('NO_ENDPOINT', `No endpoint of ${this.host} may be used to ${operation}${why ? ` (${why})` : ''}: check the capabilities in its hosts.toml.`);
    }
    return this.session.endpointClients(plan, repository);
  }

  private async *pages(
    path: string,
    repository: string | undefined,
    scopes: string[],
    field: 'repositories' | 'tags',
    what: string,
    options: ListOptions,
    explainFailure?: (status: number, text: string) => CoreError | undefined,
  ): AsyncGenerator<string[]> {
    const pageSize = Math.max(1, Math.min(1000, options.pageSize ?? 100));
    const [endpoint] = (await this.endpointClients('list', repository)) as [EndpointClient];
    let url: URL | undefined = endpoint.url(path, { n: String(pageSize) });
    const seen = new Set<string>();
    while (url) {
      if (seen.has(url.href)) throw new CoreError('PAGINATION_LOOP', `${this.host} sent the same page link twice while listing ${what}; the listing stops here.`);
      seen.add(url.href);
      const res = await endpoint.send({ method: 'GET', path: url, headers: { accept: 'application/json' }, scopes, signal: options.signal });
      const text = await readText(res);
      if (res.status === 401) throw await endpoint.refusal(res, scopes);
      if (res.status !== 200) {
        throw explainFailure?.(res.status, text) ?? registryErrorFor(res.status, text, what, this.host, this.session.secrets);
      }
      let entries: unknown;
      try {
        entries = (JSON.parse(text) as Record<string, unknown>)[field];
      } catch {
        throw new CoreError('BAD_RESPONSE', `${this.host} sent a listing of ${what} that is not JSON: check that the URL points at a registry.`);
      }
      if (entries !== null && entries !== undefined && !Array.isArray(entries)) {
        throw new CoreError('BAD_RESPONSE', `${this.host} sent a listing of ${what} without a "${field}" list.`);
      }
      const requestUrl: URL = res.url;
      const next = nextPageUrl(header(res, 'link'), requestUrl.href);
      const checked = next === undefined ? undefined : requireRegistryUrl(next, requestUrl, 'next-page', this.host, what);
      if (checked && !sameOrigin(checked, requestUrl)) {
        throw new CoreError('CROSS_ORIGIN_LINK', `${this.host} pointed the next page of ${what} at another origin (${checked.origin}); it is not followed.`);
      }
      url = checked;
      yield (entries ?? []).filter((e): e is string => typeof e === 'string');
    }
  }
}

function withFailures(err: unknown, failures: EndpointFailure[]): unknown {
  if (!(err instanceof CoreError) || failures.length === 0) return err;
  const tried = failures.map((f) => `${f.host}: ${f.reason}`).join('; ');
  return new CoreError(err.code, `${err.message} (mirrors tried first: ${tried})`, { cause: err });
}

/** Reads a response body as text, refusing more than `limit` bytes. */
async function readText(res: HttpResponse, limit = MAX_PAGE_BYTES): Promise<string> {
  const tooLarge = (): CoreError => new CoreError('RESPONSE_TOO_LARGE', `${res.url.host} sent more than ${limit / 1048576} MiB for ${res.url.pathname}; the response was not read.`);
  return (await readBodyLimited(res, limit, tooLarge)).toString('utf8');
}
