/**
 * Sub-word access to 32-bit device registers: devices keep whole words and the
 * bus may hand them 1- or 2-byte accesses at any byte offset.
 */

/** The `size`-byte field at byte `offset & 3` of a little-endian 32-bit word. */
export function subRead(word: number, offset: number, size: 1 | 2 | 4): number {
  if (size === 4) return word >>> 0;
  const shift = (offset & 3) * 8;
  return (word >>> shift) & (size === 1 ? 0xff : 0xffff);
}

/** `word` with the `size`-byte field at byte `offset & 3` replaced by `value`. */
export function subMerge(word: number, offset: number, size: 1 | 2 | 4, value: number): number {
  if (size === 4) return value >>> 0;
  const shift = (offset & 3) * 8;
  const mask = (size === 1 ? 0xff : 0xffff) << shift;
  return ((word & ~mask) | ((value << shift) & mask)) >>> 0;
}
