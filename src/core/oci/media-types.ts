/**
 * Media types of manifests, configs and layers, and the names people know them by. Registries
 * hold far more than container images (Helm charts, signatures, SBOMs, WASM modules…); the tree
 * and the inspector name each kind instead of showing raw media type strings.
 */
import type { DigestTagKind } from './digest';

export const MediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociNondistributableLayer: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociNondistributableLayerGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  /** A Helm chart's config: its Chart.yaml as JSON (name, version, appVersion, description…). */
  helmConfig: 'application/vnd.cncf.helm.config.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** What the Accept header of a manifest request lists: every kind this client reads. */
export const MANIFEST_ACCEPT = [MediaTypes.ociIndex, MediaTypes.ociManifest, MediaTypes.dockerManifestList, MediaTypes.dockerManifest].join(
  ', ',
);

export type ManifestKind = 'index' | 'image';

/** Index-like and image-like manifest media types; the client never writes schema 1. */
export function manifestKindOf(mediaType: string | undefined): ManifestKind | undefined {
  switch (baseMediaType(mediaType ?? '')) {
    case MediaTypes.ociIndex:
    case MediaTypes.dockerManifestList:
      return 'index';
    case MediaTypes.ociManifest:
    case MediaTypes.dockerManifest:
      return 'image';
    default:
      return undefined;
  }
}

/** A Content-Type without its parameters (`; charset=utf-8`), lower-cased. */
export function baseMediaType(contentType: string): string {
  return contentType.split(';', 1)[0]!.trim().toLowerCase();
}

export function isLayerMediaType(mediaType: string): boolean {
  return /^application\/vnd\.(oci\.image\.layer\.|docker\.image\.rootfs\.)/.test(mediaType);
}

/**
 * Blobs people open to read what they say about an image: in-toto statements, DSSE envelopes,
 * Sigstore bundles, SPDX and CycloneDX SBOMs. They can be several MiB (an SBOM of a Node image).
 */
export function isSupplyChainDocument(mediaType: string): boolean {
  return /^application\/(vnd\.in-toto[.+]|vnd\.dsse\.envelope|vnd\.dev\.sigstore\.bundle|spdx\+json|vnd\.cyclonedx\+json|vnd\.syft\+json)/.test(
    baseMediaType(mediaType),
  );
}

/**
 * Documents people open to read at their full size: the supply-chain documents above, and scan
 * reports attached as SARIF (Trivy's SARIF of a large image passes 4 MiB). SARIF is not a
 * supply-chain document: an SBOM search must not read it.
 */
export function isReadableReport(mediaType: string): boolean {
  return isSupplyChainDocument(mediaType) || baseMediaType(mediaType) === 'application/sarif+json';
}

/** A COSE signature envelope (Notation's `--signature-format cose`): CBOR, not JSON. */
export function isCoseEnvelope(mediaType: string): boolean {
  return baseMediaType(mediaType) === 'application/cose';
}

/** Image layers, and artifact blobs that say they are tar archives (a Helm chart's `.tar+gzip`). */
export function isTarLike(mediaType: string): boolean {
  return isLayerMediaType(mediaType) || /[./+]tar([+.]|$)/.test(mediaType);
}

/**
 * Layers that registries need not hold (Docker's foreign layers, OCI's non-distributable ones,
 * both deprecated): Windows base layers, say, which their manifests point at by `urls` instead.
 */
export function isNonDistributableLayer(mediaType: string): boolean {
  return mediaType === MediaTypes.dockerForeignLayer || /^application\/vnd\.oci\.image\.layer\.nondistributable\./.test(mediaType);
}

/** How a layer's bytes are compressed, judged from its media type. */
export function layerCompressionOf(mediaType: string): 'gzip' | 'zstd' | 'none' | undefined {
  if (!isLayerMediaType(mediaType)) return undefined;
  if (/(\+|\.)gzip$/.test(mediaType)) return 'gzip';
  if (/\+zstd$/.test(mediaType)) return 'zstd';
  return 'none';
}

