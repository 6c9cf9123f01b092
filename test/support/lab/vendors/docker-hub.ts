// Docker Hub's side of docker.io, from Docker's published documentation: the registry at
// registry-1.docker.io (a real lab registry behind this server) with its separate token service at
// auth.docker.io, the pull rate limit headers on manifest requests, and Hub's API at hub.docker.com
// (access tokens, organizations, a namespace's repositories, its rate limit). Each answer names the
// page it follows: docs.docker.com/reference/api/hub/latest/ (Hub API), docs.docker.com/docker-hub/usage/pulls/
// (pull rate limits), and the Distribution token protocol auth.docker.io speaks.
import { randomBytes } from 'node:crypto';
import type { Lab, LabRegistry } from '../registry';
import type { AccessEntry } from '../token-server';
import {
  basicCredentials,
  bearerToken,
  ContractServer,
  intParam,
  pageOf,
  registryToken,
  requestedScopes,
  type ContractAnswer,
  type ContractRequest,
} from './contract-server';

export interface HubToken {
  /** A personal access token's scopes: repo:read, repo:write, repo:admin, repo:public_read. */
  scopes: string[];
  /** Deactivated or expired. */
  revoked?: boolean;
}

export interface HubUser {
  username: string;
  /** Personal access tokens, by secret. */
  tokens: Record<string, HubToken>;
  orgs: string[];
}

export interface HubRepository {
  namespace: string;
  name: string;
  private: boolean;
  description?: string;
  lastUpdated: string;
  pullCount: number;
}

export interface HubWorld {
  users: HubUser[];
  orgs: string[];
  repositories: HubRepository[];
}

const HOSTS = { registry: 'registry-1.docker.io', auth: 'auth.docker.io', hub: 'hub.docker.com' };
/** Pulls per six hours for an anonymous user, the documented window (docker-hub/usage/pulls). */
export const PULL_WINDOW_SECONDS = 21600;

export class DockerHubContract {
  /** Manifest GETs left per account (or `anonymous`) in the window; a test lowers one to reach the limit. */
  readonly pullsLeft = new Map<string, number>();
  pullLimit = 100;
  /** Hub API requests left before a 429 (per minute, X-RateLimit-*); a test lowers it. */
  apiLeft = 180;
  apiResetAt = Math.floor(Date.now() / 1000) + 60;
  /** Access tokens handed out by POST /v2/auth/token: token → username (deleted to expire one). */
  readonly accessTokens = new Map<string, string>();
  /** Registry tokens handed out by auth.docker.io: token → account, to count pulls per account. */
  private readonly registryTokens = new Map<string, string>();

  private constructor(
    readonly server: ContractServer,
    readonly world: HubWorld,
    readonly registry: LabRegistry,
  ) {}

  static async start(lab: Lab, world: HubWorld, registry: LabRegistry): Promise<DockerHubContract> {
    const ref: { contract?: DockerHubContract } = {};
    const server = await ContractServer.start({
      lab,
      label: 'docker-hub',
      // docker.io is here for its hosts directory (the CA of the registry as references name it).
      names: [HOSTS.registry, HOSTS.auth, HOSTS.hub, 'docker.io'],
      handler: (req) => (req.host === HOSTS.hub ? ref.contract!.hub(req) : req.host === HOSTS.auth ? ref.contract!.auth(req) : undefined),
      fronts: [
        {
          host: HOSTS.registry,
          registry,
          // The challenge registry-1.docker.io sends: Bearer realm="https://auth.docker.io/token",service="registry.docker.io".
          realm: `https://${HOSTS.auth}/token`,
          service: 'registry.docker.io',
          intercept: (req) => ref.contract!.countPull(req),
        },
      ],
    });
    ref.contract = new DockerHubContract(server, world, registry);
    return ref.contract;
  }

  private user(username: string | undefined, secret: string | undefined): HubUser | undefined {
    const user = this.world.users.find((u) => u.username === username);
    const token = secret === undefined ? undefined : user?.tokens[secret];
    return token && !token.revoked ? user : undefined;
  }

