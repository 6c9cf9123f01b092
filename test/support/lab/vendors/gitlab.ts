// GitLab's side of registry.gitlab.com, from GitLab's documentation (docs.gitlab.com): the REST API
// v4 at gitlab.com/api/v4 (the current user, the projects the user is a member of, registry
// repositories of a project or a group, offset pagination with Link and X-Next-Page, personal
// access tokens in PRIVATE-TOKEN, 401 and insufficient_scope answers, 429 with RateLimit-Reset), and
// the registry's token endpoint at gitlab.com/jwt/auth that takes a username and personal access
// token (user/packages/container_registry/authenticate_with_container_registry). The `/v2/` part
// is a real lab registry.
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

export interface GitLabToken {
  /** Personal access token scopes: api, read_api, read_registry, write_registry… */
  scopes: string[];
  revoked?: boolean;
}

export interface GitLabUser {
  username: string;
  tokens: Record<string, GitLabToken>;
}

export interface GitLabRepository {
  id: number;
  /** The name within the project ('' for the project's own image). */
  name: string;
  createdAt: string;
  tags: number;
}

export interface GitLabProject {
  id: number;
  /** `group/project` */
  path: string;
  visibility: 'public' | 'internal' | 'private';
  members: string[];
  registry: 'enabled' | 'private' | 'disabled';
  repositories: GitLabRepository[];
}

export interface GitLabGroup {
  id: number;
  path: string;
  members: string[];
}

export interface GitLabWorld {
  users: GitLabUser[];
  groups: GitLabGroup[];
  projects: GitLabProject[];
}

const HOSTS = { api: 'gitlab.com', registry: 'registry.gitlab.com' };

export class GitLabContract {
  private constructor(
    readonly server: ContractServer,
    readonly world: GitLabWorld,
    readonly registry: LabRegistry,
  ) {}

  static async start(lab: Lab, world: GitLabWorld, registry: LabRegistry): Promise<GitLabContract> {
    const ref: { contract?: GitLabContract } = {};
    const server = await ContractServer.start({
      lab,
      label: 'gitlab',
      names: [HOSTS.registry, HOSTS.api],
      handler: (req) => (req.host === HOSTS.api ? ref.contract!.handle(req) : undefined),
      // registry.gitlab.com's challenge: Bearer realm="https://gitlab.com/jwt/auth",service="container_registry".
      fronts: [{ host: HOSTS.registry, registry, realm: `https://${HOSTS.api}/jwt/auth`, service: 'container_registry' }],
    });
    ref.contract = new GitLabContract(server, world, registry);
    return ref.contract;
  }

  private holder(token: string | undefined): { user: GitLabUser; token: GitLabToken } | undefined {
    if (!token) return undefined;
    for (const user of this.world.users) if (user.tokens[token]) return { user, token: user.tokens[token]! };
    return undefined;
  }

  private handle(req: ContractRequest): ContractAnswer | undefined {
    if (req.path === '/jwt/auth') return this.jwt(req);
    if (!req.path.startsWith('/api/v4/')) return undefined;
    // A personal access token in PRIVATE-TOKEN, or as a Bearer (api/rest/authentication).
    const token = (req.headers['private-token'] as string | undefined) ?? bearerToken(req.headers);
    const holder = this.holder(token);
    if (token && !holder) return { status: 401, json: { message: '401 Unauthorized' } };
    if (holder?.token.revoked)
      return {
        status: 401,
        json: { error: 'invalid_token', error_description: 'Token was revoked. You have to re-authorize from the user.' },
      };
    // A token without read_api or api: insufficient_scope (api/rest/troubleshooting, status codes).
    if (holder && !holder.token.scopes.some((s) => s === 'api' || s === 'read_api'))
      return {
        status: 403,
        json: {
          error: 'insufficient_scope',
          error_description: 'The request requires higher privileges than provided by the access token.',
          scope: 'api read_api',
        },
      };
    return this.route(req, holder?.user);
  }

  /** The registry's token endpoint: a username and a token with read_registry; public projects with an `enabled` registry pull anonymously. */
  private jwt(req: ContractRequest): ContractAnswer {
    const basic = basicCredentials(req.headers);
    const holder = basic ? this.holder(basic.password) : undefined;
    if (
      basic &&
      (!holder ||
        holder.user.username !== basic.username ||
        holder.token.revoked ||
        !holder.token.scopes.some((s) => /registry|^api$/.test(s)))
    )
      return { status: 401, json: { errors: [{ code: 'UNAUTHORIZED', message: 'HTTP Basic: Access denied' }] } };
    const granted: AccessEntry[] = requestedScopes(req.query).flatMap((asked) => {
      if (asked.type !== 'repository') return [];
      const project = this.world.projects.find((p) => asked.name === p.path || asked.name.startsWith(`${p.path}/`));
      const member = !!holder && !!project?.members.includes(holder.user.username);
      // A public project's registry pulls anonymously only when its access level is `enabled`;
      // `private` is "visible only to project members with the Reporter role or higher"
      // (api/container_registry, "Change the visibility of the container registry").
      const open = project?.visibility === 'public' && project.registry === 'enabled';
      const actions = asked.actions.filter((a) =>
        a === 'pull' ? member || open : member && holder!.token.scopes.includes('write_registry'),
      );
      return actions.length ? [{ ...asked, actions }] : [];
    });
    return registryToken(this.registry, holder?.user.username ?? null, granted);
  }

