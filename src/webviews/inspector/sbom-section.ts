/** An SBOM's packages for the page: the first few thousand rows, every string clipped. */
import type { SbomRead } from '../../core/oci/sbom';
import type { SbomRow, SbomSection } from './protocol';
import { clip } from './text';

/** Rows sent to the page: enough for any one image's packages; the JSON holds the rest. */
export const MAX_SBOM_ROWS = 5000;

export function sbomSection(sbom: SbomRead): SbomSection {
  const shown = sbom.packages.slice(0, MAX_SBOM_ROWS);
  const rows = shown.map((p) => {
    const row: SbomRow = { name: clip(p.name, 256) };
    if (p.version !== undefined) row.version = clip(p.version, 128);
    if (p.license !== undefined) row.license = clip(p.license, 256);
    if (p.purl !== undefined) row.purl = clip(p.purl, 512);
    return row;
  });
  return { format: clip(sbom.format, 64).text, rows, omitted: sbom.packages.length - shown.length + sbom.omitted };
}
