/**
 * Image references in GitLab CI files: `image:` and `services:` at the top, under `default:` and in
 * every job (hidden `.templates` included), each a string or a mapping with `name:`. Variables
 * defined in the file's `variables:` (the job's, then the top level's) are substituted; GitLab's
 * predefined ones (`$CI_REGISTRY_IMAGE`) are not known here, so those references are left alone.
 */
import type { Node } from 'yaml';
import type { ReferenceSite, SiteContext } from './types';
import type { VariableLookup } from './variables';
import { isMap, isSeq, mapEntries, mapGet, scalarSite, scalarSource, type YamlDocument, uniqueSites } from './yaml-nodes';

/** Top-level keys that are settings, not jobs. */
const GLOBAL_KEYS: ReadonlySet<string> = new Set(['variables', 'stages', 'include', 'workflow', 'cache', 'before_script', 'after_script']);

export function findInGitlabCi(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    const globals = variablesOf(doc, doc.contents as Node);
    const fromHolder = (holder: Node | undefined): void => {
      if (!isMap(holder)) return;
      const locals = variablesOf(doc, holder);
      const lookup: VariableLookup = (name) => locals.get(name) ?? globals.get(name);
      const add = (node: Node | undefined, context: SiteContext): void => {
        const named = isMap(node) ? mapGet(doc, node, 'name') : node;
        sites.push(scalarSite(doc, text, named, { context, lookup }));
      };
      add(mapGet(doc, holder, 'image'), 'image');
      const services = mapGet(doc, holder, 'services');
      if (isSeq(services)) for (const service of services.items) add(service as Node, 'service');
    };
    fromHolder(doc.contents as Node);
    for (const [key, value] of mapEntries(doc, doc.contents)) if (!GLOBAL_KEYS.has(key)) fromHolder(value);
  }
  return uniqueSites(sites);
}

/** A `variables:` mapping: `NAME: value` or `NAME: { value: … }`. */
function variablesOf(doc: YamlDocument, holder: Node | undefined): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of mapEntries(doc, mapGet(doc, holder, 'variables'))) {
    const text = isMap(value) ? scalarSource(doc, mapGet(doc, value, 'value')) : scalarSource(doc, value);
    if (text !== undefined) found.set(name, text);
  }
  return found;
}
