/**
 * F and D instructions in translated code. FP registers stay in the shared
 * memory (FREG_OFFSET), fflags and frm too (FFLAGS_OFFSET), so translated code,
 * the interpreter and core/fpu.ts see one state.
 *
 * Results must be bit-identical to core/fpu.ts (and so to the spec), flags
 * included. WebAssembly's f32/f64 arithmetic is IEEE round-to-nearest-even,
 * so the native result is the answer whenever the rounding mode is RNE (static,
 * or dynamic with frm = RNE) and no flag but NX can arise: NX must already be
 * set (flags are sticky, so whether this result is inexact does not matter),
 * and the result lies where no overflow, underflow, invalid or divide-by-zero
 * is possible (a finite nonzero result above the smallest normal). Exact
 * operations (moves, sign injection, integer-to-double, in-range compares and
 * conversions to integers, which compute their own NX) need no condition but
 * their operands' class. Everything else calls fp(), which runs core/fpu.ts on
 * the shared state: rare cases go through the exact software path there.
 *
 * mstatus.FS: the word at JIT_FP_READY_OFFSET says what FS is on each entry
 * (FP_OFF, FP_DIRTY, or FP_CLEAN for Initial or Clean). While FS is Off a
 * block leaves for the interpreter at its first FP instruction (which raises
 * illegal-instruction). Otherwise FP code runs, and each instruction the
 * interpreter marks FS Dirty after (all but FSW/FSD) sets the word to
 * FP_DIRTY once it has completed; core/jit/jit.ts and core/jit/system.ts
 * carry that into mstatus (a process whose FS stays Clean, storing FP
 * registers in setjmp, say, no longer leaves translated code there).
 */
import { FFLAGS_OFFSET, FREG_OFFSET, JIT_FP_READY_OFFSET, JIT_SCRATCH_OFFSET } from "../state.ts";
import { ACCESS_LOAD, ACCESS_STORE } from "../trap.ts";
import type { Block, Insn } from "./region.ts";
import { type ByteWriter, F64, I32, I64, Op, VOID } from "./wasm.ts";

/** The word at JIT_FP_READY_OFFSET: mstatus.FS as translated code needs it. */
export const FP_OFF = 0, FP_DIRTY = 1, FP_CLEAN = 2;

/** f64 temporaries the FP code uses, after the emitter's own locals. */
export const FP_TEMPS = 20;
/** The FP code's locals: the f64 temporaries, then one i32 (the rounding mode). */
export const FP_LOCALS: [number, number][] = [[FP_TEMPS, F64], [1, I32]];

/** What the FP code needs of the region emitter (core/jit/codegen.ts). */
export interface FpEmitHost {
  readonly w: ByteWriter;
  readonly logStores: boolean;
  /** i64 temporaries. */
  readonly tempA: number;
  readonly tempB: number;
  /** The address's low half after tlbCheck. */
  readonly addrLoLocal: number;
  /** The TLB record's address after tlbCheck (the slow path's second way looks beside it). */
  readonly tlbRecordLocal: number;
  op(o: number): void;
  local(o: number, i: number): void;
  mem(o: number, align: number, offset: number): void;
  i32(v: number): void;
  i64(v: number): void;
  open(o: number, type: number, likely?: boolean): void;
  close(): void;
  exit(pc: number, retiredInBlock: number, status: number): void;
  get(r: number): void;
  set(r: number): void;
  call(fn: number): void;
  tlbCheck(rs1: number, imm: number, kind: number, size: number): void;
  hitOffset(kind: number): void;
  addrHi(): void;
}

/** Function indices the FP code calls (imports of every module, core/jit/jit.ts). */
export interface FpFunctions {
  load: number;
  store: number;
  logStore: number;
  fp: number;
}

// Leaving for the interpreter goes back to the run loop (STOP), never chained: a chained
// region entered at this very pc would leave again at once, for ever.
const STATUS_TRAP = 1, STATUS_STOP = 2;
const RNE = 0, RUP = 3, DYN = 7;
const MIN_NORMAL_S = 2 ** -126;
const MIN_NORMAL_D = 2 ** -1022;
/** Veltkamp's splitter for doubles, 2^27 + 1. */
const SPLIT = 134217729;
const TWO31 = 2 ** 31, TWO32 = 2 ** 32, TWO63 = 2 ** 63, TWO64 = 2 ** 64;

const freg = (r: number) => FREG_OFFSET + 8 * r;

/** Opcodes of the F and D extensions (loads, stores, fused, OP-FP). */
export function isFpOpcode(op: number): boolean {
  return op === 0x07 || op === 0x27 || op === 0x43 || op === 0x47 || op === 0x4b ||
    op === 0x4f || op === 0x53;
}

/** A rounding-mode field valid in the encoding (7, dynamic, is checked when it runs). */
function rmOk(rm: number): boolean {
  return rm <= 4 || rm === DYN;
}

/**
 * True for the F/D encodings core/fpu.ts (or the interpreter's FLW/FLD/FSW/FSD)
 * executes; statically illegal ones are left to the interpreter.
 */
export function translatableFp(insn: number): boolean {
  const op = insn & 0x7f, f3 = (insn >>> 12) & 7, rs2 = (insn >>> 20) & 31, f7 = insn >>> 25;
  if (op === 0x07 || op === 0x27) return f3 === 2 || f3 === 3;
  if (op !== 0x53) return isFpOpcode(op) && ((insn >>> 25) & 3) <= 1 && rmOk(f3);
  switch (f7) {
    case 0x00:
    case 0x01:
    case 0x04:
    case 0x05:
    case 0x08:
    case 0x09:
    case 0x0c:
    case 0x0d: // deno-fmt-ignore
      return rmOk(f3);
    case 0x2c:
    case 0x2d:
      return rs2 === 0 && rmOk(f3);
    case 0x10:
    case 0x11:
    case 0x50:
    case 0x51:
      return f3 <= 2;
    case 0x14:
    case 0x15:
      return f3 <= 1;
    case 0x20:
      return rs2 === 1 && rmOk(f3);
    case 0x21:
      return rs2 === 0 && rmOk(f3);
    case 0x60:
    case 0x61:
    case 0x68:
    case 0x69: // deno-fmt-ignore
      return rs2 <= 3 && rmOk(f3);
    case 0x70:
    case 0x71:
      return rs2 === 0 && f3 <= 1;
    case 0x78:
    case 0x79:
      return rs2 === 0 && f3 === 0;
  }
  return false;
}

