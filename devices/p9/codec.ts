/**
 * 9P2000.L wire format: message type numbers, Linux errno values, and a
 * bounds-checked little-endian reader and writer. A read past the end of a
 * message throws `P9Error(EPROTO)`, so a truncated request becomes an Rlerror.
 */

/** Message types (Tx = request, Tx + 1 = reply). */
export const T = {
  lerror: 6,
  statfs: 8,
  lopen: 12,
  lcreate: 14,
  symlink: 16,
  mknod: 18,
  rename: 20,
  readlink: 22,
  getattr: 24,
  setattr: 26,
  xattrwalk: 30,
  xattrcreate: 32,
  readdir: 40,
  fsync: 50,
  lock: 52,
  getlock: 54,
  link: 70,
  mkdir: 72,
  renameat: 74,
  unlinkat: 76,
  version: 100,
  auth: 102,
  attach: 104,
  flush: 108,
  walk: 110,
  read: 116,
  write: 118,
  clunk: 120,
  remove: 122,
} as const;

/** Linux errno values sent in Rlerror. */
export const E = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EFBIG: 27,
  ENOSPC: 28,
  EROFS: 30,
  EMLINK: 31,
  ENAMETOOLONG: 36,
  ENOTEMPTY: 39,
  ELOOP: 40,
  EPROTO: 71,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
} as const;

/** An error answered as Rlerror(errno). */
export class P9Error extends Error {
  constructor(readonly errno: number, message = `errno ${errno}`) {
    super(message);
  }
}

/** qid.type bits. */
export const QT_DIR = 0x80;
export const QT_SYMLINK = 0x02;
export const QT_FILE = 0;

export interface Qid {
  type: number;
  version: number;
  path: number;
}

export const HEADER_SIZE = 7;
export const QID_SIZE = 13;
const TWO32 = 0x1_0000_0000;
const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** Reads the fields of one message body; every read is bounds-checked. */
export class Reader {
  private readonly view: DataView;
  pos: number;

  constructor(readonly bytes: Uint8Array, start = 0, readonly end = bytes.length) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.end) throw new P9Error(E.EPROTO, "message too short");
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  /** A u64 as a number; values past 2^53 (never meaningful here) saturate. */
  u64(): number {
    const at = this.need(8);
    const lo = this.view.getUint32(at, true);
    const hi = this.view.getUint32(at + 4, true);
    return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * TWO32 + lo;
  }
  /** A u16-length string, decoded as UTF-8 (invalid bytes become U+FFFD, then refused as names). */
  str(): string {
    const n = this.u16();
    const at = this.need(n);
    return utf8.decode(this.bytes.subarray(at, at + n));
  }
  /** The raw bytes of a string field, for names that must round-trip exactly. */
  rawStr(): Uint8Array {
    const n = this.u16();
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }
  take(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }
}

/**
 * Writes one reply into a caller-owned buffer (reused across requests). The
 * size field is filled in by `finish`. Writing past the buffer throws
 * `P9Error(EOVERFLOW)`; the caller then sends Rlerror instead.
 */
export class Writer {
  private readonly view: DataView;
  pos = HEADER_SIZE;

  constructor(readonly buf: Uint8Array, private readonly limit: number) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private room(n: number): number {
    const at = this.pos;
    if (at + n > this.limit) throw new P9Error(E.EOVERFLOW, "reply too large");
    this.pos += n;
    return at;
  }

  u8(v: number): this {
    this.view.setUint8(this.room(1), v);
    return this;
  }
  u16(v: number): this {
    this.view.setUint16(this.room(2), v, true);
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.room(4), v >>> 0, true);
    return this;
  }
  u64(v: number): this {
    const at = this.room(8);
    const n = Math.max(0, Math.floor(v));
    this.view.setUint32(at, n % TWO32, true);
    this.view.setUint32(at + 4, Math.floor(n / TWO32) >>> 0, true);
    return this;
  }
  str(s: string): this {
    const b = encoder.encode(s);
    if (b.length > 0xffff) throw new P9Error(E.ENAMETOOLONG);
    this.u16(b.length);
    this.buf.set(b, this.room(b.length));
    return this;
  }
  qid(q: Qid): this {
    return this.u8(q.type).u32(q.version).u64(q.path);
  }
  bytes(b: Uint8Array): this {
    this.buf.set(b, this.room(b.length));
    return this;
  }
  /** Reserves n bytes for the caller to fill (e.g. file data read in place). */
  reserve(n: number): Uint8Array {
    const at = this.room(n);
    return this.buf.subarray(at, at + n);
  }
  /** Overwrites a u32 already written at `at` (a count known only afterwards). */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  /** Room left before the limit. */
  get free(): number {
    return this.limit - this.pos;
  }
  /** Fills in the header and returns the finished reply. */
  finish(type: number, tag: number): Uint8Array {
    this.view.setUint32(0, this.pos, true);
    this.view.setUint8(4, type);
    this.view.setUint16(5, tag, true);
    return this.buf.subarray(0, this.pos);
  }
}

/** An Rlerror reply written into `buf` (needs 11 bytes). */
export function lerror(buf: Uint8Array, tag: number, errno: number): Uint8Array {
  const w = new Writer(buf, buf.length);
  w.u32(errno);
  return w.finish(T.lerror + 1, tag);
}
