/**
 * Warms V8 up on the interpreter before a guest runs.
 *
 * `Hart.run` is one large function. V8 compiles it with TurboFan from the
 * type feedback it has seen; every path that had not run yet becomes a deopt
 * point, and a Linux boot reaches new paths for seconds, each time throwing
 * the optimized code away and recompiling it (~100-200 ms a time). Running a
 * small program that takes every path first — each opcode and funct3, fast
 * and slow memory paths, compressed code, traps, CSRs, atomics, FP, M, S and
 * U modes with paging — gives V8 complete feedback, so the guest runs on
 * optimized code from its first instructions. It costs a fraction of a second
 * once per process.
 */
import * as E from "./encode.ts";
import { Hart } from "./hart.ts";
import { PhysicalMemory, RAM_BASE } from "./memory.ts";

const A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, A5 = 15;
const T0 = 5, T1 = 6, T2 = 7, S1 = 9, RA = 1;

/** The loop body: every instruction shape the interpreter has, on data at s1. */
function body(): number[] {
  const p: number[] = [];
  for (let f3 = 0; f3 < 7; f3++) {
    p.push(E.load(f3)(A0, S1, 8), E.load(f3)(A1, S1, 3)); // aligned and misaligned
  }
  for (let f3 = 0; f3 < 4; f3++) {
    p.push(E.store(f3)(A0, S1, 16), E.store(f3)(A1, S1, 21));
  }
  p.push(E.store(3)(A0, S1, 4094), E.load(3)(A2, S1, 4094)); // across a page
  for (let f3 = 0; f3 < 8; f3++) p.push(E.opImm(f3)(A2, A0, f3 === 1 || f3 === 5 ? 3 : -5));
  p.push(E.srai(A2, A0, 35), E.srli(A2, A0, 40), E.slli(A2, A0, 33));
  for (let f3 = 0; f3 < 8; f3++) {
    p.push(E.op(0, f3)(A3, A0, A1), E.op(1, f3)(A3, A0, A1), E.op(1, f3)(A3, A0, 0));
  }
  p.push(E.op(0x20, 0)(A3, A0, A1), E.op(0x20, 5)(A3, A0, A1));
  p.push(E.opImm32(0)(A4, A0, 0x7ff & -3), E.opImm32(1)(A4, A0, 5));
  p.push(E.opImm32(5)(A4, A0, 7), E.opImm32(5, 0x20)(A4, A0, 7));
  for (const f3 of [0, 1, 5]) p.push(E.op32(0, f3)(A5, A0, A1));
  p.push(E.op32(0x20, 0)(A5, A0, A1), E.op32(0x20, 5)(A5, A0, A1));
  for (const f3 of [0, 4, 5, 6, 7]) p.push(E.op32(1, f3)(A5, A0, A1), E.op32(1, f3)(A5, A0, 0));
  for (const f3 of [0, 1, 4, 5, 6, 7]) {
    p.push(E.branch(f3)(A0, A1, 8), E.addi(0, 0, 0), E.branch(f3)(A0, A0, 8), E.addi(0, 0, 0));
  }
  p.push(E.lui(A2, 0x12345), E.auipc(A2, 1), E.jal(T0, 8), E.addi(0, 0, 0));
  p.push(E.auipc(T0, 0), E.jalr(T1, T0, 12), E.addi(0, 0, 0));
  // Compressed: c.addi a0,1 / c.mv a1,a0 / c.add a0,a1 / c.nop.
  p.push(0x0505 | (0x85aa << 16), 0x952e | (0x0001 << 16));
  p.push(E.fence(), E.fenceI());
  p.push(E.csrrs(A2, 0x340, 0), E.csrrw(0, 0x340, A0), E.csrrc(A2, 0x340, A1));
  p.push(E.csrrwi(0, 0x340, 5), E.csrrsi(A2, 0x340, 3), E.csrrci(A2, 0x340, 1));
  p.push(E.csrrs(A2, 0xc01, 0), E.csrrs(A2, 0xc02, 0)); // time, instret
  p.push(E.ecall(), 0xffffffff | 0); // a trap and an illegal instruction (the handler skips)
  for (const [f5, wide] of [[2, false], [3, false], [2, true], [3, true]] as const) {
    p.push(E.amo(f5, wide)(A2, S1, 0));
  }
  for (const f5 of [0, 1, 4, 8, 12, 16, 20, 24, 28]) {
    p.push(E.amo(f5, false)(A2, S1, A0), E.amo(f5, true)(A2, S1, A0));
  }
  p.push(E.fld(1, S1, 8), E.flw(2, S1, 16), E.fsd(1, S1, 24), E.fsw(2, S1, 32));
  p.push(E.fop(0x79, 0, 0)(3, A0), E.fop(0x69, 2)(4, A1)); // fmv.d.x, fcvt.d.l
  p.push(E.fop(0x01, 4)(5, 3, 4), E.fop(0x09, 4)(5, 5, 4), E.fop(0x0d, 4)(6, 5, 3));
  p.push(E.fmaddD(7, 5, 6, 4), E.fop(0x2d, 0)(7, 7), E.fop(0x51, 4, 2)(A2, 7, 4));
  p.push(E.fop(0x61, 2, 1)(A2, 7), E.fop(0x71, 0, 0)(A2, 7), E.fop(0x00, 2)(8, 2, 2));
  p.push(E.jalr(0, RA, 0));
  return p;
}

