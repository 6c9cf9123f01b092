/**
 * Which image of an archive to push: the one named (by its ref name, its full name, or the same
 * reference written another way: `app:1` is `docker.io/library/app:1`), else the only one. An
 * image saved under several tags is one image. Names come from the archive, so messages quote them
 * and list a bounded number.
 */
import { CoreError, quoteInput } from '../errors';
import type { Descriptor } from '../oci/manifest';
import { formatReference, parseReference } from '../name/reference';
import type { ArchiveRoot } from './archive-source';

/** Images named at most in a refusal; the rest are counted. */
const MAX_LISTED_IMAGES = 20;

/** One image of an archive with every name it is saved under (none for `docker save <image ID>`). */
export interface ArchiveImage {
  descriptor: Descriptor;
  names: string[];
}

/** The archive's images, each once, in the archive's order (one pass: a `docker save` of 10,000 tags stays linear). */
export function archiveImages(roots: readonly ArchiveRoot[]): ArchiveImage[] {
  const images = new Map<string, ArchiveImage>();
  for (const root of roots) {
    let image = images.get(root.descriptor.digest);
    if (!image) images.set(root.descriptor.digest, (image = { descriptor: root.descriptor, names: [] }));
    if (root.refName !== undefined) image.names.push(root.imageName ?? root.refName);
  }
  return [...images.values()];
}

export function chooseArchiveImage(
  roots: readonly ArchiveRoot[],
  refName: string | undefined,
  file: string,
  /** The archive's images, when the caller has them already. */
  images: readonly ArchiveImage[] = archiveImages(roots),
): Descriptor {
  const listing = (): string => {
    const shown = images
      .slice(0, MAX_LISTED_IMAGES)
      .map((i) =>
        i.names.length ? i.names.slice(0, 4).map(quoteInput).join(' = ') + (i.names.length > 4 ? ' = …' : '') : i.descriptor.digest,
      );
    const more = images.length - shown.length;
    return shown.length ? `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}` : 'none';
  };
  if (refName !== undefined) {
    const exact = roots.find((r) => r.refName === refName || r.imageName === refName);
    const wanted = exact ? undefined : canonicalName(refName);
    // A bare tag has no canonical form: it matches only as written, never another bare tag.
    const found =
      exact ??
      (wanted === undefined
        ? undefined
        : roots.find((r) => [r.refName, r.imageName].some((n) => n !== undefined && canonicalName(n) === wanted)));
    if (!found) throw new CoreError('REF_NOT_FOUND', `${file} has no image named ${quoteInput(refName)}; it has ${listing()}.`);
    return found.descriptor;
  }
  if (images.length !== 1)
    throw new CoreError('REF_AMBIGUOUS', `${file} holds ${images.length} images (${listing()}): say which one to push.`);
  return images[0]!.descriptor;
}

/** `docker.io/library/app:1` for `app:1`; undefined for a name that is no image reference (a bare tag). */
function canonicalName(name: string): string | undefined {
  if (!/[:/@]/.test(name)) return undefined;
  try {
    return formatReference(parseReference(name));
  } catch {
    return undefined;
  }
}
