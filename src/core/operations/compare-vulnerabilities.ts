/**
 * What changed between two scans' findings, pure: findings new in the second image, findings gone
 * from it (fixed, or their package removed), and findings on both whose severity or installed
 * version differ. A finding is an advisory in a package: the same CVE in openssl and in libssl3
 * are two findings, and a scanner's repeats of one (a package at two paths) are one, its versions
 * joined and its highest severity kept. The per-severity counts are of these findings, so each
 * side's total is its unchanged, changed and own-side findings added up.
 */
import { SEVERITY_ORDER, type Severity, type Vulnerability } from '../oci/vulnerability-report';

/** A finding on both sides whose severity or installed version differs. */
export interface FindingChange {
  id: string;
  package?: string;
  severity: { before: Severity; after: Severity };
  /** The installed versions on each side, sorted and joined with ", "; '' when the report gives none. */
  installed: { before: string; after: string };
  /** The versions that fix it, as the second scan says (else the first). */
  fixed?: string;
  title?: string;
}

export interface VulnerabilityComparison {
  /** Findings only in the second scan, most severe first. */
  introduced: Vulnerability[];
  /** Findings only in the first. */
  resolved: Vulnerability[];
  changed: FindingChange[];
  /** Findings on both sides with the same severity and installed versions. */
  unchanged: number;
  /** Findings per severity on each side. */
  counts: { before: Record<Severity, number>; after: Record<Severity, number> };
}

/** One finding as grouped on one side: every installed version it is reported at, its worst severity. */
interface Grouped {
  finding: Vulnerability;
  installed: Set<string>;
}

const RANK = new Map(SEVERITY_ORDER.map((s, i) => [s, i]));

export function compareVulnerabilities(before: readonly Vulnerability[], after: readonly Vulnerability[]): VulnerabilityComparison {
  const a = group(before);
  const b = group(after);
  const result: VulnerabilityComparison = {
    introduced: [],
    resolved: [],
    changed: [],
    unchanged: 0,
    counts: { before: countsOf(a.values()), after: countsOf(b.values()) },
  };
  for (const [key, x] of a) {
    const y = b.get(key);
    if (!y) {
      result.resolved.push(asFinding(x));
      continue;
    }
    const installed = { before: joined(x.installed), after: joined(y.installed) };
    const severity = { before: x.finding.severity, after: y.finding.severity };
    if (installed.before === installed.after && severity.before === severity.after) {
      result.unchanged++;
      continue;
    }
    const fixed = y.finding.fixed ?? x.finding.fixed;
    const title = y.finding.title ?? x.finding.title;
    result.changed.push({
      id: y.finding.id,
      ...(y.finding.package !== undefined ? { package: y.finding.package } : {}),
      severity,
      installed,
      ...(fixed !== undefined ? { fixed } : {}),
      ...(title !== undefined ? { title } : {}),
    });
  }
  for (const [key, y] of b) if (!a.has(key)) result.introduced.push(asFinding(y));
  result.introduced.sort(bySeverity);
  result.resolved.sort(bySeverity);
  result.changed.sort((x, y) => bySeverity({ ...x, severity: x.severity.after }, { ...y, severity: y.severity.after }));
  return result;
}

/** Findings keyed by advisory and package; a repeat keeps the worse severity and adds its version. */
function group(findings: readonly Vulnerability[]): Map<string, Grouped> {
  const groups = new Map<string, Grouped>();
  for (const f of findings) {
    const key = `${f.id}\u0000${f.package ?? ''}`;
    const known = groups.get(key);
    if (!known) {
      groups.set(key, { finding: f, installed: new Set(f.installed !== undefined ? [f.installed] : []) });
      continue;
    }
    if (f.installed !== undefined) known.installed.add(f.installed);
    if (RANK.get(f.severity)! < RANK.get(known.finding.severity)!) known.finding = { ...known.finding, severity: f.severity };
  }
  return groups;
}

function countsOf(groups: Iterable<Grouped>): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
  for (const g of groups) counts[g.finding.severity]++;
  return counts;
}

function asFinding(g: Grouped): Vulnerability {
  const { installed: _first, ...rest } = g.finding;
  const installed = joined(g.installed);
  return { ...rest, ...(installed ? { installed } : {}) };
}

function joined(values: Set<string>): string {
  return [...values].sort().join(', ');
}

/** Most severe first, then by advisory, then by package. */
function bySeverity(
  x: { id: string; severity: Severity; package?: string },
  y: { id: string; severity: Severity; package?: string },
): number {
  return (
    RANK.get(x.severity)! - RANK.get(y.severity)! ||
    (x.id < y.id ? -1 : x.id > y.id ? 1 : 0) ||
    ((x.package ?? '') < (y.package ?? '') ? -1 : (x.package ?? '') > (y.package ?? '') ? 1 : 0)
  );
}
