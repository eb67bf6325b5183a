/**
 * Emits one region as a WebAssembly function (DESIGN.md §4): guest registers
 * in i64 locals (loaded on entry, the written ones stored at the exit), the
 * blocks inside one loop with a br_table dispatch so loops stay in wasm, an
 * instruction budget checked at each block start, and loads and stores through
 * an inline software-TLB hit path with a helper call on a miss.
 *
 * Signature: (entry block, budget, data TLB offset) -> status. On return the
 * shared memory holds the registers, the next pc and the retired count
 * (JIT_PC_OFFSET, JIT_RETIRED_OFFSET). Status 0: go on at pc; 1: the
 * instruction at pc trapped (the cause is in TRAP).
 */
import { TLB_BASE, TLB_HI, TLB_PAGE, tlbFieldOffset } from "../mmu.ts";
import { JIT_PC_OFFSET, JIT_RETIRED_OFFSET, JIT_SCRATCH_OFFSET } from "../state.ts";
import { ACCESS_LOAD, ACCESS_STORE } from "../trap.ts";
import { type Block, directTarget, type Insn, type RegionPlan } from "./region.ts";
import { ByteWriter, I32, I64, Op, VOID } from "./wasm.ts";

/** Function indices every module has: the helpers, then the shared mulhu. */
export const FN_LOAD = 0;
export const FN_STORE = 1;
export const FN_LOG_STORE = 2;
export const FN_MULHU = 3;
export const IMPORT_COUNT = 3;

/** Status codes a region returns. */
export const STATUS_GO_ON = 0;
export const STATUS_TRAP = 1;

// Locals: params, 31 guest registers, then temporaries.
const P_ENTRY = 0, P_BUDGET = 1, P_DTLB = 2;
const regLocal = (r: number) => 2 + r; // x1 -> 3 .. x31 -> 33
const L_PC = 34, L_A = 35, L_T = 36, L_U = 37; // i64
const L_N = 38, L_BLK = 39, L_LO = 40, L_PG = 41, L_TI = 42, L_ST = 43; // i32
export const REGION_LOCALS: [number, number][] = [[35, I64], [6, I32]];

/** Emits region bodies into a pooled writer. */
export class RegionEmitter {
  private readonly w = new ByteWriter();
  /** Current nesting of structured blocks (the function body is 0). */
  private depth = 0;
  private readonly outDepth = 1;
  private readonly topDepth = 2;
  private blockIndex = new Map<number, number>();
  private cur!: Block;
  /** The pc of the block laid out after the current one (NaN: none). */
  private fallThrough = NaN;
  private curIndex = 0;
  private blockCount = 0;
  /** Depth of the current block's own loop label. */
  private loopDepth = 0;
  /**
   * Checker mode: every inline store first reports its offset and size, and
   * the budget is checked at every block so a region can run one block.
   */
  set checkMode(on: boolean) {
    this.logStores = on;
    this.everyBlock = on;
  }
  private logStores = false;
  private everyBlock = false;

