/**
 * The comparison panel's vulnerabilities part, pure: where each image's scan was found, the count
 * per severity on each side, and the findings new, gone and changed, as bounded rows of clipped
 * text. A side without a scan is told where one was looked for and how to attach one; two scans
 * by different scanners are said to be so, since their findings differ by scanner too. What each
 * side's own VEX left out is listed apart, never compared.
 */
import type { ScannedSide, ScanSearch, VexSearch, VexStatement, VulnerabilityComparison } from '../../core/index';
import { findingNames, SEVERITY_ORDER, type Vulnerability } from '../../core/oci/vulnerability-report';
import { clip } from '../inspector/text';
import { advisoryUrl, findingRow } from '../inspector/vulnerability-section';
import type {
  ChangedFindingRow,
  FindingRow,
  Rows,
  ScanSideModel,
  SuppressedFindingRow,
  VexSideModel,
  VulnerabilitiesModel,
} from './protocol';
import { vexWords } from '../shared/app/vex-words';
import { HOW_TO_ATTACH_A_SCAN, scanLookedAt, sideProblems } from '../shared/document-places';
import { bounded, NO_ROWS, placeWords } from './view-model';

/** Finding rows per list at most (new, gone, changed): a base image change can move hundreds. */
export const MAX_FINDING_ROWS = 2000;

/** One side's scan search, as the command made it. */
export interface ScanSideInput {
  /** `host/repository:tag`, for the sentence when it has none. */
  reference: string;
  search: ScanSearch;
  /** Its OpenVEX document, looked for once it had a scan. */
  vex?: VexSearch;
  /** The findings its VEX left out. */
  suppressed?: ScannedSide['suppressed'];
  /** Its VEX's statements not applied: about other images, by digest. */
  aboutOtherImages?: number;
  /** Whether the image was reached through its index (where BuildKit lists its attestations). */
  throughIndex: boolean;
}

function vexSide(input: ScanSideInput): VexSideModel | undefined {
  const found = input.vex?.found;
  if (!found) return undefined;
  return {
    place: placeWords(found),
    manifest: found.manifest,
    ...(found.document.author !== undefined ? { author: clip(found.document.author, 256) } : {}),
    statements: found.document.statements.length + found.document.omitted,
    suppressed: input.suppressed?.length ?? 0,
    aboutOtherImages: input.aboutOtherImages ?? 0,
  };
}

/** A finding's key: an advisory in a package, as the comparison pairs them. */
function findingKey(v: Vulnerability): string {
  return `${v.id}\u0000${v.package ?? ''}`;
}

/** The keys a finding goes by: its advisory's and each alias's (any letter case), in its package. */
function nameKeys(v: Vulnerability): string[] {
  return findingNames(v).map((n) => `${n}\u0000${v.package ?? ''}`);
}

/**
 * Rows for findings new in (or gone from) one side, each saying so when the other side's VEX left
 * the same finding out (so it is not a fix or a new flaw), under the same advisory or an alias of
 * it (the other scanner's name for it). The VEX's findings are keyed once.
 */
function rowsWithVexNotes(findings: readonly Vulnerability[], other: ScanSideInput, name: 'first' | 'second'): Rows<FindingRow> {
  const decided = new Map<string, VexStatement>();
  for (const { finding, statement } of other.suppressed ?? [])
    for (const key of nameKeys(finding)) if (!decided.has(key)) decided.set(key, statement);
  return bounded(
    findings,
    (v) => {
      const statement = nameKeys(v)
        .map((key) => decided.get(key))
        .find((s) => s !== undefined);
      return statement ? { ...row(v), vexNote: `${vexWords(statement.status)} in the ${name}, by its VEX` } : row(v);
    },
    MAX_FINDING_ROWS,
  );
}

/** The findings each side's VEX left out, one row per finding, saying which side (or both). */
function suppressedRows(before: ScanSideInput, after: ScanSideInput): SuppressedFindingRow[] {
  const rows = new Map<string, SuppressedFindingRow>();
  for (const [input, side] of [
    [before, 'first'],
    [after, 'second'],
  ] as const)
    for (const { finding, statement } of input.suppressed ?? []) {
      const key = findingKey(finding);
      const known = rows.get(key);
      if (known) {
        known.side = known.side === side ? side : 'both';
        continue;
      }
      rows.set(key, {
        ...row(finding),
        side,
        status: statement.status as SuppressedFindingRow['status'],
        ...(statement.justification !== undefined ? { justification: clip(vexWords(statement.justification), 256) } : {}),
      });
    }
  return [...rows.values()];
}

function scanSide(search: ScanSearch): ScanSideModel | undefined {
  const found = search.found;
  if (!found) return undefined;
  const report = found.document;
  return {
    format: clip(report.format, 64).text,
    ...(report.scanner !== undefined ? { scanner: clip(report.scanner, 256) } : {}),
    ...(report.scannedAt !== undefined ? { scannedAt: report.scannedAt } : {}),
    place: placeWords(found),
    manifest: found.manifest,
    blob: found.blob,
    omitted: report.omitted,
  };
}

