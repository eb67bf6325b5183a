/**
 * The lockstep checker: runs each translated block, then puts the state back
 * and runs the interpreter over the same instructions, and stops the machine
 * at the first block where they differ (integer and FP registers, fflags, frm,
 * pc, privilege, trap CSRs, counters, or the bytes the block stored). Memory is compared at the
 * addresses translated code stored to, so a store the interpreter makes
 * elsewhere shows only as a difference there. Blocks that touch MMIO run
 * once, unchecked (a device access cannot be undone).
 */
import type { TriggerState } from "../triggers.ts";
import type { Hart } from "../hart.ts";
import { ACCESS_LOAD, ACCESS_STORE, TRAP } from "../trap.ts";
import type { Entry, Jit } from "./jit.ts";

/** The hart state a block can change, outside memory. */
interface Snapshot {
  x: BigInt64Array;
  /** FP registers (raw bits), fflags and frm. */
  f: BigInt64Array;
  fflags: number;
  frm: number;
  pc: number;
  priv: number;
  mstatus: number;
  instret: number;
  cycle: number;
  csrs: bigint[];
  numbers: number[];
  triggers: TriggerState;
}

/**
 * Budget of one checked run: it stops at the first backward jump past it (or
 * any exit), so a run covers loop back edges and is at most this plus one
 * forward path through the region.
 */
const RUN_BUDGET = 64;

const TRAP_CSRS = [
  "mcause",
  "mepc",
  "mtval",
  "scause",
  "sepc",
  "stval",
  // CSRs translated code writes too (core/jit/system.ts), put back between the two runs.
  "sscratch",
  "mscratch",
  "stvec",
  "mtvec",
  "satp",
  "senvcfg",
  "menvcfg",
] as const;
/** Number-valued state the same instructions change: the LR reservation, satp's decoding, mie... */
const NUMBERS = [
  "reservation",
  "satpMode",
  "satpRoot",
  "mie",
  "mipSoftware",
  "mideleg",
  "medeleg",
  "scounteren",
  "mcounteren",
] as const;

export class Lockstep {
  /** Blocks compared, and blocks run unchecked because they touched MMIO. */
  checked = 0;
  skipped = 0;
  private touchedMmio = false;
  private log: number[] = [];
  private oldBytes: number[] = [];

  constructor(readonly jit: Jit) {
    jit.runRegion = (e, budget) => this.step(e, budget);
    jit.onSlowAccess = (va, store) => this.noteSlowAccess(va, store);
  }

  private noteSlowAccess(va: number, store: boolean): void {
    const h = this.jit.hart;
    try {
      const pa = h.translate(va, store ? ACCESS_STORE : ACCESS_LOAD);
      if (h.mem.offsetOf(pa) < 0) this.touchedMmio = true;
    } catch (e) {
      if (e !== TRAP) throw e; // the access itself will raise it again
    }
  }

  /**
   * One block translated, then the same from the same state interpreted; compares.
   * Both runs read one time (`rdtime`): a real-time clock moves between them.
   */
  private step(e: Entry, budget: number): number {
    const h = this.jit.hart, clock = h.clock, now = clock.ticks();
    h.clock = { ticks: () => now };
    try {
      return this.compared(e, budget);
    } finally {
      h.clock = clock;
    }
  }

  private compared(e: Entry, budget: number): number {
    const jit = this.jit, h = jit.hart, u8 = jit.mem.u8;
    const before = snapshot(h);
    this.touchedMmio = false;
    this.log = [];
    this.oldBytes = [];
    jit.storeLog = (off, size) => {
      for (let k = 0; k < size; k++) {
        this.log.push(off + k);
        this.oldBytes.push(u8[off + k]);
      }
    };
    h.onPteWrite = (off) => jit.storeLog!(off, 4);
    const k = jit.enter(e, Math.min(budget, RUN_BUDGET));
    const endSlice = h.endSlice; // the interpreter's run below starts with it clear
    jit.storeLog = null;
    h.onPteWrite = null;
    if (this.touchedMmio) {
      this.skipped++;
      return k;
    }
    const translated = snapshot(h);
    const written = this.log.map((off) => u8[off]);
    for (let i = this.log.length - 1; i >= 0; i--) u8[this.log[i]] = this.oldBytes[i];
    restore(h, before);
    const hot = h.jitHot;
    h.jitHot = null;
    const k2 = h.run(k);
    h.jitHot = hot;
    h.endSlice ||= endSlice;
    const interpreted = snapshot(h);
    const diff = compare(translated, interpreted, k, k2) ??
      this.log.map((off, i) =>
        u8[off] !== written[i]
          ? `byte at buffer offset 0x${off.toString(16)}: translated ${written[i]}, ` +
            `interpreted ${u8[off]}`
          : null
      ).find((d) => d !== null);
    if (diff) {
      throw new Error(
        `lockstep: the translated run from pc 0x${
          BigInt.asUintN(64, BigInt(before.pc)).toString(16)
        } ` +
          `differs (${this.checked} runs checked before): ${diff}`,
      );
    }
    this.checked++;
    return k2;
  }
}

