/**
 * The translator's driver: counts jump targets in the interpreter, translates
 * a region once its entry is hot, and runs translated regions and the
 * interpreter in turn for one slice of the machine's run loop.
 *
 * Translations are keyed by virtual pc and checked against the current fetch
 * TLB on entry (same physical page), so satp writes, SFENCE.VMA and privilege
 * changes need no flush. Pages holding translations never get a store TLB
 * entry, so every store to them takes the slow path, which drops their
 * translations (self-modifying code). FENCE.I re-checks each region's source
 * bytes before it runs again (code written by a device's DMA). A region
 * planned again (at another address: another process's copy of a library)
 * whose body was emitted before runs from the module compiled for it then
 * (core/jit/reuse.ts).
 */
import type { Hart } from "../hart.ts";
import type { PhysicalMemory } from "../memory.ts";
import {
  JIT_FP_READY_OFFSET,
  JIT_PC_OFFSET,
  JIT_RETIRED_OFFSET,
  JIT_SCRATCH_OFFSET,
} from "../state.ts";
import { ACCESS_FETCH, ACCESS_STORE, TRAP } from "../trap.ts";
import { executeFp } from "../fpu.ts";
import { MSTATUS_FS, PRIV_U } from "../csr.ts";
import { TLB_BYTES } from "../mmu.ts";
import {
  CHAIN_BYTES,
  chainIndex,
  mulhuBody,
  REGION_LOCALS,
  RegionEmitter,
  STATUS_GO_ON,
  STATUS_TRAP,
} from "./codegen.ts";
import { MAX_REGION_INSNS, planRegion, type RegionPlan } from "./region.ts";
import {
  fpReady,
  putReservation,
  SystemCalls,
  takeReservation,
  WHY_ECALL,
  WHY_XRET,
} from "./system.ts";
import { FP_DIRTY } from "./codegen_fp.ts";
import { ByteWriter, type FuncDef, I32, I64, writeModule } from "./wasm.ts";
import { secondWayHelpers } from "./second_way.ts";
import { bodyHash, CompiledBodies, sameBytes } from "./reuse.ts";

/** Jump-target counters and the entry cache: direct-mapped by (pc >>> 1). */
const TABLE_SIZE = 1 << 16;
/**
 * Jumps to a target before its region is translated: firmware and kernel code
 * (a boot's runs a few hundred to a few thousand times; translating it at 20,000
 * cost a cold boot ~0.5 s of CPU for little gain: docs/speed.md, "boot").
 */
const HOT_THRESHOLD = 200000;
/**
 * User code gets hot this many times sooner (after 2,000 jumps): a program's
 * loop body runs a few thousand times.
 */
const USER_STEP = 100;
/**
 * Past the machine's start (its first KERNEL_START instructions: firmware and
 * kernel boot, whose per-page loops run once), kernel code gets hot this many
 * times sooner, after 20,000 jumps, if they come within one AGE_WINDOW: a
 * disk or 9P transfer runs the kernel's per-page paths (page cache, allocator,
 * copies) once a 4 KiB page, 32,768 times for 128 MiB, in 160-410 M
 * instructions, and at 200,000 they stayed interpreted for five transfers or
 * more. A long program's occasional system calls and timer ticks do not come
 * that often; translated before, they left their regions for cold kernel
 * code far more often (gzip on Debian ran up to 1.7 times longer for several
 * runs; docs/speed.md, "kernel step, session 22").
 */
const KERNEL_STEP = 10;
const KERNEL_START = 100_000_000;
/** Counters not yet hot start again every AGE_WINDOW instructions once past KERNEL_START. */
const AGE_WINDOW = 400_000_000;
/**
 * Hot entries compiled together as one module (one compile and one instance
 * for several regions): the batch is compiled when full or at the next slice.
 */
const BATCH = 16;
/** A hot entry waiting for its batch (its counter is parked here meanwhile). */
const PENDING = -(1 << 29);
/**
 * A region that returns after fewer instructions than this on average (it
 * stops at untranslated FP or system code) costs more in transitions than it
 * saves: after PROBATION entries it is dropped and its entry left to the
 * interpreter.
 */
const MIN_RUN = 12;
const PROBATION = 256;
/** A counter that will not come back: its pc cannot be translated. */
const NEVER = -(1 << 30);
/** Store-invalidations after which a page is left to the interpreter (code and data mixed). */
const MAX_INVALIDATIONS = 8;
/** Code cache bound: past either, every translation is dropped. */
const MAX_CACHE_BYTES = 32 << 20;
const MAX_REGIONS = 8192;
/**
 * Regions of one page are planned again as one while they hold at most this
 * many instructions (each new hot pc there compiles the whole again).
 */
const MERGE_MAX_INSNS = 1000;
/**
 * The share of the time translating may take (emitting, compiling, and the
 * first run of each region, where V8 compiles it lazily), beyond a burst of
 * TRANSLATE_BURST_MS that a quiet spell fills up again. Past it, pcs that
 * get hot wait another HOT_THRESHOLD jumps and pages are not merged: a
 * distribution's boot runs thousands of short-lived processes whose code gets
 * hot and is never run again, and translating all of it took most of the time
 * (Debian to its shell, in-process: 183 s with a 25 % share, 83 s with 5 %,
 * 93-100 s with no translator at all; docs/speed.md).
 */
const TRANSLATE_SHARE = 0.05;
/**
 * Translation time allowed at once (a program's loop gets its regions without
 * waiting): the credit that TRANSLATE_SHARE of the time refills, up to this.
 */
