/**
 * Image references in Kubernetes manifests: the `image:` of every entry of `containers`,
 * `initContainers` and `ephemeralContainers`, wherever the pod template sits (a Pod, a Deployment,
 * a CronJob's job template, a `List`'s items, a custom resource that embeds a pod spec), in every
 * document of a multi-document file such as `helm template` writes. Unrendered templates
 * (`{{ .Values.image }}`) are left alone.
 */
import type { Node } from 'yaml';
import type { ReferenceSite, SiteContext } from './types';
import { isMap, isSeq, mapEntries, mapGet, mapHas, scalarSite, type YamlDocument, uniqueSites } from './yaml-nodes';

const CONTAINER_LISTS: ReadonlySet<string> = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const MAX_DEPTH = 32;

export function findInKubernetes(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  const walk = (doc: YamlDocument, node: Node | undefined, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (isSeq(node)) {
      for (const item of node.items) walk(doc, item as Node, depth + 1);
      return;
    }
    if (!isMap(node)) return;
    for (const [key, value] of mapEntries(doc, node)) {
      if (CONTAINER_LISTS.has(key) && isSeq(value)) {
        for (const container of value.items)
          if (isMap(container)) sites.push(scalarSite(doc, text, mapGet(doc, container, 'image'), { context: key as SiteContext }));
      } else {
        walk(doc, value, depth + 1);
      }
    }
  };
  for (const doc of docs) if (looksLikeKubernetes(doc)) walk(doc, doc.contents as Node, 0);
  return uniqueSites(sites);
}

/** Whether a document reads as a Kubernetes object: `apiVersion` and `kind` at the top. */
export function looksLikeKubernetes(doc: YamlDocument): boolean {
  return mapHas(doc, doc.contents, 'apiVersion') && mapHas(doc, doc.contents, 'kind');
}