/** The integer register an F/D instruction reads (-1: none): its address base or source. */
export function fpReadsX(insn: number): number {
  const op = insn & 0x7f, f7 = insn >>> 25, rs1 = (insn >>> 15) & 31;
  if (op === 0x07 || op === 0x27) return rs1;
  if (op === 0x53 && (f7 === 0x68 || f7 === 0x69 || f7 === 0x78 || f7 === 0x79)) return rs1;
  return -1;
}

/** The integer register an F/D instruction writes (-1: none): compares, conversions, moves. */
export function fpWritesX(insn: number): number {
  const op = insn & 0x7f, f7 = insn >>> 25;
  if (op !== 0x53) return -1;
  if (f7 === 0x50 || f7 === 0x51 || f7 === 0x60 || f7 === 0x61 || f7 === 0x70 || f7 === 0x71) {
    return (insn >>> 7) & 31;
  }
  return -1;
}

/** Emits F/D instructions for one region emitter. */
export class FpEmitter {
  /** The block whose FS check has been emitted. */
  private checked: Block | null = null;
  private readonly d: number[];
  /** The i32 temporary: the rounding mode of the directed paths. */
  private readonly mode: number;

  constructor(private readonly h: FpEmitHost, private readonly fn: FpFunctions, base: number) {
    this.d = Array.from({ length: FP_TEMPS }, (_, k) => base + k);
    this.mode = base + FP_TEMPS;
  }

  /** Called at the start of each function: every block checks FS again. */
  reset(): void {
    this.checked = null;
    this.dirtied = null;
  }

  /** Instruction `i`, the k-th of block `b`. */
  insn(i: Insn, k: number, b: Block): void {
    const h = this.h;
    if (this.checked !== b) {
      // FS must not be Off here (see the file comment); else the interpreter runs it.
      this.checked = b;
      this.dirtied = null;
      h.i32(0);
      h.mem(Op.i32_load, 2, JIT_FP_READY_OFFSET);
      h.op(Op.i32_eqz);
      h.open(Op.if, VOID, false);
      h.exit(i.pc, k, STATUS_STOP);
      h.close();
    }
    this.body(i, k);
    // As the interpreter: FS becomes Dirty after any F/D instruction but a store.
    if ((i.insn & 0x7f) !== 0x27 && this.dirtied !== b) {
      this.dirtied = b;
      h.i32(0);
      h.i32(FP_DIRTY);
      h.mem(Op.i32_store, 2, JIT_FP_READY_OFFSET);
    }
  }

  /** The block whose instructions have marked FS Dirty already. */
  private dirtied: Block | null = null;

  private body(i: Insn, k: number): void {
    const h = this.h;
    const insn = i.insn;
    const op = insn & 0x7f, f3 = (insn >>> 12) & 7;
    const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
    if (op === 0x07) return this.load(i, k, rd, rs1, insn >> 20, f3);
    if (op === 0x27) {
      return this.store(i, k, rs1, rs2, ((insn >> 25) << 5) | ((insn >>> 7) & 31), f3);
    }
    if (op !== 0x53) {
      if (((insn >>> 25) & 3) === 0) return this.fmaS(i, k, rd, rs1, rs2, insn >>> 27, f3, op);
      return this.fmaD(i, k, rd, rs1, rs2, insn >>> 27, f3, op);
    }
    const f7 = insn >>> 25;
    switch (f7) {
      case 0x01:
      case 0x05:
      case 0x09:
      case 0x0d:
        return this.arithD(i, k, rd, rs1, rs2, f3, ARITH_D[f7 >> 2]);
      case 0x00:
      case 0x04:
      case 0x08:
      case 0x0c:
        return this.arithS(i, k, rd, rs1, rs2, f3, ARITH_S[f7 >> 2]);
      case 0x2d:
        return this.sqrtD(i, k, rd, rs1, f3);
      case 0x2c:
        return this.sqrtS(i, k, rd, rs1, f3);
      case 0x11:
        return this.sgnjD(rd, rs1, rs2, f3);
      case 0x10:
        return this.sgnjS(i, k, rd, rs1, rs2, f3);
      case 0x51:
        return this.compareD(i, k, rd, rs1, rs2, f3);
      case 0x50:
        return this.compareS(i, k, rd, rs1, rs2, f3);
      case 0x15:
        return this.minMaxD(i, k, rd, rs1, rs2, f3);
      case 0x21:
        return this.cvtDS(i, k, rd, rs1, f3);
      case 0x20:
        return this.cvtSD(i, k, rd, rs1, f3);
      case 0x61:
        return this.toInt(i, k, rd, rs1, rs2, f3, true);
      case 0x60:
        return this.toInt(i, k, rd, rs1, rs2, f3, false);
      case 0x69:
        return this.fromInt(i, k, rd, rs1, rs2, f3, true);
      case 0x68:
        return this.fromInt(i, k, rd, rs1, rs2, f3, false);
      case 0x71:
        if (f3 === 0) { // FMV.X.D
          h.i32(0);
          h.mem(Op.i64_load, 3, freg(rs1));
          h.set(rd);
          return;
        }
        return this.helper(i, k);
      case 0x70:
        if (f3 === 0) { // FMV.X.W: the low 32 bits, sign-extended
          h.i32(0);
          h.mem(Op.i64_load32_s, 2, freg(rs1));
          h.set(rd);
          return;
        }
        return this.helper(i, k);
      case 0x79: // FMV.D.X
        h.i32(0);
        h.get(rs1);
        h.mem(Op.i64_store, 3, freg(rd));
        return;
      case 0x78: // FMV.W.X: NaN-boxed
        h.i32(0);
        h.get(rs1);
        h.i64(0xffffffff);
        h.op(Op.i64_and);
        h.i64(-TWO32);
        h.op(Op.i64_or);
        h.mem(Op.i64_store, 3, freg(rd));
        return;
    }
    this.helper(i, k);
  }

  // --- small writers ---

