import type { Clock } from "./bus.ts";
import { COMPRESSED_TABLE, fillCompressedTable } from "./compressed.ts";
import {
  MSTATUS_FS,
  MSTATUS_MIE,
  MSTATUS_MPIE,
  MSTATUS_MPP,
  MSTATUS_MPP_SHIFT,
  MSTATUS_MPRV,
  MSTATUS_MXR,
  MSTATUS_SIE,
  MSTATUS_SPIE,
  MSTATUS_SPP,
  MSTATUS_SUM,
  MSTATUS_TSR,
  MSTATUS_TVM,
  MSTATUS_TW,
  PRIV_M,
  PRIV_S,
  PRIV_U,
  readCsr,
  writeCsr,
} from "./csr.ts";
import { executeFp } from "./fpu.ts";
import { type PhysicalMemory, TLB_AREA_BYTES } from "./memory.ts";
import { Pmp } from "./pmp.ts";
import { inPage, SATP_BARE, Tlb, TLB_BYTES, TLB_SIZE, walkPageTable } from "./mmu.ts";
import { HartState } from "./state.ts";
import {
  instantiateWasmInterp,
  STOP_BUDGET,
  STOP_HOT,
  WASM_INTERP_PC_OFFSET,
  WASM_INTERP_RESERVATION_OFFSET,
  WASM_INTERP_RETIRED_OFFSET,
  type WasmInterpRun,
} from "./wasm_interp.ts";
import { type Hit, Triggers } from "./triggers.ts";
import {
  type Access,
  ACCESS_FAULT_CAUSE,
  ACCESS_FETCH,
  ACCESS_LOAD,
  ACCESS_STORE,
  CAUSE_BREAKPOINT,
  CAUSE_ILLEGAL_INSTRUCTION,
  CAUSE_MISALIGNED_LOAD,
  CAUSE_MISALIGNED_STORE,
  CAUSE_USER_ECALL,
  raise,
  TRAP,
} from "./trap.ts";

/** The data TLB's index mask: the run loop computes mmu.ts `dataTlbIndex` inline. */
const TLB_MASK = TLB_SIZE - 1;
/** The TLB slot of S-mode data accesses with mstatus.SUM set (see `tlbs`). */
const TLB_S_SUM = 2;
/** Address spaces (satp values) whose TLB sets are kept at once. */
export const ADDRESS_SPACES = 4;
/** CSRs kept in the shared memory behind accessors: snapshots save them by name too. */
export const SHARED_MEMORY_CSRS = ["mstatus", "sscratch", "sepc", "scause", "stval"] as const;

/**
 * What a jump the TypeScript loop takes in S- or M-mode adds to its target's
 * counter (the wasm tier's add 1): code the tier leaves to this loop (FP
 * arithmetic, most CSRs) runs ~10 times slower, and a full-system FP program's
 * loops took 200,000 jumps of it to get translated (fpbench at 0.47× QEMU, 1.04×
 * with this; docs/speed.md, "transitions, 2026-12-07, session 16").
 */
const KERNEL_SLOW_STEP = 10;
/** A wasm tier call that retires fewer instructions than this is not tried again for FAST_BACKOFF. */
const FAST_MIN_RUN = 4;
const FAST_BACKOFF = 32;

/** Thrown out of an instruction when a debugger's break or watch point matches (see debugHit). */
const DEBUGGER_STOP = Object.freeze({ debuggerStop: true });

/** Interrupt numbers in the order the spec says they are taken (MEI, MSI, MTI, SEI, SSI, STI). */
const INTERRUPT_ORDER = [11, 3, 7, 9, 1, 5];

/** 2^s for s in 0..63, so a left shift is one BigInt multiply (docs/architecture.md). */
const POW2 = Array.from({ length: 64 }, (_, s) => 1n << BigInt(s));
const TWO32 = 4294967296;
const COMPRESSED = COMPRESSED_TABLE;
/**
 * Every 12-bit immediate, sign-extended, by its raw bits: a BigInt64Array load
 * stays unboxed in V8, where BigInt(imm) costs a conversion per instruction.
 */
const IMM12 = BigInt64Array.from({ length: 4096 }, (_, i) => BigInt((i << 20) >> 20));

