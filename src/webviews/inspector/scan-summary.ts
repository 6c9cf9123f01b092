/**
 * An image's (or index's) vulnerability scan summed up for its page: the scanner, when it ran and
 * where it was found, the findings per severity once the image's own VEX has left out what it
 * calls not affected or fixed, and a link to the manifest holding the report. A manifest without
 * one is told where it was looked for and how to attach one.
 */
import { shortDigest } from '../../core/oci/digest';
import type { ScannedSide } from '../../core/operations/compare-scans';
import { SEVERITY_ORDER, type Vulnerability } from '../../core/oci/vulnerability-report';
import { HOW_TO_ATTACH_A_SCAN, placeWords, scanLookedAt, sideProblems } from '../shared/document-places';
import { manifestLink } from './links';
import type { ImageScanModel, SeverityLevel } from './protocol';
import { clip } from './text';

export function scanSummary(
  place: { host: string; repository: string; digest: string },
  side: ScannedSide,
  kept: readonly Vulnerability[] | undefined,
  throughIndex: boolean,
): ImageScanModel {
  const problems = sideProblems(side.scan, side.vex)
    .slice(0, 8)
    .map((p) => clip(p, 512).text);
  const found = side.scan.found;
  if (!found)
    return {
      missing: `No vulnerability scan was found (${scanLookedAt(throughIndex)}). ${HOW_TO_ATTACH_A_SCAN}`,
      problems,
    };
  const counts = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<SeverityLevel, number>;
  for (const finding of kept ?? []) counts[finding.severity]++;
  const report = found.document;
  const vexAuthor = side.vex?.found?.document.author;
  return {
    found: {
      format: clip(report.format, 64).text,
      ...(report.scanner !== undefined ? { scanner: clip(report.scanner, 256) } : {}),
      ...(report.scannedAt !== undefined ? { scannedAt: report.scannedAt } : {}),
      place: placeWords(found),
      report: manifestLink(place, found.manifest, `vulnerability scan of ${place.repository}@${shortDigest(place.digest)}`),
      counts,
      suppressed: side.suppressed.length,
      ...(vexAuthor !== undefined ? { vexAuthor: clip(vexAuthor, 256) } : {}),
      vexAboutOtherImages: side.aboutOtherImages,
    },
    problems,
  };
}
