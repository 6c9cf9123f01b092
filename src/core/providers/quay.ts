/**
 * Quay (quay.io and self-hosted Red Hat Quay): the repositories of the signed-in user's namespace
 * and of each organization, through Quay's API v1 (https://docs.quay.io/api/, the swagger at
 * /api/v1/discovery), signing in with an OAuth access token, which is also the registry's password
 * with the username `$oauthtoken`.
 */
import type { ListOptions } from '../registry/client';
import type { HttpResponse } from '../transport/http';
import type { ProviderClient, ProviderContext, ProviderInfo, RepositoryDetails } from './provider';
import { apiUrl, getJson, isRepositoryName, listIn, needsSignIn, segment, text, time, walkPages, type ApiParty } from './vendor-api';

const VENDOR = 'Quay';
const MAX_ORGS = 1000;

export class QuayProvider implements ProviderClient {
  readonly skipped: string[] = [];
  private userPromise: Promise<{ username: string; organizations: string[] } | undefined> | undefined;

  constructor(
    readonly info: ProviderInfo,
    private readonly ctx: ProviderContext,
  ) {}

  private get base(): string {
    return this.info.apiBase!;
  }

  /** An OAuth access token as a Bearer (https://docs.quay.io/api/ "Accessing the API"). */
  private async signedIn(): Promise<{ headers: Record<string, string>; party: ApiParty }> {
    const credential = await this.ctx.registry.credential();
    const token = credential?.password ?? credential?.registryToken;
    if (token) this.ctx.api.secrets.add(token);
    return {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      party: { vendor: VENDOR, registry: this.ctx.host, credential: token ? credential : undefined, scopes: ['repo:read', 'user:read'] },
    };
  }

  async *listRepositories(options: ListOptions = {}): AsyncGenerator<RepositoryDetails[]> {
    const { headers, party } = await this.signedIn();
    if (!party.credential && this.ctx.namespaces.length === 0) throw needsSignIn(VENDOR, this.ctx.host);
    const signal = options.signal;
    this.skipped.length = 0;
    const user = party.credential ? await this.user(headers, party, signal) : undefined;
    const seen = new Set<string>();
    for (const namespace of [...(user ? [user.username, ...user.organizations] : []), ...this.ctx.namespaces]) {
      if (seen.has(namespace.toLowerCase())) continue;
      seen.add(namespace.toLowerCase());
      try {
        yield* this.repositories(namespace, headers, party, signal);
      } catch (err) {
        if ((err as { code?: string }).code !== 'NOT_VISIBLE' || namespace === user?.username) throw err;
        this.skipped.push(namespace);
      }
    }
  }

  async account(signal?: AbortSignal): Promise<string | undefined> {
    const { headers, party } = await this.signedIn();
    if (!party.credential) return undefined;
    return (await this.user(headers, party, signal))?.username;
  }

  webPage(target: { repository?: string; tag?: string } = {}): string | undefined {
    const site = new URL(this.base).origin;
    if (!target.repository) return `${site}/repository/`;
    const page = `${site}/repository/${target.repository.split('/').map(segment).join('/')}`;
    return target.tag ? `${page}?tab=tags&tag=${encodeURIComponent(target.tag)}` : page;
  }

  /** `GET /api/v1/user/` (getLoggedInUser): the username and the organizations the user belongs to. */
  private user(
    headers: Record<string, string>,
    party: ApiParty,
    signal?: AbortSignal,
  ): Promise<{ username: string; organizations: string[] } | undefined> {
    this.userPromise ??= (async () => {
      const { json } = await getJson(
        this.ctx.api,
        apiUrl(this.base, '/user/'),
        headers,
        party,
        'the signed-in user',
        signal,
        insufficientScope,
      );
      const o = json as Record<string, unknown> | null;
      const username = text(o?.username, 255);
      if (!username) return undefined;
      const organizations = (Array.isArray(o?.organizations) ? o.organizations : [])
        .flatMap((org) => {
          const name = text((org as Record<string, unknown> | null)?.name, 255);
          return name ? [name] : [];
        })
        .slice(0, MAX_ORGS);
      return { username, organizations };
    })();
    this.userPromise.catch(() => (this.userPromise = undefined));
    return this.userPromise;
  }

  /**
   * A namespace's repositories: `GET /api/v1/repository?namespace=…` with `last_modified`
   * (listRepos), paged by the `next_page` token each answer carries until there is none.
   * `public=true` is needed to see a namespace's public repositories at all: Quay's listRepos
   * (quay/quay endpoints/api/repository.py) defaults `public` ("Adds any repositories visible to
   * the user by virtue of being public") to false, and get_visible_repositories
   * (data/model/repository.py) then returns nothing without a user, and only the repositories a
   * signed-in user holds a permission on.
   */
  private repositories(
    namespace: string,
    headers: Record<string, string>,
    party: ApiParty,
    signal?: AbortSignal,
  ): AsyncGenerator<RepositoryDetails[]> {
    const what = `the repositories of ${namespace}`;
    const first = apiUrl(this.base, '/repository', { namespace, public: 'true', last_modified: 'true' });
    return walkPages(
      first,
      async (url) => {
        const { json } = await getJson(this.ctx.api, url, headers, party, what, signal, insufficientScope);
        const items = listIn(json, 'repositories', VENDOR, what).flatMap((r) => details(r, namespace));
        const token = text((json as Record<string, unknown>).next_page, 4096);
        const next = token === undefined ? undefined : new URL(first.href);
        next?.searchParams.set('next_page', token!);
        return { items, next };
      },
      VENDOR,
      what,
    );
  }
}

function details(raw: unknown, namespace: string): RepositoryDetails[] {
  if (!raw || typeof raw !== 'object') return [];
  const r = raw as Record<string, unknown>;
  if (r.kind !== undefined && r.kind !== 'image') return [];
  const name = text(r.name, 255);
  const owner = text(r.namespace, 255) ?? namespace;
  if (!name) return [];
  const full = `${owner}/${name}`.toLowerCase();
  if (!isRepositoryName(full)) return [];
  const out: RepositoryDetails = { name: full };
  const description = text(r.description);
  if (description) out.description = description;
  const lastPush = time(r.last_modified);
  if (lastPush !== undefined) out.lastPush = lastPush;
  if (typeof r.is_public === 'boolean') out.visibility = r.is_public ? 'public' : 'private';
  return [out];
}

/**
 * Quay answers a token without the scope with 403 and `"error_type": "insufficient_scope"`
 * (its API error types, https://docs.quay.io/api/ "Errors").
 */
function insufficientScope(body: string, _res: HttpResponse): readonly string[] | undefined {
  try {
    const parsed = JSON.parse(body) as { error_type?: unknown };
    return parsed.error_type === 'insufficient_scope' ? ['repo:read', 'user:read'] : undefined;
  } catch {
    return undefined;
  }
}