const S2 = 18, S3 = 19, S4 = 20, S5 = 21, S6 = 22, A7 = 17;
const PTE_S = 0xcf; // V R W X A D: a supervisor page
const PTE_U = 0xdf; // the same, user-accessible

/**
 * Rounds of the body per mode. A few give V8 the types of every path; more only
 * cost start-up time: a cold boot to the prompt was ~0.1 s slower with 50 rounds
 * than with 1-10 (docs/speed.md, "Process start to the prompt").
 */
const ROUNDS = 5;

/** Code with labels: an item is an instruction or a function of (own index, label index). */
type Item = number | ((at: number, label: (name: string) => number) => number);

/**
 * M-mode boot, then the body ROUNDS times in M, S and U mode. An identity
 * gigapage maps RAM; its U bit is set for the U round. A lower-mode round ends
 * with an ecall with a7 = 99, which the handler turns into a return to M-mode.
 */
function program(): number[] {
  const items: Item[] = [];
  const labels = new Map<string, number>();
  const label = (name: string) => labels.set(name, items.length);
  const to = (name: string, f: (offset: number) => number): Item => (at, l) =>
    f((l(name) - at) * 4);
  /** Loads the address of a label into a register. */
  const la = (rd: number, name: string): Item[] => [
    E.auipc(rd, 0),
    to(name, (o) => E.addi(rd, rd, o + 4)),
  ];
  /** Leaves M-mode for `mode` at label `entry`; the round returns to `resume`. */
  const lower = (mode: number, pte: number, entry: string, resume: string): Item[] => [
    E.ld(S3, S2, 0),
    E.opImm(7)(S3, S3, ~0xff),
    E.opImm(6)(S3, S3, pte),
    E.sd(S3, S2, 0),
    E.sfenceVma(),
    E.addi(T1, 0, 3),
    E.slli(T1, T1, 11),
    E.csrrc(0, 0x300, T1),
    E.addi(T1, 0, mode),
    E.slli(T1, T1, 11),
    E.csrrs(0, 0x300, T1),
    ...la(T0, entry),
    E.csrrw(0, 0x341, T0),
    ...la(S6, resume),
    E.mret(),
  ];
  items.push(...la(T0, "trap"), E.csrrw(0, 0x305, T0)); // mtvec
  items.push(E.lui(T0, 6), E.csrrs(0, 0x300, T0)); // mstatus.FS = dirty
  items.push(E.auipc(S1, 0x10), E.addi(S1, S1, 0x7f0)); // data, ~64 KiB into RAM
  items.push(E.auipc(S2, 0x20), E.srli(S2, S2, 12)); // root table page (RAM + 128 KiB)
  items.push(E.addi(T2, 0, 8), E.slli(T2, T2, 60), E.op(0, 6)(T2, T2, S2));
  items.push(E.csrrw(0, 0x180, T2), E.slli(S2, S2, 12), E.addi(S2, S2, 16)); // s2 = &root[2]
  items.push(to("round", (o) => E.jal(RA, o))); // the M-mode round
  items.push(...lower(1, PTE_S, "lowerRound", "afterS"));
  label("afterS");
  items.push(...lower(0, PTE_U, "lowerRound", "end"));
  label("end");
  items.push(E.jal(0, 0));
  label("lowerRound");
  items.push(to("round", (o) => E.jal(RA, o)), E.addi(A7, 0, 99), E.ecall());
  label("round");
  items.push(E.addi(S5, RA, 0), E.addi(S4, 0, ROUNDS));
  label("again");
  items.push(to("body", (o) => E.jal(RA, o)));
  items.push(E.addi(S4, S4, -1), to("again", (o) => E.branch(1)(S4, 0, o)));
  items.push(E.jalr(0, S5, 0));
  // The trap handler: a round's final ecall resumes M-mode code at s6; anything
  // else (an ecall or illegal instruction in the body) is skipped.
  label("trap");
  items.push(E.addi(T0, 0, 99), to("skip", (o) => E.branch(1)(A7, T0, o)));
  items.push(E.addi(A7, 0, 0), E.csrrw(0, 0x341, S6), E.addi(T1, 0, 3), E.slli(T1, T1, 11));
  items.push(E.csrrs(0, 0x300, T1), E.mret());
  label("skip");
  items.push(E.csrrs(T0, 0x341, 0), E.addi(T0, T0, 4), E.csrrw(0, 0x341, T0), E.mret());
  label("body");
  items.push(...body());
  const get = (name: string) => labels.get(name)!;
  endWord = get("end");
  return items.map((it, at) => typeof it === "number" ? it : it(at, get));
}

