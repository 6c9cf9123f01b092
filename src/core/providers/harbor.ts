/**
 * Harbor: its projects, then each project's repositories, through Harbor's v2.0 API
 * (goharbor/harbor api/v2.0/swagger.yaml), for users the registry's `_catalog` refuses (Harbor
 * serves the catalog to system administrators only). Public projects are listed without a login;
 * a login is the registry's own (a user's password or CLI secret, or a robot account), sent Basic.
 * Its artifact list names the artifacts no tag points at, which a clean-up may offer to delete.
 */
import { CoreError } from '../errors';
import { isDigest } from '../oci/digest';
import type { ListOptions } from '../registry/client';
import type { ProviderClient, ProviderContext, ProviderInfo, RepositoryDetails, UntaggedManifestListing } from './provider';
import { apiUrl, count, getJson, isRepositoryName, listIn, nextPage, segment, text, time, walkPages, type ApiParty } from './vendor-api';

const VENDOR = 'Harbor';

interface Project {
  id: number;
  name: string;
  public: boolean;
}

export class HarborProvider implements ProviderClient {
  private readonly projectIds = new Map<string, number>();
  private accountPromise: Promise<string | undefined> | undefined;

  constructor(
    readonly info: ProviderInfo,
    private readonly ctx: ProviderContext,
  ) {}

  private get base(): string {
    return this.info.apiBase!;
  }

  /** The swagger's `securityDefinitions.basic`: the registry's own username and password. */
  private async signedIn(): Promise<{ headers: Record<string, string>; party: ApiParty }> {
    const credential = await this.ctx.registry.credential();
    const usable = credential?.username && credential.password ? credential : undefined;
    if (usable) this.ctx.api.secrets.addCredential(usable);
    return {
      headers: usable ? { authorization: `Basic ${Buffer.from(`${usable.username}:${usable.password}`).toString('base64')}` } : {},
      party: { vendor: VENDOR, registry: this.ctx.host, credential: usable, secretNoun: 'password' },
    };
  }

  async *listRepositories(options: ListOptions = {}): AsyncGenerator<RepositoryDetails[]> {
    const { headers, party } = await this.signedIn();
    const signal = options.signal;
    const pageSize = Math.max(1, Math.min(100, options.pageSize ?? 100));
    // GET /projects (listProjects): every project the caller may see, public ones included,
    // paged by `page`/`page_size` with a `Link` header (the swagger's X-Total-Count and Link).
    const projects = walkPages(
      apiUrl(this.base, '/projects', { page: 1, page_size: pageSize }),
      async (url) => {
        const { json, res } = await getJson(this.ctx.api, url, headers, party, 'its projects', signal);
        return {
          items: listIn(json, undefined, VENDOR, 'the projects').flatMap(project),
          next: nextPage(res, undefined, party, 'the projects'),
        };
      },
      VENDOR,
      'the projects',
    );
    const only = new Set(this.ctx.namespaces.map((n) => n.toLowerCase()));
    for await (const page of projects) {
      for (const p of page) {
        if (only.size > 0 && !only.has(p.name.toLowerCase())) continue;
        this.projectIds.set(p.name, p.id);
        yield* this.repositories(p, pageSize, headers, party, signal);
      }
    }
  }

  /**
   * The repository's top-level artifacts without a tag: GET
   * /projects/{project_name}/repositories/{repository_name}/artifacts (listArtifacts) with
   * `q=tags=nil` ("to list only untagged artifacts") and `with_tag=true`, paged by page/page_size
   * with a Link like every list. Harbor leaves out, unless asked for `base=*`, the untagged
   * artifacts another one references (an index's platform manifests) and accessories (signatures,
   * anything with a subject) (src/pkg/artifact/dao/dao.go), so neither is offered: they go with
   * what holds them. The name within the project goes encoded twice (the swagger's
   * repositoryName: "a/b -> a%2Fb -> a%252Fb"). Each artifact's tags are checked too: one with a
   * tag is never listed, whatever the query did.
   */
  readonly listUntaggedManifests = async (
    repository: string,
    options: { signal?: AbortSignal; limit?: number; pageSize?: number } = {},
  ): Promise<UntaggedManifestListing[]> => {
    const slash = repository.indexOf('/');
    if (slash <= 0)
      throw new CoreError('NOT_VISIBLE', `${repository} is not in a Harbor project (a Harbor repository is named project/name).`);
    const project = repository.slice(0, slash);
    const name = repository.slice(slash + 1);
    const { headers, party } = await this.signedIn();
    const what = `the artifacts of ${repository}`;
    const limit = Math.max(1, options.limit ?? 100_000);
    const pages = walkPages(
      apiUrl(this.base, `/projects/${segment(project)}/repositories/${segment(segment(name))}/artifacts`, {
        q: 'tags=nil',
        with_tag: 'true',
        page: 1,
        page_size: Math.max(1, Math.min(100, options.pageSize ?? 100)),
      }),
      async (url) => {
        const { json, res } = await getJson(this.ctx.api, url, headers, party, what, options.signal);
        return { items: listIn(json, undefined, VENDOR, what).flatMap(untaggedArtifact), next: nextPage(res, undefined, party, what) };
      },
      VENDOR,
      what,
    );
    const untagged: UntaggedManifestListing[] = [];
    for await (const page of pages) {
      for (const artifact of page.slice(0, limit - untagged.length)) untagged.push(artifact);
      if (untagged.length >= limit) break;
    }
    return untagged;
  };

