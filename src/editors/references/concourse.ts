/**
 * Image references in Concourse CI: the images a pipeline's `resources:` and `resource_types:`
 * of type `registry-image` (or the older `docker-image`) name, and the image a task runs in
 * (`image_resource:`, in a task's `config:` within a pipeline's plan or in a task file of its
 * own), each written in parts: `source.repository`, at `source.tag`, or when no tag is written at
 * the highest version `source.semver_constraint` allows (Masterminds' ranges, as the
 * registry-image resource reads them: github.com/concourse/registry-image-resource, "Source
 * Configuration"). A value with a `((var))` that Concourse fills in at run time, an ECR
 * repository named without its registry (`aws_region` set), and a constraint with a `variant`
 * (which changes the tags it reads) are left alone.
 */
import { partSiteFrom, rangeSiteFrom } from './site';
import type { ReferenceSite } from './types';
import { isMap, isSeq, mapEntries, mapGet, mapHas, scalarSpan, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

/** The resource types that pull an image from a registry. */
const IMAGE_TYPES: ReadonlySet<string> = new Set(['registry-image', 'docker-image']);
/** Plans nest steps (`do`, `in_parallel`, `try`, hooks) a few deep; a deeper document is cut here. */
const MAX_DEPTH = 32;

export function findInConcourse(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    for (const key of ['resources', 'resource_types']) {
      const list = mapGet(doc, doc.contents, key);
      if (isSeq(list)) for (const resource of list.items) sites.push(imageSite(doc, text, resource));
    }
    const walk = (node: unknown, depth: number): void => {
      if (depth > MAX_DEPTH) return;
      if (isSeq(node)) for (const item of node.items) walk(item, depth + 1);
      if (!isMap(node)) return;
      for (const [key, value] of mapEntries(doc, node)) {
        if (key === 'image_resource') sites.push(imageSite(doc, text, value));
        else walk(value, depth + 1);
      }
    };
    walk(doc.contents, 0);
  }
  return uniqueSites(sites);
}

/** Whether a document reads as Concourse's: a pipeline (`jobs:` with a `plan:`, or image resources) or a task file. */
export function looksLikeConcourse(doc: YamlDocument): boolean {
  const jobs = mapGet(doc, doc.contents, 'jobs');
  const pipeline = isSeq(jobs) && jobs.items.some((job) => mapHas(doc, job, 'plan'));
  const task = mapHas(doc, doc.contents, 'platform') && mapHas(doc, doc.contents, 'run');
  return pipeline || task;
}

/** The image of a resource (or an `image_resource:`) of an image type, placed on its tag or constraint. */
function imageSite(doc: YamlDocument, text: string, resource: unknown): ReferenceSite | undefined {
  if (!IMAGE_TYPES.has(scalarText(doc, mapGet(doc, resource, 'type'))?.trim() ?? '')) return undefined;
  const source = mapGet(doc, resource, 'source');
  const name = scalarText(doc, mapGet(doc, source, 'repository'))?.trim();
  if (!name || name.includes('((') || mapHas(doc, source, 'aws_region')) return undefined;
  const tag = scalarSpan(doc, mapGet(doc, source, 'tag'), 'as-written');
  if (tag?.value.includes('((')) return undefined;
  if (tag?.value.trim()) return partSiteFrom({ text, name, tag, context: 'source' });
  const constraint = scalarSpan(doc, mapGet(doc, source, 'semver_constraint'), 'as-written');
  if (!constraint?.value.trim() || constraint.value.includes('((') || mapHas(doc, source, 'variant')) return undefined;
  return rangeSiteFrom({ text, name, range: constraint, reading: 'lenient', context: 'source' });
}
