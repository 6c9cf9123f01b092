import type * as vscode from 'vscode';
import type { Credential, CredentialStore } from './core/index';

const KEY_PREFIX = 'registryExplorer.login/';

/** What is kept per host in SecretStorage. */
interface StoredLogin {
  username: string;
  password: string;
}

/**
 * Logins made in the extension, kept in VS Code's SecretStorage (the OS keychain where there is
 * one). The core asks this store first, by the host it is about to contact.
 */
export class SecretLoginStore implements CredentialStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async get(host: string): Promise<Credential | undefined> {
    const text = await this.secrets.get(KEY_PREFIX + host);
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
    await this.secrets.store(KEY_PREFIX + host, JSON.stringify(login));
  }

  async delete(host: string): Promise<boolean> {
    const had = (await this.secrets.get(KEY_PREFIX + host)) !== undefined;
    await this.secrets.delete(KEY_PREFIX + host);
    return had;
  }
}
