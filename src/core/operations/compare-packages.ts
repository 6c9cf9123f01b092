/**
 * What changed between two SBOMs' packages, pure: packages added, removed, and those whose versions
 * or license changed. A package is known by its package URL without version, qualifiers or subpath
 * (`pkg:deb/debian/libssl3`), else by its name; one name can stand at several versions in one image
 * (two copies of an npm module), so each side keeps the set of versions it has. When the two SBOMs
 * come from different tools and only one gives package URLs, what is left unpaired is paired again
 * by name.
 */
import { purlName } from '../oci/purl';
import type { SbomPackage } from '../oci/sbom';

/** A package on both sides whose versions or license differ. */
export interface PackageChange {
  name: string;
  /** The package URL of the second side (else the first's), when the SBOM gives one. */
  purl?: string;
  /** The versions on each side, sorted and joined with ", "; '' when the SBOM gives none. */
  before: string;
  after: string;
  /** Set when the licenses differ. */
  license?: { before?: string; after?: string };
}

export interface PackageComparison {
  /** Packages only in the second SBOM, one row per package with its versions joined. */
  added: SbomPackage[];
  /** Packages only in the first. */
  removed: SbomPackage[];
  changed: PackageChange[];
  /** Packages on both sides with the same versions and license. */
  unchanged: number;
}

/** One package as grouped on one side: every version and license it is listed with. */
interface Grouped {
  name: string;
  purl?: string;
  versions: Set<string>;
  licenses: Set<string>;
}

export function comparePackages(before: readonly SbomPackage[], after: readonly SbomPackage[]): PackageComparison {
  const a = groupByIdentity(before);
  const b = groupByIdentity(after);
  const pairs: [Grouped, Grouped][] = [];
  takePairs(a, b, pairs);
  // Left over on both sides: the same package written with a package URL on one side only.
  const aByName = regroupByName(a.values());
  const bByName = regroupByName(b.values());
  takePairs(aByName, bByName, pairs);
  const result: PackageComparison = {
    added: [...bByName.values()].map(asPackage).sort(byName),
    removed: [...aByName.values()].map(asPackage).sort(byName),
    changed: [],
    unchanged: 0,
  };
  for (const [x, y] of pairs) {
    const versions = [joined(x.versions), joined(y.versions)] as const;
    const licenses = [joined(x.licenses), joined(y.licenses)] as const;
    if (versions[0] === versions[1] && licenses[0] === licenses[1]) {
      result.unchanged++;
      continue;
    }
    const purl = y.purl ?? x.purl;
    const change: PackageChange = { name: y.name, ...(purl !== undefined ? { purl } : {}), before: versions[0], after: versions[1] };
    if (licenses[0] !== licenses[1])
      change.license = { ...(licenses[0] ? { before: licenses[0] } : {}), ...(licenses[1] ? { after: licenses[1] } : {}) };
    result.changed.push(change);
  }
  result.changed.sort(byName);
  return result;
}

/** Moves the groups under the same key on both sides from `a` and `b` into `pairs`. */
function takePairs(a: Map<string, Grouped>, b: Map<string, Grouped>, pairs: [Grouped, Grouped][]): void {
  for (const [key, x] of a) {
    const y = b.get(key);
    if (!y) continue;
    pairs.push([x, y]);
    a.delete(key);
    b.delete(key);
  }
}

/**
 * A package URL without its version, qualifiers and subpath, its type lower-cased and its path
 * decoded: `pkg:npm/%40babel/core@7.24.0?x=y#lib` and `pkg:npm/@babel/core@7` are both
 * `pkg:npm/@babel/core`. Undefined for text that is not a package URL.
 */
export function packageIdentity(purl: string): string | undefined {
  const parsed = purlName(purl);
  return parsed ? `pkg:${parsed.type}/${[...parsed.namespace, parsed.name].join('/')}` : undefined;
}

function groupByIdentity(packages: readonly SbomPackage[]): Map<string, Grouped> {
  const groups = new Map<string, Grouped>();
  for (const p of packages) {
    const identity = (p.purl !== undefined ? packageIdentity(p.purl) : undefined) ?? `name:${p.name}`;
    let group = groups.get(identity);
    if (!group) {
      group = { name: p.name, versions: new Set(), licenses: new Set() };
      groups.set(identity, group);
    }
    add(group, p);
  }
  return groups;
}

function regroupByName(groups: Iterable<Grouped>): Map<string, Grouped> {
  const byName = new Map<string, Grouped>();
  for (const g of groups) {
    const known = byName.get(g.name);
    if (!known) byName.set(g.name, g);
    else {
      for (const v of g.versions) known.versions.add(v);
      for (const l of g.licenses) known.licenses.add(l);
      known.purl ??= g.purl;
    }
  }
  return byName;
}

function add(group: Grouped, p: SbomPackage): void {
  group.versions.add(p.version ?? '');
  if (p.license !== undefined) group.licenses.add(p.license);
  if (p.purl !== undefined) group.purl ??= p.purl;
}

function joined(values: Set<string>): string {
  return [...values]
    .filter((v) => v !== '')
    .sort()
    .join(', ');
}

function asPackage(g: Grouped): SbomPackage {
  const version = joined(g.versions);
  const license = joined(g.licenses);
  return {
    name: g.name,
    ...(version ? { version } : {}),
    ...(license ? { license } : {}),
    ...(g.purl !== undefined ? { purl: g.purl } : {}),
  };
}

/** By name without case, then as written, so `libc6` and `LibC6` keep a fixed order. */
function byName(x: { name: string }, y: { name: string }): number {
  const a = x.name.toLowerCase();
  const b = y.name.toLowerCase();
  return a < b ? -1 : a > b ? 1 : x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
}
