import { cancelled, RetryLaterError } from '../errors';
import { sleep } from './retry';

/** However long a registry asks for, one hold never lasts longer than a day (a typo must not lock a host out). */
export const MAX_HOLD_MS = 24 * 60 * 60 * 1000;

/** Time (and chance) as the gate sees them; tests pass fake ones. */
export interface GateClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** In [0, 1): spreads the waiters when the gate opens. */
  random(): number;
}

const systemClock: GateClock = { now: () => Date.now(), sleep, random: Math.random };

/** Waiters leave a hold spread over up to this long (a tenth of the hold at most), not all at once. */
const MAX_SPREAD_MS = 250;

/**
 * One origin's "not before" time, shared by every request to it. When one request learns
 * "Retry-After: T" (or gets a 429), the others wait for T too, instead of each finding out with a
 * request of its own: with C transfers in parallel, a rate-limited registry sees one request
 * where it would have seen C.
 */
export class RetryGate {
  private openAt = 0;
  private status = 0;

  constructor(
    /** The origin's host[:port], for messages. */
    readonly host: string,
    private readonly clock: GateClock = systemClock,
  ) {}

  /** Holds the origin closed for `ms` from now (at most MAX_HOLD_MS); a longer hold already in place stays. */
  hold(ms: number, status: number): void {
    const until = this.clock.now() + Math.min(Math.max(0, ms), MAX_HOLD_MS);
    if (until > this.openAt) {
      this.openAt = until;
      this.status = status;
    }
  }

  /** When the origin may be contacted again; undefined when it may be now. */
  get retryAt(): Date | undefined {
    return this.openAt > this.clock.now() ? new Date(this.openAt) : undefined;
  }

  /** Forgets the hold (after a login, which may come with a higher limit). */
  open(): void {
    this.openAt = 0;
  }

  /**
   * Resolves once the origin may be contacted; rejects with CANCELLED when `signal` aborts first.
   *
   * A hold longer than `maxWaitMs` (the retry policy's cap) is not waited out: this fails at once
   * with RETRY_LATER, saying when to try again. The alternative (oras-go, containers/image) waits
   * the cap and retries early; but a request before the time the registry named is one it has
   * already said it will refuse, and the user would watch a spinner only to get the same refusal.
   */
  async wait(maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    // Each pass sleeps until the opening time known then; holds only ever move it later, and by at
    // most MAX_HOLD_MS, so this ends.
    for (;;) {
      if (signal?.aborted) throw cancelled();
      const left = this.openAt - this.clock.now();
      if (left <= 0) return;
      if (left > maxWaitMs) throw this.tooLong(left, maxWaitMs);
      // Each waiter adds its own small delay, so the registry that asked for the pause does not
      // get every waiting request in the same millisecond when it ends.
      const spread = Math.floor(this.clock.random() * Math.min(MAX_SPREAD_MS, left / 10));
      await this.clock.sleep(left + spread, signal);
    }
  }

  private tooLong(leftMs: number, maxWaitMs: number): RetryLaterError {
    const at = new Date(this.openAt);
    const when = `${at.toLocaleTimeString()} (in ${Math.ceil(leftMs / 1000)} s)`;
    const why = this.status === 429 ? 'is rate-limiting requests' : `is unavailable (HTTP ${this.status})`;
    const next =
      this.status === 429
        ? `try again after ${at.toLocaleTimeString()}, or log in for a higher limit`
        : `try again after ${at.toLocaleTimeString()}`;
    return new RetryLaterError(
      `${this.host} ${why} and asked clients to wait until ${when}, longer than the ${Math.round(maxWaitMs / 1000)} s this client waits, so nothing more was sent: ${next}.`,
      at,
      this.status,
    );
  }
}