function snapshot(h: Hart): Snapshot {
  return {
    x: h.state.x.slice(),
    f: h.state.f.slice(),
    fflags: h.state.fflags,
    frm: h.state.frm,
    pc: h.pc,
    priv: h.priv,
    mstatus: h.mstatus,
    instret: h.instret,
    cycle: h.cycle,
    csrs: TRAP_CSRS.map((c) => h[c]),
    numbers: NUMBERS.map((c) => h[c]),
    triggers: h.triggers.save(),
  };
}

function restore(h: Hart, s: Snapshot): void {
  h.state.x.set(s.x);
  h.state.f.set(s.f);
  h.state.fflags = s.fflags;
  h.state.frm = s.frm;
  h.pc = s.pc;
  h.priv = s.priv;
  h.mstatus = s.mstatus;
  h.instret = s.instret;
  h.cycle = s.cycle;
  TRAP_CSRS.forEach((c, i) => h[c] = s.csrs[i]);
  NUMBERS.forEach((c, i) => h[c] = s.numbers[i]);
  h.triggers.load(s.triggers);
  h.updateModes();
  // Entries the translated run filled may say "dirty" for a PTE whose D bit was just undone.
  h.flushTlb();
}

/** The first difference between two outcomes, or undefined. */
function compare(a: Snapshot, b: Snapshot, ka: number, kb: number): string | undefined {
  const hex = (v: bigint | number) => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;
  if (ka !== kb) return `instructions executed: translated ${ka}, interpreted ${kb}`;
  for (let r = 1; r < 32; r++) {
    if (a.x[r] !== b.x[r]) return `x${r}: translated ${hex(a.x[r])}, interpreted ${hex(b.x[r])}`;
  }
  for (let r = 0; r < 32; r++) {
    if (a.f[r] !== b.f[r]) return `f${r}: translated ${hex(a.f[r])}, interpreted ${hex(b.f[r])}`;
  }
  if (a.fflags !== b.fflags) return `fflags: translated ${a.fflags}, interpreted ${b.fflags}`;
  if (a.frm !== b.frm) return `frm: translated ${a.frm}, interpreted ${b.frm}`;
  if (a.pc !== b.pc) return `next pc: translated ${hex(a.pc)}, interpreted ${hex(b.pc)}`;
  if (a.priv !== b.priv) return `privilege: translated ${a.priv}, interpreted ${b.priv}`;
  if (a.mstatus !== b.mstatus) {
    return `mstatus: translated ${hex(a.mstatus)}, interpreted ${hex(b.mstatus)}`;
  }
  if (a.instret !== b.instret) return `minstret: translated ${a.instret}, interpreted ${b.instret}`;
  if (a.cycle !== b.cycle) return `mcycle: translated ${a.cycle}, interpreted ${b.cycle}`;
  for (let i = 0; i < TRAP_CSRS.length; i++) {
    if (a.csrs[i] !== b.csrs[i]) {
      return `${TRAP_CSRS[i]}: translated ${hex(a.csrs[i])}, interpreted ${hex(b.csrs[i])}`;
    }
  }
  for (let i = 0; i < NUMBERS.length; i++) {
    // NaN (no reservation) equals NaN here.
    if (!Object.is(a.numbers[i], b.numbers[i])) {
      return `${NUMBERS[i]}: translated ${a.numbers[i]}, interpreted ${b.numbers[i]}`;
    }
  }
  return undefined;
}
