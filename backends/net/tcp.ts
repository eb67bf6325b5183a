/**
 * TCP segments (RFC 9293): parse with bounds and checksum checks, build with
 * the MSS and window-scale (RFC 7323) options. The checksum can be left
 * partial (the pseudo-header sum only) for a guest that completes or trusts
 * it (virtio-net's NEEDS_CSUM), and skipped on parsing for frames that come
 * straight from guest memory with their checksum left to us.
 */
import { finish, pseudoSum, sum16 } from "./checksum.ts";
import { PROTO_TCP } from "./ipv4.ts";

export const FIN = 1;
export const SYN = 2;
export const RST = 4;
export const PSH = 8;
export const ACK = 16;

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** The MSS option, when present. */
  mss: number | null;
  /** The window-scale shift (RFC 7323), when present (capped at 14). */
  wscale: number | null;
  payload: Uint8Array;
}

/** Parses a segment; `verify` false skips the checksum (the guest left it to us: nothing corrupted it). */
export function parseTcp(
  b: Uint8Array,
  src: number,
  dst: number,
  verify = true,
): TcpSegment | null {
  if (b.length < 20) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const off = (b[12] >> 4) * 4;
  if (off < 20 || off > b.length) return null;
  if (verify && finish(sum16(b, pseudoSum(src, dst, PROTO_TCP, b.length))) !== 0) return null;
  let mss: number | null = null;
  let wscale: number | null = null;
  for (let at = 20; at < off;) {
    const kind = b[at];
    if (kind === 0) break;
    if (kind === 1) {
      at++;
      continue;
    }
    if (at + 1 >= off) break;
    const len = b[at + 1];
    if (len < 2 || at + len > off) break;
    if (kind === 2 && len === 4) mss = v.getUint16(at + 2);
    if (kind === 3 && len === 3) wscale = Math.min(b[at + 2], 14);
    at += len;
  }
  return {
    srcPort: v.getUint16(0),
    dstPort: v.getUint16(2),
    seq: v.getUint32(4),
    ack: v.getUint32(8),
    flags: b[13] & 0x3f,
    window: v.getUint16(14),
    mss,
    wscale,
    payload: b.subarray(off),
  };
}

export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  mss?: number;
  /** Sends the window-scale option with this shift (SYN segments only). */
  wscale?: number;
}

/** Where a partial checksum sits: the guest (or its NIC) completes it. */
export const TCP_CSUM_OFFSET = 16;

/**
 * Builds a segment. With `partial` the checksum field holds only the folded
 * pseudo-header sum (not complemented), as a NIC with checksum offload
 * expects: the payload is never summed here.
 */
export function buildTcp(
  src: number,
  dst: number,
  h: TcpHeader,
  payload: Uint8Array = new Uint8Array(0),
  partial = false,
  headroom = 0,
): Uint8Array {
  const off = 20 + (h.mss !== undefined ? 4 : 0) + (h.wscale !== undefined ? 4 : 0);
  // With headroom, the segment is the tail of a buffer whose front the IPv4 and
  // Ethernet headers fill later: one allocation and one payload copy per frame.
  const b = new Uint8Array(headroom + off + payload.length).subarray(headroom);
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  v.setUint16(0, h.srcPort);
  v.setUint16(2, h.dstPort);
  v.setUint32(4, h.seq >>> 0);
  v.setUint32(8, h.ack >>> 0);
  b[12] = (off / 4) << 4;
  b[13] = h.flags;
  v.setUint16(14, Math.max(0, Math.min(h.window, 0xffff)));
  let at = 20;
  if (h.mss !== undefined) {
    b[at] = 2;
    b[at + 1] = 4;
    v.setUint16(at + 2, h.mss);
    at += 4;
  }
  if (h.wscale !== undefined) {
    b[at] = 1; // NOP, so the option ends on a word boundary
    b[at + 1] = 3;
    b[at + 2] = 3;
    b[at + 3] = h.wscale;
  }
  b.set(payload, off);
  const pseudo = pseudoSum(src, dst, PROTO_TCP, b.length);
  v.setUint16(TCP_CSUM_OFFSET, partial ? ~finish(pseudo) & 0xffff : finish(sum16(b, pseudo)));
  return b;
}

/** a − b in sequence space (negative when a is before b). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
