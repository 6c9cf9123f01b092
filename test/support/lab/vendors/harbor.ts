// A Harbor instance under a self-hosted name, from Harbor's v2.0 API definition (goharbor/harbor
// api/v2.0/swagger.yaml): projects and each project's repositories, paged by page/page_size with
// X-Total-Count and Link, Basic authentication, the current user, and its error body
// (`{"errors":[{"code","message"}]}`); public projects answer anonymous users. Its registry's
// token service (/service/token, service harbor-registry) grants the catalog to administrators
// only. The `/v2/` part is a real lab registry, except `_catalog`, which Harbor's core answers itself
// (src/server/registry/catalog.go, behind src/server/middleware/v2auth/auth.go): to an
// administrator (or a token the token service granted the catalog) its repository names, sorted,
// paged by n/last with a Link; to anyone else 401 UNAUTHORIZED "unauthorized to list catalog" with
// the challenge `Basic realm="harbor"`. The anonymous `GET /api/v2.0/systeminfo` (getSystemInfo:
// "this can be called by anonymous request. Some attributes will be omitted") answers the
// GeneralInfo Harbor gives an anonymous caller (auth_mode and the like), with the protected
// attributes (harbor_version, external_url, registry_url…) for a signed-in user only
// (src/controller/systeminfo/controller.go). A repository's artifacts (listArtifacts) are the
// manifests the lab registry really holds (stored-manifests.ts), listed as Harbor's artifact DAO
// does (src/pkg/artifact/dao/dao.go): tagged ones and untagged ones no index references, never an
// accessory (a manifest with a subject).
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
import { imageSize, storedManifests, type StoredManifest } from './stored-manifests';

export interface HarborUser {
  username: string;
  password: string;
  admin?: boolean;
}

export interface HarborRepository {
  /** The name within the project. */
  name: string;
  description?: string;
  artifacts: number;
  pulls: number;
  updated: string;
}

export interface HarborProject {
  id: number;
  name: string;
  public: boolean;
  members: string[];
  repositories: HarborRepository[];
}

export interface HarborWorld {
  users: HarborUser[];
  projects: HarborProject[];
}

export class HarborContract {
  private constructor(
    readonly server: ContractServer,
    readonly world: HarborWorld,
    readonly host: string,
    readonly registry: LabRegistry,
  ) {}

  /** `aliases`: more names the same Harbor answers under (its realm always on the name asked, as Harbor builds it from the request's Host). */
  static async start(
    lab: Lab,
    world: HarborWorld,
    registry: LabRegistry,
    host = 'harbor.test',
    aliases: string[] = [],
  ): Promise<HarborContract> {
    const ref: { contract?: HarborContract } = {};
    const names = [host, ...aliases];
    const server = await ContractServer.start({
      lab,
      label: 'harbor',
      names,
      handler: (req) => ref.contract!.handle(req),
      fronts: names.map((name) => ({
        host: name,
        registry,
        realm: `https://${name}/service/token`,
        service: 'harbor-registry',
        intercept: (req: ContractRequest) => {
          const answer = ref.contract!.catalog(req);
          return answer ? { answer } : undefined;
        },
      })),
    });
    ref.contract = new HarborContract(server, world, host, registry);
    return ref.contract;
  }

  private error(status: number, code: string, message: string): ContractAnswer {
    return { status, json: { errors: [{ code, message }] } };
  }

  private user(req: ContractRequest): HarborUser | null | undefined {
    const basic = basicCredentials(req.headers);
    if (!basic) return undefined;
    return this.world.users.find((u) => u.username === basic.username && u.password === basic.password) ?? null;
  }

