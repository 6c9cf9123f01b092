/**
 * Answers about tags and references, cached per registry and repository for a configurable time,
 * for everything on the extension host that asks them (the editor features now; the tree can list
 * through it too). Content by digest never changes and is cached elsewhere; a tag's listing and
 * what a tag points at do change, so these answers expire. Failures are cached like answers, so a
 * registry that is down or refuses is not asked again on every scroll.
 *
 * Concurrent askers of one answer share one fetch, aborted only when all of them have gone.
 * Registries with pull limits (Docker Hub) get a budget: lookups nobody asked for (lenses and
 * diagnostics) spend at most one tag listing and one manifest request per repository per period;
 * what a person asks for (a hover, a click, a completion they invoked) is never refused, and counts.
 *
 * Pure: the requests come from an {@link AnswerSource} the registry service builds on its session.
 */
import type { Descriptor, RegistrySession } from '../core/index';
import { cancelledWait, joinSharedFetch, startSharedFetch, type SharedFetch } from './shared-fetch';

/** A listing longer than this is cut (and marked incomplete): enough for any real repository's tags. */
const MAX_LISTED_TAGS = 10_000;

/** A repository's tags as listed, with whether the listing was read to its end. */
export interface TagListing {
  tags: readonly string[];
  /** False when the listing was cut at the limit: a tag not in it may still exist. */
  complete: boolean;
}

/** Where answers come from (the registry service's session). */
export interface AnswerSource {
  listTags(host: string, repository: string, signal: AbortSignal): Promise<TagListing>;
  /** What a tag or digest points at (a HEAD request where the registry allows it). */
  resolve(host: string, repository: string, reference: string, signal: AbortSignal): Promise<Descriptor>;
}

/**
 * Answers from a session: every page of a tag listing (up to the limit, or until the core cuts a
 * listing without end), and HEAD-first resolution. `note` gets, once per listing, how many names
 * the registry listed that are not tags, and why a listing was cut.
 */
export function answerSourceFor(session: () => RegistrySession, note: (line: string) => void = () => undefined): AnswerSource {
  return {
    async listTags(host, repository, signal) {
      const tags: string[] = [];
      let leftOut = 0;
      let complete = true;
      for await (const page of session().registry(host).tagPages(repository, { pageSize: 1000, signal })) {
        for (const name of page.names) tags.push(name);
        leftOut += page.leftOut ?? 0;
        if (page.cut) {
          note(`${host}/${repository}: ${page.cut}`);
          complete = false;
        }
        if (tags.length >= MAX_LISTED_TAGS) {
          complete = false;
          break;
        }
      }
      if (leftOut > 0) note(`${host}/${repository}: left out ${leftOut} of the tags the registry listed, as they are not valid tag names.`);
      return { tags: complete ? tags : tags.slice(0, MAX_LISTED_TAGS), complete };
    },
    resolve: (host, repository, reference, signal) => session().registry(host).repository(repository).resolve(reference, signal),
  };
}

export interface AnswerPolicy {
  /** How long an answer (or a failure) is kept. */
  ttlMs: number;
  /** Registries whose requests count against a pull limit: their automatic lookups are budgeted. */
  rateLimited(host: string): boolean;
}

/** Who is asking: a person (hover, click, invoked completion) or the editor on its own (lenses, diagnostics). */
export type Asker = 'person' | 'automatic';

export interface AskOptions {
  asker: Asker;
  signal?: AbortSignal;
}

interface Entry<V> {
  expires: number;
  outcome?: { ok: true; value: V } | { ok: false; error: unknown };
  pending?: SharedFetch<V>;
}

/** What a repository's automatic lookups have spent in the current period. */
interface Spent {
  until: number;
  listings: number;
  manifests: number;
}

const isCancellation = (err: unknown): boolean => (err as { code?: unknown } | undefined)?.code === 'CANCELLED';

export class RegistryAnswers {
  private readonly tagEntries = new Map<string, Entry<TagListing>>();
  private readonly descriptorEntries = new Map<string, Entry<Descriptor>>();
  private readonly repositoryEntries = new Map<string, Entry<readonly string[]>>();
  private readonly detailEntries = new Map<string, Entry<unknown>>();
  private readonly spent = new Map<string, Spent>();
  private readonly forgetListeners = new Set<(host: string | undefined) => void>();
  /** Requests sent through this cache since it was made (the bench and the tests read it). */
  readonly sent = { listings: 0, manifests: 0 };

