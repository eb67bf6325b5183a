/**
 * Emits one region as a WebAssembly function (docs/architecture.md): guest registers
 * in i64 locals (loaded on entry, the written ones stored at the exit), the
 * blocks inside one loop with a br_table dispatch so loops stay in wasm, an
 * instruction budget checked at each block start, and loads and stores through
 * an inline software-TLB hit path with a helper call on a miss (branch hints
 * mark the hit likely and the exits unlikely: core/jit/wasm.ts branchHints).
 *
 * Signature: (entry block, budget, data TLB offset) -> status. On return the
 * shared memory holds the registers, the next pc and the retired count
 * (JIT_PC_OFFSET, JIT_RETIRED_OFFSET). Status 0: go on at pc; 1: the
 * instruction at pc trapped (the cause is in TRAP).
 */
import { TLB_HASH_SHIFT, TLB_INDEX16_MASK, tlbEntryOffset, tlbOtherEntryOffset } from "../mmu.ts";
import {
  JIT_PC_OFFSET,
  JIT_RESERVATION_OFFSET,
  JIT_RETIRED_OFFSET,
  JIT_SCRATCH_OFFSET,
  JIT_TLB_OFFSET,
} from "../state.ts";
import { ACCESS_LOAD, ACCESS_STORE } from "../trap.ts";
import { type Block, directTarget, type Insn, type RegionPlan, writtenRegister } from "./region.ts";
import { isSfenceVma, STATUS_CSRS, SYS_JUMP, SYS_TRAP, systemExit } from "./system.ts";
import { csrWrites, ECALL } from "../hart.ts";
import { ByteWriter, I32, I64, Op, VOID } from "./wasm.ts";
import { type AccessGroup, accessGroups, type GroupMember } from "./access_groups.ts";
import { FP_LOCALS, FpEmitter, fpReadsX, isFpOpcode } from "./codegen_fp.ts";

/** Function indices every module has: the helpers, then the shared mulhu. */
export const FN_LOAD = 0;
export const FN_STORE = 1;
export const FN_LOG_STORE = 2;
export const FN_FP = 3;
/** Atomics and SYSTEM instructions (core/jit/system.ts). */
export const FN_SYS = 4;
/**
 * Slow-path loads and stores through the TLB slot's second way first
 * (core/jit/second_way.ts): FN_LOAD and FN_STORE with the record address.
 */
export const FN_LOAD2 = 5;
export const FN_STORE2 = 6;
export const IMPORT_COUNT = 7;
export const FN_MULHU = IMPORT_COUNT;

/** Status codes a region returns. */
export const STATUS_GO_ON = 0;
export const STATUS_TRAP = 1;
/** Done up to pc, and back to the run loop (MMIO wants it, or code changed): never chained. */
export const STATUS_STOP = 2;

// Locals: params, 31 guest registers, then temporaries.
const P_ENTRY = 0, P_BUDGET = 1, P_DTLB = 2, P_FTLB = 3, P_N0 = 4, P_PAGE = 5;
const regLocal = (r: number) => 5 + r; // x1 -> 6 .. x31 -> 36
const L_PC = 37, L_A = 38, L_T = 39, L_U = 40; // i64
/** An indirect jump's target less the page's address, while it is searched (a temporary, as L_T). */
const L_REL = L_T;
const L_N = 41, L_BLK = 42, L_LO = 43, L_SLOT = 44, L_TI = 45, L_ST = 46; // i32
/** The block a jump into a loop past its head is going to (Structure.sideTargets). */
const L_SEL = 47;
const L_FP = 48; // the FP code's locals (FP_LOCALS) follow the emitter's own
/** Access groups' page offsets (core/jit/access_groups.ts), i32, after the FP code's locals. */
const GROUP_SLOTS = 4;
const L_GROUP = L_FP + FP_LOCALS.reduce((n, [count]) => n + count, 0);
export const REGION_LOCALS: [number, number][] = [
  [35, I64],
  [7, I32],
  ...FP_LOCALS,
  [GROUP_SLOTS, I32],
];
/** Chain cache: records of 32 bytes (pc i64, table slot, block index, page buffer offset). */
export const CHAIN_ENTRIES = 1 << 14;
export const CHAIN_BYTES = CHAIN_ENTRIES * 32;
/**
 * A pc's record in the chain cache. The page number is folded in: functions
 * at the same offset of different pages (common, with aligned code) would
 * otherwise evict each other on every call between them.
 */
export function chainIndex(pc: number): number {
  return Math.imul(pc ^ (pc >>> 13), CHAIN_HASH) >>> (32 - CHAIN_BITS);
}
const CHAIN_BITS = 14;
/**
 * The top bits of a product mix the pc's low word (a plain multiplicative hash
 * gave busy call/return pairs of busybox the same record; the shifted xor first
 * spreads the page number into the bits the product carries up).
 */
const CHAIN_HASH = 0x5bd1e995;
/**
 * Search leaves a region may emit inline at its indirect jumps (RegionEmitter.inlineSearch);
 * past them, the region's dispatch searches. At 1,024 the searches were ~37 % of the
 * WebAssembly a Debian shell loop compiled, and V8's optimizing compiler took about as much
 * CPU as the guest's own run; at 64 that loop runs ~15 % faster and CoreMark no slower
 * (docs/speed.md, "transitions, 2026-12-07, session 16").
 */
const MAX_INLINE_LEAVES = 64;

/** Emits region bodies into a pooled writer. */
export class RegionEmitter {
  readonly w = new ByteWriter();
  /** Locals the FP code (core/jit/codegen_fp.ts) borrows. */
  readonly tempA = L_T;
  readonly tempB = L_U;
  readonly addrLoLocal = L_LO;
  readonly tlbRecordLocal = L_TI;
  private readonly fp = new FpEmitter(
    this,
    { load: FN_LOAD2, store: FN_STORE2, logStore: FN_LOG_STORE, fp: FN_FP },
    L_FP,
  );
  /** Current nesting of structured blocks (the function body is 0). */
  private depth = 0;
  private readonly outDepth = 1;
  private readonly topDepth = 2;
  private blockIndex = new Map<number, number>();
  private cur!: Block;
  /** The pc of the block laid out after the current one (NaN: none). */
  private fallThrough = NaN;
  private curIndex = 0;
  /** Open labels whose end a block's code follows (forward jumps), by block index. */
  private readonly labels = new Map<number, number>();
  /** Open loops by the index of the block they restart at (backward jumps). */
  private readonly loops = new Map<number, number>();
  /** Blocks the region may be entered at (the others are inside a loop). */
  entries = new Set<number>();
  /** The last body's branch hints (FuncDef.hints). */
  hints: number[] = [];
  /**
   * Checker mode: every inline store first reports its offset and size, and
   * the budget is checked at every block so a region can run one block.
   */
  set checkMode(on: boolean) {
    this.logStores = on;
  }
  logStores = false;
  private flatExits: Set<number> | null = null;
  /** Buffer offset of the chain cache (-1: regions always return to the run loop). */
  chainAt = -1;

