/**
 * A hostile guest driver for the device fuzz targets: it brings a device up
 * through the real VirtIO MMIO transport (devices/virtio_mmio.ts), lays the
 * requests a target generates out as descriptor chains (direct or indirect,
 * with buffers that may overlap each other and the descriptor tables), and
 * afterwards checks what every device must do: each posted chain is answered
 * at most once (exactly once on queues the device must drain), no used length
 * exceeds the chain's writable room, and RAM changes only in the used rings
 * and the buffers the chains name as writable.
 */
import fc from "fast-check";
import { VirtioMmio } from "../../devices/virtio_mmio.ts";
import type { VirtioDevice } from "../../devices/virtio.ts";
import { fuzzRam, mustWriteOnlyInside, RAM_BASE, type Range } from "./guest_memory.ts";
import { must } from "./target.ts";

const RAM_SIZE = 256 * 1024;
export const QUEUE_SIZE = 64;
const MAX_QUEUES = 4;
const ringBase = (q: number) => RAM_BASE + q * 0x1000;
const availOf = (q: number) => ringBase(q) + 0x400;
const usedOf = (q: number) => ringBase(q) + 0x800;
/** Indirect tables: 4 queues × 64 chains × 4 descriptors × 16 bytes. */
const TABLES = RAM_BASE + MAX_QUEUES * 0x1000;
/** Buffers are carved from here up. */
const HEAP = TABLES + 0x4000;
/**
 * Wild buffers may land anywhere in the buffer area, over each other, but on
 * no ring or descriptor table: a device writing into a table the guest has
 * yet to post would change which buffers that chain names, and the checks
 * here compare with the buffers as the driver wrote them (the virtqueue
 * target covers self-modifying tables against its reference walker).
 */
const WILD_FLOOR = HEAP;

export interface SegmentSpec {
  len: number;
  write: boolean;
  /** Bytes a readable buffer holds (repeated or cut to len). */
  data: Uint8Array;
  /** Put the buffer at this offset of the buffer area instead of a fresh one (overlaps others). */
  wild: number | null;
}

export interface RequestSpec {
  queue: number;
  segs: SegmentSpec[];
  indirect: boolean;
  /** Notify right after posting (else a later notify picks it up). */
  notify: boolean;
}

export const segmentArb = (
  data: fc.Arbitrary<Uint8Array>,
  len: fc.Arbitrary<number>,
  write: fc.Arbitrary<boolean>,
): fc.Arbitrary<SegmentSpec> =>
  fc.record({
    len,
    write,
    data,
    wild: fc.option(fc.integer({ min: 0, max: RAM_SIZE - (WILD_FLOOR - RAM_BASE) - 1 }), {
      freq: 12,
    }),
  });

export interface Posted {
  queue: number;
  head: number;
  spec: RequestSpec;
  readable: Range[];
  writable: Range[];
  writeLength: number;
  /** A readable buffer follows a writable one: the device must answer it empty. */
  malformed: boolean;
  /** Filled by `check`: the used length, or null while unanswered. */
  used: number | null;
  /** Filled by `check`: the position of its answer in the used ring. */
  order: number;
}

/**
 * The RAM and its copy that every driver reuses, cleared for each: one driver
 * runs at a time, and fresh buffers per input were a tenth of a device
 * target's time (allocation and the garbage collector).
 */
const SHARED_RAM = fuzzRam(RAM_SIZE);
const SHARED_BEFORE = new Uint8Array(RAM_SIZE);

export class FuzzDriver {
  readonly ram = SHARED_RAM;
  readonly transport: VirtioMmio;
  readonly posted: Posted[] = [];
  readonly log: string[] = [];
  irq = false;
  private before = new Uint8Array(0);
  private nextDesc: number[] = [];
  private availIdx: number[] = [];
  private heap = HEAP;
  private tables = TABLES;

  constructor(readonly device: VirtioDevice) {
    this.ram.bytes.fill(0);
    this.transport = new VirtioMmio(this.ram, { set: (l) => this.irq = l }, device, {
      log: (m) => this.log.push(m),
    });
  }

  w(offset: number, value: number): void {
    this.transport.write(offset, 4, value);
  }

  r(offset: number): number {
    return this.transport.read(offset, 4);
  }

