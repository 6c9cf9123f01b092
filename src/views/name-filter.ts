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
    const pattern = globToRegExp(trimmed);
    return { text: trimmed, kind: 'glob', matches: (name) => pathTails(name).some((tail) => pattern.test(tail)) };
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

/** A glob as an anchored, case-insensitive regular expression; every other character is literal. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'is');
}