  async account(signal?: AbortSignal): Promise<string | undefined> {
    this.accountPromise ??= (async () => {
      const { headers, party } = await this.signedIn();
      if (!party.credential) return undefined;
      // GET /users/current (getCurrentUserInfo); a robot account has no user record: its own name stands.
      try {
        const { json } = await getJson(this.ctx.api, apiUrl(this.base, '/users/current'), headers, party, 'the signed-in user', signal);
        return text((json as Record<string, unknown> | null)?.username, 255) ?? party.credential.username;
      } catch (err) {
        if ((err as { code?: string }).code === 'TOKEN_REJECTED') throw err;
        return party.credential.username;
      }
    })();
    this.accountPromise.catch(() => (this.accountPromise = undefined));
    return this.accountPromise;
  }

  webPage(target: { repository?: string; tag?: string } = {}): string | undefined {
    const site = new URL(this.base).origin;
    if (!target.repository) return `${site}/harbor/projects`;
    const slash = target.repository.indexOf('/');
    const id = slash > 0 ? this.projectIds.get(target.repository.slice(0, slash)) : undefined;
    if (id === undefined) return `${site}/harbor/projects`;
    // The portal's repository page takes the name within the project, its slashes encoded.
    return `${site}/harbor/projects/${id}/repositories/${segment(target.repository.slice(slash + 1))}`;
  }

  /** A project's repositories: GET /projects/{project_name}/repositories (listRepositories), paged like the projects. */
  private repositories(
    p: Project,
    pageSize: number,
    headers: Record<string, string>,
    party: ApiParty,
    signal?: AbortSignal,
  ): AsyncGenerator<RepositoryDetails[]> {
    const what = `the repositories of the project ${p.name}`;
    return walkPages(
      apiUrl(this.base, `/projects/${segment(p.name)}/repositories`, { page: 1, page_size: pageSize }),
      async (url) => {
        const { json, res } = await getJson(this.ctx.api, url, headers, party, what, signal);
        const items = listIn(json, undefined, VENDOR, what).flatMap((r) => this.details(r, p));
        return { items, next: nextPage(res, undefined, party, what) };
      },
      VENDOR,
      what,
    );
  }

  /** A repository (the swagger's Repository: name with its project, description, artifact and pull counts, update time). */
  private details(raw: unknown, p: Project): RepositoryDetails[] {
    if (!raw || typeof raw !== 'object') return [];
    const r = raw as Record<string, unknown>;
    const name = text(r.name, 255)?.toLowerCase();
    if (!name || !isRepositoryName(name)) return [];
    const out: RepositoryDetails = { name, visibility: p.public ? 'public' : 'private' };
    const description = text(r.description);
    if (description) out.description = description;
    const lastPush = time(r.update_time);
    if (lastPush !== undefined) out.lastPush = lastPush;
    const pulls = count(r.pull_count);
    if (pulls !== undefined) out.pullCount = pulls;
    const artifacts = count(r.artifact_count);
    if (artifacts !== undefined) out.artifactCount = artifacts;
    const page = this.webPage({ repository: name });
    if (page) out.webUrl = page;
    return [out];
  }
}

/** A project of the list: its id, name, and whether its metadata says it is public ("true" as a string, per the swagger's ProjectMetadata). */
function project(raw: unknown): Project[] {
  if (!raw || typeof raw !== 'object') return [];
  const p = raw as Record<string, unknown>;
  const id = count(p.project_id);
  const name = text(p.name, 255);
  if (id === undefined || !name) return [];
  const metadata = p.metadata as Record<string, unknown> | null | undefined;
  return [{ id, name, public: metadata?.public === 'true' || metadata?.public === true }];
}

/** An artifact of the list (the swagger's Artifact: digest, size, push_time, tags) when it has no tag. */
function untaggedArtifact(raw: unknown): UntaggedManifestListing[] {
  if (!raw || typeof raw !== 'object') return [];
  const a = raw as Record<string, unknown>;
  if (typeof a.digest !== 'string' || !isDigest(a.digest)) return [];
  if (Array.isArray(a.tags) && a.tags.length > 0) return [];
  const size = count(a.size);
  const created = time(a.push_time);
  return [{ digest: a.digest, ...(size !== undefined ? { size } : {}), ...(created !== undefined ? { created } : {}) }];
}