/** Sign-extends the 64-bit pattern in a bigint and returns it as a number (exact below 2^53). */
function toAddress(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** Whether a CSR instruction writes its CSR: CSRRW(I) always, CSRRS/C(I) unless rs1 (uimm) is 0. */
export function csrWrites(insn: number): boolean {
  return ((insn >>> 12) & 3) === 1 || ((insn >>> 15) & 31) !== 0;
}

/**
 * One RV64GC hart: the interpreter, the CSRs it keeps hot, trap entry and the
 * software TLB. The interpreter is the reference for everything else.
 */
export class Hart {
  readonly state: HartState;
  readonly mem: PhysicalMemory;
  /** What `time` reads (the lockstep checker pins it for a translated run and its replay). */
  clock: Clock;
  /**
   * The TLB sets, in the shared memory: 0-2 and 3 as below, then the other
   * address spaces' U, S and S+SUM sets. A trap or xRET only switches sets, so
   * user pages survive a system call; data accesses use the set of the
   * effective privilege (MPRV), fetches the set of the current one. Slot 2 (no
   * such mode) holds S-mode data accesses made with mstatus.SUM set, the only
   * S set that may map user pages: Linux sets and clears SUM around every copy
   * to or from user memory, and switching sets there instead of flushing keeps
   * both sets' pages (a flush per copy cost ~27 page walks per KiB of a
   * network download). Slot 3 is M-mode's.
   */
  readonly tlbs: Tlb[];
  dataTlb: Tlb;
  fetchTlb: Tlb;

  pc = 0;
  priv = PRIV_M;
  /** Set by WFI until an interrupt is pending and enabled. */
  waiting = false;

  // Machine and supervisor CSRs. mstatus, sscratch, sepc, scause and stval are
  // in the shared memory (the accessors after these fields).
  mie = 0;
  /** Interrupt pending bits driven by devices (MTIP, MSIP, MEIP, SEIP line). */
  mipDevices = 0;
  /** Interrupt pending bits written by software (SSIP, STIP, SEIP). */
  mipSoftware = 0;
  mideleg = 0;
  medeleg = 0;
  mtvec = 0n;
  stvec = 0n;
  mepc = 0n;
  mscratch = 0n;
  mcause = 0n;
  mtval = 0n;
  mcounteren = 0;
  scounteren = 0;
  mcountinhibit = 0;
  menvcfg = 0n;
  senvcfg = 0n;
  satp = 0n;
  satpMode = SATP_BARE;
  satpRoot = 0;
  readonly pmp = new Pmp();
  readonly pmpcfg = this.pmp.cfg;
  readonly pmpaddr = this.pmp.addr;
  mhartid = 0;
  /** Sdtrig triggers and the debugger's break/watch points (core/triggers.ts). */
  readonly triggers = new Triggers();
  /**
   * True while any trigger or debugger rule is armed: run() then fetches every
   * instruction the slow way and checks it, loads and stores miss the data TLB
   * so they reach the checks in the slow paths, and the machine does not enter
   * translated code (which has neither check).
   */
  debugActive = false;
  /** The debugger rule whose match stopped the last run() (the instruction did not execute). */
  debugHit: Hit | null = null;

  /** mstatus's low 32 bits (the rest is fixed); the wasm tier reads and writes it too. */
  get mstatus(): number {
    return this.state.status[0];
  }
  set mstatus(v: number) {
    this.state.status[0] = v;
  }
  get sscratch(): bigint {
    return this.state.supervisor[0];
  }
  set sscratch(v: bigint) {
    this.state.supervisor[0] = v;
  }
  get sepc(): bigint {
    return this.state.supervisor[1];
  }
  set sepc(v: bigint) {
    this.state.supervisor[1] = v;
  }
  get scause(): bigint {
    return this.state.supervisor[2];
  }
  set scause(v: bigint) {
    this.state.supervisor[2] = v;
  }
  get stval(): bigint {
    return this.state.supervisor[3];
  }
  set stval(v: bigint) {
    this.state.supervisor[3] = v;
  }

  /** Retired instructions and cycles (one per instruction), minus what software wrote. */
  instret = 0;
  cycle = 0;
  /** LR reservation: the buffer offset (a physical address), or NaN when none is held. */
  reservation = NaN;

  /** Address spaces with TLB sets of their own, keyed by satp (-1n: none), least recently used goes. */
  private readonly spaces: { sets: Tlb[]; key: bigint; used: number }[];
  private space: { sets: Tlb[]; key: bigint; used: number };
  private spaceClock = 0;

  // Per-walk flags the MMU reads.
  sum = false;
  mxr = false;
  /** The last page walk's leaf size (WalkContext), for the TLB entry it fills. */
  leafShift = 12;

  // The page that instruction fetch reads from, kept across instructions.
  private fetchBase = NaN;
  private fetchOffset = 0;

  constructor(mem: PhysicalMemory, clock: Clock) {
    fillCompressedTable(); // COMPRESSED, read by run()
    this.mem = mem;
    this.clock = clock;
    this.state = new HartState(mem.memory);
    const extra = (ADDRESS_SPACES - 1) * 3;
    this.tlbs = [
      // The first address space's U, S and SUM sets are cleared when S or U first uses them
      // (updateModes): firmware and short-lived machines (a snapshot's check) run in M alone.
      ...[0, 1, 2, 3].map((p) =>
        new Tlb(mem.memory.buffer, mem.tlbOffset + p * TLB_BYTES, p === PRIV_M)
      ),
      // The other address spaces' sets sit at the end of the TLB area (the chain cache is before),
      // cleared when an address space first takes them (switchAddressSpace).
      ...Array.from(
        { length: extra },
        (_, i) =>
          new Tlb(
            mem.memory.buffer,
            mem.tlbOffset + TLB_AREA_BYTES - (extra - i) * TLB_BYTES,
            false,
          ),
      ),
    ];
    this.spaces = Array.from({ length: ADDRESS_SPACES }, (_, k) => ({
      sets: k === 0 ? this.tlbs.slice(0, 3) : this.tlbs.slice(4 + 3 * (k - 1), 7 + 3 * (k - 1)),
      key: k === 0 ? 0n : -1n,
      used: 0,
    }));
    this.space = this.spaces[0];
    this.dataTlb = this.fetchTlb = this.tlbs[PRIV_M];
    this.triggers.onChange = () => this.debugChanged();
    this.wasmInterp = instantiateWasmInterp(mem.memory, mem.rvcTableOffset);
  }

  /**
   * The run loop's fast tier (core/wasm_interp.ts): the common integer
   * instructions on native i64; null runs everything here (the reference).
   */
  wasmInterp: WasmInterpRun | null;

  /** Turns the wasm tier on or off (off: this file's loop alone, the reference). */
  setWasmInterp(on: boolean): void {
    this.wasmInterp = on ? instantiateWasmInterp(this.mem.memory, this.mem.rvcTableOffset) : null;
  }

  /**
   * Power-on state again (a debugger's `monitor reset`): M-mode, registers and
   * CSRs cleared, translation, delegation and triggers off, PMP as at start.
   */
  reset(pc: number): void {
    this.state.x.fill(0n);
    this.state.f.fill(0n);
    this.state.fflags = this.state.frm = 0;
    this.priv = PRIV_M;
    this.waiting = false;
    this.mstatus =
      this.mie =
      this.mipSoftware =
      this.mideleg =
      this.medeleg =
        0;
    this.mtvec =
      this.stvec =
      this.mepc =
      this.sepc =
      this.mscratch =
      this.sscratch =
        0n;
    this.mcause =
      this.scause =
      this.mtval =
      this.stval =
      this.menvcfg =
      this.senvcfg =
        0n;
    this.mcounteren = this.scounteren = this.mcountinhibit = 0;
    this.satp = 0n;
    this.satpMode = SATP_BARE;
    this.satpRoot = 0;
    this.reservation = NaN;
    this.pmpcfg.fill(0);
    this.pmpaddr.fill(0n);
    this.pmpcfg[0] = 0x1f; // as Pmp's constructor: entry 0 grants all of memory
    this.pmpaddr[0] = (1n << 54n) - 1n;
    this.pmpChanged();
    this.triggers.reset();
    this.flushTlb();
    this.updateModes();
    this.pc = pc;
  }

  /** The triggers changed: no cached page may skip their checks, and run() must look again. */
  private debugChanged(): void {
    this.debugActive = this.triggers.watchesFetch || this.triggers.watchesData;
    for (const t of this.tlbs) t.flush();
    this.fetchBase = NaN;
    this.endSlice = true;
  }

  /** Checks an instruction fetch at pc against the triggers (before it executes). */
  private checkFetch(pc: number): void {
    const hit = this.triggers.matchFetch(pc, this.priv);
    if (hit) this.fire(hit);
  }

  /** Checks a load or store against the triggers (before memory is touched). */
  private checkData(va: number, size: number, access: Access): void {
    const hit = this.triggers.matchData(va, size, access === ACCESS_STORE, this.priv);
    if (hit) this.fire(hit);
  }

  /** A guest trigger raises a breakpoint exception; a debugger rule stops run(). */
  private fire(hit: Hit): never {
    if (hit.rule.trigger < 0) {
      this.debugHit = hit;
      throw DEBUGGER_STOP;
    }
    this.triggers.markHit(hit.rule.trigger);
    return raise(CAUSE_BREAKPOINT, hit.address);
  }

  get mip(): number {
    return this.mipDevices | this.mipSoftware;
  }

  /** Called when a device raises an interrupt the hart may take (wakes an idle machine). */
  onInterrupt: (() => void) | null = null;

  /** Devices raise and lower their pending bits here. */
  setPending(bits: number, on: boolean): void {
    const before = this.mipDevices;
    this.mipDevices = on ? before | bits : before & ~bits;
    if (on && this.mipDevices !== before && this.interruptsPending()) {
      this.endSlice = true;
      this.onInterrupt?.();
    }
  }

  /** Drops the cached S and U translations of every address space: MXR changes, SFENCE.VMA. */
  flushTlb(): void {
    for (const sp of this.spaces) {
      for (const t of sp.sets) t.flush();
      sp.key = -1n;
    }
    this.space.key = this.satp;
    this.fetchBase = NaN;
    this.sum = (this.mstatus & MSTATUS_SUM) !== 0;
    this.mxr = (this.mstatus & MSTATUS_MXR) !== 0;
  }

  /** After a pmpcfg/pmpaddr write: new ranges, and no cached page may skip the new checks. */
  pmpChanged(): void {
    this.pmp.decode();
    for (const t of this.tlbs) t.flush();
    this.fetchBase = NaN;
  }

  /**
   * satp was written: the address space it names (ASID and root) gets its own
   * U/S sets, kept if it ran recently, so a context switch (Linux writes satp
   * without SFENCE.VMA once it uses ASIDs) costs no page walks when it returns.
   */
  switchAddressSpace(): void {
    const key = this.satp;
    let sp = this.spaces.find((s) => s.key === key);
    if (!sp) {
      sp = this.spaces.reduce((a, b) => (b.used < a.used ? b : a));
      for (const t of sp.sets) t.take();
      sp.key = key;
    }
    sp.used = ++this.spaceClock;
    this.space = sp;
    this.updateModes();
  }

  /** SFENCE.VMA with rs2 != x0: the translations of that ASID (global ones may stay). */
  flushAsid(asid: number): void {
    for (const sp of this.spaces) {
      if (sp.key === -1n || Number((sp.key >> 44n) & 0xffffn) !== asid) continue;
      for (const t of sp.sets) t.flush();
      sp.key = sp === this.space ? this.satp : -1n;
    }
    this.fetchBase = NaN;
  }

  /**
   * SFENCE.VMA of one address: that page's translations go from every address
   * space's sets (for a fence with an ASID too: dropping more is allowed).
   * M-mode's set does not translate.
   */
  flushTlbPage(va: number): void {
    for (const sp of this.spaces) for (const t of sp.sets) t.invalidatePage(va);
    this.fetchBase = NaN;
  }

  /**
   * SFENCE.VMA, given rs1's and rs2's values: translated code passes its own,
   * as its registers are not in `state` while it runs. With an address, only
   * that page's translations go (privileged spec §4.2.1): Linux fences one page
   * after each PTE it changes, ~10,000 times in a boot.
   */
  sfenceVma(insn: number, va: number, asid: bigint): void {
    if (this.priv === PRIV_U || (this.priv === PRIV_S && (this.mstatus & MSTATUS_TVM))) {
      raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
    }
    if ((insn >>> 15) & 31) this.flushTlbPage(va);
    else if ((insn >>> 20) & 31) this.flushAsid(Number(asid & 0xffffn));
    else this.flushTlb();
  }

  /** Picks the TLB sets after the privilege, MPRV, MPP or SUM changed. */
  updateModes(): void {
    const sets = this.space.sets;
    const data = this.dataPriv();
    if ((this.priv !== PRIV_M || data !== PRIV_M) && sets[0].spare) {
      for (const t of sets) {
        t.take();
      }
    }
    this.fetchTlb = this.priv === PRIV_M ? this.tlbs[PRIV_M] : sets[this.priv];
    this.dataTlb = data === PRIV_M
      ? this.tlbs[PRIV_M]
      : sets[data === PRIV_S && (this.mstatus & MSTATUS_SUM) ? TLB_S_SUM : data];
    this.fetchBase = NaN;
  }

  /**
   * mstatus.SUM changed: S-mode data accesses switch between their two TLB sets
   * (SUM only decides whether S-mode may load and store U pages). Linux sets and
   * clears SUM around every copy from or to user memory, ~6,700 times in a boot:
   * a flush each time made every following access walk the page tables again.
   */
  sumChanged(): void {
    this.sum = (this.mstatus & MSTATUS_SUM) !== 0;
    this.updateModes();
  }

  /** Pending and enabled interrupts, whether or not globally enabled (what wakes WFI). */
  interruptsPending(): boolean {
    return (this.mip & this.mie) !== 0;
  }

  /**
   * The interrupts checkInterrupts would take now, M's or else S's (0: none):
   * pending, enabled and globally enabled at this privilege.
   */
  takeable(): number {
    const pending = this.mip & this.mie;
    if (pending === 0) return 0;
    const mEnabled = this.priv < PRIV_M || (this.mstatus & MSTATUS_MIE) !== 0;
    const sEnabled = this.priv < PRIV_S ||
      (this.priv === PRIV_S && (this.mstatus & MSTATUS_SIE) !== 0);
    // Interrupts for M go before those for S, whatever their rank (privileged spec §3.1.9).
    const candidates = mEnabled ? pending & ~this.mideleg : 0;
    return candidates === 0 && sEnabled ? pending & this.mideleg : candidates;
  }

  /** Takes the highest-priority interrupt that is pending and enabled; true if one was taken. */
  checkInterrupts(): boolean {
    if (!this.interruptsPending()) return false;
    this.waiting = false;
    const candidates = this.takeable();
    if (candidates === 0) return false;
    for (const irq of INTERRUPT_ORDER) {
      if (candidates & (1 << irq)) {
        this.trap(irq, true, 0n, this.pc);
        return true;
      }
    }
    return false;
  }

  /** Enters the trap handler (privileged spec §3.1.6.1, §4.1.1). */
  trap(cause: number, interrupt: boolean, tval: bigint, epc: number): void {
    const deleg = interrupt ? this.mideleg : this.medeleg;
    const causeBits = interrupt ? (1n << 63n) | BigInt(cause) : BigInt(cause);
    let vector: bigint;
    if (this.priv <= PRIV_S && ((deleg >>> cause) & 1) !== 0) {
      this.scause = BigInt.asIntN(64, causeBits);
      this.sepc = BigInt(epc);
      this.stval = tval;
      let s = this.mstatus & ~(MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SPP);
      if (this.mstatus & MSTATUS_SIE) s |= MSTATUS_SPIE;
      if (this.priv === PRIV_S) s |= MSTATUS_SPP;
      this.mstatus = s;
      this.priv = PRIV_S;
      vector = this.stvec;
    } else {
      this.triggers.enterMachineTrap();
      this.mcause = BigInt.asIntN(64, causeBits);
      this.mepc = BigInt(epc);
      this.mtval = tval;
      let s = this.mstatus & ~(MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_MPP);
      if (this.mstatus & MSTATUS_MIE) s |= MSTATUS_MPIE;
      s |= this.priv << MSTATUS_MPP_SHIFT;
      this.mstatus = s;
      this.priv = PRIV_M;
      vector = this.mtvec;
    }
    let target = toAddress(vector & ~3n);
    if (interrupt && (vector & 1n) === 1n) target += 4 * cause;
    this.pc = target;
    this.updateModes();
  }

  mret(): void {
    if (this.priv !== PRIV_M) raise(CAUSE_ILLEGAL_INSTRUCTION, 0);
    const s = this.mstatus;
    const mpp = (s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    let n = s & ~(MSTATUS_MIE | MSTATUS_MPP);
    if (s & MSTATUS_MPIE) n |= MSTATUS_MIE;
    n |= MSTATUS_MPIE;
    if (mpp !== PRIV_M) n &= ~MSTATUS_MPRV;
    this.mstatus = n;
    this.priv = mpp;
    this.triggers.returnFromMachineTrap();
    this.pc = toAddress(this.mepc);
    this.updateModes();
  }

  sret(): void {
    if (this.priv < PRIV_S || (this.priv === PRIV_S && (this.mstatus & MSTATUS_TSR))) {
      raise(CAUSE_ILLEGAL_INSTRUCTION, 0);
    }
    const s = this.mstatus;
    const spp = (s & MSTATUS_SPP) ? PRIV_S : PRIV_U;
    let n = s & ~(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV);
    if (s & MSTATUS_SPIE) n |= MSTATUS_SIE;
    n |= MSTATUS_SPIE;
    this.mstatus = n;
    this.priv = spp;
    this.pc = toAddress(this.sepc);
    this.updateModes();
  }

  /** The privilege loads and stores are checked with (MPRV makes M-mode act as MPP). */
  dataPriv(): number {
    if (this.priv === PRIV_M && (this.mstatus & MSTATUS_MPRV)) {
      return (this.mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    }
    return this.priv;
  }

  /** Virtual to physical, filling the TLB when the page is RAM or ROM. */
  translate(va: number, access: Access): number {
    const priv = access === ACCESS_FETCH ? this.priv : this.dataPriv();
    let pa: number;
    let leafShift = 12;
    if (priv === PRIV_M || this.satpMode === SATP_BARE) {
      pa = va;
    } else {
      pa = walkPageTable(this, this.mem, va, access, priv);
      leafShift = this.leafShift;
    }
    if (!this.pmp.allows(pa, 1, access, priv)) raise(ACCESS_FAULT_CAUSE[access], va);
    const page = pa - (pa % 4096);
    const pageOffset = this.mem.offsetOf(page);
    if (
      pageOffset >= 0 &&
      (access !== ACCESS_STORE ||
        (this.mem.isRamOffset(pageOffset) &&
          (this.codePages === null || this.codePages[pageOffset >>> 12] === 0))) &&
      this.mem.pageCacheable(page) && this.pmp.pageAllows(page, access, priv) &&
      (access === ACCESS_FETCH || !this.triggers.watchesData)
    ) {
      (access === ACCESS_FETCH ? this.fetchTlb : this.dataTlb).fill(
        access,
        va,
        pageOffset,
        leafShift,
      );
    }
    return pa;
  }

  /** Buffer offset of the RAM byte a store to `va` would write, or -1 (lockstep checker). */
  ramOffsetOf(va: number): number {
    try {
      const off = this.mem.offsetOf(this.translate(va, ACCESS_STORE));
      return off >= 0 && this.mem.isRamOffset(off) ? off : -1;
    } catch (e) {
      if (e !== TRAP) throw e;
      return -1;
    }
  }

  /** Buffer offset of a RAM/ROM byte for this access, or -1 - paddr for MMIO. */
  private resolve(va: number, access: Access): number {
    const hit = (access === ACCESS_FETCH ? this.fetchTlb : this.dataTlb).lookup(access, va);
    if (hit >= 0) return hit;
    const pa = this.translate(va, access);
    // Above 2^63 (negative here) nothing exists; -1 - pa would look like a buffer offset.
    if (pa < 0) raise(ACCESS_FAULT_CAUSE[access], va);
    const off = this.mem.offsetOf(pa);
    if (off >= 0 && (access !== ACCESS_STORE || this.mem.isRamOffset(off))) {
      if (access === ACCESS_STORE && this.codePages !== null && this.codePages[off >>> 12] !== 0) {
        this.onCodeWrite!(off >>> 12);
      }
      return off;
    }
    return -1 - pa;
  }

  /** Loads 1, 2 or 4 bytes the slow way (misaligned, page-crossing, MMIO); unsigned result. */
  loadSlow(va: number, size: 1 | 2 | 4): number {
    if (this.debugActive) this.checkData(va, size, ACCESS_LOAD);
    return this.loadSlowUnchecked(va, size);
  }

  private loadSlowUnchecked(va: number, size: 1 | 2 | 4): number {
    const off = this.resolve(va, ACCESS_LOAD);
    if (off < 0) return this.mmioRead(-1 - off, size, va);
    if (inPage(va) <= 4096 - size) {
      let v = 0;
      for (let k = size - 1; k >= 0; k--) v = v * 256 + this.mem.u8[off + k];
      return v;
    }
    const offs = this.byteOffsets(va, size, ACCESS_LOAD);
    let v = 0;
    for (let k = size - 1; k >= 0; k--) v = v * 256 + this.mem.u8[offs[k]];
    return v;
  }

  load64Slow(va: number): bigint {
    if (this.debugActive) this.checkData(va, 8, ACCESS_LOAD);
    const lo = this.loadSlowWide(va);
    const hi = this.loadSlowWide(va + 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  private loadSlowWide(va: number): number {
    return this.loadSlowUnchecked(va, 4);
  }

  /** Stores the low `size` bytes of `value` the slow way. */
  storeSlow(va: number, size: 1 | 2 | 4, value: number): void {
    if (this.debugActive) this.checkData(va, size, ACCESS_STORE);
    const off = this.resolve(va, ACCESS_STORE);
    if (off < 0) {
      this.mmioWrite(-1 - off, size, value, va);
      return;
    }
    const offs = inPage(va) <= 4096 - size ? null : this.byteOffsets(va, size, ACCESS_STORE);
    for (let k = 0; k < size; k++) {
      this.mem.u8[offs ? offs[k] : off + k] = value & 0xff;
      value = Math.floor(value / 256);
    }
  }

  store64Slow(va: number, value: bigint): void {
    if (this.debugActive) this.checkData(va, 8, ACCESS_STORE);
    const off = this.resolve(va, ACCESS_STORE);
    if (off < 0) {
      const pa = -1 - off;
      this.mmioWrite(pa, 4, Number(value & 0xffffffffn), va);
      this.mmioWrite(pa + 4, 4, Number((value >> 32n) & 0xffffffffn), va);
      return;
    }
    // Translate every byte before writing any, so a fault leaves memory untouched.
    const offs = this.byteOffsets(va, 8, ACCESS_STORE);
    let v = BigInt.asUintN(64, value);
    for (let k = 0; k < 8; k++) {
      this.mem.u8[offs[k]] = Number(v & 0xffn);
      v >>= 8n;
    }
  }

  private byteOffsets(va: number, size: number, access: Access): number[] {
    const offs: number[] = [];
    for (let k = 0; k < size; k++) {
      const off = this.resolve(va + k, access);
      if (off < 0) raise(ACCESS_FAULT_CAUSE[access], va);
      offs.push(off);
    }
    return offs;
  }

  private mmioRead(pa: number, size: 1 | 2 | 4 | 8, va: number): number {
    const m = this.mem.findMmio(pa);
    if (!m || pa % size !== 0 || pa + size > m.base + m.size) {
      raise(ACCESS_FAULT_CAUSE[ACCESS_LOAD], va);
    }
    return m.region.read(pa - m.base, size as 1 | 2 | 4);
  }

  private mmioWrite(pa: number, size: 1 | 2 | 4, value: number, va: number): void {
    const m = this.mem.findMmio(pa);
    if (!m || pa % size !== 0 || pa + size > m.base + m.size) {
      raise(ACCESS_FAULT_CAUSE[ACCESS_STORE], va);
    }
    m.region.write(pa - m.base, size, value >>> 0);
    if (this.interruptsPending() || this.haltRequested) this.endSlice = true;
  }

  /** Set when the slice should end after this instruction (an interrupt may be takeable). */
  endSlice = false;
  /** Set by the machine to stop the hart at once (power-off, quit). */
  haltRequested = false;

  /** Fetches the instruction at pc the slow way and caches its page for the fast path. */
  private fetchSlow(pc: number): number {
    const off = this.resolve(pc, ACCESS_FETCH);
    if (off < 0) raise(ACCESS_FAULT_CAUSE[ACCESS_FETCH], pc);
    const pageOff = pc - inPage(pc);
    this.fetchBase = pageOff;
    this.fetchOffset = (off - (pc - pageOff)) | 0; // int32, so the run loop's pageBuf stays int
    const lo = this.mem.u16[off >> 1];
    if ((lo & 3) !== 3) return lo;
    if (pc - pageOff <= 4092) return lo | (this.mem.u16[(off >> 1) + 1] << 16);
    const off2 = this.resolve(pc + 2, ACCESS_FETCH);
    if (off2 < 0) raise(ACCESS_FAULT_CAUSE[ACCESS_FETCH], pc + 2);
    return lo | (this.mem.u16[off2 >> 1] << 16);
  }

  /** Slice instructions retired before the current one, and those already counted. */
  private sliceNow = 0;
  private sliceCredited = 0;

  /**
   * Runs up to `limit` instructions. Returns early after WFI, an MMIO store,
   * or anything that may make an interrupt takeable, so the caller can look.
   */
  run(limit: number): number {
    this.checkInterrupts();
    if (this.waiting) return 0;
    const s = this.state;
    const x = s.x;
    const x32 = s.x32;
    const mem = this.mem;
    const u8 = mem.u8;
    const u16 = mem.u16;
    const i32 = mem.i32;
    const i64 = mem.i64;
    // The data TLB set in locals; reloaded after anything that can switch sets.
    let rPage = this.dataTlb.page[ACCESS_LOAD], rHi = this.dataTlb.hi[ACCESS_LOAD];
    let rBase = this.dataTlb.base[ACCESS_LOAD];
    let wPage = this.dataTlb.page[ACCESS_STORE], wHi = this.dataTlb.hi[ACCESS_STORE];
    let wBase = this.dataTlb.base[ACCESS_STORE];
    let n = 0;
    let traps = 0;
    // pc = pageVa + po. The page's buffer offset is pageBuf (-1 until fetched),
    // so sequential code and short branches run on int32 offsets alone: a
    // double pc would cost V8 checked conversions on every fetch.
    let pageVa = this.pc;
    let po = 0;
    let pageBuf = -1;
    const hot = this.debugActive ? null : this.jitHot;
    // The wasm tier counts jumps only in counters it can reach (the shared memory).
    const hotAt = hot === null ? -1 : hot.buffer === mem.memory.buffer ? hot.byteOffset : -2;
    const hotMask = hot === null ? 0 : hot.length - 1;
    const fast = hotAt === -2 ? null : this.wasmInterp;
    const rvcAt = mem.rvcTableOffset;
    // After a call that ran almost nothing (FP code, say), the next few instructions stay here.
    let skipFast = 0;
    this.jitExit = false;
    this.endSlice = this.haltRequested;
    if (this.endSlice) return 0;
    // One loop with the try inside: V8 enters try blocks for free, and a single
    // loop keeps on-stack-replaced code valid when the slice ends.
    while (n < limit) {
      try {
        if (skipFast > 0) {
          skipFast--;
        } else if (fast !== null && !this.debugActive) {
          const status = fast(
            pageVa + po,
            limit - n,
            this.fetchTlb.offset,
            this.dataTlb.offset,
            hotAt,
            hotMask,
            this.jitStep(),
            rvcAt,
            this.reservation === this.reservation ? this.reservation : -1, // NaN: none
            this.priv,
            this.mip & this.mie & this.mideleg,
            this.dataPriv() === PRIV_S
              ? this.space.sets[this.mstatus & MSTATUS_SUM ? PRIV_S : TLB_S_SUM].offset
              : -1,
          );
          // The tier may have flipped SUM (and switched the data set): the same here.
          if (((this.mstatus & MSTATUS_SUM) !== 0) !== this.sum) {
            this.sumChanged();
            rPage = this.dataTlb.page[ACCESS_LOAD];
            rHi = this.dataTlb.hi[ACCESS_LOAD];
            rBase = this.dataTlb.base[ACCESS_LOAD];
            wPage = this.dataTlb.page[ACCESS_STORE];
            wHi = this.dataTlb.hi[ACCESS_STORE];
            wBase = this.dataTlb.base[ACCESS_STORE];
          }
          const resv = i32[WASM_INTERP_RESERVATION_OFFSET >> 2];
          this.reservation = resv < 0 ? NaN : resv;
          const k = i32[WASM_INTERP_RETIRED_OFFSET >> 2];
          if (k < FAST_MIN_RUN) skipFast = FAST_BACKOFF;
          if (k !== 0) {
            n += k;
            const pc = i32[(WASM_INTERP_PC_OFFSET >> 2) + 1] * TWO32 +
              (i32[WASM_INTERP_PC_OFFSET >> 2] >>> 0);
            const d = pc - pageVa;
            if (pageBuf >= 0 && d >= 0 && d < 4096) {
              po = d;
            } else {
              pageVa = pc;
              po = 0;
              pageBuf = -1;
            }
          }
          if (status === STOP_HOT) {
            this.jitExit = true;
            limit = n;
            continue;
          }
          if (status === STOP_BUDGET) continue;
        }
        {
          n++;
          // Fetch. npo is the next pc's offset from pageVa.
          let insn: number;
          let npo: number;
          if (pageBuf >= 0 && po >= 0 && po <= 4092) {
            const at = (pageBuf + po) >> 1;
            const h = u16[at];
            if ((h & 3) === 3) {
              insn = h | (u16[at + 1] << 16);
              npo = po + 4;
            } else {
              insn = COMPRESSED[h];
              if (insn === 0) raise(CAUSE_ILLEGAL_INSTRUCTION, h);
              npo = po + 2;
            }
          } else {
            const pc = pageVa + po;
            if (this.debugActive) this.checkFetch(pc);
            insn = this.fetchSlow(pc);
            pageVa = this.fetchBase;
            // While debugging, every instruction comes this way to be checked.
            pageBuf = this.debugActive ? -1 : this.fetchOffset | 0;
            po = (pc - pageVa) | 0;
            if ((insn & 3) === 3) {
              npo = po + 4;
            } else {
              const h = insn;
              insn = COMPRESSED[h];
              if (insn === 0) raise(CAUSE_ILLEGAL_INSTRUCTION, h);
              npo = po + 2;
            }
          }
          const rd = (insn >>> 7) & 31;
          const rs1 = (insn >>> 15) & 31;
          const rs2 = (insn >>> 20) & 31;
          const f3 = (insn >>> 12) & 7;
          // Dense labels (opcode >> 2) so V8 dispatches through a jump table.
          switch ((insn >>> 2) & 31) {
            case 13: // LUI (0x37)
              if (rd !== 0) {
                x32[rd * 2] = insn & 0xfffff000;
                x32[rd * 2 + 1] = insn >> 31;
              }
              break;
            case 5: // AUIPC (0x17)
              if (rd !== 0) {
                const v = pageVa + po + (insn & 0xfffff000);
                x32[rd * 2] = v | 0;
                x32[rd * 2 + 1] = Math.floor(v / TWO32);
              }
              break;
            case 27: { // JAL (0x6f)
              const imm = ((insn >> 31) << 20) | (((insn >>> 12) & 0xff) << 12) |
                (((insn >>> 20) & 1) << 11) | (((insn >>> 21) & 0x3ff) << 1);
              if (rd !== 0) {
                const link = pageVa + npo;
                x32[rd * 2] = link | 0;
                x32[rd * 2 + 1] = Math.floor(link / TWO32);
              }
              npo = po + imm;
              if (hot !== null && this.hotTarget(hot, pageVa + npo)) limit = n;
              break;
            }
            case 25: { // JALR (0x67)
              if (f3 !== 0) raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
              let t = x32[rs1 * 2 + 1] * TWO32 + (x32[rs1 * 2] >>> 0) + (insn >> 20);
              if (t & 1) t -= 1;
              if (rd !== 0) {
                const link = pageVa + npo;
                x32[rd * 2] = link | 0;
                x32[rd * 2 + 1] = Math.floor(link / TWO32);
              }
              const d = t - pageVa;
              if (d > -0x40000000 && d < 0x40000000) {
                npo = d | 0;
              } else { // far away: start over from the target
                pageVa = t;
                pageBuf = -1;
                npo = 0;
              }
              if (hot !== null && this.hotTarget(hot, pageVa + npo)) limit = n;
              break;
            }
            case 24: { // BRANCH (0x63)
              let taken: boolean;
              switch (f3) {
                case 0:
                  taken = x32[rs1 * 2] === x32[rs2 * 2] && x32[rs1 * 2 + 1] === x32[rs2 * 2 + 1];
                  break;
                case 1:
                  taken = x32[rs1 * 2] !== x32[rs2 * 2] || x32[rs1 * 2 + 1] !== x32[rs2 * 2 + 1];
                  break;
                case 4:
                  taken = x[rs1] < x[rs2];
                  break;
                case 5:
                  taken = x[rs1] >= x[rs2];
                  break;
                case 6:
                case 7: {
                  const ah = x32[rs1 * 2 + 1] >>> 0, bh = x32[rs2 * 2 + 1] >>> 0;
                  const lt = ah < bh || (ah === bh && (x32[rs1 * 2] >>> 0) < (x32[rs2 * 2] >>> 0));
                  taken = f3 === 6 ? lt : !lt;
                  break;
                }
                default:
                  raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
              }
              if (taken) {
                npo = po + (((insn >> 31) << 12) | (((insn >>> 7) & 1) << 11) |
                  (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1));
                if (hot !== null && this.hotTarget(hot, pageVa + npo)) limit = n;
              }
              break;
            }
            case 0: { // LOAD (0x03)
              // The address in int32 halves (carry by unsigned compare), then the TLB.
              const lo = x32[rs1 * 2], imm = insn >> 20, alo = (lo + imm) | 0;
              const ahi = x32[rs1 * 2 + 1] +
                (imm < 0 ? ((alo >>> 0) > (lo >>> 0) ? -1 : 0) : (alo >>> 0) < (lo >>> 0) ? 1 : 0);
              const page = alo >>> 12, ti = page & TLB_MASK;
              const hit = rPage[ti] === page && rHi[ti] === ahi;
              const off = rBase[ti] + (alo & 4095);
              switch (f3) {
                case 0: { // LB
                  const v = hit
                    ? (u8[off] << 24) >> 24
                    : (this.loadSlow(ahi * TWO32 + (alo >>> 0), 1) << 24) >> 24;
                  if (rd !== 0) {
                    x32[rd * 2] = v;
                    x32[rd * 2 + 1] = v >> 31;
                  }
                  break;
                }
                case 1: { // LH
                  const v = hit && (off & 1) === 0
                    ? (u16[off >> 1] << 16) >> 16
                    : (this.loadSlow(ahi * TWO32 + (alo >>> 0), 2) << 16) >> 16;
                  if (rd !== 0) {
                    x32[rd * 2] = v;
                    x32[rd * 2 + 1] = v >> 31;
                  }
                  break;
                }
                case 2: { // LW
                  const v = hit && (off & 3) === 0
                    ? i32[off >> 2]
                    : this.loadSlow(ahi * TWO32 + (alo >>> 0), 4) | 0;
                  if (rd !== 0) {
                    x32[rd * 2] = v;
                    x32[rd * 2 + 1] = v >> 31;
                  }
                  break;
                }
                case 3: // LD: each path stores straight into x so V8 keeps the BigInt unboxed
                  if (hit && (off & 7) === 0) {
                    if (rd !== 0) x[rd] = i64[off >> 3];
                  } else {
                    const v = this.load64Slow(ahi * TWO32 + (alo >>> 0));
                    if (rd !== 0) x[rd] = v;
                  }
                  break;
                case 4: { // LBU
                  const v = hit ? u8[off] : this.loadSlow(ahi * TWO32 + (alo >>> 0), 1);
                  if (rd !== 0) {
                    x32[rd * 2] = v;
                    x32[rd * 2 + 1] = 0;
                  }
                  break;
                }
                case 5: { // LHU
                  const v = hit && (off & 1) === 0
                    ? u16[off >> 1]
                    : this.loadSlow(ahi * TWO32 + (alo >>> 0), 2);
                  if (rd !== 0) {
                    x32[rd * 2] = v;
                    x32[rd * 2 + 1] = 0;
                  }
                  break;
                }
                case 6: { // LWU
                  const v = hit && (off & 3) === 0
                    ? i32[off >> 2]
                    : this.loadSlow(ahi * TWO32 + (alo >>> 0), 4);
                  if (rd !== 0) {
                    x32[rd * 2] = v;
                    x32[rd * 2 + 1] = 0;
                  }
                  break;
                }
                default:
                  raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
              }
              break;
            }
            case 8: { // STORE (0x23)
              const imm = ((insn >> 25) << 5) | ((insn >>> 7) & 31);
              const lo = x32[rs1 * 2], alo = (lo + imm) | 0;
              const ahi = x32[rs1 * 2 + 1] +
                (imm < 0 ? ((alo >>> 0) > (lo >>> 0) ? -1 : 0) : (alo >>> 0) < (lo >>> 0) ? 1 : 0);
              const page = alo >>> 12, ti = page & TLB_MASK;
              const hit = wPage[ti] === page && wHi[ti] === ahi;
              const off = wBase[ti] + (alo & 4095);
              switch (f3) {
                case 0:
                  if (hit) u8[off] = x32[rs2 * 2];
                  else this.storeSlow(ahi * TWO32 + (alo >>> 0), 1, x32[rs2 * 2] & 0xff);
                  break;
                case 1:
                  if (hit && (off & 1) === 0) u16[off >> 1] = x32[rs2 * 2];
                  else this.storeSlow(ahi * TWO32 + (alo >>> 0), 2, x32[rs2 * 2] & 0xffff);
                  break;
                case 2:
                  if (hit && (off & 3) === 0) i32[off >> 2] = x32[rs2 * 2];
                  else this.storeSlow(ahi * TWO32 + (alo >>> 0), 4, x32[rs2 * 2] >>> 0);
                  break;
                case 3:
                  if (hit && (off & 7) === 0) i64[off >> 3] = x[rs2];
                  else this.store64Slow(ahi * TWO32 + (alo >>> 0), x[rs2]);
                  break;
                default:
                  raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
              }
              // Only a slow-path (MMIO) store can set this.
              if (!hit && this.endSlice) limit = n;
              break;
            }
            case 4: { // OP-IMM (0x13)
              const imm = insn >> 20;
              switch (f3) {
                case 0: // ADDI
                  if (rd !== 0) x[rd] = x[rs1] + IMM12[insn >>> 20];
                  break;
                case 1: // SLLI
                  if ((insn >>> 26) !== 0) raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
                  if (rd !== 0) x[rd] = x[rs1] * POW2[(insn >>> 20) & 63];
                  break;
                case 2: // SLTI
                  if (rd !== 0) x[rd] = x[rs1] < IMM12[insn >>> 20] ? 1n : 0n;
                  break;
                case 3: { // SLTIU
                  if (rd !== 0) {
                    const ah = x32[rs1 * 2 + 1] >>> 0, bh = (imm >> 31) >>> 0;
                    const lt = ah < bh || (ah === bh && (x32[rs1 * 2] >>> 0) < (imm >>> 0));
                    x[rd] = lt ? 1n : 0n;
                  }
                  break;
                }
                case 4:
                  if (rd !== 0) x[rd] = x[rs1] ^ IMM12[insn >>> 20];
                  break;
                case 5: { // SRLI / SRAI
                  const f6 = insn >>> 26;
                  if (f6 !== 0 && f6 !== 0x10) raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
                  if (rd !== 0) shiftRight(x32, rd, rs1, (insn >>> 20) & 63, f6 !== 0);
                  break;
                }
                case 6:
                  if (rd !== 0) x[rd] = x[rs1] | IMM12[insn >>> 20];
                  break;
                default:
                  if (rd !== 0) x[rd] = x[rs1] & IMM12[insn >>> 20];
              }
              break;
            }
            case 12: { // OP (0x33)
              const f7 = insn >>> 25;
              if (f7 === 0) {
                switch (f3) {
                  case 0:
                    if (rd !== 0) x[rd] = x[rs1] + x[rs2];
                    break;
                  case 1:
                    if (rd !== 0) x[rd] = x[rs1] * POW2[x32[rs2 * 2] & 63];
                    break;
                  case 2:
                    if (rd !== 0) x[rd] = x[rs1] < x[rs2] ? 1n : 0n;
                    break;
                  case 3: {
                    if (rd !== 0) {
                      const ah = x32[rs1 * 2 + 1] >>> 0, bh = x32[rs2 * 2 + 1] >>> 0;
                      const lt = ah < bh ||
                        (ah === bh && (x32[rs1 * 2] >>> 0) < (x32[rs2 * 2] >>> 0));
                      x[rd] = lt ? 1n : 0n;
                    }
                    break;
                  }
                  case 4:
                    if (rd !== 0) x[rd] = x[rs1] ^ x[rs2];
                    break;
                  case 5:
                    if (rd !== 0) shiftRight(x32, rd, rs1, x32[rs2 * 2] & 63, false);
                    break;
                  case 6:
                    if (rd !== 0) x[rd] = x[rs1] | x[rs2];
                    break;
                  default:
                    if (rd !== 0) x[rd] = x[rs1] & x[rs2];
                }
              } else if (f7 === 0x20 && f3 === 0) {
                if (rd !== 0) x[rd] = x[rs1] - x[rs2];
              } else if (f7 === 0x20 && f3 === 5) {
                if (rd !== 0) shiftRight(x32, rd, rs1, x32[rs2 * 2] & 63, true);
              } else if (f7 === 1) {
                if (f3 === 0) {
                  if (rd !== 0) x[rd] = x[rs1] * x[rs2];
                } else if (rd !== 0) {
                  x[rd] = mulDiv(f3, x[rs1], x[rs2]);
                }
              } else {
                raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
              }
              break;
            }
            case 6: { // OP-IMM-32 (0x1b)
              let v: number;
              const a = x32[rs1 * 2];
              if (f3 === 0) v = (a + (insn >> 20)) | 0;
              else if (f3 === 1 && (insn >>> 25) === 0) v = a << rs2;
              else if (f3 === 5 && (insn >>> 25) === 0) v = a >>> rs2 | 0;
              else if (f3 === 5 && (insn >>> 25) === 0x20) v = a >> rs2;
              else raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
              if (rd !== 0) {
                x32[rd * 2] = v;
                x32[rd * 2 + 1] = v >> 31;
              }
              break;
            }
            case 14: { // OP-32 (0x3b)
              const f7 = insn >>> 25;
              const a = x32[rs1 * 2], b = x32[rs2 * 2];
              let v: number;
              if (f7 === 0) {
                if (f3 === 0) v = (a + b) | 0;
                else if (f3 === 1) v = a << (b & 31);
                else if (f3 === 5) v = (a >>> (b & 31)) | 0;
                else raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
              } else if (f7 === 0x20) {
                if (f3 === 0) v = (a - b) | 0;
                else if (f3 === 5) v = a >> (b & 31);
                else raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
              } else if (f7 === 1) {
                v = mulDivWord(f3, a, b, insn);
              } else {
                raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
              }
              if (rd !== 0) {
                x32[rd * 2] = v;
                x32[rd * 2 + 1] = v >> 31;
              }
              break;
            }
            case 3: // MISC-MEM (0x0f): FENCE is a no-op for one in-order hart; FENCE.I drops the fetch page.
              if (f3 === 1) {
                this.fetchBase = NaN;
                pageBuf = -1;
                this.onFenceI?.();
              } else if (f3 !== 0) {
                raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
              }
              break;
            case 28: { // SYSTEM (0x73)
              if (insn === ECALL) {
                // The trap the catch below would enter, without a throw (a boot makes ~5,000
                // ECALLs, and a throw costs microseconds): it does not retire.
                traps++;
                this.trap(CAUSE_USER_ECALL + this.priv, false, 0n, pageVa + po);
                pageVa = this.pc;
                npo = 0;
                pageBuf = -1;
              } else {
                this.pc = pageVa + po;
                this.sliceNow = n - traps - 1;
                const r = this.system(insn, rd, rs1, f3);
                if (r === SYSTEM_JUMP) {
                  pageVa = this.pc;
                  npo = 0;
                  pageBuf = -1;
                }
                if (
                  r === SYSTEM_STOP ||
                  (r !== SYSTEM_PLAIN && (this.takeable() !== 0 || this.endSlice))
                ) limit = n;
                if (this.fetchBase !== this.fetchBase) pageBuf = -1; // flushed (NaN)
              }
              rPage = this.dataTlb.page[ACCESS_LOAD];
              rHi = this.dataTlb.hi[ACCESS_LOAD];
              rBase = this.dataTlb.base[ACCESS_LOAD];
              wPage = this.dataTlb.page[ACCESS_STORE];
              wHi = this.dataTlb.hi[ACCESS_STORE];
              wBase = this.dataTlb.base[ACCESS_STORE];
              break;
            }
            case 11: // AMO (0x2f)
              this.amo(insn, rd, rs1, rs2);
              break;
            case 1: // LOAD-FP (0x07)
            case 9: // STORE-FP (0x27)
              this.fpMemory(insn, rd, rs1, rs2, f3);
              break;
            case 16: // FMADD (0x43)
            case 17: // FMSUB (0x47)
            case 18: // FNMSUB (0x4b)
            case 19: // FNMADD (0x4f)
            case 20: // OP-FP (0x53)
              if ((this.mstatus & MSTATUS_FS) === 0 || !executeFp(s, insn)) {
                raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
              }
              this.mstatus |= MSTATUS_FS;
              break;
            default:
              raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
          }
          po = npo;
        }
      } catch (e) {
        if (e === DEBUGGER_STOP) {
          n--; // the instruction did not execute
          break;
        }
        if (e !== TRAP) {
          this.pc = pageVa + po;
          throw e;
        }
        traps++;
        const buf = pageBuf >= 0 ? pageBuf : this.debugActive ? this.fetchOffset : -1;
        if (TRAP.cause === CAUSE_ILLEGAL_INSTRUCTION && buf >= 0 && po >= 0 && po <= 4094) {
          // An expanded compressed instruction (C.FLD with FS off) reports its own 16 bits.
          const h = u16[(buf + po) >> 1];
          if ((h & 3) !== 3) TRAP.tval = BigInt(h);
        }
        this.trap(TRAP.cause, false, TRAP.tval, pageVa + po);
        pageVa = this.pc;
        po = 0;
        pageBuf = -1;
        rPage = this.dataTlb.page[ACCESS_LOAD];
        rHi = this.dataTlb.hi[ACCESS_LOAD];
        rBase = this.dataTlb.base[ACCESS_LOAD];
        wPage = this.dataTlb.page[ACCESS_STORE];
        wHi = this.dataTlb.hi[ACCESS_STORE];
        wBase = this.dataTlb.base[ACCESS_STORE];
        // A trap can enable a pending interrupt only through later CSR writes; keep going.
      }
    }
    this.pc = pageVa + po;
    this.credit(n - traps);
    this.sliceCredited = 0;
    return n;
  }

  /**
   * Jump-target counters of the translator (core/jit), by (pc >>> 1) & mask,
   * counting up from minus the threshold; null when it is off.
   */
  jitHot: Int32Array | null = null;
  /** What a jump in U-mode adds to its target's counter. */
  jitUserStep = 1;
  /** What a jump in S- or M-mode adds (the TypeScript loop's add at least KERNEL_SLOW_STEP). */
  jitKernelStep = 1;
  /** What a jump at the current privilege adds to its target's counter (the wasm tier's step). */
  jitStep(): number {
    return this.priv === PRIV_U ? this.jitUserStep : this.jitKernelStep;
  }
  /** Set when run() stopped at a hot jump target so the translator can take over. */
  jitExit = false;
  /** Buffer pages (offset >>> 12) holding translated code: never cached for stores. */
  codePages: Uint8Array | null = null;
  /** Told of a store to a page in codePages (its translations are stale). */
  onCodeWrite: ((page: number) => void) | null = null;
  /** Told of FENCE.I. */
  onFenceI: (() => void) | null = null;
  /** Told of a page-table A/D update, before it is written (lockstep checker). */
  onPteWrite: ((offset: number) => void) | null = null;

  /** Counts a jump to `target`; true (stop the slice here) once it is hot. */
  private hotTarget(hot: Int32Array, target: number): boolean {
    const i = (target >>> 1) & (hot.length - 1);
    const c = hot[i];
    if (c < 0) {
      const step = this.priv === PRIV_U
        ? this.jitUserStep
        : Math.max(KERNEL_SLOW_STEP, this.jitKernelStep);
      hot[i] = Math.min(0, c + step);
      return false;
    }
    this.jitExit = true;
    return true;
  }

  /** Credits instructions that translated code retired (outside run()). */
  creditRetired(k: number): void {
    if (!(this.mcountinhibit & 4)) this.instret += k;
    if (!(this.mcountinhibit & 1)) this.cycle += k;
  }

  /** Credits instructions retired in this slice to minstret/mcycle unless inhibited. */
  private credit(upTo: number): void {
    const delta = upTo - this.sliceCredited;
    this.sliceCredited = upTo;
    if (!(this.mcountinhibit & 4)) this.instret += delta;
    if (!(this.mcountinhibit & 1)) this.cycle += delta;
  }

  /** Brings minstret/mcycle up to date before a CSR instruction reads or writes them. */
  syncCounters(): void {
    this.credit(this.sliceNow);
  }

  /** A write to a counter replaces the count: the writing instruction adds nothing. */
  counterWritten(): void {
    this.sliceCredited += 1;
  }

  /**
   * SYSTEM opcode: CSR access, ECALL/EBREAK, xRET, WFI, SFENCE.VMA. Translated
   * code calls it for ECALL, xRET and SFENCE.VMA (which do not count).
   */
  system(insn: number, rd: number, rs1: number, f3: number): number {
    const x = this.state.x;
    if (f3 === 0) {
      const f12 = insn >>> 20;
      if (rd !== 0) raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
      if (f12 === 0 && rs1 === 0) raise(CAUSE_USER_ECALL + this.priv, 0);
      if (f12 === 1 && rs1 === 0) raise(CAUSE_BREAKPOINT, this.pc);
      if (f12 === 0x302 && rs1 === 0) {
        this.guard(() => this.mret(), insn);
        return SYSTEM_JUMP;
      }
      if (f12 === 0x102 && rs1 === 0) {
        this.guard(() => this.sret(), insn);
        return SYSTEM_JUMP;
      }
      if (f12 === 0x105 && rs1 === 0) { // WFI
        if (this.priv === PRIV_U || (this.priv === PRIV_S && (this.mstatus & MSTATUS_TW))) {
          raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
        }
        if (!this.interruptsPending()) this.waiting = true;
        return SYSTEM_STOP;
      }
      if ((insn >>> 25) === 0x09) { // SFENCE.VMA
        this.sfenceVma(insn, Number(x[rs1]), x[(insn >>> 20) & 31]);
        return SYSTEM_PLAIN;
      }
      raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
    }
    if (f3 === 4) raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
    this.syncCounters();
    const old = this.csrAccess(insn, f3 & 4 ? BigInt(rs1) : x[rs1]);
    if (rd !== 0) x[rd] = old;
    return (f3 & 3) === 1 || rs1 !== 0 ? SYSTEM_CHECK : SYSTEM_PLAIN;
  }

  /**
   * A CSR instruction's checks, read and write (the counters already brought
   * up to date); returns the value for rd. Translated code calls it too.
   */
  csrAccess(insn: number, src: bigint): bigint {
    const rd = (insn >>> 7) & 31;
    const csr = insn >>> 20;
    const op = (insn >>> 12) & 3;
    const writes = csrWrites(insn);
    const readOnly = (csr >>> 10) === 3;
    if ((writes && readOnly) || this.priv < ((csr >>> 8) & 3)) {
      raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
    }
    // CSRRW with rd = x0 does not read (no side effects of a read).
    const old = op === 1 && rd === 0 ? 0n : readCsr(this, csr, insn);
    if (writes) {
      // Read-modify-write of mip sees the software SEIP bit, not the PLIC's line
      // (privileged spec §3.1.9), or a CSRRS would latch the line forever.
      const base = csr === 0x344 ? BigInt((this.mipDevices & ~(1 << 9)) | this.mipSoftware) : old;
      let v = src;
      if (op === 2) v = base | src;
      else if (op === 3) v = base & ~src;
      writeCsr(this, csr, v, insn);
    }
    return old;
  }

  /** Runs an xRET, turning its privilege errors into an illegal instruction with the bits. */
  private guard(f: () => void, insn: number): void {
    try {
      f();
    } catch (e) {
      if (e === TRAP) TRAP.tval = BigInt(insn >>> 0);
      throw e;
    }
  }

  /** The A extension: LR/SC and the AMOs, on RAM only, naturally aligned. */
  private amo(insn: number, rd: number, rs1: number, rs2: number): void {
    const x = this.state.x;
    const v = this.atomic(insn, toAddress(x[rs1]), x[rs2]);
    if (rd !== 0) x[rd] = v;
  }

  /**
   * One LR, SC or AMO at `va` with rs2's value `src`; returns the value for rd.
   * Translated code calls it too, so both keep one reservation.
   */
  atomic(insn: number, va: number, src: bigint): bigint {
    const f3 = (insn >>> 12) & 7, rs2 = (insn >>> 20) & 31;
    const f5 = insn >>> 27;
    // Decode fully before any address check: a reserved funct5 is illegal, not misaligned.
    if ((f3 !== 2 && f3 !== 3) || !((AMO_FUNCT5 >>> f5) & 1)) {
      raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
    }
    const wide = f3 === 3;
    const size = wide ? 8 : 4;
    if (this.debugActive) { // an AMO both reads and writes
      if (f5 !== 3) this.checkData(va, size, ACCESS_LOAD);
      if (f5 !== 2) this.checkData(va, size, ACCESS_STORE);
    }
    if (f5 === 2) { // LR
      if (rs2 !== 0) raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
      if (va % size !== 0) raise(CAUSE_MISALIGNED_LOAD, va);
      const off = this.resolve(va, ACCESS_LOAD);
      if (off < 0) raise(ACCESS_FAULT_CAUSE[ACCESS_LOAD], va);
      const v = wide ? this.mem.i64[off >> 3] : BigInt(this.mem.i32[off >> 2]);
      this.reservation = off;
      return v;
    }
    if (va % size !== 0) raise(CAUSE_MISALIGNED_STORE, va);
    if (f5 === 3) { // SC
      // Translated first, as in sail: an SC faults like a store even if it would fail.
      const off = this.resolve(va, ACCESS_STORE);
      if (off < 0) raise(ACCESS_FAULT_CAUSE[ACCESS_STORE], va);
      const ok = this.reservation === off;
      if (ok) {
        if (wide) this.mem.i64[off >> 3] = src;
        else this.mem.i32[off >> 2] = Number(BigInt.asIntN(32, src));
      }
      this.reservation = NaN;
      return ok ? 0n : 1n;
    }
    const off = this.resolve(va, ACCESS_STORE);
    if (off < 0) raise(ACCESS_FAULT_CAUSE[ACCESS_STORE], va);
    const old = wide ? this.mem.i64[off >> 3] : BigInt(this.mem.i32[off >> 2]);
    const b = wide ? src : BigInt.asIntN(32, src);
    let v: bigint;
    switch (f5) {
      case 0x01:
        v = b;
        break; // AMOSWAP
      case 0x00:
        v = old + b;
        break; // AMOADD
      case 0x04:
        v = old ^ b;
        break; // AMOXOR
      case 0x0c:
        v = old & b;
        break; // AMOAND
      case 0x08:
        v = old | b;
        break; // AMOOR
      case 0x10:
        v = old < b ? old : b;
        break; // AMOMIN
      case 0x14:
        v = old > b ? old : b;
        break; // AMOMAX
      case 0x18: { // AMOMINU
        const ua = BigInt.asUintN(size * 8, old), ub = BigInt.asUintN(size * 8, b);
        v = ua < ub ? old : b;
        break;
      }
      case 0x1c: {
        const ua = BigInt.asUintN(size * 8, old), ub = BigInt.asUintN(size * 8, b);
        v = ua > ub ? old : b;
        break;
      }
      default:
        raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
    }
    if (wide) this.mem.i64[off >> 3] = v;
    else this.mem.i32[off >> 2] = Number(BigInt.asIntN(32, v));
    return old;
  }

  /** FLW/FLD/FSW/FSD: loads NaN-box singles; FS must not be Off. */
  private fpMemory(insn: number, rd: number, rs1: number, rs2: number, f3: number): void {
    if ((this.mstatus & MSTATUS_FS) === 0 || (f3 !== 2 && f3 !== 3)) {
      raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
    }
    const s = this.state;
    const x32 = s.x32;
    const f32bits = s.f32bits;
    const store = (insn & 0x7f) === 0x27;
    const imm = store ? ((insn >> 25) << 5) | ((insn >>> 7) & 31) : insn >> 20;
    // The address in int32 halves and the TLB check, as the run loop's LOAD and STORE do.
    const lo = x32[rs1 * 2], alo = (lo + imm) | 0;
    const ahi = x32[rs1 * 2 + 1] +
      (imm < 0 ? ((alo >>> 0) > (lo >>> 0) ? -1 : 0) : (alo >>> 0) < (lo >>> 0) ? 1 : 0);
    const va = ahi * TWO32 + (alo >>> 0);
    const kind = store ? ACCESS_STORE : ACCESS_LOAD, tlb = this.dataTlb;
    const page = alo >>> 12, ti = page & TLB_MASK;
    // Aligned accesses to a cached page copy the two words directly (no BigInt).
    const off = tlb.page[kind][ti] === page && tlb.hi[kind][ti] === ahi &&
        (alo & (f3 === 2 ? 3 : 7)) === 0
      ? tlb.base[kind][ti] + (alo & 4095)
      : -1;
    const i32 = this.mem.i32;
    if (store) {
      if (off >= 0) {
        i32[off >> 2] = f32bits[rs2 * 2];
        if (f3 === 3) i32[(off >> 2) + 1] = f32bits[rs2 * 2 + 1];
      } else if (f3 === 2) this.storeSlow(va, 4, f32bits[rs2 * 2] >>> 0);
      else this.store64Slow(va, s.f[rs2]);
    } else {
      if (off >= 0) {
        f32bits[rd * 2] = i32[off >> 2];
        f32bits[rd * 2 + 1] = f3 === 3 ? i32[(off >> 2) + 1] : -1;
      } else if (f3 === 2) {
        f32bits[rd * 2] = this.loadSlow(va, 4) | 0;
        f32bits[rd * 2 + 1] = -1;
      } else {
        s.f[rd] = this.load64Slow(va);
      }
      this.mstatus |= MSTATUS_FS;
    }
  }
}

/**
 * funct5 values of the A extension, one bit each: AMOADD 0, SWAP 1, LR 2, SC 3, XOR 4, OR 8, AND 12,
 * MIN.. 16-28 (core/jit/system.ts decodes with it too).
 */
export const AMO_FUNCT5 = [0, 1, 2, 3, 4, 8, 12, 16, 20, 24, 28].reduce((m, f) => m | (1 << f), 0);

/** ECALL's one encoding (the run loop enters its trap directly; core/jit/system.ts matches it too). */
export const ECALL = 0x00000073;

/** What a SYSTEM instruction asks of the loop: nothing, end the slice, look for interrupts, or jump. */
export const SYSTEM_PLAIN = 0;
export const SYSTEM_STOP = 1;
export const SYSTEM_CHECK = 2;
export const SYSTEM_JUMP = 3;

/** SRL/SRA on the int32 halves of rs1 into rd (docs/architecture.md: BigInt shifts by a variable are slow). */
function shiftRight(x32: Int32Array, rd: number, rs1: number, sh: number, arith: boolean): void {
  const lo = x32[rs1 * 2], hi = x32[rs1 * 2 + 1];
  let l: number, h: number;
  if (sh === 0) {
    l = lo;
    h = hi;
  } else if (sh < 32) {
    l = (lo >>> sh) | (hi << (32 - sh));
    h = arith ? hi >> sh : hi >>> sh;
  } else {
    l = arith ? hi >> (sh - 32) : hi >>> (sh - 32);
    h = arith ? hi >> 31 : 0;
  }
  x32[rd * 2] = l;
  x32[rd * 2 + 1] = h;
}

const INT64_MIN = -(1n << 63n);

/** The M extension on 64-bit operands; the caller's BigInt64Array store wraps the result. */
function mulDiv(f3: number, a: bigint, b: bigint): bigint {
  switch (f3) {
    case 0:
      return a * b;
    case 1:
      return (a * b) >> 64n;
    case 2:
      return (a * BigInt.asUintN(64, b)) >> 64n;
    case 3:
      return (BigInt.asUintN(64, a) * BigInt.asUintN(64, b)) >> 64n;
    case 4:
      if (b === 0n) return -1n;
      if (a === INT64_MIN && b === -1n) return a;
      return a / b;
    case 5:
      if (b === 0n) return -1n;
      return BigInt.asUintN(64, a) / BigInt.asUintN(64, b);
    case 6:
      if (b === 0n) return a;
      if (a === INT64_MIN && b === -1n) return 0n;
      return a % b;
    default:
      if (b === 0n) return a;
      return BigInt.asUintN(64, a) % BigInt.asUintN(64, b);
  }
}

/** MULW/DIVW/DIVUW/REMW/REMUW on int32 operands; returns the int32 result. */
function mulDivWord(f3: number, a: number, b: number, insn: number): number {
  switch (f3) {
    case 0:
      return Math.imul(a, b);
    case 4:
      if (b === 0) return -1;
      if (a === -2147483648 && b === -1) return a;
      return (a / b) | 0;
    case 5:
      if (b === 0) return -1;
      return ((a >>> 0) / (b >>> 0)) | 0;
    case 6:
      if (b === 0) return a;
      if (a === -2147483648 && b === -1) return 0;
      return (a % b) | 0;
    case 7:
      if (b === 0) return a;
      return ((a >>> 0) % (b >>> 0)) | 0;
    default:
      return raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
  }
}
