import type { Clock } from "./bus.ts";
import type { StateReader, StateWriter } from "./snapshot/format.ts";

/** mtime frequency: 10 MHz, as TinyEMU. */
export const TIMEBASE_HZ = 10_000_000;
/** In deterministic mode one tick passes every this many instructions. */
export const INSTRUCTIONS_PER_TICK = 10;

/**
 * The machine timer. In real-time mode it follows the host clock; in
 * deterministic mode it follows the instruction count (and jumps ahead when the
 * guest idles), so a run is reproducible.
 */
export class MachineClock implements Clock {
  private readonly start = performance.now();
  private instructions = 0;
  private skipped = 0;
  /** mtime while the machine is paused (real time does not reach the guest then), else NaN. */
  private frozenAt = NaN;

  constructor(readonly deterministic: boolean) {}

  ticks(): number {
    if (!Number.isNaN(this.frozenAt)) return this.frozenAt;
    if (this.deterministic) {
      return Math.floor(this.instructions / INSTRUCTIONS_PER_TICK) + this.skipped;
    }
    return Math.floor((performance.now() - this.start) * (TIMEBASE_HZ / 1000)) + this.skipped;
  }

  /** Counts executed instructions (they drive time in deterministic mode). */
  advance(instructions: number): void {
    this.instructions += instructions;
  }

  /** Moves time forward to `ticks` (an idle guest in deterministic mode). */
  skipTo(ticks: number): void {
    const now = this.ticks();
    if (ticks > now) this.skipped += ticks - now;
  }

  /** Stops mtime (the machine is paused: stopped by the monitor, or being saved). */
  freeze(): void {
    if (Number.isNaN(this.frozenAt)) this.frozenAt = this.ticks();
  }

  /** Lets mtime go on from where it stopped, with no jump. */
  thaw(): void {
    const at = this.frozenAt;
    if (Number.isNaN(at)) return;
    this.frozenAt = NaN;
    this.setTicks(at);
  }

  /** Snapshot hooks: mtime and the instruction count, so a restored guest's time goes on. */
  saveState(w: StateWriter): void {
    w.f64(this.ticks());
    w.f64(this.instructions);
  }

  loadState(r: StateReader): void {
    const ticks = r.f64();
    this.instructions = r.f64();
    this.frozenAt = NaN;
    this.setTicks(ticks);
  }

  /** Makes ticks() read `ticks` now and go on from there. */
  private setTicks(ticks: number): void {
    this.skipped = 0;
    this.skipped = ticks - this.ticks();
  }

  /** Host milliseconds until mtime reaches `ticks` (real-time mode). */
  msUntil(ticks: number): number {
    return (ticks - this.ticks()) / (TIMEBASE_HZ / 1000);
  }
}
