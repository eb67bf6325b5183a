/**
 * The GDB remote serial protocol's framing: `$data#cs` packets with a
 * modulo-256 checksum in two hex digits, `+`/`-` acknowledgements, and the
 * lone 0x03 byte a client sends to interrupt the target. The decoder takes
 * bytes as they arrive from the socket, in pieces of any size, and never
 * throws: garbage between packets is skipped, an over-long packet is dropped,
 * and a bad checksum is reported so the session can answer `-`.
 */

/** What the decoder found in the byte stream. */
export type Incoming =
  | { kind: "packet"; data: string }
  | { kind: "bad-checksum" }
  | { kind: "interrupt" }
  | { kind: "ack" }
  | { kind: "nack" };

/** Packets longer than this are dropped (PacketSize in qSupported tells the client). */
export const MAX_PACKET = 0x4000;

const DOLLAR = 0x24, HASH = 0x23, ESCAPE = 0x7d, PLUS = 0x2b, MINUS = 0x2d, CTRL_C = 0x03;

const hexValue = (c: number) =>
  c >= 0x30 && c <= 0x39
    ? c - 0x30
    : c >= 0x61 && c <= 0x66
    ? c - 0x57
    : c >= 0x41 && c <= 0x46
    ? c - 0x37
    : -1;

export class PacketDecoder {
  /** Bytes of the packet being read (between $ and #), or null outside one. */
  private body: number[] | null = null;
  private sum = 0;
  /** Checksum digits read after '#'. */
  private check: number[] | null = null;
  private overflow = false;

  /** Feeds bytes; returns what they completed. */
  push(bytes: Uint8Array): Incoming[] {
    const out: Incoming[] = [];
    for (const b of bytes) {
      if (this.check !== null) {
        this.check.push(b);
        if (this.check.length < 2) continue;
        const [h, l] = this.check.map(hexValue);
        const ok = h >= 0 && l >= 0 && ((h << 4) | l) === this.sum;
        if (this.overflow || !ok) out.push({ kind: "bad-checksum" });
        else out.push({ kind: "packet", data: unescape(this.body!) });
        this.body = this.check = null;
        continue;
      }
      if (this.body !== null) {
        if (b === HASH) {
          this.check = [];
          continue;
        }
        if (b === DOLLAR) { // a new packet before the end of this one: start over
          this.body = [];
          this.sum = 0;
          this.overflow = false;
          continue;
        }
        this.sum = (this.sum + b) & 0xff;
        if (this.body.length < MAX_PACKET) this.body.push(b);
        else this.overflow = true;
        continue;
      }
      if (b === DOLLAR) {
        this.body = [];
        this.sum = 0;
        this.overflow = false;
      } else if (b === CTRL_C) out.push({ kind: "interrupt" });
      else if (b === PLUS) out.push({ kind: "ack" });
      else if (b === MINUS) out.push({ kind: "nack" });
      // anything else between packets is noise and skipped
    }
    return out;
  }
}

/** Undoes the `}` escape (the next byte XOR 0x20); clients send no run lengths. */
function unescape(body: number[]): string {
  let s = "";
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    s += String.fromCharCode(b === ESCAPE && i + 1 < body.length ? body[++i] ^ 0x20 : b);
  }
  return s;
}

/** Frames a reply: escapes $ # } * and appends the checksum. `data` is binary-safe latin-1. */
export function encodePacket(data: string): Uint8Array {
  const bytes: number[] = [DOLLAR];
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    let c = data.charCodeAt(i) & 0xff;
    if (c === DOLLAR || c === HASH || c === ESCAPE || c === 0x2a) {
      bytes.push(ESCAPE);
      sum += ESCAPE;
      c ^= 0x20;
    }
    bytes.push(c);
    sum += c;
  }
  bytes.push(HASH);
  const cs = (sum & 0xff).toString(16).padStart(2, "0");
  bytes.push(cs.charCodeAt(0), cs.charCodeAt(1));
  return new Uint8Array(bytes);
}

/** Bytes as lowercase hex, and back (null on odd length or a bad digit). */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function fromHex(s: string): Uint8Array | null {
  if (s.length % 2 !== 0) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const h = hexValue(s.charCodeAt(2 * i)), l = hexValue(s.charCodeAt(2 * i + 1));
    if (h < 0 || l < 0) return null;
    out[i] = (h << 4) | l;
  }
  return out;
}

/** A hex number as a bigint, or null. */
export function parseHexNumber(s: string): bigint | null {
  return /^[0-9a-fA-F]{1,16}$/.test(s) ? BigInt("0x" + s) : null;
}

/** A 64-bit value as 8 little-endian bytes in hex (how registers travel). */
export function hex64(v: bigint): string {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return toHex(b);
}
