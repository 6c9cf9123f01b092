/**
 * containers (Podman, Buildah, Skopeo) `auth.json`: the search order and the lookup, which unlike
 * Docker's allows repository and namespace keys (`quay.io/org/repo`, `quay.io/org`).
 *
 * Search order (containers-auth.json(5)):
 *   - an explicit file (settings, else `$REGISTRY_AUTH_FILE`) exclusively, when set;
 *   - else `${XDG_RUNTIME_DIR}/containers/auth.json` on Linux (`/run/containers/$UID/auth.json`
 *     without XDG_RUNTIME_DIR; `~/.config/containers/auth.json` on macOS and Windows),
 *   - then `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`,
 *   - then Docker's config.json (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`).
 * The legacy `~/.dockercfg` is not read.
 *
 * Within a file: `credHelpers[registry]` first (containers/image honours per-registry helpers in
 * auth files; `credsStore` is Docker-only and ignored here), then `auths` via `findAuthEntry`.
 */
import { join } from 'node:path';
import type { Credential } from './types';
import { type HelperOptions } from './credential-helper';
import { canonicalRegistryHost } from '../name/docker-hub';
import {
  decodeAuthEntry,
  dockerConfigPath,
  findAuthEntry,
  findCredHelper,
  helperGetAny,
  isUsableCredential,
  keySpellings,
  type DockerConfigFile,
} from './docker-config';

export const PODMAN_AUTH_FILE_KIND = 'containers auth file';

export interface PodmanAuthPathOptions {
  env: Record<string, string | undefined>;
  homedir: string;
  /** An auth file named in settings; used exclusively, like `$REGISTRY_AUTH_FILE`. */
  explicitPath?: string;
  /** For `/run/containers/$UID/auth.json`; default `process.getuid()`. */
  uid?: number;
  platform?: NodeJS.Platform;
}

/** The auth files to read, in order; `exclusive` when an explicit file replaces the search. */
export function podmanAuthFilePaths(options: PodmanAuthPathOptions): { paths: string[]; exclusive: boolean } {
  const { env, homedir } = options;
  const explicit = options.explicitPath || env.REGISTRY_AUTH_FILE;
  if (explicit) return { paths: [explicit], exclusive: true };
  const platform = options.platform ?? process.platform;
  const paths: string[] = [];
  if (platform === 'darwin' || platform === 'win32') {
    paths.push(join(homedir, '.config', 'containers', 'auth.json'));
  } else if (env.XDG_RUNTIME_DIR) {
    paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  } else {
    const uid = options.uid ?? process.getuid?.();
    if (uid !== undefined) paths.push(join('/run/containers', String(uid), 'auth.json'));
  }
  paths.push(join(env.XDG_CONFIG_HOME || join(homedir, '.config'), 'containers', 'auth.json'));
  paths.push(dockerConfigPath(env, homedir));
  return { paths: [...new Set(paths)], exclusive: false };
}

/**
 * The credential one auth file holds for `host` (the host actually contacted) and `repository`:
 * its `credHelpers` entry for the host, else the most specific `auths` key (repository path, then
 * namespace, then registry). Nothing from any other host.
 */
export async function getPodmanCredential(
  file: DockerConfigFile,
  host: string,
  repository?: string,
  helperOptions: Omit<HelperOptions, 'configuredBy'> = {},
): Promise<Credential | undefined> {
  const helper = findCredHelper(file, host);
  if (helper) {
    // containers/image asks helpers about the registry name (Docker Hub as docker.io), spelled as
    // the reference writes it: `podman login registry.test:443` keeps the login under that name.
    const fields = await helperGetAny(helper.helper, [canonicalRegistryHost(host), ...keySpellings(file, host)], {
      ...helperOptions,
      configuredBy: { file: file.path, setting: `credHelpers["${helper.key}"]` },
    });
    if (isUsableCredential(fields)) return { ...fields, source: `${file.path} (credHelpers: ${helper.helper})` };
  }
  const found = findAuthEntry(file, host, repository);
  if (!found) return undefined;
  const fields = decodeAuthEntry(found.entry, found.key, file.path, PODMAN_AUTH_FILE_KIND);
  if (!isUsableCredential(fields)) return undefined;
  // Name the matching key when it is a repository or namespace entry, so the user can tell which.
  return { ...fields, source: found.key.includes('/') ? `${file.path} (${found.key})` : file.path };
}