  /** The body of the function for `plan` (without the final end). */
  emit(plan: RegionPlan): Uint8Array {
    const w = this.w;
    w.reset();
    this.blockIndex = new Map(plan.blocks.map((b, i) => [b.pc, i]));
    const used = new Set<number>(), written = new Set<number>();
    for (const b of plan.blocks) {
      for (const i of b.insns) registersOf(i.insn, used, written);
    }
    used.delete(0);
    written.delete(0);
    for (const r of used) {
      this.op(Op.i32_const);
      w.sleb(0);
      this.mem(Op.i64_load, 3, r * 8);
      this.local(Op.local_set, regLocal(r));
    }
    this.local(Op.local_get, P_ENTRY);
    this.local(Op.local_set, L_BLK);
    const k = plan.blocks.length;
    this.blockCount = k;
    this.open(Op.block, VOID); // $out
    this.open(Op.loop, VOID); // $top
    for (let i = 0; i < k; i++) this.open(Op.block, VOID);
    this.local(Op.local_get, L_BLK);
    w.byte(Op.br_table);
    w.u32(k);
    for (let i = 0; i < k; i++) w.u32(i);
    w.u32(0);
    for (let i = 0; i < k; i++) {
      this.close();
      this.cur = plan.blocks[i];
      this.curIndex = i;
      this.block(plan.blocks[i], i + 1 < k ? plan.blocks[i + 1].pc : NaN);
    }
    this.close(); // loop
    this.close(); // $out
    for (const r of written) {
      this.op(Op.i32_const);
      w.sleb(0);
      this.local(Op.local_get, regLocal(r));
      this.mem(Op.i64_store, 3, r * 8);
    }
    this.op(Op.i32_const);
    w.sleb(0);
    this.local(Op.local_get, L_PC);
    this.mem(Op.i64_store, 3, JIT_PC_OFFSET);
    this.op(Op.i32_const);
    w.sleb(0);
    this.local(Op.local_get, L_N);
    this.mem(Op.i32_store, 2, JIT_RETIRED_OFFSET);
    this.local(Op.local_get, L_ST);
    return w.take();
  }

  // --- small writers ---
  private op(o: number): void {
    this.w.byte(o);
  }
  private local(o: number, i: number): void {
    this.w.byte(o);
    this.w.u32(i);
  }
  private mem(o: number, align: number, offset: number): void {
    this.w.byte(o);
    this.w.u32(align);
    this.w.u32(offset);
  }
  private i32(v: number): void {
    this.w.byte(Op.i32_const);
    this.w.sleb(v);
  }
  private i64(v: number): void {
    this.w.byte(Op.i64_const);
    this.w.sleb(v);
  }
  private open(o: number, type: number): void {
    this.w.byte(o);
    this.w.byte(type);
    this.depth++;
  }
  private close(): void {
    this.w.byte(Op.end);
    this.depth--;
  }
  private br(targetDepth: number): void {
    this.w.byte(Op.br);
    this.w.u32(this.depth - targetDepth);
  }
  private get(r: number): void {
    if (r === 0) this.i64(0);
    else this.local(Op.local_get, regLocal(r));
  }
  private set(r: number): void {
    if (r === 0) this.op(Op.drop);
    else this.local(Op.local_set, regLocal(r));
  }

  /** Leaves the region with pc = `pc` after `retiredInBlock` instructions of this block. */
  private exit(pc: number, retiredInBlock: number, status: number): void {
    const dropped = this.cur.insns.length - retiredInBlock;
    if (dropped !== 0) {
      this.local(Op.local_get, L_N);
      this.i32(dropped);
      this.op(Op.i32_sub);
      this.local(Op.local_set, L_N);
    }
    this.i64(pc);
    this.local(Op.local_set, L_PC);
    this.i32(status);
    this.local(Op.local_set, L_ST);
    this.br(this.outDepth);
  }

  /** Continues at `pc` (after the whole block): in this region, or by leaving it. */
  private goTo(pc: number, fallThrough: number): void {
    if (pc === fallThrough) return;
    const idx = this.blockIndex.get(pc);
    // The budget is checked on backward transfers only: a forward path runs each block once.
    if (idx !== undefined && idx <= this.curIndex && !this.everyBlock) {
      this.budgetCheck(pc, this.cur.insns.length);
    }
    if (idx === this.curIndex && directTarget(this.cur.insns[this.cur.insns.length - 1]) === pc) {
      this.br(this.loopDepth); // a loop of one block: straight back to its start
    } else if (idx !== undefined && idx > this.curIndex) {
      this.br(this.blockCount + 2 - idx); // forward: to the end of that block's dispatch label
    } else if (idx !== undefined) {
      this.i32(idx);
      this.local(Op.local_set, L_BLK);
      this.br(this.topDepth);
    } else {
      this.exit(pc, this.cur.insns.length, STATUS_GO_ON);
    }
  }