  private handle(req: ContractRequest): ContractAnswer | undefined {
    const user = this.user(req);
    if (req.path === '/service/token') return this.token(req, user);
    if (!req.path.startsWith('/api/v2.0/')) return undefined;
    if (user === null) return this.error(401, 'UNAUTHORIZED', 'unauthorized');
    // GET /systeminfo (getSystemInfo): the general part to anyone, the protected part to a signed-in user.
    if (req.path === '/api/v2.0/systeminfo') return { status: 200, json: this.systemInfo(user) };
    const sees = (p: HarborProject) => p.public || (!!user && (user.admin || p.members.includes(user.username)));
    // GET /users/current (getCurrentUserInfo)
    if (req.path === '/api/v2.0/users/current')
      return user
        ? { status: 200, json: { user_id: 1, username: user.username, sysadmin_flag: !!user.admin } }
        : this.error(401, 'UNAUTHORIZED', 'unauthorized');
    // GET /projects (listProjects)
    if (req.path === '/api/v2.0/projects') {
      return this.paged(
        req,
        this.world.projects
          .filter(sees)
          .map((p) => ({ project_id: p.id, name: p.name, metadata: { public: String(p.public) }, repo_count: p.repositories.length })),
      );
    }
    // GET /projects/{project_name}/repositories (listRepositories)
    const match = /^\/api\/v2\.0\/projects\/([^/]+)\/repositories$/.exec(req.path);
    if (match) {
      const project = this.world.projects.find((p) => p.name === decodeURIComponent(match[1]!));
      if (!project) return this.error(404, 'NOT_FOUND', 'project not found');
      if (!sees(project)) return user ? this.error(403, 'FORBIDDEN', 'forbidden') : this.error(401, 'UNAUTHORIZED', 'unauthorized');
      return this.paged(
        req,
        project.repositories.map((r, i) => ({
          id: project.id * 100 + i,
          project_id: project.id,
          name: `${project.name}/${r.name}`,
          description: r.description ?? '',
          artifact_count: r.artifacts,
          pull_count: r.pulls,
          creation_time: r.updated,
          update_time: r.updated,
        })),
      );
    }
    // GET /projects/{project_name}/repositories/{repository_name}/artifacts (listArtifacts)
    const artifacts = /^\/api\/v2\.0\/projects\/([^/]+)\/repositories\/([^/]+)\/artifacts$/.exec(req.path);
    if (artifacts) {
      const project = this.world.projects.find((p) => p.name === decodeURIComponent(artifacts[1]!));
      if (!project) return this.error(404, 'NOT_FOUND', 'project not found');
      if (!sees(project)) return user ? this.error(403, 'FORBIDDEN', 'forbidden') : this.error(401, 'UNAUTHORIZED', 'unauthorized');
      // "If it contains slash, encode it twice over with URL encoding" (the swagger's repositoryName):
      // the router decodes the path once, so a slash encoded once splits it and nothing matches.
      if (/%2f/i.test(artifacts[2]!)) return this.error(404, 'NOT_FOUND', 'not found');
      const name = decodeURIComponent(decodeURIComponent(artifacts[2]!));
      return this.artifacts(req, `${project.name}/${name}`);
    }
    return this.error(404, 'NOT_FOUND', 'not found');
  }

  /**
   * A repository's artifacts as listArtifacts answers them: the base collection is the tagged
   * artifacts and the untagged ones no other artifact references, accessories left out (the DAO's
   * `both` and `notacc` filters); `q=tags=nil` keeps the untagged ones, `q=tags=*` the tagged ones;
   * newest push first; `with_tag` (default true) puts the tags in. Each is the swagger's Artifact
   * (id, digest, size, push_time, media types, references with each child's digest and platform, tags).
   */
  private artifacts(req: ContractRequest, repository: string): ContractAnswer {
    const stored = storedManifests(this.registry, repository);
    if (!stored) return this.error(404, 'NOT_FOUND', `repository ${repository} not found`);
    const referenced = new Set(stored.flatMap((m) => (m.json.manifests ?? []).map((c) => c.digest)));
    const q = req.query.get('q');
    if (q !== null && q !== 'tags=nil' && q !== 'tags=*') return this.error(400, 'BAD_REQUEST', `the lab Harbor does not filter by ${q}`);
    const listed = stored
      .filter((m) => m.tags.length > 0 || !referenced.has(m.digest))
      .filter((m) => !m.json.subject)
      .filter((m) => (q === 'tags=nil' ? m.tags.length === 0 : q === 'tags=*' ? m.tags.length > 0 : true))
      .sort((a, b) => b.pushed.getTime() - a.pushed.getTime() || a.digest.localeCompare(b.digest));
    const withTag = req.query.get('with_tag') !== 'false';
    return this.paged(
      req,
      listed.map((m) => this.artifactJson(m, stored, withTag)),
    );
  }

  private artifactJson(m: StoredManifest, stored: StoredManifest[], withTag: boolean): Record<string, unknown> {
    const id = (digest: string) => stored.findIndex((s) => s.digest === digest) + 1;
    const mediaType = m.json.mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
    return {
      id: id(m.digest),
      type: 'IMAGE',
      media_type: m.json.config?.mediaType ?? mediaType,
      manifest_media_type: mediaType,
      digest: m.digest,
      size: imageSize(m),
      push_time: m.pushed.toISOString(),
      pull_time: '0001-01-01T00:00:00.000Z',
      references: (m.json.manifests ?? []).map((c) => ({
        parent_id: id(m.digest),
        child_id: id(c.digest),
        child_digest: c.digest,
        ...(c.platform ? { platform: c.platform } : {}),
      })),
      tags: withTag
        ? m.tags.map((name, i) => ({ id: id(m.digest) * 100 + i, artifact_id: id(m.digest), name, push_time: m.pushed.toISOString() }))
        : null,
      accessories: null,
    };
  }