/** Word index of the final self-loop. */
let endWord = 0;

let warmedUp = false;

/** Runs the warm-up program; reports how far it got (for the tests). */
export function runWarmUpProgram(
  withJitProbes = false,
  wasmTier = true,
): { executed: number; finished: boolean; modes: Set<number> } {
  const mem = new PhysicalMemory(1 << 20);
  const hart = new Hart(mem, { ticks: () => 0 });
  if (!wasmTier) hart.setWasmInterp(false);
  // The translator's jump-target counters, hot after a few jumps, so run() stops at them.
  // In the shared memory, where the wasm tier (core/wasm_interp.ts) counts too.
  if (withJitProbes) {
    hart.jitHot = new Int32Array(mem.memory.buffer, mem.jumpCountersOffset, 1024).fill(-3);
  }
  program().forEach((w, i) => mem.view.setUint32(i * 4, w, true));
  // The root page table (RAM + 128 KiB): entry 2 maps 0x80000000 as a gigapage.
  const pte = (BigInt(RAM_BASE / 4096) << 10n) | BigInt(PTE_S);
  mem.view.setBigUint64(0x20000 + 2 * 8, pte, true);
  hart.pc = RAM_BASE;
  const modes = new Set<number>();
  let executed = 0;
  while (executed < 1_000_000) {
    executed += Math.max(hart.run(500), 1); // short slices: the modes are seen between them
    modes.add(hart.priv);
    if (hart.pc === RAM_BASE + endWord * 4) return { executed, finished: true, modes };
  }
  return { executed, finished: false, modes };
}

/** Runs the warm-up once per process; later calls return at once. */
export function warmUpInterpreter(): void {
  if (warmedUp) return;
  warmedUp = true;
  // Every way run() is used (interpreter only, and under the translator), and
  // without the wasm tier, whose instructions still come here now and then
  // (after a TLB miss, at a page's end).
  runWarmUpProgram(false);
  runWarmUpProgram(true);
  runWarmUpProgram(false, false);
}
