/**
 * Atomics (LR/SC, AMOs), CSR accesses, ECALL, SRET/MRET and SFENCE.VMA in
 * translated code. Each is one call into TypeScript that runs the very code
 * the interpreter runs (Hart.atomic, Hart.csrAccess, Hart.system), so the LR
 * reservation, the privilege checks and every trap are the interpreter's; the
 * region stays in wasm around them instead of ending there.
 *
 * The call: sys(insn, address low, high, instructions retired before it)
 * with rs2's value (AMO) or rs1's (CSR) in the scratch slot (ECALL passes
 * its pc as the address, a CSR instruction 1 if FP code follows it in its
 * block); the value for rd comes back in the scratch slot.
 * Status: 0 go on, 1 trapped (TRAP says why), 2 done and back to the run
 * loop (state the region depends on changed, or an interrupt is takeable),
 * 3 done and jumped (xRET, ECALL: the new pc in the scratch slot) and the
 * region may go on there, 4 jumped and back to the run loop. After each
 * call the TLB sets are at JIT_TLB_OFFSET: a CSR write that only switched
 * the data set (mstatus.SUM, which Linux sets and clears around each copy
 * from or to user memory) goes on with the new one.
 */
import { AMO_FUNCT5, csrWrites, ECALL, type Hart, SYSTEM_JUMP } from "../hart.ts";
import type { PhysicalMemory } from "../memory.ts";
import {
  JIT_FP_READY_OFFSET,
  JIT_RESERVATION_OFFSET,
  JIT_SCRATCH_OFFSET,
  JIT_TLB_OFFSET,
} from "../state.ts";
import { MSTATUS_FS, MSTATUS_MXR } from "../csr.ts";
import { FP_CLEAN, FP_DIRTY, FP_OFF } from "./codegen_fp.ts";
import { CAUSE_USER_ECALL, TRAP } from "../trap.ts";

export const SYS_GO_ON = 0;
export const SYS_TRAP = 1;
export const SYS_STOP = 2;
export const SYS_JUMP = 3;
export const SYS_JUMP_STOP = 4;

/** SystemCalls.stopWhy beside CSR numbers. */
export const WHY_ECALL = 0x1000, WHY_XRET = 0x1001, WHY_SFENCE = 0x1002, WHY_AMO = 0x1003;
export const WHY_TRAP = 0x1004;

const OP_AMO = 0x2f, OP_SYSTEM = 0x73;
const SRET = 0x10200073, MRET = 0x30200073;

/**
 * CSRs whose write changes nothing translated code depends on (no TLB, mode,
 * interrupt or counter state): a region goes on after writing them.
 */
const PLAIN_CSRS = new Set([0x105, 0x140, 0x141, 0x142, 0x143, 0x305, 0x340, 0x341, 0x342, 0x343]);
/**
 * CSRs whose write may change the interrupts that are takeable, FS, MXR or
 * the data TLB set: a region goes on after writing them when none but the
 * data set changed (it reloads that) and no interrupt became takeable. A
 * change of FS is fine unless FP code follows in the block: each block checks
 * FS at its first FP instruction (Linux clears FS at each trap entry and puts
 * it back before SRET).
 */
