/**
 * Finds an image's vulnerability scan where the tools that attach one put it (the places and
 * their order are image-documents'): a referrer (`trivy image -f sarif | trivy referrer put`,
 * `oras attach --artifact-type application/sarif+json`, an in-toto vulns attestation as a bundle),
 * BuildKit's attestation manifest, or cosign's `sha256-<hex>.att` tag (`cosign attest --type vuln`
 * of `trivy image -f cosign-vuln`). The first that reads as Trivy, Grype, SARIF or in-toto
 * findings wins. The report says what its scanner knew when it ran, not what is known today.
 */
import { isScanPredicateType } from '../oci/attestation';
import { baseMediaType } from '../oci/media-types';
import { readVulnerabilityReport, type VulnerabilityReport } from '../oci/vulnerability-report';
import type { Repository } from '../registry/repository';
import {
  findImageDocument,
  type DocumentSearch,
  type DocumentSearchOptions,
  type ImageDocumentKind,
  readDocumentOrPredicate,
} from './image-documents';

export type ScanSearch = DocumentSearch<VulnerabilityReport>;

/** The findings of a scan report, or of the report an attestation (statement, envelope, bundle) carries. */
export const scanOfDocument = readDocumentOrPredicate(readVulnerabilityReport);

const SCAN_DOCUMENTS: ImageDocumentKind<VulnerabilityReport> = {
  noun: 'a scan report',
  // SARIF is what Trivy's referrer plugin and Azure's and Copacetic's guides attach; the plugin
  // attaches cosign's vuln predicate as plain `application/json`, which is read to see.
  isArtifactType: (type) => /^application\/(sarif\+json|json)$/.test(baseMediaType(type)),
  isPredicateType: isScanPredicateType,
  read: scanOfDocument,
};

/**
 * The vulnerability scan of the image `digest` in `repository`. `index`, when the image was
 * reached through one, is where BuildKit lists its attestations. Cancellation is passed on; any
 * other failure on the way is kept in `problems` and the search goes on.
 */
export function findImageScan(repository: Repository, digest: string, options: DocumentSearchOptions = {}): Promise<ScanSearch> {
  return findImageDocument(repository, digest, SCAN_DOCUMENTS, options);
}
