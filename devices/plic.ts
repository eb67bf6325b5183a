/**
 * SiFive PLIC (`riscv,plic0`) for one hart with two contexts: 0 = M-mode
 * (drives MEIP), 1 = S-mode (drives SEIP). Sources are level-triggered: a
 * source is pending while its line is high and it is not claimed; completing a
 * source whose line is still high makes it pending again.
 */
import {
  type InterruptTarget,
  IRQ_MEIP,
  IRQ_SEIP,
  type IrqLine,
  type MmioRegion,
} from "../core/bus.ts";
import { SnapshotError, type StateReader, type StateWriter } from "../core/snapshot/format.ts";
import { subMerge, subRead } from "./mmio_access.ts";

const PRIORITY_MASK = 7;
const PENDING = 0x1000;
const ENABLE = 0x2000;
const ENABLE_STRIDE = 0x80;
const CONTEXT = 0x200000;
const CONTEXT_STRIDE = 0x1000;
const CONTEXT_BITS = [IRQ_MEIP, IRQ_SEIP];

export class Plic implements MmioRegion {
  readonly numSources: number;
  private readonly words: number;
  private readonly priority: Uint32Array;
  private readonly level: Uint8Array;
  private readonly claimed: Uint8Array;
  /** Pending bits as the guest reads them: bit n of word n >> 5. */
  private readonly pending: Uint32Array;
  private readonly enable: Uint32Array[];
  private readonly threshold = new Uint32Array(CONTEXT_BITS.length);

  constructor(private readonly hart: InterruptTarget, numSources = 31) {
    if (numSources < 1 || numSources > 1023) throw new RangeError("PLIC sources: 1..1023");
    this.numSources = numSources;
    this.words = (numSources >> 5) + 1;
    this.priority = new Uint32Array(numSources + 1);
    this.level = new Uint8Array(numSources + 1);
    this.claimed = new Uint8Array(numSources + 1);
    this.pending = new Uint32Array(this.words);
    this.enable = CONTEXT_BITS.map(() => new Uint32Array(this.words));
    this.updateOutputs();
  }

  /** The interrupt line of source n (1..numSources). */
  irq(n: number): IrqLine {
    if (n < 1 || n > this.numSources) throw new RangeError(`PLIC source ${n} out of range`);
    return { set: (high: boolean) => this.setLevel(n, high) };
  }

  /** Snapshot hooks (core/snapshot/format.ts): every register and line. */
  saveState(w: StateWriter): void {
    w.u32(this.numSources);
    for (const a of [this.priority, this.pending, ...this.enable, this.threshold]) {
      for (const v of a) w.u32(v);
    }
    w.bytes(this.level);
    w.bytes(this.claimed);
  }

  loadState(r: StateReader): void {
    if (r.u32() !== this.numSources) throw new SnapshotError("the snapshot's PLIC does not fit");
    for (const a of [this.priority, this.pending, ...this.enable, this.threshold]) {
      for (let i = 0; i < a.length; i++) a[i] = r.u32();
    }
    for (const a of [this.level, this.claimed]) {
      const b = r.bytes();
      if (b.length !== a.length) throw new SnapshotError("the snapshot's PLIC does not fit");
      a.set(b);
    }
    this.updateOutputs();
  }

  read(offset: number, size: 1 | 2 | 4): number {
    return subRead(this.readWord(offset & ~3), offset, size);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const at = offset & ~3;
    const v = subMerge(this.readWordQuiet(at), offset, size, value);
    if (at < PENDING) {
      const n = at >> 2;
      if (n >= 1 && n <= this.numSources) this.priority[n] = v & PRIORITY_MASK;
    } else if (at >= ENABLE && at < ENABLE + ENABLE_STRIDE * CONTEXT_BITS.length) {
      const ctx = (at - ENABLE) / ENABLE_STRIDE | 0;
      const w = ((at - ENABLE) % ENABLE_STRIDE) >> 2;
      if (w < this.words) this.enable[ctx][w] = w === 0 ? v & ~1 : v; // source 0 does not exist
    } else if (at >= CONTEXT && at < CONTEXT + CONTEXT_STRIDE * CONTEXT_BITS.length) {
      const ctx = (at - CONTEXT) / CONTEXT_STRIDE | 0;
      const reg = (at - CONTEXT) % CONTEXT_STRIDE;
      if (reg === 0) this.threshold[ctx] = v & PRIORITY_MASK;
      else if (reg === 4) this.complete(v);
    } else {
      return;
    }
    this.updateOutputs();
  }

  private setLevel(n: number, high: boolean): void {
    this.level[n] = high ? 1 : 0;
    this.setPendingBit(n, high && !this.claimed[n]);
    this.updateOutputs();
  }

  private setPendingBit(n: number, on: boolean): void {
    const bit = 1 << (n & 31);
    if (on) this.pending[n >> 5] |= bit;
    else this.pending[n >> 5] &= ~bit;
  }

  /** Highest-priority pending enabled source above the context's threshold (ties: lowest id), or 0. */
  private best(ctx: number): number {
    const en = this.enable[ctx];
    let best = 0;
    let bestPrio = this.threshold[ctx];
    for (let w = 0; w < this.words; w++) {
      let bits = this.pending[w] & en[w];
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const n = (w << 5) | b;
        if (this.priority[n] > bestPrio) {
          best = n;
          bestPrio = this.priority[n];
        }
      }
    }
    return best;
  }

  private claim(ctx: number): number {
    const n = this.best(ctx);
    if (n !== 0) {
      this.claimed[n] = 1;
      this.setPendingBit(n, false);
      this.updateOutputs();
    }
    return n;
  }

  private complete(n: number): void {
    if (n < 1 || n > this.numSources || !this.claimed[n]) return;
    this.claimed[n] = 0;
    if (this.level[n]) this.setPendingBit(n, true);
  }

  private updateOutputs(): void {
    for (let ctx = 0; ctx < CONTEXT_BITS.length; ctx++) {
      this.hart.setPending(CONTEXT_BITS[ctx], this.best(ctx) !== 0);
    }
  }

  /** Register reads; a read of claim/complete claims (it has a side effect). */
  private readWord(at: number): number {
    if (at >= CONTEXT && at < CONTEXT + CONTEXT_STRIDE * CONTEXT_BITS.length) {
      const ctx = (at - CONTEXT) / CONTEXT_STRIDE | 0;
      if ((at - CONTEXT) % CONTEXT_STRIDE === 4) return this.claim(ctx);
    }
    return this.readWordQuiet(at);
  }

  /** Register values without side effects (also the base of partial writes). */
  private readWordQuiet(at: number): number {
    if (at < PENDING) {
      const n = at >> 2;
      return n <= this.numSources ? this.priority[n] : 0;
    }
    if (at < ENABLE) {
      const w = (at - PENDING) >> 2;
      return w < this.words ? this.pending[w] : 0;
    }
    if (at < ENABLE + ENABLE_STRIDE * CONTEXT_BITS.length) {
      const ctx = (at - ENABLE) / ENABLE_STRIDE | 0;
      const w = ((at - ENABLE) % ENABLE_STRIDE) >> 2;
      return w < this.words ? this.enable[ctx][w] : 0;
    }
    if (at >= CONTEXT && at < CONTEXT + CONTEXT_STRIDE * CONTEXT_BITS.length) {
      const ctx = (at - CONTEXT) / CONTEXT_STRIDE | 0;
      if ((at - CONTEXT) % CONTEXT_STRIDE === 0) return this.threshold[ctx];
    }
    return 0;
  }
}
