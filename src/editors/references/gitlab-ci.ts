/**
 * Image references in GitLab CI files: `image:` and `services:` at the top, under `default:` and in
 * every job (hidden `.templates` included), each a string or a mapping with `name:`. Variables
 * defined in the file's `variables:` (the job's, then the top level's) are substituted; GitLab's
 * predefined ones (`$CI_REGISTRY_IMAGE`) are not known here, so those references are left alone.
 * An image that is one variable of the job's `parallel: matrix:` alone (`image: $IMAGE`) is read
 * where the matrix writes each of its values.
 */
import type { Node } from 'yaml';
import type { ReferenceSite, SiteContext } from './types';
import type { VariableLookup } from './variables';
import { isMap, isSeq, mapEntries, mapGet, scalarSite, scalarSource, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

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
      const matrix = matrixOf(doc, holder);
      const add = (node: Node | undefined, context: SiteContext): void => {
        const named = isMap(node) ? mapGet(doc, node, 'name') : node;
        const one = ONE_VARIABLE.exec(scalarText(doc, named)?.trim() ?? '');
        const variable = one ? (one[1] ?? one[2]) : undefined;
        const values = variable === undefined ? undefined : matrix.get(variable);
        if (values) for (const value of values) sites.push(scalarSite(doc, text, value, { context }));
        else sites.push(scalarSite(doc, text, named, { context, lookup }));
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

/** `$IMAGE` or `${IMAGE}`, alone. */
const ONE_VARIABLE = /^\$(?:([A-Za-z_]\w*)|\{([A-Za-z_]\w*)\})$/;

/** A job's `parallel: matrix:` values by variable: each entry's value, or each item of its list. */
function matrixOf(doc: YamlDocument, job: Node): Map<string, unknown[]> {
  const found = new Map<string, unknown[]>();
  const matrix = mapGet(doc, mapGet(doc, job, 'parallel'), 'matrix');
  if (!isSeq(matrix)) return found;
  for (const entry of matrix.items)
    for (const [name, value] of mapEntries(doc, entry)) {
      const values = found.get(name) ?? [];
      values.push(...(isSeq(value) ? value.items : [value]));
      found.set(name, values);
    }
  return found;
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
