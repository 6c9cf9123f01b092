/**
 * Image references in GitHub Actions workflows: a job's `container:` (a string, or a mapping with
 * `image:`), its `services.<name>.image`, and steps that run an image directly
 * (`uses: docker://alpine:3.20`). Expressions (`${{ matrix.image }}`) are left alone.
 */
import type { ReferenceSite } from './types';
import { isMap, isSeq, mapEntries, mapGet, scalarSite, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

const DOCKER_SCHEME = 'docker://';

export function findInWorkflow(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    for (const [, job] of mapEntries(doc, mapGet(doc, doc.contents, 'jobs'))) {
      if (!isMap(job)) continue;
      const container = mapGet(doc, job, 'container');
      sites.push(scalarSite(doc, text, isMap(container) ? mapGet(doc, container, 'image') : container, { context: 'container' }));
      for (const [, service] of mapEntries(doc, mapGet(doc, job, 'services')))
        sites.push(scalarSite(doc, text, isMap(service) ? mapGet(doc, service, 'image') : service, { context: 'service' }));
      const steps = mapGet(doc, job, 'steps');
      if (!isSeq(steps)) continue;
      for (const step of steps.items) {
        const uses = mapGet(doc, step, 'uses');
        if (scalarText(doc, uses)?.startsWith(DOCKER_SCHEME))
          sites.push(scalarSite(doc, text, uses, { context: 'uses' }, DOCKER_SCHEME.length));
      }
    }
  }
  return uniqueSites(sites);
}
