/**
 * The typed model of what registries store: descriptors, image indexes (and Docker manifest
 * lists), image manifests (and Docker v2 manifests, and OCI artifacts), and image configs.
 * Manifests are parsed from bytes that were already checked against their digest; the parser
 * checks the shape so that nothing later trusts a field that is not there.
 */
import { isDigest } from './digest';
import { CoreError, quoteInput } from '../errors';
import { baseMediaType, isTarLike, manifestKindOf, MediaTypes } from './media-types';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
  features?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
  /** Embedded content, base64. */
  data?: string;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  /** Windows images: the OS build they need. */
  'os.version'?: string;
  created?: string;
  author?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    ExposedPorts?: Record<string, unknown>;
    Volumes?: Record<string, unknown>;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
  };
  rootfs?: { type: string; diff_ids: string[] };
  history?: { created?: string; created_by?: string; author?: string; comment?: string; empty_layer?: boolean }[];
}

/**
 * A manifest read from a registry or a layout, with the bytes its digest covers; from a registry,
 * `servedBy` is the origin of the endpoint that answered (a mirror or the registry itself).
 */
export type ParsedManifest =
  | { kind: 'index'; mediaType: string; descriptor: Descriptor; bytes: Buffer; index: ImageIndex; servedBy?: string }
  | { kind: 'image'; mediaType: string; descriptor: Descriptor; bytes: Buffer; manifest: ImageManifest; servedBy?: string };

/** Manifests larger than this are refused (the OCI distribution spec's recommended limit). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const ANNOTATION_TITLE = 'org.opencontainers.image.title';

/**
 * Parses manifest bytes. The media type comes from the JSON's own `mediaType`, else the
 * Content-Type the registry sent, else the shape (`manifests` → index, `config` → image).
 * @throws CoreError `BAD_MANIFEST` naming `what` and the field at fault.
 */