/** Why a side has no scan to compare, and how one is attached. */
function missingSentence(sides: readonly ScanSideInput[]): string {
  const names = sides.map((s) => clip(s.reference, 300).text);
  const who = names.length === 2 ? `Neither ${names[0]} nor ${names[1]} has a vulnerability scan` : `${names[0]} has no vulnerability scan`;
  const throughIndex = sides.every((s) => s.throughIndex);
  const looked = `${scanLookedAt(throughIndex)}${throughIndex ? '' : '; tools attach scans to the index a tag names, so compare the tags (or indexes) to find those'}`;
  return `${who} (${looked}). ${HOW_TO_ATTACH_A_SCAN}`;
}

function row(v: Vulnerability): FindingRow {
  return { ...findingRow(v), linked: advisoryUrl(v.id) !== undefined };
}

function changedRow(c: VulnerabilityComparison['changed'][number]): ChangedFindingRow {
  return {
    id: clip(c.id, 128),
    ...(c.package !== undefined ? { package: clip(c.package, 256) } : {}),
    severity: c.severity,
    installed: { before: clip(c.installed.before, 256), after: clip(c.installed.after, 256) },
    ...(c.fixed !== undefined ? { fixed: clip(c.fixed, 256) } : {}),
    ...(c.firstId !== undefined ? { firstId: clip(c.firstId, 128) } : {}),
    linked: advisoryUrl(c.id) !== undefined,
  };
}

/**
 * A sentence when the two scans were made by different scanners, or different versions of one
 * (`trivy 0.50.1`, `trivy 0.56.2`): a finding can then differ because the scanner or its database
 * knows more, not because the image changed.
 */
function scannerDifference(before: ScanSearch, after: ScanSearch): string | undefined {
  const [x, y] = [before, after].map((s) => clip(s.found?.document.scanner ?? s.found?.document.format ?? '', 128).text) as [
    string,
    string,
  ];
  const [nameX, nameY] = [x, y].map((scanner) => scanner.split(' ', 1)[0]!.toLowerCase());
  if (nameX !== nameY)
    return `The two scans were made by different scanners (${x} and ${y}), so some findings differ by scanner, not by image.`;
  // One name, and a version on both sides (one side without a version could be either).
  if (x.toLowerCase() === y.toLowerCase() || !x.includes(' ') || !y.includes(' ')) return undefined;
  return `The two scans were made by different versions of ${nameX} (${x} and ${y}), so some findings may differ because one knew more advisories, not because the image changed.`;
}

/** Scans this many days apart are said to be: a week's advisories can change a comparison. */
const DAYS_APART = 7;

/** A sentence when the scans ran more than {@link DAYS_APART} days apart (both times known). */
function timeDifference(before: ScanSearch, after: ScanSearch): string | undefined {
  const [x, y] = [before, after].map((s) => s.found?.document.scannedAt);
  if (x === undefined || y === undefined) return undefined;
  const days = Math.round((Date.parse(y) - Date.parse(x)) / 86_400_000);
  if (!(Math.abs(days) > DAYS_APART)) return undefined;
  const [newer, older] = days > 0 ? ['second', 'first'] : ['first', 'second'];
  return `The ${newer} scan ran ${Math.abs(days)} days after the ${older}: advisories published in between show as new in the ${newer} even where the image did not change.`;
}

/** The vulnerabilities part: where each scan was found, then the findings compared (none when a side has no scan). */
export function vulnerabilitiesModel(
  before: ScanSideInput,
  after: ScanSideInput,
  comparison: VulnerabilityComparison | undefined,
): VulnerabilitiesModel {
  const missing = [before, after].filter((s) => !s.search.found);
  const a = scanSide(before.search);
  const b = scanSide(after.search);
  const problems = [...sideProblems(before.search, before.vex), ...sideProblems(after.search, after.vex)]
    .slice(0, 8)
    .map((p) => clip(p, 512).text);
  const scannersDiffer = a && b ? scannerDifference(before.search, after.search) : undefined;
  const scansApart = a && b ? timeDifference(before.search, after.search) : undefined;
  const vexBefore = vexSide(before);
  const vexAfter = vexSide(after);
  return {
    ...(a ? { before: a } : {}),
    ...(b ? { after: b } : {}),
    vex: { ...(vexBefore ? { before: vexBefore } : {}), ...(vexAfter ? { after: vexAfter } : {}) },
    suppressed: bounded(suppressedRows(before, after), (r) => r, MAX_FINDING_ROWS),
    ...(missing.length ? { missing: missingSentence(missing) } : {}),
    ...(scannersDiffer ? { scannersDiffer } : {}),
    ...(scansApart ? { scansApart } : {}),
    severities: comparison
      ? SEVERITY_ORDER.filter((s) => comparison.counts.before[s] || comparison.counts.after[s]).map((severity) => ({
          severity,
          before: comparison.counts.before[severity],
          after: comparison.counts.after[severity],
        }))
      : [],
    // A finding gone from the second because its VEX says so (or new because the first's did) says why.
    introduced: comparison ? rowsWithVexNotes(comparison.introduced, before, 'first') : NO_ROWS,
    resolved: comparison ? rowsWithVexNotes(comparison.resolved, after, 'second') : NO_ROWS,
    changed: comparison ? bounded(comparison.changed, changedRow, MAX_FINDING_ROWS) : NO_ROWS,
    unchanged: comparison?.unchanged ?? 0,
    problems,
  };
}
