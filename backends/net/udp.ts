/** UDP datagrams (RFC 768) with the pseudo-header checksum. */
import { finish, pseudoSum, sum16 } from "./checksum.ts";
import { PROTO_UDP } from "./ipv4.ts";

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** Parses a datagram carried from `src` to `dst`; null when lengths or checksum are wrong. */
export function parseUdp(b: Uint8Array, src: number, dst: number): UdpDatagram | null {
  if (b.length < 8) return null;
  const v = new DataView(b.buffer, b.byteOffset, 8);
  const len = v.getUint16(4);
  if (len < 8 || len > b.length) return null;
  const dgram = b.subarray(0, len);
  // A zero checksum means the sender did not compute one.
  if (v.getUint16(6) !== 0 && finish(sum16(dgram, pseudoSum(src, dst, PROTO_UDP, len))) !== 0) {
    return null;
  }
  return { srcPort: v.getUint16(0), dstPort: v.getUint16(2), payload: dgram.subarray(8) };
}

export function buildUdp(
  src: number,
  dst: number,
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
): Uint8Array {
  const b = new Uint8Array(8 + payload.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, srcPort);
  v.setUint16(2, dstPort);
  v.setUint16(4, b.length);
  b.set(payload, 8);
  const c = finish(sum16(b, pseudoSum(src, dst, PROTO_UDP, b.length)));
  v.setUint16(6, c === 0 ? 0xffff : c);
  return b;
}