  private f64(v: number): void {
    this.h.op(Op.f64_const);
    this.h.w.f64(v);
  }
  private getD(k: number): void {
    this.h.local(Op.local_get, this.d[k]);
  }
  private setD(k: number): void {
    this.h.local(Op.local_set, this.d[k]);
  }
  private teeD(k: number): void {
    this.h.local(Op.local_tee, this.d[k]);
  }
  private loadD(r: number): void {
    this.h.i32(0);
    this.h.mem(Op.f64_load, 3, freg(r));
  }
  /** The single in f[r] as a double (exact); only valid where boxed(r) holds. */
  private loadS(r: number): void {
    this.h.i32(0);
    this.h.mem(Op.f32_load, 2, freg(r));
    this.h.op(Op.f64_promote_f32);
  }
  /** f[rd] = the double in temp t. */
  private storeD(rd: number, t: number): void {
    this.h.i32(0);
    this.getD(t);
    this.h.mem(Op.f64_store, 3, freg(rd));
  }
  /** f[rd] = the single (held exactly as a double in temp t), NaN-boxed. */
  private storeS(rd: number, t: number): void {
    const h = this.h;
    h.i32(0);
    this.getD(t);
    h.op(Op.f32_demote_f64);
    h.op(Op.i32_reinterpret_f32);
    h.op(Op.i64_extend_i32_u);
    h.i64(-TWO32);
    h.op(Op.i64_or);
    h.mem(Op.i64_store, 3, freg(rd));
  }
  /** Leaves 1 on the stack if f[r] holds a NaN-boxed single. */
  private boxed(r: number): void {
    this.h.i32(0);
    this.h.mem(Op.i32_load, 2, freg(r) + 4);
    this.h.i32(-1);
    this.h.op(Op.i32_eq);
  }
  /**
   * Leaves 1 on the stack when a result rounded to nearest-even may stand for
   * the instruction with rounding field rm: the mode is RNE and NX is set.
   */
  private rneAndInexact(rm: number): void {
    const h = this.h;
    h.i32(0);
    if (rm === RNE) {
      h.mem(Op.i32_load8_u, 0, FFLAGS_OFFSET);
      h.i32(1);
      h.op(Op.i32_and);
    } else if (rm === DYN) {
      h.mem(Op.i32_load16_u, 1, FFLAGS_OFFSET); // fflags | frm << 8
      h.i32(0x701);
      h.op(Op.i32_and);
      h.i32(1);
      h.op(Op.i32_eq);
    } else {
      h.op(Op.drop);
      h.i32(0);
    }
  }
  /**
   * For results that do not depend on the rounding mode, and so skip
   * rneAndInexact: a dynamic mode must still be valid (frm 5-7 is illegal).
   * ANDs that onto the condition on the stack.
   */
  private andRmValid(rm: number): void {
    if (rm !== DYN) return;
    const h = this.h;
    h.i32(0);
    h.mem(Op.i32_load8_u, 0, FFLAGS_OFFSET + 1);
    h.i32(5);
    h.op(Op.i32_lt_u);
    h.op(Op.i32_and);
  }

  /** Leaves 1 if lo < |temp t| < hi (false for NaN). */
  private absBetween(t: number, lo: number, hi: number): void {
    const h = this.h;
    this.getD(t);
    h.op(Op.f64_abs);
    this.f64(lo);
    h.op(Op.f64_gt);
    this.getD(t);
    h.op(Op.f64_abs);
    this.f64(hi);
    h.op(Op.f64_lt);
    h.op(Op.i32_and);
  }
  /** Sets NX in fflags. */
  private raiseNx(): void {
    const h = this.h;
    h.i32(0);
    h.i32(0);
    h.mem(Op.i32_load8_u, 0, FFLAGS_OFFSET);
    h.i32(1);
    h.op(Op.i32_or);
    h.mem(Op.i32_store8, 0, FFLAGS_OFFSET);
  }

  /**
   * The exact path: fp(insn) runs core/fpu.ts on the shared state (it reads
   * and writes integer registers there, so the one it uses goes through
   * memory). An illegal rounding mode in frm leaves for the interpreter.
   */
  private helper(i: Insn, k: number): void {
    const h = this.h, insn = i.insn;
    const rx = fpReadsX(insn), wx = fpWritesX(insn);
    if (rx > 0) {
      h.i32(0);
      h.get(rx);
      h.mem(Op.i64_store, 3, rx * 8);
    }
    h.i32(insn | 0);
    h.i32(0);
    h.i32(0);
    h.call(this.fn.fp);
    h.open(Op.if, VOID, false);
    h.exit(i.pc, k, STATUS_STOP);
    h.close();
    if (wx > 0) {
      h.i32(0);
      h.mem(Op.i64_load, 3, wx * 8);
      h.set(wx);
    }
  }

  /** if (condition on the stack) { fast } else { exact path }. */
  private fastOrHelper(i: Insn, k: number, fast: () => void): void {
    this.h.open(Op.if, VOID, true);
    fast();
    this.h.op(Op.else);
    this.helper(i, k);
    this.h.close();
  }

  // --- directed rounding (RTZ, RDN, RUP) ---

  /**
   * if (condition) { fast } else { directed rounding, or the exact path }.
   * The directed path needs the rounding mode to be RTZ, RDN or RUP (static
   * or in frm) and `error` to leave, in temp 3, a number whose sign is that of
   * X - f, where X is the exact result and f (temp 0) its RNE rounding, zero
   * only when X = f, plus an i32 condition that this holds (ranges where the
   * error-free transformations are exact).
   */
  private fastOrDirected(
    i: Insn,
    k: number,
    rm: number,
    fast: () => void,
    error: () => void,
    rd: number,
    dbl: boolean,
  ): void {
    const h = this.h;
    if (rm === RNE || rm === 4) return this.fastOrHelper(i, k, fast);
    h.open(Op.if, VOID, true);
    fast();
    h.op(Op.else);
    error();
    if (rm === DYN) {
      h.i32(0);
      h.mem(Op.i32_load8_u, 0, FFLAGS_OFFSET + 1);
    } else {
      h.i32(rm);
    }
    h.local(Op.local_tee, this.mode);
    h.i32(1);
    h.op(Op.i32_sub);
    h.i32(3);
    h.op(Op.i32_lt_u); // RTZ, RDN or RUP
    h.op(Op.i32_and);
    // f finite, above the smallest normal (so neither f nor its neighbor is tiny)
    this.absBetween(0, dbl ? MIN_NORMAL_D : MIN_NORMAL_S, Infinity);
    h.op(Op.i32_and);
    h.open(Op.if, VOID);
    this.directedResult(dbl);
    // The neighbor may be infinite (overflow): the exact path then.
    this.absBetween(4, -1, Infinity);
    h.open(Op.if, VOID);
    this.getD(3);
    this.f64(0);
    h.op(Op.f64_ne);
    h.open(Op.if, VOID);
    this.raiseNx();
    h.close();
    if (dbl) this.storeD(rd, 4);
    else this.storeS(rd, 4);
    h.op(Op.else);
    this.helper(i, k);
    h.close();
    h.op(Op.else);
    this.helper(i, k);
    h.close();
    h.close();
  }

