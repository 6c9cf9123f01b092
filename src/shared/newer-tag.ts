/**
 * The newer tag to suggest for a version-like tag, keeping its scheme: the same prefix (`v` or
 * none), the same number of version numbers and the same suffix. `1.2.3-alpine` moves to
 * `1.2.4-alpine` or `1.3.0-alpine`, never to `1.3.0-slim` or `1.3-alpine`; `20` moves to `22`;
 * `3.19` to `3.20`. Tags that are not version-like (`latest`, `bookworm`) have no newer tag. A date
 * stamp (`20250108`) reads like a one-number version but is another kind of tag: alpine publishes
 * its edge snapshots that way beside `3`, and `3` must not move to them.
 */
import { tagKind } from './tag-order';

/** A tag read as `prefix` + numbers joined by dots + `suffix`. */
export interface TagScheme {
  /** `v`, `V` or nothing, as written. */
  prefix: string;
  numbers: string[];
  /** Everything after the numbers (`-alpine`, `-rc.1`, `+build5`), compared exactly. */
  suffix: string;
}

/** The scheme of a version-like tag, or `undefined` when it does not start with a number (after an optional `v`). */
export function tagScheme(tag: string): TagScheme | undefined {
  const prefix = tag.startsWith('v') || tag.startsWith('V') ? tag[0]! : '';
  let i = prefix.length;
  const numbers: string[] = [];
  for (;;) {
    let end = i;
    while (end < tag.length && tag.charCodeAt(end) >= 48 && tag.charCodeAt(end) <= 57) end++;
    if (end === i) break;
    numbers.push(tag.slice(i, end));
    i = end;
    // Another number follows only after a dot with a digit behind it; a dot before letters is the suffix.
    if (tag[i] !== '.' || !/[0-9]/.test(tag[i + 1] ?? '')) break;
    i++;
  }
  if (numbers.length === 0) return undefined;
  return { prefix, numbers, suffix: tag.slice(i) };
}

/** Numbers compared as numbers of any length (`10` after `9`, `0010` equal to `10`). */
function compareNumber(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
}

/** Versions of one scheme compared number by number. */
export function compareSchemeVersions(a: TagScheme, b: TagScheme): number {
  for (let i = 0; i < Math.min(a.numbers.length, b.numbers.length); i++) {
    const order = compareNumber(a.numbers[i]!, b.numbers[i]!);
    if (order !== 0) return order;
  }
  return a.numbers.length - b.numbers.length;
}

/** Whether two tags are written the same way: prefix, count of numbers and suffix. */
export function sameScheme(a: TagScheme, b: TagScheme): boolean {
  return a.prefix === b.prefix && a.numbers.length === b.numbers.length && a.suffix === b.suffix;
}

/**
 * The newest tag in `tags` written like `current` and newer than it, or `undefined` when `current`
 * is not version-like or is the newest of its kind. Among tags equal in version (`1.2.10` and
 * `1.2.010`), the first listed wins.
 */
export function newerTag(current: string, tags: Iterable<string>): string | undefined {
  const scheme = tagScheme(current);
  if (!scheme) return undefined;
  const currentDated = tagKind(current) === 'dated';
  let best: { tag: string; scheme: TagScheme } | undefined;
  for (const tag of tags) {
    const candidate = tagScheme(tag);
    if (!candidate || !sameScheme(scheme, candidate) || compareSchemeVersions(candidate, scheme) <= 0) continue;
    if ((tagKind(tag) === 'dated') !== currentDated) continue;
    if (!best || compareSchemeVersions(candidate, best.scheme) > 0) best = { tag, scheme: candidate };
  }
  return best?.tag;
}