  /** Reset, accept `features` (masked to what is offered), set up every queue, DRIVER_OK. */
  init(featureMask: bigint): void {
    this.w(0x70, 0);
    this.w(0x70, 3);
    let offered = 0n;
    for (let sel = 0; sel < 2; sel++) {
      this.w(0x14, sel);
      offered |= BigInt(this.r(0x10)) << BigInt(32 * sel);
    }
    const f = (offered & featureMask) | (1n << 32n);
    for (let sel = 0; sel < 2; sel++) {
      this.w(0x24, sel);
      this.w(0x20, Number((f >> BigInt(32 * sel)) & 0xffffffffn));
    }
    this.w(0x70, 0xb);
    for (let q = 0; q < Math.min(this.device.numQueues, MAX_QUEUES); q++) {
      this.w(0x30, q);
      this.w(0x38, QUEUE_SIZE);
      this.w(0x80, ringBase(q));
      this.w(0x84, 0);
      this.w(0x90, availOf(q));
      this.w(0x94, 0);
      this.w(0xa0, usedOf(q));
      this.w(0xa4, 0);
      this.w(0x44, 1);
      this.nextDesc[q] = 0;
      this.availIdx[q] = 0;
    }
    SHARED_BEFORE.set(this.ram.bytes);
    this.before = SHARED_BEFORE;
    this.w(0x70, 0xf);
  }

  private alloc(len: number): number {
    const at = this.heap;
    this.heap += Math.max(16, (len + 15) & ~15);
    return at;
  }

  /** The driver itself wrote [addr, addr + len): that is not a device write. */
  private sync(addr: number, len: number): void {
    const o = addr - RAM_BASE;
    this.before.set(this.ram.bytes.subarray(o, o + len), o);
  }

  private putDesc(at: number, addr: number, len: number, flags: number, next: number): void {
    const v = this.ram.view;
    const o = at - RAM_BASE;
    v.setUint32(o, addr % 2 ** 32, true);
    v.setUint32(o + 4, Math.floor(addr / 2 ** 32), true);
    v.setUint32(o + 8, len, true);
    v.setUint16(o + 12, flags, true);
    v.setUint16(o + 14, next, true);
    this.sync(at, 16);
  }

  /** Lays out and posts one request; false when it does not fit (queue or RAM full). */
  post(spec: RequestSpec): boolean {
    const q = spec.queue;
    if (q >= Math.min(this.device.numQueues, MAX_QUEUES) || spec.segs.length === 0) return false;
    const direct = spec.indirect ? 1 : spec.segs.length;
    if (this.nextDesc[q] + direct > QUEUE_SIZE) return false;
    const need = spec.segs.reduce((n, s) => n + (s.wild === null ? s.len + 16 : 0), 0) +
      16 * spec.segs.length + 16;
    if (this.heap + need > RAM_BASE + RAM_SIZE) return false;
    const readable: Range[] = [];
    const writable: Range[] = [];
    const bufs = spec.segs.map((s) => {
      const len = Math.min(s.len, WILD_FLOOR - RAM_BASE + RAM_SIZE);
      let addr: number;
      if (s.wild !== null) {
        addr = WILD_FLOOR + s.wild;
        if (addr + len > RAM_BASE + RAM_SIZE) addr = RAM_BASE + RAM_SIZE - len;
      } else {
        addr = this.alloc(len);
        if (!s.write && s.data.length > 0) {
          for (let i = 0; i < len; i++) {
            this.ram.bytes[addr - RAM_BASE + i] = s.data[i % s.data.length];
          }
          this.sync(addr, len);
        }
      }
      if (len > 0) (s.write ? writable : readable).push({ addr, len });
      return { addr, len, write: s.write };
    });
    const head = this.nextDesc[q];
    let table = ringBase(q) + 16 * head;
    if (spec.indirect) {
      if (this.tables + 16 * bufs.length > HEAP) return false;
      table = this.tables;
      this.tables += 16 * bufs.length;
    }
    bufs.forEach((b, i) => {
      const last = i === bufs.length - 1;
      this.putDesc(
        table + 16 * i,
        b.addr,
        b.len,
        (last ? 0 : 1) | (b.write ? 2 : 0),
        last ? 0 : (spec.indirect ? i + 1 : head + i + 1),
      );
    });
    if (spec.indirect) this.putDesc(ringBase(q) + 16 * head, table, 16 * bufs.length, 4, 0);
    this.nextDesc[q] += direct;
    const v = this.ram.view;
    v.setUint16(availOf(q) - RAM_BASE + 4 + 2 * (this.availIdx[q] % QUEUE_SIZE), head, true);
    this.availIdx[q] = (this.availIdx[q] + 1) & 0xffff;
    v.setUint16(availOf(q) - RAM_BASE + 2, this.availIdx[q], true);
    this.sync(availOf(q), 4 + 2 * QUEUE_SIZE);
    const writeLength = writable.reduce((n, r) => n + r.len, 0);
    const firstWrite = bufs.findIndex((b) => b.write && b.len > 0);
    const malformed = firstWrite >= 0 && bufs.slice(firstWrite).some((b) => !b.write && b.len > 0);
    this.posted.push({
      queue: q,
      head,
      spec,
      readable,
      writable,
      writeLength,
      malformed,
      used: null,
      order: -1,
    });
    if (spec.notify) this.w(0x50, q);
    return true;
  }

