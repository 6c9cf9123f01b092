/**
 * What lenses and diagnostics say about a reference, from the cached answers: whether the tag or
 * digest exists (for `repo:tag@digest` the digest, which is what gets pulled), a newer tag of the same scheme, where a pinned tag points now, or why the registry
 * could not say. A tag's existence comes from the repository's tag listing, so one listing answers
 * for every tag of a repository in the file; a manifest request is made only for a pinned tag (where
 * does it point now?), a digest, or a tag a cut listing does not show. Pure: no vscode.
 */
import { errorText } from '../../common/error-text';
import type { AskOptions, RegistryAnswers } from '../../common/registry-answers';
import type { Remedy } from '../../core/index';
import { goRegExp } from '../../shared/go-regexp';
import { newerTag } from '../../shared/newer-tag';
import { chooseTag, parseVersionRange } from '../../shared/version-range';
import { factsKey } from '../references/index';
import type { ReferenceSite } from '../references/types';

/** A fix a diagnostic offers as a quick fix. */
export type RegistryFixKind = 'logIn' | 'markInsecure';

export type SiteFacts =
  | {
      state: 'found';
      /**
       * A newer tag written like this one, when the tag is version-like; for a version range, the
       * newest release, when the range does not reach it.
       */
      newerTag?: string;
      /** For a version range: the tag it picks now. */
      rangeTag?: string;
      /** For a version range: the listing was cut, so the pick is of the tags listed. */
      rangeOfCutListing?: true;
      /** For `repo:tag@digest`: the digest the tag points at now (`undefined` when not asked, see the budget). */
      tagDigest?: string;
      /** For `repo:tag@digest`: the pinned digest exists but the tag does not any more. */
      tagGone?: true;
    }
  | { state: 'missing'; message: string }
  | { state: 'unavailable'; host: string; code: string; message: string; fix?: RegistryFixKind }
  /** A rate-limited registry's budget for this period is spent: not asked. */
  | { state: 'deferred' };

/** Codes that mean the tag, digest or repository is not there. */
const MISSING = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'BLOB_UNKNOWN', 'HTTP_404']);
/** Codes that mean a (better) login is needed. */
const NEEDS_LOGIN = new Set(['NEEDS_LOGIN', 'AUTH_FAILED', 'UNAUTHORIZED', 'DENIED']);

const codeOf = (err: unknown): string => String((err as { code?: unknown } | undefined)?.code ?? 'ERROR');

