/**
 * A split virtqueue (VirtIO 1.2 §2.7) over untrusted guest RAM. Every address
 * and length read from the guest is bounded before use; a malformed chain is
 * answered with a used element of length 0 (the queue keeps working), and
 * damage that leaves no valid answer (a bad head index, an impossible avail
 * index) marks the queue broken. Either way one log line per queue, no throw.
 */
import type { GuestRam } from "../core/bus.ts";
import { SnapshotError, type StateReader, type StateWriter } from "../core/snapshot/format.ts";

const DESC_F_NEXT = 1;
const DESC_F_WRITE = 2;
const DESC_F_INDIRECT = 4;
const AVAIL_F_NO_INTERRUPT = 1;
/** Largest indirect table accepted (QEMU's limit too). */
export const MAX_INDIRECT = 1024;
const TWO32 = 0x1_0000_0000;

/** One guest buffer: [addr, addr + len) lies inside RAM. */
export interface Segment {
  addr: number;
  len: number;
}

/** A popped descriptor chain: the handle a device completes with `Virtqueue.push`. */
export class Chain {
  done = false;
  constructor(
    readonly queue: Virtqueue,
    readonly head: number,
    /** Device-readable buffers, in order. */
    readonly readable: Segment[],
    /** Device-writable buffers, in order. */
    readonly writable: Segment[],
    readonly readLength: number,
    readonly writeLength: number,
  ) {}
}

export interface VirtqueueConfig {
  ram: GuestRam;
  index: number;
  size: number;
  maxSize: number;
  desc: number;
  avail: number;
  used: number;
  /** VIRTIO_F_RING_INDIRECT_DESC was negotiated. */
  indirect: boolean;
  /** VIRTIO_F_EVENT_IDX was negotiated: used_event and avail_event are honoured. */
  eventIdx?: boolean;
  /** Raises the used-buffer interrupt. */
  interrupt(): void;
  log(message: string): void;
}

/** Returns why a queue configuration is unusable, or null when it is fine. */
export function checkQueueConfig(c: VirtqueueConfig): string | null {
  const { ram, size } = c;
  if (size < 1 || size > c.maxSize || (size & (size - 1)) !== 0) return `bad size ${size}`;
  if (c.desc % 16 !== 0 || !ram.contains(c.desc, 16 * size)) return "descriptor table outside RAM";
  if (c.avail % 2 !== 0 || !ram.contains(c.avail, 6 + 2 * size)) return "avail ring outside RAM";
  if (c.used % 4 !== 0 || !ram.contains(c.used, 6 + 8 * size)) return "used ring outside RAM";
  return null;
}

export class Virtqueue {
  readonly index: number;
  readonly size: number;
  private readonly ram: GuestRam;
  private readonly desc: number;
  private readonly avail: number;
  private readonly used: number;
  private readonly indirect: boolean;
  private readonly eventIdx: boolean;
  private readonly interrupt: () => void;
  private readonly logFn: (message: string) => void;
  private lastAvail = 0;
  private usedIdx = 0;
  /** Open batches: completions inside them share one interrupt decision at the end. */
  private batching = 0;
  /** The used index when the current batch's first completion was written (null: none yet). */
  private batchFrom: number | null = null;
  private errors = 0;
  /** Set when the guest damaged the queue beyond answering; the queue then does nothing. */
  broken = false;
  /** Cleared when the device is reset: late completions of old chains are dropped. */
  active = true;

  /** The config must have passed `checkQueueConfig`. */
  constructor(c: VirtqueueConfig) {
    this.ram = c.ram;
    this.index = c.index;
    this.size = c.size;
    this.desc = c.desc - c.ram.base;
    this.avail = c.avail - c.ram.base;
    this.used = c.used - c.ram.base;
    this.indirect = c.indirect;
    this.eventIdx = c.eventIdx ?? false;
    this.interrupt = c.interrupt;
    this.logFn = c.log;
  }

  /** Snapshot hooks: the ring positions (the rings themselves are in guest RAM). */
  saveState(w: StateWriter): void {
    w.u32(this.lastAvail);
    w.u32(this.usedIdx);
    w.bool(this.broken);
    w.u32(this.errors);
  }

  loadState(r: StateReader): void {
    this.lastAvail = r.u32() & 0xffff;
    this.usedIdx = r.u32() & 0xffff;
    this.broken = r.bool();
    this.errors = r.u32();
  }

