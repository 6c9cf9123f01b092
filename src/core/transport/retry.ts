import { cancelled, isTemporaryStatus } from '../errors';

/** How persistent to be with a registry that answers 408/429/5xx or drops the connection. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The first backoff; doubled each time. */
  baseDelayMs: number;
  /** No single wait is longer, whatever the registry's Retry-After asks for. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 30_000 };

/**
 * Milliseconds to wait before attempt `attempt + 1` (attempt counts from 1). A `Retry-After` in
 * seconds or as an HTTP date wins over the exponential backoff; both are capped by the policy.
 * The backoff carries up to 20 % jitter so parallel transfers do not retry in lockstep.
 * (Requests hand a Retry-After to their origin's gate instead: see originHoldMs and RetryGate.)
 */
export function retryDelayMs(
  attempt: number,
  retryAfter: string | undefined,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  now = Date.now(),
  random = Math.random,
): number {
  const asked = parseRetryAfter(retryAfter, now);
  if (asked !== undefined) return Math.min(asked, policy.maxDelayMs);
  const backoff = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(policy.maxDelayMs, Math.round(backoff * (1 + 0.2 * random())));
}

/**
 * How long a response asks every request to its origin to hold off, or undefined when it speaks
 * only for itself: a 429 always (a rate limit is per client, not per request), with its
 * Retry-After or else this attempt's backoff; any other retryable status only when it says
 * Retry-After. Not capped here: the gate decides what a wait beyond the cap means.
 */
export function originHoldMs(
  status: number,
  retryAfter: string | undefined,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  now = Date.now(),
  random = Math.random,
): number | undefined {
  if (!isTemporaryStatus(status)) return undefined;
  const asked = parseRetryAfter(retryAfter, now);
  if (asked !== undefined) return asked;
  return status === 429 ? retryDelayMs(attempt, undefined, policy, now, random) : undefined;
}

/** `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`, as milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Waits, unless the signal aborts first (then throws the cancellation error). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
