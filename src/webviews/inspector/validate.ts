/**
 * Messages from the webview are checked before anything acts on them: the page renders registry
 * data, so the host treats what comes back as untrusted too. A panel only ever reads from the
 * registry it was opened on.
 */
import { isDigest } from '../../core/oci/digest';
import { MAX_LAYER_FILE_PATH, type Location, type Method, type RequestMessage, type WebviewNotice } from './protocol';
import { isRecord } from './text';

const METHODS: ReadonlySet<Method> = new Set<Method>([
  'page',
  'imageSizes',
  'referrers',
  'imageScan',
  'listLayer',
  'layerChildren',
  'listImageFiles',
  'imageFilesChildren',
  'openJson',
  'openLayerFile',
  'saveLayerFile',
  'copy',
  'openExternal',
  'cancel',
]);

export type Incoming = RequestMessage | WebviewNotice;

/** The message if it has the protocol's shape, else undefined. Parameters are checked by `checkParams`. */
export function parseIncoming(message: unknown): Incoming | undefined {
  if (!isRecord(message)) return undefined;
  if (message.type === 'ready') return { type: 'ready' };
  if (message.type === 'rendered' && isLocation(message.location) && typeof message.title === 'string')
    return message as unknown as WebviewNotice;
  if (message.type === 'request' && Number.isSafeInteger(message.id) && METHODS.has(message.method as Method) && 'params' in message)
    return message as unknown as RequestMessage;
  return undefined;
}

/** A sentence saying what is wrong with a request's parameters, or undefined when they are fine. */
export function checkParams(request: RequestMessage, host: string): string | undefined {
  const p: unknown = request.params;
  if (!isRecord(p)) return 'The request has no parameters.';
  const samePlace = (): string | undefined => {
    if (typeof p.host !== 'string' || typeof p.repository !== 'string') return 'The request names no registry.';
    return p.host === host ? undefined : `This panel reads only from ${host}.`;
  };
  switch (request.method) {
    case 'page':
    case 'listLayer':
      if (!isLocation(p)) return 'The request names no valid location.';
      return request.method === 'listLayer' && p.kind !== 'layer' ? 'Only layers have file listings.' : samePlace();
    case 'imageSizes':
      return Array.isArray(p.digests) && p.digests.length <= 10_000 && p.digests.every((d) => typeof d === 'string' && isDigest(d))
        ? samePlace()
        : 'The request has invalid digests.';
    case 'referrers':
      return typeof p.digest === 'string' && isDigest(p.digest) ? samePlace() : 'The request has an invalid digest.';
    case 'imageScan':
      if (typeof p.digest !== 'string' || !isDigest(p.digest)) return 'The request has an invalid digest.';
      if (p.index !== undefined && (typeof p.index !== 'string' || !isDigest(p.index))) return 'The request has an invalid index digest.';
      return samePlace();
    case 'listImageFiles':
      if (!isLocation(p)) return 'The request names no valid location.';
      return p.kind === 'filesystem' ? samePlace() : "Only an image's files are listed this way.";
    case 'layerChildren':
    case 'imageFilesChildren':
      return typeof p.digest === 'string' && typeof p.path === 'string' && Number.isSafeInteger(p.offset) && (p.offset as number) >= 0
        ? undefined
        : 'The request names no directory.';
    case 'openJson':
      return typeof p.digest === 'string' && isDigest(p.digest) && (p.kind === 'manifest' || p.kind === 'blob')
        ? samePlace()
        : 'The request has an invalid digest.';
    case 'openLayerFile':
    case 'saveLayerFile':
      return layerFileProblem(p) ?? samePlace();
    case 'copy':
      return typeof p.text === 'string' && p.text.length <= 100_000 && typeof p.what === 'string' ? undefined : 'Nothing to copy.';
    case 'openExternal':
      return typeof p.url === 'string' ? undefined : 'The request has no URL.';
    case 'cancel':
      return Number.isSafeInteger(p.id) ? undefined : 'The request names nothing to cancel.';
  }
}

/**
 * What is wrong with a file of a layer as a request or a command names it (its layer's digest,
 * media type and size, and the file's path), or undefined. The registry is checked by the caller.
 */
export function layerFileProblem(p: Record<string, unknown>): string | undefined {
  if (typeof p.digest !== 'string' || !isDigest(p.digest)) return 'The request has an invalid digest.';
  if (typeof p.mediaType !== 'string' || p.mediaType.length > 255 || !Number.isSafeInteger(p.size) || (p.size as number) < 0)
    return 'The request names no valid layer.';
  return typeof p.path === 'string' && p.path.length > 0 && p.path.length <= MAX_LAYER_FILE_PATH ? undefined : 'The request names no file.';
}

export function isLocation(value: unknown): value is Location {
  if (!isRecord(value)) return false;
  const { kind, host, repository, digest } = value;
  if (typeof host !== 'string' || typeof repository !== 'string' || typeof digest !== 'string' || !isDigest(digest)) return false;
  if (kind === 'manifest')
    return (
      (value.tag === undefined || typeof value.tag === 'string') &&
      (value.via === undefined || typeof value.via === 'string') &&
      (value.index === undefined || (typeof value.index === 'string' && isDigest(value.index)))
    );
  if (kind === 'filesystem') return value.label === undefined || typeof value.label === 'string';
  if (kind !== 'blob' && kind !== 'layer') return false;
  if (!Number.isSafeInteger(value.size) || (value.size as number) < 0 || typeof value.mediaType !== 'string') return false;
  if (kind === 'layer')
    return (
      value.urls === undefined || (Array.isArray(value.urls) && value.urls.length <= 4 && value.urls.every((u) => typeof u === 'string'))
    );
  return value.role === 'config' || value.role === 'file';
}