  /**
   * Temp 4 = f (temp 0), or its neighbor toward X when the mode (this.mode)
   * says so: RTZ when X is nearer zero than f, RDN when X < f, RUP when X > f.
   * The neighbor is one step of f's bits: away from zero when X and f have
   * the same sign, else toward it.
   */
  private directedResult(dbl: boolean): void {
    const h = this.h;
    const xBelow = () => (this.getD(3), this.f64(0), h.op(Op.f64_lt));
    const fNeg = () => (this.getD(0), this.f64(0), h.op(Op.f64_lt));
    // move = mode == RTZ ? xBelow != fNeg : mode == RDN ? xBelow : (X > f)
    xBelow(), fNeg(), h.op(Op.i32_ne);
    xBelow();
    this.getD(3), this.f64(0), h.op(Op.f64_gt);
    h.local(Op.local_get, this.mode);
    h.i32(2);
    h.op(Op.i32_eq);
    h.op(Op.select);
    h.local(Op.local_get, this.mode);
    h.i32(1);
    h.op(Op.i32_eq);
    h.op(Op.select);
    this.getD(3), this.f64(0), h.op(Op.f64_ne); // exact: no move (RTZ's test alone would)
    h.op(Op.i32_and);
    h.open(Op.if, VOID);
    // bits(f) + (xBelow == fNeg ? 1 : -1)
    if (dbl) {
      this.getD(0);
      h.op(Op.i64_reinterpret_f64);
      h.i64(1);
      h.i64(-1);
      xBelow(), fNeg(), h.op(Op.i32_eq);
      h.op(Op.select);
      h.op(Op.i64_add);
      h.op(Op.f64_reinterpret_i64);
    } else {
      this.getD(0);
      h.op(Op.f32_demote_f64);
      h.op(Op.i32_reinterpret_f32);
      h.i32(1);
      h.i32(-1);
      xBelow(), fNeg(), h.op(Op.i32_eq);
      h.op(Op.select);
      h.op(Op.i32_add);
      h.op(Op.f32_reinterpret_i32);
      h.op(Op.f64_promote_f32);
    }
    this.setD(4);
    h.op(Op.else);
    this.getD(0);
    this.setD(4);
    h.close();
  }

  /**
   * The error of a double add, subtract, multiply or divide into temp 3
   * (operands in temps 1, 2, the RNE result in 0) and whether it is exact:
   * TwoSum; Dekker's product (operands between the smallest normal and
   * 2^995, product at least 2^-960); for a quotient q the remainder a - q×b
   * (exact by Dekker, signed by b).
   */
  private errorD(o: number): void {
    const h = this.h;
    const g = (t: number) => this.getD(t);
    const op = (x: number) => h.op(x);
    const sub = Op.f64_sub, mul = Op.f64_mul, add = Op.f64_add;
    if (o === Op.f64_add || o === Op.f64_sub) {
      // b' = ±b in temp 5; bb = r - a; e = (a - (r - bb)) + (b' - bb)
      g(2);
      if (o === sub) op(Op.f64_neg);
      this.setD(5);
      g(0), g(1), op(sub), this.setD(6);
      g(1), g(0), g(6), op(sub), op(sub), g(5), g(6), op(sub), op(add), this.setD(3);
      h.i32(1);
      return;
    }
    // Dekker's product of x (temp X) and y (temp Y): error into temp 3 with p in temp P.
    const dekker = (X: number, Y: number, P: number) => {
      this.f64(SPLIT), g(X), op(mul), this.setD(6);
      g(6), g(6), g(X), op(sub), op(sub), this.setD(7); // xh
      g(X), g(7), op(sub), this.setD(8); // xl
      this.f64(SPLIT), g(Y), op(mul), this.setD(6);
      g(6), g(6), g(Y), op(sub), op(sub), this.setD(9); // yh
      g(Y), g(9), op(sub), this.setD(10); // yl
      g(8), g(10), op(mul);
      g(P), g(7), g(9), op(mul), op(sub), g(8), g(9), op(mul), op(sub), g(7), g(10), op(mul);
      op(sub), op(sub), this.setD(3);
    };
    if (o === Op.f64_mul) {
      dekker(1, 2, 0);
      this.absIn(0, 2 ** -960, Number.MAX_VALUE);
      this.absIn(1, MIN_NORMAL_D, 2 ** 995);
      op(Op.i32_and);
      this.absIn(2, MIN_NORMAL_D, 2 ** 995);
      op(Op.i32_and);
      return;
    }
    // q×b = pp + pe; rem = (a - pp) - pe; the sign of X - q is rem's times b's.
    g(0), g(2), op(mul), this.setD(11);
    dekker(0, 2, 11);
    g(1), g(11), op(sub), g(3), op(sub), this.teeD(3);
    g(3), op(Op.f64_neg);
    g(2), this.f64(0), op(Op.f64_gt);
    op(Op.select);
    this.setD(3);
    this.absIn(0, 2 ** -960, 2 ** 995);
    this.absIn(2, MIN_NORMAL_D, 2 ** 995);
    op(Op.i32_and);
    this.absIn(1, 2 ** -960, 2 ** 1020);
    op(Op.i32_and);
  }

  /**
   * The same for singles, whose exact results are easy in double: a product
   * is exact; a sum d = RN53(a ± b) with TwoSum error e2 is above f where d
   * is (or by e2's sign when d = f); a quotient compares a with f×b (exact).
   * The boxing check left by arithS is in this.mode.
   */
  private errorS(o: number): void {
    const h = this.h;
    const g = (t: number) => this.getD(t);
    const op = (x: number) => h.op(x);
    const sub = Op.f64_sub, mul = Op.f64_mul, add = Op.f64_add;
    if (o === Op.f32_mul) {
      g(1), g(2), op(mul), g(0), op(sub), this.setD(3);
    } else if (o === Op.f32_div) {
      // (a - f×b), signed by b
      g(1), g(0), g(2), op(mul), op(sub), this.teeD(3);
      g(3), op(Op.f64_neg);
      g(2), this.f64(0), op(Op.f64_gt);
      op(Op.select);
      this.setD(3);
    } else {
      g(2);
      if (o === Op.f32_sub) op(Op.f64_neg);
      this.setD(5);
      g(1), g(5), op(add), this.setD(7); // d
      g(7), g(1), op(sub), this.setD(6);
      g(7), g(0), op(sub); // d - f
      g(1), g(7), g(6), op(sub), op(sub), g(5), g(6), op(sub), op(add); // e2
      g(7), g(0), op(Op.f64_ne);
      op(Op.select); // d != f ? d - f : e2
      this.setD(3);
    }
    h.local(Op.local_get, this.mode);
  }

