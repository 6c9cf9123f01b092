/**
 * Docker Hub: the repositories of the signed-in user's namespace and of each organization, through
 * Docker Hub's API (https://docs.docker.com/reference/api/hub/latest/), signing in with the
 * registry's own login: a username and a personal access token. Behaviours cite the API reference
 * (its OpenAPI file is docs.docker.com/reference/api/hub/latest.yaml).
 */
import { CoreError } from '../errors';
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
  readJson,
  segment,
  text,
  time,
  walkPages,
  type ApiParty,
} from './vendor-api';
import { MAX_TOKEN_CHARS } from '../auth/token';

const VENDOR = 'Docker Hub';
/** An access token lives 10 minutes ("This expires in 10 minutes", AuthCreateTokenResponse); it is asked again after 5. */
const TOKEN_REUSE_MS = 5 * 60_000;
const MAX_ORGS = 1000;

export class DockerHubProvider implements ProviderClient {
  /** Namespaces the last listing could not read, for the registry's tooltip. */
  readonly skipped: string[] = [];
  private token: { value: Promise<string>; credential: Credential; at: number } | undefined;

  constructor(
    readonly info: ProviderInfo,
    private readonly ctx: ProviderContext,
  ) {}

  private get base(): string {
    return this.info.apiBase!;
  }