const TRANSLATE_BURST_MS = 250;
/**
 * The most translation time owed: code compiled before, which the budget lets
 * through (core/jit/reuse.ts `rooted`), kept a Debian boot ~0.8 s in debt,
 * and the first program after it waited ~15 s for its own code.
 */
const MAX_DEBT_MS = 50;
/**
 * The lead in instructions an address space (satp) gains over all others
 * together (a majority count, by slices) before its U-mode code is translated
 * whatever the credit: a program that has run this long nearly alone (a shell
 * loop after a distribution's boot, gzip feeding wc through a pipe) is not one
 * of the boot's short-lived processes the budget is for, and its loop's pcs,
 * turned away, kept returning from translated code to the interpreter
 * (docs/speed.md, "ftlb"). Counted in total instead, Debian's boot took ~14 %
 * longer (long-lived daemons such as systemd would pass a total); counted only
 * in a row, a pipe's reader between slices kept gzip from it. A new program
 * leads once the last one's lead (capped at twice this) has drained: after
 * Debian's boot, a shell loop's first run had 1,237 hot pcs turned away at
 * 50 M, 485 at 20 M (docs/speed.md, "settle").
 */
const LONG_RUNNING = 20_000_000;
const TWO32 = 4294967296;

type RegionFn = (
  entry: number,
  budget: number,
  dtlb: number,
  ftlb: number,
  n0: number,
  page: bigint,
) => number;

interface Region {
  plan: RegionPlan;
  fn: RegionFn;
  valid: boolean;
  /** FENCE.I generation its source bytes were last known good for. */
  epoch: number;
  src: Uint8Array;
  /** The halfword at plan.crossBuf when translated (an instruction's upper half on the next page). */
  crossSrc: number;
  wasmBytes: number;
  /** Blocks it can be entered at. */
  entries: Set<number>;
  /** Its slot in the table regions chain through. */
  slot: number;
  /** The flat variant, compiled when first entered inside a loop, and its slot (-1: none). */
  flat: RegionFn | null;
  flatSlot: number;
  /** plan.pageVa as the i64 the region's function takes. */
  pageBig: bigint;
  /** Runs so far and instructions they retired, until probation ends (then -1). */
  runs: number;
  retired: number;
}

export interface Entry {
  region: Region;
  index: number;
}

/** Figures for the benchmarks and the README. */
export interface JitStats {
  regions: number;
  blocks: number;
  instructions: number;
  compileMs: number;
  /** WebAssembly modules compiled (a batch of regions is one). */
  modules: number;
  /** Region functions run from a module compiled before for the same body (reuse.ts). */
  reused: number;
  /** Bytes of wasm in the cache now. */
  cacheBytes: number;
  invalidated: number;
  /** Regions dropped because they returned too soon on average. */
  dropped: number;
  flushes: number;
  /**
   * Returns from translated code to the run loop, by why: a trap (ecall: an
   * ECALL with an interrupt to take after it), a CSR write, an xRET, another
   * SYSTEM instruction or atomic (SFENCE.VMA, code changed), any other stop
   * (untranslated code, MMIO), and a jump out that no chain took (out).
   */
  exits: number;
  exitsTrap: number;
  exitsEcall: number;
  exitsCsr: number;
  exitsXret: number;
  exitsSys: number;
  exitsStop: number;
  exitsOut: number;
}

export class Jit {
  /** In the shared memory, where the interpreter's wasm tier counts too (core/wasm_interp.ts). */
  readonly hot: Int32Array;
  private readonly entryPc = new Float64Array(TABLE_SIZE).fill(NaN);
  private readonly entries: (Entry | undefined)[] = new Array(TABLE_SIZE);
  /**
   * Every installed entry by pc: two hot pcs that share a slot of the
   * direct-mapped table take turns there instead of being translated again
   * each time the other evicts them (they did, thousands of times a second,
   * under network traffic: docs/speed.md).
   */
  private readonly byPc = new Map<number, Entry>();
  private readonly byPage = new Map<number, Region[]>();
  /**
   * The roots (offsets in the page) of the widest region installed on each
   * RAM page, by page number, and whether it held an instruction across the
   * page's end. Another process's copy of a program maps the same page at
   * another address: its first hot pc there is planned with these at once,
   * which gives the body compiled before (reuse.ts) instead of growing region
   * by region as its pcs get hot. A plan whose next page is not mapped yet
   * would end before that instruction, and differ: it grows as before.
   */
  private readonly frameRoots = new Map<number, { offsets: number[]; across: boolean }>();
  private readonly codePages: Uint8Array;
  private readonly invalidations: Uint8Array;
  private readonly emitter = new RegionEmitter();
  /**
   * Bodies compiled before, run again at another address without compiling.
   * They outlive a flush: what is translated again after it costs no compile.
   */
  private readonly reuse = new CompiledBodies<RegionFn>(MAX_CACHE_BYTES);
  private readonly writer = new ByteWriter();
  private readonly imports: WebAssembly.Imports;
  /** Atomics and SYSTEM instructions called from translated code. */
  private readonly sys: SystemCalls;
  private fenceEpoch = 0;
  /** Set when a store dropped translations: the running region must stop. */
  private codeChanged = false;
  private regionCount = 0;
  /** Regions by slot, for tail calls from region to region. */
  private readonly table = new WebAssembly.Table({ element: "anyfunc", initial: 0 });
  private nextSlot = 0;
  /**
   * Hot entries waiting for their batch (pc, counter index), each with its page's buffer
   * offset and where the next page is mapped for fetch (nextPageBuf), both taken when it got
   * hot: the batch may be planned at the next slice's start, in another privilege with other
   * fetch TLB sets.
   */
  private pending: { pc: number; base: number; i: number; next: number }[] = [];
  private batchSize = BATCH;
  /**
   * The chain cache regions read before leaving: pc → slot, block, page
   * (int32 records of 8, in the area after the TLBs); null in checker mode.
   */
  private readonly chain: Int32Array | null;
  readonly stats: JitStats = {
    regions: 0,
    blocks: 0,
    instructions: 0,
    compileMs: 0,
    modules: 0,
    reused: 0,
    cacheBytes: 0,
    invalidated: 0,
    dropped: 0,
    flushes: 0,
    exits: 0,
    exitsTrap: 0,
    exitsEcall: 0,
    exitsCsr: 0,
    exitsXret: 0,
    exitsSys: 0,
    exitsStop: 0,
    exitsOut: 0,
  };
  /** Jumps out no chain took, by target pc, when set (tests/tools/io_profile.ts). */
  outExits: Map<number, number> | null = null;
  /** Exits after a CSR write, by CSR number (the stats' exitsCsr). */
  readonly csrExits = new Map<number, number>();
  /** The address space that ran most of late, and its lead over the others (LONG_RUNNING). */
  private runSatp = 0n; // satp at reset
  private runLength = 0;
  /** LONG_RUNNING, for tests. */
  longRunning = LONG_RUNNING;
  /** Translation time still allowed (negative: owed), as of `creditAt`. */
  private creditMs = TRANSLATE_BURST_MS;
  private creditAt = performance.now();
  /** Called with each store's buffer offset and size before it happens (lockstep checker). */
  storeLog: ((offset: number, size: number) => void) | null = null;

