/** TCP segments (RFC 9293): parse with bounds and checksum checks, build with the MSS option. */
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
  payload: Uint8Array;
}

export function parseTcp(b: Uint8Array, src: number, dst: number): TcpSegment | null {
  if (b.length < 20) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const off = (b[12] >> 4) * 4;
  if (off < 20 || off > b.length) return null;
  if (finish(sum16(b, pseudoSum(src, dst, PROTO_TCP, b.length))) !== 0) return null;
  let mss: number | null = null;
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
}

export function buildTcp(
  src: number,
  dst: number,
  h: TcpHeader,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const off = h.mss !== undefined ? 24 : 20;
  const b = new Uint8Array(off + payload.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, h.srcPort);
  v.setUint16(2, h.dstPort);
  v.setUint32(4, h.seq >>> 0);
  v.setUint32(8, h.ack >>> 0);
  b[12] = (off / 4) << 4;
  b[13] = h.flags;
  v.setUint16(14, Math.max(0, Math.min(h.window, 0xffff)));
  if (h.mss !== undefined) {
    b[20] = 2;
    b[21] = 4;
    v.setUint16(22, h.mss);
  }
  b.set(payload, off);
  v.setUint16(16, finish(sum16(b, pseudoSum(src, dst, PROTO_TCP, b.length))));
  return b;
}

/** a − b in sequence space (negative when a is before b). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
