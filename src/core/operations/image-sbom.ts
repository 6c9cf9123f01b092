/**
 * Finds an image's SBOM where the tools that write one put it, in this order:
 * 1. BuildKit's attestation manifest, listed in the image's index (`docker buildx build --sbom=true`);
 * 2. a referrer: an SBOM attached as an artifact (`oras attach --artifact-type application/spdx+json`),
 *    or a Sigstore bundle or in-toto attestation whose predicate is an SBOM (cosign 3, `gh attestation`);
 * 3. cosign's `sha256-<hex>.att` tag (`cosign attest --type spdxjson`).
 * Only descriptors whose annotations or media types allow an SBOM are read, a bounded number of
 * them; the first that reads as SPDX or CycloneDX packages wins. Nothing is verified: a signature
 * around the SBOM is read past, not checked.
 */
import { annotatedPredicateType, isSbomPredicateType, readAttestation } from '../oci/attestation';
import { attestationsFor, type Descriptor, type ImageIndex, type ParsedManifest } from '../oci/manifest';
import { baseMediaType, isSupplyChainDocument } from '../oci/media-types';
import { readSbom, type SbomRead } from '../oci/sbom';
import { cosignTagFor } from '../registry/cosign-attachments';
import { isManifestMissing } from '../registry/registry-errors';
import { MAX_DOCUMENT_BLOB_BYTES, type Repository } from '../registry/repository';

/** Where an SBOM was found. */
export type SbomPlace = 'attestation-manifest' | 'referrer' | 'cosign-tag';

export interface ImageSbom {
  sbom: SbomRead;
  place: SbomPlace;
  /** The manifest that holds it: the attestation manifest, the referrer, or the `.att` manifest. */
  manifest: string;
  /** The blob the packages were read from. */
  blob: string;
}

export interface SbomSearch {
  found?: ImageSbom;
  /** What could not be read on the way (a referrers listing refused, a blob too big), in words. */
  problems: string[];
}

/** Manifests looked into at most per place, and blobs read at most in all: each blob can be 32 MiB. */
const MAX_MANIFESTS_PER_PLACE = 8;
const MAX_BLOBS_READ = 8;
/** An artifact's files looked at, at most, when it says it is an SBOM. */
const MAX_LAYERS_PER_MANIFEST = 4;

/** Artifact types that say the artifact is an SBOM (OCI 1.1 `artifactType`, as ORAS and Syft attach them). */
function isSbomArtifactType(type: string | undefined): boolean {
  return type !== undefined && /^application\/(spdx\+json|vnd\.cyclonedx\+json|vnd\.cyclonedx\+xml)$|^text\/spdx/.test(baseMediaType(type));
}

/**
 * The SBOM of the image `digest` in `repository`. `index`, when the image was reached through
 * one, is where BuildKit lists its attestations. Cancellation is passed on; any other failure on
 * the way is kept in `problems` and the search goes on.
 */
