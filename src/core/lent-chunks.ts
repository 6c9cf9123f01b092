/**
 * Chunks of a blob lent by the reader that received them and given back by the writer that stored
 * them, so the reader can read the next bytes into the same memory instead of a new buffer. A blob
 * of gigabytes then costs a few reused buffers, not a fresh one for every socket read, which the
 * collector frees only in bulk (tens of megabytes at a time) and the allocator hands back to the
 * system and faults in again (bench/PROFILING.md).
 *
 * Lending is opt-in at both ends and safe at every point in between: a chunk lent is an ordinary
 * Buffer to whoever passes it on; only a writer that has finished with its bytes gives it back, and
 * a chunk never given back is simply not reused. A lender reuses memory only after it is given back.
 */

const lenders = new WeakMap<Buffer, () => void>();

/** A body whose chunks can be lent (see LendingBody.lendChunks). */
export interface LendingBody {
  /**
   * From now on, pass on chunks that are lent: the consumer (a writer that gives chunks back) must
   * give each back once written. Returns false when this body cannot lend.
   */
  lendChunks(): boolean;
}

export function isLendingBody(body: object): body is LendingBody {
  return typeof (body as Partial<LendingBody>).lendChunks === 'function';
}

/** Marks `chunk` as lent: `giveBack` calls `returned` once, and never again. */
export function lend(chunk: Buffer, returned: () => void): Buffer {
  lenders.set(chunk, returned);
  return chunk;
}

/** Gives a lent chunk back to its lender once its bytes are stored; any other chunk is left alone. */
export function giveBack(chunk: Buffer): void {
  const returned = lenders.get(chunk);
  if (!returned) return;
  lenders.delete(chunk);
  returned();
}
