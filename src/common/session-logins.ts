/**
 * Logins that are a sign-in of VS Code itself: for GHCR (and GitHub Enterprise Server's registry)
 * the user signs in with VS Code's GitHub authentication provider, and the registry's password is
 * that session's token, asked of VS Code each time it is needed (silently: VS Code refreshes it,
 * and a sign-out there is a sign-out here). For ACR, VS Code's Microsoft sign-in: its token is
 * exchanged at the registry for a refresh token (again whenever VS Code hands out a new one). What
 * is kept per host is only which provider and scopes; every other login is a username and password
 * in SecretStorage (SecretLoginStore).
 * Docker Hub's three host names share one login, as `docker login` keys them.
 */
import type * as vscode from 'vscode';
import type { Credential } from '../core/index';
import { core } from './core-loader';
import { SecretLoginStore } from './logins';

const SESSION_PREFIX = 'registryExplorer.session/';

/** A host's login through an editor authentication provider. */
export interface SessionLogin {
  /** VS Code's authentication provider id: `github`, `github-enterprise`, `microsoft`. */
  authProviderId: string;
  /** The scopes asked for (read:packages, and write:packages or delete:packages once granted). */
  scopes: string[];
  /** The account's label when it was signed in, for messages. */
  account?: string;
}

/** The part of `vscode.authentication` the store uses (tests give their own). */
export type Authentication = Pick<typeof vscode.authentication, 'getSession'>;

/** Trades a Microsoft sign-in's access token for the registry's login (ACR's /oauth2/exchange). */
export type TokenExchange = (host: string, accessToken: string, source: string) => Promise<Credential>;

const PROVIDER_NAMES: Record<string, string> = { github: 'GitHub', 'github-enterprise': 'GitHub Enterprise', microsoft: 'Microsoft' };

/**
 * The host a login is kept under: Docker Hub answers to docker.io, index.docker.io and
 * registry-1.docker.io (the one the core contacts), and a login for one is a login for all.
 */
function loginHost(host: string): string {
  return core().dockerLoginKey(host) === core().dockerLoginKey('docker.io') ? 'docker.io' : host;
}

export class SessionLoginStore extends SecretLoginStore {
  /** The last exchange per host, reused while VS Code hands out the same access token. */
  private readonly exchanged = new Map<string, { accessToken: string; login: Promise<Credential> }>();
  private exchange: TokenExchange | undefined;

  constructor(
    storage: vscode.SecretStorage,
    private readonly authentication: Authentication,
    /** Called the first time secret storage fails, with why (see SecretLoginStore). */
    onUnavailable?: (reason: string) => void,
  ) {
    super(storage, onUnavailable);
  }

  /** How a Microsoft sign-in becomes a registry login (set once the registry service exists). */
  useExchange(exchange: TokenExchange): void {
    this.exchange = exchange;
  }

  /** The session's token when the host's login is a VS Code sign-in; else the kept username and password. */
  override async get(contacted: string): Promise<Credential | undefined> {
    const host = loginHost(contacted);
    const login = await this.sessionLogin(host);
    if (!login) return super.get(host);
    const session = await Promise.resolve(this.authentication.getSession(login.authProviderId, login.scopes, { silent: true })).catch(
      () => undefined,
    );
    if (!session) return undefined;
    const source = `the ${PROVIDER_NAMES[login.authProviderId] ?? login.authProviderId} account ${session.account.label} signed in to VS Code`;
    if (login.authProviderId === 'microsoft') {
      const exchanged = await this.exchanged_(host, session.accessToken, source);
      return exchanged && { ...exchanged, account: session.account.label };
    }
    return { username: session.account.label, password: session.accessToken, source };
  }

  /** The registry login a Microsoft access token is exchanged for, once per token. */
  private exchanged_(host: string, accessToken: string, source: string): Promise<Credential | undefined> {
    if (!this.exchange) return Promise.resolve(undefined);
    const last = this.exchanged.get(host);
    if (last?.accessToken === accessToken) return last.login;
    const login = this.exchange(host, accessToken, source);
    this.exchanged.set(host, { accessToken, login });
    // A failed exchange is reported to whoever asked, and tried again next time.
    login.catch(() => this.exchanged.get(host)?.login === login && this.exchanged.delete(host));
    return login;
  }

  /** Which VS Code sign-in a host uses, if any. */
  async sessionLogin(host: string): Promise<SessionLogin | undefined> {
    const text = await this.readSecret(SESSION_PREFIX + core().canonicalHost(loginHost(host)));
    if (!text) return undefined;
    try {
      const login = JSON.parse(text) as SessionLogin;
      return typeof login.authProviderId === 'string' && Array.isArray(login.scopes) ? login : undefined;
    } catch {
      return undefined;
    }
  }

  /** Makes a VS Code sign-in the host's login (a kept password for it is dropped). */
  async storeSession(host: string, login: SessionLogin): Promise<void> {
    this.exchanged.delete(loginHost(host));
    await super.delete(loginHost(host));
    await this.writeSecret(SESSION_PREFIX + core().canonicalHost(loginHost(host)), JSON.stringify(login));
  }

  /** A username and password become the host's login (a VS Code sign-in for it is forgotten). */
  override async store(host: string, login: { username: string; password: string }): Promise<void> {
    await this.deleteSecret(SESSION_PREFIX + core().canonicalHost(loginHost(host)));
    await super.store(loginHost(host), login);
  }

  override async delete(host: string): Promise<boolean> {
    this.exchanged.delete(loginHost(host));
    const key = SESSION_PREFIX + core().canonicalHost(loginHost(host));
    const hadSession = await this.deleteSecret(key);
    const hadOwn = await super.delete(loginHost(host));
    // A login kept before Docker Hub's names were folded together, under the name it was made for.
    const hadAlias = loginHost(host) !== host ? await super.delete(host) : false;
    return hadOwn || hadSession || hadAlias;
  }
}
