/**
 * Authorization for one registry host: learns what the host asks for from its challenges and
 * produces the Authorization header for each request — Basic, a bearer token from the host's token
 * server (cached per scope set), or a registry token sent as is.
 *
 * Credentials belong to the host contacted (a mirror never gets the upstream's). A Basic header is
 * only ever sent to a host that asked for Basic: a host that never challenged gets nothing.
 */
import { CoreError } from '../errors';
import type { Credential } from '../credentials/types';
import { KnownSecrets } from '../text/registry-text';
import type { HttpRequest, HttpResponse } from '../transport/http';
import { parseChallenges, pickChallenge, type BearerChallenge } from './challenge';
import { describeScopes, mergeScopes, scopeKey } from './scope';
import { checkRealm, fetchToken, loginName } from './token';

export interface AuthorizerOptions {
  /** host[:port] actually contacted: its own credentials only, cache key. */
  host: string;
  /** Scheme of the registry endpoint (for the realm policy). */
  scheme: 'https' | 'http';
  /** This host's credential; asked lazily, at most once per Authorizer unless forget() is called. */
  credentials: () => Promise<Credential | undefined>;
  /** Sends token requests (the caller's transport, which handles TLS per origin). */
  send: (req: HttpRequest) => Promise<HttpResponse>;
  /** hosts.toml [header] values, also sent to the token server. */
  extraHeaders?: Record<string, string>;
  /** Where the credential, tokens and header values this authorizer sends are added, so messages never quote them. */
  secrets?: KnownSecrets;
  now?: () => number;
}

/** What the host last asked for, for the ping and the tree state. */
export interface ChallengeInfo {
  scheme: 'basic' | 'bearer';
  realm?: string;
  service?: string;
}

/** The part of a response {@link Authorizer.challenged} reads. */
export interface ChallengeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

type Learned = { scheme: 'basic'; realm?: string } | { scheme: 'bearer'; bearer: BearerChallenge };

interface CachedToken {
  header: string;
  /** Scope key the token was requested for. */
  key: string;
  expiresAt: number;
}

/** Tokens are renewed this long before they expire, so one is never sent as it runs out. */
export const TOKEN_REFRESH_MARGIN_MS = 10_000;
/** Scope sets remembered per host (a long session touches many repositories). */
const MAX_CACHED_TOKENS = 128;

export class Authorizer {
  /** What this authorizer has sent or will send: a registry's message must not repeat any of it. */
  readonly secrets: KnownSecrets;
  private readonly now: () => number;
  private learned: Learned | undefined;
  private credentialPromise: Promise<Credential | undefined> | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  /** Requested scope key → the wider scope set a registry asked for (insufficient_scope). */
  private readonly rescoped = new Map<string, string[]>();
  /** A refresh token the token server returned, used instead of the password afterwards. */
  private refreshToken: string | undefined;
  /** The token server answered a refresh-token POST with a fallback status: use GET from then on. */
  private refreshUnusable = false;
  /** Bumped by forget() and by a new realm, so fetches already under way do not fill the cache. */
  private generation = 0;

  constructor(private readonly options: AuthorizerOptions) {
    this.now = options.now ?? Date.now;
    this.secrets = options.secrets ?? new KnownSecrets();
    this.secrets.add(...Object.values(options.extraHeaders ?? {}));
  }

  /** What the host asked for: 'basic' or 'bearer' with its realm; undefined before any challenge. */
  get lastChallenge(): ChallengeInfo | undefined {
    const l = this.learned;
    if (!l) return undefined;
    if (l.scheme === 'basic') return l.realm === undefined ? { scheme: 'basic' } : { scheme: 'basic', realm: l.realm };
    return l.bearer.service === undefined
      ? { scheme: 'bearer', realm: l.bearer.realm }
      : { scheme: 'bearer', realm: l.bearer.realm, service: l.bearer.service };
  }

  /**
   * Authorization header for a request with these scopes: from cache, or fetched proactively once
   * this host's challenge is known; undefined = send anonymously.
   */
  async header(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const learned = this.learned;
    // Before the host asked for anything, nothing is sent (and no credential helper runs).
    if (!learned) return undefined;
    const cred = await this.credential(signal);
    if (learned.scheme === 'basic') return basicHeader(cred);
    if (cred?.registryToken) return `Bearer ${cred.registryToken}`;
    const token = await this.token(this.effectiveScopes(scopes), learned.bearer, cred, signal);
    return token.header;
  }

