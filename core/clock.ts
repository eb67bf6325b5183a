import type { Clock } from "./bus.ts";

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

  constructor(readonly deterministic: boolean) {}

  ticks(): number {
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

  /** Host milliseconds until mtime reaches `ticks` (real-time mode). */
  msUntil(ticks: number): number {
    return (ticks - this.ticks()) / (TIMEBASE_HZ / 1000);
  }
}