  /**
   * Going on at a pc outside the region: if the chain cache names a region
   * for it, on the page the fetch TLB maps there now, and the budget is not
   * spent, tail-call that region (registers are already in memory).
   */
  private chain(): void {
    // status == GO_ON && n <= budget
    this.local(Op.local_get, L_ST);
    this.op(Op.i32_eqz);
    this.local(Op.local_get, L_N);
    this.local(Op.local_get, P_BUDGET);
    this.op(Op.i32_le_u);
    this.op(Op.i32_and);
    this.open(Op.if, VOID);
    // The cache record: chainIndex(pc) * 32 past chainAt.
    this.local(Op.local_get, L_PC);
    this.op(Op.i32_wrap_i64);
    this.local(Op.local_tee, L_LO);
    this.local(Op.local_get, L_LO);
    this.i32(13);
    this.op(Op.i32_shr_u);
    this.op(Op.i32_xor);
    this.i32(CHAIN_HASH);
    this.op(Op.i32_mul);
    this.i32(32 - CHAIN_BITS);
    this.op(Op.i32_shr_u);
    this.i32(5);
    this.op(Op.i32_shl);
    this.local(Op.local_tee, L_TI);
    // Else its pair's other record (core/jit/jit.ts chainTo): two hot pcs of one hash both chain.
    this.mem(Op.i64_load, 3, this.chainAt);
    this.local(Op.local_get, L_PC);
    this.op(Op.i64_ne);
    this.open(Op.if, VOID);
    this.local(Op.local_get, L_TI);
    this.i32(32);
    this.op(Op.i32_xor);
    this.local(Op.local_set, L_TI);
    this.close();
    this.local(Op.local_get, L_TI);
    this.mem(Op.i64_load, 3, this.chainAt);
    this.local(Op.local_get, L_PC);
    this.op(Op.i64_eq);
    this.open(Op.if, VOID);
    // The fetch TLB must map the page where the region was translated from, in either way
    // (two hot code pages of one slot, as ASLR may place a program and its library).
    this.fetchIndex16();
    this.local(Op.local_get, P_FTLB);
    this.op(Op.i32_add);
    this.local(Op.local_tee, L_SLOT);
    this.mem(Op.i64_load, 3, tlbEntryOffset(0));
    // L_A: the target's page, which the fetch TLB's tag holds and the target region takes.
    this.local(Op.local_get, L_PC);
    this.i64(-4096);
    this.op(Op.i64_and);
    this.local(Op.local_tee, L_A);
    this.op(Op.i64_ne);
    this.open(Op.if, VOID);
    this.local(Op.local_get, L_SLOT);
    this.i32(tlbOtherEntryOffset(0) - tlbEntryOffset(0));
    this.op(Op.i32_add);
    this.local(Op.local_set, L_SLOT);
    this.close();
    this.local(Op.local_get, L_SLOT);
    this.mem(Op.i64_load, 3, tlbEntryOffset(0));
    this.local(Op.local_get, L_A);
    this.op(Op.i64_eq);
    this.local(Op.local_get, L_LO);
    this.i32(-4096);
    this.op(Op.i32_and);
    this.local(Op.local_get, L_SLOT);
    this.mem(Op.i32_load, 2, tlbEntryOffset(0) + 8);
    this.op(Op.i32_add);
    this.local(Op.local_get, L_TI);
    this.mem(Op.i32_load, 2, this.chainAt + 16);
    this.op(Op.i32_eq);
    this.op(Op.i32_and);
    this.open(Op.if, VOID);
    this.local(Op.local_get, L_TI);
    this.mem(Op.i32_load, 2, this.chainAt + 12); // block index
    this.local(Op.local_get, P_BUDGET);
    this.local(Op.local_get, P_DTLB);
    this.local(Op.local_get, P_FTLB);
    this.local(Op.local_get, L_N);
    this.local(Op.local_get, L_A);
    this.local(Op.local_get, L_TI);
    this.mem(Op.i32_load, 2, this.chainAt + 8); // table slot
    this.w.byte(Op.return_call_indirect);
    this.w.u32(0); // the region type
    this.w.u32(0); // table 0
    this.close();
    this.close();
    this.close();
  }

