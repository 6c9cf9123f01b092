/**
 * Image references in Azure Pipelines files: each container resource's `image:`
 * (`resources.containers`), and a pipeline's or job's `container:` (a mapping with `image:`, or an
 * image written as a string). A string may instead name a container resource by its alias, here or
 * in another file of the pipeline: it is read as an image only when it is no alias of this file and
 * says its tag, digest or registry (`ubuntu:22.04`, `mcr.microsoft.com/dotnet/sdk`), which an alias
 * never needs to. A step's `target: { container }` is an alias and is not read; `$(var)` and
 * `${{ }}` expressions are the pipeline's to fill in, so such a reference is left alone.
 */
import type { Node } from 'yaml';
import type { ReferenceSite } from './types';
import { isMap, isScalar, isSeq, mapEntries, mapGet, resolved, scalarSite, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

const MAX_DEPTH = 32;
/** Keys whose `container` names an alias, or whose contents hold no jobs. */
const NOT_JOBS: ReadonlySet<string> = new Set(['resources', 'target', 'variables', 'parameters']);

export function findInAzurePipelines(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    const resources = mapGet(doc, mapGet(doc, doc.contents, 'resources'), 'containers');
    const aliases = new Set<string>();
    if (isSeq(resources))
      for (const resource of resources.items) {
        const alias = scalarText(doc, mapGet(doc, resource, 'container'))?.trim();
        if (alias) aliases.add(alias);
        sites.push(scalarSite(doc, text, mapGet(doc, resource, 'image'), { context: 'container' }));
      }
    const seen = new Set<Node>();
    const walk = (node: Node | undefined, depth: number): void => {
      const value = resolved(doc, node);
      if (!value || depth > MAX_DEPTH || seen.has(value)) return;
      seen.add(value);
      if (isSeq(value)) for (const item of value.items) walk(item as Node, depth + 1);
      if (!isMap(value)) return;
      for (const [key, child] of mapEntries(doc, value)) {
        if (NOT_JOBS.has(key)) continue;
        if (key !== 'container') walk(child, depth + 1);
        else if (isMap(child)) sites.push(scalarSite(doc, text, mapGet(doc, child, 'image'), { context: 'container' }));
        else if (isScalar(child) && typeof child.value === 'string' && !aliases.has(child.value.trim()) && /[:@/]/.test(child.value))
          sites.push(scalarSite(doc, text, child, { context: 'container' }));
      }
    };
    walk(doc.contents as Node, 0);
  }
  return uniqueSites(sites);
}
