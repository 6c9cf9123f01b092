/**
 * Registries the user already logged in to with `docker login` or `podman login`, for the tree to
 * show after the configured ones. The core says which hosts its credential files hold logins for;
 * this adds which file (and so which tool) each came from, for the row's description and tooltip.
 */
import { homedir } from 'node:os';
import { basename, resolve } from 'node:path';
import { core } from '../common/core-loader';
import type { RegistrySession } from '../core/index';
import type { ExplorerSettings } from '../common/settings';
import type { LoginSource } from './nodes/registry-node';

export interface DiscoveredRegistry {
  host: string;
  /** The files that hold a login for it (empty when only a credential helper's list names it). */
  sources: LoginSource[];
}

/** Discovered registries in the files' order; throws the core's sentence for a malformed file. */
export async function discoverRegistries(
  session: RegistrySession,
  settings: Pick<ExplorerSettings, 'dockerConfigPath' | 'podmanAuthPath'>,
  env: Record<string, string | undefined> = process.env,
  home: string = homedir(),
): Promise<DiscoveredRegistry[]> {
  const hosts = await session.discoveredRegistries();
  if (hosts.length === 0) return [];
  const files = await loginFiles(settings, env, home);
  return hosts.map((host) => ({ host, sources: files.filter((f) => f.hosts.includes(host)).map(({ file, tool }) => ({ file, tool })) }));
}

/**
 * The discovered registries the tree does not show already: not configured, not hidden, not found
 * twice. Hosts are compared by `keyOf` (the core's registryHostKey), so `registry.test` found in a
 * login file is the configured `https://registry.test:443`, and `docker.io` is `index.docker.io`.
 */
export function notShownYet(
  found: readonly DiscoveredRegistry[],
  shown: ReadonlySet<string>,
  hidden: readonly string[],
  keyOf: (host: string) => string,
): DiscoveredRegistry[] {
  const skip = new Set([...shown, ...hidden.map((h) => keyOf(h.trim()))]);
  return found.filter((d) => {
    const key = keyOf(d.host);
    if (skip.has(key)) return false;
    skip.add(key);
    return true;
  });
}

/** The files the core reads logins from (same order and locations), each with the hosts it names. */
async function loginFiles(
  settings: Pick<ExplorerSettings, 'dockerConfigPath' | 'podmanAuthPath'>,
  env: Record<string, string | undefined>,
  home: string,
): Promise<(LoginSource & { hosts: string[] })[]> {
  const { dockerConfigPath, podmanAuthFilePaths, readDockerConfigFile, loggedInRegistries } = core();
  const docker = dockerConfigPath(env, home, settings.dockerConfigPath || undefined);
  const podman = podmanAuthFilePaths({
    env,
    homedir: home,
    ...(settings.podmanAuthPath ? { explicitPath: settings.podmanAuthPath } : {}),
  }).paths;
  const paths = [docker, ...podman.filter((p) => resolve(p) !== resolve(docker))];
  const found: (LoginSource & { hosts: string[] })[] = [];
  for (const file of paths) {
    // A file the core could read was already read by it; one it could not was reported by it.
    const parsed = await readDockerConfigFile(file).catch(() => undefined);
    if (parsed) found.push({ file, tool: toolOf(file, docker), hosts: loggedInRegistries(parsed) });
  }
  return found;
}

/** Podman also reads Docker's `config.json`; a login there was made by `docker login`. */
function toolOf(file: string, dockerConfig: string): LoginSource['tool'] {
  return resolve(file) === resolve(dockerConfig) || basename(file) === 'config.json' ? 'Docker' : 'Podman';
}
