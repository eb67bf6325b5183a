/**
 * SiFive CLINT for one hart: msip, mtimecmp and mtime (10 MHz timebase).
 * mtimecmp is kept as two uint32 halves so values past 2^53 (the reset value
 * is all-ones) compare exactly. Writes to mtime are ignored: the clock is the
 * machine's, and neither OpenSBI nor Linux writes it.
 */
import {
  type Clock,
  type InterruptTarget,
  IRQ_MSIP,
  IRQ_MTIP,
  type MmioRegion,
} from "../core/bus.ts";
import type { StateReader, StateWriter } from "../core/snapshot/format.ts";
import { subMerge, subRead } from "./mmio_access.ts";

const MSIP = 0x0;
const MTIMECMP = 0x4000;
const MTIME = 0xbff8;
const TWO32 = 0x1_0000_0000;

export class Clint implements MmioRegion {
  private msip = 0;
  private cmpLo = 0xffffffff;
  private cmpHi = 0xffffffff;
  /** mtime's high half sampled with the last low-half read, so a 64-bit load is not torn. */
  private latchedHi = -1;

  constructor(private readonly clock: Clock, private readonly hart: InterruptTarget) {
    hart.setPending(IRQ_MSIP | IRQ_MTIP, false);
  }

  /** Recomputes MTIP = mtime >= mtimecmp. */
  update(): void {
    const t = this.clock.ticks();
    const hi = Math.floor(t / TWO32);
    const lo = t >>> 0;
    const due = hi > this.cmpHi || (hi === this.cmpHi && lo >= this.cmpLo);
    this.hart.setPending(IRQ_MTIP, due);
  }

  /** mtimecmp in ticks, or Infinity when it is beyond exact numbers (e.g. all-ones). */
  nextDeadline(): number {
    if (this.cmpHi >= 0x200000) return Infinity;
    return this.cmpHi * TWO32 + this.cmpLo;
  }

  /** Snapshot hooks (core/snapshot/format.ts): msip and mtimecmp; mtime is the clock's. */
  saveState(w: StateWriter): void {
    w.u32(this.msip);
    w.u32(this.cmpLo);
    w.u32(this.cmpHi);
  }

  loadState(r: StateReader): void {
    this.msip = r.u32() & 1;
    this.cmpLo = r.u32();
    this.cmpHi = r.u32();
    this.hart.setPending(IRQ_MSIP, this.msip !== 0);
    this.update();
  }

  read(offset: number, size: 1 | 2 | 4): number {
    return subRead(this.word(offset & ~3), offset, size);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const at = offset & ~3;
    const merged = subMerge(this.word(at), offset, size, value);
    if (at === MSIP) {
      this.msip = merged & 1;
      this.hart.setPending(IRQ_MSIP, this.msip !== 0);
    } else if (at === MTIMECMP) {
      this.cmpLo = merged;
      this.update();
    } else if (at === MTIMECMP + 4) {
      this.cmpHi = merged;
      this.update();
    }
  }

  private word(at: number): number {
    switch (at) {
      case MSIP:
        return this.msip;
      case MTIMECMP:
        return this.cmpLo;
      case MTIMECMP + 4:
        return this.cmpHi;
      case MTIME: {
        const t = this.clock.ticks();
        this.latchedHi = Math.floor(t / TWO32) >>> 0;
        return t >>> 0;
      }
      case MTIME + 4: {
        const hi = this.latchedHi >= 0 ? this.latchedHi : Math.floor(this.clock.ticks() / TWO32);
        this.latchedHi = -1;
        return hi >>> 0;
      }
      default:
        return 0;
    }
  }
}
