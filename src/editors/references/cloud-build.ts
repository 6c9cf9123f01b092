/**
 * Image references in Google Cloud Build configs (`cloudbuild.yaml`, `cloudbuild-prod.yaml`):
 * each step's `name:`, the image the step runs in (a cloud builder such as
 * `gcr.io/cloud-builders/docker`, or any image), and the top-level `images:`, which the build
 * pushes when it ends (so they may not be in a registry yet). A user-defined substitution
 * (`${_REGION}`, `$_TAG`) is filled in from the file's `substitutions:`; Cloud Build's own
 * (`$PROJECT_ID`, `$SHORT_SHA`) are known only to a build, so such a reference is left alone.
 */
import type { ReferenceSite } from './types';
import type { VariableLookup } from './variables';
import { isMap, isSeq, mapEntries, mapGet, scalarSite, scalarSource, type YamlDocument, uniqueSites } from './yaml-nodes';

export function findInCloudBuild(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    const substitutions = new Map<string, string>();
    for (const [name, value] of mapEntries(doc, mapGet(doc, doc.contents, 'substitutions'))) {
      const written = scalarSource(doc, value);
      // Only user-defined substitutions start with an underscore; a build's own are set by the build.
      if (name.startsWith('_') && written !== undefined) substitutions.set(name, written);
    }
    const lookup: VariableLookup = (name) => substitutions.get(name);
    const steps = mapGet(doc, doc.contents, 'steps');
    if (isSeq(steps))
      for (const step of steps.items)
        if (isMap(step)) sites.push(scalarSite(doc, text, mapGet(doc, step, 'name'), { context: 'steps', lookup }));
    const images = mapGet(doc, doc.contents, 'images');
    if (isSeq(images))
      for (const image of images.items) sites.push(scalarSite(doc, text, image, { context: 'images', lookup, builds: true }));
  }
  return uniqueSites(sites);
}
