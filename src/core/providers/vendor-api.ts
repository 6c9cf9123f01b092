/**
 * What every provider does with its vendor's API: JSON answers read within a byte limit, pages
 * walked (a `Link: rel="next"` header or a next-page URL in the body, each held to the URL policy
 * and the API's own origin, stopping at a page that repeats), failures turned into errors that
 * name what is missing (a login, a scope, a rate limit and when it resets, a namespace the user
 * cannot see), and vendor values read defensively: everything in an answer is untrusted.
 */
import type { Credential } from '../credentials/types';
import { CoreError, RateLimitError, type CoreErrorCode } from '../errors';
import { isRepositoryName as isValidRepositoryName } from '../name/reference';
import { header } from '../registry/endpoint-client';
import type { ApiChannel } from '../registry/api-channel';
import { quoteRegistryText } from '../text/registry-text';
import type { HttpResponse } from '../transport/http';
import { nextPageUrl, sameOrigin } from '../transport/link';
import { errorBodyText, readBodyLimited } from '../transport/read-body';
import { requireRegistryUrl } from '../transport/url-policy';
import { withoutTrailingSlashes } from '../text/slashes';

/** The largest API answer read into memory (a page of 100 packages is a few hundred KiB). */
const MAX_API_BYTES = 16 * 1024 * 1024;
/** Descriptions are cut here: a row's tooltip is not the place for a README. */
const MAX_DESCRIPTION_CHARS = 1000;
/** Pages one listing walks at most, whatever the vendor's links say. */
export const MAX_PAGES = 10_000;

/** Who is asking whom, for the words of an error. */
export interface ApiParty {
  /** The vendor as users know it: "Docker Hub", "GitHub". */
  vendor: string;
  /** The registry the user named (remedies are about it). */
  registry: string;
  /** The login sent, when there was one. */
  credential: Credential | undefined;
  /** The scopes the API needs, in the vendor's words, for a scope error's remedy. */
  scopes?: readonly string[];
  /** What the login's secret is called in messages: "token" (default), "password". */
  secretNoun?: string;
}

/** Sends a GET with the vendor's headers and returns the parsed JSON, or throws the error the answer means. */
export async function getJson(
  api: ApiChannel,
  url: URL,
  headers: Record<string, string>,
  party: ApiParty,
  what: string,
  signal?: AbortSignal,
  scopeMissing?: (body: string, res: HttpResponse) => readonly string[] | undefined,
): Promise<{ json: unknown; res: HttpResponse }> {
  const res = await api.send({ method: 'GET', url, headers: { accept: 'application/json', ...headers }, signal });
  if (res.status !== 200) throw await apiFailure(res, api, party, what, scopeMissing);
  return { json: await readJson(res, party.vendor, what), res };
}

/** An answer's body as JSON, within the byte limit. */
export async function readJson(res: HttpResponse, vendor: string, what: string): Promise<unknown> {
  const text = (
    await readBodyLimited(
      res,
      MAX_API_BYTES,
      () =>
        new CoreError(
          'RESPONSE_TOO_LARGE',
          `${vendor} sent more than ${MAX_API_BYTES / 1048576} MiB for ${what}; the answer was not read.`,
        ),
    )
  ).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CoreError(
      'BAD_RESPONSE',
      `${vendor} answered ${what} with something that is not JSON (${res.url.host}): check the provider's API URL in the registry's settings.`,
    );
  }
}

/**
 * The error a failed answer means, by the statuses and headers vendors document: 401 (no login, or
 * a token that expired or was revoked), 403/429 with a rate limit (and when it resets), 403 for a
 * scope the token lacks (see `scopeMissing`), 403/404 for what the user cannot see, else the
 * vendor's own words.
 */