  async *listRepositories(options: ListOptions = {}): AsyncGenerator<RepositoryDetails[]> {
    const signal = options.signal;
    const credential = await this.usableCredential();
    // Listing a namespace's repositories allows anonymous access for public ones ("security":
    // bearerAuth or {} on listNamespaceRepositories): without a login, the namespaces named in
    // settings are still listed.
    if (!credential && this.ctx.namespaces.length === 0) throw needsSignIn(VENDOR, this.ctx.host);
    const party: ApiParty = { vendor: VENDOR, registry: this.ctx.host, credential };
    this.skipped.length = 0;
    const own = credential?.username ? [credential.username] : [];
    const orgs = credential ? await this.organizations(party, signal) : [];
    const seen = new Set<string>();
    const pageSize = Math.max(1, Math.min(100, options.pageSize ?? 100));
    for (const namespace of [...own, ...orgs, ...this.ctx.namespaces]) {
      const key = namespace.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        yield* this.repositories(namespace, pageSize, party, signal);
      } catch (err) {
        // An organization that refuses this account is noted, not a reason to hide the others.
        if ((err as { code?: string }).code !== 'NOT_VISIBLE' || namespace === credential?.username) throw err;
        this.skipped.push(namespace);
      }
    }
  }

  async account(): Promise<string | undefined> {
    return (await this.usableCredential())?.username;
  }

  webPage(target: { repository?: string; tag?: string } = {}): string | undefined {
    if (!target.repository) return 'https://hub.docker.com/';
    const [namespace, ...rest] = target.repository.split('/');
    const name = rest.join('/');
    if (!namespace || !name) return undefined;
    // Official images live under /_/NAME, others under /r/NAMESPACE/NAME.
    const page =
      namespace === 'library'
        ? `https://hub.docker.com/_/${segment(name)}`
        : `https://hub.docker.com/r/${segment(namespace)}/${segment(name)}`;
    return target.tag ? `${page}/tags?name=${encodeURIComponent(target.tag)}` : page;
  }

  /** The registry's login when it is a username and a password or token (an identity token cannot sign in to Hub's API). */
  private async usableCredential(): Promise<Credential | undefined> {
    const credential = await this.ctx.registry.credential();
    if (!credential?.username || !credential.password || credential.username === '<token>') return undefined;
    return credential;
  }

  /**
   * An access token for the API: `POST /v2/auth/token` with the username as `identifier` and the
   * password or personal access token as `secret` (AuthCreateAccessToken), answered `access_token`.
   */
  private accessToken(credential: Credential, signal?: AbortSignal): Promise<string> {
    const cached = this.token;
    if (cached && cached.credential === credential && Date.now() - cached.at < TOKEN_REUSE_MS) return cached.value;
    const party: ApiParty = { vendor: VENDOR, registry: this.ctx.host, credential };
    const value = (async () => {
      this.ctx.api.secrets.addCredential(credential);
      const res = await this.ctx.api.send({
        method: 'POST',
        url: apiUrl(this.base, '/v2/auth/token'),
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ identifier: credential.username, secret: credential.password }),
        signal,
      });
      if (res.status !== 200) throw await apiFailure(res, this.ctx.api, party, 'a sign-in to its API');
      const token = ((await readJson(res, VENDOR, 'a sign-in')) as Record<string, unknown> | null)?.access_token;
      if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS || !/^[\x21-\x7e]+$/.test(token))
        throw new CoreError('BAD_RESPONSE', `${VENDOR} answered the sign-in to its API without an access token; try again later.`);
      this.ctx.api.secrets.addRecent(token);
      return token;
    })();
    this.token = { value, credential, at: Date.now() };
    value.catch(() => {
      if (this.token?.value === value) this.token = undefined;
    });
    return value;
  }

  /**
   * A GET with the access token when signed in. An access token lives ten minutes: one Hub no
   * longer takes (401) is replaced once with a new one from the same login before the answer counts.
   */
  private async get(url: URL, party: ApiParty, what: string, signal?: AbortSignal): Promise<{ json: unknown; res: HttpResponse }> {
    const credential = party.credential;
    if (!credential) return getJson(this.ctx.api, url, {}, party, what, signal);
    const token = await this.accessToken(credential, signal);
    try {
      return await getJson(this.ctx.api, url, { authorization: `Bearer ${token}` }, party, what, signal);
    } catch (err) {
      if ((err as { code?: string }).code !== 'TOKEN_REJECTED') throw err;
      if (this.token?.credential === credential) this.token = undefined;
      const fresh = await this.accessToken(credential, signal);
      return getJson(this.ctx.api, url, { authorization: `Bearer ${fresh}` }, party, what, signal);
    }
  }

  /**
   * The organizations the user belongs to: `GET /v2/user/orgs/`, paged like every Hub list
   * (`count`, `next`, `results`), each with its `orgname`. Hub's OpenAPI file leaves this route out;
   * Docker's own hub-tool uses it (github.com/docker/hub-tool, pkg/hub/organizations.go).
   */
  private async organizations(party: ApiParty, signal?: AbortSignal): Promise<string[]> {
    const names: string[] = [];
    const pages = walkPages(
      apiUrl(this.base, '/v2/user/orgs/', { page_size: 100 }),
      async (url) => {
        const { json, res } = await this.get(url, party, 'the organizations of the signed-in user', signal);
        const items = listIn(json, 'results', VENDOR, 'the organizations').flatMap((o) => {
          const name = text((o as Record<string, unknown> | null)?.orgname, 100);
          return name ? [name] : [];
        });
        return { items, next: nextPage(res, (json as Record<string, unknown>).next, party, 'the organizations') };
      },
      VENDOR,
      'the organizations',
    );
    for await (const page of pages) {
      for (const name of page) names.push(name);
      if (names.length >= MAX_ORGS) break;
    }
    return names;
  }

  /**
   * A namespace's repositories: `GET /v2/namespaces/{namespace}/repositories` with `page_size`
   * (at most 100) and the `next` URL each page names (listNamespaceRepositories).
   */
  private repositories(namespace: string, pageSize: number, party: ApiParty, signal?: AbortSignal): AsyncGenerator<RepositoryDetails[]> {
    const what = `the repositories of ${namespace}`;
    return walkPages(
      apiUrl(this.base, `/v2/namespaces/${segment(namespace)}/repositories`, { page_size: pageSize }),
      async (url) => {
        const { json, res } = await this.get(url, party, what, signal);
        const items = listIn(json, 'results', VENDOR, what).flatMap((r) => details(r, namespace));
        return { items, next: nextPage(res, (json as Record<string, unknown>).next, party, what) };
      },
      VENDOR,
      what,
    );
  }
}

/** A repository of a namespace's listing as a row: name, description, last push, pulls, private or public. */
function details(raw: unknown, namespace: string): RepositoryDetails[] {
  if (!raw || typeof raw !== 'object') return [];
  const r = raw as Record<string, unknown>;
  const name = text(r.name, 255);
  const owner = text(r.namespace, 255) ?? namespace;
  if (!name) return [];
  const full = `${owner}/${name}`.toLowerCase();
  if (!isRepositoryName(full)) return [];
  const out: RepositoryDetails = { name: full };
  const description = text(r.description);
  if (description) out.description = description;
  const lastPush = time(r.last_updated);
  if (lastPush !== undefined) out.lastPush = lastPush;
  const pulls = count(r.pull_count);
  if (pulls !== undefined) out.pullCount = pulls;
  if (typeof r.is_private === 'boolean') out.visibility = r.is_private ? 'private' : 'public';
  out.webUrl =
    owner === 'library' ? `https://hub.docker.com/_/${segment(name)}` : `https://hub.docker.com/r/${segment(owner)}/${segment(name)}`;
  return [out];
}
