/**
 * Docker Hub's names, in one place. Docker Hub answers to three host names: `docker.io` in
 * references, `index.docker.io` in old configurations, `registry-1.docker.io` for the Distribution
 * API; `docker login` keys its logins (and asks credential helpers) by the v1 index URL.
 */

/** Docker Hub as references name it (`docker.io/library/alpine`). */
export const DOCKER_HUB = 'docker.io';
/** The host that serves Docker Hub's Distribution API. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
/** The key `docker login` writes for Docker Hub in `config.json`, and the server URL its credential helpers know. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';
/** Every host name Docker Hub answers to. */
export const DOCKER_HUB_HOSTS: readonly string[] = [DOCKER_HUB, 'index.docker.io', DOCKER_HUB_API_HOST];

const HOSTS = new Set(DOCKER_HUB_HOSTS);

/** Whether `host` is one of Docker Hub's names (any letter case). */
export function isDockerHubHost(host: string): boolean {
  return HOSTS.has(host.toLowerCase());
}

/** Lower-cased host with every Docker Hub alias folded into `docker.io`. */
export function canonicalRegistryHost(host: string): string {
  const lower = host.toLowerCase();
  return HOSTS.has(lower) ? DOCKER_HUB : lower;
}

/**
 * A registry host as references name it: Docker's old `index.docker.io` is `docker.io`, as Docker
 * and containerd normalise references (so its host directory is `docker.io`'s). Every other host,
 * `registry-1.docker.io` included (the API host, which containerd does not rename), stays as written.
 */
export function referenceRegistryHost(host: string): string {
  return host.toLowerCase() === 'index.docker.io' ? DOCKER_HUB : host;
}

/** The host (with port) that serves the Distribution API: Docker Hub's names → `registry-1.docker.io`. */
export function registryApiHost(registry: string): string {
  return isDockerHubHost(registry) ? DOCKER_HUB_API_HOST : registry;
}

/** The server URL a Docker credential helper is asked about, and the `auths` key docker login writes: Docker Hub's v1 URL, else the host. */
export function dockerLoginKey(host: string): string {
  return isDockerHubHost(host) ? DOCKER_HUB_CONFIG_KEY : host;
}