/** Human names of artifact and manifest kinds, checked in order; the first match wins. */
const KNOWN_KINDS: readonly (readonly [RegExp, string])[] = [
  [/^application\/vnd\.oci\.image\.index\.v1\+json$/, 'OCI image index'],
  [/^application\/vnd\.docker\.distribution\.manifest\.list\.v2\+json$/, 'Docker manifest list'],
  [/^application\/vnd\.oci\.image\.manifest\.v1\+json$/, 'OCI image'],
  [/^application\/vnd\.docker\.distribution\.manifest\.v2\+json$/, 'Docker image'],
  [/^application\/vnd\.docker\.distribution\.manifest\.v1\+(prettyjws|json)$/, 'Docker schema 1 image (deprecated)'],
  [/^application\/vnd\.oci\.image\.config\.v1\+json$/, 'OCI image config'],
  [/^application\/vnd\.docker\.container\.image\.v1\+json$/, 'Docker image config'],
  [/^application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip$/, 'layer (tar+gzip)'],
  [/^application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd$/, 'layer (tar+zstd)'],
  [/^application\/vnd\.oci\.image\.layer\.v1\.tar$/, 'layer (tar)'],
  [/^application\/vnd\.oci\.image\.layer\.nondistributable\./, 'non-distributable layer'],
  [/^application\/vnd\.docker\.image\.rootfs\.diff\.tar\.gzip$/, 'layer (tar+gzip)'],
  [/^application\/vnd\.docker\.image\.rootfs\.diff\.tar$/, 'layer (tar)'],
  [/^application\/vnd\.docker\.image\.rootfs\.foreign\.diff\.tar\.gzip$/, 'foreign layer'],
  [/^application\/vnd\.oci\.empty\.v1\+json$/, 'empty'],
  [/^application\/vnd\.cncf\.helm\.(config|chart)\./, 'Helm chart'],
  [/^application\/vnd\.cncf\.helm\.chart\.provenance\./, 'Helm chart provenance'],
  [/^application\/vnd\.cnab\./, 'CNAB bundle'],
  [/^application\/vnd\.dev\.cosign\.(artifact\.)?sig/, 'cosign signature'],
  [/^application\/vnd\.dev\.cosign\.simplesigning/, 'cosign signature'],
  [/^application\/vnd\.dev\.sigstore\.bundle/, 'Sigstore bundle'],
  [/^application\/vnd\.cncf\.notary\.signature$/, 'Notation signature'],
  [/^application\/vnd\.cncf\.notary\./, 'Notary'],
  [/^application\/jose\+json$/, 'JWS signature envelope'],
  [/^application\/cose$/, 'COSE signature envelope'],
  [/^application\/vnd\.in-toto\+json$/, 'in-toto attestation'],
  [/^application\/vnd\.in-toto\./, 'in-toto attestation'],
  [/^application\/vnd\.dsse\.envelope/, 'DSSE attestation'],
  [/^application\/spdx(\+json)?$|spdx/, 'SBOM (SPDX)'],
  [/^application\/vnd\.cyclonedx|cyclonedx/, 'SBOM (CycloneDX)'],
  [/^application\/vnd\.syft\+json$/, 'SBOM (Syft)'],
  [/^application\/vnd\.openvex/, 'OpenVEX document'],
  [/^application\/sarif\+json$/, 'SARIF scan report'],
  [/^application\/vnd\.wasm\.|^application\/wasm$/, 'WebAssembly module'],
  [/^application\/vnd\.module\.wasm\./, 'WebAssembly module'],
  [/^application\/vnd\.unknown\.artifact\.v1$/, 'artifact'],
  [/^application\/vnd\.buildkit\.cacheconfig/, 'BuildKit cache'],
  [/^application\/vnd\.docker\.plugin\./, 'Docker plugin'],
  [/^application\/vnd\.singularity\.|^application\/vnd\.sylabs\.sif\./, 'Singularity image'],
  // Dev Container Features and Templates (containers.dev's distribution spec): the config type is
  // the same for a Feature, a Template and a collection's metadata.
  [/^application\/vnd\.devcontainers\.collection\.layer\./, 'Dev Container collection'],
  [/^application\/vnd\.devcontainers\.layer\./, 'Dev Container Feature or Template (tar)'],
  [/^application\/vnd\.devcontainers$/, 'Dev Container artifact'],
  [/^application\/vnd\.amazon\.soci\.index\./, 'SOCI index'],
  [/^application\/vnd\.cncf\.model\.(manifest|config)\./, 'AI model (ModelPack)'],
  [/^application\/vnd\.cncf\.model\.weight\.v1\./, 'model weights'],
  [/^application\/vnd\.docker\.ai\.model\.config\./, 'AI model (Docker)'],
  [/^application\/vnd\.docker\.ai\.(gguf\.|model\.file\.v1\+gguf)/, 'model weights (GGUF)'],
  [/^application\/vnd\.docker\.ai\.safetensors\./, 'model weights (safetensors)'],
  [/^application\/vnd\.cncf\.flux\.config\./, 'Flux artifact'],
  [/^application\/vnd\.cncf\.flux\.content\./, 'Flux content (tar+gzip)'],
  [/^application\/vnd\.cncf\.openpolicyagent\.(config|manifest)\./, 'OPA bundle'],
  [/^application\/vnd\.cncf\.openpolicyagent\.layer\./, 'OPA bundle (tar+gzip)'],
  [/^application\/vnd\.cncf\.openpolicyagent\.policy\./, 'Rego policy'],
  [/^application\/vnd\.cncf\.openpolicyagent\.data\./, 'OPA data'],
  [/^application\/vnd\.acme\.rocket\./, 'example artifact'],
];

