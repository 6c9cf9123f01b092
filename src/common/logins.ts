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
 *
 * Secret storage can fail: on Linux without a keyring (no GNOME Keyring or KWallet running), or
 * with a locked keychain. A lookup that fails then finds nothing here, so Docker's and Podman's
 * logins still apply and requests go on; the failure is reported once (see `onUnavailable`), and
 * `unavailable` tells Log In to offer Docker's credential store instead.
 */
export class SecretLoginStore implements CredentialStore {
  private reason: string | undefined;
  private storage: vscode.SecretStorage;

  constructor(
    storage: vscode.SecretStorage,
    /** Called the first time secret storage fails, with why; lookups then go on without it. */
    private readonly onUnavailable: (reason: string) => void = () => undefined,
  ) {
    this.storage = storage;
  }

  /** Why VS Code's secret storage cannot be used, once it has failed; undefined while it works. */
  get unavailable(): string | undefined {
    return this.reason;
  }

  /**
   * Uses another secret storage until the returned disposable is disposed (the extension API offers
   * this so the integration suite can run on a storage that fails, as on a machine without a keyring).
   */
  replaceStorage(storage: vscode.SecretStorage): { dispose(): void } {
    const previous = this.storage;
    const previousReason = this.reason;
    this.storage = storage;
    this.reason = undefined;
    return {
      dispose: () => {
        this.storage = previous;
        this.reason = previousReason;
      },
    };
  }

  async get(host: string): Promise<Credential | undefined> {
    const key = core().canonicalHost(host);
    // A login kept before keys were canonical, for a registry written with https's default port.
    const hasPort = /:\d+$/.test(key);
    let text: string | undefined;
    try {
      text = (await this.storage.get(KEY_PREFIX + key)) ?? (hasPort ? undefined : await this.storage.get(`${KEY_PREFIX}${key}:443`));
    } catch (error) {
      this.failed(error);
      return undefined;
    }
    if (!text) return undefined;
    try {
      const login = JSON.parse(text) as StoredLogin;
      if (typeof login.username !== 'string' || typeof login.password !== 'string') return undefined;
      return { username: login.username, password: login.password, source: 'a Registry Explorer login' };
    } catch {
      return undefined;
    }
  }

  /** Keeps a login. @throws SecretStorageUnavailable when VS Code's secret storage fails. */
  async store(host: string, login: StoredLogin): Promise<void> {
    try {
      await this.storage.store(KEY_PREFIX + core().canonicalHost(host), JSON.stringify(login));
    } catch (error) {
      throw new SecretStorageUnavailable(this.failed(error));
    }
  }

  /** Forgets a login; false when there was none here, or secret storage cannot be read. */
  async delete(host: string): Promise<boolean> {
    const keys = [...new Set([host, core().canonicalHost(host)])].map((h) => KEY_PREFIX + h);
    let had = false;
    try {
      for (const key of keys) {
        had = (await this.storage.get(key)) !== undefined || had;
        await this.storage.delete(key);
      }
    } catch (error) {
      this.failed(error);
      return false;
    }
    return had;
  }

  /** A secret kept under `key` by a subclass; undefined when there is none or secret storage fails (reported once). */
  protected async readSecret(key: string): Promise<string | undefined> {
    try {
      return await this.storage.get(key);
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  /** Keeps a subclass's secret. @throws SecretStorageUnavailable when VS Code's secret storage fails. */
  protected async writeSecret(key: string, value: string): Promise<void> {
    try {
      await this.storage.store(key, value);
    } catch (error) {
      throw new SecretStorageUnavailable(this.failed(error));
    }
  }

  /** Forgets a subclass's secret; false when there was none, or secret storage cannot be read. */
  protected async deleteSecret(key: string): Promise<boolean> {
    try {
      const had = (await this.storage.get(key)) !== undefined;
      await this.storage.delete(key);
      return had;
    } catch (error) {
      this.failed(error);
      return false;
    }
  }

  /** Records why secret storage failed, reporting it the first time; returns the reason. */
  private failed(error: unknown): string {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim().slice(0, 300) || 'no reason given';
    if (this.reason === undefined) {
      this.reason = reason;
      this.onUnavailable(reason);
    }
    return reason;
  }
}

/** VS Code's secret storage refused to keep a login. */
export class SecretStorageUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`VS Code's secret storage is not available: ${reason}`);
    this.name = 'SecretStorageUnavailable';
  }
}

/** Why a login cannot be kept in VS Code, for the user, with what to do: said once per Log In. */
export function noKeyringExplanation(host: string, reason: string): string {
  return (
    `VS Code cannot keep the login for ${host}: its secret storage is not available (${reason}). ` +
    'On Linux this happens when no keyring (GNOME Keyring, KWallet) is running or it is locked; see VS Code\'s "password-store" setting in argv.json. ' +
    "Logins from docker login and podman login are still used. The login can be kept in Docker's credential store instead, where docker and podman find it too."
  );
}