export async function factsFor(site: ReferenceSite, answers: RegistryAnswers, options: AskOptions): Promise<SiteFacts> {
  const { registry: host, repository, tag, digest } = site.parsed;
  const display = `${host}/${repository}`;
  try {
    if (site.versionRange) return await rangeFacts(site.versionRange);
    if (tag === undefined && digest !== undefined) {
      const found = await answers.descriptor(host, repository, digest, options);
      return found ? { state: 'found' } : { state: 'deferred' };
    }
    if (digest === undefined) return await tagFacts(tag ?? 'latest');
    // `repo:tag@digest`: Docker, BuildKit and Kubernetes pull the digest and ignore the tag, so the
    // digest decides whether the reference works and a tag gone since is only a note. A tag that
    // still points at the pin answers for the digest without another request.
    const facts = await tagFacts(tag!).catch((err: unknown) => {
      if (MISSING.has(codeOf(err)) && codeOf(err) !== 'NAME_UNKNOWN') return undefined;
      throw err;
    });
    if (facts?.state === 'found' && facts.tagDigest === digest) return facts;
    const pinned = await answers.descriptor(host, repository, digest, options).catch((err: unknown) => {
      if (MISSING.has(codeOf(err)) && codeOf(err) !== 'NAME_UNKNOWN') return null;
      throw err;
    });
    if (pinned === null) return { state: 'missing', message: `Digest ${digest} does not exist in ${display}.` };
    // Not asked (a rate-limited registry's budget is spent): what the tag says, for now.
    if (!pinned) return facts && facts.state !== 'missing' ? facts : { state: 'deferred' };
    return !facts || facts.state === 'missing' ? { state: 'found', tagGone: true } : facts;
  } catch (err) {
    if (codeOf(err) === 'CANCELLED') throw err;
    return failureFacts(err, site);
  }

  /** Which tag a range picks from the repository's tags, or that none matches (only a listing read to its end says so). */
  async function rangeFacts(written: NonNullable<ReferenceSite['versionRange']>): Promise<SiteFacts> {
    const range = parseVersionRange(written.text);
    const filter = written.tagFilter !== undefined ? goRegExp(written.tagFilter) : undefined;
    const listing = await answers.tags(host, repository, options);
    if (!range || !listing || (written.tagFilter !== undefined && !filter)) return { state: 'deferred' };
    const tags = filter ? listing.tags.filter((tag) => filter.test(tag)) : listing.tags;
    const choice = chooseTag(range, tags, written.reading);
    if (choice.tag === undefined) {
      if (!listing.complete) return { state: 'deferred' };
      const among = filter ? ` among the tags its filter ${written.tagFilter} keeps` : '';
      const newest = choice.newest
        ? ` The newest is ${choice.newest}.`
        : filter && !tags.length
          ? ' The filter keeps none of its tags.'
          : written.reading === 'helm'
            ? ' None of its tags is a version as Helm reads them (SemVer, with no v before it).'
            : ` None of ${filter ? 'those' : 'its'} tags is a version.`;
      return { state: 'missing', message: `No version of ${display}${among} matches ${written.text}.${newest}` };
    }
    return {
      state: 'found',
      rangeTag: choice.tag,
      ...(choice.newest ? { newerTag: choice.newest } : {}),
      ...(listing.complete ? {} : { rangeOfCutListing: true as const }),
    };
  }

  /** What the tag says: whether it exists, a newer one of its scheme, and (when pinned) where it points now. */
  async function tagFacts(wanted: string): Promise<SiteFacts> {
    const listing = await answers.tags(host, repository, options).catch((err: unknown) => {
      // A registry that will not list tags may still answer for one: ask for the tag itself.
      if (MISSING.has(codeOf(err)) || NEEDS_LOGIN.has(codeOf(err)) || codeOf(err) === 'CANCELLED') throw err;
      return null;
    });
    if (listing === undefined) return { state: 'deferred' };
    if (listing && !listing.tags.includes(wanted) && listing.complete)
      return { state: 'missing', message: `Tag ${wanted} does not exist in ${display}.` };
    if (!listing || !listing.tags.includes(wanted)) {
      const found = await answers.descriptor(host, repository, wanted, options);
      if (!found) return { state: 'deferred' };
    }
    const facts: SiteFacts & { state: 'found' } = { state: 'found' };
    const newer = listing ? newerTag(wanted, listing.tags) : undefined;
    if (newer) facts.newerTag = newer;
    if (digest !== undefined) {
      const now = await answers.descriptor(host, repository, wanted, options);
      if (now) facts.tagDigest = now.digest;
    }
    return facts;
  }
}

/** A failure as facts: not there (a warning), or the registry could not say (information, with its fix). */
export function failureFacts(err: unknown, site: ReferenceSite): SiteFacts {
  const { registry: host, repository, tag, digest } = site.parsed;
  const code = codeOf(err);
  if (MISSING.has(code)) {
    const message =
      code === 'NAME_UNKNOWN'
        ? `Repository ${repository} does not exist in ${host}.`
        : tag === undefined && digest !== undefined
          ? `Digest ${digest} does not exist in ${host}/${repository}.`
          : `Tag ${tag ?? 'latest'} does not exist in ${host}/${repository}.`;
    return { state: 'missing', message };
  }
  const remedy = (err as { remedy?: Remedy } | undefined)?.remedy;
  const fix: RegistryFixKind | undefined =
    remedy?.kind === 'treat-as-insecure' ? 'markInsecure' : NEEDS_LOGIN.has(code) || remedy?.kind === 'log-in' ? 'logIn' : undefined;
  return { state: 'unavailable', host, code, message: errorText(err), ...(fix ? { fix } : {}) };
}

/** A range's site as the tag it picks: what a hover describes. */
export function pickedSite(site: ReferenceSite, tag: string): ReferenceSite {
  return { ...site, reference: `${site.reference}:${tag}`, parsed: { ...site.parsed, tag } };
}

/**
 * Facts for each distinct reference among `sites` (by {@link factsKey}), `concurrency` lookups at a time: what the editor
 * does for the references in view (and the benchmark measures). Cancellations are left out.
 */
export async function lookUpSites(
  sites: readonly ReferenceSite[],
  answers: RegistryAnswers,
  options: AskOptions & { concurrency: number; onFacts?: (site: ReferenceSite, facts: SiteFacts) => void },
): Promise<Map<string, SiteFacts>> {
  const distinct = new Map<string, ReferenceSite>();
  for (const site of sites) if (!distinct.has(factsKey(site))) distinct.set(factsKey(site), site);
  const queue = [...distinct.values()];
  const found = new Map<string, SiteFacts>();
  const worker = async (): Promise<void> => {
    for (let site = queue.shift(); site; site = queue.shift()) {
      try {
        const facts = await factsFor(site, answers, options);
        found.set(factsKey(site), facts);
        options.onFacts?.(site, facts);
      } catch (err) {
        if (codeOf(err) !== 'CANCELLED') throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
  return found;
}
