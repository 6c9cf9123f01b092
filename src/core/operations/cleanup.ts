/**
 * Carries out a clean-up plan (cleanup-plan.ts) on one repository, one deletion at a time, and
 * says what happened to each: removed, failed (why), skipped because a tag moved since the preview,
 * or not attempted because the user cancelled. Also reads the facts a plan needs, and asks the
 * registry up front whether it allows deletes at all.
 */
import { CoreError } from '../errors';
import type { Repository } from '../registry/repository';
import type { UntaggedManifestListing } from '../providers/provider';
import type { CleanupPlan, ManifestDeletion, TagDeletion, TagFacts, UntaggedManifest } from './cleanup-plan';

/** One request a clean-up sends: a tag removed alone, or a manifest deleted by digest with its tags. */
export type CleanupStep =
  | ({ kind: 'tag' } & TagDeletion)
  | ({ kind: 'manifest' } & ManifestDeletion)
  | ({ kind: 'untagged' } & Pick<UntaggedManifest, 'digest' | 'size' | 'created'>);

export interface StepOutcome {
  step: CleanupStep;
  /** `skipped`: a tag no longer points where the preview said, so the step was not sent. */
  outcome: 'deleted' | 'failed' | 'skipped' | 'not-attempted';
  /** Why it failed or was skipped, as a sentence. */
  reason?: string;
}

export interface CleanupReport {
  /** True when the user cancelled before every step ran. */
  cancelled: boolean;
  steps: StepOutcome[];
  totals: { deleted: number; failed: number; skipped: number; notAttempted: number };
}

export interface CleanupRunOptions {
  signal?: AbortSignal;
  /** Called after each step with how many of `total` are done. */
  onStep?: (done: number, total: number, outcome: StepOutcome) => void;
  /**
   * Lists the repository's untagged manifests again (the provider's listing). Asked once, just
   * before the first untagged manifest is deleted: one tagged (or gone) since the preview is
   * skipped. Without it, or when it fails, no untagged manifest is deleted.
   */
  untaggedNow?: (signal?: AbortSignal) => Promise<readonly UntaggedManifestListing[]>;
  /**
   * Deletes a manifest by digest through the vendor's API (ProviderClient.deleteManifest) where the
   * Distribution API's delete does not work; without it, `repository.deleteManifest`.
   */
  deleteManifest?: ManifestDeleter;
}

/**
 * A vendor's delete of one manifest by digest in the repository being cleaned up; with `deleteTag`
 * when the vendor also removes a tag alone (ECR), which a tag-only removal then uses instead of a
 * throwaway manifest.
 */
export type ManifestDeleter = ((digest: string, signal?: AbortSignal) => Promise<void>) & {
  readonly deleteTag?: (tag: string, signal?: AbortSignal) => Promise<void>;
};

/**
 * The plan's requests in the order they are sent: tag-only removals first (they keep shared
 * manifests), then manifests, then untagged manifests (indexes before the platforms they list).
 */
export function cleanupSteps(plan: CleanupPlan): CleanupStep[] {
  const untagged = plan.untagged.listed ? plan.untagged.deletions : [];
  return [
    ...plan.tagDeletions.map((t) => ({ kind: 'tag' as const, ...t })),
    ...plan.manifests.map((m) => ({ kind: 'manifest' as const, ...m })),
    ...[...untagged.filter((m) => m.children), ...untagged.filter((m) => !m.children)].map((m) => ({
      kind: 'untagged' as const,
      digest: m.digest,
      ...(m.size !== undefined ? { size: m.size } : {}),
      ...(m.created !== undefined ? { created: m.created } : {}),
    })),
  ];
}

/**
 * Sends the plan's deletions. Before each one, the tags it removes are resolved again: one that now
 * points elsewhere skips the step (the preview no longer describes it); untagged manifests are
 * deleted only if the registry still lists them as untagged (`untaggedNow`). Cancelling stops before
 * the next step; a failure is recorded and the rest still run, except DELETE_DISABLED and login
 * problems, which stop the run (every later step would fail the same way).
 */
