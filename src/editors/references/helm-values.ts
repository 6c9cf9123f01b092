/**
 * Image references in a Helm chart's values files. Most charts compose an image from parts under a
 * key that says image, `image: { registry, repository, tag, digest }` (`registry` optional;
 * ingress-nginx names the repository `image`), which their templates print as
 * `registry/repository:tag`, with `@digest` when one is set (or `@sha256:` and a `sha:`, as the
 * Prometheus community's charts write it), and a set `global.imageRegistry` in place of each
 * image's `registry:`, as Bitnami's charts do; some write the whole reference as
 * `image: nginx:1.25`. Values nest anywhere (a subchart's, a sidecar's, a list of extra
 * containers), so every mapping is looked at, each once. The site of a composed image is the text
 * of its tag (or of its digest when it has no tag); it is pinned over the mapping's own `digest:`
 * when it has one, as Bitnami's charts do, and not otherwise. An image whose tag is empty or not
 * written takes its chart's appVersion, when the chart's Chart.yaml is known (see helm-chart.ts),
 * except under a dependency's key; without it, such an image is left alone, as is a whole `image:`
 * without a tag or digest (the chart may add one). Helm prints a number as it parsed it, so
 * `tag: 1.20` is looked up as the tag `1.2`, which is what the chart would pull.
 */
import type { Node } from 'yaml';
import { digestSlot } from './digest-slot';
import { appVersionTag, type ChartFacts } from './helm-chart';
import { appVersionSiteFrom, partSiteFrom, type WrittenPart } from './site';
import type { NameField, ReferenceSite } from './types';
import {
  isMap,
  isSeq,
  mapEntries,
  mapGet,
  resolved,
  scalarSite,
  scalarSpan,
  scalarText,
  type YamlDocument,
  uniqueSites,
} from './yaml-nodes';

const MAX_DEPTH = 32;
const IMAGE_KEY = /image/i;

export function findInHelmValues(docs: readonly YamlDocument[], text: string, chart?: ChartFacts): ReferenceSite[] {
  return readHelmValues(docs, text, chart).sites;
}

/** The references of a values file, and where each composed image's repository is written. */
export function readHelmValues(
  docs: readonly YamlDocument[],
  text: string,
  chart?: ChartFacts,
): { sites: ReferenceSite[]; names: NameField[] } {
  const sites: (ReferenceSite | undefined)[] = [];
  const names: NameField[] = [];
  for (const doc of docs) {
    // Each mapping once: anchors and aliases may name one many times (and, in a hostile file, nest so).
    const seen = new Set<Node>();
    // Bitnami's charts (and others that follow them) pull every image that names a registry from
    // `global.imageRegistry` instead, when it is set.
    const globalRegistry = scalarText(doc, mapGet(doc, mapGet(doc, doc.contents, 'global'), 'imageRegistry'))?.trim() || undefined;
    // A dependency's values (under its alias or name) default to that chart's appVersion, not known
    // here. `path` is the keys down to the node (`controller.image`), which the templates name.
    const walk = (node: Node | undefined, depth: number, path: readonly string[], ownChart: boolean): void => {
      const value = resolved(doc, node);
      if (!value || depth > MAX_DEPTH || seen.has(value)) return;
      seen.add(value);
      if (isSeq(value)) {
        for (const item of value.items) walk(item as Node, depth + 1, path, ownChart);
        return;
      }
      if (!isMap(value)) return;
      // Only under a key that says image (`image:`, `metrics.image:`, `initImage:`): a `repository:`
      // and `tag:` elsewhere may be a git repository or a chart's.
      if (IMAGE_KEY.test(path.at(-1) ?? '')) {
        const appVersion = chart && ownChart ? appVersionTag(chart, path.join('.')) : undefined;
        const image = composedImage(doc, text, value, globalRegistry, appVersion);
        sites.push(image?.site);
        if (image) names.push(image.name);
      }
      for (const [childKey, child] of mapEntries(doc, value)) {
        if (childKey === 'image') sites.push(wholeImage(doc, text, child));
        walk(child, depth + 1, [...path, childKey], ownChart && !(depth === 0 && chart?.subcharts.includes(childKey)));
      }
    };
    walk(doc.contents as Node, 0, [], true);
  }
  return { sites: uniqueSites(sites), names };
}

/**
 * `repository:` (or, as ingress-nginx writes it, `image:`) with a tag or a digest beside it, and
 * a `registry:` before it when set; without either, the chart's appVersion as the tag when known.
 * Also where the repository is written, whether or not it makes a site.
 */
function composedImage(
  doc: YamlDocument,
  text: string,
  map: Node,
  globalRegistry: string | undefined,
  appVersion: string | undefined,
): { site: ReferenceSite | undefined; name: NameField } | undefined {
  const repositoryNode = mapGet(doc, map, 'repository') ?? mapGet(doc, map, 'image');
  const repository = scalarText(doc, repositoryNode)?.trim();
  const written = scalarSpan(doc, repositoryNode, 'as-written');
  if (!repository || !written) return undefined;
  const ownRegistry = scalarText(doc, mapGet(doc, map, 'registry'))?.trim();
  const registry = (ownRegistry !== undefined && globalRegistry ? globalRegistry : ownRegistry)?.replace(/\/+$/, '');
  const name = registry ? `${registry}/${repository}` : repository;
  const field: NameField = { start: written.start, end: written.end, ...(registry ? { registry } : {}) };
  return { site: composedSite(doc, text, map, name, written, appVersion), name: field };
}

function composedSite(
  doc: YamlDocument,
  text: string,
  map: Node,
  name: string,
  repository: WrittenPart,
  appVersion: string | undefined,
): ReferenceSite | undefined {
  const tag = scalarSpan(doc, mapGet(doc, map, 'tag'), 'as-parsed');
  // The Prometheus community's charts write the digest's hex alone as `sha:`.
  const digestKey = mapGet(doc, map, 'digest') === undefined && mapGet(doc, map, 'sha') !== undefined ? 'sha' : 'digest';
  const digest = scalarSpan(doc, mapGet(doc, map, digestKey), 'as-written');
  const tagValue = tag?.value.trim();
  const digestValue = digest?.value.trim();
  if (!tagValue && !digestValue) {
    // An empty, null or missing tag: the chart prints its appVersion (`tag: ~` is no text at all).
    return appVersion ? appVersionSiteFrom({ text, name, repository, appVersion, context: 'image' }) : undefined;
  }
  // Pinned only where the values have a `digest:`: a chart whose templates print no digest would ignore a new one.
  const slot = digestSlot(doc, text, map, 'tag', { mayAddLine: false, digestKey });
  // The Prometheus charts' `sha:` is the hex their templates print after `@sha256:`.
  const digestText = digestKey === 'sha' && digestValue && !digestValue.includes(':') ? `sha256:${digestValue}` : digestValue;
  return partSiteFrom({
    text,
    name,
    tag: tag && { ...tag, value: tagValue ?? '' },
    digest: digest && { ...digest, value: digestText ?? '' },
    context: 'image',
    digestSlot: slot,
  });
}

/** `image: nginx:1.25`: a whole reference, kept when it says its tag or digest. */
function wholeImage(doc: YamlDocument, text: string, node: Node | undefined): ReferenceSite | undefined {
  const site = scalarSite(doc, text, node, { context: 'image' });
  return site && (site.parsed.tag !== undefined || site.parsed.digest !== undefined) ? site : undefined;
}
