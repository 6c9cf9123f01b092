/**
 * Image references in CircleCI's `.circleci/config.yml`: the `docker:` list of every job and every
 * executor, whose first `image:` is the one the steps run in and the rest its service containers.
 * Pipeline parameters (`<< pipeline.parameters.tag >>`) are CircleCI's to fill in: such a reference
 * is left alone. A `machine:` image names a virtual machine, not a container, and is not read.
 */
import type { ReferenceSite } from './types';
import { isMap, isSeq, mapEntries, mapGet, scalarSite, type YamlDocument, uniqueSites } from './yaml-nodes';

export function findInCircleCi(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs)
    for (const section of ['jobs', 'executors'])
      for (const [, holder] of mapEntries(doc, mapGet(doc, doc.contents, section))) {
        const containers = mapGet(doc, holder, 'docker');
        if (!isSeq(containers)) continue;
        for (const container of containers.items)
          if (isMap(container)) sites.push(scalarSite(doc, text, mapGet(doc, container, 'image'), { context: 'docker' }));
      }
  return uniqueSites(sites);
}
