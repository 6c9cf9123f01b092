import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import type { LabRegistry } from './registry';
import { labRequest } from './request';

/** Pushes a tiny manifest under `repository:tag` with plain HTTP calls (monolithic upload; Basic auth when given). */
export async function pushTiny(
  registry: LabRegistry,
  repository: string,
  tags: string[],
  basicAuth?: { username: string; password: string },
): Promise<void> {
  const config = Buffer.from('{}');
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const start = await labRequest(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST', basicAuth });
  assert.equal(start.status, 202, start.text());
  const location = new URL(String(start.headers.location), registry.url);
  location.searchParams.set('digest', configDigest);
  const put = await labRequest(location.href, {
    method: 'PUT',
    body: config,
    basicAuth,
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(put.status, 201, put.text());
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: configDigest, size: config.length },
    layers: [],
  });
  for (const tag of tags) {
    const res = await labRequest(`${registry.url}/v2/${repository}/manifests/${tag}`, {
      method: 'PUT',
      body: manifest,
      basicAuth,
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(res.status, 201, res.text());
  }
}

/** Tags one tiny manifest `count` times, `parallel` PUTs at a time (the registry stores each tag as a link). */
export async function tagMany(registry: LabRegistry, repository: string, tags: string[], parallel = 16): Promise<void> {
  await pushTiny(registry, repository, ['seed']);
  const manifest = await labRequest(`${registry.url}/v2/${repository}/manifests/seed`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tags.length) {
      const tag = tags[next++] as string;
      const res = await labRequest(`${registry.url}/v2/${repository}/manifests/${tag}`, {
        method: 'PUT',
        body: manifest.body,
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(res.status, 201, res.text());
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
