/**
 * Harbor recognised without a setting. A registry nobody named a provider for lists through
 * `_catalog`; when the catalog refuses the user (Harbor serves it to system administrators only)
 * or comes back empty, and the registry's own challenge already looked like Harbor's, it is asked
 * once whether it is Harbor, and from then on lists its projects' repositories as Harbor.
 *
 * What looks like Harbor (goharbor/harbor src/server/middleware/v2auth/auth.go): a Bearer
 * challenge whose realm is `/service/token` on the registry's own origin, or the `Basic
 * realm="harbor"` it answers `_catalog` with. Only then is the documented anonymous
 * `GET /api/v2.0/systeminfo` (getSystemInfo, api/v2.0/swagger.yaml) sent, to the origin the
 * registry was reached at, without credentials and without following redirects; its
 * `auth_mode` decides. So a registry that is not Harbor gets no request it did not get before,
 * and nothing a registry answers sends this client to another host.
 */
import type { ChallengeInfo } from '../auth/authorizer';
import { CoreError } from '../errors';
import type { ApiChannel } from '../registry/api-channel';
import type { ListOptions } from '../registry/client';
import { readBodyLimited } from '../transport/read-body';
import { recognisedProvider } from './choose';
import { DistributionProvider } from './distribution';
import { HarborProvider } from './harbor';
import type { ProviderClient, ProviderContext, ProviderInfo, RepositoryPage } from './provider';

/** Harbor's system information is a few hundred bytes; more is not Harbor's. */
const MAX_SYSTEMINFO_BYTES = 64 * 1024;

/** Catalog failures behind which a Harbor user may still see projects: a refusal, a login it wants, no catalog at all. */
const HIDING_CODES = new Set(['DENIED', 'NEEDS_LOGIN', 'AUTH_FAILED', 'CATALOG_UNSUPPORTED']);

/** Whether a failed `_catalog` may be Harbor refusing a user who is not an administrator. */
export function catalogMayHideHarbor(err: unknown): boolean {
  return err instanceof CoreError && HIDING_CODES.has(err.code);
}

/**
 * Whether the challenge a registry answered with is Harbor's: its token service at `/service/token`
 * on the very origin the registry was reached at (a realm elsewhere proves nothing about this
 * host), or the Basic realm Harbor names itself by.
 */
export function looksLikeHarbor(challenge: ChallengeInfo | undefined, registryOrigin: string): boolean {
  if (!challenge?.realm) return false;
  if (challenge.scheme === 'basic') return challenge.realm.trim().toLowerCase() === 'harbor';
  let realm: URL;
  let origin: URL;
  try {
    realm = new URL(challenge.realm);
    origin = new URL(registryOrigin);
  } catch {
    return false;
  }
  return realm.origin === origin.origin && /\/service\/token\/?$/.test(realm.pathname);
}

/**
 * Whether an answer of `GET /api/v2.0/systeminfo` is Harbor's GeneralInfo: an object whose
 * `auth_mode` is one of Harbor's (`db_auth`, `ldap_auth`, `uaa_auth`, `http_auth`, `oidc_auth`,
 * src/common/const.go), which it gives anonymous callers too.
 */
export function isHarborSystemInfo(json: unknown): boolean {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return false;
  const mode = (json as Record<string, unknown>).auth_mode;
  return typeof mode === 'string' && /^[a-z]{2,16}_auth$/.test(mode);
}

/**
 * Asks `origin` (the registry's own) whether it is Harbor: true or false by its answer, undefined
 * when it could not be asked (the network failed), so a later listing asks again.
 */
export async function askHarbor(api: ApiChannel, origin: string, signal?: AbortSignal): Promise<boolean | undefined> {
  let res;
  try {
    res = await api.send({
      method: 'GET',
      url: new URL('/api/v2.0/systeminfo', origin),
      headers: { accept: 'application/json' },
      redirects: 'none',
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    return undefined;
  }
  if (res.status !== 200) {
    await res.body.dump().catch(() => undefined);
    return false;
  }
  try {
    const body = await readBodyLimited(
      res,
      MAX_SYSTEMINFO_BYTES,
      () => new CoreError('RESPONSE_TOO_LARGE', 'The system information was too large.'),
    );
    return isHarborSystemInfo(JSON.parse(body.toString('utf8')));
  } catch (err) {
    if (signal?.aborted) throw err;
    return false;
  }
}

/**
 * The provider of a registry nobody named one for: `_catalog` (DistributionProvider), until the
 * registry turns out to be Harbor; then Harbor's, with its API on the registry's own origin.
 */
export class RecognisingProvider implements ProviderClient {
  private readonly catalog: DistributionProvider;
  private harbor: HarborProvider | undefined;
  /** Set once the registry answered that it is not Harbor: it is not asked again. */
  private notHarbor = false;

  /** `earlier`: what a previous client for this registry recognised it as; it starts as that. */
  constructor(
    private readonly plainInfo: ProviderInfo,
    private readonly ctx: ProviderContext,
    earlier?: ProviderInfo,
  ) {
    this.catalog = new DistributionProvider(plainInfo, ctx);
    if (earlier?.id === 'harbor' && earlier.chosenBy === 'detected') this.harbor = new HarborProvider(earlier, ctx);
  }

  get info(): ProviderInfo {
    return this.harbor?.info ?? this.plainInfo;
  }

  async *listRepositories(options: ListOptions = {}): AsyncGenerator<RepositoryPage> {
    if (this.harbor) {
      yield* this.harbor.listRepositories(options);
      return;
    }
    const pages = this.catalog.listRepositories(options);
    let first: IteratorResult<RepositoryPage>;
    try {
      first = await pages.next();
    } catch (err) {
      const harbor = catalogMayHideHarbor(err) ? await this.recognise(options.signal) : undefined;
      if (!harbor) throw err;
      yield* harbor.listRepositories(options);
      return;
    }
    if (first.done || (first.value.length === 0 && first.value.more !== true)) {
      const harbor = await this.recognise(options.signal);
      if (harbor) {
        await pages.return(undefined);
        yield* harbor.listRepositories(options);
        return;
      }
    }
    if (first.done) return;
    yield first.value;
    yield* pages;
  }

  account(signal?: AbortSignal): Promise<string | undefined> {
    return this.harbor ? this.harbor.account(signal) : this.catalog.account();
  }

  webPage(target: { repository?: string; tag?: string } = {}): string | undefined {
    return this.harbor ? this.harbor.webPage(target) : this.catalog.webPage(target);
  }

  /** Harbor's provider when the registry's challenge looked like Harbor's and its system information says so. */
  private async recognise(signal?: AbortSignal): Promise<HarborProvider | undefined> {
    if (this.harbor || this.notHarbor) return this.harbor;
    const endpoint = (await this.ctx.registry.endpointClients('list').catch(() => []))[0];
    // Only the registry's own server at its usual API root: another host (a hosts.toml server) or path proves nothing.
    if (!endpoint || endpoint.endpoint.role !== 'server' || endpoint.endpoint.pathPrefix !== '/v2') return undefined;
    if (endpoint.host.toLowerCase() !== this.ctx.host.toLowerCase()) return undefined;
    const origin = endpoint.origin;
    if (!looksLikeHarbor(endpoint.challenge, origin)) return undefined;
    const isHarbor = await askHarbor(this.ctx.api, origin, signal);
    if (isHarbor === false) this.notHarbor = true;
    if (!isHarbor) return undefined;
    this.harbor ??= new HarborProvider(recognisedProvider(this.ctx.host, 'harbor', origin), this.ctx);
    return this.harbor;
  }
}
