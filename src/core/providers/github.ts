/**
 * GitHub's Container registry (ghcr.io) and GitHub Enterprise Server's (containers.HOST): the
 * container packages of the signed-in user and of each organization, through GitHub's REST API,
 * with the same token the registry takes as its password. Every behaviour below follows GitHub's
 * REST documentation (https://docs.github.com/en/rest), page named at each use. A package's
 * versions are its manifests: those without a tag are what a clean-up may offer, and deleting a
 * version is how a manifest goes (ghcr.io refuses the Distribution API's delete).
 */
import { CoreError } from '../errors';
import { isDigest } from '../oci/digest';
import type { ListOptions } from '../registry/client';
import { header } from '../registry/endpoint-client';
import type { HttpResponse } from '../transport/http';
import type { ProviderClient, ProviderContext, ProviderInfo, RepositoryDetails, UntaggedManifestListing } from './provider';
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
  scopeError,
  segment,
  text,
  time,
  walkPages,
  type ApiParty,
} from './vendor-api';

const VENDOR = 'GitHub';
/** Organizations read at most (a listing of each one's packages follows). */
const MAX_ORGS = 1000;
/** Scopes that let a classic token read package metadata (write:packages includes read). */
const READING_SCOPES = ['read:packages', 'write:packages'];
/** The scope a classic token needs to delete a package version (rest/packages/packages#delete-package-version-for-an-organization). */
const DELETE_SCOPE = 'delete:packages';

/** A package version as the clean-up needs it: its id (for the delete), its manifest's digest, its tags. */
interface PackageVersion {
  id: number;
  digest: string;
  tags: string[];
  created?: number;
}

export class GitHubProvider implements ProviderClient {
  /** Namespaces the last listing could not read, for the registry's tooltip. */
  readonly skipped: string[] = [];
  private readonly pages = new Map<string, string>();
  private loginPromise: Promise<string | undefined> | undefined;
  /** Each package's versions path (`/orgs/acme/packages/container/app`), once one answered. */
  private readonly versionPaths = new Map<string, string>();
  /** Version ids by repository and digest, from the last listing (a delete needs the id). */
  private readonly versionIds = new Map<string, Map<string, number>>();
  private deleteScopeCheck: Promise<void> | undefined;

  constructor(
    readonly info: ProviderInfo,
    private readonly ctx: ProviderContext,
  ) {}

  private get base(): string {
    return this.info.apiBase!;
  }

  /**
   * The headers GitHub documents: its media type and API version
   * (https://docs.github.com/en/rest/about-the-rest-api/api-versions), and the token as a Bearer
   * (https://docs.github.com/en/rest/authentication/authenticating-to-the-rest-api).
   */
  private async signedIn(): Promise<{ headers: Record<string, string>; party: ApiParty }> {
    const credential = await this.ctx.registry.credential();
    const token = credential?.password ?? credential?.registryToken;
    const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
    if (token) {
      this.ctx.api.secrets.add(token);
      headers.authorization = `Bearer ${token}`;
    }
    return {
      headers,
      party: { vendor: VENDOR, registry: this.ctx.host, credential: token ? credential : undefined, scopes: ['read:packages'] },
    };
  }

  async *listRepositories(options: ListOptions = {}): AsyncGenerator<RepositoryDetails[]> {
    const { headers, party } = await this.signedIn();
    // "To use the REST API to manage GitHub Packages, you must authenticate using a personal access
    // token (classic)" (https://docs.github.com/en/rest/packages/packages).
    if (!party.credential) throw needsSignIn(VENDOR, this.ctx.host);
    const perPage = Math.max(1, Math.min(100, options.pageSize ?? 100));
    const signal = options.signal;
    this.skipped.length = 0;
    const login = await this.user(headers, party, signal);
    // https://docs.github.com/en/rest/packages/packages#list-packages-for-the-authenticated-users-namespace
    yield* this.packages(
      apiUrl(this.base, '/user/packages', { package_type: 'container', per_page: perPage }),
      headers,
      party,
      `the container packages of ${login}`,
      signal,
    );
    const configured = this.ctx.namespaces.filter((n) => n.toLowerCase() !== login.toLowerCase());
    const orgs = await this.organizations(login, headers, party, signal);
    const seen = new Set<string>([login.toLowerCase()]);
    for (const org of [...orgs, ...configured]) {
      if (seen.has(org.toLowerCase())) continue;
      seen.add(org.toLowerCase());
      yield* this.namespacePackages(org, orgs.includes(org), perPage, headers, party, signal);
    }
  }

