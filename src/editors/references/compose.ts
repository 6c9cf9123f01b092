/**
 * Image references in Compose files: each service's `image:`, also when it comes from an anchor
 * merged with `<<` (the `x-` extension fields people share settings through) or an alias. An
 * `image:` beside `build:` names what the build produces, which may not be in a registry yet.
 * `${VAR:-default}` takes its default; a plain `${VAR}` comes from the environment, which the file
 * does not say, so such a reference is left alone. `extends:` names another service, whose own
 * `image:` is found where it is written.
 */
import type { ReferenceSite } from './types';
import { mapEntries, mapGet, mapHas, isMap, scalarSite, type YamlDocument, uniqueSites } from './yaml-nodes';

export function findInCompose(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    const services = mapGet(doc, doc.contents, 'services');
    if (!isMap(services)) continue;
    for (const [, service] of mapEntries(doc, services)) {
      if (!isMap(service)) continue;
      const image = mapGet(doc, service, 'image');
      if (image === undefined) continue;
      sites.push(scalarSite(doc, text, image, { context: 'image', ...(mapHas(doc, service, 'build') ? { builds: true } : {}) }));
    }
  }
  return uniqueSites(sites);
}

/** Whether a document reads as a Compose file: a top-level `services:` mapping. */
export function looksLikeCompose(doc: YamlDocument): boolean {
  return isMap(mapGet(doc, doc.contents, 'services'));
}