  /**
   * auth.docker.io/token: the Distribution token protocol with `service=registry.docker.io`, Basic
   * username and personal access token; public repositories pull anonymously, private ones need
   * a member's token with repo:read, pushes repo:write.
   */
  private auth(req: ContractRequest): ContractAnswer | undefined {
    if (req.path !== '/token') return undefined;
    if (req.query.get('service') !== 'registry.docker.io') return { status: 400, json: { details: 'unknown service' } };
    const basic = basicCredentials(req.headers);
    const user = basic ? this.user(basic.username, basic.password) : undefined;
    if (basic && !user) return { status: 401, json: { details: 'incorrect username or password' } };
    const scopes = basic ? user!.tokens[basic.password]!.scopes : [];
    const granted: AccessEntry[] = requestedScopes(req.query).flatMap((asked) => {
      if (asked.type !== 'repository') return [];
      const [namespace] = asked.name.split('/');
      const repo = this.world.repositories.find((r) => `${r.namespace}/${r.name}` === asked.name);
      const member = user !== undefined && (user.username === namespace || user.orgs.includes(namespace!));
      const actions = asked.actions.filter((a) =>
        a === 'pull'
          ? repo?.private === false || (member && scopes.some((s) => s !== 'repo:public_read'))
          : a === 'push'
            ? member && scopes.some((s) => s === 'repo:write' || s === 'repo:admin')
            : a === 'delete' && member && scopes.includes('repo:admin'),
      );
      return actions.length ? [{ ...asked, actions }] : [];
    });
    const answer = registryToken(this.registry, user?.username ?? null, granted);
    this.registryTokens.set((answer.json as { token: string }).token, user?.username ?? 'anonymous');
    return answer;
  }

  /**
   * Pull rate limits (docker-hub/usage/pulls): manifest answers carry `ratelimit-limit` and
   * `ratelimit-remaining` (`N;w=21600`); a GET counts as a pull, a HEAD does not; past the limit
   * the registry answers 429 TOOMANYREQUESTS.
   */
  private countPull(req: ContractRequest): { answer?: ContractAnswer; headers?: Record<string, string> } | undefined {
    if (!/^\/v2\/.+\/manifests\/[^/]+$/.test(req.path) || (req.method !== 'GET' && req.method !== 'HEAD')) return undefined;
    const account = this.registryTokens.get(bearerToken(req.headers) ?? '') ?? 'anonymous';
    let left = this.pullsLeft.get(account) ?? this.pullLimit;
    if (req.method === 'GET') {
      if (left <= 0) {
        return {
          answer: {
            status: 429,
            headers: {
              'ratelimit-limit': `${this.pullLimit};w=${PULL_WINDOW_SECONDS}`,
              'ratelimit-remaining': `0;w=${PULL_WINDOW_SECONDS}`,
            },
            json: {
              errors: [
                {
                  code: 'TOOMANYREQUESTS',
                  message:
                    'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
                },
              ],
            },
          },
        };
      }
      left--;
      this.pullsLeft.set(account, left);
    }
    return {
      headers: {
        'ratelimit-limit': `${this.pullLimit};w=${PULL_WINDOW_SECONDS}`,
        'ratelimit-remaining': `${left};w=${PULL_WINDOW_SECONDS}`,
        'docker-ratelimit-source': account,
      },
    };
  }

  /** hub.docker.com: the API's rate limit first (the "Rate Limiting" section), then the route. */
  private hub(req: ContractRequest): ContractAnswer {
    const headers = {
      'x-ratelimit-limit': '180',
      'x-ratelimit-remaining': String(Math.max(0, this.apiLeft - 1)),
      'x-ratelimit-reset': String(this.apiResetAt),
    };
    // "If you have hit the limit, you will receive a response status of 429 and the X-Retry-After
    // header in the response. The X-Retry-After header is a unix timestamp."
    if (this.apiLeft <= 0)
      return {
        status: 429,
        headers: { ...headers, 'x-retry-after': String(this.apiResetAt) },
        json: { detail: 'Rate limit exceeded', error: false },
      };
    this.apiLeft--;
    const answer = this.hubRoute(req);
    return { ...answer, headers: { ...headers, ...answer.headers } };
  }

