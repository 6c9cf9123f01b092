/**
 * When an image was created, for the `created` tag order: the manifest's
 * `org.opencontainers.image.created` annotation when it has one (no extra request), else the image
 * config's `created` (one small blob, verified). An index is dated by its annotation or by its first
 * platform's image. Artifacts and unknown config types are not read: their date is unknown.
 * Manifests and configs come through the content cache, so tags that share an image or a config
 * cost one request between them.
 */
import { core } from '../common/core-loader';
import type { ContentCache } from '../common/content-cache';
import type { Descriptor, ParsedManifest, Repository } from '../core/index';
import { parseCreated } from './tag-order';

const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/** Image configs are a few KiB; one larger than this is not worth reading for a date. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** The creation time (ms) of what `parsed` describes, or `undefined` when it does not say. */
export async function createdTimeOf(
  repository: Repository,
  parsed: ParsedManifest,
  content: ContentCache,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const annotations = parsed.kind === 'index' ? parsed.index.annotations : parsed.manifest.annotations;
  const annotated = parseCreated(annotations?.[CREATED_ANNOTATION]);
  if (annotated !== undefined) return annotated;
  if (parsed.kind === 'index') {
    const { isAttestationEntry, manifestKindOf } = core();
    const first = parsed.index.manifests.find((m) => !isAttestationEntry(m) && manifestKindOf(m.mediaType) === 'image');
    if (!first) return undefined;
    const image = await content.manifest(repository, first.digest, signal);
    // One level only: an index of indexes is dated by its own annotation or not at all.
    return image.kind === 'image' ? createdTimeOf(repository, image, content, signal) : undefined;
  }
  const config = parsed.manifest.config;
  if (!isImageConfig(config) || config.size > MAX_CONFIG_BYTES) return undefined;
  const blob = await content.json(repository, config, signal);
  return parseCreated((blob.json as { created?: unknown } | undefined)?.created);
}

function isImageConfig(d: Descriptor): boolean {
  const { MediaTypes } = core();
  return d.mediaType === MediaTypes.ociConfig || d.mediaType === MediaTypes.dockerConfig;
}
