/**
 * Fetching a bearer token from a registry's token server (Docker token protocol, with the OAuth2
 * refresh-token POST). Policy lives here too: which realms may receive credentials at all.
 *
 * Nothing in this file puts a secret (password, identity/refresh token, access token) into an error
 * message: messages name the host, the token server and where the credential came from.
 */
import { CoreError } from '../errors';
import { canonicalRegistryHost, isDockerHubHost } from '../name/docker-hub';
import { quoteRegistryText } from '../text/registry-text';
import type { Credential } from '../credentials/types';
import { errorBodyText, readBodyLimited } from '../transport/read-body';
import type { HttpRequest, HttpResponse } from '../transport/http';
import { requireRegistryUrl } from '../transport/url-policy';

/** Sent as `client_id` in token POSTs (token servers log it; it is not a secret). */
export const TOKEN_CLIENT_ID = 'oci-registry-explorer';
/** Docker's floor for `expires_in`, also the default when the server gives none. */
export const MIN_TOKEN_LIFETIME_SECONDS = 60;
/** A token answer is a small JSON object; anything bigger is not one. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
/**
 * The longest token taken, access or refresh. Real ones are a few KiB (JWTs with their claims);
 * proxies refuse header lines far shorter than this (nginx's default is 8 KiB), and every token is
 * kept, with its encodings, to be cut out of messages: a token server handing out megabyte tokens
 * would otherwise fill memory with them.
 */
export const MAX_TOKEN_CHARS = 32 * 1024;

/** The registry a token is for: its host[:port] and the scheme used to reach it. */
export interface RegistryTarget {
  host: string;
  scheme: 'https' | 'http';
}

export interface TokenRequest {
  /** The challenge's realm (token endpoint). */
  realm: string;
  service?: string;
  scopes: readonly string[];
  registry: RegistryTarget;
  /** The registry host's own credential, if any. */
  credential?: Credential;
  /** A refresh token the token server returned earlier (the credential's identityToken is used otherwise). */
  refreshToken?: string;
  /** False skips the refresh-token POST (this token server already answered it with a fallback status). Default true. */
  useRefreshToken?: boolean;
  send: (req: HttpRequest) => Promise<HttpResponse>;
  /** Configured headers for this host (hosts.toml `[header]`), also sent to its token server. */
  extraHeaders?: Record<string, string>;
  signal?: AbortSignal;
  now?: () => number;
}

export interface TokenResult {
  token: string;
  /** Epoch milliseconds after which the token must not be used. */
  expiresAt: number;
  /** A refresh token the server returned, to use for later token requests. */
  refreshToken?: string;
  /** How the token was obtained: the refresh-token POST or the GET. */
  grant: 'refresh_token' | 'get';
}

