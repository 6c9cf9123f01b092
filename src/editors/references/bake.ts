/**
 * Images named as build contexts, which BuildKit pulls: `docker-image://alpine:3.20`. Read in
 * Docker Bake files (`docker-bake.hcl`, `docker-bake.override.hcl`, `docker-bake.json`), where a
 * target's `contexts` map names them, as the strings they are in HCL and JSON alike; a variable's
 * `default` (`variable "TAG" { default = "3.20" }`) fills in `${TAG}`, as Bake does when the
 * environment does not set it. HCL's comments (`#`, `//` and block comments) are blanked out first, so a
 * context commented out is not read. Compose's `additional_contexts` are read in compose.ts with
 * {@link imageContextSkip}. Pure.
 */
import { siteFrom } from './site';
import type { ReferenceSite } from './types';
import type { VariableLookup } from './variables';

export const IMAGE_CONTEXT = 'docker-image://';

/** A double-quoted string (HCL's and JSON's), its escapes kept as written. */
const STRING = /"((?:[^"\\\n]|\\.)*)"/g;
const VARIABLE_DEFAULT = /variable\s+"([A-Za-z_][\w-]*)"\s*\{[^{}]*?\bdefault\s*=\s*"([^"\\\n]*)"/g;

export function findInBakeFile(written: string): ReferenceSite[] {
  const text = withoutComments(written);
  const defaults = new Map<string, string>();
  for (const match of text.matchAll(VARIABLE_DEFAULT)) defaults.set(match[1]!, match[2]!);
  const lookup: VariableLookup = (name) => defaults.get(name);
  const sites: ReferenceSite[] = [];
  for (const match of text.matchAll(STRING)) {
    const value = match[1]!;
    // An escape inside would put the text and the value out of step: left alone.
    if (!value.startsWith(IMAGE_CONTEXT) || value.includes('\\')) continue;
    const start = match.index! + 1 + IMAGE_CONTEXT.length;
    const site = siteFrom({
      text,
      start,
      end: match.index! + 1 + value.length,
      value: value.slice(IMAGE_CONTEXT.length),
      context: 'contexts',
      lookup,
    });
    if (site) sites.push(site);
  }
  return sites;
}

/**
 * `text` with HCL's comments replaced by spaces (line breaks kept), so offsets stay those of the
 * file. Strings are stepped over whole: `docker-image://` holds a `//`, and `"#1"` no comment.
 */
function withoutComments(text: string): string {
  let out = '';
  let copied = 0;
  const blank = (from: number, to: number): void => {
    out += text.slice(copied, from) + text.slice(from, to).replace(/[^\n]/g, ' ');
    copied = to;
  };
  for (let i = 0; i < text.length;) {
    const char = text[i];
    if (char === '"') {
      // A string ends at its closing quote or, unclosed, at the line's end.
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (char === '#' || (char === '/' && text[i + 1] === '/')) {
      const end = text.indexOf('\n', i);
      blank(i, (i = end < 0 ? text.length : end));
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      blank(i, (i = end < 0 ? text.length : end + 2));
    } else i++;
  }
  return out + text.slice(copied);
}

/**
 * Where the image starts in a build context's value (`docker-image://…` alone, or `name=…` as a
 * list item writes it), or `undefined` when the context is no image (a path, a URL, a stage).
 */
export function imageContextSkip(value: string): number | undefined {
  if (value.startsWith(IMAGE_CONTEXT)) return IMAGE_CONTEXT.length;
  const named = value.indexOf(`=${IMAGE_CONTEXT}`);
  return named > 0 ? named + 1 + IMAGE_CONTEXT.length : undefined;
}
