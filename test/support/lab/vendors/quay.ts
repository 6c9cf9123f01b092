// Quay's side of quay.io, from Quay's documentation (docs.quay.io/api/ and its API source,
// quay/quay endpoints/api): the API v1 under /api/v1 with OAuth access tokens as Bearer (the
// signed-in user and organizations, a namespace's repositories paged by a `next_page` token,
// 401 invalid_token and 403 insufficient_scope errors), and the registry's token endpoint at
// /v2/auth, which takes the username `$oauthtoken` with an OAuth token as the password
// (docs.quay.io/glossary/access-token.html). The `/v2/` part is a real lab registry.
import type { Lab, LabRegistry } from '../registry';
import type { AccessEntry } from '../token-server';
import {
  basicCredentials,
  bearerToken,
  ContractServer,
  registryToken,
  requestedScopes,
  type ContractAnswer,
  type ContractRequest,
} from './contract-server';

export interface QuayToken {
  /** OAuth scopes: repo:read, repo:write, user:read… */
  scopes: string[];
  revoked?: boolean;
}

export interface QuayUser {
  username: string;
  tokens: Record<string, QuayToken>;
  organizations: string[];
}

export interface QuayRepository {
  namespace: string;
  name: string;
  public: boolean;
  description?: string;
  /** Epoch seconds. */
  lastModified: number;
  kind?: 'image' | 'application';
}

export interface QuayWorld {
  users: QuayUser[];
  repositories: QuayRepository[];
}

const HOST = 'quay.io';

export class QuayContract {
  /** Repositories per page (Quay's own is 100); tests lower it to see the `next_page` token at work. */
  pageSize = 100;

  private constructor(
    readonly server: ContractServer,
    readonly world: QuayWorld,
    readonly registry: LabRegistry,
  ) {}

  static async start(lab: Lab, world: QuayWorld, registry: LabRegistry): Promise<QuayContract> {
    const ref: { contract?: QuayContract } = {};
    const server = await ContractServer.start({
      lab,
      label: 'quay',
      names: [HOST],
      handler: (req) => ref.contract!.handle(req),
      // quay.io's challenge: Bearer realm="https://quay.io/v2/auth",service="quay.io"; /v2/auth is Quay's own.
      fronts: [{ host: HOST, registry, realm: `https://${HOST}/v2/auth`, service: HOST, except: /^\/v2\/auth$/ }],
    });
    ref.contract = new QuayContract(server, world, registry);
    return ref.contract;
  }

  private holder(token: string | undefined): { user: QuayUser; token: QuayToken } | undefined {
    if (!token) return undefined;
    for (const user of this.world.users) if (user.tokens[token]) return { user, token: user.tokens[token]! };
    return undefined;
  }

  private error(status: number, type: string, message: string): ContractAnswer {
    return {
      status,
      json: {
        status,
        error_message: message,
        title: type,
        error_type: type,
        detail: message,
        type: `https://${HOST}/api/v1/error/${type}`,
      },
    };
  }

  private handle(req: ContractRequest): ContractAnswer | undefined {
    if (req.path === '/v2/auth') return this.auth(req);
    if (!req.path.startsWith('/api/v1/')) return undefined;
    const token = bearerToken(req.headers);
    const holder = this.holder(token);
    if (token && (!holder || holder.token.revoked))
      return this.error(401, 'invalid_token', 'The access token provided is invalid or has expired.');
    const user = holder?.user;
    // GET /api/v1/user/ (getLoggedInUser): needs user:read.
    if (req.path === '/api/v1/user/') {
      if (!holder) return this.error(401, 'invalid_token', 'Requires authentication');
      if (!holder.token.scopes.includes('user:read')) return this.error(403, 'insufficient_scope', 'Insufficient scope for this request');
      return {
        status: 200,
        json: {
          anonymous: false,
          username: user!.username,
          organizations: user!.organizations.map((name) => ({ name, is_org_admin: false })),
        },
      };
    }
    // GET /api/v1/repository (listRepos): namespace, starred or public required; repo:read; next_page.
    if (req.path === '/api/v1/repository') {
      if (holder && !holder.token.scopes.includes('repo:read'))
        return this.error(403, 'insufficient_scope', 'Insufficient scope for this request');
      const namespace = req.query.get('namespace');
      // Who sees what (quay/quay endpoints/api/repository.py listRepos, data/model/repository.py
      // get_visible_repositories, data/model/_basequery.py filter_to_repos_for_user): `public`
      // defaults to false; without it an anonymous caller gets no repositories and a signed-in one
      // only those they hold a permission on (here: their own namespace and their organizations').
      // `public` is a truthy_bool (util/parsing.py): anything but false, "false", "0", "" or "null".
      const includePublic = !['false', 'False', 'FALSE', '0', '', 'null'].includes(req.query.get('public') ?? '');
      if (!namespace && !includePublic && req.query.get('starred') !== 'true')
        return this.error(400, 'invalid_request', 'namespace, starred or public are required for this API call');
      const member = !!user && (user.username === namespace || user.organizations.includes(namespace ?? ''));
      const visible = this.world.repositories.filter(
        (r) => (!namespace || r.namespace === namespace) && ((includePublic && r.public) || member),
      );
      const start = Number(Buffer.from(req.query.get('next_page') ?? '', 'base64url').toString('utf8') || '0');
      const page = visible.slice(start, start + this.pageSize);
      const next = start + this.pageSize < visible.length ? Buffer.from(String(start + this.pageSize)).toString('base64url') : undefined;
      return {
        status: 200,
        json: {
          repositories: page.map((r) => ({
            namespace: r.namespace,
            name: r.name,
            description: r.description ?? null,
            is_public: r.public,
            kind: r.kind ?? 'image',
            state: 'NORMAL',
            ...(req.query.get('last_modified') === 'true' ? { last_modified: r.lastModified } : {}),
          })),
          ...(next ? { next_page: next } : {}),
        },
      };
    }
    return this.error(404, 'not_found', 'Not Found');
  }

  /** /v2/auth: `$oauthtoken` and an OAuth token with repo:read to pull (repo:write to push); public repositories pull anonymously. */
  private auth(req: ContractRequest): ContractAnswer {
    const basic = basicCredentials(req.headers);
    const holder = basic?.username === '$oauthtoken' ? this.holder(basic.password) : undefined;
    if (basic && (!holder || holder.token.revoked)) return { status: 401, json: { error: 'Invalid Username or Password' } };
    const granted: AccessEntry[] = requestedScopes(req.query).flatMap((asked) => {
      if (asked.type !== 'repository') return [];
      const [namespace] = asked.name.split('/');
      const repo = this.world.repositories.find((r) => `${r.namespace}/${r.name}` === asked.name);
      const member = !!holder && (holder.user.username === namespace || holder.user.organizations.includes(namespace!));
      const scopes = holder?.token.scopes ?? [];
      const actions = asked.actions.filter((a) =>
        a === 'pull' ? repo?.public || (member && scopes.includes('repo:read')) : member && scopes.includes('repo:write'),
      );
      return actions.length ? [{ ...asked, actions }] : [];
    });
    return registryToken(this.registry, holder?.user.username ?? null, granted);
  }
}
