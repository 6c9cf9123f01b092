/**
 * Image references in Kubernetes manifests: the `image:` of every entry of `containers`,
 * `initContainers` and `ephemeralContainers`, wherever the pod template sits (a Pod, a Deployment,
 * a CronJob's job template, a `List`'s items, a custom resource that embeds a pod spec), and the
 * `reference:` of an image volume (`volumes[].image`, Kubernetes 1.31 and later) or the `image:`
 * of KubeVirt's `containerDisk` volume, in every document of a multi-document file such as
 * `helm template` writes; also a Crossplane package's `spec.package` (a Provider, Configuration or
 * Function), and a KServe InferenceService's model packaged as an OCI image (a "modelcar":
 * `storageUri: oci://…`, or an `oci://` entry of `storageUris`). The pipeline resources people
 * write by hand name their images in keys of their own, read only in their API groups (elsewhere
 * a `steps:` or `script:` may mean anything): Tekton's `steps`, `sidecars` and `stepTemplate`, and
 * a StepAction's own `image`; Argo Workflows' templates' `container`, `script` and `sidecars`.
 * Local clusters' configurations are Kubernetes-shaped too: kind's `Cluster` (each node's `image`)
 * and k3d's `Simple` (its `image`, and the image of the registry it creates). Unrendered templates
 * (`{{ .Values.image }}`) are left alone.
 */
import type { Node } from 'yaml';
import type { ReferenceSite, SiteContext } from './types';
import { isMap, isSeq, mapEntries, mapGet, mapHas, scalarSite, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

/** Where a document's images are: lists of containers (each with an `image:`) and single ones. */
interface ImageKeys {
  lists: ReadonlySet<SiteContext>;
  single: ReadonlySet<SiteContext>;
  /** KServe's model locations (`storageUri`, `storageUris[].uri`), of which `oci://` ones are images (modelcars). */
  storageUris?: true;
}

const POD_LISTS: SiteContext[] = ['containers', 'initContainers', 'ephemeralContainers'];
const CORE: ImageKeys = { lists: new Set(POD_LISTS), single: new Set() };
/** Tekton Pipelines (tekton.dev): Task, Pipeline and their runs' embedded specs. */
const TEKTON: ImageKeys = { lists: new Set([...POD_LISTS, 'steps', 'sidecars']), single: new Set(['stepTemplate']) };
/** Argo Workflows (argoproj.io): a template runs a `container` or a `script`, beside `sidecars`. */
const ARGO: ImageKeys = { lists: new Set([...POD_LISTS, 'sidecars']), single: new Set(['container', 'script']) };
/** KServe (serving.kserve.io): an InferenceService's model from an OCI image, besides its containers. */
const KSERVE: ImageKeys = { ...CORE, storageUris: true };
const OCI = 'oci://';
const CROSSPLANE_PACKAGES: ReadonlySet<string> = new Set(['Provider', 'Configuration', 'Function']);
const MAX_DEPTH = 32;

export function findInKubernetes(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  const imageOf = (doc: YamlDocument, holder: unknown, context: SiteContext): void => {
    if (isMap(holder)) sites.push(scalarSite(doc, text, mapGet(doc, holder, 'image'), { context }));
  };
  const walk = (doc: YamlDocument, keys: ImageKeys, node: Node | undefined, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (isSeq(node)) {
      for (const item of node.items) walk(doc, keys, item as Node, depth + 1);
      return;
    }
    if (!isMap(node)) return;
    for (const [key, value] of mapEntries(doc, node)) {
      if (keys.lists.has(key as SiteContext) && isSeq(value)) {
        for (const container of value.items) imageOf(doc, container, key as SiteContext);
      } else if (keys.single.has(key as SiteContext) && isMap(value)) {
        imageOf(doc, value, key as SiteContext);
      } else if (keys.storageUris && (key === 'storageUri' || key === 'storageUris')) {
        const uris = key === 'storageUri' ? [value] : isSeq(value) ? value.items.map((item) => mapGet(doc, item, 'uri')) : [];
        for (const uri of uris)
          if (scalarText(doc, uri)?.startsWith(OCI)) sites.push(scalarSite(doc, text, uri, { context: 'storageUri' }, OCI.length));
      } else if (key === 'volumes' && isSeq(value)) {
        for (const volume of value.items) {
          // An image volume (ImageVolumeSource): an OCI image or artifact mounted read-only.
          const source = mapGet(doc, volume, 'image');
          if (isMap(source)) sites.push(scalarSite(doc, text, mapGet(doc, source, 'reference'), { context: 'volumes' }));
          // KubeVirt's containerDisk: a virtual machine's disk shipped as an image.
          imageOf(doc, mapGet(doc, volume, 'containerDisk'), 'volumes');
        }
      } else {
        walk(doc, keys, value, depth + 1);
      }
    }
  };
  for (const doc of docs) {
    if (!looksLikeKubernetes(doc)) continue;
    const group = scalarText(doc, mapGet(doc, doc.contents, 'apiVersion'))?.split('/')[0];
    const keys = group === 'tekton.dev' ? TEKTON : group === 'argoproj.io' ? ARGO : group === 'serving.kserve.io' ? KSERVE : CORE;
    const kind = scalarText(doc, mapGet(doc, doc.contents, 'kind'));
    // A Tekton StepAction is one step: its spec names the image itself.
    if (group === 'tekton.dev' && kind === 'StepAction') imageOf(doc, mapGet(doc, doc.contents, 'spec'), 'steps');
    // A Crossplane package (a Provider, Configuration or Function) is an OCI image.
    if (group === 'pkg.crossplane.io' && kind && CROSSPLANE_PACKAGES.has(kind))
      sites.push(scalarSite(doc, text, mapGet(doc, mapGet(doc, doc.contents, 'spec'), 'package'), { context: 'package' }));
    // Local clusters' configurations: kind's node images, and k3d's node and registry images.
    if (group === 'kind.x-k8s.io' && kind === 'Cluster') {
      const nodes = mapGet(doc, doc.contents, 'nodes');
      if (isSeq(nodes)) for (const node of nodes.items) imageOf(doc, node, 'image');
    }
    if (group === 'k3d.io' && kind === 'Simple') {
      imageOf(doc, doc.contents, 'image');
      imageOf(doc, mapGet(doc, mapGet(doc, doc.contents, 'registries'), 'create'), 'image');
    }
    walk(doc, keys, doc.contents as Node, 0);
  }
  return uniqueSites(sites);
}

/** Whether a document reads as a Kubernetes object: `apiVersion` and `kind` at the top. */
export function looksLikeKubernetes(doc: YamlDocument): boolean {
  return mapHas(doc, doc.contents, 'apiVersion') && mapHas(doc, doc.contents, 'kind');
}
