// GitHub's side of ghcr.io, from GitHub's published documentation: the REST API at api.github.com
// (users, organizations, container packages, paging, scopes and rate limits) and the Container
// registry at ghcr.io, whose Bearer challenge sends clients to https://ghcr.io/token, which takes a
// GitHub token as the password. The `/v2/` part is a real lab registry, except the manifest delete,
// which ghcr.io refuses (405 UNSUPPORTED); a package's versions are the manifests that registry
// holds (stored-manifests.ts), and deleting a version deletes its manifest there. Each answer names
// the documentation page it follows.
import type { Lab, LabRegistry } from '../registry';
import type { AccessEntry } from '../token-server';
import {
  basicCredentials,
  bearerToken,
  ContractServer,
  intParam,
  pageLinks,
  pageOf,
  registryToken,
  requestedScopes,
  type ContractAnswer,
  type ContractRequest,
} from './contract-server';
import { deleteFromRegistry, storedManifests } from './stored-manifests';

export interface GitHubToken {
  /** Classic token scopes, sent back in `X-OAuth-Scopes`. */
  scopes: string[];
  /** An expired or revoked token: "Bad credentials". */
  revoked?: boolean;
}

export interface GitHubUser {
  login: string;
  tokens: Record<string, GitHubToken>;
  /** Organizations the user belongs to. */
  orgs: string[];
  /** The memberships the user made public (GET /users/{username}/orgs lists only these). */
  publicOrgs?: string[];
}

export interface GitHubPackage {
  /** A user's login or an organization's name. */
  owner: string;
  name: string;
  visibility: 'public' | 'private' | 'internal';
  updatedAt: string;
  description?: string;
}

export interface GitHubWorld {
  users: GitHubUser[];
  orgs: string[];
  packages: GitHubPackage[];
}

const DOCS = 'https://docs.github.com/rest';
/** "The primary rate limit for authenticated users is 5,000 requests per hour" (rate-limits-for-the-rest-api); tests lower it. */
const DEFAULT_LIMIT = 5000;

export class GitHubContract {
  /** Package version ids by `repository@digest`, stable for the contract's life as GitHub's are. */
  private readonly versionIds = new Map<string, number>();
  /** Requests left per token in the current rate-limit window (tests set a token's to 0). */
  readonly remaining = new Map<string, number>();
  /** The epoch second the current window resets at. */
  resetAt = Math.floor(Date.now() / 1000) + 3600;

  private constructor(
    readonly server: ContractServer,
    readonly world: GitHubWorld,
    readonly registry: LabRegistry,
  ) {}

