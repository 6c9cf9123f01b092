// Small manifests with distinct digests and a creation date (the `org.opencontainers.image.created`
// annotation), pushed with plain HTTP calls: content for clean-up and comparison tests.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import type { LabRegistry } from './registry';
import { uploadBlobWhole } from './registry-http';
import { labRequest } from './request';

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

/** Pushes one manifest dated `created` under every tag in `tags`; returns its digest. */
export async function pushDated(
  registry: Pick<LabRegistry, 'url'>,
  repository: string,
  tags: string[],
  created: Date,
  note = tags.join(','),
): Promise<string> {
  const config = Buffer.from('{}');
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const head = await labRequest(`${registry.url}/v2/${repository}/blobs/${configDigest}`, { method: 'HEAD' });
  if (head.status !== 200) {
    await uploadBlobWhole(registry, repository, config, configDigest);
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: configDigest, size: config.length },
      layers: [],
      annotations: { 'org.opencontainers.image.created': created.toISOString(), 'org.example.note': note },
    }),
  );
  for (const tag of tags) {
    const res = await labRequest(`${registry.url}/v2/${repository}/manifests/${tag}`, {
      method: 'PUT',
      body: manifest,
      headers: { 'content-type': MANIFEST_TYPE },
    });
    assert.equal(res.status, 201, res.text());
  }
  return `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
}

/** What `reference` (a tag or digest) answers in `repository`: its digest, or undefined for a 404. */
export async function digestAt(registry: Pick<LabRegistry, 'url'>, repository: string, reference: string): Promise<string | undefined> {
  const res = await labRequest(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { accept: MANIFEST_TYPE },
  });
  if (res.status === 404) return undefined;
  assert.equal(res.status, 200);
  return String(res.headers['docker-content-digest']);
}

/** Days before now, as a Date. */
export function daysAgo(days: number): Date {
  return new Date(Date.now() - days * 24 * 60 * 60 * 1000);
}

/**
 * Pushes an index under `tag` whose platforms are small manifests like pushDated's (pushed by
 * digest, each noting `note` and its platform, so two indexes with different notes differ on
 * every platform they share); returns the index's digest.
 */
export async function pushDatedIndex(
  registry: Pick<LabRegistry, 'url'>,
  repository: string,
  tag: string,
  platforms: { os: string; architecture: string; variant?: string }[],
  note: string,
): Promise<string> {
  const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
  const entries = [];
  for (const platform of platforms) {
    const name = `${platform.os}-${platform.architecture}${platform.variant ? `-${platform.variant}` : ''}`;
    // Pushed under a scratch tag (Distribution needs a tag or digest), which the index then lists by digest.
    const digest = await pushDated(registry, repository, [`${tag}-${name}`], daysAgo(1), `${note} ${name}`);
    const res = await labRequest(`${registry.url}/v2/${repository}/manifests/${digest}`, {
      method: 'GET',
      headers: { accept: MANIFEST_TYPE },
    });
    entries.push({ mediaType: MANIFEST_TYPE, digest, size: res.body.length, platform });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX_TYPE, manifests: entries }));
  const put = await labRequest(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    body: index,
    headers: { 'content-type': INDEX_TYPE },
  });
  assert.equal(put.status, 201, put.text());
  return `sha256:${createHash('sha256').update(index).digest('hex')}`;
}
