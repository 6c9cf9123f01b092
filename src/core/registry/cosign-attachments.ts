/**
 * cosign's tag-based attachments of a manifest: without OCI 1.1 referrers (cosign's default before
 * v3, and what most signed public images still carry), `cosign sign` pushes the signature under
 * the tag `sha256-<hex>.sig`, `cosign attest` its attestations under `.att`, and `cosign attach
 * sbom` an SBOM under `.sbom`, all beside the image in its repository. They are found by name, one
 * HEAD each; a tag that is not there is simply no attachment.
 */
import { referrersTagFor } from '../oci/digest';
import type { Descriptor } from '../oci/manifest';
import { isManifestMissing } from './registry-errors';
import type { ReferrersResult, Repository } from './repository';

export type CosignAttachmentKind = 'signature' | 'attestations' | 'sbom';

export interface CosignAttachment {
  kind: CosignAttachmentKind;
  /** What people call it: `cosign signature (.sig tag)`. */
  name: string;
  /** `sha256-<hex>.sig`. */
  tag: string;
  descriptor: Descriptor;
}

const SUFFIXES: readonly (readonly [CosignAttachmentKind, string, string])[] = [
  ['signature', 'sig', 'cosign signature'],
  ['attestations', 'att', 'cosign attestations'],
  ['sbom', 'sbom', 'cosign SBOM'],
];

/**
 * The attachments cosign's tags hold for `digest`, in the order signature, attestations, SBOM.
 * A refusal or a failure other than a missing tag is thrown, as any listing's would be.
 */
export async function cosignAttachments(repository: Repository, digest: string, signal?: AbortSignal): Promise<CosignAttachment[]> {
  const found = await Promise.all(
    SUFFIXES.map(async ([kind, suffix, what]): Promise<CosignAttachment | undefined> => {
      const tag = cosignTagFor(digest, kind);
      try {
        return { kind, name: `${what} (.${suffix} tag)`, tag, descriptor: await repository.resolve(tag, signal) };
      } catch (err) {
        if (isManifestMissing(err)) return undefined;
        throw err;
      }
    }),
  );
  return found.filter((a): a is CosignAttachment => a !== undefined);
}

/** The tag cosign keeps `kind` of `digest` under: `sha256-<hex>.att` for its attestations. */
export function cosignTagFor(digest: string, kind: CosignAttachmentKind): string {
  return `${referrersTagFor(digest)}.${SUFFIXES.find(([k]) => k === kind)![1]}`;
}

/** A manifest's OCI referrers and cosign's tags, as the tree and the inspector list them together. */
export interface ReferrersAndAttachments extends ReferrersResult {
  attachments: CosignAttachment[];
  /** Why cosign's tags could not be read; the referrers are listed all the same. */
  attachmentsFailure?: unknown;
}

/**
 * Both lists at once. A failure to read cosign's tags does not hide the referrers: it is returned
 * beside them (a cancellation is thrown, as is any failure of the referrers listing).
 */
export async function referrersAndAttachments(
  repository: Repository,
  digest: string,
  signal?: AbortSignal,
): Promise<ReferrersAndAttachments> {
  let attachmentsFailure: unknown;
  const [listed, attachments] = await Promise.all([
    repository.referrers(digest, signal ? { signal } : {}),
    cosignAttachments(repository, digest, signal).catch((err: unknown): CosignAttachment[] => {
      if (signal?.aborted) throw err;
      attachmentsFailure = err;
      return [];
    }),
  ]);
  return { ...listed, attachments, ...(attachmentsFailure !== undefined ? { attachmentsFailure } : {}) };
}