  /** The body of the function for `plan` (without the final end). */
  /**
   * `flatExits` (block indices) asks for the flat variant: no loops, every
   * block an entry, and reaching one of those blocks (by a jump or falling
   * through) leaves the function, whose code it does not hold (the structured
   * variant takes over there through the chain cache).
   */
  emit(plan: RegionPlan, flatExits: Set<number> | null = null): Uint8Array {
    this.flatExits = flatExits;
    this.plan = plan;
    const w = this.w;
    w.reset();
    this.hints = [];
    this.fp.reset();
    this.uncache(); // an emit that threw (a plan codegen refused) may have stopped mid-block
    this.blockIndex = new Map(plan.blocks.map((b, i) => [b.pc, i]));
    const blocks = plan.blocks, k = blocks.length;
    const shape: Structure = flatExits === null ? structure(blocks, plan.roots) : {
      units: blocks.map((_, h): Unit => ({ h, t: h, inner: null })),
      loopsOf: blocks.map(() => []),
      sideTargets: new Set(),
    };
    // Registers live in memory, but inside a tight loop in locals (loopScopes).
    this.scope = null;
    this.loopScopes(shape.units);
    this.local(Op.local_get, P_ENTRY);
    this.local(Op.local_tee, L_BLK);
    this.local(Op.local_set, L_SEL);
    this.local(Op.local_get, P_N0);
    this.local(Op.local_set, L_N);
    const units = shape.units;
    this.shape = shape;
    this.entries = new Set([...units.map((u) => u.h), ...shape.sideTargets]);
    this.labels.clear();
    this.loops.clear();
    this.next = (i: number) => i + 1 < k ? blocks[i + 1].pc : NaN;
    this.blocks = blocks;
    this.open(Op.block, VOID); // $out
    this.open(Op.loop, VOID); // $top
    // blk = -1: an indirect jump left the target pc in L_PC; find its block or leave.
    this.local(Op.local_get, L_BLK);
    this.i32(0);
    this.op(Op.i32_lt_s);
    this.open(Op.if, VOID);
    const entryIndex = [...this.entries].sort((a, b) => a - b);
    const entryPcs = entryIndex.map((i) => blocks[i].pc);
    this.entryIndex = entryIndex;
    this.entryPcs = entryPcs;
    // Return sites (after a call) that are entries: where a return most likely goes.
    const returns = entryIndex.filter((i) => {
      const prev = i > 0 ? blocks[i - 1].insns[blocks[i - 1].insns.length - 1] : undefined;
      const op = prev === undefined ? 0 : prev.insn & 0x7f;
      return prev !== undefined && prev.pc + prev.len === blocks[i].pc &&
        (op === 0x6f || op === 0x67) && ((prev.insn >>> 7) & 31) !== 0;
    });
    this.returnIndex = returns;
    this.returnPcs = returns.map((i) => blocks[i].pc);
    this.inlineLeaves = 0;
    this.searchBlock(entryPcs, entryIndex, 0, entryIndex.length, this.depth);
    this.close();
    // One dispatch label per unit, the first unit's innermost: its code follows its label's end.
    this.openLabels(units);
    this.local(Op.local_get, L_BLK);
    w.byte(Op.br_table);
    w.u32(k);
    // A block inside a loop goes to the loop's label; the loop's head dispatch goes on.
    const labelOf = new Array<number>(k).fill(units.length - 1);
    units.forEach((u, i) => labelOf.fill(i, u.h, u.t + 1));
    for (let i = 0; i < k; i++) w.u32(labelOf[i]);
    w.u32(0);
    this.emitUnits(units);
    this.close(); // loop
    this.close(); // $out
    if (this.chainAt >= 0) this.chain();
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

  private next: (i: number) => number = () => NaN;

  /**
   * The region's tight loops: loops no pass through which can leave the region
   * (no jump out of it, no indirect jump, no system instruction that ends it),
   * outermost first, and blocks that branch to themselves outside them, by
   * their first block. Inside one, the registers it uses live in locals: loaded
   * where the loop is entered (every way in passes the point before its
   * `loop`), stored on every way out of it. Elsewhere a register is read from
   * memory once a block (get). A region whose every entry loaded its loops'
   * registers and whose every exit stored them spent ~50 loads and stores a
   * transition in a shell's regions, entered and left every ~20 instructions
   * (docs/speed.md, "scopes, 2026-12-07, session 23").
   */
  private loopScopes(units: Unit[]): void {
    const blocks = this.plan.blocks;
    this.scopes.clear();
    const leaves = (b: Block) => {
      const last = b.insns[b.insns.length - 1], target = directTarget(last);
      return (last.insn & 0x7f) === 0x67 || systemExit(last.insn) ||
        (target !== null && !this.blockIndex.has(target));
    };
    const add = (h: number, t: number) => {
      const regs = new Set<number>(), written = new Set<number>();
      for (let j = h; j <= t; j++) {
        for (const i of blocks[j].insns) registersOf(i.insn, regs, written);
      }
      regs.delete(0);
      written.delete(0);
      this.scopes.set(h, { h, t, regs, written });
    };
    const walk = (list: Unit[]) => {
      for (const u of list) {
        if (u.inner === null) {
          if (branchesToItself(blocks[u.h])) add(u.h, u.h);
          continue;
        }
        let tight = true;
        for (let j = u.h; j <= u.t && tight; j++) tight = !leaves(blocks[j]);
        if (tight) add(u.h, u.t);
        else walk(u.inner);
      }
    };
    walk(units);
  }
  /** Tight loops by their first block's index (loopScopes). */
  private readonly scopes = new Map<number, LoopScope>();
  /** The tight loop being emitted: its registers are in their locals. */
  private scope: LoopScope | null = null;
  /** Before a tight loop's `loop`: its registers into their locals. */
  private enterScope(s: LoopScope): void {
    for (const r of s.regs) {
      this.i32(0);
      this.mem(Op.i64_load, 3, r * 8);
      this.local(Op.local_set, regLocal(r));
    }
    this.scope = s;
  }
  /** On a way out of the tight loop: the registers it writes back to memory. */
  private storeScope(): void {
    this.storeLocals(this.scope!.written);
  }
  /** After a tight loop's `end` (reached by falling out of it). */
  private leaveScope(): void {
    this.storeScope();
    this.scope = null;
  }
  private entryIndex: number[] = [];
  private entryPcs: number[] = [];
  private returnIndex: number[] = [];
  private returnPcs: number[] = [];
  /** Search leaves emitted inline at indirect jumps so far in this region (bounds code size). */
  private inlineLeaves = 0;

  /**
   * Whether this indirect jump searches for its target's block where it is,
   * then branches as a direct jump would (no pass through the region's
   * dispatch loop, whose head V8 fills with spills), within a code-size bound.
   */
  private inlineSearch(leaves: number): boolean {
    if (this.flatExits !== null || this.inlineLeaves + leaves > MAX_INLINE_LEAVES) return false;
    this.inlineLeaves += leaves;
    return true;
  }

  /**
   * Binary search of L_PC among entry blocks, each leaf jumping to its block;
   * none: `miss` (by default, leave the region).
   */
  private searchJump(pcs: number[], index: number[], miss?: () => void): void {
    this.relativePc();
    this.searchPc(pcs, 0, pcs.length, 3, (i) => this.jumpToBlock(index[i], pcs[i]), miss);
  }

  /** L_REL = L_PC less the page's address, what searchPc compares. */
  private relativePc(): void {
    this.local(Op.local_get, L_PC);
    this.pageVa();
    this.op(Op.i64_sub);
    this.local(Op.local_set, L_REL);
  }

  /**
   * Binary search of L_PC among the sorted pcs [lo, hi) (L_REL, set by
   * relativePc, against their offsets from the page): `hit(i)` emits what a
   * match of pcs[i] does; no match leaves the region (or runs `miss`). Up to
   * `leaf` pcs are compared in turn.
   */
  private searchPc(
    pcs: number[],
    lo: number,
    hi: number,
    leaf: number,
    hit: (i: number) => void,
    miss?: () => void,
  ): void {
    if (hi - lo <= leaf) {
      for (let i = lo; i < hi; i++) {
        this.local(Op.local_get, L_REL);
        this.i64(pcs[i] - this.plan.pageVa);
        this.op(Op.i64_eq);
        this.open(Op.if, VOID);
        hit(i);
        this.close();
      }
      if (miss !== undefined) return miss();
      this.i32(STATUS_GO_ON);
      this.local(Op.local_set, L_ST);
      this.br(this.outDepth);
      return;
    }
    const mid = (lo + hi) >> 1;
    this.local(Op.local_get, L_REL);
    this.i64(pcs[mid] - this.plan.pageVa);
    this.op(Op.i64_lt_s);
    this.open(Op.if, VOID);
    this.searchPc(pcs, lo, mid, leaf, hit, miss);
    this.op(Op.else);
    this.searchPc(pcs, mid, hi, leaf, hit, miss);
    this.close();
  }
  /** To the target in L_PC through the region's dispatch, budget as for a backward jump. */
  private dispatchJump(): void {
    this.i32(STATUS_GO_ON);
    this.local(Op.local_set, L_ST);
    this.local(Op.local_get, L_N);
    this.local(Op.local_get, P_BUDGET);
    this.op(Op.i32_gt_u);
    this.hints.push(this.w.len, 0);
    this.w.byte(Op.br_if);
    this.w.u32(this.depth - this.outDepth);
    this.i32(-1);
    this.local(Op.local_set, L_BLK);
    this.br(this.topDepth);
  }
  private shape!: Structure;
  private blocks: Block[] = [];

  /** Opens one label per unit, the first unit's innermost. */
  private openLabels(units: Unit[]): void {
    for (let u = units.length - 1; u >= 0; u--) {
      this.open(Op.block, VOID);
      this.labels.set(units[u].h, this.depth);
    }
  }

  /** Closes each unit's label and emits the unit after it. */
  private emitUnits(units: Unit[]): void {
    for (const u of units) {
      this.close();
      this.labels.delete(u.h);
      if (u.inner === null && this.flatExits?.has(u.h)) {
        // The flat variant runs only the blocks the structured one cannot be entered at: on
        // reaching one it can (by falling through), it leaves for it, as a jump there does.
        this.pcConst(this.blocks[u.h].pc);
        this.local(Op.local_set, L_PC);
        this.i32(STATUS_GO_ON);
        this.local(Op.local_set, L_ST);
        this.br(this.outDepth);
        continue;
      }
      if (u.inner === null) {
        this.block(u.h, this.blocks[u.h], this.next(u.h));
        continue;
      }
      // A loop over blocks h..t: back edges to h branch to the loop, forward jumps to labels.
      const scope = this.scope === null ? this.scopes.get(u.h) : undefined;
      if (scope !== undefined) this.enterScope(scope);
      this.open(Op.loop, VOID);
      const outer = this.loops.get(u.h);
      this.loops.set(u.h, this.depth);
      this.openLabels(u.inner);
      if (u.sideEntered) this.headDispatch(u);
      this.block(u.h, this.blocks[u.h], this.next(u.h));
      this.emitUnits(u.inner);
      this.close();
      if (scope !== undefined) this.leaveScope();
      if (outer === undefined) this.loops.delete(u.h);
      else this.loops.set(u.h, outer);
    }
  }

  /**
   * At the head of loop `u` entered past its head: if the selector names a
   * block h+1..t, branch to the label of the inner unit holding it (a plain
   * block's code follows its label; a nested loop dispatches again).
   */
  private headDispatch(u: Unit): void {
    const inner = u.inner!;
    this.open(Op.block, VOID); // the head block's code follows
    const head = this.depth;
    this.local(Op.local_get, L_SEL);
    this.i32(u.h + 1);
    this.op(Op.i32_sub);
    this.local(Op.local_tee, L_TI);
    this.i32(u.t - u.h);
    this.op(Op.i32_lt_u);
    this.open(Op.if, VOID);
    this.local(Op.local_get, L_TI);
    this.w.byte(Op.br_table);
    this.w.u32(u.t - u.h);
    for (const v of inner) {
      const label = this.labels.get(v.h)!;
      for (let j = v.h; j <= v.t; j++) this.w.u32(this.depth - label);
    }
    this.w.u32(this.depth - head);
    this.close();
    this.close();
  }

  /**
   * Binary search of L_PC among the sorted pcs [lo, hi) of blocks `index`:
   * sets L_BLK and leaves to `found`, or leaves the region.
   */
  private searchBlock(pcs: number[], index: number[], lo: number, hi: number, found: number): void {
    this.relativePc();
    this.searchPc(pcs, lo, hi, 4, (i) => {
      this.i32(index[i]);
      this.local(Op.local_set, L_BLK);
      if (this.shape.sideTargets.has(index[i])) {
        this.i32(index[i]);
        this.local(Op.local_set, L_SEL);
      }
      this.br(found);
    });
  }

  // --- small writers ---
  op(o: number): void {
    this.w.byte(o);
  }
  local(o: number, i: number): void {
    this.w.byte(o);
    this.w.u32(i);
  }
  mem(o: number, align: number, offset: number): void {
    this.w.byte(o);
    this.w.u32(align);
    this.w.u32(offset);
  }
  i32(v: number): void {
    this.w.byte(Op.i32_const);
    this.w.sleb(v);
  }
  i64(v: number): void {
    this.w.byte(Op.i64_const);
    this.w.sleb(v);
  }
  /**
   * The guest address `pc`, as its offset from the region's page plus the
   * page's address, which the function takes as a parameter: a body holds no
   * address of its own, so the same code at another address (a new process's
   * dash and glibc, which ASLR moves) emits the same bytes and runs the
   * function compiled before (core/jit/jit.ts `reuse`).
   */
  pcConst(pc: number): void {
    this.i64(pc - this.plan.pageVa);
    this.pageVa();
    this.op(Op.i64_add);
  }
  /** The page's address (the caller passes it: the target pc's page). */
  private pageVa(): void {
    this.local(Op.local_get, P_PAGE);
  }
  /** Opens a block, loop or if; `likely` hints an `if` taken or not (wasm.ts branchHints). */
  open(o: number, type: number, likely?: boolean): void {
    if (likely !== undefined) this.hints.push(this.w.len, likely ? 1 : 0);
    this.w.byte(o);
    this.w.byte(type);
    this.depth++;
  }
  close(): void {
    this.w.byte(Op.end);
    this.depth--;
  }
  private br(targetDepth: number): void {
    this.w.byte(Op.br);
    this.w.u32(this.depth - targetDepth);
  }
  /**
   * A register that lives in memory is read from there once a block: its local
   * (unused otherwise) keeps the value for the rest of the block, and a write
   * goes to the local alone until the block's last instruction or a way out
   * (exit) stores it. Only straight-line code at the block's own depth caches:
   * inside a nested if, a read of an uncached register loads and a write
   * stores through (the other arm would not have the local's value).
   */
  private cached = new Set<number>();
  private dirty = new Set<number>();
  private blockDepth = -1;
  /** Whether a write stores through (the block's last instruction: a jump follows). */
  private writeThrough = true;
  get(r: number): void {
    if (r === 0) this.i64(0);
    else if (this.scope?.regs.has(r) || this.cached.has(r)) this.local(Op.local_get, regLocal(r));
    else {
      this.i32(0);
      this.mem(Op.i64_load, 3, r * 8);
      if (this.depth === this.blockDepth) {
        this.local(Op.local_tee, regLocal(r));
        this.cached.add(r);
      }
    }
  }
  set(r: number): void {
    if (r === 0) this.op(Op.drop);
    else if (this.scope?.regs.has(r)) this.local(Op.local_set, regLocal(r));
    else {
      this.local(Op.local_set, regLocal(r));
      if (this.depth === this.blockDepth && !this.writeThrough) {
        this.cached.add(r);
        this.dirty.add(r);
        return;
      }
      this.i32(0);
      this.local(Op.local_get, regLocal(r));
      this.mem(Op.i64_store, 3, r * 8);
    }
  }
  /** Stores the registers written in this block so far (a way out: they stay dirty on the others). */
  private storeDirty(): void {
    this.storeLocals(this.dirty);
  }
  /** Stores each register's local to its place in memory. */
  private storeLocals(regs: Set<number>): void {
    for (const r of regs) {
      this.i32(0);
      this.local(Op.local_get, regLocal(r));
      this.mem(Op.i64_store, 3, r * 8);
    }
  }
  /** Forgets the block's cache: the next block may be reached from elsewhere. */
  private uncache(): void {
    this.cached.clear();
    this.dirty.clear();
    this.blockDepth = -1;
    this.writeThrough = true;
  }

  /** Leaves the region with pc = `pc` after `retiredInBlock` instructions of this block. */
  exit(pc: number, retiredInBlock: number, status: number): void {
    this.storeDirty();
    if (this.scope !== null) this.storeScope();
    const dropped = this.cur.insns.length - retiredInBlock;
    if (dropped !== 0) {
      this.local(Op.local_get, L_N);
      this.i32(dropped);
      this.op(Op.i32_sub);
      this.local(Op.local_set, L_N);
    }
    this.pcConst(pc);
    this.local(Op.local_set, L_PC);
    this.i32(status);
    this.local(Op.local_set, L_ST);
    this.br(this.outDepth);
  }

  /** Continues at `pc` (after the whole block): in this region, or by leaving it. */
  private goTo(pc: number, fallThrough: number): void {
    if (pc === fallThrough) return;
    let idx = this.blockIndex.get(pc);
    if (idx !== undefined && idx !== this.curIndex && this.flatExits?.has(idx)) idx = undefined;
    if (idx === undefined) {
      this.exit(pc, this.cur.insns.length, STATUS_GO_ON);
      return;
    }
    this.jumpToBlock(idx, pc);
  }

  /** Jumps to block `idx` (at `pc`) of this region after the whole current block. */
  private jumpToBlock(idx: number, pc: number): void {
    // The budget is checked on backward transfers only: a forward path runs each block once.
    if (idx <= this.curIndex) this.budgetCheck(pc, this.cur.insns.length);
    // Out of a tight loop: its registers to memory.
    const scope = this.scope, leaving = scope !== null && (idx < scope.h || idx > scope.t);
    if (leaving) this.storeScope();
    // Back through the region's dispatch, which enters a tight loop anew (enterScope).
    const redispatch = () => {
      if (scope !== null && !leaving) this.storeScope();
      this.i32(idx);
      this.local(Op.local_set, L_BLK);
      this.br(this.topDepth);
    };
    const loop = this.loops.get(idx), label = this.labels.get(idx);
    // The loops the target is inside past their head; the outermost this block is not in.
    const chain = this.shape.loopsOf[idx];
    const into = chain.findIndex((u) => !this.loops.has(u.h));
    if (loop !== undefined) {
      this.br(loop); // back to the start of an enclosing loop
    } else if (into < 0 && label !== undefined && idx > this.curIndex) {
      this.br(label); // forward: to the end of the label its code follows
    } else if (chain.length > 0) {
      // Into a loop past its head: through the head's dispatch of the outermost loop
      // to enter (by its label ahead) or of the innermost one this block is in.
      if (!this.shape.sideTargets.has(idx)) {
        throw new Error("codegen: a jump into a loop unplanned");
      }
      this.i32(idx);
      this.local(Op.local_set, L_SEL);
      const u = into < 0 ? undefined : chain[into];
      const toLoop = u === undefined ? undefined : this.labels.get(u.h);
      const inside = into < 0 ? chain.length - 1 : into - 1;
      if (u !== undefined && toLoop !== undefined && u.h > this.curIndex) this.br(toLoop);
      else if (inside >= 0) this.br(this.loops.get(chain[inside].h)!);
      else redispatch();
    } else {
      if (!this.entries.has(idx)) throw new Error("codegen: a jump into the middle of a loop");
      redispatch();
    }
  }

  private block(index: number, b: Block, fallThrough: number): void {
    this.cur = b;
    this.curIndex = index;
    const len = b.insns.length;
    const last = b.insns[len - 1];
    const selfLoop = branchesToItself(b);
    const outer = this.loops.get(index);
    if (this.shape.sideTargets.has(index)) {
      this.i32(-1); // arrived: a later pass through the loop's head must not dispatch here again
      this.local(Op.local_set, L_SEL);
    }
    const scope = selfLoop && this.scope === null ? this.scopes.get(index) : undefined;
    if (scope !== undefined) this.enterScope(scope);
    if (selfLoop) {
      this.open(Op.loop, VOID);
      this.loops.set(index, this.depth);
    }
    this.fallThrough = fallThrough;
    this.local(Op.local_get, L_N);
    this.i32(len);
    this.op(Op.i32_add);
    this.local(Op.local_set, L_N);
    this.blockDepth = this.depth;
    this.writeThrough = false;
    this.groups = accessGroups(b, GROUP_SLOTS);
    for (let k = 0; k < len; k++) {
      const i = b.insns[k];
      if (k === len - 1) {
        // What follows may leave the block: the registers go to memory first.
        this.storeDirty();
        this.dirty.clear();
        this.writeThrough = true;
      }
      if (i.pc - this.plan.pageVa + i.len > 4096) this.crossGuard(i, k);
      this.insn(i, k);
    }
    this.uncache();
    const op = last.insn & 0x7f;
    if (op !== 0x6f && op !== 0x67 && !systemExit(last.insn)) this.goTo(b.next, fallThrough);
    if (selfLoop) {
      this.close();
      if (outer === undefined) this.loops.delete(index);
      else this.loops.set(index, outer);
    }
    if (scope !== undefined) this.leaveScope();
  }

  /**
   * Before an instruction across the page end: unless the fetch TLB maps the
   * next page where its upper half was read from (plan.crossBuf), leave for
   * the interpreter there (STATUS_STOP: no chaining back into this region).
   */
  private crossGuard(i: Insn, k: number): void {
    // L_A: the next page's address; L_SLOT: its fetch TLB record (fetchIndex16 of L_LO).
    this.pcConst(this.plan.pageVa + 4096);
    this.local(Op.local_tee, L_A);
    this.op(Op.i32_wrap_i64);
    this.local(Op.local_set, L_LO);
    this.fetchIndex16();
    this.local(Op.local_get, P_FTLB);
    this.op(Op.i32_add);
    this.local(Op.local_tee, L_SLOT);
    this.mem(Op.i64_load, 3, tlbEntryOffset(0));
    this.local(Op.local_get, L_A);
    this.op(Op.i64_ne);
    this.local(Op.local_get, L_SLOT);
    this.mem(Op.i32_load, 2, tlbEntryOffset(0) + 8);
    this.i32(this.plan.crossBuf);
    this.local(Op.local_get, L_LO);
    this.op(Op.i32_sub);
    this.op(Op.i32_ne);
    this.op(Op.i32_or);
    this.open(Op.if, VOID, false);
    this.exit(i.pc, k, STATUS_STOP);
    this.close();
  }
  private plan!: RegionPlan;

  /** Leaves for the dispatcher (at `pc`, `retired` of this block done) once n passes the budget. */
  private budgetCheck(pc: number, retired: number): void {
    this.local(Op.local_get, L_N);
    this.local(Op.local_get, P_BUDGET);
    this.op(Op.i32_gt_u);
    this.open(Op.if, VOID, false);
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
        this.pcConst(i.pc + (insn & 0xfffff000));
        this.set(rd);
        return;
      case 0x6f: { // JAL
        if (rd !== 0) {
          this.pcConst(i.pc + i.len);
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
          this.pcConst(i.pc + i.len);
          this.set(rd);
        }
        // A return (rd x0, rs1 the link register) goes, most likely, to a return site: those
        // alone are searched here, and any other target through the region's dispatch. Other
        // indirect jumps search every entry. Either way the target's block is then jumped to
        // as a direct jump would be, without a pass through the dispatch.
        if (rd === 0 && (rs1 === 1 || rs1 === 5) && this.returnPcs.length > 0) {
          if (this.inlineSearch(this.returnPcs.length)) {
            this.searchJump(this.returnPcs, this.returnIndex, () => this.dispatchJump());
            return;
          }
        } else if (this.inlineSearch(this.entryIndex.length)) {
          this.searchJump(this.entryPcs, this.entryIndex);
          return;
        }
        this.dispatchJump();
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
      case 0x2f: // AMO, LR/SC
        this.atomic(i, k);
        return;
      case 0x73: // CSR access, ECALL, xRET, SFENCE.VMA
        this.sysCall(i, k);
        return;
    }
    if (isFpOpcode(insn & 0x7f)) {
      this.fp.insn(i, k, this.cur);
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
    this.divRem(f3, a, b, W64);
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
    this.divRem(f3, a, b, W32);
  }

  /**
   * DIV/DIVU/REM/REMU (funct3 4..7) of one width, guarded where RISC-V defines
   * what wasm traps on: b == 0 gives -1 (DIV, DIVU) or a (REM, REMU); signed
   * b == -1 gives -a and 0 (so the overflow case wraps as RISC-V says).
   */
  private divRem(f3: number, a: () => void, b: () => void, t: Width): void {
    const c = (v: number) => (this.op(t.const), this.w.sleb(v));
    b(), this.op(t.eqz);
    this.open(Op.if, t.type);
    if (f3 === 4 || f3 === 5) c(-1);
    else a();
    this.op(Op.else);
    if (f3 === 4 || f3 === 6) {
      b(), c(-1), this.op(t.eq);
      this.open(Op.if, t.type);
      if (f3 === 4) c(0), a(), this.op(t.sub);
      else c(0);
      this.op(Op.else);
      a(), b(), this.op(f3 === 4 ? t.div_s : t.rem_s);
      this.close();
    } else {
      a(), b(), this.op(f3 === 5 ? t.div_u : t.rem_u);
    }
    this.close();
  }

  call(fn: number): void {
    this.w.byte(Op.call);
    this.w.u32(fn);
  }

  /**
   * Address into L_A/L_LO, then the TLB check for `kind` leaving the hit flag
   * on the stack: the entry's i64 tag equals the address masked with
   * ~4095 | (size - 1), so a misaligned access misses too.
   */
  tlbCheck(rs1: number, imm: number, kind: number, size: number): void {
    this.get(rs1);
    if (imm !== 0) {
      this.i64(imm);
      this.op(Op.i64_add);
    }
    this.local(Op.local_tee, L_A);
    this.op(Op.i32_wrap_i64);
    this.local(Op.local_tee, L_LO);
    this.i32(8);
    this.op(Op.i32_shr_u);
    this.i32(TLB_INDEX16_MASK); // core/mmu.ts dataTlbIndex(lo) * 16
    this.op(Op.i32_and);
    this.local(Op.local_get, P_DTLB);
    this.op(Op.i32_add);
    this.local(Op.local_tee, L_TI);
    this.mem(Op.i64_load, 3, tlbEntryOffset(kind));
    this.local(Op.local_get, L_A);
    this.i64(-4096 | (size - 1));
    this.op(Op.i64_and);
    this.op(Op.i64_eq);
  }

  /** The fetch TLB record's offset in its array for the pc in L_LO: core/mmu.ts `fetchTlbIndex` * 16. */
  private fetchIndex16(): void {
    this.local(Op.local_get, L_LO);
    this.i32(8);
    this.op(Op.i32_shr_u);
    this.local(Op.local_get, L_LO);
    this.i32(TLB_HASH_SHIFT);
    this.op(Op.i32_shr_u);
    this.op(Op.i32_xor);
    this.i32(TLB_INDEX16_MASK);
    this.op(Op.i32_and);
  }

  addrHi(): void {
    this.local(Op.local_get, L_A);
    this.i64(32);
    this.op(Op.i64_shr_u);
    this.op(Op.i32_wrap_i64);
  }

  /** Buffer offset of the access on a TLB hit: the address plus the entry's addend. */
  hitOffset(kind: number): void {
    this.local(Op.local_get, L_LO);
    this.local(Op.local_get, L_TI);
    this.mem(Op.i32_load, 2, tlbEntryOffset(kind) + 8);
    this.op(Op.i32_add);
  }

  private load(i: Insn, k: number, rd: number, rs1: number, imm: number, f3: number): void {
    const member = this.groups.get(k);
    if (member !== undefined) {
      this.inGroup(member, k);
      this.open(Op.if, I64, true);
      this.local(Op.local_get, L_GROUP + member.group.slot);
      this.mem(LOAD_OPS[f3], f3 & 3, member.offset);
      this.op(Op.else);
    }
    const size = 1 << (f3 & 3);
    this.tlbCheck(rs1, imm, ACCESS_LOAD, size);
    this.open(Op.if, I64, true);
    this.hitOffset(ACCESS_LOAD);
    this.mem(LOAD_OPS[f3], f3 & 3, 0);
    this.op(Op.else);
    this.local(Op.local_get, L_LO);
    this.addrHi();
    this.i32(f3);
    this.local(Op.local_get, L_TI);
    this.call(FN_LOAD2);
    this.open(Op.if, VOID, false);
    this.exit(i.pc, k, STATUS_TRAP);
    this.close();
    this.i32(0);
    this.mem(Op.i64_load, 3, JIT_SCRATCH_OFFSET);
    this.close();
    if (member !== undefined) this.close();
    this.set(rd);
  }

  private store(i: Insn, k: number, rs1: number, rs2: number, imm: number, f3: number): void {
    const member = this.groups.get(k);
    if (member !== undefined) {
      this.inGroup(member, k);
      this.open(Op.if, VOID, true);
      if (this.logStores) {
        this.local(Op.local_get, L_GROUP + member.group.slot);
        this.i32(member.offset);
        this.op(Op.i32_add);
        this.i32(1 << f3);
        this.call(FN_LOG_STORE);
      }
      this.local(Op.local_get, L_GROUP + member.group.slot);
      this.get(rs2);
      this.mem(STORE_OPS[f3], f3, member.offset);
      this.op(Op.else);
    }
    const size = 1 << f3;
    this.tlbCheck(rs1, imm, ACCESS_STORE, size);
    this.open(Op.if, VOID, true);
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
    this.local(Op.local_get, L_TI);
    this.call(FN_STORE2);
    this.local(Op.local_tee, L_ST);
    this.open(Op.if, VOID, false);
    // 1: trap at this instruction; 2: done, but leave (MMIO wants the loop, or code changed).
    this.local(Op.local_get, L_ST);
    this.i32(STATUS_TRAP);
    this.op(Op.i32_eq);
    this.open(Op.if, VOID);
    this.exit(i.pc, k, STATUS_TRAP);
    this.close();
    this.exit(i.pc + i.len, k + 1, STATUS_STOP);
    this.close();
    this.close();
    if (member !== undefined) this.close();
  }

  /**
   * Before a group member's access: at the group's first member, its check
   * (checkGroup); then whether it passed, on the stack.
   */
  private inGroup(member: GroupMember, k: number): void {
    const g = member.group;
    if (g.first === k) this.checkGroup(g);
    this.local(Op.local_get, L_GROUP + g.slot);
    this.i32(-1);
    this.op(Op.i32_ne);
  }

  /**
   * Sets the group's local to the buffer offset of its lowest address when
   * the TLB maps that address's page for the group's kind of access and all
   * of the group's bytes fall in that page; else to -1.
   */
  private checkGroup(g: AccessGroup): void {
    this.tlbCheck(g.rs1, g.minImm, g.kind, 1);
    this.local(Op.local_get, L_LO);
    this.i32(4095);
    this.op(Op.i32_and);
    this.i32(4096 - g.span);
    this.op(Op.i32_le_u);
    this.op(Op.i32_and);
    this.open(Op.if, I32, true);
    this.hitOffset(g.kind);
    this.op(Op.else);
    this.i32(-1);
    this.close();
    this.local(Op.local_set, L_GROUP + g.slot);
  }
  /** The current block's access groups, by member index. */
  private groups: Map<number, GroupMember> = NO_GROUPS;

  /**
   * LR, SC and AMOs inline on a TLB hit (the load TLB for LR, the store TLB
   * for the others, as Hart.atomic resolves them; a misaligned address misses),
   * with the reservation in the shared memory (JIT_RESERVATION_OFFSET); a miss
   * takes sys(), which runs Hart.atomic and raises its faults. Pages holding
   * translations never get a store TLB entry, so no atomic here changes code.
   */
  private atomic(i: Insn, k: number): void {
    const insn = i.insn, rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31;
    const rs2 = (insn >>> 20) & 31, f5 = insn >>> 27, wide = ((insn >>> 12) & 7) === 3;
    const size = wide ? 8 : 4, kind = f5 === 2 ? ACCESS_LOAD : ACCESS_STORE;
    const load = () => this.mem(wide ? Op.i64_load : Op.i64_load32_s, wide ? 3 : 2, 0);
    const store = () => this.mem(wide ? Op.i64_store : Op.i64_store32, wide ? 3 : 2, 0);
    const at = () => this.local(Op.local_get, L_SLOT);
    const reserve = (
      v: () => void,
    ) => (this.i32(0), v(), this.mem(Op.i32_store, 2, JIT_RESERVATION_OFFSET));
    this.tlbCheck(rs1, 0, kind, size);
    this.open(Op.if, VOID, true);
    this.hitOffset(kind);
    this.local(Op.local_set, L_SLOT);
    if (f5 === 2) { // LR
      at(), load(), this.set(rd);
      reserve(at);
    } else if (f5 === 3) { // SC: stores only if the reservation is this address
      this.i32(0);
      this.mem(Op.i32_load, 2, JIT_RESERVATION_OFFSET);
      at();
      this.op(Op.i32_eq);
      this.open(Op.if, I64);
      this.logStore(at, size);
      at(), this.get(rs2), store();
      this.i64(0);
      this.op(Op.else);
      this.i64(1);
      this.close();
      this.set(rd);
      reserve(() => this.i32(-1));
    } else {
      this.logStore(at, size);
      at(), load(), this.local(Op.local_set, L_T); // old value, sign-extended (W)
      this.get(rs2);
      if (!wide) this.op(Op.i32_wrap_i64), this.op(Op.i64_extend_i32_s);
      this.local(Op.local_set, L_U);
      at();
      this.amoOp(f5, wide);
      store();
      this.local(Op.local_get, L_T);
      this.set(rd);
    }
    this.op(Op.else);
    this.sysCall(i, k);
    this.close();
  }

  /** Checker mode: reports `size` bytes at the offset `at` pushes, before they are stored. */
  private logStore(at: () => void, size: number): void {
    if (!this.logStores) return;
    at();
    this.i32(size);
    this.call(FN_LOG_STORE);
  }

  /** The new value of an AMO from old (L_T) and rs2 (L_U), both sign-extended for W. */
  private amoOp(f5: number, wide: boolean): void {
    const a = () => this.local(Op.local_get, L_T), b = () => this.local(Op.local_get, L_U);
    const ops: Record<number, number> = {
      0: Op.i64_add,
      4: Op.i64_xor,
      8: Op.i64_or,
      12: Op.i64_and,
    };
    if (f5 === 1) return b(); // AMOSWAP
    if (ops[f5] !== undefined) return (a(), b(), this.op(ops[f5]));
    // MIN, MAX, MINU, MAXU: keep old when it compares so against rs2
    a(), b();
    const cmp = wide
      ? [Op.i64_lt_s, Op.i64_gt_s, Op.i64_lt_u, Op.i64_gt_u]
      : [Op.i32_lt_s, Op.i32_gt_s, Op.i32_lt_u, Op.i32_gt_u];
    a();
    if (!wide) this.op(Op.i32_wrap_i64);
    b();
    if (!wide) this.op(Op.i32_wrap_i64);
    this.op(cmp[(f5 - 16) >> 2]);
    this.op(Op.select);
  }

  // --- Atomics and SYSTEM instructions: one call to sys() each (core/jit/system.ts) ---

  /**
   * Calls sys() for the instruction, then: a trap leaves at it; rd gets the
   * value sys() left in the scratch slot; status 2 leaves after it; 3 (an
   * xRET or ECALL) leaves for the pc sys() left there with the TLB sets it
   * left (chained on from there like any jump out) and 4 leaves so for the
   * run loop. A CSR write that may switch the data TLB set reloads it.
   */
  private sysCall(i: Insn, k: number): void {
    const insn = i.insn, rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31;
    const amo = (insn & 0x7f) === 0x2f, f3 = (insn >>> 12) & 7;
    // SFENCE.VMA gets both registers' values (an address and an ASID), as an AMO does.
    const twoRegs = amo || isSfenceVma(insn);
    if (twoRegs || (f3 !== 0 && (f3 & 4) === 0)) {
      this.i32(0);
      this.get(twoRegs ? (insn >>> 20) & 31 : rs1);
      this.mem(Op.i64_store, 3, JIT_SCRATCH_OFFSET);
    }
    this.i32(insn | 0);
    if (twoRegs) {
      this.get(rs1);
      this.local(Op.local_tee, L_A);
      this.op(Op.i32_wrap_i64);
      this.addrHi();
    } else if (insn === ECALL) { // its pc, for sepc/mepc
      this.pcConst(i.pc);
      this.local(Op.local_tee, L_A);
      this.op(Op.i32_wrap_i64);
      this.addrHi();
    } else if (f3 !== 0) {
      // 1: FP code follows in this block, which checked FS once for the block (codegen_fp.ts).
      const rest = this.cur.insns.slice(k + 1);
      this.i32(rest.some((r) => isFpOpcode(r.insn & 0x7f)) ? 1 : 0);
      this.i32(0);
    } else {
      this.i32(0);
      this.i32(0);
    }
    // Instructions retired before this one (L_N already counts the whole block).
    this.local(Op.local_get, L_N);
    this.i32(this.cur.insns.length - k);
    this.op(Op.i32_sub);
    this.call(FN_SYS);
    this.local(Op.local_tee, L_ST);
    this.i32(SYS_TRAP);
    this.op(Op.i32_eq);
    this.open(Op.if, VOID, false);
    this.exit(i.pc, k, STATUS_TRAP);
    this.close();
    if (rd !== 0) {
      this.i32(0);
      this.mem(Op.i64_load, 3, JIT_SCRATCH_OFFSET);
      this.set(rd);
    }
    if (systemExit(insn)) { // ends its block: status 2, 3 or 4
      this.local(Op.local_get, L_ST);
      this.i32(SYS_JUMP - 1);
      this.op(Op.i32_gt_u);
      this.open(Op.if, VOID);
      this.i32(0);
      this.mem(Op.i64_load, 3, JIT_SCRATCH_OFFSET);
      this.local(Op.local_set, L_PC);
      if (insn === ECALL) { // it does not retire (L_N counts it, the block's last)
        this.local(Op.local_get, L_N);
        this.i32(1);
        this.op(Op.i32_sub);
        this.local(Op.local_set, L_N);
      }
      // 3: go on (GO_ON, chained), 4: back to the run loop (STOP).
      this.local(Op.local_get, L_ST);
      this.i32(SYS_JUMP);
      this.op(Op.i32_sub);
      this.i32(STATUS_STOP);
      this.op(Op.i32_mul);
      this.local(Op.local_set, L_ST);
      this.reloadTlbs(true);
      this.br(this.outDepth);
      this.close();
      this.exit(i.pc + i.len, k + 1, STATUS_STOP);
      return;
    }
    this.local(Op.local_get, L_ST);
    this.open(Op.if, VOID, false);
    this.exit(i.pc + i.len, k + 1, STATUS_STOP);
    this.close();
    if (!amo && csrWrites(insn) && STATUS_CSRS.has(insn >>> 20)) this.reloadTlbs(false);
  }

  /** The data TLB set (and the fetch set) as sys() left them (JIT_TLB_OFFSET). */
  private reloadTlbs(fetch: boolean): void {
    this.i32(0);
    this.mem(Op.i32_load, 2, JIT_TLB_OFFSET);
    this.local(Op.local_set, P_DTLB);
    if (!fetch) return;
    this.i32(0);
    this.mem(Op.i32_load, 2, JIT_TLB_OFFSET + 4);
    this.local(Op.local_set, P_FTLB);
  }
}

/** The opcodes of one integer width, for code emitted the same way at both. */
interface Width {
  type: number;
  const: number;
  eqz: number;
  eq: number;
  sub: number;
  div_s: number;
  div_u: number;
  rem_s: number;
  rem_u: number;
}
const W64: Width = {
  type: I64,
  const: Op.i64_const,
  eqz: Op.i64_eqz,
  eq: Op.i64_eq,
  sub: Op.i64_sub,
  div_s: Op.i64_div_s,
  div_u: Op.i64_div_u,
  rem_s: Op.i64_rem_s,
  rem_u: Op.i64_rem_u,
};
const W32: Width = {
  type: I32,
  const: Op.i32_const,
  eqz: Op.i32_eqz,
  eq: Op.i32_eq,
  sub: Op.i32_sub,
  div_s: Op.i32_div_s,
  div_u: Op.i32_div_u,
  rem_s: Op.i32_rem_s,
  rem_u: Op.i32_rem_u,
};

const BRANCH_OPS = [Op.i64_eq, Op.i64_ne, 0, 0, Op.i64_lt_s, Op.i64_ge_s, Op.i64_lt_u, Op.i64_ge_u];
/** A load's wasm op by its funct3 (LB LH LW LD LBU LHU LWU), the value sign- or zero-extended. */
export const LOAD_OPS = [
  Op.i64_load8_s,
  Op.i64_load16_s,
  Op.i64_load32_s,
  Op.i64_load,
  Op.i64_load8_u,
  Op.i64_load16_u,
  Op.i64_load32_u,
];
/** A store's wasm op by its funct3 (SB SH SW SD). */
export const STORE_OPS = [Op.i64_store8, Op.i64_store16, Op.i64_store32, Op.i64_store];

/** A block with no access groups (before the first block). */
const NO_GROUPS = new Map<number, GroupMember>();

/** Whether the block's last instruction jumps to its own start (a loop of one block). */
function branchesToItself(b: Block): boolean {
  return directTarget(b.insns[b.insns.length - 1]) === b.pc;
}

/** A tight loop over blocks h..t (RegionEmitter.loopScopes). */
interface LoopScope {
  h: number;
  t: number;
  /** The registers its instructions use; those they write. */
  regs: Set<number>;
  written: Set<number>;
}

/** A block (inner null), or a loop from block h to t whose body after h is `inner`. */
interface Unit {
  h: number;
  t: number;
  inner: Unit[] | null;
  /** A loop some of whose blocks after h are entered from outside it (through its head's dispatch). */
  sideEntered?: boolean;
}

/** The units of a region, and how its blocks inside loops are reached. */
interface Structure {
  units: Unit[];
  /** For each block, the loops it is inside past their head, outermost first. */
  loopsOf: Unit[][];
  /**
   * Blocks inside a loop past its head that are entered from outside it: by
   * a jump from outside, a return (a call's return site) or an entry of the
   * region. A jump there sets the selector local to the block's index and
   * goes to the loop's head, whose dispatch goes on to the block; the block
   * clears the selector.
   */
  sideTargets: Set<number>;
}

/**
 * Splits the blocks (in address order) into units that V8 sees as structured
 * code: single blocks, and loops h..t (nested as deep as they go) where some
 * block jumps back to h, so every backward jump goes to the start of an
 * enclosing loop or of its own block. A loop may be entered past its head
 * (gcc's rotated loops jump into their condition first; a loop with a call
 * in it is re-entered at the return site): such blocks are `sideTargets`.
 * Backward jumps between top-level units go through the dispatch.
 */
function structure(blocks: Block[], roots: number[]): Structure {
  const k = blocks.length;
  const index = new Map(blocks.map((b, i) => [b.pc, i]));
  const succ = blocks.map((b) => {
    const last = b.insns[b.insns.length - 1];
    const t = directTarget(last);
    const out: number[] = [];
    const ti = t === null ? undefined : index.get(t);
    if (ti !== undefined) out.push(ti);
    const op = last.insn & 0x7f;
    const fi = op === 0x6f || op === 0x67 || systemExit(last.insn) ? undefined : index.get(b.next);
    if (fi !== undefined) out.push(fi);
    return out;
  });
  const units = (lo: number, hi: number): Unit[] => {
    const out: Unit[] = [];
    for (let h = lo; h <= hi;) {
      let t = h;
      for (let j = h + 1; j <= hi; j++) if (succ[j].includes(h)) t = j;
      if (t > h) {
        out.push({ h, t, inner: units(h + 1, t) });
        h = t + 1;
        continue;
      }
      out.push({ h, t: h, inner: null });
      h++;
    }
    return out;
  };
  const top = units(0, k - 1);
  const loopsOf: Unit[][] = blocks.map(() => []);
  const walk = (list: Unit[], chain: Unit[]) => {
    for (const u of list) {
      if (u.inner === null) continue;
      const inside = [...chain, u];
      for (let j = u.h + 1; j <= u.t; j++) loopsOf[j] = inside;
      walk(u.inner, inside);
    }
  };
  walk(top, []);
  const sideTargets = new Set<number>();
  const outside = (u: Unit, i: number) => i < u.h || i > u.t;
  succ.forEach((out, i) => {
    for (const j of out) if (loopsOf[j].some((u) => outside(u, i))) sideTargets.add(j);
  });
  // A call's return site, and the region's entry pcs, are entered from outside too.
  for (const b of blocks) {
    const last = b.insns[b.insns.length - 1];
    const op = last.insn & 0x7f;
    const ri = index.get(last.pc + last.len);
    if ((op === 0x6f || op === 0x67) && ((last.insn >>> 7) & 31) !== 0 && ri !== undefined) {
      if (loopsOf[ri].length > 0) sideTargets.add(ri);
    }
  }
  for (const pc of roots) {
    const ri = index.get(pc);
    if (ri !== undefined && loopsOf[ri].length > 0) sideTargets.add(ri);
  }
  for (const j of sideTargets) for (const u of loopsOf[j]) u.sideEntered = true;
  return { units: top, loopsOf, sideTargets };
}

/** Adds the registers an instruction reads and writes. */
function registersOf(insn: number, used: Set<number>, written: Set<number>): void {
  const rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
  const op = insn & 0x7f;
  const w = writtenRegister(insn);
  if (w >= 0) {
    used.add(w);
    written.add(w);
  }
  if (isFpOpcode(op)) {
    const r = fpReadsX(insn);
    if (r >= 0) used.add(r);
    return;
  }
  const reads1 = op !== 0x37 && op !== 0x17 && op !== 0x6f;
  const reads2 = op === 0x63 || op === 0x23 || op === 0x33 || op === 0x3b || op === 0x2f;
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