export function parseManifest(bytes: Buffer, digest: string, contentType: string | undefined, what: string): ParsedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new CoreError(
      'MANIFEST_TOO_LARGE',
      `${what} is ${bytes.length} bytes, over the ${MAX_MANIFEST_BYTES / 1048576} MiB limit for manifests; it was not read.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bad(what, 'it is not JSON');
  }
  if (!isJsonObject(json)) throw bad(what, 'it is not a JSON object');
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const headerType = contentType ? baseMediaType(contentType) : undefined;
  let mediaType = declared ?? (manifestKindOf(headerType) ? headerType : undefined);
  if (!mediaType)
    mediaType = Array.isArray(json.manifests) ? MediaTypes.ociIndex : isJsonObject(json.config) ? MediaTypes.ociManifest : undefined;
  if (json.schemaVersion === 1 || mediaType === MediaTypes.dockerSchema1 || mediaType === MediaTypes.dockerSchema1Signed) {
    throw new CoreError(
      'UNSUPPORTED_MANIFEST',
      `${what} is a Docker schema 1 manifest, which is deprecated and not supported: push the image again with a current tool.`,
    );
  }
  const kind = manifestKindOf(mediaType);
  if (!kind || !mediaType)
    throw new CoreError(
      'UNSUPPORTED_MANIFEST',
      `${what} has media type ${quoteInput(declared ?? headerType ?? 'none')}, which is not a manifest or index this client reads.`,
    );
  if (json.schemaVersion !== 2) throw bad(what, `schemaVersion is ${String(JSON.stringify(json.schemaVersion)).slice(0, 40)}, not 2`);
  const descriptor: Descriptor = { mediaType, digest, size: bytes.length };
  if (typeof json.artifactType === 'string') descriptor.artifactType = json.artifactType;
  if (kind === 'index') {
    if (!Array.isArray(json.manifests)) throw bad(what, 'an index needs a "manifests" list');
    json.manifests.forEach((d, i) => checkDescriptor(d, what, `manifests[${i}]`));
    if (json.subject !== undefined) checkDescriptor(json.subject, what, 'subject');
    return { kind, mediaType, descriptor, bytes, index: json as unknown as ImageIndex };
  }
  checkDescriptor(json.config, what, 'config');
  if (!Array.isArray(json.layers)) throw bad(what, 'an image manifest needs a "layers" list');
  json.layers.forEach((d, i) => checkDescriptor(d, what, `layers[${i}]`));
  if (json.subject !== undefined) checkDescriptor(json.subject, what, 'subject');
  if (descriptor.artifactType === undefined) {
    const configType = (json.config as Descriptor).mediaType;
    if (configType !== MediaTypes.ociConfig && configType !== MediaTypes.dockerConfig && configType !== MediaTypes.ociEmpty)
      descriptor.artifactType = configType;
  }
  return { kind, mediaType, descriptor, bytes, manifest: json as unknown as ImageManifest };
}

/**
 * Whether a manifest's layers are files rather than filesystem layers: an artifact (it says its
 * type), or an image-shaped manifest with no tar layer at all, such as BuildKit's attestation
 * manifests (an image config and in-toto statements as layers), which have no files to apply.
 */
export function isFileManifest(parsed: ParsedManifest): boolean {
  if (parsed.kind !== 'image') return false;
  if (parsed.descriptor.artifactType !== undefined) return true;
  const layers = parsed.manifest.layers;
  return layers.length > 0 && layers.every((d) => !isTarLike(d.mediaType));
}

/** The descriptors a manifest points at, children before the things that use them. */
export function childrenOf(parsed: ParsedManifest): Descriptor[] {
  if (parsed.kind === 'index') return parsed.index.manifests;
  return [parsed.manifest.config, ...parsed.manifest.layers];
}

export function isManifestDescriptor(d: Pick<Descriptor, 'mediaType'>): boolean {
  return manifestKindOf(d.mediaType) !== undefined;
}

/** `linux/arm64/v8`, the form `--platform` takes. */
export function formatPlatform(p: Platform | undefined): string {
  if (!p) return 'unknown platform';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/') + (p['os.version'] ? ` (${p['os.version']})` : '');
}

/** Parses `os/arch[/variant]`. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p))) {
    throw new CoreError(
      'INVALID_PLATFORM',
      `"${text}" is not a platform: use os/architecture[/variant], e.g. linux/amd64 or linux/arm64/v8.`,
    );
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/**
 * Whether a platform in an index matches a wanted one: os and architecture equal; a wanted
 * variant must match (arm64's "v8" also matches no variant, as containerd treats them alike);
 * and when both name an os.version (Windows builds), it must be the same.
 */
export function platformMatches(have: Platform | undefined, want: Platform): boolean {
  if (!have || have.os !== want.os || have.architecture !== want.architecture) return false;
  if (have['os.version'] && want['os.version'] && have['os.version'] !== want['os.version']) return false;
  if (!want.variant) return true;
  if (have.variant === want.variant) return true;
  return have.architecture === 'arm64' && [have.variant ?? 'v8', want.variant].every((v) => v === 'v8');
}

/** The entries of an index for a platform (an image's own, say), attestations left out: none, one, or several to choose from. */
export function platformEntries(entries: readonly Descriptor[], want: Platform): Descriptor[] {
  return entries.filter((d) => !isAttestationEntry(d) && platformMatches(d.platform, want));
}

/**
 * This machine's platform in OCI terms (Node's `x64` is `amd64`), as `docker pull` picks it. The
 * OS is always linux: Docker Desktop on macOS and Windows runs Linux containers by default.
 */
export function hostPlatform(): Platform {
  const architecture =
    (
      { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<
        string,
        string
      >
    )[process.arch] ?? process.arch;
  return { os: 'linux', architecture, ...(architecture === 'arm' ? { variant: 'v7' } : {}) };
}

/** Index entries that are attestations (BuildKit's `unknown/unknown` provenance), not platforms. */
export function isAttestationEntry(d: Descriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown')
  );
}

/** Attestation manifests an index lists for one of its images (BuildKit names the image by digest). */
export function attestationsFor(index: ImageIndex, imageDigest: string): Descriptor[] {
  return index.manifests.filter((d) => isAttestationEntry(d) && d.annotations?.['vnd.docker.reference.digest'] === imageDigest);
}

/** A file name for an artifact layer, from its title annotation. */
export function titleOf(d: Descriptor): string | undefined {
  return d.annotations?.[ANNOTATION_TITLE];
}

/** Sum of the sizes of a manifest's config and layers: what a pull of that platform transfers. */
export function imageSize(manifest: ImageManifest, manifestSize = 0): number {
  return manifestSize + manifest.config.size + manifest.layers.reduce((total, layer) => total + layer.size, 0);
}

function checkDescriptor(d: unknown, what: string, field: string): asserts d is Descriptor {
  if (!isJsonObject(d)) throw bad(what, `${field} is not a descriptor object`);
  if (typeof d.mediaType !== 'string' || d.mediaType === '') throw bad(what, `${field} has no mediaType`);
  if (typeof d.digest !== 'string' || !isDigest(d.digest))
    throw bad(what, `${field} has an invalid digest ${quoteInput(String(d.digest).slice(0, 100))}`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw bad(what, `${field} has an invalid size`);
  if (d.annotations !== undefined && (!isJsonObject(d.annotations) || Object.values(d.annotations).some((v) => typeof v !== 'string'))) {
    throw bad(what, `${field} has annotations that are not all strings`);
  }
  if (
    d.platform !== undefined &&
    (!isJsonObject(d.platform) || typeof d.platform.os !== 'string' || typeof d.platform.architecture !== 'string')
  ) {
    throw bad(what, `${field} has a platform without os and architecture`);
  }
}

/** A JSON object (not an array, not null): the shape registry documents are checked against. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(what: string, reason: string): CoreError {
  return new CoreError('BAD_MANIFEST', `${what} is not a valid manifest: ${reason}.`);
}
