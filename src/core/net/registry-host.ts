/**
 * One key per registry, however its host is written: the canonical host (this layer's) with Docker
 * Hub's names folded (the name layer's). Logins, tokens and per-registry settings are kept under it.
 */
import { canonicalRegistryHost } from '../name/docker-hub';
import { canonicalHost } from './addresses';

/**
 * The one key for a registry however its host is written: the canonical host key (letter case, the
 * default port, IP forms: see canonicalHost) with Docker Hub's names as `docker.io`. Whatever is
 * kept per registry (logins, tokens, settings) is found under it from any of those spellings.
 */
export function registryHostKey(host: string): string {
  return canonicalRegistryHost(canonicalHost(host));
}

/** Whether two spellings name the same registry: `docker.io` and `registry-1.docker.io:443` do. */
export function sameRegistryHost(a: string, b: string): boolean {
  return registryHostKey(a) === registryHostKey(b);
}
