/**
 * Counts where the interpreter's WebAssembly tier (core/wasm_interp.ts) hands
 * instructions back to core/hart.ts's loop: its calls, the calls that ran
 * fewer than 4 instructions (the loop then keeps the next ones), and its stops
 * by the instruction and pc stopped at, for the profiling tools beside it.
 */
import { debugRead } from "../../core/debug_access.ts";
import type { Hart } from "../../core/hart.ts";
import { ACCESS_FETCH } from "../../core/trap.ts";
import {
  STOP_INSN,
  WASM_INTERP_PC_OFFSET,
  WASM_INTERP_RETIRED_OFFSET,
} from "../../core/wasm_interp.ts";

export interface TierStops {
  clear(): void;
  /** The calls and the `top` most frequent stops, one per line, named by `symbol(pc)`. */
  report(top: number, symbol?: (pc: bigint) => string): string;
}

/** Wraps `h.wasmInterp` (which must be on) to count. */
export function countTierStops(h: Hart): TierStops {
  const tier = h.wasmInterp!;
  const stops = new Map<string, number>();
  let calls = 0, short = 0;
  h.wasmInterp = (...a) => {
    const status = tier(...a);
    calls++;
    if (h.mem.i32[WASM_INTERP_RETIRED_OFFSET >> 2] < 4) short++;
    if (status === STOP_INSN) {
      const pc = h.mem.i32[(WASM_INTERP_PC_OFFSET >> 2) + 1] * 2 ** 32 +
        (h.mem.i32[WASM_INTERP_PC_OFFSET >> 2] >>> 0);
      const key = `${describe(h, pc)} at ${BigInt.asUintN(64, BigInt(pc)).toString(16)}`;
      stops.set(key, (stops.get(key) ?? 0) + 1);
    }
    return status;
  };
  return {
    clear() {
      stops.clear();
      calls = short = 0;
    },
    report(top, symbol) {
      const all = [...stops.values()].reduce((x, y) => x + y, 0);
      const lines = [`tier: ${calls} calls, ${short} ran < 4 instructions, ${all} stops at:`];
      for (const [what, n] of [...stops].sort((x, y) => y[1] - x[1]).slice(0, top)) {
        const pc = BigInt("0x" + what.split(" at ")[1]);
        lines.push(`  ${what}${symbol ? " " + symbol(pc) : ""}: ${n}`);
      }
      return lines.join("\n");
    },
  };
}

/**
 * The instruction at pc, coarsely: a CSR's number, an RVC's quadrant and funct3, or the word;
 * "(fetch miss)" after it when the fetch TLB's first way does not hold its page.
 */
function describe(h: Hart, pc: number): string {
  return what(h, pc) + (h.fetchTlb.holds(ACCESS_FETCH, pc) ? "" : " (fetch miss)");
}

function what(h: Hart, pc: number): string {
  const b = debugRead(h, pc, 4);
  if (b.length < 2) return "fetch miss";
  const insn = new DataView(b.buffer, b.byteOffset).getUint16(0, true) |
    (b.length === 4 ? new DataView(b.buffer, b.byteOffset).getUint16(2, true) << 16 : 0);
  if ((insn & 3) !== 3) return `rvc 0x${(insn & 0xe003).toString(16)}`;
  if ((insn & 0x7f) === 0x73 && ((insn >>> 12) & 7) !== 0) {
    return `csr 0x${(insn >>> 20).toString(16)}`;
  }
  return `op 0x${(insn & 0x707f).toString(16)} (${(insn >>> 0).toString(16)})`;
}
