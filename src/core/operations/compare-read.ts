/**
 * Reads one side of a comparison from a registry: the image manifest and its config, verified
 * against their digests. An index is resolved to one platform first (see pairPlatforms).
 */
import { CoreError } from '../errors';
import { MediaTypes } from '../oci/media-types';
import type { ImageConfig, ParsedManifest } from '../oci/manifest';
import { MAX_SMALL_BLOB_BYTES, type Repository } from '../registry/repository';
import type { ComparedImage } from './compare';

/** Image configs are a few KiB; a larger one is not read for a comparison. */
const MAX_CONFIG_BYTES = MAX_SMALL_BLOB_BYTES;

/** The config of an image manifest, parsed; `undefined` for an artifact (its config is not an image config). */
export async function readImageConfig(
  repository: Repository,
  parsed: ParsedManifest,
  signal?: AbortSignal,
): Promise<ImageConfig | undefined> {
  if (parsed.kind !== 'image') return undefined;
  const config = parsed.manifest.config;
  if (config.mediaType !== MediaTypes.ociConfig && config.mediaType !== MediaTypes.dockerConfig) return undefined;
  if (config.size > MAX_CONFIG_BYTES)
    throw new CoreError('PAYLOAD_TOO_LARGE', `The config ${config.digest} is ${config.size} bytes; configs over 4 MiB are not compared.`);
  const bytes = await repository.readSmallBlob(config, signal);
  try {
    return JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch {
    throw new CoreError('BAD_MANIFEST', `The config ${config.digest} is not JSON, so it cannot be compared.`);
  }
}

/** An image manifest (by tag or digest) with its config, ready for compareImages. */
export async function readComparedImage(repository: Repository, parsed: ParsedManifest, signal?: AbortSignal): Promise<ComparedImage> {
  if (parsed.kind !== 'image')
    throw new CoreError('UNSUPPORTED_MANIFEST', `${parsed.descriptor.digest} is an index: choose one of its platforms to compare.`);
  const config = await readImageConfig(repository, parsed, signal);
  return { digest: parsed.descriptor.digest, manifest: parsed.manifest, ...(config ? { config } : {}) };
}
