/**
 * Version ranges as Helm, Flux and Argo CD read them (Masterminds' SemVer constraints, which the
 * three share), and the tag such a range picks from a repository's tags: a Chart.yaml dependency
 * at `~1.2.0`, a HelmRelease at `6.x`, a Flux OCIRepository's `semver: ">=1.0.0 <2.0.0"`. Pure.
 *
 * The range grammar is npm's `semver` (a well-kept parser of the same grammar: `~`, `^`, `x`
 * and `*` wildcards, hyphen ranges, `||`), with Masterminds' differences put in around it:
 * - a comma joins comparators like a space (`>= 1.2, < 2`), and `=>`/`=<` are `>=`/`<=`;
 * - `!=` is Masterminds' alone: such a range is not read (left alone rather than read wrongly);
 * - a pre-release version is matched only by comparators that all carry a pre-release themselves
 *   (Masterminds checks each comparator so), not by npm's same-`major.minor.patch` rule.
 */
import Range from 'semver/classes/range';
import SemVer from 'semver/classes/semver';
import minVersion from 'semver/ranges/min-version';

/** How a tool reads a tag as a version. */
export type TagReading =
  /**
   * Helm's registry client (Helm, and the charts of Flux, Kustomize and Argo CD, read here as
   * Helm reads them): a tag's `_` is the version's `+` (Helm writes it so on push), and only strict
   * SemVer 2 counts.
   */
  | 'helm'
  /**
   * Flux's OCIRepository: Masterminds' lenient reading, a `v` before the version allowed and
   * missing minor and patch numbers read as 0 (`v1.2` is 1.2.0).
   */
  | 'lenient';

export interface VersionRange {
  /** The range as written. */
  readonly text: string;
  /** Whether a version satisfies it. */
  matches(version: SemVer): boolean;
}

/** Longer ranges than this are not read: a range in a file is a few comparators. */
const MAX_RANGE_CHARS = 256;
const STRICT_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const LENIENT_VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** A range as Masterminds reads it, or `undefined` for text that is none (or that it reads otherwise than npm's grammar would). */
export function parseVersionRange(text: string): VersionRange | undefined {
  const written = text.trim();
  if (written === '' || written.length > MAX_RANGE_CHARS || written.includes('!=')) return undefined;
  const npmForm = written
    .replace(/=>/g, '>=')
    .replace(/=</g, '<=')
    .replace(/\s*,\s*/g, ' ');
  let range: Range;
  try {
    range = new Range(npmForm);
  } catch {
    return undefined;
  }
  return {
    text: written,
    // A comparator of `*` (npm's "any", its value empty) carries no pre-release.
    matches: (version) =>
      range.set.some(
        (comparators) =>
          (version.prerelease.length === 0 || comparators.every((c) => c.value !== '' && c.semver.prerelease.length > 0)) &&
          comparators.every((c) => c.test(version)),
      ),
  };
}

/** A tag read as a version the way `reading` says, or `undefined` when that tool would skip it. */
export function tagVersion(tag: string, reading: TagReading): SemVer | undefined {
  try {
    if (reading === 'helm') {
      const version = tag.replace(/_/g, '+');
      return STRICT_VERSION.test(version) ? new SemVer(version) : undefined;
    }
    const parts = LENIENT_VERSION.exec(tag);
    if (!parts) return undefined;
    const [, major, minor, patch, prerelease, build] = parts;
    return new SemVer(`${Number(major)}.${Number(minor ?? 0)}.${Number(patch ?? 0)}${prerelease ?? ''}${build ?? ''}`);
  } catch {
    // A number too large for SemVer, or a pre-release with a leading zero: the tool skips it too.
    return undefined;
  }
}

/** What a range picks from a repository's tags. */
export interface RangeChoice {
  /** The tag the tool pulls: the highest version the range matches (the first listed among equals). */
  tag?: string;
  /** The highest release (no pre-release) among all the tags, when it is above {@link tag} (or nothing matched). */
  newest?: string;
}

/** The tag `range` picks from `tags`, as the tools pick it: the highest version it matches. */
export function chooseTag(range: VersionRange, tags: Iterable<string>, reading: TagReading): RangeChoice {
  let chosen: { tag: string; version: SemVer } | undefined;
  let newest: { tag: string; version: SemVer } | undefined;
  for (const tag of tags) {
    const version = tagVersion(tag, reading);
    if (!version) continue;
    if (version.prerelease.length === 0 && (!newest || version.compare(newest.version) > 0)) newest = { tag, version };
    if (range.matches(version) && (!chosen || version.compare(chosen.version) > 0)) chosen = { tag, version };
  }
  const above = newest && (!chosen || newest.version.compare(chosen.version) > 0);
  return { ...(chosen ? { tag: chosen.tag } : {}), ...(above ? { newest: newest!.tag } : {}) };
}

/** A range of one comparator that a newer version can move: `~1.2.3`, `^1`, `1.2`, `15.x.x`, `6.*`. */
const MOVABLE_RANGE = /^([~^]?)(v?)(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/;

/**
 * `range` moved up to take in `to` (a tag read the way `reading` says), written in the same form:
 * `~1.2.0` to `~2.0.1`, `^1` to `^2`, `15.x.x` to `17.x.x`, as Renovate and Dependabot move a
 * range. `undefined` for a range of another form (several comparators, a hyphen, a pre-release),
 * when the moved range would not take `to` in, or would not start higher than the written one.
 */
export function movedRange(range: string, to: string, reading: TagReading): string | undefined {
  const form = MOVABLE_RANGE.exec(range.trim());
  const version = tagVersion(to, reading);
  if (!form || !parseVersionRange(range) || !version || version.prerelease.length > 0) return undefined;
  const [, operator, v, ...parts] = form;
  const numbers = [version.major, version.minor, version.patch];
  // Each number written takes the version's number in its place; a wildcard stays.
  const written = parts.flatMap((part, i) => (part === undefined ? [] : [/^\d+$/.test(part) ? String(numbers[i]) : part]));
  const moved = `${operator}${v}${written.join('.')}`;
  if (!parseVersionRange(moved)?.matches(version)) return undefined;
  // Only up: the moved range starts above where the written one starts.
  const from = minVersion(range.trim());
  return from && (minVersion(moved)?.compare(from) ?? 0) > 0 ? moved : undefined;
}
