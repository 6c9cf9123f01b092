/**
 * The `.env` file Docker Compose reads from a project's folder to fill in the variables of its
 * Compose files (`image: ghcr.io/acme/app:${TAG}`), read as Compose reads it
 * (docs.docker.com/compose/how-tos/environment-variables/variable-interpolation, and the syntax
 * page at docs.docker.com/compose/env-file): `KEY=value` a line (`KEY: value` too, and an
 * `export ` before it), `#` comments; a value unquoted (to the end of the line, cut at a `#` after
 * whitespace), in double quotes (escapes `\n`, `\t`, `\\`, `\"`…; may run over lines) or in single
 * quotes (literal). Unquoted and double-quoted values fill in the variables set above them
 * (`${REGISTRY}/app`); one that needs a variable the file does not set (the shell's, which the
 * editor cannot know) is left unknown, as is a key alone (inherited from the shell). The file is
 * the workspace's: read leniently, within bounds. Pure.
 */
import { substituteVariables } from './variables';

/** A `.env` of a few dozen lines is usual; one past these is not read further. */
const MAX_KEYS = 5000;
const MAX_CHARS = 1024 * 1024;

const SPACE = /[ \t\v\f\r\u0085\u00a0]/;
const KEY_CHAR = /[A-Za-z0-9_.]/;
/** What a backslash stands for in a double-quoted value (other escapes keep the character). */
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t' };

/**
 * The values a `.env` file sets, by key, with the variables set above each filled in; a key whose
 * value needs anything else is left out. Reading stops at the first line Compose would refuse.
 */
export function readDotenv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let keys = 0;
  const source = text.length > MAX_CHARS ? '' : text.replace(/\r\n/g, '\n');
  let at = 0;
  const skipSpaces = (): void => {
    while (at < source.length && SPACE.test(source[at]!)) at++;
  };
  while (at < source.length && keys < MAX_KEYS) {
    skipSpaces();
    if (source[at] === '\n') {
      at++;
      continue;
    }
    if (at >= source.length) break;
    if (source[at] === '#') {
      at = lineEnd(source, at);
      continue;
    }
    if (source.startsWith('export', at) && SPACE.test(source[at + 'export'.length] ?? '')) {
      at += 'export'.length;
      skipSpaces();
    }
    // The key, to `=` or `:` (spaces before it stepped over); a key alone on its line is the shell's.
    const keyStart = at;
    while (at < source.length && (KEY_CHAR.test(source[at]!) || SPACE.test(source[at]!))) at++;
    const key = source.slice(keyStart, at).replace(/\s+$/, '');
    const separator = source[at];
    if (key === '' || /\s/.test(key)) break;
    keys++;
    if (separator === '\n' || separator === undefined) {
      values.delete(key);
      continue;
    }
    if (separator !== '=' && separator !== ':') break;
    at++;
    skipSpaces();
    const read = readValue(source, at);
    if (!read) break;
    at = read.next;
    const value = read.literal ? read.value : substituteVariables(read.value, (name) => values.get(name), { escape: '$$' });
    if (value === undefined) values.delete(key);
    else values.set(key, value);
  }
  return values;
}

/** A value from `at`: its text, whether variables are left in it as they are, and where the next line starts. */
function readValue(source: string, at: number): { value: string; literal: boolean; next: number } | undefined {
  const quote = source[at];
  if (quote === '"' || quote === "'") {
    let value = '';
    for (let i = at + 1; i < source.length; i++) {
      const c = source[i]!;
      if (c === '\\' && i + 1 < source.length) {
        const next = source[++i]!;
        value += quote === "'" ? (next === "'" ? "'" : `\\${next}`) : (ESCAPES[next] ?? (next === '$' ? '$$' : next));
        continue;
      }
      // What follows the closing quote on its line is a comment.
      if (c === quote) return { value, literal: quote === "'", next: lineEnd(source, i + 1) };
      value += c;
    }
    return undefined;
  }
  const end = lineEnd(source, at);
  const line = source.slice(at, end);
  const comment = /\s#/.exec(line);
  return { value: (comment ? line.slice(0, comment.index) : line).replace(/\s+$/, ''), literal: false, next: end };
}

function lineEnd(source: string, from: number): number {
  const end = source.indexOf('\n', from);
  return end < 0 ? source.length : end;
}
