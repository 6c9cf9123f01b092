/**
 * Results by digest. Content is addressed by its digest, so a cached result is always right and
 * needs no expiry; the cache is bounded by weight (bytes or entries), least recently used first out.
 * Callers asking for the same digest at once share one fetch, which is aborted only when every
 * one of them has gone (a closed inspector panel stops its downloads without breaking what the tree
 * or another panel still waits for).
 */

import { cancelledWait, joinSharedFetch, startSharedFetch, type SharedFetch } from './shared-fetch';

export class DigestCache<V> {
  private readonly done = new Map<string, { value: V; weight: number }>();
  private readonly pending = new Map<string, SharedFetch<V>>();
  private weight = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number,
  ) {}

  peek(digest: string): V | undefined {
    const hit = this.done.get(digest);
    if (!hit) return undefined;
    // Re-insert: Map order is the recency order.
    this.done.delete(digest);
    this.done.set(digest, hit);
    return hit.value;
  }

  get(digest: string, fetch: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V> {
    const hit = this.peek(digest);
    if (hit !== undefined) return Promise.resolve(hit);
    if (signal?.aborted) return Promise.reject(cancelled());
    let pending = this.pending.get(digest);
    // A fetch everyone left is being aborted: start over rather than share its failure.
    if (!pending || pending.controller.signal.aborted) pending = this.start(digest, fetch);
    return joinSharedFetch(pending, signal);
  }

  set(digest: string, value: V): void {
    const weight = this.weigh(value);
    if (weight > this.maxWeight) return;
    const old = this.done.get(digest);
    if (old) this.weight -= old.weight;
    this.done.delete(digest);
    this.done.set(digest, { value, weight });
    this.weight += weight;
    for (const [key, entry] of this.done) {
      if (this.weight <= this.maxWeight) break;
      this.done.delete(key);
      this.weight -= entry.weight;
    }
  }

  private start(digest: string, fetch: (signal: AbortSignal) => Promise<V>): SharedFetch<V> {
    const pending = startSharedFetch(fetch);
    this.pending.set(digest, pending);
    pending.promise.then(
      (value) => {
        if (this.pending.get(digest) === pending) this.pending.delete(digest);
        this.set(digest, value);
      },
      () => {
        if (this.pending.get(digest) === pending) this.pending.delete(digest);
      },
    );
    return pending;
  }
}

/** The error a caller whose own signal was aborted gets (see shared-fetch.ts). */
export const cancelled = cancelledWait;
