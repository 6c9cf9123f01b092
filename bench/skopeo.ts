// skopeo command lines for the bench, isolated from the machine's registries.conf and auth files.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** An environment for skopeo that reads only a bench-owned, empty configuration. */
export async function skopeoEnv(workDir: string): Promise<NodeJS.ProcessEnv> {
  const confDir = join(workDir, 'containers');
  await mkdir(confDir, { recursive: true });
  const registriesConf = join(confDir, 'registries.conf');
  await writeFile(registriesConf, 'unqualified-search-registries = []\n');
  return {
    ...process.env,
    CONTAINERS_REGISTRIES_CONF: registriesConf,
    REGISTRY_AUTH_FILE: join(confDir, 'auth.json'),
    DOCKER_CONFIG: confDir,
  };
}

/** `skopeo copy` registry → registry over plain HTTP, digests preserved. */
export function copyArgs(sourceHost: string, targetHost: string, reference: string): string[] {
  return [
    '--insecure-policy',
    'copy',
    '--quiet',
    '--preserve-digests',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    '--src-no-creds',
    '--dest-no-creds',
    `docker://${sourceHost}/${reference}`,
    `docker://${targetHost}/${reference}`,
  ];
}

/** `skopeo copy` registry → OCI image layout folder. */
export function pullToLayoutArgs(sourceHost: string, reference: string, layoutDir: string, tag: string): string[] {
  return [
    '--insecure-policy',
    'copy',
    '--quiet',
    '--preserve-digests',
    '--src-tls-verify=false',
    '--src-no-creds',
    `docker://${sourceHost}/${reference}`,
    `oci:${layoutDir}:${tag}`,
  ];
}

export function listTagsArgs(host: string, repository: string): string[] {
  return ['--insecure-policy', 'list-tags', '--tls-verify=false', '--no-creds', `docker://${host}/${repository}`];
}