  constructor(readonly hart: Hart, readonly mem: PhysicalMemory, checkMode = false) {
    this.hot = new Int32Array(mem.memory.buffer, mem.jumpCountersOffset, TABLE_SIZE)
      .fill(-HOT_THRESHOLD);
    const pages = mem.memory.buffer.byteLength >>> 12;
    this.codePages = new Uint8Array(pages);
    this.invalidations = new Uint8Array(pages);
    this.emitter.checkMode = checkMode;
    const chainAt = mem.tlbOffset + 4 * TLB_BYTES;
    this.chain = checkMode ? null : new Int32Array(mem.memory.buffer, chainAt, CHAIN_BYTES / 4);
    this.emitter.chainAt = checkMode ? -1 : chainAt;
    this.clearChain();
    hart.jitHot = this.hot;
    hart.jitUserStep = USER_STEP;
    hart.codePages = this.codePages;
    hart.onCodeWrite = (page) => this.invalidatePage(page);
    hart.onFenceI = () => {
      this.fenceEpoch++;
      this.clearChain(); // every region re-checks its bytes before it runs again
    };
    const sys = this.sys = new SystemCalls(hart, mem);
    sys.onAccess = (va) => this.onSlowAccess?.(va, true);
    sys.logStore = (va, size) => {
      if (this.storeLog !== null) this.logSlowStore(va, size);
    };
    const slow = {
      ld: (lo: number, hi: number, f3: number) => this.loadHelper(lo, hi, f3),
      st: (lo: number, hi: number, f3: number) => this.storeHelper(lo, hi, f3),
      log: (off: number, size: number) => this.storeLog?.(off, size),
    };
    const { ld2, st2 } = secondWayHelpers(mem.memory, this.table, slow, checkMode);
    this.imports = {
      h: {
        ...slow,
        fp: (insn: number) => executeFp(hart.state, insn) ? 0 : 1,
        sys: (insn: number, lo: number, hi: number, n: number) => sys.call(insn, lo, hi, n),
        ld2,
        st2,
      },
      m: { mem: mem.memory, tbl: this.table },
    };
  }

  /**
   * Runs about `limit` instructions, translated where hot; returns how many
   * were executed. A region checks its budget on backward jumps only, so it
   * may run past `limit` by up to its own size; with `exact` it stops short
   * and the interpreter finishes the slice exactly.
   */
  run(limit: number, exact = false): number {
    const h = this.hart;
    h.checkInterrupts();
    if (h.waiting || h.haltRequested) return 0;
    h.endSlice = false;
    if (this.pending.length > 0) this.translatePending();
    let n = 0;
    while (n < limit) {
      const e = this.lookup(h.pc);
      // Chained regions each check the budget before they chain: any may run one forward path over.
      const budget = e === null ? 0 : limit - n - (exact ? MAX_REGION_INSNS : 0);
      if (budget > 0) {
        const k = this.runRegion(e!, budget);
        n += k;
        if (h.endSlice) break;
        if (k !== 0) continue; // else the budget is below the block: the interpreter ends the slice
      }
      // An instruction across a page's end is never translated (a region keeps to its page):
      // run it alone and look the next pc up at once, rather than interpreting on to the
      // next hot jump target (glibc and dash on Debian have such instructions in hot paths).
      const across = e === null && (h.pc & 4095) === 4094;
      const k = h.run(across ? 1 : limit - n);
      n += k;
      if (across && k !== 0 && !h.endSlice && !h.waiting) continue;
      if (!h.jitExit) break;
    }
    if ((this.untilAging -= n) <= 0) this.age();
    // The lead stops at twice the bound: a program after a long-running one takes over soon.
    const cap = 2 * this.longRunning;
    if (h.satp === this.runSatp) this.runLength = Math.min(this.runLength + n, cap);
    else if ((this.runLength -= n) <= 0) {
      this.runSatp = h.satp;
      this.runLength = n;
    }
    return n;
  }

