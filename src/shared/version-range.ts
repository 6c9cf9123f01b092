/**
 * Version ranges as Helm, Flux and Argo CD read them (Masterminds' SemVer constraints, which the
 * three share), and the tag such a range picks from a repository's tags: a Chart.yaml dependency
 * at `~1.2.0`, a HelmRelease at `6.x`, a Flux OCIRepository's `semver: ">=1.0.0 <2.0.0"`. Pure.
 *
 * The range grammar is npm's `semver` (a well-kept parser of the same grammar: `~`, `^`, `x`
 * and `*` wildcards, hyphen ranges, `||`), with Masterminds' differences put in around it:
 * - a comma joins comparators like a space (`>= 1.2, < 2`), and `=>`/`=<` are `>=`/`<=`;
 * - `!=` is Masterminds' alone, read here as its constraintNotEqual reads it: `!=1.2.3` leaves out
 *   that version, `!=1.2` or `!=1.2.x` every 1.2 release, `!=1` or `!=1.x` every 1 release (a
 *   `!=*` is not read: left alone rather than read wrongly);
 * - a pre-release version is matched only by a group of comparators (the text between two `||`)
 *   in which some version is written with a pre-release, and then by any comparator of the group,
 *   not by npm's same-`major.minor.patch` rule. That is Masterminds' rule since 3.4.0 (June 2025),
 *   which Helm (3.19 and later), Flux and Argo CD use; before it, every comparator of the group had
 *   to carry a pre-release.
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
  if (written === '' || written.length > MAX_RANGE_CHARS) return undefined;
  const groups: ((version: SemVer) => boolean)[] = [];
  for (const group of written.split('||')) {
    const matches = groupMatcher(group);
    if (!matches) return undefined;
    groups.push(matches);
  }
  return { text: written, matches: (version) => groups.some((matches) => matches(version)) };
}

/** A version written with a pre-release (`1.2.3-rc.1`, `1.2.x-0`), once build metadata is taken off. */
const WRITTEN_PRERELEASE = /[\dxX*]-[0-9A-Za-z-]/;
/** The operand of a `!=`: a version, its minor or patch number possibly a wildcard or missing. */
const NOT_EQUAL_OPERAND = /^v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Whether a version satisfies one group of comparators (no `||` inside), or `undefined` for text that is none. */
function groupMatcher(group: string): ((version: SemVer) => boolean) | undefined {
  // An empty group (`1.2.3 ||`): Masterminds' grammar has none.
  if (group.trim() === '') return undefined;
  const npmForm = partialBounds(
    group
      .replace(/=>/g, '>=')
      .replace(/=</g, '<=')
      .replace(/\s*,\s*/g, ' '),
  );
  const excluded: ((version: SemVer) => boolean)[] = [];
  let unreadable = false;
  const rest = npmForm.replace(/!=\s*(\S*)/g, (_, operand: string) => {
    const excludes = notEqual(operand);
    if (excludes) excluded.push(excludes);
    else unreadable = true;
    return ' ';
  });
  if (unreadable) return undefined;
  let comparators: readonly { test(version: SemVer): boolean }[];
  try {
    // A group of `!=` alone asks nothing else of a version.
    comparators = new Range(rest.trim() === '' && excluded.length > 0 ? '*' : rest).set[0] ?? [];
  } catch {
    return undefined;
  }
  const takesPrereleases = WRITTEN_PRERELEASE.test(group.replace(/\+[0-9A-Za-z.-]*/g, ''));
  return (version) =>
    (version.prerelease.length === 0 || takesPrereleases) &&
    comparators.every((c) => c.test(version)) &&
    !excluded.some((excludes) => excludes(version));
}

/** A version's minor or patch number that Masterminds reads as any: missing, `x`, `X` or `*`. */
function isWild(part: string | undefined): boolean {
  return part === undefined || /^[xX*]$/.test(part);
}

/** `<` or `>` before a version with a number missing or a wildcard (`<2`, `>1.2`, `<1.x`). */
const PARTIAL_BOUND = /([<>])\s*v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?![\w.+-])/g;

/**
 * `<` and `>` before a partial version written as Masterminds reads them, where npm's grammar
 * reads them otherwise for pre-releases: `<2` is below 2.0.0, so 2.0.0-rc.1 is in (npm: below
 * 2.0.0-0); `>1.2` is any 1.3 or later, 1.3.0-rc.1 included (npm: from 1.3.0).
 */
function partialBounds(group: string): string {
  return group.replace(PARTIAL_BOUND, (whole, operator: string, major: string, minor?: string, patch?: string) => {
    if (!isWild(minor) && !isWild(patch)) return whole;
    if (operator === '<') return `<${major}.${isWild(minor) ? 0 : minor}.0`;
    return isWild(minor) ? `>=${Number(major) + 1}.0.0-0` : `>=${major}.${Number(minor) + 1}.0-0`;
  });
}

/** What `!=operand` leaves out, as Masterminds' constraintNotEqual reads it; `undefined` for an operand it reads otherwise. */
function notEqual(operand: string): ((version: SemVer) => boolean) | undefined {
  const parts = NOT_EQUAL_OPERAND.exec(operand);
  if (!parts) return undefined;
  const [, major, minor, patch, prerelease = ''] = parts;
  const sameMajor = (version: SemVer): boolean => version.major === Number(major);
  // `!=1`, `!=1.x`: every version of that major.
  if (isWild(minor)) return sameMajor;
  const sameMinor = (version: SemVer): boolean => sameMajor(version) && version.minor === Number(minor);
  // `!=1.2`, `!=1.2.x`: every version of that minor, but a pre-release other than the one written.
  if (isWild(patch)) return (version) => sameMinor(version) && version.prerelease.join('.') === prerelease;
  let exact: SemVer;
  try {
    exact = new SemVer(`${major}.${minor}.${patch}${prerelease ? `-${prerelease}` : ''}`);
  } catch {
    return undefined;
  }
  // Build metadata is not compared.
  return (version) => version.compare(exact) === 0;
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