  /** A chain a device had popped before a snapshot, walked again from its head. */
  chainAt(head: number): Chain {
    const chain = head < this.size ? this.walk(head) : "head out of range";
    if (typeof chain === "string") throw new SnapshotError(`a held virtqueue chain: ${chain}`);
    return chain;
  }

  /** Number of chains the driver has made available and the device has not popped. */
  available(): number {
    if (this.broken || !this.active) return 0;
    const idx = this.ram.view.getUint16(this.avail + 2, true);
    // EVENT_IDX: whenever the device looks, it asks to be notified of the next chain after
    // these, so a device that runs out of buffers while it has data waiting is woken.
    if (this.eventIdx) this.ram.view.setUint16(this.used + 4 + 8 * this.size, idx, true);
    const n = (idx - this.lastAvail) & 0xffff;
    if (n > this.size) {
      this.fail(`avail index ran ${n} ahead of a ring of ${this.size}`, true);
      return 0;
    }
    return n;
  }

  /** The next well-formed chain, or null. Malformed chains met on the way are answered with length 0. */
  pop(): Chain | null {
    while (this.available() > 0) {
      const slot = this.lastAvail % this.size;
      const head = this.ram.view.getUint16(this.avail + 4 + 2 * slot, true);
      this.lastAvail = (this.lastAvail + 1) & 0xffff;
      if (head >= this.size) {
        this.fail(`head index ${head} out of range`, true);
        return null;
      }
      const chain = this.walk(head);
      if (typeof chain !== "string") return chain;
      this.fail(`malformed chain at head ${head}: ${chain}`, false);
      this.writeUsed(head, 0);
    }
    return null;
  }

  /** Starts a batch: completions until the matching `endBatch` raise at most one interrupt. */
  beginBatch(): void {
    this.batching++;
  }

  /** Ends a batch; raises the interrupt its completions call for, if any. */
  endBatch(): void {
    if (this.batching === 0 || --this.batching > 0 || this.batchFrom === null) return;
    const from = this.batchFrom;
    this.batchFrom = null;
    this.signal(from);
  }

  /** Completes a chain, reporting `written` bytes (clamped to its writable length). */
  push(chain: Chain, written: number): void {
    if (chain.queue !== this || chain.done || !this.active || this.broken) return;
    chain.done = true;
    const len = Math.max(0, Math.min(written | 0, chain.writeLength));
    this.writeUsed(chain.head, len);
  }

  /** Copies the chain's readable bytes from `offset` on into `dest`; returns the count copied. */
  copyFrom(chain: Chain, offset: number, dest: Uint8Array): number {
    return this.copy(chain.readable, offset, dest, false);
  }

  /** Copies `src` into the chain's writable buffers from `offset` on; returns the count copied. */
  copyTo(chain: Chain, offset: number, src: Uint8Array): number {
    return this.copy(chain.writable, offset, src, true);
  }

  /**
   * The guest memory holding bytes [offset, offset + length) of the chain's
   * readable (or writable) buffers, as views into RAM: no copy. Shorter when
   * the chain ends first.
   */
  views(chain: Chain, writable: boolean, offset: number, length: number): Uint8Array[] {
    const bytes = this.ram.bytes;
    const base = this.ram.base;
    const out: Uint8Array[] = [];
    // RAM index where each view starts (a view's byteOffset counts from the buffer, not RAM).
    const starts: number[] = [];
    for (const s of writable ? chain.writable : chain.readable) {
      if (length <= 0) break;
      if (offset >= s.len) {
        offset -= s.len;
        continue;
      }
      const n = Math.min(s.len - offset, length);
      const at = s.addr - base + offset;
      const last = out.length - 1;
      // Buffers that are adjacent in RAM become one view (one host call instead of several).
      if (last >= 0 && starts[last] + out[last].length === at) {
        out[last] = bytes.subarray(starts[last], at + n);
      } else {
        out.push(bytes.subarray(at, at + n));
        starts.push(at);
      }
      length -= n;
      offset = 0;
    }
    return out;
  }

  /** All readable bytes of the chain (at most `limit`). */
  readAll(chain: Chain, limit = Infinity): Uint8Array {
    const out = new Uint8Array(Math.min(chain.readLength, limit));
    this.copyFrom(chain, 0, out);
    return out;
  }

