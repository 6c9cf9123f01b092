/**
 * What GitOps controllers pull from OCI registries, as their resources name it.
 *
 * Flux's OCIRepository (`source.toolkit.fluxcd.io`): `spec.url` (`oci://host/repository`) with
 * `spec.ref.digest`, `spec.ref.semver` or `spec.ref.tag`, which Flux reads in that order (the
 * first one written decides). The site is the tag's text (with the digest, when there is one, in
 * its reference), a digest written alone, or a `semver:` range, which Flux resolves against the
 * tags read leniently (`v1.2` is 1.2.0), after its `semverFilter:` (a Go regular expression the
 * tags must match) when it has one; a pin adds a `digest:` line under the tag. A filter Go
 * refuses leaves its range alone (Flux fails such a source), as is a source without a ref (it
 * follows `latest`, which the file does not say).
 * A HelmRelease's chart (or a HelmChart source's) from an OCI HelmRepository (`type: oci`) is read
 * at its version or range, as Helm pulls it: the repository of the same file, else one declared
 * elsewhere in the workspace (given by value; see {@link readFluxHelmRepositories}).
 *
 * Argo CD's Application (`argoproj.io`), `spec.source` or each of `spec.sources`, and an
 * ApplicationSet's template (`spec.template.spec`, where a generator's `{{…}}` is left alone): a
 * Helm chart from an OCI registry (`chart:` with a `repoURL:` written without a scheme, as Argo CD
 * asks for one, or with `oci://`) at its `targetRevision:` (a version or a range, as Helm reads them),
 * pulled as `repoURL/chart:version`; and an OCI artifact of manifests (`repoURL:
 * oci://host/repository`, no chart) at the tag or digest `targetRevision:` names. An artifact's
 * range and a chart repository's (`https://`) chart are left alone. No pin: a pin would replace
 * the version people read there.
 */
import { goRegExp } from '../../shared/go-regexp';
import { digestSlot } from './digest-slot';
import { OCI_SCHEME, ociChartSite } from './helm-chart';
import { partSiteFrom, rangeSiteFrom } from './site';
import type { ReferenceSite } from './types';
import { isMap, isSeq, mapGet, scalarSpan, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

const FLUX_SOURCES = 'source.toolkit.fluxcd.io';

export function findInFluxSources(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    if (!looksLikeOciRepository(doc)) continue;
    const spec = mapGet(doc, doc.contents, 'spec');
    const url = scalarText(doc, mapGet(doc, spec, 'url'))?.trim();
    const ref = mapGet(doc, spec, 'ref');
    if (!url?.startsWith(OCI_SCHEME) || !isMap(ref)) continue;
    const name = url.slice(OCI_SCHEME.length).replace(/\/+$/, '');
    const tag = scalarSpan(doc, mapGet(doc, ref, 'tag'), 'as-written');
    const digest = scalarSpan(doc, mapGet(doc, ref, 'digest'), 'as-written');
    const semver = scalarSpan(doc, mapGet(doc, ref, 'semver'), 'as-written');
    if (!digest?.value.trim() && semver?.value.trim()) {
      // The range decides over any tag, among the tags its filter keeps. Flux applies the filter
      // as written (not trimmed); an empty one keeps every tag.
      const tagFilter = scalarText(doc, mapGet(doc, ref, 'semverFilter')) || undefined;
      if (tagFilter === undefined || goRegExp(tagFilter))
        sites.push(rangeSiteFrom({ text, name, range: semver, reading: 'lenient', context: 'ref', ...(tagFilter ? { tagFilter } : {}) }));
      continue;
    }
    const slot = digestSlot(doc, text, ref, 'tag', { mayAddLine: true });
    sites.push(partSiteFrom({ text, name, tag, digest, context: 'ref', digestSlot: slot }));
  }
  return uniqueSites(sites);
}

/** Whether a document is a Flux OCIRepository. */
export function looksLikeOciRepository(doc: YamlDocument): boolean {
  return isKind(doc, FLUX_SOURCES, 'OCIRepository');
}

const FLUX_HELM = 'helm.toolkit.fluxcd.io';

/** A Flux HelmRepository that serves charts from an OCI registry (its `url:` is `oci://…`). */
export interface FluxHelmRepository {
  name: string;
  /** As written; often left to the Kustomization that applies the file. */
  namespace?: string;
  url: string;
}

/** The OCI HelmRepositories a file declares. */
export function readFluxHelmRepositories(docs: readonly YamlDocument[]): FluxHelmRepository[] {
  const found: FluxHelmRepository[] = [];
  for (const doc of docs) {
    if (!isKind(doc, FLUX_SOURCES, 'HelmRepository')) continue;
    const metadata = mapGet(doc, doc.contents, 'metadata');
    const name = scalarText(doc, mapGet(doc, metadata, 'name'))?.trim();
    const namespace = scalarText(doc, mapGet(doc, metadata, 'namespace'))?.trim();
    const url = scalarText(doc, mapGet(doc, mapGet(doc, doc.contents, 'spec'), 'url'))?.trim();
    if (name && url?.startsWith(OCI_SCHEME)) found.push({ name, ...(namespace ? { namespace } : {}), url });
  }
  return found;
}

/**
 * Flux HelmReleases whose chart comes from an OCI HelmRepository (`type: oci`):
 * `spec.chart.spec.chart` at its `version:` (exact, or a range such as `6.x`, which Flux resolves
 * through Helm's registry client), pulled as `url/chart:version`; and a HelmChart source, whose
 * `spec` has the same fields. The repository is looked for in
 * the same file first, then among those declared `elsewhere` in the workspace.
 */
