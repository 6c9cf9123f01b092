/**
 * A registry's client: its state (`GET /v2/`), its repositories (`_catalog`) and tags, and its
 * repositories' handles. What it sends goes through the registry's RequestRouter.
 */
import { parseChallenges, pickChallenge } from '../auth/challenge';
import { scopesFor } from '../auth/scope';
import { CoreError } from '../errors';
import type { EndpointPlan, Operation } from '../hosts/plan';
import type { HttpResponse } from '../transport/http';
import { header, type EndpointClient, type EndpointRequest } from './endpoint-client';
import { listingPages, listPages, listTags, readText, tagPages, type Listing, type ListingPage, type ListOptions } from './listing';
import { registryErrorFor } from './registry-errors';
import { Repository } from './repository';
import type { RequestRouter } from './router';
import type { PullRateLimit } from './rate-limit';
import type { Credential } from '../credentials/types';

export type { ListingPage, ListOptions } from './listing';

/** What `GET /v2/` said about a registry: the extension shows it as the registry's state. */
export type PingResult =
  | {
      state: 'reachable';
      origin: string;
      /** Where the credential that worked came from; absent when anonymous. */ credentialSource?: string;
    }
  | {
      state: 'needs-login';
      origin: string;
      scheme: string;
      realm?: string;
      /** Set when credentials were sent and refused. */ rejectedCredentialSource?: string;
    }
  | { state: 'unreachable'; error: CoreError };

/** Registries that do not offer `_catalog` answer with one of these (401 means: log in first). */
const NO_CATALOG_STATUS = new Set([403, 404, 405]);

/**
 * One registry's Distribution API over its endpoint plan: requests go through the registry's
 * router (mirrors first, see router.ts). Operations (pull, push, copy) build on it.
 */
export class RegistryClient {
  constructor(private readonly router: RequestRouter) {}

  /** The registry as references name it: `docker.io`, `ghcr.io`, `localhost:5000`. */
  get host(): string {
    return this.router.host;
  }

  /** The pull rate limit the registry last reported on an answer (Docker Hub's), if it ever did. */
  get pullRateLimit(): PullRateLimit | undefined {
    return this.router.pullRateLimit();
  }

  /** The credential this client uses for the registry itself (not a mirror), if any: what a provider's API signs in with too. */
  credential(): Promise<Credential | undefined> {
    return this.router.credential(this.router.host);
  }

  /** The endpoints an operation would use, in order, and why. */
  plan(operation: Operation): Promise<EndpointPlan> {
    return this.router.plan(operation);
  }

  /** One repository of this registry: manifests, blobs, uploads, tags, referrers, deletes. */
  repository(name: string): Repository {
    return new Repository(this.router, name);
  }

  /**
   * Sends a request through the plan for `operation`, returning the first response that is not a
   * mirror's failure. The caller reads or discards the body.
   */
  request(operation: Operation, repository: string | undefined, req: Omit<EndpointRequest, 'retry'>): Promise<HttpResponse> {
    return this.router.request(operation, repository, req);
  }

  /** `GET /v2/` on the registry itself: reachable (with whose login), needs a login, or why not. */
  async ping(signal?: AbortSignal): Promise<PingResult> {
    let endpoint: EndpointClient | undefined;
    let res: HttpResponse;
    try {
      endpoint = await this.router.first('list');
      res = await endpoint.send({ method: 'GET', path: '/', scopes: [], signal, retry: false });
    } catch (err) {
      // A token server that refuses the credentials (or anonymous access) answers for the registry:
      // it is up, and needs a (better) login.
      if (endpoint && err instanceof CoreError && (err.code === 'AUTH_FAILED' || err.code === 'NEEDS_LOGIN'))
        return this.needsLogin(endpoint);
      if (err instanceof CoreError && err.code !== 'CANCELLED') return { state: 'unreachable', error: err };
      throw err;
    }
    const text = await readText(res);
    const origin = endpoint.origin;
    const credential = await this.router.credential(endpoint.host).catch(() => undefined);
    if (res.status >= 200 && res.status < 300)
      return { state: 'reachable', origin, ...(credential ? { credentialSource: credential.source } : {}) };
    if (res.status === 401) {
      // Tokens from the registry's own token server called invalid: no login can fix that, so the
      // registry is not shown as waiting for one (see Authorizer.refusal).
      const refusal = await endpoint.refusal(res, []);
      if (refusal.code === 'TOKEN_NOT_ACCEPTED') return { state: 'unreachable', error: refusal };
      let scheme = 'unknown';
      let realm: string | undefined;
      try {
        const picked = pickChallenge(parseChallenges(header(res, 'www-authenticate') ?? ''));
        scheme = picked?.scheme ?? scheme;
        realm = picked?.scheme === 'bearer' ? picked.bearer.realm : picked?.realm;
      } catch {
        // A malformed challenge still means "log in"; its details are just not shown.
      }
      return {
        state: 'needs-login',
        origin,
        scheme,
        ...(realm ? { realm } : {}),
        ...(credential ? { rejectedCredentialSource: credential.source } : {}),
      };
    }
    // A web server that is not a registry (or a registry served at another path) answers 404 here.
    if (res.status === 404)
      return {
        state: 'unreachable',
        error: new CoreError(
          'NOT_A_REGISTRY',
          `${this.host} answered 404 Not Found for the registry API root /v2/ at ${origin}: a web server is there, but not a registry. Check the address and port (or the path a proxy serves the registry at).`,
        ),
      };
    return { state: 'unreachable', error: registryErrorFor(res.status, text, 'the API root /v2/', this.host, this.router.secrets) };
  }

  private async needsLogin(endpoint: EndpointClient): Promise<PingResult> {
    const credential = await this.router.credential(endpoint.host).catch(() => undefined);
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
    return listPages(this.router, this.catalogListing(), options);
  }

  /** The catalog a page at a time, each page saying whether more follow (see {@link listRepositories}). */
  repositoryPages(options: ListOptions = {}): AsyncGenerator<ListingPage> {
    return listingPages(this.router, this.catalogListing(), options);
  }

  private catalogListing(): Listing {
    const explainFailure = (status: number, text: string): CoreError | undefined => {
      const code = registryErrorFor(status, text, 'the catalog', this.host, this.router.secrets).code;
      if (NO_CATALOG_STATUS.has(status) || code === 'UNSUPPORTED') {
        return new CoreError(
          'CATALOG_UNSUPPORTED',
          `${this.host} does not list its repositories (HTTP ${status}): name the repositories you use for this registry.`,
          {
            remedy: { kind: 'name-repositories', host: this.host },
          },
        );
      }
      return undefined;
    };
    return {
      path: '/_catalog',
      repository: undefined,
      scopes: scopesFor({ method: 'GET', catalog: true }),
      field: 'repositories',
      what: 'the catalog',
      explainFailure,
    };
  }

  /** Tags of a repository, a page at a time, following `Link` (same origin only). */
  listTags(repository: string, options: ListOptions = {}): AsyncGenerator<string[]> {
    return listTags(this.router, repository, options);
  }

  /** Tags of a repository a page at a time, each page saying whether more follow. */
  tagPages(repository: string, options: ListOptions = {}): AsyncGenerator<ListingPage> {
    return tagPages(this.router, repository, options);
  }

  /** Clients for the plan's endpoints of an operation, in order; refuses an empty plan with the reason. */
  endpointClients(operation: Operation, repository?: string): Promise<EndpointClient[]> {
    return this.router.endpoints(operation, repository);
  }
}
