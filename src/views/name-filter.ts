/**
 * The tree's filter for repository and tag names: a substring, or a glob when the text has `*`
 * (any run of characters, `/` included) or `?` (one character). A glob matches the whole name or
 * its end after any `/`, so `repo-03*` finds `bulk/repo-031` as typing `repo-03` would: people name
 * the repository, not its namespace. Case-insensitive either way, since repository names are
 * lowercase and a person typing a filter rarely means the case.
 */
export interface NameFilter {
  /** What the user typed, trimmed: shown in the node's description. */
  readonly text: string;
  readonly kind: 'substring' | 'glob';
  matches(name: string): boolean;
}

/** The filter for `text`, or `undefined` when it is blank (which means: no filter). */
export function parseNameFilter(text: string | undefined): NameFilter | undefined {
  const trimmed = text?.trim() ?? '';
  if (!trimmed) return undefined;
  if (/[*?]/.test(trimmed)) {
    const matchesGlob = globMatcher(trimmed);
    return { text: trimmed, kind: 'glob', matches: (name) => pathTails(name).some(matchesGlob) };
  }
  const needle = trimmed.toLowerCase();
  return { text: trimmed, kind: 'substring', matches: (name) => name.toLowerCase().includes(needle) };
}

/** `a/b/c`, `b/c` and `c`: the name and each end of it that starts after a `/`. */
function pathTails(name: string): string[] {
  const tails = [name];
  for (let slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', slash + 1)) tails.push(name.slice(slash + 1));
  return tails;
}

/**
 * Whether a whole name matches a glob, case-insensitively; every character but `*` and `?` is
 * literal, and `?` is one character. Matched by walking both once, going back only to the last `*`
 * seen: a regular expression of several `.*` backtracks without end on a long name (a filter like
 * `*a*a*a*a*a*a*a*b` took over a minute on one tag name of 250 characters), and the names come from
 * the registry.
 */
export function globMatcher(glob: string): (name: string) => boolean {
  const pattern = [...glob.toLowerCase()];
  return (name) => {
    const text = [...name.toLowerCase()];
    let p = 0;
    let t = 0;
    // Where the last `*` is in the pattern, and the text position it has swallowed up to.
    let star = -1;
    let swallowed = 0;
    while (t < text.length) {
      if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === text[t]))) {
        p++;
        t++;
      } else if (p < pattern.length && pattern[p] === '*') {
        star = p++;
        swallowed = t;
      } else if (star >= 0) {
        // The last `*` takes one more character, and the rest of the pattern starts again after it.
        p = star + 1;
        t = ++swallowed;
      } else return false;
    }
    while (p < pattern.length && pattern[p] === '*') p++;
    return p === pattern.length;
  };
}
