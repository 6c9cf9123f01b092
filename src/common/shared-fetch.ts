/**
 * One fetch shared by every caller that asks for the same thing while it runs. Each caller waits
 * with its own signal and may leave early; the fetch itself is aborted only when the last of them
 * has gone, so a closed panel stops its downloads without breaking what the tree still waits for.
 */

export interface SharedFetch<V> {
  readonly promise: Promise<V>;
  readonly controller: AbortController;
  waiters: number;
}

/** The error a caller gets when its own signal is aborted; the same shape as the core's cancellations. */
export function cancelledWait(): Error & { code: 'CANCELLED' } {
  return Object.assign(new Error('Cancelled: nothing waits for this any more.'), { code: 'CANCELLED' as const });
}

/** Starts `fetch` with a signal of its own, for callers to join. */
export function startSharedFetch<V>(fetch: (signal: AbortSignal) => Promise<V>): SharedFetch<V> {
  const controller = new AbortController();
  return { controller, waiters: 0, promise: fetch(controller.signal) };
}

/** Waits for a shared fetch as one more caller, leaving it (and aborting it if nobody is left) when `signal` is aborted. */
export function joinSharedFetch<V>(shared: SharedFetch<V>, signal: AbortSignal | undefined): Promise<V> {
  shared.waiters++;
  return new Promise<V>((resolve, reject) => {
    const leave = (): void => {
      shared.waiters--;
      if (shared.waiters === 0) shared.controller.abort();
      reject(cancelledWait());
    };
    signal?.addEventListener('abort', leave, { once: true });
    shared.promise.then(
      (value) => {
        signal?.removeEventListener('abort', leave);
        resolve(value);
      },
      (err: unknown) => {
        signal?.removeEventListener('abort', leave);
        reject(err);
      },
    );
  });
}
