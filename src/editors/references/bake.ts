/**
 * Images named as build contexts, which BuildKit pulls: `docker-image://alpine:3.20`. Read in
 * Docker Bake files (`docker-bake.hcl`, `docker-bake.override.hcl`, `docker-bake.json`), where a
 * target's `contexts` map names them, as the strings they are in HCL and JSON alike; a variable's
 * `default` (`variable "TAG" { default = "3.20" }`) fills in `${TAG}`, as Bake does when the
 * environment does not set it. The file is read with hcl.ts, so a context in a comment (`#`, `//`
 * or a block comment) or a heredoc is not read. Compose's `additional_contexts` are read in compose.ts with
 * {@link imageContextSkip}. Pure.
 */
import { readHcl, writtenValues } from './hcl';
import { siteFrom } from './site';
import type { ReferenceSite } from './types';
import type { VariableLookup } from './variables';

export const IMAGE_CONTEXT = 'docker-image://';

export function findInBakeFile(text: string): ReferenceSite[] {
  // HCL's reading (hcl.ts) steps over comments and heredocs; a JSON file is strings and braces to it.
  const file = readHcl(text);
  const defaults = writtenValues(file.attributes);
  const lookup: VariableLookup = (name) => defaults.get(`var.${name}`)?.value;
  const sites: ReferenceSite[] = [];
  for (const string of file.strings) {
    // An escape inside would put the text and the value out of step: left alone.
    if (!string.text.startsWith(IMAGE_CONTEXT) || string.escaped) continue;
    const site = siteFrom({
      text,
      start: string.start + IMAGE_CONTEXT.length,
      end: string.end,
      value: string.text.slice(IMAGE_CONTEXT.length),
      context: 'contexts',
      lookup,
    });
    if (site) sites.push(site);
  }
  return sites;
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