export function findInFluxHelmReleases(
  docs: readonly YamlDocument[],
  text: string,
  elsewhere: readonly FluxHelmRepository[] = [],
): ReferenceSite[] {
  const here = readFluxHelmRepositories(docs);
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    if (here.length === 0 && elsewhere.length === 0) continue;
    // A HelmRelease's chart template, or a HelmChart source itself: the same fields.
    const spec = mapGet(doc, doc.contents, 'spec');
    const chart = isKind(doc, FLUX_HELM, 'HelmRelease')
      ? mapGet(doc, mapGet(doc, spec, 'chart'), 'spec')
      : isKind(doc, FLUX_SOURCES, 'HelmChart')
        ? spec
        : undefined;
    if (!chart) continue;
    const source = mapGet(doc, chart, 'sourceRef');
    if (scalarText(doc, mapGet(doc, source, 'kind')) !== 'HelmRepository') continue;
    const name = scalarText(doc, mapGet(doc, source, 'name'))?.trim() ?? '';
    // Flux looks in the release's own namespace unless the reference names another.
    const namespace =
      scalarText(doc, mapGet(doc, source, 'namespace'))?.trim() ||
      scalarText(doc, mapGet(doc, mapGet(doc, doc.contents, 'metadata'), 'namespace'))?.trim() ||
      undefined;
    const url = repositoryUrl(here, name, namespace) ?? repositoryUrl(elsewhere, name, namespace);
    // Flux reads the chart's name and version the way Helm does (see helm-chart.ts).
    if (url) sites.push(ociChartSite(doc, text, chart, { repository: url, nameKey: 'chart', context: 'chart' }));
  }
  return uniqueSites(sites);
}

/**
 * The URL of the repository a release names: by name, in its namespace where both say one (a
 * namespace left out is the applying Kustomization's, so it may be any); none when the
 * repositories that fit disagree.
 */
function repositoryUrl(repositories: readonly FluxHelmRepository[], name: string, namespace: string | undefined): string | undefined {
  const urls = new Set(
    repositories
      .filter((r) => r.name === name && (namespace === undefined || r.namespace === undefined || r.namespace === namespace))
      .map((r) => r.url),
  );
  return urls.size === 1 ? [...urls][0] : undefined;
}

function isKind(doc: YamlDocument, group: string, kind: string): boolean {
  const apiVersion = scalarText(doc, mapGet(doc, doc.contents, 'apiVersion'));
  return apiVersion?.split('/')[0] === group && scalarText(doc, mapGet(doc, doc.contents, 'kind')) === kind;
}

const ARGO_CD = 'argoproj.io';
/** A tag (the distribution spec's grammar) that no range syntax uses: no `*`, `x` part, `^`, `~`, `>` or space. */
const PLAIN_TAG = /^[\w][\w.-]{0,127}$/;
const WILDCARD_PART = /(^|\.)[xX*](\.|$)/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function findInArgoApplications(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    // An ApplicationSet makes Applications from its template: a literal source there is read alike.
    const spec = isKind(doc, ARGO_CD, 'Application')
      ? mapGet(doc, doc.contents, 'spec')
      : isKind(doc, ARGO_CD, 'ApplicationSet')
        ? mapGet(doc, mapGet(doc, mapGet(doc, doc.contents, 'spec'), 'template'), 'spec')
        : undefined;
    if (!spec) continue;
    const sources = mapGet(doc, spec, 'sources');
    for (const source of [mapGet(doc, spec, 'source'), ...(isSeq(sources) ? sources.items : [])]) sites.push(argoSource(doc, text, source));
  }
  return uniqueSites(sites);
}

function argoSource(doc: YamlDocument, text: string, source: unknown): ReferenceSite | undefined {
  if (!isMap(source)) return undefined;
  const repoURL = scalarText(doc, mapGet(doc, source, 'repoURL'))?.trim();
  const chart = scalarText(doc, mapGet(doc, source, 'chart'))?.trim();
  const revision = scalarSpan(doc, mapGet(doc, source, 'targetRevision'), 'as-written');
  const version = revision?.value.trim();
  if (!repoURL || !revision || !version) return undefined;
  const oci = repoURL.startsWith(OCI_SCHEME);
  // A repoURL with another scheme is a chart repository or a git one.
  if (!oci && repoURL.includes('://')) return undefined;
  // A chart is read as Helm pulls one (see helm-chart.ts), the scheme Argo CD leaves out put back.
  if (chart)
    return ociChartSite(doc, text, source, {
      repository: oci ? repoURL : `${OCI_SCHEME}${repoURL}`,
      nameKey: 'chart',
      versionKey: 'targetRevision',
      pulled: true,
      context: 'source',
    });
  // Without a chart, only an oci:// repoURL is an artifact (a schemeless one is a git host).
  if (!oci) return undefined;
  const name = repoURL.slice(OCI_SCHEME.length).replace(/\/+$/, '');
  // Argo CD takes a digest there too, and pulls it as it is.
  if (DIGEST.test(version)) return partSiteFrom({ text, name, digest: { ...revision, value: version }, context: 'source' });
  if (!PLAIN_TAG.test(version) || WILDCARD_PART.test(version)) return undefined;
  return partSiteFrom({ text, name, tag: { ...revision, value: version }, context: 'source' });
}