  private block(b: Block, fallThrough: number): void {
    const len = b.insns.length;
    const last = b.insns[len - 1];
    const selfLoop = directTarget(last) === b.pc;
    if (selfLoop) {
      this.open(Op.loop, VOID);
      this.loopDepth = this.depth;
    }
    this.fallThrough = fallThrough;
    this.local(Op.local_get, L_N);
    this.i32(len);
    this.op(Op.i32_add);
    this.local(Op.local_set, L_N);
    if (this.everyBlock) {
      // Checker mode: a budget of one block stops before the next.
      this.budgetCheck(b.pc, 0);
    }
    for (let k = 0; k < len; k++) this.insn(b.insns[k], k);
    const op = last.insn & 0x7f;
    if (op !== 0x6f && op !== 0x67) this.goTo(b.next, fallThrough);
    if (selfLoop) this.close();
  }

  /** Leaves for the dispatcher (at `pc`, `retired` of this block done) once n passes the budget. */
  private budgetCheck(pc: number, retired: number): void {
    this.local(Op.local_get, L_N);
    this.local(Op.local_get, P_BUDGET);
    this.op(Op.i32_gt_u);
    this.open(Op.if, VOID);
    this.exit(pc, retired, STATUS_GO_ON);
    this.close();
  }

  private insn(i: Insn, k: number): void {
    const insn = i.insn;
    const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
    const f3 = (insn >>> 12) & 7, f7 = insn >>> 25;
    const immI = insn >> 20;
    switch (insn & 0x7f) {
      case 0x37: // LUI
        this.i64(insn & 0xfffff000);
        this.set(rd);
        return;
      case 0x17: // AUIPC
        this.i64(i.pc + (insn & 0xfffff000));
        this.set(rd);
        return;
      case 0x6f: { // JAL
        if (rd !== 0) {
          this.i64(i.pc + i.len);
          this.set(rd);
        }
        this.goTo(directTarget(i)!, this.fallThrough);
        return;
      }
      case 0x67: // JALR: target before the link (rd may be rs1)
        this.get(rs1);
        this.i64(immI);
        this.op(Op.i64_add);
        this.i64(-2);
        this.op(Op.i64_and);
        this.local(Op.local_set, L_PC);
        if (rd !== 0) {
          this.i64(i.pc + i.len);
          this.set(rd);
        }
        this.i32(STATUS_GO_ON);
        this.local(Op.local_set, L_ST);
        this.br(this.outDepth);
        return;
      case 0x63: { // BRANCH
        this.get(rs1);
        this.get(rs2);
        this.op(BRANCH_OPS[f3]);
        this.open(Op.if, VOID);
        this.goTo(directTarget(i)!, NaN);
        this.close();
        return;
      }
      case 0x03:
        this.load(i, k, rd, rs1, immI, f3);
        return;
      case 0x23:
        this.store(i, k, rs1, rs2, ((insn >> 25) << 5) | ((insn >>> 7) & 31), f3);
        return;
      case 0x13: // OP-IMM
        this.get(rs1);
        if (f3 === 1 || f3 === 5) {
          this.i64((insn >>> 20) & 63);
          this.op(f3 === 1 ? Op.i64_shl : (insn >>> 30) & 1 ? Op.i64_shr_s : Op.i64_shr_u);
        } else {
          this.i64(immI);
          this.aluOp(f3);
        }
        this.set(rd);
        return;
      case 0x33: // OP
        if (f7 === 1) {
          this.mulDiv(f3, rs1, rs2);
        } else {
          this.get(rs1);
          this.get(rs2);
          if (f7 === 0x20) this.op(f3 === 0 ? Op.i64_sub : Op.i64_shr_s);
          else if (f3 === 1) this.op(Op.i64_shl);
          else if (f3 === 5) this.op(Op.i64_shr_u);
          else this.aluOp(f3);
        }
        this.set(rd);
        return;
      case 0x1b: // OP-IMM-32
        this.get(rs1);
        this.op(Op.i32_wrap_i64);
        if (f3 === 0) {
          this.i32(immI);
          this.op(Op.i32_add);
        } else {
          this.i32(rs2);
          this.op(f3 === 1 ? Op.i32_shl : f7 === 0x20 ? Op.i32_shr_s : Op.i32_shr_u);
        }
        this.op(Op.i64_extend_i32_s);
        this.set(rd);
        return;
      case 0x3b: // OP-32
        if (f7 === 1) {
          this.mulDivWord(f3, rs1, rs2);
        } else {
          this.get(rs1);
          this.op(Op.i32_wrap_i64);
          this.get(rs2);
          this.op(Op.i32_wrap_i64);
          if (f3 === 0) this.op(f7 === 0x20 ? Op.i32_sub : Op.i32_add);
          else if (f3 === 1) this.op(Op.i32_shl);
          else this.op(f7 === 0x20 ? Op.i32_shr_s : Op.i32_shr_u);
        }
        this.op(Op.i64_extend_i32_s);
        this.set(rd);
        return;
      case 0x0f: // FENCE: nothing to order on one in-order hart
        return;
    }
    throw new Error(`codegen: untranslatable instruction 0x${insn.toString(16)}`);
  }