export const STATUS_CSRS = new Set([
  0x100, // sstatus
  0x104, // sie
  0x106, // scounteren
  0x10a, // senvcfg
  0x144, // sip
  0x300, // mstatus
  0x302, // medeleg
  0x303, // mideleg
  0x304, // mie
  0x306, // mcounteren
  0x30a, // menvcfg
  0x344, // mip
]);

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
  return !(csrWrites(insn) && ((csr >= 0xb00 && csr <= 0xb1f) || csr === 0x320));
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

  /** Where the last xRET or ECALL went (exit counts: a jump out that no chain took). */
  jumpedTo = NaN;
  /** Traps entered here in the current entry (ECALLs): executed, not retired. */
  traps = 0;
  /** Set by the translator when a store dropped translations (the region must stop). */
  codeChanged = false;
  /**
   * Why the last call ended the region (for the translator's exit counts): a
   * CSR's number, or a WHY_ code; -1 when it did not.
   */
  stopWhy = -1;

  call(insn: number, lo: number, hi: number, retired: number): number {
    const h = this.hart, i64 = this.mem.i64, at = JIT_SCRATCH_OFFSET >> 3;
    // FS and the reservation as translated code left them, for the instruction; then back.
    const ready = this.mem.i32;
    this.stopWhy = -1;
    if (ready[JIT_FP_READY_OFFSET >> 2] === FP_DIRTY) h.mstatus |= MSTATUS_FS;
    takeReservation(ready, h);
    try {
      return this.run(insn, lo, hi, retired, h, i64, at);
    } finally {
      ready[JIT_FP_READY_OFFSET >> 2] = fpReady(h.mstatus);
      putReservation(ready, h);
      ready[JIT_TLB_OFFSET >> 2] = h.dataTlb.offset;
      ready[(JIT_TLB_OFFSET >> 2) + 1] = h.fetchTlb.offset;
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
        if (!this.codeChanged) return SYS_GO_ON;
        this.stopWhy = WHY_AMO;
        return SYS_STOP;
      }
      const f3 = (insn >>> 12) & 7;
      if (isSfenceVma(insn)) { // rs1's value in lo/hi, rs2's in the scratch slot
        h.sfenceVma(insn, hi * 4294967296 + (lo >>> 0), i64[at]);
        this.stopWhy = WHY_SFENCE;
        return SYS_STOP;
      }
      if (insn === ECALL) {
        // The trap entered here, as the interpreter does without a throw; it does not retire.
        this.traps++;
        h.trap(CAUSE_USER_ECALL + h.priv, false, 0n, hi * 4294967296 + (lo >>> 0));
        i64[at] = BigInt(h.pc);
        this.stopWhy = WHY_ECALL;
        this.jumpedTo = h.pc;
        return h.endSlice ? SYS_JUMP_STOP : SYS_JUMP;
      }
      if (f3 === 0) {
        if (h.system(insn, (insn >>> 7) & 31, (insn >>> 15) & 31, 0) !== SYSTEM_JUMP) {
          this.stopWhy = WHY_XRET;
          return SYS_STOP;
        }
        i64[at] = BigInt(h.pc);
        this.stopWhy = WHY_XRET;
        this.jumpedTo = h.pc;
        // After an xRET an interrupt may be takeable: the run loop takes it, as after the interpreter's.
        if (h.takeable() === 0 && !h.endSlice) return SYS_JUMP;
        h.endSlice = true;
        return SYS_JUMP_STOP;
      }
      // The counters as the interpreter has them before this instruction.
      h.creditRetired(retired - this.credited);
      this.credited = retired;
      const src = f3 & 4 ? BigInt((insn >>> 15) & 31) : i64[at];
      const csr = insn >>> 20;
      const fetch = h.fetchTlb, status = h.mstatus;
      i64[at] = h.csrAccess(insn, src);
      if (!csrWrites(insn)) return SYS_GO_ON;
      // As the interpreter: after a write, an interrupt that became takeable ends the slice.
      if (h.takeable() !== 0) {
        h.endSlice = true;
        this.stopWhy = csr;
        return SYS_STOP;
      }
      if (PLAIN_CSRS.has(csr)) return SYS_GO_ON;
      if (
        STATUS_CSRS.has(csr) && !h.endSlice && h.fetchTlb === fetch &&
        ((h.mstatus ^ status) & MSTATUS_MXR) === 0 &&
        (lo === 0 || fpReady(h.mstatus) === fpReady(status))
      ) return SYS_GO_ON;
      this.stopWhy = csr;
      return SYS_STOP;
    } catch (e) {
      if (e !== TRAP) throw e;
      this.stopWhy = WHY_TRAP;
      return SYS_TRAP;
    }
  }
}