  // --- loads and stores ---

  private load(i: Insn, k: number, rd: number, rs1: number, imm: number, f3: number): void {
    const h = this.h, size = f3 === 3 ? 8 : 4;
    h.i32(0); // the store's address, under the value
    h.tlbCheck(rs1, imm, ACCESS_LOAD, size);
    h.open(Op.if, I64, true);
    h.hitOffset(ACCESS_LOAD);
    h.mem(f3 === 3 ? Op.i64_load : Op.i64_load32_u, f3, 0);
    h.op(Op.else);
    h.local(Op.local_get, h.addrLoLocal);
    h.addrHi();
    h.i32(f3 === 3 ? 3 : 6);
    h.local(Op.local_get, h.tlbRecordLocal);
    h.call(this.fn.load);
    h.open(Op.if, VOID, false);
    h.exit(i.pc, k, STATUS_TRAP);
    h.close();
    h.i32(0);
    h.mem(Op.i64_load, 3, JIT_SCRATCH_OFFSET);
    h.close();
    if (f3 === 2) {
      h.i64(-TWO32);
      h.op(Op.i64_or);
    }
    h.mem(Op.i64_store, 3, freg(rd));
  }

  private store(i: Insn, k: number, rs1: number, rs2: number, imm: number, f3: number): void {
    const h = this.h, size = f3 === 3 ? 8 : 4;
    const value = () => {
      h.i32(0);
      h.mem(f3 === 3 ? Op.i64_load : Op.i64_load32_u, f3, freg(rs2));
    };
    const storeOp = f3 === 3 ? Op.i64_store : Op.i64_store32;
    h.tlbCheck(rs1, imm, ACCESS_STORE, size);
    h.open(Op.if, VOID, true);
    if (h.logStores) {
      h.hitOffset(ACCESS_STORE);
      h.i32(size);
      h.call(this.fn.logStore);
    }
    h.hitOffset(ACCESS_STORE);
    value();
    h.mem(storeOp, f3, 0);
    h.op(Op.else);
    h.i32(0);
    value();
    h.mem(Op.i64_store, 3, JIT_SCRATCH_OFFSET);
    h.local(Op.local_get, h.addrLoLocal);
    h.addrHi();
    h.i32(f3);
    h.local(Op.local_get, h.tlbRecordLocal);
    h.call(this.fn.store);
    h.local(Op.local_tee, h.addrLoLocal);
    h.open(Op.if, VOID, false);
    // 1: trap at this instruction; 2: done, but leave (MMIO wants the loop, or code changed).
    h.local(Op.local_get, h.addrLoLocal);
    h.i32(STATUS_TRAP);
    h.op(Op.i32_eq);
    h.open(Op.if, VOID);
    h.exit(i.pc, k, STATUS_TRAP);
    h.close();
    h.exit(i.pc + i.len, k + 1, STATUS_STOP);
    h.close();
    h.close();
  }

  // --- arithmetic ---

  /**
   * FADD/FSUB/FMUL/FDIV.D. Add and subtract never underflow (a tiny sum is
   * exact), so any finite result will do; a product or quotient must be above
   * the smallest normal (below it, or zero, it may be tiny and inexact).
   */
  private arithD(i: Insn, k: number, rd: number, rs1: number, rs2: number, rm: number, o: number) {
    const h = this.h;
    this.loadD(rs1);
    this.teeD(1);
    this.loadD(rs2);
    this.teeD(2);
    h.op(o);
    this.setD(0);
    this.arithCondition(rm, o === Op.f64_add || o === Op.f64_sub, o === Op.f64_mul, MIN_NORMAL_D);
    this.fastOrDirected(i, k, rm, () => this.storeD(rd, 0), () => this.errorD(o), rd, true);
  }

  /** The same for singles, computed in f32 (correctly rounded), boxed operands only. */
  private arithS(i: Insn, k: number, rd: number, rs1: number, rs2: number, rm: number, o: number) {
    const h = this.h;
    h.i32(0);
    h.mem(Op.f32_load, 2, freg(rs1));
    h.i32(0);
    h.mem(Op.f32_load, 2, freg(rs2));
    h.op(o);
    h.op(Op.f64_promote_f32);
    this.setD(0);
    this.loadS(rs1);
    this.setD(1);
    this.loadS(rs2);
    this.setD(2);
    this.arithCondition(rm, o === Op.f32_add || o === Op.f32_sub, o === Op.f32_mul, MIN_NORMAL_S);
    this.boxed(rs1);
    this.boxed(rs2);
    h.op(Op.i32_and);
    h.local(Op.local_tee, this.mode); // both boxed (the directed path needs it too)
    h.op(Op.i32_and);
    this.fastOrDirected(i, k, rm, () => this.storeS(rd, 0), () => this.errorS(o), rd, false);
  }

  /**
   * With the result in temp 0 and the operands in temps 1 and 2, leaves 1 if
   * the native result stands: RNE with NX set and a result no other flag can
   * come with, or (product, quotient) a zero first or (product) second
   * operand, which makes an exact zero in every mode (NaN results excepted;
   * x/0 is infinite and raises DZ).
   */
  private arithCondition(rm: number, addSub: boolean, mul: boolean, minNormal: number): void {
    const h = this.h;
    this.rneAndInexact(rm);
    this.absBetween(0, addSub ? -1 : minNormal, Infinity);
    h.op(Op.i32_and);
    if (addSub) return;
    this.getD(1);
    this.f64(0);
    h.op(Op.f64_eq);
    if (mul) {
      this.getD(2);
      this.f64(0);
      h.op(Op.f64_eq);
      h.op(Op.i32_or);
    }
    this.getD(0);
    this.getD(0);
    h.op(Op.f64_eq);
    h.op(Op.i32_and);
    this.andRmValid(rm);
    h.op(Op.i32_or);
  }

  /** FSQRT.D of a positive finite number: never tiny, never invalid. */
  private sqrtD(i: Insn, k: number, rd: number, rs1: number, rm: number): void {
    const h = this.h;
    this.loadD(rs1);
    this.teeD(1);
    h.op(Op.f64_sqrt);
    this.setD(0);
    this.rneAndInexact(rm);
    this.getD(1);
    this.f64(0);
    h.op(Op.f64_gt);
    h.op(Op.i32_and);
    this.absBetween(0, -1, Infinity);
    h.op(Op.i32_and);
    this.fastOrHelper(i, k, () => this.storeD(rd, 0));
  }