  /**
   * Past the machine's start: kernel jumps count KERNEL_STEP, and every counter
   * not yet hot starts again, so what gets hot is what comes often.
   */
  private age(): void {
    this.untilAging += this.ageWindow;
    this.hart.jitKernelStep = KERNEL_STEP;
    const hot = this.hot, floor = -this.threshold;
    for (let i = 0; i < hot.length; i++) {
      const c = hot[i];
      if (c > floor && c < 0) hot[i] = floor;
    }
  }

  /** Whether pcs the budget would turn away are translated now: U-mode code of a long-running program. */
  private exempt(): boolean {
    const h = this.hart;
    return h.priv === PRIV_U && h.satp === this.runSatp && this.runLength >= this.longRunning;
  }

  /**
   * Jumps to a target before it is translated (tests use 0: translate at once, unbatched).
   * `budgeted` false lets every hot pc through whatever the time credit, so what a test
   * translates does not depend on the machine's load.
   */
  setHotThreshold(jumps: number, batch = jumps === 0 ? 1 : BATCH, budgeted = jumps !== 0): void {
    this.hot.fill(-jumps);
    this.threshold = jumps;
    this.batchSize = batch;
    this.budgeted = budgeted;
  }

  /** False when every hot pc must be translated at once (tests: threshold 0). */
  private budgeted = true;
  /** Jumps to a target before it is translated (setHotThreshold). */
  private threshold = HOT_THRESHOLD;
  /** Instructions run() has still to run before the counters age (the machine's start first); tests set it. */
  untilAging = KERNEL_START;
  /** AGE_WINDOW, for tests. */
  ageWindow = AGE_WINDOW;

  /** How run() executes a region (the lockstep checker puts its own here). */
  runRegion: (e: Entry, budget: number) => number = (e, budget) => this.enter(e, budget);
  /** Checker mode: told of each slow-path access, before it happens. */
  onSlowAccess: ((va: number, store: boolean) => void) | null = null;

  /** Runs one translated region from entry `e`; returns instructions executed. */
  enter(e: Entry, budget: number): number {
    const h = this.hart;
    this.codeChanged = false;
    const r = e.region;
    const fn = r.entries.has(e.index) ? r.fn : this.flatFn(r);
    this.sys.credited = 0;
    this.sys.traps = 0;
    this.sys.stopWhy = -1;
    this.sys.jumpedTo = NaN;
    // mstatus.FS for translated FP code, and back if it made FS Dirty (core/jit/codegen_fp.ts).
    this.mem.i32[JIT_FP_READY_OFFSET >> 2] = fpReady(h.mstatus);
    putReservation(this.mem.i32, h);
    // V8 compiles a region's function at its first call: that counts as translating.
    const t0 = r.runs === 0 ? performance.now() : 0;
    const status = fn(e.index, budget, h.dataTlb.offset, h.fetchTlb.offset, 0, r.pageBig);
    if (t0 !== 0) this.spend(performance.now() - t0);
    const i32 = this.mem.i32;
    if (i32[JIT_FP_READY_OFFSET >> 2] === FP_DIRTY) h.mstatus |= MSTATUS_FS;
    takeReservation(i32, h);
    const retired = i32[JIT_RETIRED_OFFSET >> 2];
    h.pc = i32[(JIT_PC_OFFSET >> 2) + 1] * TWO32 + (i32[JIT_PC_OFFSET >> 2] >>> 0);
    if (r.runs >= 0) {
      // A jump out (a call, a return) is not the region's fault: chaining takes it once
      // its target is translated. Only stops at code it leaves to the interpreter count.
      const stopped = status !== STATUS_GO_ON || r.plan.stops.has(h.pc);
      this.probation(e, stopped ? retired : Math.max(retired, MIN_RUN));
    }
    h.creditRetired(retired - this.sys.credited);
    this.countExit(status);
    if (status === STATUS_TRAP) {
      h.trap(TRAP.cause, false, TRAP.tval, h.pc);
      return retired + this.sys.traps + 1;
    }
    return retired + this.sys.traps;
  }

  /** The stats' exit counts. */
  private countExit(status: number): void {
    const s = this.stats, why = this.sys.stopWhy;
    s.exits++;
    if (status === STATUS_TRAP) s.exitsTrap++;
    else if (status === STATUS_GO_ON && (why < 0 || this.hart.pc !== this.sys.jumpedTo)) {
      s.exitsOut++;
      const pc = this.hart.pc;
      if (this.outExits !== null) this.outExits.set(pc, (this.outExits.get(pc) ?? 0) + 1);
    } else if (why < 0) s.exitsStop++;
    else if (why === WHY_XRET) s.exitsXret++;
    else if (why === WHY_ECALL) s.exitsEcall++;
    else if (why < 0x1000) {
      s.exitsCsr++;
      this.csrExits.set(why, (this.csrExits.get(why) ?? 0) + 1);
    } else s.exitsSys++;
  }

  /** Takes translation time from the credit (not a long-running program's: see `exempt`). */
  private spend(ms: number): void {
    this.overBudget();
    // A long-running program's translations are not the budget's: charged, its loop's would
    // hold back every process after it for 20 times their time.
    if (!this.exempt()) this.creditMs = Math.max(this.creditMs - ms, -MAX_DEBT_MS);
  }

  /** Whether the translation credit is used up (it refills at TRANSLATE_SHARE of the time). */
  private overBudget(): boolean {
    if (!this.budgeted) return false;
    const now = performance.now();
    this.creditMs = Math.min(
      TRANSLATE_BURST_MS,
      this.creditMs + (now - this.creditAt) * TRANSLATE_SHARE,
    );
    this.creditAt = now;
    return this.creditMs <= 0;
  }

