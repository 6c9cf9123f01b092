import type * as vscode from 'vscode';
import { core } from './core-loader';
import type { Credential, CredentialStore } from '../core/index';

const KEY_PREFIX = 'registryExplorer.login/';

/** What is kept per host in SecretStorage. */
interface StoredLogin {
  username: string;
  password: string;
}

/**
 * Logins made in the extension, kept in VS Code's SecretStorage (the OS keychain where there is
 * one) under the core's canonical host key (`host:443` is `host`). The core asks this store first,
 * by the host it is about to contact.
 */
export class SecretLoginStore implements CredentialStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async get(host: string): Promise<Credential | undefined> {
    const key = core().canonicalHost(host);
    // A login kept before keys were canonical, for a registry written with https's default port.
    const hasPort = /:\d+$/.test(key);
    const text = (await this.secrets.get(KEY_PREFIX + key)) ?? (hasPort ? undefined : await this.secrets.get(`${KEY_PREFIX}${key}:443`));
    if (!text) return undefined;
    try {
      const login = JSON.parse(text) as StoredLogin;
      if (typeof login.username !== 'string' || typeof login.password !== 'string') return undefined;
      return { username: login.username, password: login.password, source: 'a Registry Explorer login' };
    } catch {
      return undefined;
    }
  }

  async store(host: string, login: StoredLogin): Promise<void> {
    await this.secrets.store(KEY_PREFIX + core().canonicalHost(host), JSON.stringify(login));
  }

  async delete(host: string): Promise<boolean> {
    const keys = [...new Set([host, core().canonicalHost(host)])].map((h) => KEY_PREFIX + h);
    let had = false;
    for (const key of keys) {
      had = (await this.secrets.get(key)) !== undefined || had;
      await this.secrets.delete(key);
    }
    return had;
  }
}