  private sqrtS(i: Insn, k: number, rd: number, rs1: number, rm: number): void {
    const h = this.h;
    h.i32(0);
    h.mem(Op.f32_load, 2, freg(rs1));
    h.op(Op.f32_sqrt);
    h.op(Op.f64_promote_f32);
    this.setD(0);
    this.loadS(rs1);
    this.setD(1);
    this.rneAndInexact(rm);
    this.getD(1);
    this.f64(0);
    h.op(Op.f64_gt);
    h.op(Op.i32_and);
    this.absBetween(0, -1, Infinity);
    h.op(Op.i32_and);
    this.boxed(rs1);
    h.op(Op.i32_and);
    this.fastOrHelper(i, k, () => this.storeS(rd, 0));
  }

  /**
   * FMADD/FMSUB/FNMSUB/FNMADD.S: the product of two singles is exact in a
   * double, so d = RN53(±a×b ± c) is off the exact value only below half a
   * double ulp. Rounding d to single then gives the correctly rounded result
   * unless d sits exactly on a midpoint between two singles (its low 29
   * significand bits 1000…0), where the double rounding may have broken the
   * tie: those go to the exact path.
   */
  private fmaS(
    i: Insn,
    k: number,
    rd: number,
    rs1: number,
    rs2: number,
    rs3: number,
    rm: number,
    op: number,
  ) {
    const h = this.h;
    const negP = op === 0x4b || op === 0x4f, negC = op === 0x47 || op === 0x4f;
    this.loadS(rs1);
    this.loadS(rs2);
    h.op(Op.f64_mul);
    if (negP) h.op(Op.f64_neg);
    this.loadS(rs3);
    if (negC) h.op(Op.f64_neg);
    h.op(Op.f64_add);
    this.teeD(1);
    h.op(Op.f32_demote_f64);
    h.op(Op.f64_promote_f32);
    this.setD(0);
    this.rneAndInexact(rm);
    this.absBetween(0, MIN_NORMAL_S, Infinity);
    h.op(Op.i32_and);
    // Not a midpoint: (bits(d) & (2^29 - 1)) != 2^28.
    this.getD(1);
    h.op(Op.i64_reinterpret_f64);
    h.i64(0x1fffffff);
    h.op(Op.i64_and);
    h.i64(0x10000000);
    h.op(Op.i64_ne);
    h.op(Op.i32_and);
    this.boxed(rs1);
    h.op(Op.i32_and);
    this.boxed(rs2);
    h.op(Op.i32_and);
    this.boxed(rs3);
    h.op(Op.i32_and);
    this.fastOrHelper(i, k, () => this.storeS(rd, 0));
  }

  /**
   * FMADD/FMSUB/FNMSUB/FNMADD.D in RNE, as core/fpu.ts's fmaD does it: a×b =
   * p + pe exactly (Dekker's product, Veltkamp's split), then error-free sums
   * give X = r + rh + rl exactly with rh = RN(X - r). When |rh| is below half
   * the distance from r to its neighbors (RN is monotonic and that bound is a
   * power of two, so |X - r| is too), r is RN(X), and X is inexact exactly
   * when rh is not zero, so NX is set here. Operands or
   * results near the ends of the exponent range, and NaN/infinite/zero cases,
   * take the exact path.
   */
  private fmaD(
    i: Insn,
    k: number,
    rd: number,
    rs1: number,
    rs2: number,
    rs3: number,
    rm: number,
    op: number,
  ) {
    const h = this.h;
    if (rm !== RNE && rm !== DYN) return this.helper(i, k);
    const negP = op === 0x4b || op === 0x4f, negC = op === 0x47 || op === 0x4f;
    const [A, B, C, P, AH, AL, BH, BL, PE, S1, E1, T, E3, R, E4, RH, BB] = [
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10,
      11,
      12,
      13,
      14,
      15,
      16,
      17,
    ];
    const g = (t: number) => this.getD(t);
    const o = (x: number) => h.op(x);
    const add = Op.f64_add, sub = Op.f64_sub, mul = Op.f64_mul;
    this.loadD(rs1);
    if (negP) o(Op.f64_neg);
    this.setD(A);
    this.loadD(rs2);
    this.setD(B);
    this.loadD(rs3);
    if (negC) o(Op.f64_neg);
    this.setD(C);
    g(A), g(B), o(mul), this.setD(P);
    // Range: MIN_PROD <= |p| <= BIG, |c| <= BIG, MIN_NORMAL <= |a|, |b| <= MAX_SPLIT.
    this.absIn(P, 2 ** -960, 2 ** 1020);
    this.absIn(C, -1, 2 ** 1020);
    o(Op.i32_and);
    this.absIn(A, MIN_NORMAL_D, 2 ** 995);
    o(Op.i32_and);
    this.absIn(B, MIN_NORMAL_D, 2 ** 995);
    o(Op.i32_and);
    if (rm === DYN) {
      h.i32(0);
      h.mem(Op.i32_load8_u, 0, FFLAGS_OFFSET + 1); // frm
      o(Op.i32_eqz);
      o(Op.i32_and);
    }
    h.open(Op.if, VOID);
    // Dekker: pe = al×bl - (((p - ah×bh) - al×bh) - ah×bl).
    this.f64(SPLIT), g(A), o(mul), this.teeD(BB), g(BB), g(A), o(sub), o(sub), this.teeD(AH);
    g(A), this.getD(AH), o(sub), this.setD(AL), o(Op.drop);
    this.f64(SPLIT), g(B), o(mul), this.teeD(BB), g(BB), g(B), o(sub), o(sub), this.teeD(BH);
    g(B), g(BH), o(sub), this.setD(BL), o(Op.drop);
    g(AL), g(BL), o(mul);
    g(P), g(AH), g(BH), o(mul), o(sub), g(AL), g(BH), o(mul), o(sub), g(AH), g(BL), o(mul), o(sub);
    o(sub), this.setD(PE);
    // s1 + e1 = p + c
    g(P), g(C), o(add), this.teeD(S1), g(P), o(sub), this.setD(BB);
    g(P), g(S1), g(BB), o(sub), o(sub), g(C), g(BB), o(sub), o(add), this.setD(E1);
    // t + e3 = e1 + pe
    g(E1), g(PE), o(add), this.teeD(T), g(E1), o(sub), this.setD(BB);
    g(E1), g(T), g(BB), o(sub), o(sub), g(PE), g(BB), o(sub), o(add), this.setD(E3);
    // r + e4 = s1 + t
    g(S1), g(T), o(add), this.teeD(R), g(S1), o(sub), this.setD(BB);
    g(S1), g(R), g(BB), o(sub), o(sub), g(T), g(BB), o(sub), o(add), this.setD(E4);
    g(E4), g(E3), o(add), this.setD(RH);
    // 2^-1000 <= |r| < inf and |rh| < the half-distance to r's neighbor: ulp(r)/2, or
    // ulp(r)/4 toward zero from a power of two (ulp/4 there, either way).
    this.absIn(R, 2 ** -1000, Infinity);
    g(R), o(Op.i64_reinterpret_f64), h.i64(0x7ff0000000000000), o(Op.i64_and);
    o(Op.f64_reinterpret_i64), this.f64(2 ** -54), o(mul), this.setD(BB); // ulp/4
    g(RH), o(Op.f64_abs), g(BB), o(Op.f64_lt);
    g(RH), o(Op.f64_abs), g(BB), this.f64(2), o(mul), o(Op.f64_lt);
    g(R), o(Op.i64_reinterpret_f64), h.i64(0xfffffffffffff), o(Op.i64_and), o(Op.i64_eqz);
    o(Op.i32_eqz), o(Op.i32_and), o(Op.i32_or);
    o(Op.i32_and);
    h.open(Op.if, VOID);
    g(RH), this.f64(0), o(Op.f64_ne);
    h.open(Op.if, VOID);
    this.raiseNx();
    h.close();
    this.storeD(rd, R);
    h.op(Op.else);
    this.helper(i, k);
    h.close();
    h.op(Op.else);
    this.helper(i, k);
    h.close();
  }

