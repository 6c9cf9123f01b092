/**
 * When an image was created, for the `created` tag order: the manifest's
 * `org.opencontainers.image.created` annotation when it has one (no extra request), else the image
 * config's `created` (one small blob, verified). An index is dated by its annotation or by its first
 * platform's image. Artifacts and unknown config types are not read: their date is unknown.
 */
import { pipeline } from 'node:stream';
import { core } from '../common/core-loader';
import type { Descriptor, ParsedManifest, Repository } from '../core/index';
import { parseCreated } from './tag-order';

const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/** Image configs are a few KiB; one larger than this is not worth reading for a date. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** The creation time (ms) of what `parsed` describes, or `undefined` when it does not say. */
export async function createdTimeOf(repository: Repository, parsed: ParsedManifest, signal?: AbortSignal): Promise<number | undefined> {
  const annotations = parsed.kind === 'index' ? parsed.index.annotations : parsed.manifest.annotations;
  const annotated = parseCreated(annotations?.[CREATED_ANNOTATION]);
  if (annotated !== undefined) return annotated;
  if (parsed.kind === 'index') {
    const { isAttestationEntry, manifestKindOf } = core();
    const first = parsed.index.manifests.find((m) => !isAttestationEntry(m) && manifestKindOf(m.mediaType) === 'image');
    if (!first) return undefined;
    const image = await repository.getManifest(first.digest, signal);
    // One level only: an index of indexes is dated by its own annotation or not at all.
    return image.kind === 'image' ? createdTimeOf(repository, image, signal) : undefined;
  }
  const config = parsed.manifest.config;
  if (!isImageConfig(config) || config.size > MAX_CONFIG_BYTES) return undefined;
  const json = await readJsonBlob(repository, config, signal);
  return parseCreated((json as { created?: unknown } | undefined)?.created);
}

function isImageConfig(d: Descriptor): boolean {
  const { MediaTypes } = core();
  return d.mediaType === MediaTypes.ociConfig || d.mediaType === MediaTypes.dockerConfig;
}

/** A small blob read through the digest check and parsed; `undefined` when it is not JSON. */
async function readJsonBlob(repository: Repository, descriptor: Descriptor, signal?: AbortSignal): Promise<unknown> {
  const body = await repository.openBlob(descriptor, signal);
  const verifier = core().verifyingStream(descriptor, `config ${descriptor.digest}`);
  // pipeline carries a failure of either side to the verifier, which the loop below rethrows.
  pipeline(body, verifier, () => undefined);
  const chunks: Buffer[] = [];
  for await (const chunk of verifier as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