  /**
   * The registry answered 401 (or 403 with a Bearer error=insufficient_scope) to a request sent with
   * these scopes. Learns the challenge, drops a token the registry refused, re-scopes on
   * insufficient_scope and obtains new authorization. True when retrying may now succeed; false
   * when there is nothing better to send.
   * @throws CoreError for token-server failures (AUTH_FAILED, NEEDS_LOGIN, INSECURE_REALM, BAD_TOKEN_RESPONSE…)
   */
  async challenged(
    res: ChallengeResponse,
    scopes: readonly string[],
    sentAuthorization: string | undefined,
    signal?: AbortSignal,
  ): Promise<boolean> {
    if (res.status !== 401 && res.status !== 403) return false;
    const values = headerValues(res.headers, 'www-authenticate');
    if (values.length === 0) return false;
    const picked = pickChallenge(parseChallenges(values));
    if (!picked) return false;
    if (res.status === 403 && !(picked.scheme === 'bearer' && picked.bearer.error === 'insufficient_scope')) return false;

    if (picked.scheme === 'basic') {
      this.learn(picked.realm === undefined ? { scheme: 'basic' } : { scheme: 'basic', realm: picked.realm });
      const next = await this.header(scopes, signal);
      return next !== undefined && next !== sentAuthorization;
    }

    const bearer = picked.bearer;
    // Refuse a bad realm now, before any credential could be sent to it.
    checkRealm(bearer.realm, { host: this.options.host, scheme: this.options.scheme });
    this.learn({ scheme: 'bearer', bearer });
    const sent = sentAuthorization === undefined ? undefined : this.cachedByHeader(sentAuthorization);
    if (bearer.error === 'insufficient_scope') {
      const requestedKey = scopeKey(scopes);
      const before = this.effectiveScopes(scopes);
      const wanted = mergeScopes(before, bearer.scopes);
      // The token sent was already asked for everything the registry wants: asking again would get
      // the same grant, so the account simply lacks the permission.
      const sentKey = sent?.key ?? (sentAuthorization?.startsWith('Bearer ') ? scopeKey(before) : undefined);
      if (sentKey !== undefined && sentKey === scopeKey(wanted)) return false;
      if (scopeKey(wanted) !== requestedKey) this.rescoped.set(requestedKey, wanted);
    } else if (sentAuthorization !== undefined) {
      // invalid_token, or a token refused without a reason: never send that one again.
      this.dropHeader(sentAuthorization);
    }
    const next = await this.header(scopes, signal);
    return next !== undefined && next !== sentAuthorization;
  }

  /**
   * The error to report when a request stays refused after {@link challenged} returned false:
   * DENIED (logged in, but the account lacks the access), AUTH_FAILED (credentials rejected) or
   * NEEDS_LOGIN (anonymous). Names the credential's source, never a secret.
   */
  async refusal(res: ChallengeResponse, scopes: readonly string[]): Promise<CoreError> {
    const host = loginName(this.options.host);
    const cred = await this.credential().catch(() => undefined);
    let insufficient = false;
    let invalidToken = false;
    try {
      const picked = pickChallenge(parseChallenges(headerValues(res.headers, 'www-authenticate')));
      insufficient = picked?.scheme === 'bearer' && picked.bearer.error === 'insufficient_scope';
      invalidToken = picked?.scheme === 'bearer' && picked.bearer.error === 'invalid_token';
    } catch {
      // A malformed challenge still means "refused"; the generic sentences below apply.
    }
    const what = describeScopes(scopes);
    const learned = this.learned;
    // Tokens fresh from the registry's own token server (not a registry token from the user's
    // files) called invalid: that server took the login, so another login cannot help.
    if (invalidToken && learned?.scheme === 'bearer' && !cred?.registryToken) {
      const realm = new URL(learned.bearer.realm);
      const accepted = cred ? `, although that server accepted the login from ${cred.source}` : '';
      return new CoreError(
        'TOKEN_NOT_ACCEPTED',
        `${this.options.host} refused the tokens its own token server (${realm.origin}${realm.pathname}) issued for ${what} (invalid_token)${accepted}: ` +
          `the registry and its token server disagree, most often because their clocks differ, or because the registry does not trust that server's signing certificate, issuer or service name. ` +
          `Logging in again does not change this: tell the registry's operator.`,
      );
    }
    if (!cred)
      return new CoreError(
        'NEEDS_LOGIN',
        `${host} requires a login for ${what}: log in to ${host} (docker login and podman login are used too).`,
        { remedy: { kind: 'log-in', host } },
      );
    if (insufficient || res.status === 403) {
      return new CoreError(
        'DENIED',
        `${host} did not grant the login from ${cred.source} ${what}: check that this account has that permission on ${host}, or log in as one that does.`,
      );
    }
    return new CoreError(
      'AUTH_FAILED',
      `${host} rejected the credentials from ${cred.source}: log in to ${host} again (docker login and podman login are used too).`,
      { remedy: { kind: 'log-in', host } },
    );
  }

