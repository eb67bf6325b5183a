/**
 * The snapshot file format: a versioned header, a list of tagged sections, and
 * a CRC-32 over everything before it. Each part of the machine writes its own
 * section with a StateWriter and reads it back with a StateReader, so the
 * format of a device's state lives next to the device (its saveState and
 * loadState), and this module knows only the container.
 *
 *   magic "DEMUSNAP" (8 bytes) | format version u32 | section count u32
 *   per section: tag (4 ASCII bytes) | payload length u32 | payload
 *   CRC-32 (IEEE) of all the bytes above, u32
 *
 * Numbers are little-endian. A reader that runs past its section's end, a bad
 * checksum, another magic or another version is a SnapshotError: one line,
 * nothing restored.
 */
// zlib's CRC-32 is native: a restore checks megabytes at once.
import { nodeZlib } from "../node_builtin.ts";

export const SNAPSHOT_MAGIC = "DEMUSNAP";
/** Bumped whenever any section's layout changes: a file of another version is refused. */
export const SNAPSHOT_VERSION = 1;
const HEADER_BYTES = 16;

/** A snapshot that cannot be used; the message is one line for the user. */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnapshotError";
  }
}

/** Text from a snapshot file as an error may quote it: printable and short, so it stays one line. */
export function quotedFromFile(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 40);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Appends typed fields to a growing byte buffer. */
export class StateWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private at = 0;

  private room(n: number): number {
    const at = this.at;
    if (at + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, at + n));
      bigger.set(this.buf.subarray(0, at));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    this.at = at + n;
    return at;
  }

  // Each setter calls room() before reading this.view: room() may replace the buffer.
  u8(v: number): void {
    const at = this.room(1);
    this.view.setUint8(at, v);
  }
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  u32(v: number): void {
    const at = this.room(4);
    this.view.setUint32(at, v >>> 0, true);
  }
  /** Any JavaScript number, exactly (NaN and fractions included). */
  f64(v: number): void {
    const at = this.room(8);
    this.view.setFloat64(at, v, true);
  }
  /** A 64-bit pattern (signed or unsigned bigint). */
  u64(v: bigint): void {
    const at = this.room(8);
    this.view.setBigUint64(at, BigInt.asUintN(64, v), true);
  }
  /** Bytes with their length. */
  bytes(v: Uint8Array): void {
    this.f64(v.length);
    const at = this.room(v.length); // may replace this.buf
    this.buf.set(v, at);
  }
  str(v: string): void {
    this.bytes(encoder.encode(v));
  }
  /** A plain value (config-like data), as JSON text. */
  json(v: unknown): void {
    this.str(JSON.stringify(v));
  }

  /** The bytes written so far. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

/** Reads back what a StateWriter wrote; running past the end is a SnapshotError. */
export class StateReader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly buf: Uint8Array, private readonly what = "snapshot") {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private take(n: number): number {
    const at = this.at;
    if (!(n >= 0) || at + n > this.buf.length) {
      throw new SnapshotError(`the ${this.what} state is truncated or damaged`);
    }
    this.at = at + n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }
  bool(): boolean {
    return this.u8() !== 0;
  }
  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }
  f64(): number {
    return this.view.getFloat64(this.take(8), true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.take(8), true);
  }
  /** Signed view of a u64 field. */
  i64(): bigint {
    return BigInt.asIntN(64, this.u64());
  }
  /** A length-prefixed byte string (a view into the snapshot, not a copy). */
  bytes(): Uint8Array {
    const n = this.f64();
    if (!Number.isSafeInteger(n)) this.take(-1);
    const at = this.take(n);
    return this.buf.subarray(at, at + n);
  }
  str(): string {
    return decoder.decode(this.bytes());
  }
  json<T = unknown>(): T {
    try {
      return JSON.parse(this.str()) as T;
    } catch {
      throw new SnapshotError(`the ${this.what} state is damaged`);
    }
  }

  /** True once every byte has been read. */
  get done(): boolean {
    return this.at === this.buf.length;
  }
}

/** A part of the machine that keeps state in a snapshot (devices implement it). */
export interface Stateful {
  saveState(w: StateWriter): void;
  loadState(r: StateReader): void;
}

export interface Section {
  /** Four ASCII characters, e.g. "HART". */
  tag: string;
  payload: Uint8Array;
}

/** Lays the sections out in the container and appends the checksum. */
export function encodeSnapshot(sections: Section[]): Uint8Array {
  let size = HEADER_BYTES + 4;
  for (const s of sections) {
    if (!/^[\x20-\x7e]{4}$/.test(s.tag)) throw new Error(`bad section tag '${s.tag}'`);
    size += 8 + s.payload.length;
  }
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set(encoder.encode(SNAPSHOT_MAGIC), 0);
  v.setUint32(8, SNAPSHOT_VERSION, true);
  v.setUint32(12, sections.length, true);
  let at = HEADER_BYTES;
  for (const s of sections) {
    out.set(encoder.encode(s.tag), at);
    v.setUint32(at + 4, s.payload.length, true);
    out.set(s.payload, at + 8);
    at += 8 + s.payload.length;
  }
  v.setUint32(at, nodeZlib().crc32(out.subarray(0, at)) >>> 0, true);
  return out;
}

/** Checks the header, version and checksum; returns the sections in file order. */
export function decodeSnapshot(bytes: Uint8Array): Section[] {
  if (
    bytes.length < SNAPSHOT_MAGIC.length ||
    decoder.decode(bytes.subarray(0, SNAPSHOT_MAGIC.length)) !== SNAPSHOT_MAGIC
  ) {
    throw new SnapshotError("not a demu snapshot");
  }
  if (bytes.length < HEADER_BYTES + 4) throw new SnapshotError("the snapshot is truncated");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION) {
    throw new SnapshotError(
      `the snapshot has format version ${version}; this demu reads version ${SNAPSHOT_VERSION}`,
    );
  }
  const count = v.getUint32(12, true);
  const sections: Section[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + 8 > bytes.length - 4) throw new SnapshotError("the snapshot is truncated");
    const length = v.getUint32(at + 4, true);
    if (at + 8 + length > bytes.length - 4) throw new SnapshotError("the snapshot is truncated");
    sections.push({
      tag: decoder.decode(bytes.subarray(at, at + 4)),
      payload: bytes.subarray(at + 8, at + 8 + length),
    });
    at += 8 + length;
  }
  if (at !== bytes.length - 4) {
    throw new SnapshotError("the snapshot is damaged (its length does not match its sections)");
  }
  if (v.getUint32(at, true) !== nodeZlib().crc32(bytes.subarray(0, at)) >>> 0) {
    throw new SnapshotError("the snapshot is damaged (checksum mismatch)");
  }
  return sections;
}
