/**
 * Shell-style variables in a reference, as Dockerfiles (`ARG`), Compose files and GitLab CI write
 * them: `$NAME`, `${NAME}`, and `${NAME:-default}`, `${NAME-default}`, `${NAME:+alt}`,
 * `${NAME+alt}`, `${NAME:?message}`, `${NAME?message}`. A reference is substituted only when every
 * variable in it has a known value or a default: a reference that still holds a variable is left
 * alone, never guessed.
 */

/** A variable's value where the file says it; `undefined` when it is not known. */
export type VariableLookup = (name: string) => string | undefined;

export interface SubstituteOptions {
  /** How a literal `$` is written: `$$` in Compose files, the escape character (`\` or `` ` ``) in Dockerfiles. */
  escape: '$$' | string;
}

/**
 * Defaults nest a level or two in real files (`${A:-${B:-c}}`); past this a value is not read.
 * Each level scans the rest of the value, so without a bound a hostile file's deep nesting would
 * hold the extension host for seconds, then overflow the stack.
 */
const MAX_NESTING = 16;

const isNameStart = (c: string | undefined): boolean => !!c && /[A-Za-z_]/.test(c);
const isNameChar = (c: string | undefined): boolean => !!c && /[A-Za-z0-9_]/.test(c);

/** Whether `text` holds anything that looks like a variable or a template (`$…`, `{{ … }}`). */
export function hasVariables(text: string): boolean {
  return text.includes('$') || text.includes('{{');
}

/** `text` with its variables substituted, or `undefined` when one of them has no known value. */
export function substituteVariables(text: string, lookup: VariableLookup, options: SubstituteOptions): string | undefined {
  const result = expand({ text, lookup, options }, 0, text.length, 0);
  return result?.value;
}

/** What every step of a substitution reads: the text, the variables' values, and how `$` is escaped. */
interface Reading {
  text: string;
  lookup: VariableLookup;
  options: SubstituteOptions;
}

interface Expanded {
  value: string;
}

/** `text[from..to]` substituted, at `depth` defaults deep. */
function expand(reading: Reading, from: number, to: number, depth: number): Expanded | undefined {
  const { text, lookup, options } = reading;
  if (depth > MAX_NESTING) return undefined;
  let out = '';
  let i = from;
  while (i < to) {
    const c = text[i]!;
    if (options.escape !== '$$' && c === options.escape && text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (options.escape === '$$' && next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (isNameStart(next)) {
      let end = i + 1;
      while (end < to && isNameChar(text[end])) end++;
      const value = lookup(text.slice(i + 1, end));
      if (value === undefined) return undefined;
      out += value;
      i = end;
      continue;
    }
    if (next !== '{') return undefined;
    const close = matchingBrace(text, i + 1, to);
    if (close < 0) return undefined;
    const braced = expandBraced(reading, i + 2, close, depth);
    if (braced === undefined) return undefined;
    out += braced;
    i = close + 1;
  }
  return { value: out };
}

/** The `}` closing the `{` at `open`, counting nested `${…}`; -1 when there is none. */
function matchingBrace(text: string, open: number, to: number): number {
  let depth = 0;
  for (let i = open; i < to; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The inside of `${…}`: a name, then nothing or a modifier and its word. */
function expandBraced(reading: Reading, from: number, to: number, depth: number): string | undefined {
  const { text, lookup } = reading;
  if (!isNameStart(text[from])) return undefined;
  let end = from + 1;
  while (end < to && isNameChar(text[end])) end++;
  const value = lookup(text.slice(from, end));
  if (end === to) return value;
  const colon = text[end] === ':';
  const operator = text[colon ? end + 1 : end];
  const wordStart = colon ? end + 2 : end + 1;
  if (operator !== '-' && operator !== '+' && operator !== '?') return undefined;
  const unset = value === undefined || (colon && value === '');
  if (operator === '-') return unset ? expand(reading, wordStart, to, depth + 1)?.value : value;
  // `+` and `?` depend on a value the file does not give: not guessed.
  if (value === undefined) return undefined;
  if (operator === '+') return unset ? '' : expand(reading, wordStart, to, depth + 1)?.value;
  return unset ? undefined : value;
}