  constructor(
    private readonly source: AnswerSource,
    private policy: AnswerPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** New settings (the time answers are kept, the rate-limited registries) apply to what is asked next. */
  setPolicy(policy: AnswerPolicy): void {
    this.policy = policy;
  }

  /**
   * A repository's tags. `undefined` when an automatic lookup would exceed the registry's budget
   * (it is not sent; ask again as a person, or after the period).
   */
  tags(host: string, repository: string, options: AskOptions): Promise<TagListing | undefined> {
    const key = repositoryKey(host, repository);
    return this.ask(this.tagEntries, key, host, repository, 'listings', options, (signal) => {
      this.sent.listings++;
      return this.source.listTags(host, repository, signal);
    });
  }

  /** What a tag or digest points at now; `undefined` as for {@link tags}. */
  descriptor(host: string, repository: string, reference: string, options: AskOptions): Promise<Descriptor | undefined> {
    const key = `${repositoryKey(host, repository)}\n${reference}`;
    return this.ask(this.descriptorEntries, key, host, repository, 'manifests', options, (signal) => {
      this.sent.manifests++;
      return this.source.resolve(host, repository, reference, signal);
    });
  }

  /**
   * What a reference resolves to in detail (a hover's manifest, platform and config), fetched by
   * the caller: kept like the other answers, and counted as one manifest request in the budget.
   */
  details<V>(
    host: string,
    repository: string,
    reference: string,
    options: AskOptions,
    fetch: (signal: AbortSignal) => Promise<V>,
  ): Promise<V | undefined> {
    const key = `${repositoryKey(host, repository)}\n${reference}`;
    return this.ask(this.detailEntries as Map<string, Entry<V>>, key, host, repository, 'manifests', options, (signal) => {
      this.sent.manifests++;
      return fetch(signal);
    });
  }

  /** The cached details of a reference, if still fresh (no request). */
  peekDetails<V>(host: string, repository: string, reference: string): V | undefined {
    return this.fresh(this.detailEntries.get(`${repositoryKey(host, repository)}\n${reference}`)) as V | undefined;
  }

  /** A registry's repositories (its catalog's first page), for completion; fetched by the caller. */
  repositories(
    host: string,
    options: AskOptions,
    fetch: (signal: AbortSignal) => Promise<readonly string[]>,
  ): Promise<readonly string[] | undefined> {
    return this.ask(this.repositoryEntries, `${host.toLowerCase()}/`, host, '', 'listings', options, (signal) => {
      this.sent.listings++;
      return fetch(signal);
    });
  }

  /** The cached tags, if they are still fresh (no request). */
  peekTags(host: string, repository: string): TagListing | undefined {
    return this.fresh(this.tagEntries.get(repositoryKey(host, repository)));
  }

  /** The cached descriptor of a tag or digest, if still fresh (no request). */
  peekDescriptor(host: string, repository: string, reference: string): Descriptor | undefined {
    return this.fresh(this.descriptorEntries.get(`${repositoryKey(host, repository)}\n${reference}`));
  }

  /** Records what a tag pointed at, learnt by another request (a hover's manifest GET): no HEAD needed for it. */
  remember(host: string, repository: string, reference: string, descriptor: Descriptor): void {
    const key = `${repositoryKey(host, repository)}\n${reference}`;
    const entry = this.descriptorEntries.get(key);
    if (entry?.pending) return;
    this.descriptorEntries.set(key, { expires: this.now() + this.policy.ttlMs, outcome: { ok: true, value: descriptor } });
  }

  /** Forgets a registry's answers (a login or logout changed what it answers), or all of them. */
  forget(host?: string): void {
    const prefix = host === undefined ? undefined : `${host.toLowerCase()}/`;
    const maps = [this.tagEntries, this.descriptorEntries, this.repositoryEntries, this.detailEntries, this.spent] as Map<
      string,
      unknown
    >[];
    for (const map of maps) for (const key of [...map.keys()]) if (prefix === undefined || key.startsWith(prefix)) map.delete(key);
    for (const listener of this.forgetListeners) listener(host);
  }

  /** Calls `listener` whenever answers are forgotten (a registry's, or all: `undefined`), so what shows them can ask again. */
  onForget(listener: (host: string | undefined) => void): { dispose(): void } {
    this.forgetListeners.add(listener);
    return { dispose: () => this.forgetListeners.delete(listener) };
  }

  private fresh<V>(entry: Entry<V> | undefined): V | undefined {
    return entry?.outcome?.ok && entry.expires > this.now() ? entry.outcome.value : undefined;
  }

  private ask<V>(
    entries: Map<string, Entry<V>>,
    key: string,
    host: string,
    repository: string,
    kind: 'listings' | 'manifests',
    options: AskOptions,
    fetch: (signal: AbortSignal) => Promise<V>,
  ): Promise<V | undefined> {
    if (options.signal?.aborted) return Promise.reject(cancelledWait());
    const now = this.now();
    let entry = entries.get(key);
    if (entry?.outcome && entry.expires > now) {
      const outcome = entry.outcome;
      return outcome.ok ? Promise.resolve(outcome.value) : Promise.reject(outcome.error);
    }
    // A fetch everyone left is being aborted: start over rather than share its cancellation.
    if (!entry?.pending || entry.pending.controller.signal.aborted) {
      if (!this.spend(host, repository, kind, options.asker)) return Promise.resolve(undefined);
      entry = { expires: 0, pending: this.start(entries, key, fetch) };
      entries.set(key, entry);
    }
    return joinSharedFetch(entry.pending!, options.signal);
  }

  /** Whether this request may be sent under the registry's budget; counts it when it may. */
  private spend(host: string, repository: string, kind: 'listings' | 'manifests', asker: Asker): boolean {
    if (!this.policy.rateLimited(host)) return true;
    const key = repositoryKey(host, repository);
    const now = this.now();
    let spent = this.spent.get(key);
    if (!spent || spent.until <= now) {
      spent = { until: now + this.policy.ttlMs, listings: 0, manifests: 0 };
      this.spent.set(key, spent);
    }
    if (asker === 'automatic' && spent[kind] >= 1) return false;
    spent[kind]++;
    return true;
  }

  private start<V>(entries: Map<string, Entry<V>>, key: string, fetch: (signal: AbortSignal) => Promise<V>): SharedFetch<V> {
    const pending = startSharedFetch(fetch);
    const controller = pending.controller;
    const settle = (outcome: Entry<V>['outcome']): void => {
      if (entries.get(key)?.pending !== pending) return;
      // A cancelled fetch leaves nothing behind: the next asker starts again.
      if (!outcome!.ok && (isCancellation(outcome!.error) || controller.signal.aborted)) entries.delete(key);
      else entries.set(key, { expires: this.now() + this.policy.ttlMs, outcome });
    };
    pending.promise.then(
      (value) => settle({ ok: true, value }),
      (error: unknown) => settle({ ok: false, error }),
    );
    return pending;
  }
}

function repositoryKey(host: string, repository: string): string {
  return `${host.toLowerCase()}/${repository}`;
}