/** The realm without query or credentials, for messages. */
function shownRealm(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * Checks that a registry's realm may be asked for tokens (and so may receive its credentials), by
 * the registry URL policy (see transport/url-policy.ts) against the registry's own URL.
 * @throws CoreError INSECURE_REALM for an http realm of an https registry, PRIVATE_REALM for a
 *   realm on a loopback/private/link-local address other than the registry's own host name,
 *   BAD_REALM for a realm that is not an absolute http(s) URL or carries a user name or password.
 */
export function checkRealm(realm: string, registry: RegistryTarget): URL {
  let source: URL;
  try {
    source = new URL(`${registry.scheme}://${registry.host}`);
  } catch {
    throw new CoreError('BAD_REALM', `${registry.host} is not a host name a token server can be checked against.`);
  }
  // A challenge's realm is absolute (challenge.ts); a relative one is not resolved against the registry.
  try {
    new URL(realm);
  } catch {
    throw new CoreError(
      'BAD_REALM',
      `${registry.host} names a token server that is not an absolute http(s) URL, so it cannot be logged in to; report this to the registry's operator.`,
    );
  }
  return requireRegistryUrl(realm, source, 'token-realm', registry.host, 'its token server');
}

/** Fetches a token: the refresh-token POST when a refresh token is held (GET as fallback), else the GET. */
export async function fetchToken(req: TokenRequest): Promise<TokenResult> {
  const realm = checkRealm(req.realm, req.registry);
  const sent = req.send;
  // A token server that cannot be reached is the registry's token service, not the registry.
  req = { ...req, send: (r) => sent(r).catch((err: unknown) => Promise.reject(unreachableTokenService(err, req, realm))) };
  const cred = req.credential;
  const refreshToken = req.useRefreshToken === false ? undefined : (req.refreshToken ?? cred?.identityToken);
  if (refreshToken !== undefined && refreshToken !== '') {
    const res = await req.send(postRequest(req, realm, refreshToken));
    if (res.status >= 200 && res.status < 300) return { ...(await readTokenBody(res, req, realm, refreshToken)), grant: 'refresh_token' };
    const body = await errorBodyText(res);
    if (![400, 401, 404, 405].includes(res.status)) throw statusError(res.status, body, req, realm, [refreshToken, ...secretsOf(req)]);
    // An identity token is the only credential held and the server called it invalid: a GET would
    // silently be anonymous, so say that the login is stale instead.
    const hasPassword = !!cred?.username && !!cred.password;
    const usingIdentityToken = req.refreshToken === undefined;
    if (usingIdentityToken && !hasPassword && (res.status === 401 || oauthError(body) === 'invalid_grant')) {
      throw authFailed(req, realm);
    }
  }
  const res = await req.send(getRequest(req, realm));
  if (res.status >= 200 && res.status < 300) return { ...(await readTokenBody(res, req, realm)), grant: 'get' };
  const body = await errorBodyText(res);
  throw statusError(res.status, body, req, realm, secretsOf(req));
}

/** Configured headers plus ours; ours replace a configured one of the same name in any case. */
function headersWith(req: TokenRequest, own: Record<string, string>): Record<string, string> {
  const ownNames = new Set(Object.keys(own).map((k) => k.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.extraHeaders ?? {})) if (!ownNames.has(k.toLowerCase())) out[k] = v;
  return { ...out, ...own };
}

function getRequest(req: TokenRequest, realm: URL): HttpRequest {
  const url = new URL(realm.href);
  // The query is built apart and written once: each change through url.searchParams rewrites the
  // URL, which for a realm that has a query of its own made a GET for a thousand scopes quadratic.
  const query = new URLSearchParams(url.search);
  let changed = false;
  if (req.service !== undefined && req.service !== '') {
    query.set('service', req.service);
    changed = true;
  }
  for (const scope of req.scopes) {
    query.append('scope', scope);
    changed = true;
  }
  const own: Record<string, string> = { accept: 'application/json' };
  const cred = req.credential;
  if (cred?.username && cred.password) {
    // Docker sends the account too; token servers use it to pick the user before checking the password.
    query.set('account', cred.username);
    changed = true;
    own.authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`, 'utf8').toString('base64')}`;
  }
  // Untouched, the realm's query stays as written (it is not re-encoded).
  if (changed) url.search = query.toString();
  return { method: 'GET', url, headers: headersWith(req, own), signal: req.signal };
}

function postRequest(req: TokenRequest, realm: URL, refreshToken: string): HttpRequest {
  const form = new URLSearchParams();
  form.set('grant_type', 'refresh_token');
  form.set('refresh_token', refreshToken);
  if (req.service !== undefined && req.service !== '') form.set('service', req.service);
  form.set('client_id', TOKEN_CLIENT_ID);
  if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
  form.set('access_type', 'offline');
  const headers = headersWith(req, { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' });
  return { method: 'POST', url: new URL(realm.href), headers, body: form.toString(), signal: req.signal };
}

/** Everything this token request may carry that a server's answer must not repeat into a message. */
function secretsOf(req: TokenRequest): string[] {
  const c = req.credential;
  // `user:password` is what the Basic header encodes; its base64 is among its searched forms.
  const login = c?.username && c.password ? `${c.username}:${c.password}` : undefined;
  return [c?.password, login, c?.identityToken, c?.registryToken, req.refreshToken, ...Object.values(req.extraHeaders ?? {})].filter(
    (s): s is string => !!s,
  );
}

function oauthError(body: string | undefined): string | undefined {
  try {
    const parsed = JSON.parse(body ?? '') as { error?: unknown };
    return typeof parsed?.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

async function readTokenBody(
  res: HttpResponse,
  req: TokenRequest,
  realm: URL,
  usedRefreshToken?: string,
): Promise<Omit<TokenResult, 'grant'>> {
  const origin = `The token server of ${req.registry.host} (${shownRealm(realm)})`;
  const text = (
    await readBodyLimited(
      res,
      MAX_TOKEN_RESPONSE_BYTES,
      () =>
        new CoreError(
          'BAD_TOKEN_RESPONSE',
          `${origin} sent an answer larger than ${MAX_TOKEN_RESPONSE_BYTES} bytes instead of a token; check that the registry's auth settings point at a token server.`,
        ),
    )
  ).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CoreError(
      'BAD_TOKEN_RESPONSE',
      `${origin} did not answer with a JSON object, so no token could be read; check that the registry's auth settings point at a token server, or try again later.`,
    );
  }
  const result = parseTokenResponse(parsed as Record<string, unknown>, (req.now ?? Date.now)());
  if (result === undefined) {
    throw new CoreError(
      'BAD_TOKEN_RESPONSE',
      `${origin} answered without a usable token (no "token" or "access_token" of printable characters, at most ${MAX_TOKEN_CHARS / 1024} KiB); report this to the registry's operator.`,
    );
  }
  // A POST that returned no new refresh token leaves the one used valid.
  if (result.refreshToken === undefined && usedRefreshToken !== undefined) result.refreshToken = usedRefreshToken;
  return result;
}

/**
 * Reads a token answer: `access_token` or `token`; lifetime `expires_in` (default and minimum 60 s)
 * counted from `issued_at` when that is a plausible time (not in the future, not older than the
 * lifetime — a server clock far off would otherwise expire every token at once), else from `now`.
 */
export function parseTokenResponse(body: Record<string, unknown>, now: number): Omit<TokenResult, 'grant'> | undefined {
  const candidate = [body.access_token, body.token].find((t) => typeof t === 'string' && t !== '') as string | undefined;
  // The token becomes a header value: refuse anything that could break or inject into it.
  if (candidate === undefined || candidate.length > MAX_TOKEN_CHARS || !/^[\x21-\x7e]+$/.test(candidate)) return undefined;
  const raw = typeof body.expires_in === 'number' ? body.expires_in : typeof body.expires_in === 'string' ? Number(body.expires_in) : NaN;
  const lifetimeMs = (Number.isFinite(raw) && raw > MIN_TOKEN_LIFETIME_SECONDS ? raw : MIN_TOKEN_LIFETIME_SECONDS) * 1000;
  let issuedAt = now;
  if (typeof body.issued_at === 'string') {
    const t = Date.parse(body.issued_at);
    if (Number.isFinite(t) && t <= now && t > now - lifetimeMs) issuedAt = t;
  }
  const out: Omit<TokenResult, 'grant'> = { token: candidate, expiresAt: issuedAt + lifetimeMs };
  if (typeof body.refresh_token === 'string' && body.refresh_token !== '' && body.refresh_token.length <= MAX_TOKEN_CHARS)
    out.refreshToken = body.refresh_token;
  return out;
}

/** Failures to reach a host at all (as opposed to what it answered). */
const UNREACHABLE: ReadonlySet<string> = new Set([
  'CONNECTION_REFUSED',
  'CONNECTION_RESET',
  'CONNECTION_CLOSED',
  'HOST_NOT_FOUND',
  'UNREACHABLE',
  'NETWORK',
  'TIMEOUT',
]);

/**
 * A token server that could not be reached, said as such: the registry answered (its challenge named
 * the realm), its token service did not. The code and remedy stay the transport's (a host name that
 * does not resolve still proposes a resolve rule for the realm's host).
 */
function unreachableTokenService(err: unknown, req: TokenRequest, realm: URL): unknown {
  if (!(err instanceof CoreError) || !UNREACHABLE.has(err.code)) return err;
  const why: Partial<Record<string, string>> = {
    CONNECTION_REFUSED: `nothing accepts connections at ${realm.host}`,
    HOST_NOT_FOUND: `its host name ${realm.hostname} could not be resolved`,
    TIMEOUT: `${realm.host} did not answer in time`,
  };
  return new CoreError(
    err.code,
    `${req.registry.host} answered, but its token service ${shownRealm(realm)} (the realm its login challenge names) cannot be reached: ${why[err.code] ?? err.message.replace(/\.$/, '')}. Try again later; if it keeps happening, the registry's token service is down or blocked on your network: tell its operator.`,
    { cause: err, ...(err.remedy ? { remedy: err.remedy } : {}) },
  );
}

function authFailed(req: TokenRequest, realm: URL): CoreError {
  const host = loginName(req.registry.host);
  return new CoreError(
    'AUTH_FAILED',
    `The token server of ${host} (${shownRealm(realm)}) rejected the credentials from ${req.credential?.source ?? 'an unknown source'}: ` +
      `log in to ${host} again (docker login and podman login are used too).`,
    { remedy: { kind: 'log-in', host } },
  );
}

function statusError(status: number, body: string | undefined, req: TokenRequest, realm: URL, secrets: readonly string[]): CoreError {
  const host = req.registry.host;
  if (status === 401 || status === 403) {
    if (req.credential) return authFailed(req, realm);
    const login = loginName(host);
    return new CoreError(
      'NEEDS_LOGIN',
      `${login} requires a login: its token server (${shownRealm(realm)}) refused anonymous access; log in to ${login} (docker login and podman login are used too).`,
      { remedy: { kind: 'log-in', host: login } },
    );
  }
  const said = serverSaid(body, secrets);
  return new CoreError(
    'TOKEN_SERVER_ERROR',
    `The token server of ${host} (${shownRealm(realm)}) answered HTTP ${status}${said ? ` (it said: ${said})` : ''} instead of a token; try again later, or check the registry's status.`,
  );
}

/** The server's own reason, quoted safely (see quoteRegistryText): without any form of a secret we sent. */
function serverSaid(body: string | undefined, secrets: readonly string[]): string | undefined {
  let parsed: { error?: unknown; error_description?: unknown; errors?: Array<{ message?: unknown }>; details?: unknown } | undefined;
  try {
    parsed = JSON.parse(body ?? '') as typeof parsed;
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const first = Array.isArray(parsed.errors) ? parsed.errors[0]?.message : undefined;
  const text = [parsed.error_description, first, parsed.error].find((v) => typeof v === 'string' && v !== '') as string | undefined;
  if (text === undefined) return undefined;
  return quoteRegistryText(text, secrets) || undefined;
}

/**
 * The name to log in to: Docker Hub's API host (`registry-1.docker.io`) is `docker.io` to people
 * and to `docker login`; every other host as contacted.
 */
export function loginName(host: string): string {
  return isDockerHubHost(host) ? canonicalRegistryHost(host) : host;
}
