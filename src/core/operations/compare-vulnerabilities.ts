/**
 * What changed between two scans' findings, pure: findings new in the second image, findings gone
 * from it (fixed, or their package removed), and findings on both whose severity or installed
 * version differ. A finding is an advisory in a package: the same CVE in openssl and in libssl3
 * are two findings, and a scanner's repeats of one (a package at two paths) are one, its versions
 * joined and its highest severity kept. The per-severity counts are of these findings, so each
 * side's total is its unchanged, changed and own-side findings added up.
 *
 * Two scanners can name one flaw differently: Grype reports a language package's finding by its
 * GitHub advisory and lists the CVE as related, where Trivy reports the CVE. A finding left over on
 * each side is paired with the other's when one's advisory or alias is the other's, in the same
 * package, and only one to one: otherwise a comparison of two scanners shows each such finding as
 * gone and new at once.
 */
import { findingNames, SEVERITY_ORDER, type Severity, type Vulnerability } from '../oci/vulnerability-report';

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
  /** The first scan's name for it, when the scanners named it differently (a GHSA where the second says CVE). */
  firstId?: string;
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
  /** Every name its repeats go by (lower case): the advisory and the aliases each gives. */
  names: Set<string>;
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
  // Same advisory in the same package first; what is left over may pair by an alias.
  const aliasPairs = pairByAlias(
    [...a].filter(([key]) => !b.has(key)).map(([, g]) => g),
    [...b].filter(([key]) => !a.has(key)).map(([, g]) => g),
  );
  for (const [key, x] of a) {
    const y = b.get(key) ?? aliasPairs.get(x);
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
      ...(x.finding.id !== y.finding.id ? { firstId: x.finding.id } : {}),
    });
  }
  const pairedByAlias = new Set(aliasPairs.values());
  for (const [key, y] of b) if (!a.has(key) && !pairedByAlias.has(y)) result.introduced.push(asFinding(y));
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
      groups.set(key, { finding: f, installed: new Set(f.installed !== undefined ? [f.installed] : []), names: new Set(findingNames(f)) });
      continue;
    }
    if (f.installed !== undefined) known.installed.add(f.installed);
    for (const name of findingNames(f)) known.names.add(name);
    if (RANK.get(f.severity)! < RANK.get(known.finding.severity)!) known.finding = { ...known.finding, severity: f.severity };
  }
  return groups;
}

/**
 * Pairs findings left unpaired on each side whose names meet (an advisory or alias of one is an
 * advisory or alias of the other) in the same package, where each has exactly one such match:
 * a GHSA related to two CVEs, or one CVE under two GHSAs, stays unpaired rather than guessed at.
 * Symmetric, so swapping the sides pairs the same findings.
 */
function pairByAlias(left: readonly Grouped[], right: readonly Grouped[]): Map<Grouped, Grouped> {
  const leftIndex = nameIndex(left);
  const rightIndex = nameIndex(right);
  const pairs = new Map<Grouped, Grouped>();
  for (const x of left) {
    const matches = matchesOf(x, rightIndex);
    if (matches.size !== 1) continue;
    const [y] = matches;
    const back = matchesOf(y!, leftIndex);
    if (back.size === 1 && back.has(x)) pairs.set(x, y!);
  }
  return pairs;
}

/** Each name a finding goes by, in its package, to the findings that go by it. */
function nameIndex(groups: readonly Grouped[]): Map<string, Grouped[]> {
  const index = new Map<string, Grouped[]>();
  for (const g of groups)
    for (const key of nameKeys(g)) {
      const known = index.get(key);
      if (known) known.push(g);
      else index.set(key, [g]);
    }
  return index;
}

function matchesOf(g: Grouped, index: Map<string, Grouped[]>): Set<Grouped> {
  const found = new Set<Grouped>();
  for (const key of nameKeys(g)) for (const other of index.get(key) ?? []) found.add(other);
  return found;
}

/** Each name within its package. */
function nameKeys(g: Grouped): string[] {
  return [...g.names].map((n) => `${n}\u0000${g.finding.package ?? ''}`);
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
