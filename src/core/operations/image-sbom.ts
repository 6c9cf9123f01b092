/**
 * Finds an image's SBOM where the tools that write one put it (the places and their order are
 * image-documents'): BuildKit's attestation manifest (`docker buildx build --sbom=true`), an SBOM
 * referrer (`oras attach --artifact-type application/spdx+json`, cosign 3's bundles,
 * `gh attestation`), or cosign's `sha256-<hex>.att` tag (`cosign attest --type spdxjson`). The
 * first that reads as SPDX or CycloneDX packages wins.
 */
import { isSbomPredicateType } from '../oci/attestation';
import { baseMediaType } from '../oci/media-types';
import { readSbom, type SbomRead } from '../oci/sbom';
import type { Repository } from '../registry/repository';
import {
  findImageDocument,
  type DocumentPlace,
  type DocumentSearchOptions,
  type FoundDocument,
  type ImageDocumentKind,
  readDocumentOrPredicate,
} from './image-documents';

/** Where an SBOM was found. */
export type SbomPlace = DocumentPlace;

/** An SBOM found: its packages, and where they were read (as for any image document). */
export type ImageSbom = Omit<FoundDocument<SbomRead>, 'document'> & { sbom: SbomRead };

export interface SbomSearch {
  found?: ImageSbom;
  /** What could not be read on the way (a referrers listing refused, a blob too big), in words. */
  problems: string[];
}

/** The packages of an SBOM document, or of the SBOM an attestation (statement, envelope, bundle) carries. */
export const sbomOfDocument = readDocumentOrPredicate(readSbom);

const SBOM_DOCUMENTS: ImageDocumentKind<SbomRead> = {
  noun: 'an SBOM',
  // OCI 1.1 `artifactType`, as ORAS and Syft attach them.
  isArtifactType: (type) => /^application\/(spdx\+json|vnd\.cyclonedx\+json|vnd\.cyclonedx\+xml)$|^text\/spdx/.test(baseMediaType(type)),
  isPredicateType: isSbomPredicateType,
  read: sbomOfDocument,
};

/**
 * The SBOM of the image `digest` in `repository`. `index`, when the image was reached through
 * one, is where BuildKit lists its attestations. Cancellation is passed on; any other failure on
 * the way is kept in `problems` and the search goes on.
 */
export async function findImageSbom(repository: Repository, digest: string, options: DocumentSearchOptions = {}): Promise<SbomSearch> {
  const search = await findImageDocument(repository, digest, SBOM_DOCUMENTS, options);
  if (!search.found) return { problems: search.problems };
  const { document, ...where } = search.found;
  return { found: { sbom: document, ...where }, problems: search.problems };
}
