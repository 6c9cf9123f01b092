/**
 * Image references in CI files where every `image:` names a container, wherever the pipelines
 * nest their steps: `bitbucket-pipelines.yml` (the default `image:` at the top, a step's own, and
 * each service container under `definitions.services`, in `parallel`, `stage`, branches, pull
 * requests or custom pipelines), Woodpecker's `.woodpecker.yml` and `.woodpecker/*.yml`, and
 * Drone's `.drone.yml` (steps, services and plugins), Buildkite's `.buildkite/pipeline.yml` (the
 * `image:` of its Docker plugin's steps, and of hosted agents); and development environments: Gitpod's
 * `.gitpod.yml` (its `image:`; one built from a Dockerfile, `image: { file: … }`, names none) and a
 * Devfile's container components (`components[].container.image`; an image component's
 * `imageName` is built, and not read). An `image:` is a string, or a mapping with `name:` (and a
 * login, in Bitbucket). The whole file is looked through, each mapping once.
 */
import type { ReferenceSite } from './types';
import { isMap, mapGet, scalarSite, walkEntries, type YamlDocument, uniqueSites } from './yaml-nodes';

export function findEveryImageKey(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs)
    walkEntries(doc, doc.contents, (key, value) => {
      if (key !== 'image') return true;
      // `image: node:20`, or `image: { name: node:20, username: …, password: … }`.
      sites.push(scalarSite(doc, text, isMap(value) ? mapGet(doc, value, 'name') : value, { context: 'image' }));
      return false;
    });
  return uniqueSites(sites);
}