  /** Counts a region's first entries; drops it if it keeps returning at once. */
  private probation(e: Entry, retired: number): void {
    const r = e.region;
    r.retired += retired;
    if (++r.runs < PROBATION) return;
    if (r.retired < MIN_RUN * r.runs) {
      r.valid = false;
      this.forgetEntries(r);
      this.forgetChains(r);
      for (const i of r.entries) this.hot[(r.plan.blocks[i].pc >>> 1) & (TABLE_SIZE - 1)] = NEVER;
      this.stats.dropped++;
    }
    r.runs = -1;
  }

  /** The translation to run at `pc` now, translating it if it is hot; null: interpret. */
  lookup(pc: number): Entry | null {
    const i = (pc >>> 1) & (TABLE_SIZE - 1);
    // The page must be mapped for fetch as it is now; the interpreter fills the TLB otherwise.
    // In the second way it is swapped into the first, where regions and chains look: two hot
    // code pages of one slot (ASLR decides) left each jump between them to the interpreter.
    const at = this.hart.fetchTlb.lookup(ACCESS_FETCH, pc);
    if (at < 0) return null;
    const base = at - (pc & 4095);
    const e = this.entryPc[i] === pc ? this.entries[i]! : this.byPc.get(pc);
    if (e !== undefined) {
      const r = e.region;
      if (r.valid && r.plan.pageBuf === base && (r.epoch === this.fenceEpoch || this.recheck(r))) {
        this.entryPc[i] = pc;
        this.entries[i] = e;
        this.chainTo(pc, e);
        return e;
      }
    }
    // Region exits count as jumps too: code reached only from translated code gets hot.
    if (this.hot[i] < 0) {
      this.hot[i] = Math.min(0, this.hot[i] + this.hart.jitStep());
      return null;
    }
    if (this.hot[i] === 0) {
      if (this.overBudget() && !this.exempt() && !this.reuse.rooted(base + (pc & 4095))) {
        this.hot[i] = -HOT_THRESHOLD; // still hot after that many more jumps: translated then
        return null;
      }
      this.hot[i] = PENDING;
      this.pending.push({ pc, base, i, next: this.nextPageBuf(pc - (pc & 4095)) });
    }
    if (this.pending.length < this.batchSize) return null;
    this.translatePending();
    return this.entryPc[i] === pc ? this.lookup(pc) : null;
  }

  /** Lets regions that leave for `pc` tail-call `e` (checked against the fetch TLB there). */
  private chainTo(pc: number, e: Entry): void {
    const c = this.chain, r = e.region;
    // A block inside one of the region's loops is entered through its flat variant.
    const slot = r.entries.has(e.index) ? r.slot : r.flatSlot;
    if (c === null || slot < 0) return;
    const at = this.chainRecord(c, pc);
    c[at] = pc | 0;
    c[at + 1] = Math.floor(pc / TWO32);
    c[at + 2] = slot;
    c[at + 3] = e.index;
    c[at + 4] = e.region.plan.pageBuf;
  }

  /**
   * Where `pc`'s chain record goes: its hash's record or the other of the pair
   * (regions look at both: core/jit/codegen.ts `chain`), so that two hot pcs
   * with one hash do not evict each other at every exit (a dash loop on
   * Debian returned to the run loop ~40,000 times a second so: docs/speed.md,
   * "ftlb"). A record of a pc with no translation now goes first; else a third
   * pc takes the pair's second record.
   */
  private chainRecord(c: Int32Array, pc: number): number {
    const held = recordOf(c, pc);
    if (held >= 0) return held;
    const a = chainIndex(pc) * 8;
    return c[a] === 1 || !this.live(c, a) ? a : a ^ 8; // 1: no record (clearChain)
  }

  /**
   * Whether the chain record at `at` names a pc that has a valid translation
   * now, and in U-mode, a user pc whose page the fetch TLB maps: one it does
   * not map is most likely a process's that has gone (its regions stay until a
   * flush), and a kernel pc's waits for the next trap; either record goes
   * first. After a Debian boot, kernel records held one of each pair for good,
   * and two hot pcs of a dash loop took the other in turn: ~200,000 trips
   * through the run loop in a run (docs/speed.md, "scopes").
   */
  private live(c: Int32Array, at: number): boolean {
    const pc = c[at + 1] * TWO32 + (c[at] >>> 0);
    const e = this.byPc.get(pc);
    if (e === undefined || !e.region.valid) return false;
    return this.hart.priv !== PRIV_U ||
      (pc >= 0 && this.hart.fetchTlb.holds(ACCESS_FETCH, pc, true));
  }

  /**
   * Forgets the chain records that lead into `r` (dropped: replaced by a
   * merged region, or on probation), those of its blocks' pcs; the rest stay.
   * Clearing the whole cache at each such drop sent a Debian dash loop's hot
   * transitions back through the run loop ~160,000 times a run, more than
   * every other reason together (docs/speed.md, "calls").
   */
  private forgetChains(r: Region): void {
    const c = this.chain;
    if (c === null) return;
    for (const b of r.plan.blocks) {
      const at = recordOf(c, b.pc);
      if (at >= 0 && (c[at + 2] === r.slot || c[at + 2] === r.flatSlot)) c[at] = 1;
    }
  }

  /** Forgets every chain (code changed, FENCE.I, a flush). Odd pcs never match. */
  private clearChain(): void {
    const c = this.chain;
    if (c !== null) { for (let i = 0; i < c.length; i += 8) c[i] = 1; }
  }

