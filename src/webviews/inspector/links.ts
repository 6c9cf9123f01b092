/** Which page a descriptor opens: a manifest, a layer's files, or a JSON blob (config or artifact file). */
import type { Descriptor } from '../../core/oci/manifest';
import { isTarLike, manifestKindOf, MediaTypes } from '../../core/oci/media-types';
import { titleOf } from '../../core/oci/manifest';
import type { Location } from './protocol';

/** A foreign layer's URLs kept for its page: real manifests give one or two. */
const MAX_LAYER_URLS = 4;

export interface Place {
  host: string;
  repository: string;
}

export function manifestLink(place: Place, digest: string, via?: string): Location {
  return { kind: 'manifest', host: place.host, repository: place.repository, digest, ...(via ? { via } : {}) };
}

/** Image configs (OCI and Docker); anything else in a config slot is an artifact's config blob. */
export function isImageConfig(mediaType: string): boolean {
  return mediaType === MediaTypes.ociConfig || mediaType === MediaTypes.dockerConfig;
}

/**
 * `role` says where the descriptor was found: an index entry (or a referrer), a subject, a config,
 * or a layer (of an image or an artifact); `owner` is the manifest it was found in, and `label`
 * says how it was reached ("layer 2 of 3 in …", "linux/amd64 in apps/web:v1").
 */
export function descriptorLink(
  place: Place,
  d: Descriptor,
  role: 'entry' | 'config' | 'layer' | 'subject',
  owner?: string,
  label?: string,
): Location {
  if (role === 'entry' || role === 'subject' || manifestKindOf(d.mediaType)) return manifestLink(place, d.digest, label);
  if (role === 'layer' && isTarLike(d.mediaType)) {
    return {
      kind: 'layer',
      host: place.host,
      repository: place.repository,
      digest: d.digest,
      size: d.size,
      mediaType: d.mediaType,
      ...(Array.isArray(d.urls) ? { urls: d.urls.filter((u): u is string => typeof u === 'string').slice(0, MAX_LAYER_URLS) } : {}),
      ...(label ? { label } : {}),
    };
  }
  const title = titleOf(d);
  return {
    kind: 'blob',
    host: place.host,
    repository: place.repository,
    digest: d.digest,
    size: d.size,
    mediaType: d.mediaType,
    role: role === 'config' ? 'config' : 'file',
    ...(owner ? { manifestDigest: owner } : {}),
    ...(title ? { title } : {}),
  };
}