  private hubRoute(req: ContractRequest): ContractAnswer {
    // POST /v2/auth/token (AuthCreateAccessToken): identifier + secret → access_token, or 401.
    if (req.path === '/v2/auth/token' && req.method === 'POST') {
      let body: { identifier?: unknown; secret?: unknown } = {};
      try {
        body = JSON.parse(req.body) as typeof body;
      } catch {
        return { status: 400, json: { detail: 'invalid JSON', message: 'invalid JSON' } };
      }
      const user = this.user(
        typeof body.identifier === 'string' ? body.identifier : undefined,
        typeof body.secret === 'string' ? body.secret : undefined,
      );
      if (!user)
        return { status: 401, json: { detail: 'Incorrect authentication credentials', message: 'Incorrect authentication credentials' } };
      const token = `hub-${randomBytes(16).toString('hex')}`;
      this.accessTokens.set(token, user.username);
      return { status: 200, json: { access_token: token } };
    }
    const bearer = bearerToken(req.headers);
    const username = bearer === undefined ? undefined : this.accessTokens.get(bearer);
    // An access token Hub no longer knows (it "expires in 10 minutes") is unauthorized.
    if (bearer !== undefined && username === undefined)
      return { status: 401, json: { detail: 'Token is invalid or expired', message: 'Token is invalid or expired' } };
    const user = this.world.users.find((u) => u.username === username);
    // GET /v2/user/orgs/ (as Docker's hub-tool calls it): the signed-in user's organizations.
    if (req.path === '/v2/user/orgs/') {
      if (!user) return { status: 401, json: { detail: 'Authentication credentials were not provided.' } };
      return this.paged(
        req,
        user.orgs.map((orgname) => ({ orgname, type: 'Organization' })),
      );
    }
    // GET /v2/namespaces/{namespace}/repositories (listNamespaceRepositories).
    const match = /^\/v2\/namespaces\/([^/]+)\/repositories\/?$/.exec(req.path);
    if (match) {
      const namespace = decodeURIComponent(match[1]!);
      if (!this.world.orgs.includes(namespace) && !this.world.users.some((u) => u.username === namespace))
        return { status: 404, json: { detail: 'Not Found', message: 'Not Found' } };
      const member = user !== undefined && (user.username === namespace || user.orgs.includes(namespace));
      const visible = this.world.repositories.filter((r) => r.namespace === namespace && (member || !r.private));
      return this.paged(
        req,
        visible.map((r) => ({
          name: r.name,
          namespace: r.namespace,
          repository_type: 'image',
          status: 1,
          is_private: r.private,
          star_count: 0,
          pull_count: r.pullCount,
          last_updated: r.lastUpdated,
          description: r.description ?? '',
        })),
      );
    }
    return { status: 404, json: { detail: 'Not Found', message: 'Not Found' } };
  }

  /** Hub's paged lists: `page` and `page_size` (at most 100), answered `count`, `next`, `previous`, `results`. */
  private paged(req: ContractRequest, all: unknown[]): ContractAnswer {
    const pageSize = intParam(req.query, 'page_size', 10, 100);
    const page = intParam(req.query, 'page', 1, 100_000);
    const { items, lastPage } = pageOf(all, page, pageSize);
    const link = (n: number): string => {
      const query = new URLSearchParams(req.query);
      query.set('page', String(n));
      return `https://${HOSTS.hub}${req.path}?${query.toString()}`;
    };
    return {
      status: 200,
      json: {
        count: all.length,
        next: page < lastPage ? link(page + 1) : null,
        previous: page > 1 ? link(page - 1) : null,
        results: items,
      },
    };
  }
}