  /** After FENCE.I: true if the region's source bytes are unchanged (else it is dropped). */
  private recheck(r: Region): boolean {
    const p = r.plan;
    const now = this.mem.u8.subarray(p.pageBuf + p.lo, p.pageBuf + p.hi);
    const same = (p.crossBuf < 0 || this.mem.u16[p.crossBuf >> 1] === r.crossSrc) &&
      sameBytes(now, r.src);
    if (!same) {
      r.valid = false;
      this.frameRoots.delete(p.pageBuf >>> 12); // rewritten (by DMA, say): no guide either
      return false;
    }
    r.epoch = this.fenceEpoch;
    return true;
  }

  /**
   * Plans the pending hot entries from the bytes as they are now and compiles
   * them as one module (an entry another pending region already covers is skipped).
   */
  private translatePending(): void {
    const t0 = performance.now();
    const todo = this.pending;
    this.pending = [];
    const plans: RegionPlan[] = [];
    const covered = new Set<number>();
    const replaced = new Set<Region>();
    for (const { pc, base, i, next } of todo) {
      this.hot[i] = 0; // counted again if its translation is dropped
      if (covered.has(pc)) continue;
      const page = base >>> 12;
      const pageVa = pc - (((pc % 4096) + 4096) % 4096);
      if (this.invalidations[page] >= MAX_INVALIDATIONS) {
        this.hot[i] = NEVER;
        continue;
      }
      // Code a region was compiled from before (another process's copy) is let through, merges
      // too: its plan most likely repeats that region's, whose module it runs at little cost.
      const merged = this.overBudget() && !this.reuse.rooted(base + (pc & 4095))
        ? null
        : this.planWithPage(pc, pageVa, base, next, plans, replaced);
      const plan = merged ?? planRegion(this.mem.u16, pageVa, base, [pc], next);
      if (plan === null) {
        // An instruction across the page's end whose next page was not mapped: maybe later.
        this.hot[i] = (pc & 4095) === 4094 && next < 0 ? -HOT_THRESHOLD : NEVER;
        continue;
      }
      for (const b of plan.blocks) covered.add(b.pc);
      if (merged === null) plans.push(plan);
    }
    if (plans.length === 0) return;
    for (const r of replaced) this.drop(r);
    if (this.stats.cacheBytes > MAX_CACHE_BYTES || this.regionCount + plans.length > MAX_REGIONS) {
      this.flush();
    }
    this.spend(performance.now() - t0); // planning; compileFns counts the rest
    for (const region of this.compile(plans)) this.install(region);
  }

  /**
   * Where the page after `pageVa` is mapped for fetch now (-1: not in the
   * TLB), for an instruction across the page end; the region checks it again
   * before that instruction runs.
   */
  private nextPageBuf(pageVa: number): number {
    const at = this.hart.fetchTlb.lookup(ACCESS_FETCH, pageVa + 4096);
    return at >= 0 && this.mem.isRamOffset(at) ? at : -1;
  }

  /**
   * Plans `pc` together with the other hot pcs of its page (this batch's plan
   * for the page, the regions already there, the roots its RAM page had in
   * another process: frameRoots) while the region has room, so a call
   * through a function pointer or a return between them stays in one region
   * instead of leaving it (CoreMark's list sort calls its comparison that
   * way: docs/speed.md). Puts the plan in `plans` and the regions it covers
   * whole in `replaced`; null when `pc` does not fit with them.
   */
  private planWithPage(
    pc: number,
    pageVa: number,
    base: number,
    next: number,
    plans: RegionPlan[],
    replaced: Set<Region>,
  ): RegionPlan | null {
    const samePage = (p: RegionPlan) => p.pageVa === pageVa && p.pageBuf === base;
    const at = plans.findIndex(samePage);
    const old = (this.byPage.get(base >>> 12) ?? []).filter((r) =>
      r.valid && !replaced.has(r) && samePage(r.plan) && r.plan.size < MERGE_MAX_INSNS
    );
    const known = this.frameRoots.get(base >>> 12);
    const prior = known === undefined || (known.across && next < 0) ? [] : known.offsets;
    if (at < 0 && old.length === 0 && prior.length === 0) return null;
    const roots = at < 0 ? [] : [...plans[at].roots];
    for (const r of old) roots.push(...r.plan.roots);
    for (const offset of prior) if (!roots.includes(pageVa + offset)) roots.push(pageVa + offset);
    if (!roots.includes(pc)) roots.push(pc);
    const plan = planRegion(this.mem.u16, pageVa, base, roots, next);
    if (plan === null || !plan.roots.includes(pc) || plan.size > MERGE_MAX_INSNS) return null;
    const blocks = new Set(plan.blocks.map((b) => b.pc));
    if (at >= 0 && !plans[at].blocks.every((b) => blocks.has(b.pc))) return null;
    for (const r of old) if (r.plan.blocks.every((b) => blocks.has(b.pc))) replaced.add(r);
    if (at >= 0) plans[at] = plan;
    else plans.push(plan);
    return plan;
  }

  /** Drops a region another one replaces (its page is planned again as one region). */
  private drop(r: Region): void {
    this.forgetEntries(r);
    r.valid = false;
    this.unlist(r.plan.pageBuf >>> 12, r);
    if (r.plan.crossBuf >= 0) this.unlist(r.plan.crossBuf >>> 12, r);
    this.stats.cacheBytes -= r.wasmBytes;
    this.regionCount--;
    this.forgetChains(r);
  }

