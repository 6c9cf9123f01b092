/**
 * Image references in Compose files: each service's `image:`, also when it comes from an anchor
 * merged with `<<` (the `x-` extension fields people share settings through) or an alias. An
 * `image:` beside `build:` names what the build produces, which may not be in a registry yet.
 * `${VAR:-default}` takes its default; a plain `${VAR}` takes the value the project's `.env` file
 * sets (given as `env`, see dotenv.ts), else it comes from the shell, which the file does not
 * say, so such a reference is left alone. `extends:` names another service, whose own
 * `image:` is found where it is written. The AI models a Compose file runs (top-level `models:`,
 * or a service's `provider:` of type `model`) are OCI artifacts too, and so are the images a build
 * takes as named contexts (`build.additional_contexts` with `docker-image://`).
 */
import type { ReferenceSite } from './types';
import type { VariableLookup } from './variables';
import { imageContextSkip } from './bake';
import { isMap, isSeq, mapEntries, mapGet, mapHas, scalarSite, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

export function findInCompose(docs: readonly YamlDocument[], text: string, env?: ReadonlyMap<string, string>): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  // Whether the site being read took a value from the .env, which its hover then says.
  let fromEnv = false;
  const lookup: VariableLookup = (name) => {
    const value = env?.get(name);
    if (value !== undefined) fromEnv = true;
    return value;
  };
  const readSite = (...args: Parameters<typeof scalarSite>): ReferenceSite | undefined => {
    fromEnv = false;
    const found = scalarSite(...args);
    return found && fromEnv ? { ...found, filledIn: 'compose-env' } : found;
  };
  for (const doc of docs) {
    const services = mapGet(doc, doc.contents, 'services');
    if (!isMap(services)) continue;
    for (const [, service] of mapEntries(doc, services)) {
      if (!isMap(service)) continue;
      const image = mapGet(doc, service, 'image');
      // The platform the service asks for (`platform: linux/arm64`) is the one its hover describes.
      const platform = scalarText(doc, mapGet(doc, service, 'platform'))?.trim();
      sites.push(
        readSite(doc, text, image, {
          context: 'image',
          lookup,
          ...(mapHas(doc, service, 'build') ? { builds: true } : {}),
          ...(platform && !platform.includes('$') ? { platform } : {}),
        }),
      );
      // Images a build uses as named contexts: `additional_contexts: { base: docker-image://alpine:3.20 }`, or `- base=…`.
      const contexts = mapGet(doc, mapGet(doc, service, 'build'), 'additional_contexts');
      const values = isMap(contexts) ? mapEntries(doc, contexts).map(([, value]) => value) : isSeq(contexts) ? contexts.items : [];
      for (const value of values) {
        const skip = imageContextSkip(scalarText(doc, value) ?? '');
        if (skip !== undefined) sites.push(readSite(doc, text, value, { context: 'additional_contexts', lookup }, skip));
      }
      // Compose 2.35's model provider, before top-level models: `provider: { type: model, options: { model } }`.
      const provider = mapGet(doc, service, 'provider');
      if (scalarText(doc, mapGet(doc, provider, 'type')) === 'model')
        sites.push(readSite(doc, text, mapGet(doc, mapGet(doc, provider, 'options'), 'model'), { context: 'model', lookup }));
    }
    // AI models Docker Model Runner pulls as OCI artifacts: `models: { llm: { model: ai/smollm2 } }`.
    for (const [, model] of mapEntries(doc, mapGet(doc, doc.contents, 'models')))
      sites.push(readSite(doc, text, mapGet(doc, model, 'model'), { context: 'model', lookup }));
  }
  return uniqueSites(sites);
}

/** Whether a document reads as a Compose file: a top-level `services:` mapping. */
export function looksLikeCompose(doc: YamlDocument): boolean {
  return isMap(mapGet(doc, doc.contents, 'services'));
}
