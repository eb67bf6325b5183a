/**
 * IPv4 headers (RFC 791). Parsing checks version, header length, total
 * length and header checksum; fragments are refused (the guest's MTU is
 * 1500 and the stack never needs them).
 */
import { checksum } from "./checksum.ts";

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

export interface Ipv4Packet {
  src: number;
  dst: number;
  proto: number;
  ttl: number;
  /** The transport payload, cut to the header's total length. */
  payload: Uint8Array;
}

export function parseIpv4(b: Uint8Array): Ipv4Packet | null {
  if (b.length < 20 || b[0] >> 4 !== 4) return null;
  const ihl = (b[0] & 0xf) * 4;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const total = v.getUint16(2);
  if (ihl < 20 || total < ihl || total > b.length) return null;
  if (checksum(b.subarray(0, ihl)) !== 0) return null;
  const frag = v.getUint16(6);
  if ((frag & 0x2000) !== 0 || (frag & 0x1fff) !== 0) return null;
  return {
    src: v.getUint32(12),
    dst: v.getUint32(16),
    proto: b[9],
    ttl: b[8],
    payload: b.subarray(ihl, total),
  };
}

let nextId = 1;

export function buildIpv4(
  src: number,
  dst: number,
  proto: number,
  payload: Uint8Array,
): Uint8Array {
  const b = new Uint8Array(20 + payload.length);
  writeIpv4Header(b, src, dst, proto, payload.length);
  b.set(payload, 20);
  return b;
}

/** Writes a 20-byte IPv4 header at the start of `b` for `payloadLength` bytes after it. */
export function writeIpv4Header(
  b: Uint8Array,
  src: number,
  dst: number,
  proto: number,
  payloadLength: number,
): void {
  const v = new DataView(b.buffer, b.byteOffset, 20);
  b[0] = 0x45;
  b[1] = 0;
  v.setUint16(2, 20 + payloadLength);
  v.setUint16(4, nextId);
  nextId = (nextId + 1) & 0xffff;
  v.setUint16(6, 0x4000); // don't fragment
  b[8] = 64;
  b[9] = proto;
  v.setUint32(12, src);
  v.setUint32(16, dst);
  v.setUint16(10, 0);
  v.setUint16(10, checksum(b.subarray(0, 20)));
}

/** "10.0.2.15" → 0x0a00020f; throws on anything else. */
export function parseIp(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`bad IPv4 address '${text}'`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function ipToString(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff].join(".");
}
