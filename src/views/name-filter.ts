/**
 * The tree's filter for repository and tag names: a substring, or a glob when the text has `*`
 * (any run of characters, `/` included) or `?` (one character). Case-insensitive either way, since
 * repository names are lowercase and a person typing a filter rarely means the case.
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
    return { text: trimmed, kind: 'glob', matches: (name) => pattern.test(name) };
  }
  const needle = trimmed.toLowerCase();
  return { text: trimmed, kind: 'substring', matches: (name) => name.toLowerCase().includes(needle) };
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