/**
 * The name a person would use for a manifest or blob: for an artifact (an `artifactType`, or an
 * artifact's config type) the name of that type, or the type itself when it is not a known one,
 * since an OCI manifest can carry anything; otherwise the media type's name, or the raw type.
 */
export function kindName(mediaType: string | undefined, artifactType?: string): string {
  // An artifact is what its type says, known or not: an OCI manifest carrying a release file is no "OCI image".
  const candidate = artifactType ?? mediaType;
  if (!candidate) return 'unknown';
  const type = baseMediaType(candidate);
  for (const [pattern, name] of KNOWN_KINDS) if (pattern.test(type)) return name;
  return candidate;
}

/**
 * The codicon for what a tag named after a digest holds: the same as the content's own kind would
 * get, for rows whose descriptor cannot say (a HEAD of cosign's tag gives no artifact type).
 */
export function digestTagIcon(kind: DigestTagKind): string {
  switch (kind) {
    case 'referrers':
      return 'references';
    case 'signature':
      return 'verified';
    case 'attestations':
      return 'law';
    case 'sbom':
      return 'checklist';
  }
}

/** The codicon the tree shows for a kind of content. */
export function kindIcon(mediaType: string | undefined, artifactType?: string): string {
  const name = kindName(mediaType, artifactType);
  if (/signature|Sigstore|Notation|Notary/.test(name)) return 'verified';
  if (/SBOM/.test(name)) return 'checklist';
  if (/scan report|VEX/.test(name)) return 'shield';
  if (/attestation/.test(name)) return 'law';
  if (/Helm/.test(name)) return 'ship';
  if (/Dev Container/.test(name)) return 'remote-explorer';
  if (/AI model|model weights/.test(name)) return 'sparkle';
  // A table of contents for lazy pulling, not a list of images.
  if (/SOCI/.test(name)) return 'zap';
  if (/index|list/.test(name)) return 'layers';
  if (/layer/.test(name)) return 'archive';
  if (/config/.test(name)) return 'settings-gear';
  if (/WebAssembly/.test(name)) return 'symbol-method';
  if (/image/.test(name)) return 'package';
  return 'file-binary';
}
