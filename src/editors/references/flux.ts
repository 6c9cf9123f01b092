/**
 * Image references in Flux's OCIRepository sources (`source.toolkit.fluxcd.io`): `spec.url`
 * (`oci://host/repository`) with `spec.ref.tag` and `spec.ref.digest`, of which Flux pulls the
 * digest when both are set. The site is the tag's text (with the digest, when there is one, in its
 * reference), or a digest written alone; a pin adds a `digest:` line under the tag. A `semver:` or
 * `semverFilter:` range is resolved by Flux against every tag, and a source without a ref follows
 * `latest`, which the file does not say: both are left alone.
 */
import { digestSlot } from './digest-slot';
import { partSiteFrom } from './site';
import type { ReferenceSite } from './types';
import { isMap, mapGet, scalarSpan, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

const FLUX_SOURCES = 'source.toolkit.fluxcd.io';
const OCI_SCHEME = 'oci://';

export function findInFluxSources(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    if (!looksLikeOciRepository(doc)) continue;
    const spec = mapGet(doc, doc.contents, 'spec');
    const url = scalarText(doc, mapGet(doc, spec, 'url'))?.trim();
    const ref = mapGet(doc, spec, 'ref');
    if (!url?.startsWith(OCI_SCHEME) || !isMap(ref)) continue;
    const tag = scalarSpan(doc, mapGet(doc, ref, 'tag'), 'as-written');
    const digest = scalarSpan(doc, mapGet(doc, ref, 'digest'), 'as-written');
    const slot = digestSlot(doc, text, ref, 'tag', { mayAddLine: true });
    sites.push(
      partSiteFrom({
        text,
        name: url.slice(OCI_SCHEME.length).replace(/\/+$/, ''),
        ...(tag?.value ? { tag } : {}),
        ...(digest?.value ? { digest } : {}),
        context: 'ref',
        ...(slot ? { digestSlot: slot } : {}),
      }),
    );
  }
  return uniqueSites(sites);
}

/** Whether a document is a Flux OCIRepository. */
export function looksLikeOciRepository(doc: YamlDocument): boolean {
  const apiVersion = scalarText(doc, mapGet(doc, doc.contents, 'apiVersion'));
  return apiVersion?.split('/')[0] === FLUX_SOURCES && scalarText(doc, mapGet(doc, doc.contents, 'kind')) === 'OCIRepository';
}
