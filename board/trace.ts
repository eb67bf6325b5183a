/**
 * Instruction tracing for debugging: runs a bare-metal ELF one instruction at
 * a time and records pc and the integer registers before each one. A separate
 * loop over `Hart.run(1)`, so the interpreter's fast path pays nothing.
 */
import { Machine } from "./machine.ts";

export interface TraceStep {
  /** pc before the instruction. */
  pc: bigint;
  /** x0..x31 before the instruction. */
  x: bigint[];
}

/**
 * Traces up to `max` instructions of an ELF in bare-metal mode; also returns
 * the exit. `initial` sets x0..x31 first (another emulator's boot leftovers).
 */
export function traceElf(
  bytes: Uint8Array,
  max: number,
  initial?: bigint[],
): { steps: TraceStep[]; exitCode: number | null } {
  const m = new Machine({
    memoryMiB: 128,
    console: { write: () => {} },
    deterministic: true,
    jit: false, // one instruction at a time: the interpreter
  });
  let exitCode: number | null = null;
  m.bootElf(bytes);
  const h = m.hart;
  initial?.forEach((v, i) => i !== 0 && (h.state.x[i] = v));
  const steps: TraceStep[] = [];
  // HTIF power-off reaches Machine.stop, which sets haltRequested.
  const stop = m.stop.bind(m);
  m.stop = (e) => {
    if (e.reason === "poweroff") exitCode = e.code;
    stop(e);
  };
  while (steps.length < max && !h.haltRequested) {
    steps.push({
      pc: BigInt.asUintN(64, BigInt(h.pc)),
      x: Array.from(h.state.x, (v) => BigInt.asUintN(64, v)),
    });
    m.clint.update();
    const n = h.run(1);
    m.clock.advance(n);
    if (h.waiting && !h.interruptsPending()) break;
  }
  return { steps, exitCode };
}
