// Deterministic bytes for tests (xorshift32): the same seed gives the same bytes, so a failure
// reproduces; they do not compress, so a gzipped layer keeps their size.

/** `length` bytes from `seed` (0 counts as 1). */
export function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
