/** The Internet checksum (RFC 1071) and the TCP/UDP pseudo-header sum. */

/** Adds the 16-bit big-endian words of `data` to `sum` (not yet folded). */
export function sum16(data: Uint8Array, sum = 0): number {
  const n = data.length;
  let i = 0;
  for (; i + 1 < n; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (i < n) sum += data[i] << 8;
  // Fold now and then so the sum stays a small integer on large inputs.
  return (sum & 0xffff) + Math.floor(sum / 0x10000);
}

/** Folds a running sum and complements it: the value to store in a header. */
export function finish(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function checksum(data: Uint8Array): number {
  return finish(sum16(data));
}

/** Sum of the IPv4 pseudo-header that TCP and UDP checksums cover. */
export function pseudoSum(src: number, dst: number, proto: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + length;
}
