/**
 * Azure Container Registry's list of a repository's manifests with their tags,
 * `GET /acr/v1/<repository>/_manifests` (learn.microsoft.com/rest/api/containerregistry/manifests/get-list):
 * pages of `n` entries after `last`, the next one named by a `Link` header; each entry has its
 * `digest`, `imageSize`, `createdTime`, `mediaType` and `tags`. It needs a registry token with the
 * `repository:<name>:metadata_read` scope. The Distribution API lists tags only, so this is how a
 * clean-up on ACR finds manifests no tag points at.
 */
import { CoreError } from '../errors';
import type { RegistryClient } from '../registry/client';
import type { UntaggedManifestListing } from './provider';
import { header } from '../registry/endpoint-client';
import { readText } from '../registry/listing';
import { registryErrorFor } from '../registry/registry-errors';
import { nextPageUrl, sameOrigin } from '../transport/link';
import { requireRegistryUrl } from '../transport/url-policy';

/** One manifest as ACR lists it (untrusted: checked field by field). */
export interface AcrManifest {
  digest: string;
  tags: string[];
  size?: number;
  created?: number;
  mediaType?: string;
}

export interface AcrListOptions {
  signal?: AbortSignal;
  /** Entries per request (`n`), at most 1000. */
  pageSize?: number;
  /** Stop after this many manifests (a repository with millions must not hold memory hostage). */
  limit?: number;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
/** Pages read at most, whatever the registry's links say. */
const MAX_PAGES = 10_000;

/** Every manifest of `repository` with its tags, page by page; throws with what the user can do when ACR refuses. */
export async function listAcrManifests(registry: RegistryClient, repository: string, options: AcrListOptions = {}): Promise<AcrManifest[]> {
  const endpoints = await registry.endpointClients('list', repository);
  // The list is the registry's own API: a mirror in front of it would not know it.
  const endpoint = endpoints.find((e) => e.endpoint.role === 'server') ?? endpoints[0]!;
  const scopes = [`repository:${repository}:metadata_read`];
  const what = `the manifests of ${repository}`;
  const limit = options.limit ?? 100_000;
  const first = new URL(`/acr/v1/${repository}/_manifests`, endpoint.origin);
  first.searchParams.set('n', String(Math.max(1, Math.min(1000, options.pageSize ?? 100))));
  const manifests: AcrManifest[] = [];
  const seen = new Set<string>();
  let url: URL | undefined = first;
  for (let page = 0; url && page < MAX_PAGES && manifests.length < limit; page++) {
    if (seen.has(url.href))
      throw new CoreError(
        'PAGINATION_LOOP',
        `${registry.host} sent the same page link twice while listing ${what}; the listing stops here.`,
      );
    seen.add(url.href);
    const res = await endpoint.send({ method: 'GET', path: url, headers: { accept: 'application/json' }, scopes, signal: options.signal });
    const text = await readText(res);
    if (res.status === 401) throw await endpoint.refusal(res, scopes);
    if (res.status !== 200) throw registryErrorFor(res.status, text, what, registry.host, new Set());
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CoreError(
        'BAD_RESPONSE',
        `${registry.host} sent a list of ${what} that is not JSON: check that it is an Azure Container Registry.`,
      );
    }
    const entries = (body as { manifests?: unknown } | null)?.manifests;
    if (entries !== undefined && entries !== null && !Array.isArray(entries))
      throw new CoreError('BAD_RESPONSE', `${registry.host} sent a list of ${what} without a "manifests" list.`);
    for (const entry of (entries ?? []) as unknown[]) {
      const parsed = acrManifestOf(entry);
      if (parsed && manifests.length < limit) manifests.push(parsed);
    }
    const next = nextPageUrl(header(res, 'link'), res.url.href);
    const checked = next === undefined ? undefined : requireRegistryUrl(next, res.url, 'next-page', registry.host, what);
    if (checked && !sameOrigin(checked, res.url))
      throw new CoreError(
        'CROSS_ORIGIN_LINK',
        `${registry.host} pointed the next page of ${what} at another origin (${checked.origin}); it is not followed.`,
      );
    url = checked;
  }
  return manifests;
}

/** The manifests no tag points at, as a clean-up plan takes them. */
export function untaggedOf(manifests: readonly AcrManifest[]): UntaggedManifestListing[] {
  return manifests
    .filter((m) => m.tags.length === 0)
    .map((m) => ({
      digest: m.digest,
      ...(m.size !== undefined ? { size: m.size } : {}),
      ...(m.created !== undefined ? { created: m.created } : {}),
    }));
}

function acrManifestOf(entry: unknown): AcrManifest | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const e = entry as Record<string, unknown>;
  if (typeof e.digest !== 'string' || !DIGEST.test(e.digest)) return undefined;
  const tags = Array.isArray(e.tags) ? e.tags.filter((t): t is string => typeof t === 'string') : [];
  const size = typeof e.imageSize === 'number' && Number.isSafeInteger(e.imageSize) && e.imageSize >= 0 ? e.imageSize : undefined;
  const created = typeof e.createdTime === 'string' ? Date.parse(e.createdTime) : NaN;
  return {
    digest: e.digest,
    tags,
    ...(size !== undefined ? { size } : {}),
    ...(Number.isFinite(created) ? { created } : {}),
    ...(typeof e.mediaType === 'string' ? { mediaType: e.mediaType } : {}),
  };
}