  /**
   * The package's versions that carry no tag: `GET …/packages/container/{package_name}/versions`
   * for the user's own packages, an organization's or another user's
   * (rest/packages/packages#list-package-versions-for-a-package-owned-by-the-authenticated-user,
   * …-owned-by-an-organization, …-owned-by-a-user), paged by `per_page` with a Link. Each version's
   * `name` is its manifest's digest and `metadata.container.tags` its tags.
   */
  readonly listUntaggedManifests = async (
    repository: string,
    options: { signal?: AbortSignal; limit?: number; pageSize?: number } = {},
  ): Promise<UntaggedManifestListing[]> => {
    const versions = await this.versions(repository, options);
    return versions
      .filter((v) => v.tags.length === 0)
      .map((v) => ({ digest: v.digest, ...(v.created !== undefined ? { created: v.created } : {}) }));
  };

  /**
   * Deletes the package version whose manifest is `digest`
   * (rest/packages/packages#delete-package-version-for-an-organization, and the user's and a
   * user's): ghcr.io answers the Distribution API's `DELETE /v2/<name>/manifests/<digest>` with 405
   * UNSUPPORTED. A classic token needs `delete:packages` (and `read:packages`); one whose
   * `X-OAuth-Scopes` lacks it is refused before anything is sent, with the scope named. A digest
   * that is no version of the package is MANIFEST_UNKNOWN, as a registry would answer.
   */
  readonly deleteManifest = async (repository: string, digest: string, options: { signal?: AbortSignal } = {}): Promise<void> => {
    const { headers, party } = await this.signedIn();
    const deleting = { ...party, scopes: [DELETE_SCOPE] };
    await this.checkDeleteScope(headers, deleting, options.signal);
    const what = `the version ${digest} of the package ${repository}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      // The ids of the last listing, else (or when that id is gone) a fresh listing.
      const known = attempt === 0 ? this.versionIds.get(repository)?.get(digest) : undefined;
      const id = known ?? (await this.versions(repository, options)).find((v) => v.digest === digest)?.id;
      if (id === undefined)
        throw new CoreError('MANIFEST_UNKNOWN', `${repository} has no version ${digest} on ${this.ctx.host}: it may be gone already.`);
      const path = this.versionPaths.get(repository)!;
      const res = await this.ctx.api.send({
        method: 'DELETE',
        url: apiUrl(this.base, `${path}/versions/${id}`),
        headers,
        signal: options.signal,
      });
      if (res.status === 204 || res.status === 200) {
        await res.body.dump().catch(() => undefined);
        this.versionIds.get(repository)?.delete(digest);
        return;
      }
      if (res.status === 404 && known !== undefined) {
        await res.body.dump().catch(() => undefined);
        continue;
      }
      throw await apiFailure(res, this.ctx.api, deleting, what, (body, answer) => missingScopes(body, answer, DELETE_SCOPE));
    }
    throw new CoreError('MANIFEST_UNKNOWN', `${repository} has no version ${digest} on ${this.ctx.host}: it may be gone already.`);
  };

  async account(signal?: AbortSignal): Promise<string | undefined> {
    this.loginPromise ??= (async () => {
      const { headers, party } = await this.signedIn();
      if (!party.credential) return undefined;
      return this.user(headers, party, signal);
    })();
    this.loginPromise.catch(() => (this.loginPromise = undefined));
    return this.loginPromise;
  }

  webPage(target: { repository?: string; tag?: string } = {}): string | undefined {
    const site = this.ctx.host.toLowerCase() === 'ghcr.io' ? 'https://github.com' : new URL(this.base).origin;
    if (!target.repository) return undefined;
    const known = this.pages.get(target.repository);
    if (known) return known;
    const slash = target.repository.indexOf('/');
    if (slash < 0) return undefined;
    // A package's page: https://docs.github.com/en/packages/learn-github-packages/viewing-packages
    return `${site}/users/${segment(target.repository.slice(0, slash))}/packages/container/package/${segment(target.repository.slice(slash + 1))}`;
  }

  /**
   * `GET /user` (https://docs.github.com/en/rest/users/users#get-the-authenticated-user): the
   * login, and for a classic token the scopes it carries in `X-OAuth-Scopes`
   * (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps#checking-headers-to-see-what-oauth-scopes-you-have-and-what-the-api-accepts):
   * a token without a packages scope is refused here, with the scope named.
   */
  private async user(headers: Record<string, string>, party: ApiParty, signal?: AbortSignal): Promise<string> {
    const { json, res } = await getJson(this.ctx.api, apiUrl(this.base, '/user'), headers, party, 'the signed-in user', signal);
    const login = text((json as Record<string, unknown> | null)?.login, 100);
    const scopes = header(res, 'x-oauth-scopes');
    if (scopes !== undefined) {
      const granted = scopes.split(',').map((s) => s.trim());
      if (!READING_SCOPES.some((s) => granted.includes(s))) throw scopeError(party, 'the container packages', ['read:packages']);
    }
    if (!login) throw new CoreError('BAD_RESPONSE', `${VENDOR} answered the signed-in user without a login; the listing stops here.`);
    return login;
  }

  /**
   * Refuses a classic token without `delete:packages` (its `X-OAuth-Scopes` on `GET /user`), so a
   * clean-up says so before its preview; a token that names no scopes (fine-grained, GITHUB_TOKEN)
   * is left to the delete's own answer.
   */
  private checkDeleteScope(headers: Record<string, string>, party: ApiParty, signal?: AbortSignal): Promise<void> {
    this.deleteScopeCheck ??= (async () => {
      if (!party.credential)
        throw new CoreError('NEEDS_LOGIN', `${VENDOR} deletes package versions only for a signed-in user: sign in to ${this.ctx.host}.`, {
          remedy: { kind: 'log-in', host: this.ctx.host },
        });
      const { res } = await getJson(this.ctx.api, apiUrl(this.base, '/user'), headers, party, 'the signed-in user', signal);
      const scopes = header(res, 'x-oauth-scopes');
      if (
        scopes !== undefined &&
        !scopes
          .split(',')
          .map((s) => s.trim())
          .includes(DELETE_SCOPE)
      )
        throw scopeError(party, 'deleting package versions', [DELETE_SCOPE]);
    })();
    this.deleteScopeCheck.catch(() => (this.deleteScopeCheck = undefined));
    return this.deleteScopeCheck;
  }

  /**
   * Every version of the package behind `repository` (at most `limit`), from the first of its
   * owner's paths that answers: the user's own (`/user/packages/…`) when the owner is the
   * signed-in user, else an organization's, else a user's.
   */
  private async versions(
    repository: string,
    options: { signal?: AbortSignal; limit?: number; pageSize?: number },
  ): Promise<PackageVersion[]> {
    const { headers, party } = await this.signedIn();
    if (!party.credential)
      throw new CoreError('NEEDS_LOGIN', `${VENDOR} lists package versions only to a signed-in user: sign in to ${this.ctx.host}.`, {
        remedy: { kind: 'log-in', host: this.ctx.host },
      });
    const slash = repository.indexOf('/');
    if (slash <= 0) throw new CoreError('NOT_VISIBLE', `${repository} is no ${VENDOR} package: packages are named owner/name.`);
    const owner = repository.slice(0, slash);
    const name = segment(repository.slice(slash + 1));
    const known = this.versionPaths.get(repository);
    const login = known ? undefined : await this.account(options.signal);
    const paths = known
      ? [known]
      : login?.toLowerCase() === owner.toLowerCase()
        ? [`/user/packages/container/${name}`]
        : [`/orgs/${segment(owner)}/packages/container/${name}`, `/users/${segment(owner)}/packages/container/${name}`];
    const limit = Math.max(1, options.limit ?? 100_000);
    const what = `the versions of the package ${repository}`;
    for (const [i, path] of paths.entries()) {
      const versions: PackageVersion[] = [];
      try {
        const pages = walkPages(
          apiUrl(this.base, `${path}/versions`, { per_page: Math.max(1, Math.min(100, options.pageSize ?? 100)) }),
          async (url) => {
            const { json, res } = await getJson(this.ctx.api, url, headers, party, what, options.signal, (body, answer) =>
              missingScopes(body, answer),
            );
            return { items: listIn(json, undefined, VENDOR, what).flatMap(packageVersion), next: nextPage(res, undefined, party, what) };
          },
          VENDOR,
          what,
        );
        for await (const page of pages) {
          for (const version of page.slice(0, limit - versions.length)) versions.push(version);
          if (versions.length >= limit) break;
        }
      } catch (err) {
        // An owner that is no organization answers 404 there: it may be a user.
        if ((err as { code?: string }).code === 'NOT_VISIBLE' && versions.length === 0 && i < paths.length - 1) continue;
        throw err;
      }
      this.versionPaths.set(repository, path);
      this.versionIds.set(repository, new Map(versions.map((v) => [v.digest, v.id])));
      return versions;
    }
    return [];
  }

  /**
   * The organizations to list: `GET /user/orgs`, which needs `read:org` or `user` with a classic
   * token and answers 403 without (https://docs.github.com/en/rest/orgs/orgs#list-organizations-for-the-authenticated-user);
   * then the public memberships, which need no scope
   * (https://docs.github.com/en/rest/orgs/orgs#list-organizations-for-a-user).
   */
  private async organizations(login: string, headers: Record<string, string>, party: ApiParty, signal?: AbortSignal): Promise<string[]> {
    const read = async (path: string): Promise<string[]> => {
      const names: string[] = [];
      const pages = walkPages(
        apiUrl(this.base, path, { per_page: 100 }),
        async (url) => {
          const { json, res } = await getJson(this.ctx.api, url, headers, party, `the organizations of ${login}`, signal);
          const items = listIn(json, undefined, VENDOR, 'the organizations').flatMap((o) => {
            const name = text((o as Record<string, unknown> | null)?.login, 100);
            return name ? [name] : [];
          });
          return { items, next: nextPage(res, undefined, party, 'the organizations') };
        },
        VENDOR,
        'the organizations',
      );
      for await (const page of pages) {
        for (const name of page) names.push(name);
        if (names.length >= MAX_ORGS) break;
      }
      return names;
    };
    try {
      return await read('/user/orgs');
    } catch (err) {
      if ((err as { code?: string }).code !== 'NOT_VISIBLE' && (err as { code?: string }).code !== 'SCOPE_MISSING') throw err;
      return read(`/users/${segment(login)}/orgs`);
    }
  }

  /**
   * An organization's container packages
   * (https://docs.github.com/en/rest/packages/packages#list-packages-for-an-organization), or, for
   * a namespace named in settings that is no organization (404), a user's
   * (https://docs.github.com/en/rest/packages/packages#list-packages-for-a-user). An organization
   * that refuses (SSO not authorized for the token, no access) is skipped and noted.
   */
  private async *namespacePackages(
    namespace: string,
    isMember: boolean,
    perPage: number,
    headers: Record<string, string>,
    party: ApiParty,
    signal?: AbortSignal,
  ): AsyncGenerator<RepositoryDetails[]> {
    const query = { package_type: 'container', per_page: perPage };
    const what = `the container packages of ${namespace}`;
    try {
      yield* this.packages(apiUrl(this.base, `/orgs/${segment(namespace)}/packages`, query), headers, party, what, signal);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'NOT_VISIBLE') throw err;
      if (isMember) {
        this.skipped.push(namespace);
        return;
      }
    }
    try {
      yield* this.packages(apiUrl(this.base, `/users/${segment(namespace)}/packages`, query), headers, party, what, signal);
    } catch (err) {
      if ((err as { code?: string }).code !== 'NOT_VISIBLE') throw err;
      this.skipped.push(namespace);
    }
  }

  /** Pages of packages, following `Link: rel="next"` (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api). */
  private packages(
    first: URL,
    headers: Record<string, string>,
    party: ApiParty,
    what: string,
    signal?: AbortSignal,
  ): AsyncGenerator<RepositoryDetails[]> {
    const scopeMissing = (body: string, res: HttpResponse): readonly string[] | undefined => missingScopes(body, res);
    return walkPages(
      first,
      async (url) => {
        const res = await this.ctx.api.send({ method: 'GET', url, headers, signal });
        if (res.status !== 200) throw await apiFailure(res, this.ctx.api, party, what, scopeMissing);
        const json = await readJson(res, VENDOR, what);
        const items = listIn(json, undefined, VENDOR, what).flatMap((p) => this.details(p));
        return { items, next: nextPage(res, undefined, party, what) };
      },
      VENDOR,
      what,
    );
  }

  /** A package as a repository row (https://docs.github.com/en/rest/packages/packages: the "package" schema). */
  private details(raw: unknown): RepositoryDetails[] {
    if (!raw || typeof raw !== 'object') return [];
    const p = raw as Record<string, unknown>;
    const owner = text((p.owner as Record<string, unknown> | null)?.login, 100);
    const name = text(p.name, 300);
    if (!owner || !name) return [];
    const full = `${owner}/${name}`.toLowerCase();
    if (!isRepositoryName(full)) return [];
    const visibility = p.visibility === 'public' || p.visibility === 'private' || p.visibility === 'internal' ? p.visibility : undefined;
    const repository = p.repository as Record<string, unknown> | null | undefined;
    const page = pageOn(p.html_url, this.ctx.host.toLowerCase() === 'ghcr.io' ? 'https://github.com' : new URL(this.base).origin);
    if (page) this.pages.set(full, page);
    const details: RepositoryDetails = { name: full };
    const lastPush = time(p.updated_at);
    if (lastPush !== undefined) details.lastPush = lastPush;
    if (visibility) details.visibility = visibility;
    const description = text(repository?.description);
    if (description) details.description = description;
    const versions = count(p.version_count);
    if (versions !== undefined) details.versionCount = versions;
    if (page) details.webUrl = page;
    return [details];
  }
}

/** A version of the list ("package-version" schema: `id`, `name` the digest, `created_at`, `metadata.container.tags`). */
function packageVersion(raw: unknown): PackageVersion[] {
  if (!raw || typeof raw !== 'object') return [];
  const v = raw as Record<string, unknown>;
  const id = count(v.id);
  if (id === undefined || typeof v.name !== 'string' || !isDigest(v.name)) return [];
  const container = ((v.metadata as Record<string, unknown> | null | undefined)?.container ?? undefined) as
    Record<string, unknown> | undefined;
  const tags = Array.isArray(container?.tags) ? container.tags.filter((t): t is string => typeof t === 'string') : [];
  const created = time(v.created_at);
  return [{ id, digest: v.name, tags, ...(created !== undefined ? { created } : {}) }];
}

/**
 * The scopes a 403 says the token lacks: the `X-Accepted-OAuth-Scopes` it names that
 * `X-OAuth-Scopes` does not grant, or `read:packages` (or `wanted`, for a delete) when the message
 * asks for it.
 */
function missingScopes(body: string, res: Pick<HttpResponse, 'headers'>, wanted = 'read:packages'): readonly string[] | undefined {
  const list = (name: string): string[] | undefined =>
    header(res, name)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const accepted = list('x-accepted-oauth-scopes');
  const granted = list('x-oauth-scopes');
  if (accepted && granted && accepted.length > 0 && !accepted.some((s) => granted.includes(s))) {
    return accepted.includes(wanted) ? [wanted] : accepted.slice(0, 1);
  }
  if (wanted !== 'read:packages' && granted && !granted.includes(wanted)) return [wanted];
  return new RegExp(wanted).test(body) ? [wanted] : undefined;
}
