// Content the size a real registry has, made fast: one repository of 1,000 tags (one manifest PUT
// under every tag, as registry-lab.md's "Making many tags fast" does with curl) whose names mix
// named, version, date-stamped and other tags; one of 30 distinct images that share a single
// config blob (no creation annotation, so the `created` order has to read the config); and 250
// more repositories (`many/repo-000`…, their blobs mounted), so the catalog spans several pages.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { OciLayout } from './oci-layout';
import { pushToRegistry } from './push';
import { registryRequest } from './registry-http';
import type { LabRegistry } from './registry';

export interface BulkContent {
  host: string;
  /** The repository of many tags, all pointing at one image. */
  tagsRepository: string;
  tags: string[];
  /** The tags of {@link tagsRepository} in the order the tree shows them (see src/views/tag-order.ts). */
  expectedOrder: { first: string[] };
  /** The repository of distinct images sharing one config. */
  sharedConfigRepository: string;
  sharedConfigTags: string[];
  configDigest: string;
  /** Every repository, in catalog order. */
  repositories: string[];
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const PUTS_AT_ONCE = 16;
const CATALOG_REPOSITORIES = 250;

/** What tests in another process need to know about the content (the lists stay here: URLs carry this). */
export interface BulkDescription extends Omit<BulkContent, 'tags' | 'repositories'> {
  tagCount: number;
  repositoryCount: number;
}

export function describeBulk(bulk: BulkContent): BulkDescription {
  const { tags, repositories, ...rest } = bulk;
  return { ...rest, tagCount: tags.length, repositoryCount: repositories.length };
}

/** The 1,000 tag names: 4 named, 300 versions, 300 date-stamped nightlies, 396 others. */
export function bulkTagNames(): string[] {
  const named = ['latest', 'stable', 'main', 'edge'];
  const versions: string[] = [];
  for (let minor = 0; minor < 20; minor++) for (let patch = 0; patch < 15; patch++) versions.push(`1.${minor}.${patch}`);
  const nightlies: string[] = [];
  for (let day = 0; day < 300; day++)
    nightlies.push(`nightly-${new Date(Date.UTC(2024, 0, 1 + day)).toISOString().slice(0, 10).replace(/-/g, '')}`);
  const others = Array.from({ length: 396 }, (_, i) => `feature-${String(i).padStart(3, '0')}`);
  return [...named, ...versions, ...nightlies, ...others];
}

export async function seedBulkContent(registry: LabRegistry): Promise<BulkContent> {
  const layout = await OciLayout.create(join(registry.lab.dir, 'content', `bulk-${randomBytes(4).toString('hex')}`));
  const tagsRepository = 'bulk/tags';
  const image = await layout.image({ seed: 'bulk-tags', layers: [8 * 1024] });
  await pushToRegistry(layout, image, registry, `${tagsRepository}:latest`);
  const tags = bulkTagNames();
  await putAll(
    registry,
    tags.filter((t) => t !== 'latest').map((tag) => ({ repository: tagsRepository, reference: tag, bytes: image.bytes })),
  );

  const sharedConfigRepository = 'bulk/shared-config';
  const base = await layout.image({ seed: 'bulk-shared-config', layers: [4 * 1024] });
  await pushToRegistry(layout, base, registry, `${sharedConfigRepository}:base`);
  const sharedConfigTags = Array.from({ length: 30 }, (_, i) => `build-${String(i).padStart(2, '0')}`);
  await putAll(
    registry,
    sharedConfigTags.map((tag, i) => {
      // The same config and layer, a different manifest each (no creation annotation: the date is in the config).
      const manifest = { ...base.manifest, annotations: { 'org.example.build': String(i) } };
      return { repository: sharedConfigRepository, reference: tag, bytes: Buffer.from(JSON.stringify(manifest)) };
    }),
  );
  const catalog = Array.from({ length: CATALOG_REPOSITORIES }, (_, i) => `many/repo-${String(i).padStart(3, '0')}`);
  await putAll(
    registry,
    catalog.map((repository) => ({ repository, reference: 'latest', bytes: image.bytes, mountFrom: tagsRepository })),
  );
  return {
    repositories: [...catalog, sharedConfigRepository, tagsRepository].sort(),
    host: registry.host,
    tagsRepository,
    tags,
    expectedOrder: { first: ['latest', 'stable', 'main', 'edge', '1.19.14', '1.19.13'] },
    sharedConfigRepository,
    sharedConfigTags: ['base', ...sharedConfigTags],
    configDigest: base.configDescriptor.digest,
  };
}

interface ManifestPut {
  repository: string;
  reference: string;
  bytes: Buffer;
  /** Mount the manifest's blobs from this repository first (a new repository has none). */
  mountFrom?: string;
}

/** PUTs manifests a few at a time, each checked. */
async function putAll(registry: LabRegistry, puts: ManifestPut[]): Promise<void> {
  const queue = [...puts];
  const worker = async (): Promise<void> => {
    for (let put = queue.shift(); put; put = queue.shift()) {
      if (put.mountFrom) await mountBlobs(registry, put);
      const res = await registryRequest(registry, `/v2/${put.repository}/manifests/${put.reference}`, {
        method: 'PUT',
        headers: { 'content-type': OCI_MANIFEST },
        body: put.bytes,
      });
      if (res.status !== 201) throw new Error(`PUT ${put.repository}:${put.reference} answered ${res.status}: ${res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: PUTS_AT_ONCE }, worker));
}

async function mountBlobs(registry: LabRegistry, put: ManifestPut): Promise<void> {
  const manifest = JSON.parse(put.bytes.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  for (const digest of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
    const res = await registryRequest(registry, `/v2/${put.repository}/blobs/uploads/?mount=${digest}&from=${put.mountFrom}`, {
      method: 'POST',
      body: '',
    });
    if (res.status !== 201) throw new Error(`mounting ${digest} into ${put.repository} answered ${res.status}: ${res.text()}`);
  }
}
