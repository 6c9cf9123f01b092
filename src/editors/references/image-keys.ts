/**
 * Image references in CI files where every `image:` names a container, wherever the pipelines
 * nest their steps: `bitbucket-pipelines.yml` (the default `image:` at the top, a step's own, and
 * each service container under `definitions.services`, in `parallel`, `stage`, branches, pull
 * requests or custom pipelines), Woodpecker's `.woodpecker.yml` and `.woodpecker/*.yml`, and
 * Drone's `.drone.yml` (steps, services and plugins). An `image:` is a string, or a mapping with
 * `name:` (and a login, in Bitbucket). The whole file is looked through, each mapping once.
 */
import type { Node } from 'yaml';
import type { ReferenceSite } from './types';
import { isMap, isSeq, mapEntries, mapGet, resolved, scalarSite, type YamlDocument, uniqueSites } from './yaml-nodes';

const MAX_DEPTH = 32;

export function findEveryImageKey(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    const seen = new Set<Node>();
    const walk = (node: Node | undefined, depth: number): void => {
      const value = resolved(doc, node);
      if (!value || depth > MAX_DEPTH || seen.has(value)) return;
      seen.add(value);
      if (isSeq(value)) for (const item of value.items) walk(item as Node, depth + 1);
      if (!isMap(value)) return;
      for (const [key, child] of mapEntries(doc, value)) {
        // `image: node:20`, or `image: { name: node:20, username: …, password: … }`.
        if (key === 'image') sites.push(scalarSite(doc, text, isMap(child) ? mapGet(doc, child, 'name') : child, { context: 'image' }));
        else walk(child, depth + 1);
      }
    };
    walk(doc.contents as Node, 0);
  }
  return uniqueSites(sites);
}
