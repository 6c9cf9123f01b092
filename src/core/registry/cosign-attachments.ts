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
import type { Repository } from './repository';

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
  const base = referrersTagFor(digest);
  const found = await Promise.all(
    SUFFIXES.map(async ([kind, suffix, what]): Promise<CosignAttachment | undefined> => {
      const tag = `${base}.${suffix}`;
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
