/**
 * Atomics (LR/SC, AMOs), CSR accesses, ECALL, SRET/MRET and SFENCE.VMA in
 * translated code. Each is one call into TypeScript that runs the very code
 * the interpreter runs (Hart.atomic, Hart.csrAccess, Hart.system), so the LR
 * reservation, the privilege checks and every trap are the interpreter's; the
 * region stays in wasm around them instead of ending there.
 *
 * The call: sys(insn, address low, high, instructions retired before it)
 * with rs2's value (AMO) or rs1's (CSR) in the scratch slot; the value for rd
 * comes back in the scratch slot. Status: 0 go on, 1 trapped (TRAP says why),
 * 2 done and back to the run loop (state the region depends on may have
 * changed), 3 done and jumped (xRET: the new pc in the scratch slot).
 */
import { AMO_FUNCT5, ECALL, type Hart, SYSTEM_JUMP } from "../hart.ts";
import type { PhysicalMemory } from "../memory.ts";
import { JIT_FP_READY_OFFSET, JIT_RESERVATION_OFFSET, JIT_SCRATCH_OFFSET } from "../state.ts";
import { MSTATUS_FS } from "../csr.ts";
import { FP_CLEAN, FP_DIRTY, FP_OFF } from "./codegen_fp.ts";
import { TRAP } from "../trap.ts";

export const SYS_GO_ON = 0;
export const SYS_TRAP = 1;
export const SYS_STOP = 2;
export const SYS_JUMP = 3;

const OP_AMO = 0x2f, OP_SYSTEM = 0x73;
const SRET = 0x10200073, MRET = 0x30200073;

/**
 * CSRs whose write changes nothing translated code depends on (no TLB, mode,
 * interrupt or counter state): a region goes on after writing them.
 */
const PLAIN_CSRS = new Set([0x105, 0x140, 0x141, 0x142, 0x143, 0x305, 0x340, 0x341, 0x342, 0x343]);

/** True for the AMO and SYSTEM instructions translated code runs through sys(). */
export function translatableSystem(insn: number): boolean {
  const op = insn & 0x7f, f3 = (insn >>> 12) & 7;
  if (op === OP_AMO) {
    if ((f3 !== 2 && f3 !== 3) || !((AMO_FUNCT5 >>> (insn >>> 27)) & 1)) return false;
    return (insn >>> 27) !== 2 || ((insn >>> 20) & 31) === 0; // LR has rs2 = 0
  }
  if (op !== OP_SYSTEM) return false;
  if (f3 === 0) return systemExit(insn);
  if (f3 === 4) return false;
  const csr = insn >>> 20;
  // The FP CSRs belong with FP code; counter writes re-base the counts the run loop keeps.
  if (csr <= 3) return false;
  const writes = (f3 & 3) === 1 || ((insn >>> 15) & 31) !== 0;
  return !(writes && ((csr >= 0xb00 && csr <= 0xb1f) || csr === 0x320));
}

/** ECALL, SRET, MRET, SFENCE.VMA: translated, but control never falls through in the region. */
export function systemExit(insn: number): boolean {
  if (insn === ECALL || insn === SRET || insn === MRET) return true;
  return isSfenceVma(insn);
}

/** SFENCE.VMA rs1, rs2. */
export function isSfenceVma(insn: number): boolean {
  return (insn & 0xfe007fff) === 0x12000073;
}

/** mstatus.FS as translated FP code sees it (JIT_FP_READY_OFFSET, core/jit/codegen_fp.ts). */
export function fpReady(mstatus: number): number {
  const fs = mstatus & MSTATUS_FS;
  return fs === MSTATUS_FS ? FP_DIRTY : fs === 0 ? FP_OFF : FP_CLEAN;
}

/** Hart.reservation into the word translated LR/SC use (core/jit/codegen.ts), -1 for none. */
export function putReservation(i32: Int32Array, h: Hart): void {
  i32[JIT_RESERVATION_OFFSET >> 2] = Number.isNaN(h.reservation) ? -1 : h.reservation;
}

