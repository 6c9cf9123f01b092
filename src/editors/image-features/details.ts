/**
 * What a hover shows about a reference: its digest and media type, the platforms of an index, the
 * chosen platform's size, creation date and labels (from the image config), and which endpoint of
 * the plan answered (a mirror or the registry). One manifest request, one more for the platform
 * of an index, and the config blob. Pure: the core is passed in, no vscode.
 */
import type * as Core from '../../core/index';
import type { Descriptor, ImageManifest, ParsedManifest, Platform, RegistryClient, Repository } from '../../core/index';

export interface PlatformDetails {
  platform: string;
  digest: string;
  /** Known for the platform whose manifest was read. */
  size?: number;
}

export interface ReferenceDetails {
  /** `host/repository:tag` or `…@digest`, as asked. */
  reference: string;
  digest: string;
  /** The manifest's own size (its descriptor is `mediaType`, `digest` and this). */
  manifestSize: number;
  mediaType: string;
  kind: 'index' | 'image';
  artifactType?: string;
  /** An index's platforms (attestations left out). */
  platforms: PlatformDetails[];
  /** The platform whose config is described below, for an index. */
  chosenPlatform?: string;
  /** What pulling the (chosen) image transfers: manifest, config and layers. */
  size?: number;
  created?: string;
  /** `org.opencontainers.image.*` labels and annotations (source, version, revision…), as given. */
  labels: Record<string, string>;
  /** A Helm chart's `appVersion` (from its config, which is its Chart.yaml). */
  appVersion?: string;
  servedBy?: { origin: string; role: 'mirror' | 'server' };
}

/** Configs are a few KiB; a bigger one is not read for a hover. */
const MAX_CONFIG_BYTES = 1024 * 1024;
const LABEL_PREFIX = 'org.opencontainers.image.';

export interface DetailsRequest {
  core: typeof Core;
  client: RegistryClient;
  repository: Repository;
  /** `host/repository:tag` or `…@digest`, for the result. */
  reference: string;
  /** The tag or digest to read. */
  pointer: string;
  /** The platform to describe in an index: the file's own (`FROM --platform`), the setting's, else this machine's. */
  platform?: string;
  signal?: AbortSignal;
}

export async function fetchDetails(request: DetailsRequest): Promise<ReferenceDetails> {
  const { core, repository, signal } = request;
  const parsed = await repository.getManifest(request.pointer, signal);
  const details: ReferenceDetails = {
    reference: request.reference,
    digest: parsed.descriptor.digest,
    manifestSize: parsed.descriptor.size,
    mediaType: parsed.mediaType,
    kind: parsed.kind,
    platforms: [],
    labels: ociAnnotations(parsed.kind === 'index' ? parsed.index.annotations : parsed.manifest.annotations),
  };
  if (parsed.descriptor.artifactType) details.artifactType = parsed.descriptor.artifactType;
  const servedBy = await roleOf(request.client, parsed);
  if (servedBy) details.servedBy = servedBy;
  let image: ParsedManifest | undefined = parsed;
  if (parsed.kind === 'index') {
    const entries = parsed.index.manifests.filter((m) => !core.isAttestationEntry(m) && core.manifestKindOf(m.mediaType) === 'image');
    details.platforms = entries.map((m) => ({ platform: core.formatPlatform(m.platform), digest: m.digest }));
    const chosen = choosePlatform(core, entries, request.platform);
    image = undefined;
    if (chosen) {
      details.chosenPlatform = core.formatPlatform(chosen.platform);
      image = await repository.getManifest(chosen.digest, signal);
    }
  }
  if (image?.kind !== 'image') return details;
  const size = core.imageSize(image.manifest, image.bytes.length);
  details.size = size;
  const entry = details.platforms.find((p) => p.digest === image.descriptor.digest);
  if (entry) entry.size = size;
  Object.assign(details.labels, ociAnnotations(image.manifest.annotations));
  const config = await readConfig(core, repository, image.manifest, signal);
  if (config?.created) details.created = config.created;
  if (config?.appVersion) details.appVersion = config.appVersion;
  Object.assign(details.labels, ociAnnotations(config?.labels));
  return details;
}

function choosePlatform(core: typeof Core, entries: Descriptor[], wanted: string | undefined): Descriptor | undefined {
  let platform: Platform;
  try {
    platform = wanted ? core.parsePlatform(wanted) : core.hostPlatform();
  } catch {
    platform = core.hostPlatform();
  }
  return entries.find((m) => core.platformMatches(m.platform, platform)) ?? entries[0];
}

/** Which endpoint of the pull plan answered, by the origin the manifest came from. */
async function roleOf(client: RegistryClient, parsed: ParsedManifest): Promise<ReferenceDetails['servedBy']> {
  if (!parsed.servedBy) return undefined;
  const origin = parsed.servedBy;
  const host = new URL(origin).host.toLowerCase();
  const plan = await client.plan('pull').catch(() => undefined);
  const endpoint = plan?.endpoints.find((e) => e.host.toLowerCase() === host);
  return { origin, role: endpoint?.role ?? 'server' };
}

async function readConfig(
  core: typeof Core,
  repository: Repository,
  manifest: ImageManifest,
  signal: AbortSignal | undefined,
): Promise<{ created?: string; labels?: Record<string, string>; appVersion?: string } | undefined> {
  const descriptor = manifest.config;
  const isConfig = descriptor.mediaType === core.MediaTypes.ociConfig || descriptor.mediaType === core.MediaTypes.dockerConfig;
  const isChart = descriptor.mediaType === core.MediaTypes.helmConfig;
  if ((!isConfig && !isChart) || descriptor.size > MAX_CONFIG_BYTES) return undefined;
  const bytes = await repository.readSmallBlob(descriptor, signal);
  if (isChart) return chartConfig(bytes);
  try {
    const json = JSON.parse(bytes.toString('utf8')) as { created?: unknown; config?: { Labels?: unknown } };
    const labels = json.config?.Labels;
    return {
      ...(typeof json.created === 'string' ? { created: json.created } : {}),
      ...(labels && typeof labels === 'object' ? { labels: labels as Record<string, string> } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * What a Helm chart's config (its Chart.yaml as JSON) says, in the hover's words: its name, version
 * and description as the OCI annotations Helm also writes (older Helm wrote none), and its appVersion.
 */
function chartConfig(bytes: Buffer): { labels: Record<string, string>; appVersion?: string } | undefined {
  let json: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (!parsed || typeof parsed !== 'object') return undefined;
    json = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const text = (key: string): string | undefined => (typeof json[key] === 'string' && json[key] !== '' ? (json[key] as string) : undefined);
  const labels: Record<string, string> = {};
  for (const [key, label] of [
    ['name', 'title'],
    ['version', 'version'],
    ['description', 'description'],
    ['home', 'url'],
  ] as const) {
    const value = text(key);
    if (value) labels[`${LABEL_PREFIX}${label}`] = value;
  }
  const appVersion = text('appVersion');
  return { labels, ...(appVersion ? { appVersion } : {}) };
}

/** The `org.opencontainers.image.*` entries whose values are strings. */
function ociAnnotations(from: Record<string, unknown> | null | undefined): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [key, value] of Object.entries(from ?? {})) if (key.startsWith(LABEL_PREFIX) && typeof value === 'string') picked[key] = value;
  return picked;
}