export async function apiFailure(
  res: HttpResponse,
  api: ApiChannel,
  party: ApiParty,
  what: string,
  scopeMissing?: (body: string, res: HttpResponse) => readonly string[] | undefined,
): Promise<CoreError> {
  const body = await errorBodyText(res);
  const said = vendorSaid(body, api);
  const { vendor, registry, credential } = party;
  const limited = rateLimitReset(res, body);
  if (limited) {
    const when = limited.resetAt ? ` until ${limited.resetAt.toLocaleTimeString()}` : '';
    return new RateLimitError(
      `${vendor} refuses more requests from ${credential ? 'this account' : 'anonymous users at this address'}${when} (its rate limit for ${what} is spent)${said ? `: ${said}` : ''}; try again then${credential ? '' : `, or sign in to ${registry} for a higher limit`}.`,
      limited.resetAt,
    );
  }
  if (res.status === 401) {
    if (!credential)
      return new CoreError('NEEDS_LOGIN', `${vendor} lists ${what} only to a signed-in user: sign in to ${registry}.`, {
        remedy: { kind: 'log-in', host: registry },
      });
    return new CoreError(
      'TOKEN_REJECTED',
      `${vendor} rejected the ${party.secretNoun ?? 'token'} from ${credential.source} for ${what}${said ? ` (it said: ${said})` : ''}: ${party.secretNoun === 'password' ? 'check it, or' : 'it may have expired or been revoked;'} sign in to ${registry} again.`,
      { remedy: { kind: 'log-in', host: registry } },
    );
  }
  if (res.status === 403) {
    const missing = scopeMissing?.(body, res);
    if (missing && missing.length > 0) return scopeError(party, what, missing);
  }
  if (res.status === 403 || res.status === 404) {
    return new CoreError(
      'NOT_VISIBLE',
      `${vendor} does not let ${credential ? `the login from ${credential.source}` : 'anonymous users'} see ${what} (HTTP ${res.status}${said ? `: ${said}` : ''}): check the name, and that the account is a member with access${credential ? '' : `, or sign in to ${registry}`}.`,
      credential ? undefined : { remedy: { kind: 'log-in', host: registry } },
    );
  }
  return new CoreError(
    'API_ERROR',
    `${vendor} answered HTTP ${res.status} for ${what}${said ? ` (it said: ${said})` : ''}: try again later, or check the service's status.`,
  );
}

/** The error for a token that lacks scopes the API needs, with the remedy to grant them. */
export function scopeError(party: ApiParty, what: string, missing: readonly string[]): CoreError {
  const scopes = missing.join(', ');
  return new CoreError(
    'SCOPE_MISSING',
    `${party.vendor} refused ${what}: the token from ${party.credential?.source ?? 'the login'} lacks the ${scopes} scope${missing.length > 1 ? 's' : ''}; sign in to ${party.registry} again granting ${scopes}.`,
    { remedy: { kind: 'grant-scopes', host: party.registry, scopes: missing } },
  );
}

/**
 * Whether an answer says a rate limit is spent, and when it resets: 429 always; 403 with
 * `x-ratelimit-remaining: 0` (GitHub), or whose body says so. The reset comes from `retry-after`
 * (seconds), `x-ratelimit-reset` or `ratelimit-reset` (epoch seconds), or Docker Hub's
 * `x-retry-after` (epoch seconds).
 */
export function rateLimitReset(res: Pick<HttpResponse, 'status' | 'headers'>, body = '', now = Date.now()): { resetAt?: Date } | undefined {
  const remaining = header(res, 'x-ratelimit-remaining');
  const limited = res.status === 429 || (res.status === 403 && (remaining?.trim() === '0' || /rate limit/i.test(body)));
  if (!limited) return undefined;
  const retryAfter = header(res, 'retry-after');
  const seconds = retryAfter !== undefined && /^\s*\d{1,9}\s*$/.test(retryAfter) ? Number(retryAfter) : undefined;
  if (seconds !== undefined) return { resetAt: new Date(now + seconds * 1000) };
  for (const name of ['x-ratelimit-reset', 'ratelimit-reset', 'x-retry-after']) {
    const value = header(res, name);
    if (value !== undefined && /^\s*\d{9,11}\s*$/.test(value)) return { resetAt: new Date(Number(value) * 1000) };
  }
  const date = retryAfter === undefined ? NaN : Date.parse(retryAfter);
  return Number.isFinite(date) ? { resetAt: new Date(date) } : {};
}

/** The vendor's own message from an error body (`message`, `detail`, `error_description`, `errors[0].message`), quoted safely. */
export function vendorSaid(body: string, api: ApiChannel): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const o = parsed as Record<string, unknown>;
  const first = Array.isArray(o.errors) ? (o.errors[0] as Record<string, unknown> | undefined)?.message : undefined;
  const text = [o.message, o.detail, o.error_description, o.error_message, first, o.error].find(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  return text === undefined ? undefined : quoteRegistryText(text, api.secrets) || undefined;
}