  private copy(segs: Segment[], offset: number, data: Uint8Array, toGuest: boolean): number {
    const bytes = this.ram.bytes;
    const base = this.ram.base;
    let done = 0;
    for (const s of segs) {
      if (done >= data.length) break;
      if (offset >= s.len) {
        offset -= s.len;
        continue;
      }
      const n = Math.min(s.len - offset, data.length - done);
      const at = s.addr - base + offset;
      if (toGuest) bytes.set(data.subarray(done, done + n), at);
      else data.set(bytes.subarray(at, at + n), done);
      done += n;
      offset = 0;
    }
    return done;
  }

  private writeUsed(head: number, len: number): void {
    const v = this.ram.view;
    const slot = this.used + 4 + 8 * (this.usedIdx % this.size);
    v.setUint32(slot, head, true);
    v.setUint32(slot + 4, len, true);
    const before = this.usedIdx;
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    v.setUint16(this.used + 2, this.usedIdx, true);
    if (this.batching > 0) this.batchFrom ??= before;
    else this.signal(before);
  }

  /** Interrupts for the used entries written since index `from`, if the driver wants to hear. */
  private signal(from: number): void {
    if (!this.active || this.broken) return;
    const v = this.ram.view;
    if (this.eventIdx) {
      // VirtIO 1.2 §2.7.10: interrupt when used_event lies in [from, usedIdx), modulo 2^16.
      const event = v.getUint16(this.avail + 4 + 2 * this.size, true);
      if (((this.usedIdx - event - 1) & 0xffff) < ((this.usedIdx - from) & 0xffff)) {
        this.interrupt();
      }
    } else if ((v.getUint16(this.avail, true) & AVAIL_F_NO_INTERRUPT) === 0) this.interrupt();
  }

  /** Follows a chain from `head`, returning it or the reason it is malformed. */
  private walk(head: number): Chain | string {
    const v = this.ram.view;
    const readable: Segment[] = [];
    const writable: Segment[] = [];
    let readLength = 0;
    let writeLength = 0;
    let table = this.desc;
    let tableSize = this.size;
    let inIndirect = false;
    let idx = head;
    let count = 0;
    for (;;) {
      if (idx >= tableSize) return `next index ${idx} out of range`;
      if (++count > tableSize) return "descriptor loop";
      const d = table + 16 * idx;
      const lo = v.getUint32(d, true);
      const hi = v.getUint32(d + 4, true);
      const len = v.getUint32(d + 8, true);
      const flags = v.getUint16(d + 12, true);
      const next = v.getUint16(d + 14, true);
      // Addresses past 2^53 cannot be exact numbers; they are outside RAM anyway.
      const addr = hi < 0x200000 ? hi * TWO32 + lo : Infinity;
      if (flags & DESC_F_INDIRECT) {
        if (!this.indirect) return "indirect descriptor not negotiated";
        if (inIndirect) return "nested indirect table";
        if (flags & DESC_F_NEXT) return "indirect descriptor with NEXT";
        if (len === 0 || len % 16 !== 0 || len / 16 > MAX_INDIRECT) {
          return `bad indirect length ${len}`;
        }
        if (!this.ram.contains(addr, len)) return "indirect table outside RAM";
        table = addr - this.ram.base;
        tableSize = len / 16;
        inIndirect = true;
        idx = 0;
        count = 0;
        continue;
      }
      if (len > 0) {
        if (!this.ram.contains(addr, len)) return `buffer outside RAM (len ${len})`;
        if (flags & DESC_F_WRITE) {
          writable.push({ addr, len });
          writeLength += len;
        } else {
          if (writable.length > 0) return "readable buffer after a writable one";
          readable.push({ addr, len });
          readLength += len;
        }
      }
      if (!(flags & DESC_F_NEXT)) break;
      idx = next;
    }
    return new Chain(this, head, readable, writable, readLength, writeLength);
  }

  private fail(message: string, fatal: boolean): void {
    if (fatal) this.broken = true;
    if (this.errors++ === 0) {
      this.logFn(
        `virtqueue ${this.index}: ${message}${
          fatal ? " (queue disabled)" : ""
        }; further errors not logged`,
      );
    }
  }
}
