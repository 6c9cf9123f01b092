// With @types/node 20 and TypeScript 5.9, `Buffer` is not assignable to `Uint8Array` (the lib's
// generic Uint8Array disagrees with Buffer.slice). These views keep the lab type-checking without casts.

/** The same bytes as a plain Uint8Array view (no copy). */
export function u8(data: Buffer): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Buffer.concat for Buffers. */
export function concatBuffers(chunks: readonly Buffer[]): Buffer {
  return Buffer.concat(chunks.map(u8));
}
