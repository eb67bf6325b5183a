/**
 * The machine's side of an attached debugger: paused or running, one-step,
 * and why it stopped. The GDB stub (backends/debug/) drives it; the run loop
 * in board/machine.ts asks it before and after every slice. Break and watch
 * points themselves live with the triggers (core/triggers.ts).
 */

import type { Hart } from "./hart.ts";
import { WATCH_EXECUTE, WATCH_LOAD, WATCH_STORE } from "./triggers.ts";

export type StopCause =
  | { kind: "breakpoint" }
  | { kind: "watch" | "rwatch" | "awatch"; address: number }
  | { kind: "step" }
  /** The debugger asked (Ctrl-C, or -S at start). */
  | { kind: "interrupted" };

export class DebugControl {
  paused = false;
  /** The next slice runs one instruction, then stops. */
  stepping = false;
  /** Told when the machine stops by itself (a hit or a finished step). */
  onStop: ((cause: StopCause) => void) | null = null;
  private resumeWaiter: (() => void) | null = null;
  private pcBefore = 0;

  constructor(private readonly hart: Hart, private readonly wake: () => void) {}

  /** Stops the machine at the next slice boundary (Ctrl-C). Reports nothing itself. */
  pause(): void {
    this.paused = true;
    this.stepping = false;
    this.hart.endSlice = true;
    this.wake();
  }

  /** Continues, or runs one instruction when `step`. */
  resume(step: boolean): void {
    this.stepping = step;
    this.paused = false;
    const w = this.resumeWaiter;
    this.resumeWaiter = null;
    w?.();
  }

  /** Resolves when the debugger lets the machine go on. */
  resumed(): Promise<void> {
    if (!this.paused) return Promise.resolve();
    return new Promise((r) => this.resumeWaiter = r);
  }

  /** How many instructions the next slice may run. */
  budget(limit: number): number {
    this.pcBefore = this.hart.pc;
    this.hart.debugHit = null;
    return this.stepping ? 1 : limit;
  }

  /** After a slice: a debugger rule that matched, or a finished step, pauses the machine. */
  afterSlice(executed: number): void {
    const hit = this.hart.debugHit;
    let cause: StopCause | null = null;
    if (hit) {
      this.hart.debugHit = null;
      const kinds = hit.rule.kinds;
      if (kinds & WATCH_EXECUTE) cause = { kind: "breakpoint" };
      else {
        const address = Math.max(hit.address, hit.rule.address);
        const kind = kinds === WATCH_STORE ? "watch" : kinds === WATCH_LOAD ? "rwatch" : "awatch";
        cause = { kind, address };
      }
    } else if (this.stepping && (executed > 0 || this.hart.pc !== this.pcBefore)) {
      cause = { kind: "step" };
    }
    if (!cause) return;
    this.paused = true;
    this.stepping = false;
    this.onStop?.(cause);
  }
}
