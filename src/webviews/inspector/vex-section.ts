/** An OpenVEX document's statements for the page: the first few thousand in its order, every string clipped, advisories linked to osv.dev. */
import type { VexDocument, VexStatement } from '../../core/oci/openvex';
import { purlName, reportedName } from '../../core/oci/purl';
import type { VexRow, VexSection, VexStatus } from './protocol';
import { clip } from './text';
import { advisoryUrl } from './vulnerability-section';

/** Rows sent to the page: more than any one image's statements; the JSON holds the rest. */
export const MAX_VEX_ROWS = 5000;

export function vexSection(vex: VexDocument): VexSection {
  const counts: Record<VexStatus, number> = { not_affected: 0, affected: 0, fixed: 0, under_investigation: 0 };
  for (const statement of vex.statements) counts[statement.status]++;
  const shown = vex.statements.slice(0, MAX_VEX_ROWS);
  return {
    ...(vex.author !== undefined ? { author: clip(vex.author, 256) } : {}),
    ...(vex.timestamp !== undefined ? { timestamp: clip(vex.timestamp, 64) } : {}),
    ...(vex.version !== undefined ? { version: vex.version } : {}),
    counts,
    rows: shown.map((statement) => vexRow(statement, vex.timestamp)),
    omitted: vex.statements.length - shown.length + vex.omitted,
  };
}

function vexRow(statement: VexStatement, documentTime: string | undefined): VexRow {
  const row: VexRow = { vulnerability: clip(statement.vulnerability, 128), status: statement.status };
  if (statement.aliases.length) row.aliases = clip(statement.aliases.join(', '), 512);
  if (statement.justification !== undefined) row.justification = clip(statement.justification, 128);
  if (statement.impact !== undefined) row.impact = clip(statement.impact, 512);
  if (statement.action !== undefined) row.action = clip(statement.action, 512);
  if (statement.subcomponents.length) {
    row.subcomponents = clip([...new Set(statement.subcomponents.map(componentName))].join(', '), 512);
    row.subcomponentIds = clip(statement.subcomponents.join(', '), 1024);
  }
  if (statement.products.length) row.products = clip(statement.products.join(', '), 512);
  // Most statements inherit the document's time; only their own is worth a line.
  if (statement.timestamp !== undefined && statement.timestamp !== documentTime) row.timestamp = clip(statement.timestamp, 64);
  const url = advisoryUrl(statement.vulnerability);
  if (url !== undefined) row.url = url;
  return row;
}

/** What people call a component: a package URL's name as scanners report it (`libc6`, `@babel/core`); any other identifier as written. */
export function componentName(id: string): string {
  const purl = purlName(id);
  return purl ? reportedName(purl) : id;
}
