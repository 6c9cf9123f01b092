/**
 * GitLab's container registry (registry.gitlab.com and self-managed instances): the container
 * repositories of the projects the user is a member of, through GitLab's REST API v4, with a
 * personal access token (scopes `read_api` and `read_registry`) that is also the registry's
 * password. Behaviours cite GitLab's API documentation (https://docs.gitlab.com/api/).
 */
import type { Credential } from '../credentials/types';
import type { ListOptions } from '../registry/client';
import type { HttpResponse } from '../transport/http';
import type { ProviderClient, ProviderContext, ProviderInfo, RepositoryDetails } from './provider';
import {
  apiFailure,
  apiUrl,
  count,
  getJson,
  isRepositoryName,
  listIn,
  needsSignIn,
  nextPage,
  pageOn,
  readJson,
  segment,
  text,
  time,
  walkPages,
  type ApiParty,
} from './vendor-api';

const VENDOR = 'GitLab';

interface Project {
  id: number;
  path: string;
  webUrl?: string;
  visibility?: RepositoryDetails['visibility'];
}

export class GitLabProvider implements ProviderClient {
  readonly skipped: string[] = [];
  private readonly pages = new Map<string, string>();
  private usernamePromise: Promise<string | undefined> | undefined;

  constructor(
    readonly info: ProviderInfo,
    private readonly ctx: ProviderContext,
  ) {}

  private get base(): string {
    return this.info.apiBase!;
  }

  /** A personal access token goes in the `PRIVATE-TOKEN` header (https://docs.gitlab.com/api/rest/authentication/#personalprojectgroup-access-tokens). */
  private async signedIn(): Promise<{ headers: Record<string, string>; party: ApiParty; credential: Credential | undefined }> {
    const credential = await this.ctx.registry.credential();
    const token = credential?.password;
    if (token) this.ctx.api.secrets.add(token);
    return {
      headers: token ? { 'private-token': token } : {},
      party: { vendor: VENDOR, registry: this.ctx.host, credential: token ? credential : undefined, scopes: ['read_api'] },
      credential: token ? credential : undefined,
    };
  }

  async *listRepositories(options: ListOptions = {}): AsyncGenerator<RepositoryDetails[]> {
    const { headers, party, credential } = await this.signedIn();
    if (!credential && this.ctx.namespaces.length === 0) throw needsSignIn(VENDOR, this.ctx.host);
    const signal = options.signal;
    const perPage = Math.max(1, Math.min(100, options.pageSize ?? 100));
    this.skipped.length = 0;
    // A repository reached through a group and through its project is listed once.
    const seen = new Set<string>();
    const fresh = (rows: RepositoryDetails[]): RepositoryDetails[] => rows.filter((r) => !seen.has(r.name) && seen.add(r.name));
    // Groups named in settings: GET /groups/:id/registry/repositories
    // (https://docs.gitlab.com/api/container_registry/#within-a-group).
    for (const group of this.ctx.namespaces) {
      try {
        for await (const page of this.groupRepositories(group, perPage, headers, party, signal)) yield fresh(page);
      } catch (err) {
        if ((err as { code?: string }).code !== 'NOT_VISIBLE') throw err;
        this.skipped.push(group);
      }
    }
    if (!credential) return;
    // The projects the user is a member of: GET /projects?membership=true
    // (https://docs.gitlab.com/api/projects/#list-all-projects), paged by Link
    // (https://docs.gitlab.com/api/rest/#pagination); each page's projects then list their
    // registry repositories, and that page's rows come out together.
    const projects = walkPages(
      apiUrl(this.base, '/projects', { membership: 'true', archived: 'false', per_page: perPage, order_by: 'id', sort: 'asc' }),
      async (url) => {
        const { json, res } = await getJson(
          this.ctx.api,
          url,
          headers,
          party,
          'the projects you are a member of',
          signal,
          insufficientScope,
        );
        const items = listIn(json, undefined, VENDOR, 'the projects').flatMap((p) => project(p, new URL(this.base).origin));
        return { items, next: nextPage(res, undefined, party, 'the projects') };
      },
      VENDOR,
      'the projects',
    );
    for await (const page of projects) {
      const rows: RepositoryDetails[] = [];
      for (const p of page) {
        for await (const repos of this.projectRepositories(p, headers, party, signal)) for (const repo of repos) rows.push(repo);
      }
      yield fresh(rows);
    }
  }

  async account(signal?: AbortSignal): Promise<string | undefined> {
    this.usernamePromise ??= (async () => {
      const { headers, party, credential } = await this.signedIn();
      if (!credential) return undefined;
      // https://docs.gitlab.com/api/users/#get-the-current-user
      const { json } = await getJson(this.ctx.api, apiUrl(this.base, '/user'), headers, party, 'the signed-in user', signal);
      return text((json as Record<string, unknown> | null)?.username, 100) ?? credential.username;
    })();
    this.usernamePromise.catch(() => (this.usernamePromise = undefined));
    return this.usernamePromise;
  }

