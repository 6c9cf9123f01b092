// Puts OCI-layout content into lab registries with skopeo (`copy --all --preserve-digests`), checks
// the digests that land there, and maintains the referrers tag-schema index (Distribution 2.8 has
// no referrers API, so clients must fall back to the `sha256-<hex>` tag).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuiltManifest, type Descriptor, MediaType, type OciLayout, sha256 } from './oci-layout';
import { type ExecResult, run } from './exec';
import type { Credentials, LabRegistry } from './registry';
import { registryRequest } from './registry-http';

/** undefined: the registry's own credentials (if any); null: anonymous. */
export type CredentialChoice = Credentials | null | undefined;

/** Flags that make skopeo reach a lab registry: TLS trust and credentials. `side` is 'src' or 'dest' for copy, '' otherwise. */
export function skopeoFlags(registry: LabRegistry, side: 'src' | 'dest' | '', credentials: CredentialChoice = undefined): string[] {
  const prefix = side ? `--${side}-` : '--';
  const flags: string[] = [];
  if (registry.scheme === 'http' || registry.options.tls !== 'ca') {
    // Plain HTTP needs this to allow http at all; the other TLS variants cannot verify by IP.
    flags.push(`${prefix}tls-verify=false`);
  }
  if (registry.certDir) flags.push(`${prefix}cert-dir=${registry.certDir}`);
  const creds = credentials === undefined ? registry.credentials : credentials;
  flags.push(creds ? `${prefix}creds=${creds.username}:${creds.password}` : `${prefix}no-creds`);
  return flags;
}

const confReady = new Map<string, Promise<void>>();

/** Runs skopeo isolated from the machine's registries.conf, auth files and signature policy. */
export async function skopeo(registry: LabRegistry, args: string[], timeoutMs = 120_000): Promise<ExecResult> {
  const confDir = join(registry.lab.dir, 'containers');
  const registriesConf = join(confDir, 'registries.conf');
  let ready = confReady.get(confDir);
  if (!ready) {
    ready = mkdir(confDir, { recursive: true }).then(() => writeFile(registriesConf, 'unqualified-search-registries = []\n'));
    confReady.set(confDir, ready);
  }
  await ready;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONTAINERS_REGISTRIES_CONF: registriesConf,
    REGISTRY_AUTH_FILE: join(confDir, 'auth.json'),
    DOCKER_CONFIG: confDir,
  };
  const secrets = [registry.credentials?.password ?? '', registry.readOnlyCredentials?.password ?? ''];
  return run('skopeo', ['--insecure-policy', ...args], { env, timeoutMs }, secrets);
}

/** `skopeo inspect --raw`: the manifest bytes exactly as the registry serves them. */
export async function inspectRaw(registry: LabRegistry, reference: string, credentials: CredentialChoice = undefined): Promise<Buffer> {
  const { stdout } = await skopeo(registry, [
    'inspect',
    '--raw',
    ...skopeoFlags(registry, '', credentials),
    `docker://${registry.host}/${reference}`,
  ]);
  // skopeo prints the raw bytes unchanged; the digest is over exactly these bytes.
  return Buffer.from(stdout, 'utf8');
}

export async function listTags(registry: LabRegistry, repository: string, credentials: CredentialChoice = undefined): Promise<string[]> {
  const { stdout } = await skopeo(registry, [
    'list-tags',
    ...skopeoFlags(registry, '', credentials),
    `docker://${registry.host}/${repository}`,
  ]);
  return (JSON.parse(stdout) as { Tags: string[] }).Tags;
}

/**
 * Copies `built` (by its layout ref) to `registry` as `destination` ('repo:tag' or 'repo@sha256:…')
 * and checks that the registry serves the digest computed locally. Returns that digest.
 */
export async function pushToRegistry(
  layout: OciLayout,
  built: BuiltManifest,
  registry: LabRegistry,
  destination: string,
  credentials: CredentialChoice = undefined,
): Promise<string> {
  await skopeo(registry, [
    'copy',
    '--all',
    '--preserve-digests',
    '--quiet',
    ...skopeoFlags(registry, 'dest', credentials),
    `oci:${layout.dir}:${built.ref}`,
    `docker://${registry.host}/${destination}`,
  ]);
  const raw = await inspectRaw(registry, destination, credentials);
  const served = sha256(raw);
  if (served !== built.descriptor.digest) {
    throw new Error(
      `${registry.host}/${destination} serves ${served} but the layout computed ${built.descriptor.digest}; skopeo rewrote the manifest`,
    );
  }
  return served;
}

/** The referrers fallback tag for a subject digest: `<alg>-<hex>`. */
export function referrersTag(subjectDigest: string): string {
  return subjectDigest.replace(':', '-');
}

/**
 * Pushes `referrer` (an artifact with `subject`) by digest into `repository`, then creates or extends
 * the OCI index tagged `sha256-<subject hex>` that lists it with its artifactType. The index is PUT
 * directly because skopeo 1.9 drops `artifactType` from index entries and then refuses to keep digests.
 */
export async function pushReferrer(
  layout: OciLayout,
  referrer: BuiltManifest,
  registry: LabRegistry,
  repository: string,
): Promise<{ tag: string; indexDigest: string; manifests: Descriptor[] }> {
  const subject = referrer.manifest.subject as Descriptor | undefined;
  if (!subject) throw new Error('pushReferrer: the manifest has no subject; build it with layout.referrer(subject)');
  await pushToRegistry(layout, referrer, registry, `${repository}@${referrer.descriptor.digest}`);
  const tag = referrersTag(subject.digest);
  const scope = `repository:${repository}:pull,push`;
  const existing = await registryRequest(registry, `/v2/${repository}/manifests/${tag}`, {
    headers: { accept: MediaType.imageIndex },
    scope,
  });
  let manifests: Descriptor[] = [];
  if (existing.status === 200)
    manifests = (existing.json<{ manifests?: Descriptor[] }>().manifests ?? []).filter((d) => d.digest !== referrer.descriptor.digest);
  else if (existing.status !== 404)
    throw new Error(`reading ${tag} from ${registry.host}/${repository} answered ${existing.status}: ${existing.text()}`);
  manifests.push({
    mediaType: referrer.descriptor.mediaType,
    digest: referrer.descriptor.digest,
    size: referrer.descriptor.size,
    artifactType: referrer.descriptor.artifactType,
    annotations: referrer.descriptor.annotations,
  });
  const index = await layout.index(manifests, { ref: `referrers-${tag}` });
  const put = await registryRequest(registry, `/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': MediaType.imageIndex },
    body: index.bytes,
    scope,
  });
  if (put.status !== 201) throw new Error(`PUT ${tag} to ${registry.host}/${repository} answered ${put.status}: ${put.text()}`);
  const indexDigest = String(put.headers['docker-content-digest'] ?? '');
  if (indexDigest !== index.descriptor.digest)
    throw new Error(`the registry stored the referrers index as ${indexDigest}, expected ${index.descriptor.digest}`);
  return { tag, indexDigest, manifests };
}
