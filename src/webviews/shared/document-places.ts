/**
 * Where an SBOM, a scan or a VEX document about an image was found (or looked for), and what went
 * wrong on the way, in the words both panels use.
 */
import type { DocumentPlace } from '../../core/operations/image-documents';

const DOCUMENT_PLACES: Readonly<Record<DocumentPlace, string>> = {
  'attestation-manifest': "BuildKit's attestation manifest in the index",
  referrer: 'a referrer',
  'cosign-tag': "cosign's .att tag",
};

/** The place in words, saying so when the document is attached to the index rather than the image. */
export function placeWords(found: { place: DocumentPlace; ofIndex?: true }): string {
  return `${DOCUMENT_PLACES[found.place]}${found.ofIndex ? ' of the index' : ''}`;
}

/** How a scan is attached, for a sentence saying none was found. */
export const HOW_TO_ATTACH_A_SCAN =
  '`trivy image --format cosign-vuln` then `cosign attest --type vuln` attaches one; so does `oras attach --artifact-type application/sarif+json` with a SARIF report.';

/** Where a scan was looked for: with its index, the index's attestations and what is attached to the index too. */
export function scanLookedAt(throughIndex: boolean): string {
  return throughIndex
    ? "attestations in the index, and the scan referrers and cosign's .att tag of the image and of the index, were looked at"
    : "the image's scan referrers and cosign's .att tag were looked at";
}

/**
 * What went wrong on one image's scan and VEX searches, each said once: the two share their reads
 * (a referrers listing refused is met by both), so the same problem can come from both.
 */
export function sideProblems(scan: { problems: readonly string[] }, vex: { problems: readonly string[] } | undefined): string[] {
  return [...new Set([...scan.problems, ...(vex?.problems ?? [])])];
}