  /** ADD/SLT/SLTU/XOR/OR/AND on the two i64 operands on the stack (funct3 0,2,3,4,6,7). */
  private aluOp(f3: number): void {
    switch (f3) {
      case 0:
        this.op(Op.i64_add);
        return;
      case 2:
        this.op(Op.i64_lt_s);
        this.op(Op.i64_extend_i32_u);
        return;
      case 3:
        this.op(Op.i64_lt_u);
        this.op(Op.i64_extend_i32_u);
        return;
      case 4:
        this.op(Op.i64_xor);
        return;
      case 6:
        this.op(Op.i64_or);
        return;
      default:
        this.op(Op.i64_and);
    }
  }

  /** MUL..REMU: guards the divisions where RISC-V defines what wasm traps on. */
  private mulDiv(f3: number, rs1: number, rs2: number): void {
    this.get(rs1);
    this.local(Op.local_set, L_T);
    this.get(rs2);
    this.local(Op.local_set, L_U);
    const a = () => this.local(Op.local_get, L_T);
    const b = () => this.local(Op.local_get, L_U);
    if (f3 === 0) {
      a(), b(), this.op(Op.i64_mul);
      return;
    }
    if (f3 <= 3) {
      a(), b(), this.call(FN_MULHU);
      // mulh = mulhu - (a < 0 ? b : 0) - (b < 0 ? a : 0); mulhsu only the first term.
      if (f3 === 1 || f3 === 2) {
        a(), this.i64(63), this.op(Op.i64_shr_s), b(), this.op(Op.i64_and), this.op(Op.i64_sub);
      }
      if (f3 === 1) {
        b(), this.i64(63), this.op(Op.i64_shr_s), a(), this.op(Op.i64_and), this.op(Op.i64_sub);
      }
      return;
    }
    // b == 0: DIV/DIVU give -1, REM/REMU give a. b == -1 (signed): -a and 0.
    b(), this.op(Op.i64_eqz);
    this.open(Op.if, I64);
    if (f3 === 4 || f3 === 5) this.i64(-1);
    else a();
    this.op(Op.else);
    if (f3 === 4 || f3 === 6) {
      b(), this.i64(-1), this.op(Op.i64_eq);
      this.open(Op.if, I64);
      if (f3 === 4) this.i64(0), a(), this.op(Op.i64_sub);
      else this.i64(0);
      this.op(Op.else);
      a(), b(), this.op(f3 === 4 ? Op.i64_div_s : Op.i64_rem_s);
      this.close();
    } else {
      a(), b(), this.op(f3 === 5 ? Op.i64_div_u : Op.i64_rem_u);
    }
    this.close();
  }