  /** GeneralInfo as Harbor's systeminfo controller fills it: protected attributes only for a signed-in user. */
  private systemInfo(user: HarborUser | undefined): Record<string, unknown> {
    const general = { auth_mode: 'db_auth', primary_auth_mode: false, self_registration: false, banner_message: '' };
    if (!user) return general;
    return {
      ...general,
      current_time: new Date().toISOString(),
      read_only: false,
      harbor_version: 'v2.13.0-lab',
      external_url: `https://${this.host}`,
      registry_url: this.host,
      has_ca_root: false,
      project_creation_restriction: 'everyone',
      registry_storage_provider_name: 'filesystem',
      notification_enable: true,
    };
  }

  /**
   * `GET /v2/_catalog` as Harbor's core answers it: for a system administrator (Basic) or a token
   * granting the catalog, every repository name sorted, `n`/`last` paging with a Link while more
   * follow; anyone else gets 401 and `Basic realm="harbor"` (v2auth's challenge for the catalog).
   */
  catalog(req: ContractRequest): ContractAnswer | undefined {
    if (req.path !== '/v2/_catalog') return undefined;
    const basic = basicCredentials(req.headers);
    const admin = basic
      ? !!this.world.users.find((u) => u.username === basic.username && u.password === basic.password && u.admin)
      : tokenGrantsCatalog(bearerToken(req.headers));
    if (!admin)
      return {
        status: 401,
        headers: { 'www-authenticate': 'Basic realm="harbor"', 'docker-distribution-api-version': 'registry/2.0' },
        json: { errors: [{ code: 'UNAUTHORIZED', message: 'unauthorized to list catalog' }] },
      };
    const names = this.world.projects.flatMap((p) => p.repositories.map((r) => `${p.name}/${r.name}`)).sort();
    const n = req.query.get('n');
    if (n === null) return { status: 200, json: { repositories: names } };
    const size = Math.max(0, Number(n) || 0);
    const last = req.query.get('last');
    const start = last ? names.indexOf(last) + 1 : 0;
    const page = names.slice(start, start + size);
    const more = page.length > 0 && page[page.length - 1] !== names[names.length - 1];
    const link: Record<string, string> = more
      ? { link: `</v2/_catalog?last=${encodeURIComponent(page[page.length - 1]!)}&n=${size}>; rel="next"` }
      : {};
    return { status: 200, headers: link, json: { repositories: page } };
  }

  /** The registry's token service: members pull and push their projects, anyone pulls public ones, only administrators list the catalog. */
  private token(req: ContractRequest, user: HarborUser | null | undefined): ContractAnswer {
    if (user === null) return { status: 401, json: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] } };
    const granted: AccessEntry[] = requestedScopes(req.query).flatMap((asked) => {
      if (asked.type === 'registry' && asked.name === 'catalog') return user?.admin ? [asked] : [];
      if (asked.type !== 'repository') return [];
      const project = this.world.projects.find((p) => asked.name.startsWith(`${p.name}/`));
      const member = !!user && (!!user.admin || !!project?.members.includes(user.username));
      const actions = asked.actions.filter((a) => (a === 'pull' ? member || project?.public : member));
      return actions.length ? [{ ...asked, actions }] : [];
    });
    return registryToken(this.registry, user?.username ?? null, granted);
  }

  /** page (from 1) and page_size (default 10, at most 100), with X-Total-Count and Link (the swagger's list responses). */
  private paged(req: ContractRequest, all: unknown[]): ContractAnswer {
    const pageSize = intParam(req.query, 'page_size', 10, 100);
    const page = intParam(req.query, 'page', 1, 100_000);
    const { items, lastPage } = pageOf(all, page, pageSize);
    // Harbor's Link URLs are relative to the host (/api/v2.0/…).
    const links = pageLinks('', req, page, lastPage);
    return { status: 200, headers: { ...links, 'x-total-count': String(all.length) }, json: items };
  }
}

/** Whether a token this contract's token service issued grants the catalog (its claims are read, as the registry would after checking them). */
function tokenGrantsCatalog(token: string | undefined): boolean {
  const claims = token?.split('.')[1];
  if (!claims) return false;
  try {
    const access = (JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { access?: AccessEntry[] }).access ?? [];
    return access.some((a) => a.type === 'registry' && a.name === 'catalog');
  } catch {
    return false;
  }
}