  /** ghcr.io and api.github.com in front of `registry` (a lab registry with token auth). */
  static async start(
    lab: Lab,
    world: GitHubWorld,
    registry: LabRegistry,
    names = { registry: 'ghcr.io', api: 'api.github.com' },
  ): Promise<GitHubContract> {
    const ref: { contract?: GitHubContract } = {};
    const server = await ContractServer.start({
      lab,
      label: 'github',
      names: [names.registry, names.api],
      handler: (req) => (req.host === names.api ? ref.contract!.api(req) : ref.contract!.registryHost(req)),
      fronts: [
        {
          host: names.registry,
          registry,
          realm: `https://${names.registry}/token`,
          service: names.registry,
          // ghcr.io answers the Distribution API's manifest delete with 405 UNSUPPORTED "The operation
          // is unsupported." (podman-container-tools/skopeo#1880); versions are deleted through the REST API.
          intercept: (req: ContractRequest) =>
            req.method === 'DELETE' && /^\/v2\/.+\/manifests\//.test(req.path)
              ? {
                  answer: {
                    status: 405,
                    headers: { 'docker-distribution-api-version': 'registry/2.0' },
                    json: { errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] },
                  },
                }
              : undefined,
        },
      ],
    });
    ref.contract = new GitHubContract(server, world, registry);
    return ref.contract;
  }

  get apiOrigin(): string {
    return `https://${this.server.names[1]}`;
  }

  /** The user a token belongs to, and the token's state. */
  private holder(token: string | undefined): { user: GitHubUser; token: GitHubToken } | undefined {
    if (!token) return undefined;
    for (const user of this.world.users) {
      const state = user.tokens[token];
      if (state) return { user, token: state };
    }
    return undefined;
  }

  /**
   * ghcr.io's token endpoint: the Distribution token protocol its challenge names
   * (Bearer realm="https://ghcr.io/token",service="ghcr.io"), with a GitHub token as the Basic
   * password ("Authenticating with a personal access token (classic)", packages/working-with-a-
   * github-packages-registry/working-with-the-container-registry): read:packages to pull,
   * write:packages to push, delete:packages to delete; public packages pull anonymously.
   */
  private registryHost(req: ContractRequest): ContractAnswer | undefined {
    if (req.path !== '/token') return undefined;
    const basic = basicCredentials(req.headers);
    const holder = basic ? this.holder(basic.password) : undefined;
    if (basic && (!holder || holder.token.revoked))
      return { status: 401, json: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] } };
    const granted: AccessEntry[] = requestedScopes(req.query).flatMap((asked) => {
      if (asked.type !== 'repository') return [];
      const actions = asked.actions.filter((action) => this.allows(holder, asked.name, action));
      return actions.length ? [{ ...asked, actions }] : [];
    });
    return registryToken(this.registry, holder?.user.login ?? null, granted);
  }

  private allows(holder: { user: GitHubUser; token: GitHubToken } | undefined, repository: string, action: string): boolean {
    const owner = repository.split('/')[0]!;
    const pkg = this.world.packages.find((p) => `${p.owner}/${p.name}`.toLowerCase() === repository.toLowerCase());
    const member = holder !== undefined && (holder.user.login.toLowerCase() === owner.toLowerCase() || holder.user.orgs.includes(owner));
    const scopes = holder?.token.scopes ?? [];
    if (action === 'pull')
      return pkg?.visibility === 'public' || (member && (scopes.includes('read:packages') || scopes.includes('write:packages')));
    if (action === 'push') return member && scopes.includes('write:packages');
    if (action === 'delete') return member && scopes.includes('delete:packages');
    return false;
  }

  /** api.github.com: authentication, rate limits, then the route. */
  private api(req: ContractRequest): ContractAnswer | undefined | Promise<ContractAnswer> {
    const token = bearerToken(req.headers);
    // "Bad credentials" for a token GitHub does not (or no longer) know (authenticating-to-the-rest-api).
    const holder = this.holder(token);
    if (token && (!holder || holder.token.revoked))
      return { status: 401, json: { message: 'Bad credentials', documentation_url: `${DOCS}` } };
    // Package routes need a token ("you must authenticate using a personal access token (classic)", rest/packages/packages).
    if (!holder) return { status: 401, json: { message: 'Requires authentication', documentation_url: DOCS } };
    // Every answer says where the token stands: x-ratelimit-* (rate-limits-for-the-rest-api), and
    // the scopes it has and the route accepts (apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps).
    const left = this.remaining.get(token!) ?? DEFAULT_LIMIT;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(DEFAULT_LIMIT),
      'x-ratelimit-remaining': String(Math.max(0, left - 1)),
      'x-ratelimit-reset': String(this.resetAt),
      'x-ratelimit-used': String(DEFAULT_LIMIT - left + 1),
      'x-ratelimit-resource': 'core',
      'x-oauth-scopes': holder.token.scopes.join(', '),
    };
    // "If you exceed your primary rate limit, you will receive a 403 or 429 response, and the
    // x-ratelimit-remaining header will be 0" (rate-limits-for-the-rest-api#exceeding-the-rate-limit).
    if (left <= 0) {
      return {
        status: 403,
        headers: { ...headers, 'x-ratelimit-remaining': '0' },
        json: {
          message: `API rate limit exceeded for user ID 1.`,
          documentation_url: `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api`,
        },
      };
    }
    this.remaining.set(token!, left - 1);
    const versions = this.versionRoute(req, holder.user, holder.token);
    if (versions) return versions.then((answer) => ({ ...answer, headers: { ...headers, ...answer.headers } }));
    const answer = this.route(req, holder.user, holder.token);
    return answer && { ...answer, headers: { ...headers, ...answer.headers } };
  }

  /**
   * A package's versions (rest/packages/packages): `GET …/packages/container/{package_name}/versions`
   * under `/user`, `/orgs/{org}` or `/users/{username}` (read:packages; per_page/page with a
   * Link), each a "package-version" whose `name` is the manifest's digest and
   * `metadata.container.tags` its tags; and `DELETE …/versions/{package_version_id}`, 204, which
   * a classic token may send only with read:packages and delete:packages, for a package its owner
   * (or an organization the user belongs to) holds. The versions are the lab registry's manifests
   * of `owner/name`; a deleted version's manifest is deleted there. Undefined for other routes.
   */
  private versionRoute(req: ContractRequest, user: GitHubUser, token: GitHubToken): Promise<ContractAnswer> | undefined {
    const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    const mine = parts[0] === 'user';
    const kind = parts[0] ?? '';
    const owner = mine ? user.login : (parts[1] ?? '');
    const rest = parts.slice(mine ? 1 : 2);
    if (rest[0] !== 'packages' || rest[1] !== 'container' || rest[3] !== 'versions' || rest.length > 5) return undefined;
    const name = rest[2]!;
    const id = rest[4];
    if (!['user', 'orgs', 'users'].includes(kind) || (id === undefined ? req.method !== 'GET' : req.method !== 'DELETE')) return undefined;
    const notFound: ContractAnswer = {
      status: 404,
      json: { message: 'Package not found.', documentation_url: `${DOCS}/packages/packages` },
    };
    const isOrg = this.world.orgs.includes(owner);
    if ((kind === 'orgs' && !isOrg) || (kind === 'users' && isOrg)) return Promise.resolve(notFound);
    const pkg = this.world.packages.find((p) => p.owner.toLowerCase() === owner.toLowerCase() && p.name === name);
    const member = owner.toLowerCase() === user.login.toLowerCase() || user.orgs.includes(owner);
    if (!pkg || (!member && pkg.visibility !== 'public')) return Promise.resolve(notFound);
    const repository = `${pkg.owner}/${pkg.name}`.toLowerCase();
    const idOf = (digest: string): number => {
      const key = `${repository}@${digest}`;
      if (!this.versionIds.has(key)) this.versionIds.set(key, 7000 + this.versionIds.size);
      return this.versionIds.get(key)!;
    };
    const stored = storedManifests(this.registry, repository) ?? [];
    if (id === undefined) {
      if (!token.scopes.some((s) => s === 'read:packages' || s === 'write:packages' || s === 'delete:packages'))
        return Promise.resolve({
          status: 403,
          headers: { 'x-accepted-oauth-scopes': 'read:packages' },
          json: { message: 'You need at least read:packages scope to list packages.', documentation_url: `${DOCS}/packages/packages` },
        });
      // Newest first, as GitHub lists versions.
      const versions = [...stored]
        .sort((a, b) => b.pushed.getTime() - a.pushed.getTime() || a.digest.localeCompare(b.digest))
        .map((m) => {
          const versionId = idOf(m.digest);
          const path = `${kind === 'user' ? 'user' : `${kind}/${owner}`}/packages/container/${encodeURIComponent(pkg.name)}/versions/${versionId}`;
          return {
            id: versionId,
            name: m.digest,
            url: `${this.apiOrigin}/${path}`,
            package_html_url: `https://github.com/${isOrg ? 'orgs' : 'users'}/${pkg.owner}/packages/container/package/${encodeURIComponent(pkg.name)}`,
            created_at: m.pushed.toISOString(),
            updated_at: m.pushed.toISOString(),
            html_url: `https://github.com/${isOrg ? 'orgs' : 'users'}/${pkg.owner}/packages/container/${encodeURIComponent(pkg.name)}/${versionId}`,
            metadata: { package_type: 'container', container: { tags: m.tags } },
          };
        });
      return Promise.resolve(this.paged(req, versions));
    }
    // "OAuth app tokens and personal access tokens (classic) need the read:packages and
    // delete:packages scopes to use this endpoint" (rest/packages/packages#delete-package-version-for-an-organization).
    if (!member) return Promise.resolve({ status: 403, json: { message: 'Must have admin rights to Package.', documentation_url: DOCS } });
    if (!token.scopes.includes('delete:packages') || !token.scopes.some((s) => s === 'read:packages' || s === 'write:packages'))
      return Promise.resolve({
        status: 403,
        headers: { 'x-accepted-oauth-scopes': 'delete:packages, read:packages' },
        json: { message: 'You need delete:packages and read:packages scopes to delete package versions.', documentation_url: DOCS },
      });
    const version = stored.find((m) => String(idOf(m.digest)) === id);
    if (!version) return Promise.resolve(notFound);
    return deleteFromRegistry(this.registry, repository, version.digest).then((status) =>
      status === 202 ? { status: 204 } : { status: 500, json: { message: `the registry answered ${status}` } },
    );
  }

  private route(req: ContractRequest, user: GitHubUser, token: GitHubToken): ContractAnswer | undefined {
    const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    // GET /user (rest/users/users#get-the-authenticated-user)
    if (req.path === '/user')
      return { status: 200, json: { login: user.login, id: 1, type: 'User', html_url: `https://github.com/${user.login}` } };
    // GET /user/orgs needs read:org or user with a classic token, else 403 (rest/orgs/orgs#list-organizations-for-the-authenticated-user)
    if (req.path === '/user/orgs') {
      if (!token.scopes.some((s) => s === 'read:org' || s === 'user' || s === 'admin:org'))
        return {
          status: 403,
          headers: { 'x-accepted-oauth-scopes': 'admin:org, read:org, repo, user, write:org' },
          json: { message: 'You need at least read:org scope or user scope to list your organizations.', documentation_url: DOCS },
        };
      return this.paged(
        req,
        user.orgs.map((login) => ({ login, id: login.length })),
      );
    }
    // GET /users/{username}/orgs: public memberships only (rest/orgs/orgs#list-organizations-for-a-user)
    if (parts.length === 3 && parts[0] === 'users' && parts[2] === 'orgs') {
      const target = this.world.users.find((u) => u.login.toLowerCase() === parts[1]!.toLowerCase());
      return this.paged(
        req,
        (target?.publicOrgs ?? []).map((login) => ({ login, id: login.length })),
      );
    }
    // Package lists (rest/packages/packages): read:packages needed, package_type required.
    const owner =
      req.path === '/user/packages'
        ? user.login
        : parts.length === 3 && (parts[0] === 'orgs' || parts[0] === 'users') && parts[2] === 'packages'
          ? parts[1]!
          : undefined;
    if (owner !== undefined) {
      if (!token.scopes.some((s) => s === 'read:packages' || s === 'write:packages' || s === 'delete:packages'))
        return {
          status: 403,
          headers: { 'x-accepted-oauth-scopes': 'read:packages' },
          json: { message: 'You need at least read:packages scope to list packages.', documentation_url: `${DOCS}/packages/packages` },
        };
      if (req.query.get('package_type') === null)
        return { status: 400, json: { message: 'package_type is required', documentation_url: `${DOCS}/packages/packages` } };
      if (parts[0] === 'orgs' && !this.world.orgs.includes(owner))
        return { status: 404, json: { message: 'Not Found', documentation_url: DOCS } };
      if (parts[0] === 'users' && !this.world.users.some((u) => u.login.toLowerCase() === owner.toLowerCase()))
        return { status: 404, json: { message: 'Not Found', documentation_url: DOCS } };
      const member = owner.toLowerCase() === user.login.toLowerCase() || user.orgs.includes(owner);
      const visible = this.world.packages.filter(
        (p) =>
          p.owner.toLowerCase() === owner.toLowerCase() &&
          (member || p.visibility === 'public') &&
          req.query.get('package_type') === 'container',
      );
      return this.paged(
        req,
        visible.map((p, i) => this.packageJson(p, i)),
      );
    }
    return { status: 404, json: { message: 'Not Found', documentation_url: DOCS } };
  }

  /** The "package" schema's fields a client reads (rest/packages/packages). */
  private packageJson(p: GitHubPackage, i: number): Record<string, unknown> {
    const isOrg = this.world.orgs.includes(p.owner);
    return {
      id: 1000 + i,
      name: p.name,
      package_type: 'container',
      owner: { login: p.owner, type: isOrg ? 'Organization' : 'User' },
      version_count: 1,
      visibility: p.visibility,
      url: `${this.apiOrigin}/${isOrg ? 'orgs' : 'users'}/${p.owner}/packages/container/${encodeURIComponent(p.name)}`,
      created_at: p.updatedAt,
      updated_at: p.updatedAt,
      ...(p.description ? { repository: { full_name: `${p.owner}/${p.name}`, description: p.description } } : {}),
      html_url: `https://github.com/${isOrg ? 'orgs' : 'users'}/${p.owner}/packages/container/package/${encodeURIComponent(p.name)}`,
    };
  }

  /** `per_page` (default 30, at most 100) and `page`, with a `Link` header (using-the-rest-api/using-pagination-in-the-rest-api). */
  private paged(req: ContractRequest, all: unknown[]): ContractAnswer {
    const perPage = intParam(req.query, 'per_page', 30, 100);
    const page = intParam(req.query, 'page', 1, 100_000);
    const { items, lastPage } = pageOf(all, page, perPage);
    return { status: 200, headers: pageLinks(this.apiOrigin, req, page, lastPage), json: items };
  }
}