/** The word translated LR/SC use back into Hart.reservation. */
export function takeReservation(i32: Int32Array, h: Hart): void {
  const r = i32[JIT_RESERVATION_OFFSET >> 2];
  h.reservation = r < 0 ? NaN : r;
}

/** The TypeScript side of sys(). */
export class SystemCalls {
  /** Instructions of the current entry already credited to minstret/mcycle. */
  credited = 0;
  /** Checker mode: told of the RAM bytes an atomic may write, before it does. */
  logStore: ((va: number, size: number) => void) | null = null;
  /** Checker mode: told of each atomic's address, before the access. */
  onAccess: ((va: number) => void) | null = null;

  constructor(private readonly hart: Hart, private readonly mem: PhysicalMemory) {}

  /** Set by the translator when a store dropped translations (the region must stop). */
  codeChanged = false;

  call(insn: number, lo: number, hi: number, retired: number): number {
    const h = this.hart, i64 = this.mem.i64, at = JIT_SCRATCH_OFFSET >> 3;
    // FS and the reservation as translated code left them, for the instruction; then back.
    const ready = this.mem.i32;
    if (ready[JIT_FP_READY_OFFSET >> 2] === FP_DIRTY) h.mstatus |= MSTATUS_FS;
    takeReservation(ready, h);
    try {
      return this.run(insn, lo, hi, retired, h, i64, at);
    } finally {
      ready[JIT_FP_READY_OFFSET >> 2] = fpReady(h.mstatus);
      putReservation(ready, h);
    }
  }

  private run(
    insn: number,
    lo: number,
    hi: number,
    retired: number,
    h: Hart,
    i64: BigInt64Array,
    at: number,
  ): number {
    try {
      if ((insn & 0x7f) === OP_AMO) {
        const va = hi * 4294967296 + (lo >>> 0);
        this.onAccess?.(va);
        if (this.logStore !== null && (insn >>> 27) !== 2) {
          this.logStore(va, (insn >>> 12) & 1 ? 8 : 4);
        }
        this.codeChanged = false;
        i64[at] = h.atomic(insn, va, i64[at]);
        return this.codeChanged ? SYS_STOP : SYS_GO_ON;
      }
      const f3 = (insn >>> 12) & 7;
      if (isSfenceVma(insn)) { // rs1's value in lo/hi, rs2's in the scratch slot
        h.sfenceVma(insn, hi * 4294967296 + (lo >>> 0), i64[at]);
        return SYS_STOP;
      }
      if (f3 === 0) {
        if (h.system(insn, (insn >>> 7) & 31, (insn >>> 15) & 31, 0) !== SYSTEM_JUMP) {
          return SYS_STOP;
        }
        // After an xRET an interrupt may be takeable: the run loop looks, as after the interpreter's.
        if (h.interruptsPending()) h.endSlice = true;
        i64[at] = BigInt(h.pc);
        return SYS_JUMP;
      }
      // The counters as the interpreter has them before this instruction.
      h.creditRetired(retired - this.credited);
      this.credited = retired;
      const src = f3 & 4 ? BigInt((insn >>> 15) & 31) : i64[at];
      i64[at] = h.csrAccess(insn, src);
      const writes = (f3 & 3) === 1 || ((insn >>> 15) & 31) !== 0;
      if (!writes) return SYS_GO_ON;
      // As the interpreter: after a write, a pending interrupt ends the slice (it may be takeable now).
      if (h.interruptsPending()) {
        h.endSlice = true;
        return SYS_STOP;
      }
      return PLAIN_CSRS.has(insn >>> 20) ? SYS_GO_ON : SYS_STOP;
    } catch (e) {
      if (e !== TRAP) throw e;
      return SYS_TRAP;
    }
  }
}