  private route(req: ContractRequest, user: GitLabUser | undefined): ContractAnswer {
    const parts = req.path.replace(/^\/api\/v4\//, '').split('/');
    // GET /user (api/users#get-the-current-user)
    if (req.path === '/api/v4/user')
      return user
        ? { status: 200, json: { id: 1, username: user.username, state: 'active' } }
        : { status: 401, json: { message: '401 Unauthorized' } };
    // GET /projects?membership=true (api/projects#list-all-projects)
    if (req.path === '/api/v4/projects') {
      const mine = this.world.projects.filter((p) =>
        req.query.get('membership') === 'true'
          ? !!user && p.members.includes(user.username)
          : p.visibility === 'public' || (!!user && p.members.includes(user.username)),
      );
      return this.paged(
        req,
        mine.map((p) => this.projectJson(p)),
      );
    }
    // GET /projects/:id/registry/repositories (api/container_registry#within-a-project)
    if (parts[0] === 'projects' && parts[2] === 'registry' && parts[3] === 'repositories' && parts.length === 4) {
      const id = decodeURIComponent(parts[1]!);
      const project = this.world.projects.find((p) => String(p.id) === id || p.path === id);
      const visible = project && (project.visibility === 'public' || (!!user && project.members.includes(user.username)));
      if (!project || !visible) return { status: 404, json: { message: '404 Project Not Found' } };
      if (project.registry === 'disabled' || (project.registry === 'private' && !(user && project.members.includes(user.username))))
        return { status: 403, json: { message: '403 Forbidden' } };
      return this.paged(
        req,
        project.repositories.map((r) => this.repositoryJson(project, r, req.query.get('tags_count') === 'true')),
      );
    }
    // GET /groups/:id/registry/repositories (api/container_registry#within-a-group)
    if (parts[0] === 'groups' && parts[2] === 'registry' && parts[3] === 'repositories' && parts.length === 4) {
      const id = decodeURIComponent(parts[1]!);
      const group = this.world.groups.find((g) => String(g.id) === id || g.path === id);
      if (!group || !(user && group.members.includes(user.username))) return { status: 404, json: { message: '404 Group Not Found' } };
      const projects = this.world.projects.filter((p) => p.path.startsWith(`${group.path}/`) && p.registry !== 'disabled');
      return this.paged(
        req,
        projects.flatMap((p) => p.repositories.map((r) => this.repositoryJson(p, r, false))),
      );
    }
    return { status: 404, json: { error: '404 Not Found' } };
  }

  private projectJson(p: GitLabProject): Record<string, unknown> {
    return {
      id: p.id,
      path_with_namespace: p.path,
      name: p.path.split('/').pop(),
      visibility: p.visibility,
      web_url: `https://${HOSTS.api}/${p.path}`,
      container_registry_access_level: p.registry,
      container_registry_enabled: p.registry !== 'disabled',
    };
  }

  private repositoryJson(p: GitLabProject, r: GitLabRepository, tagsCount: boolean): Record<string, unknown> {
    const path = r.name ? `${p.path}/${r.name}` : p.path;
    return {
      id: r.id,
      name: r.name,
      path,
      project_id: p.id,
      location: `${HOSTS.registry}/${path}`,
      created_at: r.createdAt,
      cleanup_policy_started_at: null,
      ...(tagsCount ? { tags_count: r.tags } : {}),
    };
  }

  /** Offset pagination: `page`, `per_page` (default 20, at most 100), X-Page/X-Next-Page/X-Total and Link (api/rest#pagination). */
  private paged(req: ContractRequest, all: unknown[]): ContractAnswer {
    const perPage = intParam(req.query, 'per_page', 20, 100);
    const page = intParam(req.query, 'page', 1, 100_000);
    const { items, lastPage } = pageOf(all, page, perPage);
    return {
      status: 200,
      headers: {
        ...pageLinks(`https://${HOSTS.api}`, req, page, lastPage),
        'x-page': String(page),
        'x-per-page': String(perPage),
        'x-next-page': page < lastPage ? String(page + 1) : '',
        'x-total': String(all.length),
        'x-total-pages': String(lastPage),
      },
      json: items,
    };
  }
}