  /** Makes a compiled region's blocks the entries for their pcs. */
  private install(region: Region): void {
    const plan = region.plan, page = plan.pageBuf >>> 12;
    plan.blocks.forEach((b, index) => {
      const j = (b.pc >>> 1) & (TABLE_SIZE - 1);
      const e = { region, index };
      this.entryPc[j] = b.pc;
      this.entries[j] = e;
      this.byPc.set(b.pc, e);
      if (region.entries.has(index)) this.chainTo(b.pc, e);
    });
    this.listOn(page, region);
    if (plan.roots.length >= (this.frameRoots.get(page)?.offsets.length ?? 0)) {
      const offsets = plan.roots.map((r) => r - plan.pageVa);
      this.frameRoots.set(page, { offsets, across: plan.crossBuf >= 0 });
    }
    // A store to the next page may change the upper half of its last instruction.
    if (plan.crossBuf >= 0) this.listOn(plan.crossBuf >>> 12, region);
  }

  /** Lists a region under a page whose stores drop it, and makes them take the slow path. */
  private listOn(page: number, region: Region): void {
    const list = this.byPage.get(page);
    if (list) list.push(region);
    else this.byPage.set(page, [region]);
    this.protect(page);
  }

  /** Takes a region off the list of a page (its other pages keep theirs). */
  private unlist(page: number, r: Region): void {
    const list = this.byPage.get(page);
    const at = list ? list.indexOf(r) : -1;
    if (at >= 0) list!.splice(at, 1);
  }

  /** Makes every store to the page take the slow path, which notices code changes. */
  private protect(page: number): void {
    if (this.codePages[page]) return;
    this.codePages[page] = 1;
    const base = page << 12;
    for (const tlb of this.hart.tlbs) tlb.dropBase(ACCESS_STORE, base);
  }

