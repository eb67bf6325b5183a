/**
 * A synthetic guest driver for device benchmarks and tests: it owns a large
 * fake RAM, sets up full-size split queues through the MMIO registers, posts
 * descriptor chains, reaps used elements and waits for the interrupt line.
 * No guest CPU runs, so what it measures is the device and host side only.
 */
import type { GuestRam } from "../../core/bus.ts";
import { VirtioMmio } from "../../devices/virtio_mmio.ts";
import type { VirtioDevice } from "../../devices/virtio.ts";

import { RAM_BASE } from "./guest_ram.ts";

export { RAM_BASE };
const NEXT = 1;
const WRITE = 2;
/** VIRTIO_F_EVENT_IDX. */
export const EVENT_IDX = 29n;

/** One buffer of a chain: guest address and length. */
export interface Buf {
  addr: number;
  len: number;
}

interface QueueState {
  size: number;
  desc: number;
  avail: number;
  used: number;
  availIdx: number;
  usedSeen: number;
  free: number[];
  /** Descriptors of each in-flight head, returned to `free` when it completes. */
  chains: Map<number, number[]>;
}

export class SyntheticDriver {
  readonly t: VirtioMmio;
  private irqWaiter: (() => void) | null = null;
  private level = false;
  /** Rising edges of the interrupt line: what a guest would take as interrupts. */
  irqs = 0;
  /** Every time the device raised the line, high already or not (its interrupt decisions). */
  raises = 0;
  notifies = 0;
  private readonly queues: QueueState[] = [];
  /** The driver accepted VIRTIO_F_EVENT_IDX (used_event / avail_event are honoured). */
  eventIdx = false;

  /** Rings live in the first 1 MiB of RAM (by default); `heap` hands out buffer space after it. */
  private heapNext: number;
  private readonly rings: number;

  /**
   * A driver of its own transport for `device`, or of a machine's transport
   * (its interrupts then go to the machine), with the rings and buffers at
   * the addresses `layout` gives (0x8000 bytes of rings a queue).
   */
  constructor(
    readonly ram: GuestRam,
    device: VirtioDevice | VirtioMmio,
    readonly log: string[] = [],
    layout: { rings: number; heap: number } = { rings: RAM_BASE, heap: RAM_BASE + (1 << 20) },
  ) {
    this.rings = layout.rings;
    this.heapNext = layout.heap;
    if (device instanceof VirtioMmio) {
      this.t = device;
      return;
    }
    this.t = new VirtioMmio(
      ram,
      {
        set: (level) => {
          if (level) this.raises++;
          const rising = level && !this.level;
          this.level = level;
          if (!rising) return;
          this.irqs++;
          const w = this.irqWaiter;
          this.irqWaiter = null;
          w?.();
        },
      },
      device,
      { log: (m) => log.push(m) },
    );
  }

  private r(off: number): number {
    return this.t.read(off, 4);
  }
  private w(off: number, v: number): void {
    this.t.write(off, 4, v);
  }

  /** Reset, accept every offered feature (minus `without`), set up `n` queues, DRIVER_OK. */
  init(n: number, without = 0n, queueSize = 256): bigint {
    this.w(0x70, 0);
    this.w(0x70, 3);
    let offered = 0n;
    for (let sel = 0; sel < 2; sel++) {
      this.w(0x14, sel);
      offered |= BigInt(this.r(0x10)) << BigInt(32 * sel);
    }
    const f = offered & ~without;
    for (let sel = 0; sel < 2; sel++) {
      this.w(0x24, sel);
      this.w(0x20, Number((f >> BigInt(32 * sel)) & 0xffffffffn));
    }
    this.w(0x70, 0xb);
    if (!(this.r(0x70) & 8)) throw new Error("FEATURES_OK refused");
    this.eventIdx = (f & (1n << EVENT_IDX)) !== 0n;
    for (let q = 0; q < n; q++) {
      const base = this.rings + q * 0x8000;
      const size = Math.min(queueSize, this.t.read(0x34, 4) || queueSize);
      const st: QueueState = {
        size,
        desc: base,
        avail: base + 16 * size,
        used: base + 0x4000,
        availIdx: 0,
        usedSeen: 0,
        free: Array.from({ length: size }, (_, i) => i),
        chains: new Map(),
      };
      this.queues[q] = st;
      this.w(0x30, q);
      this.w(0x38, size);
      this.w(0x80, st.desc);
      this.w(0x84, 0);
      this.w(0x90, st.avail);
      this.w(0x94, 0);
      this.w(0xa0, st.used);
      this.w(0xa4, 0);
      this.w(0x44, 1);
    }
    this.w(0x70, 0xf);
    return f;
  }