export async function findImageSbom(
  repository: Repository,
  digest: string,
  options: { index?: ImageIndex; signal?: AbortSignal } = {},
): Promise<SbomSearch> {
  const { signal } = options;
  const problems: string[] = [];
  let blobsRead = 0;
  const attempt = async <T>(work: () => Promise<T>, missingIsNormal = false): Promise<T | undefined> => {
    try {
      return await work();
    } catch (err) {
      if (signal?.aborted || (err as { code?: string }).code === 'CANCELLED') throw err;
      // A tag that is simply not there (most images have no `.att` tag) is not a problem to report.
      if (!(missingIsNormal && isManifestMissing(err))) problems.push(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  };
  /** The packages of the first of `layers` that reads as an SBOM. */
  const readLayers = async (layers: readonly Descriptor[]): Promise<{ sbom: SbomRead; blob: string } | undefined> => {
    for (const layer of layers) {
      if (blobsRead >= MAX_BLOBS_READ) return undefined;
      if (layer.size > MAX_DOCUMENT_BLOB_BYTES) {
        problems.push(`${layer.digest} is ${layer.size} bytes, over the ${MAX_DOCUMENT_BLOB_BYTES / 1048576} MiB an SBOM is read at.`);
        continue;
      }
      blobsRead++;
      const bytes = await attempt(() => repository.readSmallBlob(layer, signal, MAX_DOCUMENT_BLOB_BYTES));
      if (!bytes) continue;
      const sbom = sbomOfDocument(bytes);
      if (sbom) return { sbom, blob: layer.digest };
    }
    return undefined;
  };
  const imageManifest = async (reference: string, missingIsNormal = false): Promise<(ParsedManifest & { kind: 'image' }) | undefined> => {
    const parsed = await attempt(() => repository.getManifest(reference, signal), missingIsNormal);
    return parsed?.kind === 'image' ? parsed : undefined;
  };

  // 1. BuildKit: the index names the attestation manifest of each of its images.
  for (const entry of options.index ? attestationsFor(options.index, digest).slice(0, MAX_MANIFESTS_PER_PLACE) : []) {
    const manifest = await imageManifest(entry.digest);
    if (!manifest) continue;
    const read = await readLayers(statementLayers(manifest.manifest.layers));
    if (read) return { found: { ...read, place: 'attestation-manifest', manifest: manifest.descriptor.digest }, problems };
  }

  // 2. Referrers: SBOM artifacts first, then attestations that say (or do not say) an SBOM.
  const listed = await attempt(() => repository.referrers(digest, { signal }));
  for (const referrer of rankReferrers(listed?.referrers ?? []).slice(0, MAX_MANIFESTS_PER_PLACE)) {
    const manifest = await imageManifest(referrer.digest);
    if (!manifest) continue;
    const layers = isSbomArtifactType(referrer.artifactType ?? manifest.manifest.artifactType)
      ? manifest.manifest.layers.slice(0, MAX_LAYERS_PER_MANIFEST)
      : statementLayers(manifest.manifest.layers);
    const read = await readLayers(layers);
    if (read) return { found: { ...read, place: 'referrer', manifest: manifest.descriptor.digest }, problems };
  }

  // 3. cosign's tag beside the image, where `cosign attest` writes without OCI 1.1 referrers.
  const cosign = await imageManifest(cosignTagFor(digest, 'attestations'), true);
  if (cosign) {
    const read = await readLayers(statementLayers(cosign.manifest.layers));
    if (read) return { found: { ...read, place: 'cosign-tag', manifest: cosign.descriptor.digest }, problems };
  }
  return { problems };
}

/** The packages of an SBOM document, or of the SBOM an attestation (statement, envelope, bundle) carries. */
export function sbomOfDocument(bytes: Buffer): SbomRead | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  return readSbom(json) ?? readSbom(readAttestation(json)?.statement?.predicate);
}

/**
 * Layers of an attestation manifest that may hold an SBOM: those whose annotation names an SBOM
 * predicate first, then those that name no predicate but are statements or envelopes (read to see).
 */
function statementLayers(layers: readonly Descriptor[]): Descriptor[] {
  const named: Descriptor[] = [];
  const unnamed: Descriptor[] = [];
  for (const layer of layers) {
    const type = annotatedPredicateType(layer.annotations);
    if (type !== undefined) {
      if (isSbomPredicateType(type)) named.push(layer);
    } else if (isSupplyChainDocument(layer.mediaType)) unnamed.push(layer);
  }
  return [...named, ...unnamed];
}

/** Referrers that may be SBOMs, likeliest first; signatures and other claims are left out. */
function rankReferrers(referrers: readonly Descriptor[]): Descriptor[] {
  const artifacts: Descriptor[] = [];
  const claimed: Descriptor[] = [];
  const unsaid: Descriptor[] = [];
  for (const referrer of referrers) {
    const type = annotatedPredicateType(referrer.annotations);
    if (isSbomArtifactType(referrer.artifactType)) artifacts.push(referrer);
    else if (type !== undefined) {
      if (isSbomPredicateType(type)) claimed.push(referrer);
    } else if (referrer.artifactType !== undefined && isSupplyChainDocument(referrer.artifactType)) {
      if (referrer.annotations?.['dev.sigstore.bundle.content'] !== 'message-signature') unsaid.push(referrer);
    }
  }
  return [...artifacts, ...claimed, ...unsaid];
}
