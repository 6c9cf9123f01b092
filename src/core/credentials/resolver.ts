/**
 * The combined credential resolver: the application's own logins (a `CredentialStore` it
 * provides, such as the extension's secret storage) → Docker `config.json` (with its credential helpers) → containers
 * `auth.json` files. The first usable credential wins.
 *
 * Credentials belong to the host actually contacted: a mirror is asked about under its own name and
 * never receives the upstream registry's credential; there is no "any entry" fallback. Docker Hub's
 * aliases (`docker.io`, `index.docker.io`, `registry-1.docker.io`) are one host.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_HELPER_TIMEOUT_MS, helperList } from './credential-helper';
import {
  dockerConfigPath,
  getDockerCredential,
  loggedInRegistries,
  parseConfigKey,
  readDockerConfigFile,
  type DockerConfigFile,
} from './docker-config';
import { PODMAN_AUTH_FILE_KIND, getPodmanCredential, podmanAuthFilePaths } from './podman-auth';
import { canonicalRegistryHost } from '../name/docker-hub';
import { sameRegistryHost } from '../net/registry-host';
import type { Credential, CredentialStore } from './types';
import { ConfigFileError } from '../errors';

export interface CredentialResolverOptions {
  secretStore?: CredentialStore;
  /** Docker config file from settings; replaces `$DOCKER_CONFIG` / `~/.docker`. Must exist when set. */
  dockerConfigPath?: string;
  /** containers auth file from settings; used exclusively, like `$REGISTRY_AUTH_FILE`. */
  podmanAuthPath?: string;
  env: Record<string, string | undefined>;
  homedir: string;
  /** Time limit for one credential-helper run; default 10 s. */
  helperTimeoutMs?: number;
  uid?: number;
  platform?: NodeJS.Platform;
}

interface CachedFile {
  mtimeMs: number;
  size: number;
  ino: number;
  file: DockerConfigFile;
}

export class CredentialResolver {
  private readonly options: CredentialResolverOptions;
  private readonly cache = new Map<string, CachedFile>();

  constructor(options: CredentialResolverOptions) {
    this.options = options;
  }

  /** The Docker config file this resolver reads. */
  get dockerConfigFile(): string {
    return dockerConfigPath(this.options.env, this.options.homedir, this.options.dockerConfigPath);
  }

  /** The containers auth files this resolver reads, in order (Docker's config.json is read once, in its own step). */
  get podmanAuthFiles(): string[] {
    const docker = resolve(this.dockerConfigFile);
    return this.podmanPaths().filter((path) => resolve(path) !== docker);
  }

  /**
   * The credential for `host` (host[:port] actually contacted) and optionally the repository being
   * accessed (for repository-scoped auth.json keys), or `undefined` for anonymous access.
   * Throws a `CoreError` for a malformed file or a failing helper: the user has to see those.
   */
  async get(host: string, repository?: string): Promise<Credential | undefined> {
    // The application's store may fail (VS Code's secret storage without a keyring): its logins are
    // then unknown, and Docker's and Podman's still apply. The store reports its own failure.
    const secret = await this.options.secretStore?.get(host).catch(() => undefined);
    if (secret && isUsable(secret)) return { ...secret, source: secret.source || 'secret-storage' };

    const helperOptions = {
      env: this.options.env,
      timeoutMs: this.options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS,
      platform: this.options.platform,
    };
    const docker = await this.readDocker();
    if (docker) {
      const found = await getDockerCredential(docker, host, repository, helperOptions);
      if (found) return found;
    }
    for (const path of this.podmanAuthFiles) {
      const file = await this.read(path, PODMAN_AUTH_FILE_KIND);
      if (!file) continue;
      const found = await getPodmanCredential(file, host, repository, helperOptions);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Registries the user's files say they are logged in to (keys of `auths` and `credHelpers` in the
   * Docker config and the auth files), as hosts with Docker Hub as `docker.io`. With `listHelpers`,
   * Docker's `credsStore` helper is also asked to `list` (a helper failure is then thrown).
   */
  async discoveredRegistries(options: { listHelpers?: boolean } = {}): Promise<string[]> {
    const hosts = new Set<string>();
    const docker = await this.readDocker();
    if (docker) {
      for (const host of loggedInRegistries(docker)) hosts.add(host);
      if (options.listHelpers && docker.credsStore) {
        const listed = await helperList(docker.credsStore, {
          env: this.options.env,
          timeoutMs: this.options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS,
          platform: this.options.platform,
          configuredBy: { file: docker.path, setting: 'credsStore' },
        });
        for (const url of Object.keys(listed)) {
          const { host } = parseConfigKey(url);
          if (host) hosts.add(canonicalRegistryHost(host));
        }
      }
    }
    for (const path of this.podmanAuthFiles) {
      const file = await this.read(path, PODMAN_AUTH_FILE_KIND);
      if (file) for (const host of loggedInRegistries(file)) hosts.add(host);
    }
    return [...hosts];
  }

  /** Forgets every cached file (they are also re-read whenever their mtime or size changes). */
  clearCache(): void {
    this.cache.clear();
  }

  private podmanPaths(): string[] {
    return podmanAuthFilePaths({
      env: this.options.env,
      homedir: this.options.homedir,
      explicitPath: this.options.podmanAuthPath,
      uid: this.options.uid,
      platform: this.options.platform,
    }).paths;
  }

  private async readDocker(): Promise<DockerConfigFile | undefined> {
    const path = this.dockerConfigFile;
    const file = await this.read(path, 'Docker config file');
    if (!file && this.options.dockerConfigPath) {
      throw new ConfigFileError(
        'AUTH_FILE_MISSING',
        `The Docker config file ${path} named in the settings does not exist; fix the path in the settings or clear it to use the default.`,
        { file: path },
      );
    }
    return file;
  }

  /** Reads a config file through the cache; `undefined` when it does not exist. */
  private async read(path: string, kind: string): Promise<DockerConfigFile | undefined> {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        this.cache.delete(path);
        return undefined;
      }
      throw new ConfigFileError(
        'AUTH_FILE_UNREADABLE',
        `The ${kind} ${path} cannot be read (${code ?? 'unknown error'}); check its permissions.`,
        { file: path },
      );
    }
    if (!info.isFile()) {
      throw new ConfigFileError(
        'AUTH_FILE_UNREADABLE',
        `The ${kind} ${path} is not a regular file; point the setting or variable at a JSON file.`,
        { file: path },
      );
    }
    const cached = this.cache.get(path);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size && cached.ino === info.ino) return cached.file;
    const file = await readDockerConfigFile(path, kind);
    if (!file) {
      this.cache.delete(path);
      return undefined;
    }
    this.cache.set(path, { mtimeMs: info.mtimeMs, size: info.size, ino: info.ino, file });
    return file;
  }
}

/**
 * `store` with one login put before it for one registry: what a session checking a login before it
 * is kept asks. The login answers for any spelling of the registry's host, Docker Hub's names as
 * one (the API host is asked, the user named `docker.io`), and for no other host, mirrors included.
 */
export function withLoginFor(host: string, login: Credential, store: CredentialStore | undefined): CredentialStore {
  return { get: async (contacted) => (sameRegistryHost(contacted, host) ? login : store?.get(contacted)) };
}

function isUsable(c: Credential): boolean {
  return (!!c.username && !!c.password) || !!c.identityToken || !!c.registryToken;
}