  /**
   * Compiles region functions as one module, one instance: each variant is
   * a plan and its flat exits (see RegionEmitter.emit), null for the structured one.
   * A body compiled before (the same code at another address, or again after a
   * drop) is not compiled again: a new instance of its module runs it at this
   * plan's page, with V8's code for it, optimized or not, as it stands.
   */
  private compileFns(variants: [RegionPlan, Set<number> | null][]) {
    const t0 = performance.now();
    const funcs: FuncDef[] = [{ type: T_MULHU, locals: [[7, I64]], body: MULHU_BODY }];
    const fresh: { k: number; body: Uint8Array; key: number; entries: Set<number> }[] = [];
    const fns: { fn: RegionFn; slot: number; wasmBytes: number; entries: Set<number> }[] = [];
    variants.forEach(([plan, flatExits], k) => {
      const body = this.emitter.emit(plan, flatExits), entries = this.emitter.entries;
      const key = bodyHash(body);
      const known = this.reuse.find(key, body);
      if (known !== null) {
        const fn = known.fn;
        fns[k] = { fn, slot: this.place(fn), wasmBytes: 0, entries };
        this.stats.reused++;
        return;
      }
      const index = fresh.length;
      fresh.push({ k, body, key, entries });
      funcs.push({
        type: T_REGION,
        locals: REGION_LOCALS,
        body,
        hints: this.emitter.hints,
        export: `r${index}`,
        // The page's virtual address (and `f` for the flat variant) names it in profiles.
        name: `p${plan.pageVa.toString(16)}${flatExits === null ? "" : "f"}`,
      });
    });
    if (fresh.length > 0) {
      const bytes = writeModule(this.writer, TYPES, IMPORTS, funcs);
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), this.imports);
      const bodyBytes = funcs.reduce((sum, f) => sum + f.body.length, 0);
      fresh.forEach(({ k, body, key, entries }, index) => {
        const fn = instance.exports[`r${index}`] as RegionFn;
        // The module's bytes, shared out by body size, count against the cache bound.
        const share = Math.ceil(bytes.length * funcs[index + 1].body.length / bodyBytes);
        fns[k] = { fn, slot: this.place(fn), wasmBytes: share, entries };
        this.reuse.add(key, { fn, body }, share);
        const plan = variants[k][0];
        for (const root of plan.roots) this.reuse.root(plan.pageBuf + (root - plan.pageVa));
      });
      this.stats.cacheBytes += bytes.length;
      this.stats.modules++;
    }
    this.stats.compileMs += performance.now() - t0;
    this.spend(performance.now() - t0);
    return fns;
  }

  /** A slot in the table regions chain through. */
  private place(fn: RegionFn): number {
    const slot = this.nextSlot++;
    if (slot >= this.table.length) this.table.grow(Math.max(16, this.table.length));
    this.table.set(slot, fn);
    return slot;
  }

  private compile(plans: RegionPlan[]): Region[] {
    const s = this.stats;
    return this.compileFns(plans.map((p) => [p, null])).map(
      ({ fn, slot, wasmBytes, entries }, k) => {
        const plan = plans[k];
        s.regions++;
        s.blocks += plan.blocks.length;
        for (const b of plan.blocks) s.instructions += b.insns.length;
        this.regionCount++;
        return {
          plan,
          fn,
          slot,
          flat: null,
          flatSlot: -1,
          valid: true,
          epoch: this.fenceEpoch,
          src: this.mem.u8.slice(plan.pageBuf + plan.lo, plan.pageBuf + plan.hi),
          crossSrc: plan.crossBuf < 0 ? -1 : this.mem.u16[plan.crossBuf >> 1],
          wasmBytes,
          entries,
          runs: 0,
          retired: 0,
          pageBig: BigInt(plan.pageVa),
        };
      },
    );
  }

  /**
   * The flat variant of a region, for entering it inside a loop (after an
   * interrupt, say): it runs to the next entry of the structured one.
   */
  private flatFn(r: Region): RegionFn {
    if (r.flat === null) {
      const [{ fn, wasmBytes, slot }] = this.compileFns([[r.plan, r.entries]]);
      r.flat = fn;
      r.flatSlot = slot;
      r.wasmBytes += wasmBytes;
    }
    return r.flat;
  }

  /** A store reached a page with translations: drop them and stop the running region. */
  private invalidatePage(page: number): void {
    this.codePages[page] = 0;
    this.frameRoots.delete(page);
    if (this.invalidations[page] < 255) this.invalidations[page]++;
    for (const r of this.byPage.get(page) ?? []) {
      // Listed under two pages (an instruction across the end): off the other one's list too.
      const p = r.plan;
      if (p.crossBuf >= 0) {
        this.unlist((p.crossBuf >>> 12) === page ? p.pageBuf >>> 12 : p.crossBuf >>> 12, r);
      }
      this.forgetEntries(r);
      r.valid = false;
      this.stats.cacheBytes -= r.wasmBytes;
      this.regionCount--;
      this.stats.invalidated++;
    }
    this.byPage.delete(page);
    this.clearChain();
    this.codeChanged = true;
    this.sys.codeChanged = true;
  }

  /** Removes a region's blocks from the by-pc index (it is being dropped). */
  private forgetEntries(r: Region): void {
    for (const b of r.plan.blocks) if (this.byPc.get(b.pc)?.region === r) this.byPc.delete(b.pc);
  }

  /** Drops every translation (the cache is full). */
  flush(): void {
    for (const list of this.byPage.values()) for (const r of list) r.valid = false;
    this.byPage.clear();
    // Pages no longer protected may be written unseen: what they held is no guide.
    this.frameRoots.clear();
    this.byPc.clear();
    this.entryPc.fill(NaN);
    this.entries.fill(undefined);
    this.codePages.fill(0);
    this.stats.cacheBytes = 0;
    this.regionCount = 0;
    this.nextSlot = 0;
    this.clearChain();
    this.stats.flushes++;
  }

  /** Slow-path load for translated code: value to the scratch slot; 1 if it trapped. */
  private loadHelper(lo: number, hi: number, f3: number): number {
    const h = this.hart, i32 = this.mem.i32, at = JIT_SCRATCH_OFFSET >> 2;
    const va = hi * TWO32 + (lo >>> 0);
    this.onSlowAccess?.(va, false);
    try {
      if (f3 === 3) {
        this.mem.i64[JIT_SCRATCH_OFFSET >> 3] = h.load64Slow(va);
        return 0;
      }
      const size = (1 << (f3 & 3)) as 1 | 2 | 4;
      let v = h.loadSlow(va, size);
      if (f3 === 0) v = (v << 24) >> 24;
      else if (f3 === 1) v = (v << 16) >> 16;
      else if (f3 === 2) v = v | 0;
      i32[at] = v | 0;
      i32[at + 1] = f3 < 4 ? v >> 31 : 0;
      return 0;
    } catch (e) {
      if (e !== TRAP) throw e;
      return 1;
    }
  }

  /** Slow-path store from the scratch slot: 0 done, 1 trapped, 2 done but leave the region. */
  private storeHelper(lo: number, hi: number, f3: number): number {
    const h = this.hart, at = JIT_SCRATCH_OFFSET >> 2;
    const va = hi * TWO32 + (lo >>> 0);
    this.onSlowAccess?.(va, true);
    try {
      if (this.storeLog !== null) this.logSlowStore(va, 1 << f3);
      if (f3 === 3) h.store64Slow(va, this.mem.i64[JIT_SCRATCH_OFFSET >> 3]);
      else if (f3 === 2) h.storeSlow(va, 4, this.mem.i32[at] >>> 0);
      else if (f3 === 1) h.storeSlow(va, 2, this.mem.i32[at] & 0xffff);
      else h.storeSlow(va, 1, this.mem.i32[at] & 0xff);
    } catch (e) {
      if (e !== TRAP) throw e;
      return 1;
    }
    if (this.codeChanged || h.endSlice) {
      this.codeChanged = false;
      return 2;
    }
    return 0;
  }

  /** Checker mode: logs the RAM bytes a slow-path store is about to write. */
  private logSlowStore(va: number, size: number): void {
    for (let k = 0; k < size; k++) {
      const off = this.hart.ramOffsetOf(va + k);
      if (off >= 0) this.storeLog!(off, 1);
    }
  }
}

/** Where `pc`'s record is in its pair of the chain cache (chainRecord keeps one), or -1. */
function recordOf(c: Int32Array, pc: number): number {
  const a = chainIndex(pc) * 8, lo = pc | 0, hi = Math.floor(pc / TWO32);
  if (c[a] === lo && c[a + 1] === hi) return a;
  const b = a ^ 8;
  return c[b] === lo && c[b + 1] === hi ? b : -1;
}

/** Type 0 is the regions' (return_call_indirect names it). */
const T_REGION = 0, T_HELPER = 1, T_LOG = 2, T_MULHU = 3, T_SYS = 4;
const TYPES = [
  { params: [I32, I32, I32, I32, I32, I64], results: [I32] },
  { params: [I32, I32, I32], results: [I32] },
  { params: [I32, I32], results: [] },
  { params: [I64, I64], results: [I64] },
  { params: [I32, I32, I32, I32], results: [I32] },
];
/** In the order of FN_LOAD.. in codegen.ts. */
const IMPORTS = [
  { name: "ld", type: T_HELPER },
  { name: "st", type: T_HELPER },
  { name: "log", type: T_LOG },
  { name: "fp", type: T_HELPER },
  { name: "sys", type: T_SYS },
  { name: "ld2", type: T_SYS }, // (lo, hi, f3, record) -> i32, as sys's
  { name: "st2", type: T_SYS },
];
const MULHU_BODY = mulhuBody();