  webPage(target: { repository?: string; tag?: string } = {}): string | undefined {
    const site = new URL(this.base).origin;
    if (!target.repository) return site;
    return this.pages.get(target.repository) ?? `${site}/${target.repository.split('/').map(segment).join('/')}/container_registry`;
  }

  /**
   * A project's registry repositories: GET /projects/:id/registry/repositories with tags_count
   * (https://docs.gitlab.com/api/container_registry/#within-a-project). A project whose registry
   * is disabled or hidden from this user answers 403/404: it has none to show.
   */
  private async *projectRepositories(
    p: Project,
    headers: Record<string, string>,
    party: ApiParty,
    signal?: AbortSignal,
  ): AsyncGenerator<RepositoryDetails[]> {
    const what = `the container repositories of ${p.path}`;
    const pages = walkPages(
      apiUrl(this.base, `/projects/${p.id}/registry/repositories`, { tags_count: 'true', per_page: 100 }),
      async (url) => {
        const res = await this.ctx.api.send({ method: 'GET', url, headers: { accept: 'application/json', ...headers }, signal });
        if (res.status === 403 || res.status === 404) {
          await res.body.dump().catch(() => undefined);
          return { items: [], next: undefined };
        }
        if (res.status !== 200) throw await apiFailure(res, this.ctx.api, party, what, insufficientScope);
        const json = await readJson(res, VENDOR, what);
        const items = listIn(json, undefined, VENDOR, what).flatMap((r) => this.details(r, p));
        return { items, next: nextPage(res, undefined, party, what) };
      },
      VENDOR,
      what,
    );
    yield* pages;
  }

  private groupRepositories(
    group: string,
    perPage: number,
    headers: Record<string, string>,
    party: ApiParty,
    signal?: AbortSignal,
  ): AsyncGenerator<RepositoryDetails[]> {
    const what = `the container repositories of the group ${group}`;
    return walkPages(
      apiUrl(this.base, `/groups/${segment(group)}/registry/repositories`, { per_page: perPage }),
      async (url) => {
        const res = await this.ctx.api.send({ method: 'GET', url, headers: { accept: 'application/json', ...headers }, signal });
        if (res.status !== 200) throw await apiFailure(res, this.ctx.api, party, what, insufficientScope);
        const json = await readJson(res, VENDOR, what);
        const items = listIn(json, undefined, VENDOR, what).flatMap((r) => this.details(r, undefined));
        return { items, next: nextPage(res, undefined, party, what) };
      },
      VENDOR,
      what,
    );
  }

  /** A registry repository as a row: its `path` is its name in the registry; its page is under the project's. */
  private details(raw: unknown, p: Project | undefined): RepositoryDetails[] {
    if (!raw || typeof raw !== 'object') return [];
    const r = raw as Record<string, unknown>;
    const path = text(r.path, 255)?.toLowerCase();
    if (!path || !isRepositoryName(path)) return [];
    const out: RepositoryDetails = { name: path };
    const tags = count(r.tags_count);
    if (tags !== undefined) out.tagCount = tags;
    if (p?.visibility) out.visibility = p.visibility;
    const id = count(r.id);
    if (p?.webUrl && id !== undefined) {
      out.webUrl = `${p.webUrl}/container_registry/${id}`;
      this.pages.set(path, out.webUrl);
    }
    const created = time(r.created_at);
    if (created !== undefined) out.description = `Created ${new Date(created).toISOString().slice(0, 10)}`;
    return [out];
  }
}

/**
 * A project from the projects list, when its registry is not disabled (`container_registry_access_level`,
 * https://docs.gitlab.com/api/projects/); its visibility is its registry's.
 */
function project(raw: unknown, site: string): Project[] {
  if (!raw || typeof raw !== 'object') return [];
  const p = raw as Record<string, unknown>;
  const id = count(p.id);
  const path = text(p.path_with_namespace, 255);
  if (id === undefined || !path) return [];
  if (p.container_registry_access_level === 'disabled' || p.container_registry_enabled === false) return [];
  const out: Project = { id, path };
  const web = pageOn(p.web_url, site);
  if (web) out.webUrl = web;
  if (p.visibility === 'public' || p.visibility === 'private' || p.visibility === 'internal') out.visibility = p.visibility;
  // `private`: "visible only to project members with the Reporter role or higher", whatever the
  // project's own visibility (https://docs.gitlab.com/api/container_registry/, container_registry_access_level).
  if (p.container_registry_access_level === 'private') out.visibility = 'private';
  return [out];
}

/**
 * A 403 for a token without the scope: `{"error":"insufficient_scope","scope":"api read_api"}`
 * (GitLab's OAuth errors, https://docs.gitlab.com/api/rest/troubleshooting/#status-codes).
 */
function insufficientScope(body: string, _res: HttpResponse): readonly string[] | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; scope?: unknown };
    if (parsed.error !== 'insufficient_scope') return undefined;
    return ['read_api'];
  } catch {
    return undefined;
  }
}