  /** MULW/DIVW/DIVUW/REMW/REMUW: leaves the i32 result on the stack. */
  private mulDivWord(f3: number, rs1: number, rs2: number): void {
    this.get(rs1);
    this.local(Op.local_set, L_T);
    this.get(rs2);
    this.op(Op.i32_wrap_i64);
    this.local(Op.local_set, L_LO); // divisor
    const a = () => (this.local(Op.local_get, L_T), this.op(Op.i32_wrap_i64));
    const b = () => this.local(Op.local_get, L_LO);
    if (f3 === 0) {
      a(), b(), this.op(Op.i32_mul);
      return;
    }
    b(), this.op(Op.i32_eqz);
    this.open(Op.if, I32);
    if (f3 === 4 || f3 === 5) this.i32(-1);
    else a();
    this.op(Op.else);
    if (f3 === 4 || f3 === 6) {
      b(), this.i32(-1), this.op(Op.i32_eq);
      this.open(Op.if, I32);
      if (f3 === 4) this.i32(0), a(), this.op(Op.i32_sub);
      else this.i32(0);
      this.op(Op.else);
      a(), b(), this.op(f3 === 4 ? Op.i32_div_s : Op.i32_rem_s);
      this.close();
    } else {
      a(), b(), this.op(f3 === 5 ? Op.i32_div_u : Op.i32_rem_u);
    }
    this.close();
  }

  private call(fn: number): void {
    this.w.byte(Op.call);
    this.w.u32(fn);
  }

  /**
   * Address into L_A/L_LO, then the TLB check for `kind` leaving the hit flag
   * on the stack (tag halves equal, and aligned for sizes above 1).
   */
  private tlbCheck(rs1: number, imm: number, kind: number, size: number): void {
    this.get(rs1);
    if (imm !== 0) {
      this.i64(imm);
      this.op(Op.i64_add);
    }
    this.local(Op.local_tee, L_A);
    this.op(Op.i32_wrap_i64);
    this.local(Op.local_tee, L_LO);
    this.i32(12);
    this.op(Op.i32_shr_u);
    this.local(Op.local_tee, L_PG);
    this.i32(255);
    this.op(Op.i32_and);
    this.i32(2);
    this.op(Op.i32_shl);
    this.local(Op.local_get, P_DTLB);
    this.op(Op.i32_add);
    this.local(Op.local_tee, L_TI);
    this.mem(Op.i32_load, 2, tlbFieldOffset(kind, TLB_PAGE));
    this.local(Op.local_get, L_PG);
    this.op(Op.i32_eq);
    this.local(Op.local_get, L_TI);
    this.mem(Op.i32_load, 2, tlbFieldOffset(kind, TLB_HI));
    this.addrHi();
    this.op(Op.i32_eq);
    this.op(Op.i32_and);
    if (size > 1) {
      this.local(Op.local_get, L_LO);
      this.i32(size - 1);
      this.op(Op.i32_and);
      this.op(Op.i32_eqz);
      this.op(Op.i32_and);
    }
  }

  private addrHi(): void {
    this.local(Op.local_get, L_A);
    this.i64(32);
    this.op(Op.i64_shr_u);
    this.op(Op.i32_wrap_i64);
  }

  /** Buffer offset of the access on a TLB hit. */
  private hitOffset(kind: number): void {
    this.local(Op.local_get, L_TI);
    this.mem(Op.i32_load, 2, tlbFieldOffset(kind, TLB_BASE));
    this.local(Op.local_get, L_LO);
    this.i32(4095);
    this.op(Op.i32_and);
    this.op(Op.i32_add);
  }

  private load(i: Insn, k: number, rd: number, rs1: number, imm: number, f3: number): void {
    const size = 1 << (f3 & 3);
    this.tlbCheck(rs1, imm, ACCESS_LOAD, size);
    this.open(Op.if, I64);
    this.hitOffset(ACCESS_LOAD);
    this.mem(LOAD_OPS[f3], f3 & 3, 0);
    this.op(Op.else);
    this.local(Op.local_get, L_LO);
    this.addrHi();
    this.i32(f3);
    this.call(FN_LOAD);
    this.open(Op.if, VOID);
    this.exit(i.pc, k, STATUS_TRAP);
    this.close();
    this.i32(0);
    this.mem(Op.i64_load, 3, JIT_SCRATCH_OFFSET);
    this.close();
    this.set(rd);
  }

