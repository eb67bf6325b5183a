/**
 * Registers that live in memory are kept in locals within a translated block
 * (core/jit/codegen.ts `get`, `set`, `storeDirty`): what a block wrote must be
 * in memory whenever it leaves early. Each program writes registers, then
 * faults on a load in the same block; the trap handler stops at WFI, and the
 * registers, mepc and mcause must be what the interpreter gives (the
 * lockstep checker leaves such blocks alone: the access is outside RAM). The
 * first program fails without the stores on the way out; the other two check
 * values that come from helpers: a CSR read's (the system helper's result)
 * and an FP conversion's that the exact path computes (a write inside an if).
 */
import assert from "node:assert/strict";
import { Jit } from "../core/jit/jit.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";

/** fmv.d.x f1, x9 and fcvt.l.d x5, f1 in the dynamic rounding mode. */
const FMV_D_X_F1_X9 = (0x79 << 25) | (9 << 15) | (1 << 7) | 0x53;
const FCVT_L_D_X5_F1 = (0x61 << 25) | (2 << 20) | (1 << 15) | (7 << 12) | (5 << 7) | 0x53;

/** Sets x3 to the end of RAM (a load there faults) and mtvec to the WFI at word `handler`. */
function prologue(handler: number): number[] {
  return [
    E.addi(3, 0, 1), // 0
    E.slli(3, 3, 31), // 4: RAM_BASE
    E.lui(8, 0x100), // 8
    E.add(3, 3, 8), // 12: the end of the 1 MiB of RAM
    E.auipc(7, 0), // 16
    E.addi(7, 7, handler * 4 - 16), // 20
    E.csrrw(0, 0x305, 7), // 24: mtvec
    E.lui(9, 0x6), // 28
    E.csrrs(0, 0x300, 9), // 32: mstatus.FS on
    E.jal(0, 4), // 36: a jump, so the block at 40 is translated at once
  ];
}

/** The block at 40, then the handler's WFI. */
const programs: Record<string, number[]> = {
  "plain writes": [
    E.addi(5, 0, 7), // 40
    E.addi(5, 5, 1), // 44: x5 = 8, written twice
    E.add(6, 5, 5), // 48
    E.ld(4, 3, 0), // 52: faults
    E.addi(6, 6, 1), // 56
    E.wfi(), // 60
  ],
  "a CSR read": [
    E.addi(10, 0, 0x55), // 40
    E.csrrw(0, 0x340, 10), // 44: mscratch
    E.csrrs(5, 0x340, 0), // 48: x5 from the system helper
    E.addi(6, 5, 1), // 52
    E.ld(4, 3, 0), // 56: faults
    E.wfi(), // 60
  ],
  "an FP conversion out of range (the exact path)": [
    E.addi(9, 0, -1), // 40
    E.slli(9, 9, 63), // 44
    E.addi(9, 9, -1), // 48: a NaN's bits
    FMV_D_X_F1_X9, // 52
    FCVT_L_D_X5_F1, // 56: x5 = 2^63 - 1, NV
    E.addi(6, 5, 1), // 60
    E.ld(4, 3, 0), // 64: faults
    E.wfi(), // 68
  ],
};

function outcome(block: number[], translated: boolean) {
  const head = prologue(10 + block.length - 1);
  const h = bareHart([...head, ...block]);
  const jit = translated ? new Jit(h, h.mem) : null;
  jit?.setHotThreshold(0);
  for (let n = 0; !h.waiting && n < 10_000;) n += Math.max(1, jit ? jit.run(1000) : h.run(1000));
  assert.ok(h.waiting);
  if (jit) assert.ok(jit.stats.regions >= 1, "translated");
  return {
    mepc: h.mepc,
    mcause: h.mcause,
    regs: [4, 5, 6, 9, 10].map((r) => u64(h, r)),
    fflags: h.state.fflags,
  };
}

for (const [name, block] of Object.entries(programs)) {
  Deno.test(`jit register cache: registers written before a fault in the block (${name})`, () => {
    const interpreted = outcome(block, false);
    assert.equal(interpreted.mcause, 5n, "a load access fault");
    assert.deepEqual(outcome(block, true), interpreted);
  });
}
