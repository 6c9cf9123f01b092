/**
 * Go regular expressions, for the tag filters GitOps tools apply with Go's regexp package (Flux's
 * `semverFilter`), matched as Go's MatchString matches: anywhere in the tag unless anchored. Pure.
 *
 * Read by re2js, a port of RE2 (the syntax and the guarantees of Go's regexp): every pattern Go
 * reads is read the same way (`\Q…\E`, POSIX classes, `\pL`, flags anywhere, `(?P<name>…)`), and
 * matching takes time linear in the tag. A JavaScript RegExp backtracks: a filter such as
 * `(a+)+$` in a file, against tags a registry chose, could hold the extension host for minutes.
 */
import type { RE2JS } from 're2js';

/** Longest filter read: a longer one is left alone rather than compiled for every listing. */
const MAX_PATTERN_LENGTH = 1000;

let loaded: typeof RE2JS | undefined;

/** re2js, loaded on first use: few files have a filter, and it weighs 150 KB (a bundle of its own in dist/). */
function engine(): typeof RE2JS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  loaded ??= (require('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
  return loaded;
}

/** A compiled filter. */
export interface GoRegExp {
  /** Whether the pattern matches somewhere in `text`, as Go's MatchString says. */
  test(text: string): boolean;
}

/** Filters compiled lately: the finder (on every edit), the facts and completion ask for the same ones. */
const compiledLately = new Map<string, GoRegExp | undefined>();
const COMPILED_KEPT = 32;

/** The pattern compiled, or undefined when Go would refuse it (or it is too long). */
export function goRegExp(pattern: string): GoRegExp | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return undefined;
  if (compiledLately.has(pattern)) return compiledLately.get(pattern);
  let compiled: GoRegExp | undefined;
  try {
    const regexp = engine().compile(pattern);
    compiled = { test: (text) => regexp.matcher(text).find() };
  } catch {
    compiled = undefined;
  }
  if (compiledLately.size >= COMPILED_KEPT) compiledLately.delete(compiledLately.keys().next().value!);
  compiledLately.set(pattern, compiled);
  return compiled;
}