  /** Leaves 1 if lo <= |temp t| <= hi (lo < |t| when lo is negative; false for NaN). */
  private absIn(t: number, lo: number, hi: number): void {
    const h = this.h;
    this.getD(t);
    h.op(Op.f64_abs);
    this.f64(lo);
    h.op(Op.f64_ge);
    this.getD(t);
    h.op(Op.f64_abs);
    this.f64(hi);
    h.op(hi === Infinity ? Op.f64_lt : Op.f64_le);
    h.op(Op.i32_and);
  }

  // --- exact operations ---

  /** FSGNJ/FSGNJN/FSGNJX.D: bit operations on the raw registers. */
  private sgnjD(rd: number, rs1: number, rs2: number, f3: number): void {
    const h = this.h;
    h.i32(0);
    h.i32(0);
    h.mem(Op.i64_load, 3, freg(rs1));
    h.local(Op.local_tee, h.tempA);
    h.i64(-TWO63);
    h.i64(-1);
    h.op(Op.i64_xor);
    h.op(Op.i64_and); // rs1's magnitude
    h.i32(0);
    h.mem(Op.i64_load, 3, freg(rs2));
    if (f3 === 1) {
      h.i64(-1);
      h.op(Op.i64_xor);
    } else if (f3 === 2) {
      h.local(Op.local_get, h.tempA);
      h.op(Op.i64_xor);
    }
    h.i64(-TWO63);
    h.op(Op.i64_and); // the sign
    h.op(Op.i64_or);
    h.mem(Op.i64_store, 3, freg(rd));
  }

  /** FSGNJ*.S on boxed operands: on the low words; unboxed ones go to the exact path. */
  private sgnjS(i: Insn, k: number, rd: number, rs1: number, rs2: number, f3: number): void {
    const h = this.h;
    this.boxed(rs1);
    this.boxed(rs2);
    h.op(Op.i32_and);
    this.fastOrHelper(i, k, () => {
      h.i32(0);
      h.i32(0);
      h.mem(Op.i32_load, 2, freg(rs1));
      h.i32(0x7fffffff);
      h.op(Op.i32_and);
      h.i32(0);
      h.mem(Op.i32_load, 2, freg(rs2));
      if (f3 === 1) {
        h.i32(-1);
        h.op(Op.i32_xor);
      } else if (f3 === 2) {
        h.i32(0);
        h.mem(Op.i32_load, 2, freg(rs1));
        h.op(Op.i32_xor);
      }
      h.i32(-0x80000000);
      h.op(Op.i32_and);
      h.op(Op.i32_or);
      h.op(Op.i64_extend_i32_u);
      h.i64(-TWO32);
      h.op(Op.i64_or);
      h.mem(Op.i64_store, 3, freg(rd));
    });
  }

  /** FEQ/FLT/FLE.D: ordered operands compare natively; NaNs go to the exact path (flags). */
  private compareD(i: Insn, k: number, rd: number, rs1: number, rs2: number, f3: number): void {
    this.loadD(rs1);
    this.setD(0);
    this.loadD(rs2);
    this.setD(1);
    this.ordered();
    this.fastOrHelper(i, k, () => this.compareTemps(rd, f3));
  }

  private compareS(i: Insn, k: number, rd: number, rs1: number, rs2: number, f3: number): void {
    const h = this.h;
    this.loadS(rs1);
    this.setD(0);
    this.loadS(rs2);
    this.setD(1);
    this.ordered();
    this.boxed(rs1);
    h.op(Op.i32_and);
    this.boxed(rs2);
    h.op(Op.i32_and);
    this.fastOrHelper(i, k, () => this.compareTemps(rd, f3));
  }

  /** 1 if temps 0 and 1 are both not NaN. */
  private ordered(): void {
    const h = this.h;
    this.getD(0);
    this.getD(0);
    h.op(Op.f64_eq);
    this.getD(1);
    this.getD(1);
    h.op(Op.f64_eq);
    h.op(Op.i32_and);
  }

  private compareTemps(rd: number, f3: number): void {
    const h = this.h;
    this.getD(0);
    this.getD(1);
    h.op(f3 === 2 ? Op.f64_eq : f3 === 1 ? Op.f64_lt : Op.f64_le);
    h.op(Op.i64_extend_i32_u);
    h.set(rd);
  }

  /** FMIN/FMAX.D of two ordered, different numbers: the smaller or larger register. */
  private minMaxD(i: Insn, k: number, rd: number, rs1: number, rs2: number, f3: number): void {
    const h = this.h;
    this.loadD(rs1);
    this.setD(0);
    this.loadD(rs2);
    this.setD(1);
    this.getD(0);
    this.getD(1);
    h.op(Op.f64_ne);
    this.ordered();
    h.op(Op.i32_and);
    this.fastOrHelper(i, k, () => {
      h.i32(0);
      this.getD(0);
      this.getD(1);
      this.getD(0);
      this.getD(1);
      h.op(f3 === 1 ? Op.f64_gt : Op.f64_lt);
      h.op(Op.select);
      h.mem(Op.f64_store, 3, freg(rd));
    });
  }

