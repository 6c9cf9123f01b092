/**
 * Helm charts from OCI registries in Helmfile's files (`helmfile.yaml`, `helmfile.yaml.gotmpl`,
 * and those under `helmfile.d/`), as Helmfile has Helm pull them (`--version`, so a `v` before a
 * version is the tag as written, and a range is resolved against the tags): a release's `chart:`
 * and each of its `dependencies:`, written `oci://host/path/name` or `repo/name` for an entry of
 * `repositories:` marked `oci: true` (whose `url:` is the registry and path, without a scheme),
 * at the `version:` beside it. A chart URL that carries its own tag or digest
 * (`oci://host/path/name:1.2.3`) is that reference when no `version:` is written. Repositories are
 * read from every document of the file (Helmfile merges them). Values made by templates
 * (`{{ .Values.version }}`) are left alone. Pure.
 */
import { ociChartVersionSite, OCI_SCHEME } from './helm-chart';
import type { ReferenceSite } from './types';
import { isMap, isSeq, mapGet, scalarSite, scalarSource, scalarSpan, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

export function findInHelmfile(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const ociRepositories = new Map<string, string>();
  for (const doc of docs) {
    const repositories = mapGet(doc, doc.contents, 'repositories');
    if (!isSeq(repositories)) continue;
    for (const repository of repositories.items) {
      const name = scalarText(doc, mapGet(doc, repository, 'name'))?.trim();
      const url = scalarText(doc, mapGet(doc, repository, 'url'))?.trim();
      // A boolean as Go's YAML decodes one into Helmfile's `oci` field.
      const oci = /^(true|yes|on)$/i.test(scalarSource(doc, mapGet(doc, repository, 'oci'))?.trim() ?? '');
      if (name && url && oci) ociRepositories.set(name, url.replace(/^oci:\/\//, ''));
    }
  }
  const sites: (ReferenceSite | undefined)[] = [];
  const chartAt = (doc: YamlDocument, entry: unknown): void => {
    if (!isMap(entry)) return;
    const chartNode = mapGet(doc, entry, 'chart');
    const chart = scalarText(doc, chartNode)?.trim();
    if (!chart) return;
    const version = scalarSpan(doc, mapGet(doc, entry, 'version'), 'as-parsed');
    if (chart.startsWith(OCI_SCHEME)) {
      const path = chart.slice(OCI_SCHEME.length);
      const slash = path.lastIndexOf('/');
      const named = slash < 0 ? path : path.slice(slash + 1);
      // The URL's own tag or digest, when no version is written beside it.
      if (/[:@]/.test(named)) {
        if (!version) sites.push(scalarSite(doc, text, chartNode, { context: 'chart' }, OCI_SCHEME.length));
        return;
      }
      if (slash < 0) return;
      sites.push(site(text, `${OCI_SCHEME}${path.slice(0, slash)}`, named, version));
      return;
    }
    const slash = chart.indexOf('/');
    const repository = slash > 0 ? ociRepositories.get(chart.slice(0, slash)) : undefined;
    if (repository) sites.push(site(text, `${OCI_SCHEME}${repository}`, chart.slice(slash + 1), version));
  };
  for (const doc of docs) {
    const releases = mapGet(doc, doc.contents, 'releases');
    if (!isSeq(releases)) continue;
    for (const release of releases.items) {
      chartAt(doc, release);
      const dependencies = mapGet(doc, release, 'dependencies');
      if (isSeq(dependencies)) for (const dependency of dependencies.items) chartAt(doc, dependency);
    }
  }
  return uniqueSites(sites);
}

/** A chart at the version written beside it; a version that carries a digest (`1.2.3@sha256:…`) is left alone. */
function site(
  text: string,
  repository: string,
  name: string,
  version: { start: number; end: number; value: string } | undefined,
): ReferenceSite | undefined {
  if (!version || version.value.includes('@')) return undefined;
  return ociChartVersionSite({ text, repository, name, version, pulled: true, context: 'chart' });
}