  /** Reserves `len` bytes of RAM for buffers (4 KiB aligned). */
  heap(len: number): number {
    const at = this.heapNext;
    this.heapNext += Math.ceil(len / 4096) * 4096;
    if (this.heapNext > RAM_BASE + this.ram.size) throw new Error("synthetic driver: RAM full");
    return at;
  }

  /** Free descriptors of queue q. */
  freeCount(q: number): number {
    return this.queues[q].free.length;
  }

  /** Posts a chain (readable buffers first, then writable ones); returns its head. */
  post(q: number, readable: Buf[], writable: Buf[], notify = true): number {
    const st = this.queues[q];
    const n = readable.length + writable.length;
    if (st.free.length < n) throw new Error("synthetic driver: queue full");
    const ids = st.free.splice(st.free.length - n, n);
    const v = this.ram.view;
    const all = [...readable, ...writable];
    for (let i = 0; i < n; i++) {
      const at = st.desc - RAM_BASE + 16 * ids[i];
      v.setUint32(at, all[i].addr % 2 ** 32, true);
      v.setUint32(at + 4, Math.floor(all[i].addr / 2 ** 32), true);
      v.setUint32(at + 8, all[i].len, true);
      v.setUint16(at + 12, (i < n - 1 ? NEXT : 0) | (i >= readable.length ? WRITE : 0), true);
      v.setUint16(at + 14, i < n - 1 ? ids[i + 1] : 0, true);
    }
    st.chains.set(ids[0], ids);
    const avail = st.avail - RAM_BASE;
    v.setUint16(avail + 4 + 2 * (st.availIdx % st.size), ids[0], true);
    const old = st.availIdx;
    st.availIdx = (st.availIdx + 1) & 0xffff;
    v.setUint16(avail + 2, st.availIdx, true);
    if (notify) this.kick(q, old);
    return ids[0];
  }

  /** Notifies queue q unless the device suppressed it (avail_event / NO_NOTIFY). */
  kick(q: number, oldIdx = (this.queues[q].availIdx - 1) & 0xffff): void {
    const st = this.queues[q];
    const v = this.ram.view;
    const used = st.used - RAM_BASE;
    if (this.eventIdx) {
      const event = v.getUint16(used + 4 + 8 * st.size, true);
      // vring_need_event: notify when event lies in [old, new).
      if (((st.availIdx - event - 1) & 0xffff) >= ((st.availIdx - oldIdx) & 0xffff)) return;
    } else if (v.getUint16(used, true) & 1) return;
    this.notifies++;
    this.w(0x50, q);
  }

  /** Used elements of queue q since the last call, as [head, len]; frees their descriptors. */
  reap(q: number): [number, number][] {
    const st = this.queues[q];
    const v = this.ram.view;
    const used = st.used - RAM_BASE;
    const idx = v.getUint16(used + 2, true);
    const out: [number, number][] = [];
    while (st.usedSeen !== idx) {
      const slot = used + 4 + 8 * (st.usedSeen % st.size);
      const head = v.getUint32(slot, true);
      out.push([head, v.getUint32(slot + 4, true)]);
      st.usedSeen = (st.usedSeen + 1) & 0xffff;
      const ids = st.chains.get(head);
      if (ids) {
        st.chains.delete(head);
        st.free.push(...ids);
      }
    }
    if (this.eventIdx) {
      // used_event: interrupt me at the next completion.
      v.setUint16(st.avail - RAM_BASE + 4 + 2 * st.size, st.usedSeen, true);
    }
    this.w(0x64, this.r(0x60));
    return out;
  }

  /** Resolves at the next interrupt (or after `ms`, to poll). */
  waitIrq(ms = 1000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.irqWaiter = null;
        resolve();
      }, ms);
      this.irqWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