  private store(i: Insn, k: number, rs1: number, rs2: number, imm: number, f3: number): void {
    const size = 1 << f3;
    this.tlbCheck(rs1, imm, ACCESS_STORE, size);
    this.open(Op.if, VOID);
    if (this.logStores) {
      this.hitOffset(ACCESS_STORE);
      this.i32(size);
      this.call(FN_LOG_STORE);
    }
    this.hitOffset(ACCESS_STORE);
    this.get(rs2);
    this.mem(STORE_OPS[f3], f3, 0);
    this.op(Op.else);
    this.i32(0);
    this.get(rs2);
    this.mem(Op.i64_store, 3, JIT_SCRATCH_OFFSET);
    this.local(Op.local_get, L_LO);
    this.addrHi();
    this.i32(f3);
    this.call(FN_STORE);
    this.local(Op.local_tee, L_ST);
    this.open(Op.if, VOID);
    // 1: trap at this instruction; 2: done, but leave (MMIO wants the loop, or code changed).
    this.local(Op.local_get, L_ST);
    this.i32(STATUS_TRAP);
    this.op(Op.i32_eq);
    this.open(Op.if, VOID);
    this.exit(i.pc, k, STATUS_TRAP);
    this.close();
    this.exit(i.pc + i.len, k + 1, STATUS_GO_ON);
    this.close();
    this.close();
  }
}

const BRANCH_OPS = [Op.i64_eq, Op.i64_ne, 0, 0, Op.i64_lt_s, Op.i64_ge_s, Op.i64_lt_u, Op.i64_ge_u];
const LOAD_OPS = [
  Op.i64_load8_s,
  Op.i64_load16_s,
  Op.i64_load32_s,
  Op.i64_load,
  Op.i64_load8_u,
  Op.i64_load16_u,
  Op.i64_load32_u,
];
const STORE_OPS = [Op.i64_store8, Op.i64_store16, Op.i64_store32, Op.i64_store];

/** Adds the registers an instruction reads and writes. */
function registersOf(insn: number, used: Set<number>, written: Set<number>): void {
  const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
  const op = insn & 0x7f;
  const writes = op !== 0x63 && op !== 0x23 && op !== 0x0f;
  const reads1 = op !== 0x37 && op !== 0x17 && op !== 0x6f;
  const reads2 = op === 0x63 || op === 0x23 || op === 0x33 || op === 0x3b;
  if (writes) {
    used.add(rd);
    written.add(rd);
  }
  if (reads1) used.add(rs1);
  if (reads2) used.add(rs2);
}

/** The body of mulhu(a, b): the high 64 bits of the unsigned 128-bit product. */
export function mulhuBody(): Uint8Array {
  const w = new ByteWriter();
  const g = (i: number) => (w.byte(Op.local_get), w.u32(i));
  const s = (i: number) => (w.byte(Op.local_set), w.u32(i));
  const c = (v: number) => (w.byte(Op.i64_const), w.sleb(v));
  const lo32 = () => (c(0xffffffff), w.byte(Op.i64_and));
  const hi32 = () => (c(32), w.byte(Op.i64_shr_u));
  // locals: 0 a, 1 b, 2 al, 3 ah, 4 bl, 5 bh, 6 lh, 7 hl, 8 mid
  g(0), lo32(), s(2), g(0), hi32(), s(3), g(1), lo32(), s(4), g(1), hi32(), s(5);
  g(2), g(5), w.byte(Op.i64_mul), s(6);
  g(3), g(4), w.byte(Op.i64_mul), s(7);
  g(2), g(4), w.byte(Op.i64_mul), hi32(), g(6), lo32(), w.byte(Op.i64_add), g(7), lo32();
  w.byte(Op.i64_add), s(8);
  g(3), g(5), w.byte(Op.i64_mul), g(6), hi32(), w.byte(Op.i64_add), g(7), hi32();
  w.byte(Op.i64_add), g(8), hi32(), w.byte(Op.i64_add);
  return w.take();
}
