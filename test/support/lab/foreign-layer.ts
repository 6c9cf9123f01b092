// An image whose base layer is foreign (Docker's `rootfs.foreign.diff.tar.gzip`), as Windows
// images carry theirs: the manifest gives the layer's digest, size and `urls`, and the registry
// holds no such blob. Its other layers and config are real. Pushed with plain HTTP calls (skopeo
// would try to fetch the foreign layer from its URL); the registry must be started with
// `foreignLayers`, or Distribution refuses the manifest.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { OciLayout, sha256, type Descriptor } from './oci-layout';
import { pushToRegistry } from './push';
import type { LabRegistry } from './registry';
import { labRequest } from './request';
import { uploadBlobWhole } from './registry-http';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';

export interface ForeignLayerImage {
  repository: string;
  /** The tag of the image with the foreign layer. */
  tag: string;
  digest: string;
  /** The same image without its foreign layer (its real layers and a config of its own). */
  baseTag: string;
  /** The foreign layer, as the manifest lists it (first): never uploaded. */
  foreignLayer: Descriptor;
}

/** Pushes `repository:base` (a plain image) and `repository:tag`: a foreign layer hosted at `hostedAt`, then the base's layers. */
export async function pushForeignLayerImage(
  registry: LabRegistry,
  options: { repository: string; tag: string; hostedAt: string },
): Promise<ForeignLayerImage> {
  const { repository, tag } = options;
  const layout = await OciLayout.create(join(registry.lab.dir, 'content', `foreign-${repository.replace(/\//g, '-')}`));
  const base = await layout.image({ seed: `${repository}-base`, layers: [24 * 1024] });
  const baseTag = 'base';
  await pushToRegistry(layout, base, registry, `${repository}:${baseTag}`);

  // A digest and diff_id of bytes nobody uploads: the registry cannot serve this layer.
  const foreignLayer: Descriptor = {
    mediaType: DOCKER_FOREIGN_LAYER,
    digest: sha256(`foreign base layer of ${repository}`),
    size: 1_234_567,
    urls: [options.hostedAt],
  };
  const rootfs = base.config.rootfs as { type: string; diff_ids: string[] };
  const config = Buffer.from(
    JSON.stringify({
      ...base.config,
      rootfs: { ...rootfs, diff_ids: [sha256(`foreign base layer of ${repository}, uncompressed`), ...rootfs.diff_ids] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'Apply image 10.0.20348.2113' }, ...(base.config.history as unknown[])],
    }),
  );
  const configDescriptor = { mediaType: DOCKER_CONFIG, digest: sha256(config), size: config.length };
  await uploadBlobWhole(registry, repository, config, configDescriptor.digest);

  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: configDescriptor,
      layers: [
        foreignLayer,
        ...base.layers.map((l) => ({ mediaType: DOCKER_LAYER, digest: l.descriptor.digest, size: l.descriptor.size })),
      ],
    }),
  );
  const put = await labRequest(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': DOCKER_MANIFEST },
  });
  assert.equal(put.status, 201, `the registry took the manifest with a foreign layer: ${put.text()}`);
  return { repository, tag, digest: sha256(manifest), baseTag, foreignLayer };
}