  /** Drops cached tokens and the credential (after a logout or a login). */
  forget(): void {
    this.generation++;
    this.credentialPromise = undefined;
    this.refreshToken = undefined;
    this.refreshUnusable = false;
    this.tokens.clear();
    this.inflight.clear();
    this.rescoped.clear();
  }

  private credential(signal?: AbortSignal): Promise<Credential | undefined> {
    this.credentialPromise ??= this.options.credentials().then((credential) => {
      this.secrets.addCredential(credential);
      return credential;
    });
    return withSignal(this.credentialPromise, signal);
  }

  private learn(next: Learned): void {
    const prev = this.learned;
    this.learned = next;
    const same =
      prev !== undefined &&
      prev.scheme === next.scheme &&
      (prev.scheme === 'basic' ||
        (next.scheme === 'bearer' && prev.bearer.realm === next.bearer.realm && prev.bearer.service === next.bearer.service));
    if (same || prev === undefined) return;
    // Another token server or service: tokens from the old one mean nothing there.
    this.generation++;
    this.tokens.clear();
    this.inflight.clear();
    this.rescoped.clear();
    this.refreshToken = undefined;
    this.refreshUnusable = false;
  }

  private effectiveScopes(scopes: readonly string[]): string[] {
    return this.rescoped.get(scopeKey(scopes)) ?? mergeScopes(scopes);
  }

  private cachedByHeader(header: string): CachedToken | undefined {
    for (const t of this.tokens.values()) if (t.header === header) return t;
    return undefined;
  }

  private dropHeader(header: string): void {
    for (const [key, t] of this.tokens) if (t.header === header) this.tokens.delete(key);
  }

  /** A usable token for this scope set: cached, or one shared fetch for every concurrent caller. */
  private token(scopes: string[], bearer: BearerChallenge, cred: Credential | undefined, signal?: AbortSignal): Promise<CachedToken> {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && this.now() < cached.expiresAt - TOKEN_REFRESH_MARGIN_MS) return Promise.resolve(cached);
    let flight = this.inflight.get(key);
    if (!flight) {
      // The shared fetch runs without any one caller's signal: one caller cancelling must not fail
      // the others. Each caller stops waiting on its own signal instead.
      const started = this.fetch(scopes, key, bearer, cred);
      flight = started.finally(() => {
        if (this.inflight.get(key) === flight) this.inflight.delete(key);
      });
      this.inflight.set(key, flight);
    }
    return withSignal(flight, signal);
  }

  private async fetch(scopes: string[], key: string, bearer: BearerChallenge, cred: Credential | undefined): Promise<CachedToken> {
    const generation = this.generation;
    const heldRefresh = this.refreshToken;
    const triedRefresh = !this.refreshUnusable && !!(heldRefresh ?? cred?.identityToken);
    const result = await fetchToken({
      realm: bearer.realm,
      service: bearer.service,
      scopes,
      registry: { host: this.options.host, scheme: this.options.scheme },
      credential: cred,
      refreshToken: heldRefresh,
      useRefreshToken: !this.refreshUnusable,
      send: this.options.send,
      extraHeaders: this.options.extraHeaders,
      now: this.now,
    });
    this.secrets.addRecent(result.token, result.refreshToken);
    const entry: CachedToken = { header: `Bearer ${result.token}`, key, expiresAt: result.expiresAt };
    if (generation !== this.generation) return entry;
    if (result.refreshToken !== undefined) this.refreshToken = result.refreshToken;
    // The refresh token did not work, or POST is not offered: use the GET from now on.
    if (result.grant === 'get' && triedRefresh) {
      this.refreshUnusable = true;
      if (result.refreshToken === undefined) this.refreshToken = undefined;
    }
    this.tokens.delete(key);
    this.tokens.set(key, entry);
    if (this.tokens.size > MAX_CACHED_TOKENS) {
      const oldest = this.tokens.keys().next().value;
      if (oldest !== undefined) this.tokens.delete(oldest);
    }
    return entry;
  }
}

function basicHeader(cred: Credential | undefined): string | undefined {
  if (!cred?.username || !cred.password) return undefined;
  return `Basic ${Buffer.from(`${cred.username}:${cred.password}`, 'utf8').toString('base64')}`;
}

/** Every value of a header, whatever the case of its name in a hand-built headers object. */
function headerValues(headers: ChallengeResponse['headers'], name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== name || v === undefined) continue;
    if (Array.isArray(v)) out.push(...v);
    else out.push(v);
  }
  return out.filter((v) => v.trim() !== '');
}

/** Waits for `promise`, or rejects with CANCELLED as soon as `signal` aborts. */
function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new CoreError('CANCELLED', 'The operation was cancelled.'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CoreError('CANCELLED', 'The operation was cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