/**
 * The next page's URL: from `Link: rel="next"` or from a URL the body names (Docker Hub's `next`),
 * resolved against the request, held to the URL policy and to the API's own origin.
 */
export function nextPage(res: HttpResponse, bodyNext: unknown, party: ApiParty, what: string): URL | undefined {
  const requestUrl = res.url;
  const raw = typeof bodyNext === 'string' && bodyNext !== '' ? bodyNext : nextPageUrl(header(res, 'link'), requestUrl.href);
  if (raw === undefined) return undefined;
  const checked = requireRegistryUrl(raw, requestUrl, 'next-page', party.vendor, what);
  if (!sameOrigin(checked, requestUrl))
    throw new CoreError(
      'CROSS_ORIGIN_LINK',
      `${party.vendor} pointed the next page of ${what} at another origin (${checked.origin}); it is not followed.`,
    );
  return checked;
}

/** Walks pages from `first`, each fetched by `page`, stopping at the end, at a page link that repeats, or after MAX_PAGES. */
export async function* walkPages<T>(
  first: URL,
  page: (url: URL) => Promise<{ items: T[]; next: URL | undefined }>,
  vendor: string,
  what: string,
): AsyncGenerator<T[]> {
  const seen = new Set<string>();
  for (let url: URL | undefined = first; url;) {
    if (seen.has(url.href) || seen.size >= MAX_PAGES)
      throw new CoreError('PAGINATION_LOOP', `${vendor} sent the same page link twice while listing ${what}; the listing stops here.`);
    seen.add(url.href);
    const { items, next } = await page(url);
    url = next;
    yield items;
  }
}

/** A vendor's list answer: an array, or an array under `field`; anything else is a bad answer. */
export function listIn(json: unknown, field: string | undefined, vendor: string, what: string): unknown[] {
  const value = field === undefined ? json : (json as Record<string, unknown> | null)?.[field];
  if (Array.isArray(value)) return value;
  if (value === null || value === undefined) {
    if (field !== undefined && json && typeof json === 'object') return [];
  }
  throw new CoreError('BAD_RESPONSE', `${vendor} answered ${what} without the list it documents; the listing stops here.`);
}

/** A string field, or undefined; one of more than `max` characters cut to `max`, the last an ellipsis. */
export function text(value: unknown, max = MAX_DESCRIPTION_CHARS): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  // No more characters than UTF-16 units; a longer one is read only as far as the cut, not whole (an answer may send megabytes).
  if (value.length <= max) return value;
  const chars: string[] = [];
  for (const char of value) {
    if (chars.length === max) return `${chars.slice(0, max - 1).join('')}…`;
    chars.push(char);
  }
  return value;
}

/** A non-negative integer field, or undefined. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** A time: an ISO 8601 string, or epoch seconds; undefined when neither or not between 1990 and 2200. */
export function time(value: unknown): number | undefined {
  const ms = typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value * 1000 : NaN;
  return Number.isFinite(ms) && ms > 631_152_000_000 && ms < 7_258_118_400_000 ? ms : undefined;
}

/** Whether a name the vendor sent is a repository name references can use (anything else is not listed). */
export function isRepositoryName(name: unknown): name is string {
  return typeof name === 'string' && isValidRepositoryName(name);
}

/** A web page an answer names, kept only when it is on the vendor's own site (`origin`): never a URL elsewhere the answer makes up. */
export function pageOn(raw: unknown, origin: string): string | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const url = new URL(raw);
    return url.origin === origin && !url.username && !url.password ? withoutTrailingSlashes(url.href) : undefined;
  } catch {
    return undefined;
  }
}

/** A path segment for a URL: a vendor name percent-encoded, `/` included. */
export function segment(name: string): string {
  return encodeURIComponent(name);
}

/** A sign-in is needed before the vendor lists anything: the error saying so. */
export function needsSignIn(vendor: string, registry: string, code: CoreErrorCode = 'NEEDS_LOGIN'): CoreError {
  return new CoreError(code, `${vendor} lists repositories only to a signed-in user: sign in to ${registry}.`, {
    remedy: { kind: 'log-in', host: registry },
  });
}

/** The API base for a host the user named, without a trailing slash. */
export function apiUrl(base: string, path: string, query: Record<string, string | number | undefined> = {}): URL {
  const url = new URL(`${withoutTrailingSlashes(base)}${path}`);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
  return url;
}