  /** FCVT.D.S of a boxed non-NaN single: exact. */
  private cvtDS(i: Insn, k: number, rd: number, rs1: number, rm: number): void {
    const h = this.h;
    this.loadS(rs1);
    this.teeD(0);
    this.getD(0);
    h.op(Op.f64_eq);
    this.boxed(rs1);
    h.op(Op.i32_and);
    this.andRmValid(rm);
    this.fastOrHelper(i, k, () => this.storeD(rd, 0));
  }

  /**
   * FCVT.S.D: exact when the double is a single (any mode, no flags); else the
   * RNE rounding stands when NX is set and the result is a normal single.
   */
  private cvtSD(i: Insn, k: number, rd: number, rs1: number, rm: number): void {
    const h = this.h;
    this.loadD(rs1);
    this.teeD(1);
    h.op(Op.f32_demote_f64);
    h.op(Op.f64_promote_f32);
    this.teeD(0);
    this.getD(1);
    h.op(Op.f64_eq);
    this.andRmValid(rm);
    this.rneAndInexact(rm);
    this.absBetween(0, MIN_NORMAL_S, Infinity);
    h.op(Op.i32_and);
    h.op(Op.i32_or);
    // Directed: d - f is exact (Sterbenz) and has the sign of X - f.
    const error = () => (this.getD(1), this.getD(0), h.op(Op.f64_sub), this.setD(3), h.i32(1));
    this.fastOrDirected(i, k, rm, () => this.storeS(rd, 0), error, rd, false);
  }

  /**
   * FCVT.{W,WU,L,LU}.{S,D} with a static RNE, RTZ, RDN or RUP: round to an
   * integral double (exact), and if it is in range convert it; NX when it
   * moved. Out of range, NaN, RMM and dynamic modes take the exact path.
   */
  private toInt(
    i: Insn,
    k: number,
    rd: number,
    rs1: number,
    kind: number,
    rm: number,
    dbl: boolean,
  ) {
    const h = this.h;
    if (rm > RUP) return this.helper(i, k);
    if (dbl) this.loadD(rs1);
    else this.loadS(rs1);
    this.teeD(1);
    h.op([Op.f64_nearest, Op.f64_trunc, Op.f64_floor, Op.f64_ceil][rm]);
    this.setD(0);
    const [lo, hi] = [[-TWO31, TWO31], [0, TWO32], [-TWO63, TWO63], [0, TWO64]][kind];
    // lo <= t < hi (false for NaN)
    this.getD(0);
    this.f64(lo);
    h.op(Op.f64_ge);
    this.getD(0);
    this.f64(hi);
    h.op(Op.f64_lt);
    h.op(Op.i32_and);
    if (!dbl) {
      this.boxed(rs1);
      h.op(Op.i32_and);
    }
    this.fastOrHelper(i, k, () => {
      this.getD(0);
      this.getD(1);
      h.op(Op.f64_ne);
      h.open(Op.if, VOID);
      this.raiseNx();
      h.close();
      this.getD(0);
      switch (kind) {
        case 0:
          h.op(Op.i32_trunc_f64_s);
          h.op(Op.i64_extend_i32_s);
          break;
        case 1: // WU: the 32-bit result sign-extended
          h.op(Op.i32_trunc_f64_u);
          h.op(Op.i64_extend_i32_s);
          break;
        case 2:
          h.op(Op.i64_trunc_f64_s);
          break;
        default:
          h.op(Op.i64_trunc_f64_u);
      }
      h.set(rd);
    });
  }

  /**
   * FCVT.{S,D}.{W,WU,L,LU}: native conversion rounds to nearest-even; it is
   * exact (any mode, no flags) when the integer has at most 24 (53) significant
   * bits, and otherwise stands when NX is set and the mode is RNE.
   */
  private fromInt(
    i: Insn,
    k: number,
    rd: number,
    rs1: number,
    kind: number,
    rm: number,
    dbl: boolean,
  ) {
    const h = this.h;
    const bits = dbl ? 53 : 24;
    if (dbl && kind <= 1) { // 32-bit integers are exact as doubles
      h.get(rs1);
      h.op(Op.i32_wrap_i64);
      h.op(kind === 0 ? Op.f64_convert_i32_s : Op.f64_convert_i32_u);
      this.setD(0);
      if (rm !== DYN) return this.storeD(rd, 0);
      h.i32(1);
      this.andRmValid(rm);
      return this.fastOrHelper(i, k, () => this.storeD(rd, 0));
    }
    // The integer as an i64 (W sign-extended, WU zero-extended, L, LU as is).
    h.get(rs1);
    if (kind === 0) {
      h.op(Op.i32_wrap_i64);
      h.op(Op.i64_extend_i32_s);
    } else if (kind === 1) {
      h.op(Op.i32_wrap_i64);
      h.op(Op.i64_extend_i32_u);
    }
    h.local(Op.local_tee, h.tempA);
    if (dbl) {
      h.op(kind === 3 ? Op.f64_convert_i64_u : Op.f64_convert_i64_s);
    } else { // straight to single: one rounding
      h.op(kind === 3 ? Op.f32_convert_i64_u : Op.f32_convert_i64_s);
      h.op(Op.f64_promote_f32);
    }
    this.setD(0);
    // Exact: v + 2^(bits) <u 2^(bits+1) (signed kinds), v <u 2^bits (LU).
    h.local(Op.local_get, h.tempA);
    if (kind !== 3) {
      h.i64(2 ** bits);
      h.op(Op.i64_add);
      h.i64(2 ** (bits + 1));
    } else {
      h.i64(2 ** bits);
    }
    h.op(Op.i64_lt_u);
    this.andRmValid(rm);
    this.rneAndInexact(rm);
    h.op(Op.i32_or);
    this.fastOrHelper(i, k, () => {
      if (dbl) this.storeD(rd, 0);
      else this.storeS(rd, 0);
    });
  }
}

/** Native ops of FADD/FSUB/FMUL/FDIV by funct7 >> 2. */
const ARITH_D = [Op.f64_add, Op.f64_sub, Op.f64_mul, Op.f64_div];
const ARITH_S = [Op.f32_add, Op.f32_sub, Op.f32_mul, Op.f32_div];