export async function runCleanup(repository: Repository, plan: CleanupPlan, options: CleanupRunOptions = {}): Promise<CleanupReport> {
  const steps = cleanupSteps(plan);
  const outcomes: StepOutcome[] = [];
  let stopped: string | undefined;
  let stillUntagged: Promise<Set<string> | string> | undefined;
  for (const step of steps) {
    if (options.signal?.aborted || stopped) {
      outcomes.push({ step, outcome: 'not-attempted', ...(stopped ? { reason: stopped } : {}) });
      continue;
    }
    let outcome: Outcome;
    if (step.kind === 'untagged') {
      stillUntagged ??= listUntaggedAgain(options);
      const now = await stillUntagged;
      outcome = options.signal?.aborted
        ? { step, outcome: 'not-attempted', reason: 'cancelled before it was sent' }
        : typeof now === 'string'
          ? { step, outcome: 'skipped', reason: now }
          : now.has(step.digest)
            ? await runStep(repository, step, options)
            : { step, outcome: 'skipped', reason: 'the registry no longer lists it as untagged (a tag points at it now, or it is gone)' };
    } else outcome = await runStep(repository, step, options);
    outcomes.push(outcome);
    if (outcome.outcome === 'failed' && outcome.code && STOPPING.has(outcome.code))
      stopped = `not sent after an earlier failure: ${outcome.reason}`;
    options.onStep?.(outcomes.length, steps.length, stripCode(outcome));
  }
  const count = (o: StepOutcome['outcome']) => outcomes.filter((s) => s.outcome === o).length;
  return {
    cancelled: options.signal?.aborted === true && count('not-attempted') > 0,
    steps: outcomes.map(stripCode),
    totals: { deleted: count('deleted'), failed: count('failed'), skipped: count('skipped'), notAttempted: count('not-attempted') },
  };
}

/** The digests the registry lists as untagged now, or why they could not be checked (a sentence). */
async function listUntaggedAgain(options: CleanupRunOptions): Promise<Set<string> | string> {
  if (!options.untaggedNow) return 'not checked again before deleting, so not deleted';
  try {
    return new Set((await options.untaggedNow(options.signal)).map((m) => m.digest));
  } catch (err) {
    return `could not list the untagged manifests again before deleting (${(err as Error).message}), so not deleted`;
  }
}

/** Codes after which no later deletion can succeed. */
const STOPPING = new Set(['DELETE_DISABLED', 'NEEDS_LOGIN', 'AUTH_FAILED', 'DENIED', 'UNAUTHORIZED']);

type Outcome = StepOutcome & { code?: string };

function stripCode({ step, outcome, reason }: Outcome): StepOutcome {
  return { step, outcome, ...(reason !== undefined ? { reason } : {}) };
}

async function runStep(repository: Repository, step: CleanupStep, options: CleanupRunOptions): Promise<Outcome> {
  const signal = options.signal;
  try {
    const tags = step.kind === 'tag' ? [step.tag] : step.kind === 'manifest' ? step.tags : [];
    for (const tag of tags) {
      const now = await repository.resolve(tag, signal).catch((err: unknown) => {
        if ((err as { code?: string }).code === 'MANIFEST_UNKNOWN') return undefined;
        throw err;
      });
      if (now?.digest !== step.digest)
        return {
          step,
          outcome: 'skipped',
          reason: now ? `tag "${tag}" now points at ${now.digest}, not the previewed manifest` : `tag "${tag}" is gone already`,
        };
    }
    if (step.kind === 'tag') await repository.deleteTag(step.tag, signal, options.deleteManifest);
    else if (options.deleteManifest) await options.deleteManifest(step.digest, signal);
    else await repository.deleteManifest(step.digest, signal);
    return { step, outcome: 'deleted' };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'CANCELLED' || signal?.aborted)
      return { step, outcome: 'not-attempted', reason: 'cancelled while it was being sent; check the repository to see whether it went' };
    return { step, outcome: 'failed', reason: (err as Error).message, ...(code ? { code } : {}) };
  }
}

/** A digest no registry can hold: a DELETE of it shows whether deletes are allowed without removing anything. */
const NO_SUCH_MANIFEST = `sha256:${'0'.repeat(64)}`;

