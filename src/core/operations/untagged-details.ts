/**
 * What a clean-up must know of each untagged manifest a provider lists before it plans: an index's
 * platform manifests (deleted after the index, kept with a kept one) and a referrer's subject (a
 * signature or SBOM of a manifest that stays, stays). Vendors' listings carry neither (GHCR's
 * package versions name only the digest), so each listed manifest is read, a few at a time.
 */
import type { UntaggedManifestListing } from '../providers/provider';
import type { Repository } from '../registry/repository';
import type { UntaggedManifest } from './cleanup-plan';

export interface UntaggedDetailsOptions {
  signal?: AbortSignal;
  concurrency?: number;
  /** Called after each manifest with how many of `total` are read. */
  onRead?: (done: number, total: number) => void;
}

/**
 * The listed manifests with their children and subject. One the registry no longer has is left
 * out (nothing to delete); one that cannot be read comes back marked `unreadable` with the error's
 * code, so the plan keeps it (a manifest whose subject is unknown is never deleted) and the
 * preview says why. Cancelling and login problems end the reading.
 */
export async function readUntaggedDetails(
  repository: Repository,
  listed: readonly UntaggedManifestListing[],
  options: UntaggedDetailsOptions = {},
): Promise<UntaggedManifest[]> {
  const details: (UntaggedManifest | undefined)[] = new Array<UntaggedManifest | undefined>(listed.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < listed.length) {
      const i = next++;
      const m = listed[i]!;
      try {
        const parsed = await repository.getManifest(m.digest, options.signal);
        const subject = parsed.kind === 'index' ? parsed.index.subject : parsed.manifest.subject;
        details[i] = {
          ...m,
          ...(parsed.kind === 'index' ? { children: parsed.index.manifests.map((c) => c.digest) } : {}),
          ...(subject ? { subject: subject.digest } : {}),
        };
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'CANCELLED' || options.signal?.aborted || STOPPING.has(code ?? '')) throw err;
        details[i] = GONE.has(code ?? '') ? undefined : { ...m, unreadable: code ?? 'an unexpected error' };
      }
      options.onRead?.(++done, listed.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 6, listed.length) }, worker));
  return details.filter((d): d is UntaggedManifest => d !== undefined);
}

/** Codes that say the manifest is no longer there. */
const GONE = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'HTTP_404']);

/** Codes after which no other manifest can be read either. */
const STOPPING = new Set(['NEEDS_LOGIN', 'AUTH_FAILED', 'DENIED', 'UNAUTHORIZED', 'TOKEN_REJECTED']);
