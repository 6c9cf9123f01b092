// The benchmark's images: incompressible seeded bytes declared as gzip layers (the registry never
// looks inside a layer, so this is fine for transfer timings), written once to files that both the
// source registry and the curl upload cases read.
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { curlUpload, registryFetch } from './curl';

export const MIB = 1024 * 1024;

const MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface BlobFile {
  path: string;
  digest: string;
  size: number;
  mediaType: string;
}

export interface BenchImage {
  repository: string;
  tag: string;
  layers: BlobFile[];
  config: BlobFile;
  manifest: Buffer;
  manifestDigest: string;
  totalBytes: number;
}

/**
 * Writes `size` pseudo-random bytes (an AES-CTR keystream keyed by `seed`) to a file, hashing as it
 * goes. A kept work folder (BENCH_KEEP=1) already has the file and its digest: reused as is.
 */
export async function writeSeededBlob(dir: string, seed: string, size: number): Promise<BlobFile> {
  const path = join(dir, `${seed.replace(/[^\w.-]/g, '_')}.bin`);
  const kept = await keptBlob(path, size);
  if (kept) return kept;
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const zeros = Buffer.alloc(4 * MIB);
  for (let left = size; left > 0; left -= zeros.length) {
    const chunk = cipher.update(zeros.subarray(0, Math.min(left, zeros.length)));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const blob: BlobFile = { path, digest: `sha256:${hash.digest('hex')}`, size, mediaType: MEDIA.layer };
  await writeFile(`${path}.json`, JSON.stringify(blob));
  return blob;
}

async function keptBlob(path: string, size: number): Promise<BlobFile | undefined> {
  try {
    const blob = JSON.parse(await readFile(`${path}.json`, 'utf8')) as BlobFile;
    return blob.size === size && (await stat(path)).size === size ? blob : undefined;
  } catch {
    return undefined;
  }
}

/** An image of the given layer sizes as files plus its config and OCI manifest (not yet in any registry). */
export async function buildImage(dir: string, repository: string, tag: string, layerSizes: readonly number[]): Promise<BenchImage> {
  const layers: BlobFile[] = [];
  for (const [i, size] of layerSizes.entries()) layers.push(await writeSeededBlob(dir, `${repository}-${tag}-layer-${i}`, size));
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: { Labels: { 'bench.image': `${repository}:${tag}` } },
    }),
  );
  const config = await writeBytes(dir, `${repository}-${tag}-config`, configBytes, MEDIA.config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      config: descriptorOf(config),
      layers: layers.map(descriptorOf),
    }),
  );
  const totalBytes = layers.reduce((sum, l) => sum + l.size, 0) + config.size;
  return { repository, tag, layers, config, manifest, manifestDigest: sha256(manifest), totalBytes };
}

/** Puts an image into a registry (blobs by curl, skipped when present, then the manifest under its tag). */
export async function pushImage(registryUrl: string, image: BenchImage): Promise<void> {
  for (const blob of [image.config, ...image.layers]) {
    const head = await registryFetch(`${registryUrl}/v2/${image.repository}/blobs/${blob.digest}`, { method: 'HEAD' });
    if (head.status !== 200) await curlUpload(registryUrl, image.repository, blob);
  }
  await putManifest(registryUrl, image.repository, image.tag, image.manifest);
}

export async function putManifest(registryUrl: string, repository: string, reference: string, bytes: Buffer): Promise<void> {
  const res = await registryFetch(`${registryUrl}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'content-type': MEDIA.manifest },
    // JSON text: the same bytes, and a body type fetch accepts.
    body: bytes.toString('utf8'),
  });
  if (res.status !== 201) throw new Error(`PUT manifest ${repository}:${reference} answered ${res.status}: ${await res.text()}`);
}

/** A one-layer image of a few bytes, for tagging many times. */
export async function tinyImage(dir: string, repository: string): Promise<BenchImage> {
  return buildImage(dir, repository, 'tiny', [64]);
}

function descriptorOf(blob: BlobFile): { mediaType: string; digest: string; size: number } {
  return { mediaType: blob.mediaType, digest: blob.digest, size: blob.size };
}

async function writeBytes(dir: string, name: string, bytes: Buffer, mediaType: string): Promise<BlobFile> {
  const path = join(dir, `${name.replace(/[^\w.-]/g, '_')}.bin`);
  const out = createWriteStream(path);
  out.end(bytes);
  await once(out, 'finish');
  return { path, digest: sha256(bytes), size: bytes.length, mediaType };
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