  notifyAll(): void {
    for (let q = 0; q < Math.min(this.device.numQueues, MAX_QUEUES); q++) this.w(0x50, q);
  }

  /**
   * Reads the used rings and checks the contract. `mustAnswer(q)` says the
   * device has to have answered every chain of queue q by now.
   */
  check(mustAnswer: (q: number) => boolean): void {
    const v = this.ram.view;
    const allowed: Range[] = [];
    for (const p of this.posted) p.used = null;
    for (let q = 0; q < Math.min(this.device.numQueues, MAX_QUEUES); q++) {
      // The used ring: flags, idx, the ring and avail_event (written with EVENT_IDX).
      allowed.push({ addr: usedOf(q), len: 6 + 8 * QUEUE_SIZE });
      const idx = v.getUint16(usedOf(q) - RAM_BASE + 2, true);
      const mine = this.posted.filter((p) => p.queue === q);
      must(idx <= mine.length, `queue ${q}: ${idx} answers to ${mine.length} requests`);
      for (let i = 0; i < idx; i++) {
        const at = usedOf(q) - RAM_BASE + 4 + 8 * i;
        const id = v.getUint32(at, true);
        const len = v.getUint32(at + 4, true);
        const p = mine.find((p) => p.head === id);
        must(p, `queue ${q}: used id ${id} was never posted`);
        must(p.used === null, `queue ${q}: head ${id} answered twice`);
        must(len <= p.writeLength, `queue ${q}: used len ${len} > writable ${p.writeLength}`);
        p.used = len;
        p.order = i;
        if (p.malformed) must(len === 0, `queue ${q}: malformed chain ${id} answered ${len} bytes`);
      }
      if (mustAnswer(q) && !this.transport.queue(q)?.broken) {
        const open = mine.filter((p) => p.used === null);
        must(open.length === 0, `queue ${q}: head ${open[0]?.head} never answered`);
      }
    }
    for (const p of this.posted) allowed.push(...p.writable);
    mustWriteOnlyInside(this.ram, this.before, allowed);
  }

  /** Some buffer was placed over others: data checks cannot tell whose bytes they read. */
  get overlapping(): boolean {
    return this.posted.some((p) => p.spec.segs.some((s) => s.wild !== null));
  }

  /** The bytes of a chain's writable buffers, in order. */
  written(p: Posted): Uint8Array {
    const out = new Uint8Array(p.writeLength);
    let at = 0;
    for (const r of p.writable) {
      out.set(this.ram.bytes.subarray(r.addr - RAM_BASE, r.addr - RAM_BASE + r.len), at);
      at += r.len;
    }
    return out;
  }
}

/** Waits until `done()` or `ms` pass (host I/O of async devices settles meanwhile). */
export async function settle(done: () => boolean, ms = 2000): Promise<void> {
  const end = performance.now() + ms;
  // Microtasks first (RAM backends), then real turns of the event loop (host I/O, timers).
  for (let i = 0; i < 200 && !done(); i++) await Promise.resolve();
  while (!done() && performance.now() < end) await new Promise((r) => setTimeout(r, 0));
}
