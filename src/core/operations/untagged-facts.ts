/**
 * What a clean-up needs to know about each untagged manifest a provider listed, read from the
 * manifest itself: for an index, the platforms it lists; for a referrer (a signature, an SBOM), the
 * manifest it refers to (`subject`). The plan protects a kept manifest's referrers and a kept
 * index's platforms with these (cleanup-plan.ts), whichever vendor's API did the listing.
 */
import { CoreError } from '../errors';
import type { UntaggedManifestListing } from '../providers/provider';
import type { Repository } from '../registry/repository';
import type { UntaggedManifest } from './cleanup-plan';

export interface UntaggedFactsOptions {
  signal?: AbortSignal;
  /** Manifests read at once (default 6). */
  concurrency?: number;
}

/**
 * Each listed manifest with its children and subject. One that cannot be read is returned as
 * listed: the registry lists it untagged, and nothing read says that anything needs it.
 */
export async function readUntaggedFacts(
  repository: Repository,
  listed: readonly UntaggedManifestListing[],
  options: UntaggedFactsOptions = {},
): Promise<UntaggedManifest[]> {
  const facts: UntaggedManifest[] = listed.map((m) => ({ ...m }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < facts.length) {
      const entry = facts[next++]!;
      if (options.signal?.aborted) throw new CoreError('CANCELLED', 'Reading the untagged manifests was cancelled.');
      try {
        const parsed = await repository.getManifest(entry.digest, options.signal);
        if (parsed.kind === 'index') {
          entry.children = parsed.index.manifests.map((m) => m.digest);
          if (parsed.index.subject) entry.subject = parsed.index.subject.digest;
        } else if (parsed.manifest.subject) entry.subject = parsed.manifest.subject.digest;
      } catch (err) {
        if ((err as { code?: string }).code === 'CANCELLED' || options.signal?.aborted) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 6, facts.length) }, worker));
  return facts;
}
