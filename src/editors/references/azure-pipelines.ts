/**
 * Image references in Azure Pipelines files: each container resource's `image:`
 * (`resources.containers`), and a pipeline's or job's `container:` (a mapping with `image:`, or an
 * image written as a string). A string may instead name a container resource by its alias, here or
 * in another file of the pipeline: it is read as an image when it is no alias of this file and
 * says its tag, digest or registry (`ubuntu:22.04`, `mcr.microsoft.com/dotnet/sdk`), which an alias
 * never needs to, or when the file is a pipeline itself (it sets a `trigger`, `pr`, `schedules` or
 * `resources`, which templates cannot) that extends no template: its aliases are all declared
 * here, so `container: ubuntu` is Docker Hub's ubuntu. A step's `target: { container }` is an
 * alias and is not read; `$(var)` and `${{ }}` expressions are the pipeline's to fill in, so such a
 * reference is left alone.
 */
import type { ReferenceSite } from './types';
import { isMap, isScalar, isSeq, mapGet, mapHas, scalarSite, scalarText, walkEntries, type YamlDocument, uniqueSites } from './yaml-nodes';

/** Top-level keys only a pipeline (not a template) may set. */
const PIPELINE_ONLY = ['trigger', 'pr', 'schedules', 'resources'];

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
    // A pipeline that extends no template declares every alias it may use in this file.
    const allAliasesHere = PIPELINE_ONLY.some((key) => mapHas(doc, doc.contents, key)) && !mapHas(doc, doc.contents, 'extends');
    walkEntries(doc, doc.contents, (key, value) => {
      if (NOT_JOBS.has(key)) return false;
      if (key !== 'container') return true;
      if (isMap(value)) sites.push(scalarSite(doc, text, mapGet(doc, value, 'image'), { context: 'container' }));
      else if (
        isScalar(value) &&
        typeof value.value === 'string' &&
        !aliases.has(value.value.trim()) &&
        (allAliasesHere || /[:@/]/.test(value.value))
      )
        sites.push(scalarSite(doc, text, value, { context: 'container' }));
      return false;
    });
  }
  return uniqueSites(sites);
}
