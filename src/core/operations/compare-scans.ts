/**
 * Two images' vulnerability scans found and compared, with each image's own VEX applied first:
 * for each side the scan (image-scan), then, when there is one, the OpenVEX document attached to
 * the same image (image-vex), whose not_affected and fixed statements leave findings out as
 * `trivy --vex` does. Then the findings left are compared (compare-vulnerabilities).
 */
import { applyVex, type VexStatement } from '../oci/openvex';
import type { Vulnerability } from '../oci/vulnerability-report';
import type { Repository } from '../registry/repository';
import { compareVulnerabilities, type VulnerabilityComparison } from './compare-vulnerabilities';
import { DocumentReads, type DocumentSearchOptions } from './image-documents';
import { findImageScan, type ScanSearch } from './image-scan';
import { findImageVex, type VexSearch } from './image-vex';

/** One image to compare: where it is, and where to look (its index, what is attached to that). */
export interface ScanSubject {
  repository: Repository;
  digest: string;
  options?: Omit<DocumentSearchOptions, 'signal' | 'reads'>;
}

/** One side as found: its scan, its VEX (looked for only when it has a scan), and the findings the VEX left out. */
export interface ScannedSide {
  scan: ScanSearch;
  vex?: VexSearch;
  suppressed: { finding: Vulnerability; statement: VexStatement }[];
  /** Its VEX's statements not applied: their products are other images, by digest. */
  aboutOtherImages: number;
}

export interface ScanComparison {
  before: ScannedSide;
  after: ScannedSide;
  /** Set when both sides have a scan: their findings compared, what each VEX left out left out. */
  comparison?: VulnerabilityComparison;
}

export async function compareImageScans(before: ScanSubject, after: ScanSubject, signal?: AbortSignal): Promise<ScanComparison> {
  const [a, b] = await Promise.all([findScanWithVex(before, signal), findScanWithVex(after, signal)]);
  return {
    before: a.side,
    after: b.side,
    ...(a.kept && b.kept ? { comparison: compareVulnerabilities(a.kept, b.kept) } : {}),
  };
}

/** One image's scan and, when it has one, its VEX applied: the findings kept are what the VEX leaves. */
export async function findScanWithVex(subject: ScanSubject, signal?: AbortSignal): Promise<{ side: ScannedSide; kept?: Vulnerability[] }> {
  // The VEX search walks the places the scan search did: their listings, manifests and blobs (those
  // that fit DocumentReads' budget) are read once.
  const options = { ...subject.options, reads: new DocumentReads(subject.repository, signal), ...(signal ? { signal } : {}) };
  const scan = await findImageScan(subject.repository, subject.digest, options);
  if (!scan.found) return { side: { scan, suppressed: [], aboutOtherImages: 0 } };
  const vex = await findImageVex(subject.repository, subject.digest, options);
  const findings = scan.found.document.vulnerabilities;
  // The image is itself and, when reached through one, its index: a statement naming either is about it.
  const digests = [subject.digest, ...(subject.options?.indexDigest !== undefined ? [subject.options.indexDigest] : [])];
  const { kept, suppressed, aboutOtherImages } = vex.found
    ? applyVex(findings, vex.found.document.statements, digests)
    : { kept: [...findings], suppressed: [], aboutOtherImages: 0 };
  return { side: { scan, vex, suppressed, aboutOtherImages }, kept };
}
