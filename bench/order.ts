// The order in which the bench runs its sides, run after run. A side's transfer changes what the
// next one finds (the target registry's storage it leaves to be wiped, the pages its files free,
// which on a VM cost the next writer far less than memory the host has taken back), so every side
// must follow every other side equally often, not always the same one as a plain rotation gives.

/**
 * The order of `count` sides (by index) in run `run`: a Williams design, in which over `count`
 * runs (an even count) or `2 × count` runs (an odd count) each side comes first equally often and
 * follows each other side equally often.
 */
export function sideOrder(count: number, run: number): number[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a whole number ≥ 1, not ${count}`);
  if (!Number.isInteger(run) || run < 0) throw new RangeError(`run must be a whole number ≥ 0, not ${run}`);
  // 0, 1, n−1, 2, n−2, …: consecutive differences are all distinct modulo n (for an even n).
  const base: number[] = [];
  for (let low = 0, high = count - 1, i = 0; i < count; i++) base.push(i % 2 === 0 ? low++ : high--);
  const row = base.map((side) => (side + run) % count);
  // An odd count needs each row reversed as well, in the second half of the 2n runs.
  return count % 2 === 1 && Math.floor(run / count) % 2 === 1 ? row.reverse() : row;
}