/**
 * Throws DELETE_DISABLED (with how to enable deletes) when the registry refuses deletes, and any
 * login problem as it comes; resolves when a delete would be accepted. The probe deletes a digest
 * that cannot exist, so it changes nothing; through `deleteManifest` (the vendor's API) when given:
 * there the Distribution API's delete would say "unsupported".
 */
export async function checkDeletesAllowed(repository: Repository, signal?: AbortSignal, deleteManifest?: ManifestDeleter): Promise<void> {
  try {
    if (deleteManifest) await deleteManifest(NO_SUCH_MANIFEST, signal);
    else await repository.deleteManifest(NO_SUCH_MANIFEST, signal);
  } catch (err) {
    if (!(err instanceof CoreError)) throw err;
    const status = (err as { status?: number }).status;
    if (err.code === 'MANIFEST_UNKNOWN' || err.code === 'NAME_UNKNOWN' || status === 404) return;
    throw err;
  }
}

/** At most this many tags are read for one clean-up unless the caller asks for fewer or more. */
export const CLEANUP_TAG_LIMIT = 10_000;

/** The tags a clean-up read: at most the limit, and whether that was every tag of the repository. */
export interface TagListing {
  tags: string[];
  /** False when the repository has more tags than were read. */
  complete: boolean;
}

export interface TagListingOptions {
  /** Tags read at most (default CLEANUP_TAG_LIMIT). */
  limit?: number;
  signal?: AbortSignal;
  /** Called after each page with how many tags are read so far. */
  onCount?: (read: number) => void;
}

/**
 * Reads tags page by page up to a limit (a repository with millions of tags must not hold a
 * clean-up, or memory, hostage), stopping between pages when `signal` is aborted. Reading one page
 * past the limit tells whether there were more.
 */
export async function readCleanupTags(pages: AsyncIterable<string[]>, options: TagListingOptions = {}): Promise<TagListing> {
  const limit = Math.max(1, options.limit ?? CLEANUP_TAG_LIMIT);
  const tags: string[] = [];
  let complete = true;
  for await (const page of pages) {
    if (options.signal?.aborted) throw new CoreError('CANCELLED', 'Reading the tags was cancelled.');
    const room = limit - tags.length;
    if (page.length > room) {
      for (const tag of page.slice(0, room)) tags.push(tag);
      complete = false;
      break;
    }
    for (const tag of page) tags.push(tag);
    options.onCount?.(tags.length);
  }
  if (options.signal?.aborted) throw new CoreError('CANCELLED', 'Reading the tags was cancelled.');
  return { tags, complete };
}

export interface FactsOptions {
  signal?: AbortSignal;
  concurrency?: number;
  /** The creation time of a manifest (the tree's own reader, so dates agree with what it shows). */
  createdOf?: (parsed: Awaited<ReturnType<Repository['getManifest']>>) => Promise<number | undefined>;
  onTag?: (done: number, total: number) => void;
}

/** Reads each tag's digest, date and (for an index) children, a few at a time; an unreadable tag has no digest. */
export async function readTagFacts(repository: Repository, tags: readonly string[], options: FactsOptions = {}): Promise<TagFacts[]> {
  const facts: TagFacts[] = new Array<TagFacts>(tags.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < tags.length) {
      const i = next++;
      const tag = tags[i]!;
      if (options.signal?.aborted) throw new CoreError('CANCELLED', 'Reading the tags was cancelled.');
      try {
        const parsed = await repository.getManifest(tag, options.signal);
        const created = await options.createdOf?.(parsed).catch(() => undefined);
        facts[i] = {
          tag,
          digest: parsed.descriptor.digest,
          ...(created !== undefined ? { created } : {}),
          ...(parsed.kind === 'index' ? { children: parsed.index.manifests.map((m) => m.digest) } : {}),
        };
      } catch (err) {
        if ((err as { code?: string }).code === 'CANCELLED' || options.signal?.aborted) throw err;
        facts[i] = { tag };
      }
      options.onTag?.(++done, tags.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 6, tags.length) }, worker));
  return facts;
}
