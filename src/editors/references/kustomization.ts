/**
 * Image references in a Kustomization's `images:` list, where each entry names an image of the
 * resources (`name`) and says what to use instead: `newName`, then `digest` or else `newTag`, as
 * `kustomize build` writes them into the containers (a digest wins over a tag). The site is the
 * text of the tag (with the digest, when there is one, in its reference), or of a digest written
 * alone: a tag can be completed, moved to a newer one and pinned, its digest going on a `digest:`
 * line. An entry that changes only the name says nothing of which tag is pulled, so it is left alone.
 * Also the charts of `helmCharts:` pulled from an OCI registry at an exact version, as in a
 * Chart.yaml's dependencies (see helm-chart.ts).
 */
import type { Node } from 'yaml';
import { digestSlot } from './digest-slot';
import { ociChartSite } from './helm-chart';
import { partSiteFrom } from './site';
import type { NameField, ReferenceSite } from './types';
import { isMap, isSeq, mapGet, scalarSpan, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

/** Each entry of each document's `images:` list, with its document. */
function* imageEntries(docs: readonly YamlDocument[]): Generator<{ doc: YamlDocument; entry: Node }> {
  for (const doc of docs) {
    const images = mapGet(doc, doc.contents, 'images');
    if (isSeq(images)) for (const entry of images.items) if (isMap(entry)) yield { doc, entry };
  }
}

/** Where each entry's `newName:` is written: completion offers repositories there. */
export function kustomizationNames(docs: readonly YamlDocument[]): NameField[] {
  return [...imageEntries(docs)].flatMap(({ doc, entry }) => {
    const written = scalarSpan(doc, mapGet(doc, entry, 'newName'), 'as-written');
    return written ? [{ start: written.start, end: written.end }] : [];
  });
}

export function findInKustomization(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  // The charts its Helm inflator pulls: `repo: oci://…` with `name:` and an exact `version:`.
  for (const doc of docs) {
    const charts = mapGet(doc, doc.contents, 'helmCharts');
    if (isSeq(charts))
      for (const chart of charts.items)
        sites.push(
          ociChartSite(doc, text, chart, { repository: scalarText(doc, mapGet(doc, chart, 'repo')), pulled: true, context: 'helmCharts' }),
        );
  }
  for (const { doc, entry } of imageEntries(docs)) {
    const name = scalarText(doc, mapGet(doc, entry, 'newName')) || scalarText(doc, mapGet(doc, entry, 'name'));
    if (!name) continue;
    // Kustomize reads these fields as strings: `newTag: 1.20` is the tag `1.20`. The digest is
    // what is pulled; the tag beside it says whether it has moved since.
    const digest = scalarSpan(doc, mapGet(doc, entry, 'digest'), 'as-written');
    const tag = scalarSpan(doc, mapGet(doc, entry, 'newTag'), 'as-written');
    const slot = digestSlot(doc, text, entry, 'newTag', { mayAddLine: true });
    sites.push(partSiteFrom({ text, name, tag, digest, context: 'images', digestSlot: slot }));
  }
  return uniqueSites(sites);
}

/** Whether a document says it is a Kustomization (or a Component); a file named kustomization.yaml need not say. */
export function looksLikeKustomization(doc: YamlDocument): boolean {
  const kind = scalarText(doc, mapGet(doc, doc.contents, 'kind'));
  return kind === 'Kustomization' || kind === 'Component';
}
