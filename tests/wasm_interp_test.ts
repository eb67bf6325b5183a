/**
 * The interpreter's WebAssembly tier (core/wasm_interp.ts) against the
 * reference, core/hart.ts's loop alone: two machines from the same image, one
 * with the tier and one without, run in lockstep, slice by slice, with slice
 * lengths that vary (budget ends land anywhere); after every slice each
 * register, the pc, the privilege, the trap CSRs and minstret/mcycle must be
 * equal, and at the end all of RAM. Also the tier's own edge cases: division
 * overflow, the high products, shifts, x0, page ends, and that it really runs
 * the instructions (not the reference behind it).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Machine } from "../board/machine.ts";
import type { Hart } from "../core/hart.ts";
import { RAM_BASE } from "../core/memory.ts";
import * as E from "../core/encode.ts";
import { WASM_INTERP_PC_OFFSET, WASM_INTERP_RETIRED_OFFSET } from "../core/wasm_interp.ts";
import { cacheDir } from "../backends/image/image_cache.ts";
import { bareHart, runFor, u64 } from "./support/bare_hart.ts";
import { defaultMachine } from "./support/boot.ts";

/** Runs one slice of at most `k` instructions the way Machine.run does (deterministic time). */
function slice(m: Machine, k: number): number {
  m.clint.update();
  m.platform.update();
  if (m.hart.waiting) {
    if (!m.hart.interruptsPending()) {
      const deadline = m.clint.nextDeadline();
      if (deadline === Infinity) return 0;
      m.clock.skipTo(deadline);
      m.clint.update();
    }
  }
  const n = m.hart.run(Math.min(k, m.maxInstructions - m.executed));
  m.executed += n;
  m.clock.advance(n);
  return n;
}

/** Everything architectural the run loop touches, as text (a difference names its item). */
function hartState(h: Hart): Record<string, string> {
  const s: Record<string, string> = {};
  for (let i = 1; i < 32; i++) s[`x${i}`] = BigInt.asUintN(64, h.state.x[i]).toString(16);
  for (let i = 0; i < 32; i++) s[`f${i}`] = BigInt.asUintN(64, h.state.f[i]).toString(16);
  s.x0 = h.state.x[0].toString(16);
  s.pc = h.pc.toString(16);
  for (
    const k of [
      "priv",
      "mstatus",
      "instret",
      "cycle",
      "mepc",
      "mcause",
      "mtval",
      "sepc",
      "scause",
      "stval",
      "sscratch",
      "waiting",
      "reservation",
    ] as const
  ) {
    s[k] = String(h[k]);
  }
  s.fflags = String(h.state.fflags);
  return s;
}

/** A deterministic pseudo-random source (xorshift32): each call gives a number in 0..n-1. */
function randomBelow(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** Deterministic pseudo-random slice lengths, 1..max. */
function lengths(seed: number, max: number): () => number {
  const rnd = randomBelow(seed);
  return () => 1 + rnd(max);
}

/**
 * Runs `make()` twice, with and without the tier, slice by slice until both
 * stop or `total` instructions ran; returns the instructions and how many of
 * them the tier executed.
 */
async function lockstep(
  make: (wasmInterp: boolean) => Machine | Promise<Machine>,
  total: number,
  maxSlice: number,
): Promise<{ executed: number; inTier: number }> {
  const fast = await make(true), ref = await make(false);
  assert.ok(fast.hart.wasmInterp !== null && ref.hart.wasmInterp === null);
  let inTier = 0;
  const tier = fast.hart.wasmInterp!;
  fast.hart.wasmInterp = (...args) => {
    const r = tier(...args);
    inTier += fast.mem.i32[WASM_INTERP_RETIRED_OFFSET >> 2];
    return r;
  };
  fast.maxInstructions = ref.maxInstructions = total;
  const next = lengths(total + maxSlice, maxSlice);
  let slices = 0;
  while (fast.executed < total) {
    const k = next();
    const a = slice(fast, k), b = slice(ref, k);
    slices++;
    assert.equal(a, b, `slice ${slices}: ${a} instructions with the tier, ${b} without`);
    const sa = hartState(fast.hart), sb = hartState(ref.hart);
    for (const key of Object.keys(sb)) {
      if (sa[key] !== sb[key]) {
        assert.fail(
          `slice ${slices} (after ${fast.executed} instructions): ${key}: with the tier ` +
            `${sa[key]}, without ${sb[key]}`,
        );
      }
    }
    if (a === 0 && fast.hart.waiting) break;
    if (fast.hart.haltRequested) break;
  }
  assert.ok(
    fast.mem.bytes.every((v, i) => v === ref.mem.bytes[i]),
    "RAM differs at the end",
  );
  return { executed: fast.executed, inTier };
}

const quiet = { write: () => {} };

for (
  const name of ["rv64i", "rv64m", "rv64c", "rv64a", "priv", "vm", "pmp", "rv64fd", "trigger"]
) {
  Deno.test(`wasm tier: ISA program ${name} in lockstep with the reference`, async () => {
    const elf = await Deno.readFile(join(cacheDir(), "isa", `${name}.elf`));
    // Several slicings: where a slice ends decides which instructions find their page in the
    // TLB (the tier runs those) and which the run loop takes.
    for (const maxSlice of [3, 7, 40, 400]) {
      const { executed } = await lockstep(
        (wasmInterp) => {
          const m = new Machine({
            memoryMiB: 16,
            console: quiet,
            deterministic: true,
            jit: false,
            wasmInterp,
          });
          m.bootElf(elf);
          return m;
        },
        5_000_000,
        maxSlice,
      );
      assert.ok(executed > 100, `${executed} instructions`);
    }
  });
}

for (const name of ["intmix_sv39", "coremark_sv39", "fpmix_sv39", "intmix"]) {
  Deno.test(`wasm tier: compiled C ${name} in lockstep, and the tier runs it`, async () => {
    const elf = await Deno.readFile(join(cacheDir(), "programs", `${name}.elf`));
    const { executed, inTier } = await lockstep(
      (wasmInterp) => {
        const m = new Machine({
          memoryMiB: 64,
          console: quiet,
          deterministic: true,
          jit: false,
          wasmInterp,
        });
        m.bootElf(elf);
        return m;
      },
      3_000_000,
      5000,
    );
    assert.equal(executed, 3_000_000);
    if (!name.startsWith("fp")) {
      assert.ok(inTier > 0.95 * executed, `${inTier} of ${executed} in the tier`);
    }
  });
}

Deno.test("wasm tier: the first 20 M instructions of a Linux boot in lockstep", async () => {
  const { executed, inTier } = await lockstep(
    async (wasmInterp) => {
      const { machine } = await defaultMachine({ deterministic: true, jit: false, wasmInterp });
      return machine;
    },
    20_000_000,
    3000,
  );
  assert.equal(executed, 20_000_000);
  assert.ok(inTier > 0.5 * executed, `${inTier} of ${executed} in the tier`);
});

/** Runs a bare program with and without the tier; returns both harts. */
function both(program: number[], steps = 1000): [Hart, Hart] {
  const a = bareHart(program), b = bareHart(program);
  b.setWasmInterp(false);
  for (const h of [a, b]) {
    let done = 0;
    while (done < steps && !h.waiting) done += Math.max(1, h.run(steps - done));
  }
  return [a, b];
}

/**
 * Two harts for `program`, the first with the tier and the second without;
 * `inTier()` is how many instructions the tier has run on the first so far.
 */
function tierPair(program: number[]): { harts: [Hart, Hart]; inTier: () => number } {
  const harts: [Hart, Hart] = [bareHart(program), bareHart(program)];
  harts[1].setWasmInterp(false);
  let count = 0;
  const tier = harts[0].wasmInterp!;
  harts[0].wasmInterp = (...args) => {
    const r = tier(...args);
    count += harts[0].mem.i32[WASM_INTERP_RETIRED_OFFSET >> 2];
    return r;
  };
  return { harts, inTier: () => count };
}

/** An M-mode trap handler at word `at`: mepc += 4 (from a compressed one, mid-way), MRET. */
function skipHandler(program: number[], at: number): void {
  program[at] = E.csrrs(31, 0x341, 0); // mepc
  program[at + 1] = E.addi(31, 31, 4);
  program[at + 2] = E.csrrw(0, 0x341, 31);
  program[at + 3] = E.mret();
}

/** Random 64-bit register values from `rnd`. */
function randomRegisters(rnd: (n: number) => number): bigint[] {
  return Array.from(
    { length: 32 },
    () => BigInt.asIntN(64, BigInt(rnd(2 ** 32)) << 32n | BigInt(rnd(2 ** 32))),
  );
}

Deno.test("wasm tier: M edge cases, shifts and x0 give the reference's results", () => {
  const li = (
    rd: number,
    v: number,
  ) => [E.lui(rd, (v >>> 12) + ((v >>> 11) & 1)), E.addi(rd, rd, (v << 20) >> 20)];
  const program = [
    ...li(5, -2147483648), // t0 = INT32_MIN
    E.addi(6, 0, -1), // t1 = -1
    E.slli(7, 6, 63), // t2 = INT64_MIN
    E.op(1, 4)(10, 7, 6), // div   INT64_MIN / -1
    E.op(1, 6)(11, 7, 6), // rem   INT64_MIN % -1
    E.op(1, 4)(12, 7, 0), // div by 0
    E.op(1, 5)(13, 7, 0), // divu by 0
    E.op(1, 6)(14, 7, 0), // rem by 0
    E.op(1, 7)(15, 7, 0), // remu by 0
    E.op32(1, 4)(16, 5, 6), // divw  INT32_MIN / -1
    E.op32(1, 6)(17, 5, 6), // remw
    E.op32(1, 4)(18, 5, 0), // divw by 0
    E.op32(1, 5)(19, 5, 0), // divuw by 0
    E.op32(1, 7)(20, 5, 0), // remuw by 0
    E.op(1, 1)(21, 7, 6), // mulh
    E.op(1, 2)(22, 6, 7), // mulhsu
    E.op(1, 3)(23, 6, 6), // mulhu
    E.op(1, 1)(24, 6, 6), // mulh -1 * -1
    E.op(1, 3)(25, 7, 5), // mulhu
    E.op(0, 1)(26, 6, 6), // sll by 63 (rs2 & 63)
    E.op32(0, 5)(27, 5, 6), // srlw by 31
    E.op(0x20, 5)(28, 7, 6), // sra by 63
    E.addi(0, 6, 5), // writes to x0 are dropped
    E.jal(0, 8),
    E.addi(29, 0, 1), // skipped
    E.auipc(30, 0x80000),
    E.wfi(),
  ];
  const [a, b] = both(program);
  for (let r = 0; r < 32; r++) assert.equal(u64(a, r), u64(b, r), `x${r}`);
  assert.equal(u64(a, 10), 1n << 63n);
  assert.equal(u64(a, 11), 0n);
  assert.equal(u64(a, 12), (1n << 64n) - 1n);
  assert.equal(u64(a, 16), BigInt.asUintN(64, -(1n << 31n)));
  assert.equal(u64(a, 23), (1n << 64n) - 2n);
  assert.equal(u64(a, 29), 0n);
  assert.equal(a.instret, b.instret);
});

Deno.test("wasm tier: an instruction across a page end and code written at run time", () => {
  // A 4-byte instruction at 4094 (after a compressed nop at 4092); then a store that rewrites
  // an instruction ahead, which must run as written.
  const program = new Array(2048).fill(0x00000013);
  program[0] = E.jal(0, 4092);
  const addi = E.addi(10, 10, 7);
  program[1023] = (0x0001 | ((addi & 0xffff) << 16)) | 0; // 4092: c.nop, the addi's low half
  program[1024] = (addi >>> 16) | (0x0001 << 16); // 4096..: high half, then c.nop
  program[1025] = E.auipc(11, 0); // 4100
  program[1026] = E.lw(12, 11, 16); // the word "addi a3, a3, 1" below
  program[1027] = E.sw(12, 11, 12); // over 4112
  program[1028] = E.addi(13, 13, 100); // 4112: replaced before it runs
  program[1029] = E.addi(13, 13, 1); // 4116
  program[1030] = E.wfi();
  const [a, b] = both(program, 200);
  for (let r = 0; r < 32; r++) assert.equal(u64(a, r), u64(b, r), `x${r}`);
  assert.equal(u64(a, 10), 7n);
  assert.equal(u64(a, 13), 2n);
  assert.equal(a.pc, b.pc);
  assert.equal(a.instret, b.instret);
  assert.equal(a.pc, RAM_BASE + 4124);
});

Deno.test("wasm tier: a return to the top of the address space faults as in the reference", () => {
  // pc 0x7fff_ffff_ffff_fffe is 2^63 as a double: the tier, called there after the MRET, must take
  // it without trapping itself.
  const nop = E.addi(0, 0, 0);
  // Runs of 4 nops keep the tier from backing off (core/hart.ts FAST_MIN_RUN) before the MRET.
  const nops = (k: number) => new Array(k).fill(nop);
  const program = [
    ...nops(40),
    E.addi(5, 0, -1),
    E.srli(5, 5, 1), // t0 = 2^63 - 1
    E.lui(6, 2),
    E.addi(6, 6, -2048), // t1 = 0x1800: MPP = M
    E.csrrw(0, 0x341, 5), // mepc
    ...nops(4),
    E.csrrs(0, 0x300, 6), // mstatus
    ...nops(4),
    E.mret(),
  ];
  const [a, b] = both(program, 100);
  assert.equal(a.pc, b.pc);
  assert.equal(a.mcause, b.mcause);
  assert.equal(a.mcause, 1n); // instruction access fault
  assert.equal(a.mtval, b.mtval);
  assert.equal(a.instret, b.instret);
});

/**
 * Random instruction streams (weighted to what the tier runs, with random
 * compressed halfwords and words mixed in), each run with and without the
 * tier from the same random registers; faults go to a handler that skips the
 * instruction and returns, so a program runs to its end.
 */
Deno.test("wasm tier: random instruction streams give the reference's state", () => {
  const rnd = randomBelow(0x2545f491);
  const reg = () => 1 + rnd(30); // x1..x30 (x31 is the handler's)
  const base = [10, 11, 12]; // point into the data page: never a destination
  const rd = () => {
    const r = reg();
    return r >= 10 && r <= 12 ? r + 3 : r;
  };
  const offset = () => rnd(4) === 0 ? rnd(64) - 8 : 8 * rnd(8);
  const word = () => {
    switch (rnd(24)) {
      case 0:
        return E.opImm(rnd(8))(rd(), reg(), rnd(4096) - 2048);
      case 1:
        return E.op([0, 1, 0x20][rnd(3)], rnd(8))(rd(), reg(), reg());
      case 2:
        return E.op32([0, 1, 0x20][rnd(3)], rnd(8))(rd(), reg(), reg());
      case 3:
        return E.opImm32(rnd(8), [0, 0x20][rnd(2)])(rd(), reg(), rnd(32));
      case 4:
        return E.load(rnd(8))(rd(), base[rnd(3)], offset());
      case 5:
        return E.store(rnd(4))(reg(), base[rnd(3)], offset());
      case 6:
        return E.branch(rnd(8))(reg(), reg(), 4 * (2 + rnd(3)));
      case 7:
        return E.jal(rnd(2) ? 0 : rd(), 4 * (2 + rnd(3)));
      case 8:
        return E.amo([0, 1, 2, 3, 4, 8, 12, 16, 20, 24, 28, 5][rnd(12)], rnd(2) === 1)(
          rd(),
          base[rnd(3)],
          reg(),
        );
      case 9:
        return rnd(2) ? E.lui(rd(), rnd(1 << 20)) : E.auipc(rd(), rnd(1 << 20));
      case 10:
        return E.srai(rd(), reg(), rnd(64));
      case 11: // two random compressed halfwords (quadrants 0-2)
        return ((rnd(0x10000) & ~3) | rnd(3)) | (((rnd(0x10000) & ~3) | rnd(3)) << 16);
      case 12: // any word
        return rnd(0x100000000) | 0;
      default:
        return E.opImm(0)(rd(), reg(), rnd(64));
    }
  };
  const HANDLER = 1024; // word index of the handler: mepc += 4 (from a compressed one, mid-way)
  let inTier = 0, total = 0;
  for (let p = 0; p < 120; p++) {
    const program = new Array(2048).fill(E.wfi());
    for (let i = 0; i < 300; i++) program[i] = word();
    skipHandler(program, HANDLER);
    const init = randomRegisters(rnd);
    const slices = Array.from({ length: 3000 }, () => 1 + rnd(50));
    const { harts, inTier: ran } = tierPair(program);
    for (const h of harts) {
      h.mtvec = BigInt(RAM_BASE + HANDLER * 4);
      for (let r = 1; r < 32; r++) h.state.x[r] = init[r];
      for (const [i, b] of base.entries()) h.state.x[b] = BigInt(RAM_BASE + 0x1000 + 64 * i + i);
      let done = 0;
      for (let i = 0; done < 3000 && !h.waiting; i++) done += Math.max(1, h.run(slices[i]));
    }
    const [a, b] = harts;
    total += b.instret;
    inTier += ran();
    for (let r = 0; r < 32; r++) assert.equal(u64(a, r), u64(b, r), `program ${p}: x${r}`);
    assert.equal(a.pc, b.pc, `program ${p}: pc`);
    assert.equal(a.instret, b.instret, `program ${p}: instret`);
    assert.equal(a.mcause, b.mcause, `program ${p}: mcause`);
    assert.equal(a.mtval, b.mtval, `program ${p}: mtval`);
    assert.equal(a.reservation, b.reservation, `program ${p}: reservation`);
    assert.ok(a.mem.bytes.every((v, i) => v === b.mem.bytes[i]), `program ${p}: RAM`);
  }
  // Faults, the handler's CSRs and the backoff after them keep most of it in the run loop
  // (~8,000 of ~150,000 in the tier); changing one tier instruction still shows.
  assert.ok(inTier > 5000, `${inTier} of ${total} instructions in the tier`);
});

/**
 * Random streams of CSR instructions on the CSRs the tier runs itself (sstatus,
 * sscratch, sepc, scause, stval) and a few it leaves to the run loop, from
 * random registers, in M-, S- and U-mode (U-mode's raise illegal instruction;
 * the M-mode handler skips them): the same state with and without the tier,
 * and most of it run in the tier.
 */
Deno.test("wasm tier: supervisor CSR instructions give the reference's state", () => {
  const rnd = randomBelow(0x1b873593);
  const CSRS = [0x100, 0x100, 0x100, 0x100, 0x140, 0x141, 0x142, 0x143, 0x104, 0x300];
  const OPS = [E.csrrw, E.csrrs, E.csrrc, E.csrrwi, E.csrrsi, E.csrrci];
  const HANDLER = 1024, BODY = 16;
  let inTier = 0, total = 0;
  for (let p = 0; p < 60; p++) {
    const priv = [3, 1, 0][p % 3];
    const program = new Array(2048).fill(E.wfi());
    // Prologue (M-mode): t0 = mstatus.MPP for the body's mode, mepc = the body, MRET.
    program[0] = E.lui(5, 0);
    program[1] = E.addi(5, 5, priv << 11);
    program[2] = E.csrrw(0, 0x300, 5);
    program[3] = E.auipc(6, 0);
    program[4] = E.addi(6, 6, (BODY - 3) * 4);
    program[5] = E.csrrw(0, 0x341, 6);
    program[6] = E.mret();
    for (let i = BODY; i < BODY + 400; i++) {
      const r = rnd(8);
      if (r < 5) {
        const rs1 = rnd(4) === 0 ? 0 : 1 + rnd(30);
        program[i] = OPS[rnd(6)](rnd(8) === 0 ? 0 : 1 + rnd(30), CSRS[rnd(CSRS.length)], rs1);
      } else {
        program[i] = E.addi(1 + rnd(30), 1 + rnd(30), rnd(4096) - 2048);
      }
    }
    // The handler: skip the instruction and go back to the mode it came from.
    skipHandler(program, HANDLER);
    const init = randomRegisters(rnd);
    const slices = Array.from({ length: 3000 }, () => 1 + rnd(60));
    const { harts, inTier: ran } = tierPair(program);
    for (const h of harts) {
      h.mtvec = BigInt(RAM_BASE + HANDLER * 4);
      for (let r = 1; r < 31; r++) h.state.x[r] = init[r];
      let done = 0;
      for (let i = 0; done < 3000 && !h.waiting; i++) done += Math.max(1, h.run(slices[i]));
    }
    const [a, b] = harts;
    total += b.instret;
    inTier += ran();
    for (let r = 0; r < 32; r++) assert.equal(u64(a, r), u64(b, r), `program ${p}: x${r}`);
    for (
      const k of ["pc", "priv", "instret", "mstatus", "mcause", "mtval", "mie", "satp"] as const
    ) assert.equal(a[k], b[k], `program ${p}: ${k}`);
    for (const k of ["sscratch", "sepc", "scause", "stval", "stvec"] as const) {
      assert.equal(a[k], b[k], `program ${p}: ${k}`);
    }
  }
  // U-mode's traps, the M-mode handler and the writes the run loop takes keep most of it out
  // (4,846 of 65,219 in the tier); with the tier stopping at every CSR, 1,197.
  assert.ok(inTier > 0.05 * total, `${inTier} of ${total} instructions in the tier`);
});

Deno.test("wasm tier: a kernel's trap entry and exit CSR sequence runs in the tier", () => {
  // S-mode, 300 times: the CSR accesses of Linux's handle_exception and ret_from_exception.
  const [T0, T1, TP, S1, S2, S3, S4, S5, S6, A0] = [5, 6, 4, 9, 18, 19, 20, 21, 22, 10];
  const program = new Array(2048).fill(E.wfi());
  const prologue = [
    E.lui(5, 3), // MPP = S (0x800) and FS = initial (0x2000)
    E.addi(5, 5, -0x800),
    E.csrrw(0, 0x300, 5),
    E.auipc(6, 0),
    E.addi(6, 6, 16),
    E.csrrw(0, 0x341, 6),
    E.mret(),
    E.addi(A0, 0, 300),
    E.lui(T0, 6), // SR_FS (0x6000)
    E.lui(T1, 0x40), // SR_SUM
    E.auipc(8, 0), // s0: RAM to load from
  ];
  const loop = [
    E.csrrw(TP, 0x140, TP),
    E.csrrc(S1, 0x100, T0),
    E.csrrs(S2, 0x141, 0),
    E.csrrs(S3, 0x143, 0),
    E.csrrs(S4, 0x142, 0),
    E.csrrs(S5, 0x140, 0),
    E.csrrw(0, 0x140, 0),
    E.csrrsi(0, 0x100, 2), // SIE on, nothing pending
    E.csrrci(0, 0x100, 2), // SIE off
    E.csrrw(0, 0x100, S1),
    E.addi(S2, S2, 4),
    E.csrrw(0, 0x141, S2),
    E.csrrw(0, 0x142, A0),
    E.csrrw(0, 0x140, TP),
    E.csrrs(0, 0x100, T1), // SUM on (a copy from user memory)
    E.ld(S6, 8, 0x100),
    E.csrrc(0, 0x100, T1), // SUM off
    E.ld(S6, 8, 0x108),
    E.addi(A0, A0, -1),
  ];
  loop.push(E.branch(1)(A0, 0, -4 * loop.length)); // bne a0, x0, top
  [...prologue, ...loop].forEach((w, i) => program[i] = w);
  const { harts, inTier } = tierPair(program);
  for (const h of harts) {
    h.sscratch = 0x1234n; // the task pointer; tp holds the user's
    h.state.x[TP] = 0x99n;
    runFor(h, 10_000);
  }
  const [a, b] = harts;
  for (let r = 0; r < 32; r++) assert.equal(u64(a, r), u64(b, r), `x${r}`);
  for (const k of ["pc", "priv", "instret", "mstatus"] as const) assert.equal(a[k], b[k], k);
  for (const k of ["sscratch", "sepc", "scause", "stval"] as const) assert.equal(a[k], b[k], k);
  assert.equal(a.priv, 1);
  assert.equal(a.sscratch, 0x1234n);
  assert.equal(u64(a, TP), 0x1234n);
  assert.equal(a.scause, 1n);
  assert.ok(a.waiting && a.instret > 300 * loop.length, `${a.instret} instructions`);
  assert.ok(inTier() > 0.97 * a.instret, `${inTier()} of ${a.instret} instructions in the tier`);
  assert.equal(a.dataTlb, a.tlbs[1]); // S-mode's set, SUM off
});

Deno.test("wasm tier: setting SIE with an S interrupt pending takes it after that instruction", () => {
  const nops = (k: number) => new Array(k).fill(E.addi(0, 0, 0));
  const HANDLER = 512;
  const program = new Array(1024).fill(E.wfi());
  const code = [
    E.addi(5, 0, 0x222),
    E.csrrw(0, 0x303, 5), // mideleg: S interrupts
    E.addi(5, 0, 2),
    E.csrrw(0, 0x304, 5), // mie.SSIE
    E.auipc(6, 0),
    E.addi(6, 6, HANDLER * 4 - 16),
    E.csrrw(0, 0x105, 6), // stvec
    E.lui(5, 1),
    E.addi(5, 5, -0x800), // MPP = S
    E.csrrw(0, 0x300, 5),
    E.auipc(6, 0),
    E.addi(6, 6, 16),
    E.csrrw(0, 0x341, 6),
    E.mret(),
    ...nops(40), // S-mode from here; the tier runs once the run loop's backoff (32) is over
    E.csrrsi(0, 0x144, 2), // sip.SSIP: pending, but SIE is off
    ...nops(8),
    E.csrrsi(0, 0x100, 2), // SIE on: taken before the next instruction
    ...nops(8).map(() => E.addi(10, 10, 1)),
  ];
  code.forEach((w, i) => program[i] = w);
  program[HANDLER] = E.csrrs(18, 0x141, 0);
  const [a, b] = both(program, 200);
  for (const h of [a, b]) {
    assert.equal(h.scause, BigInt.asIntN(64, (1n << 63n) | 1n)); // supervisor software interrupt
    assert.equal(h.sepc, BigInt(RAM_BASE + 4 * (code.length - 8)));
    assert.equal(u64(h, 10), 0n);
    assert.equal(u64(h, 18), BigInt(RAM_BASE + 4 * (code.length - 8)));
  }
  assert.equal(a.instret, b.instret);
  assert.equal(a.pc, b.pc);
});

Deno.test("wasm tier: an instruction across a page end runs in the tier once both pages are in its TLB", () => {
  const program = new Array(2048).fill(E.wfi());
  const addi = E.addi(10, 10, 7);
  program[0] = E.addi(11, 0, 100);
  program[1] = E.jal(0, 4092 - 4);
  program[1023] = (0x0001 | ((addi & 0xffff) << 16)) | 0; // 4092: c.nop, the addi's low half
  program[1024] = (addi >>> 16) | (0x0001 << 16); // 4096: its high half, then c.nop
  program[1025] = E.addi(11, 11, -1); // 4100
  program[1026] = E.branch(1)(11, 0, -12); // 4104: bne a1, x0, 4092 (the c.nop)
  const [a, b] = both(program, 1000);
  assert.equal(u64(a, 10), 700n);
  assert.equal(u64(b, 10), 700n);
  assert.equal(a.instret, b.instret);
  assert.equal(a.pc, b.pc);
  // In the tier: count its stops at the instruction.
  const h = bareHart(program);
  const tier = h.wasmInterp!;
  let stopsThere = 0, inTier = 0;
  h.wasmInterp = (...args) => {
    const r = tier(...args);
    inTier += h.mem.i32[WASM_INTERP_RETIRED_OFFSET >> 2];
    if (r === 0 && h.mem.i32[WASM_INTERP_PC_OFFSET >> 2] === ((RAM_BASE + 4094) | 0)) stopsThere++;
    return r;
  };
  runFor(h, 1000);
  assert.equal(u64(h, 10), 700n);
  assert.ok(stopsThere <= 1, `${stopsThere} stops at the instruction`);
  assert.ok(inTier > 300, `${inTier} instructions in the tier`);
});

Deno.test("wasm tier: flipping SUM switches its data TLB set: a user page loads with SUM, faults without", () => {
  // Sv39: VA 0x8000_0000 maps RAM for S-mode code, VA 0xc000_0000 maps it again as a user page.
  const ROOT = 0x4000, HANDLER = 1024;
  const [T1, S1, S6, S7, S9, A0] = [6, 9, 22, 23, 25, 10];
  const program = new Array(2048).fill(E.wfi());
  const code = [
    E.csrrw(0, 0x180, 7), // satp (t2, set below)
    E.lui(5, 1),
    E.addi(5, 5, -0x800), // MPP = S
    E.csrrw(0, 0x300, 5),
    E.auipc(28, 0),
    E.addi(28, 28, 16),
    E.csrrw(0, 0x341, 28),
    E.mret(),
    ...new Array(40).fill(E.addi(0, 0, 0)), // S-mode; past the run loop's backoff
    E.csrrs(0, 0x100, T1), // SUM on: the user page loads
    E.ld(S6, S1, 0x100),
    E.csrrc(0, 0x100, T1), // SUM off: it faults (the M-mode handler counts and skips)
    E.ld(S7, S1, 0x108),
    E.addi(A0, A0, -1),
  ];
  code.push(E.branch(1)(A0, 0, -20));
  code.forEach((w, i) => program[i] = w);
  program[HANDLER] = E.addi(S9, S9, 1); // counts the faults, then skips
  skipHandler(program, HANDLER + 1);
  program[0x100 / 4] = 0x1234567;
  program[0x104 / 4] = 0;
  const { harts } = tierPair(program);
  for (const h of harts) {
    const v = h.mem.view;
    v.setBigUint64(ROOT + 2 * 8, (0x80000n << 10n) | 0xcfn, true); // V R W X A D
    v.setBigUint64(ROOT + 3 * 8, (0x80000n << 10n) | 0xd7n, true); // V R W U A D
    h.state.x[7] = BigInt.asIntN(64, (8n << 60n) | BigInt((RAM_BASE + ROOT) / 4096));
    h.state.x[T1] = 1n << 18n;
    h.state.x[S1] = 0xc0000000n;
    h.state.x[A0] = 200n;
    h.mtvec = BigInt(RAM_BASE + HANDLER * 4);
    runFor(h, 5000);
  }
  const [a, b] = harts;
  for (const h of [a, b]) {
    assert.equal(u64(h, S6), 0x1234567n);
    assert.equal(u64(h, S7), 0n);
    assert.equal(u64(h, S9), 200n, "one load page fault per pass");
    assert.equal(h.mcause, 13n);
  }
  for (let r = 0; r < 32; r++) assert.equal(u64(a, r), u64(b, r), `x${r}`);
  assert.equal(a.instret, b.instret);
});

Deno.test("wasm tier: FP loads and stores give the reference's registers, memory and mstatus.FS", () => {
  const nops = new Array(40).fill(E.addi(0, 0, 0)); // past the run loop's backoff
  const HANDLER = 1024, DATA = 0x1800;
  const body = [
    E.csrrc(0, 0x300, 6), // FS dirty -> initial (t1 = 0x4000): only the tier's loads set it again
    E.fld(1, 8, 0), // s0: the data
    E.fld(9, 8, 0),
    E.flw(2, 8, 12), // NaN-boxed
    E.fsd(2, 8, 64),
    E.fsw(1, 8, 72),
    E.fld(3, 8, 64), // the boxed single as 64 bits
    E.fsd(3, 8, 80),
    E.csrrs(21, 0x300, 0), // mstatus: FS dirty again
    // c.fsd f9, 88(s1); c.fld f10, 88(s1): quadrant 0, funct3 5 and 1 (s1 = x9 holds s0 + 0)
    0x00010000 | 0xa000 | (3 << 10) | (1 << 5) | (1 << 7) | (1 << 2), // then c.nop
    0x00010000 | 0x2000 | (3 << 10) | (1 << 5) | (1 << 7) | (2 << 2),
    E.addi(10, 10, -1),
  ];
  body.push(E.branch(1)(10, 0, -4 * body.length));
  const code = [
    E.lui(5, 2), // FS = initial (0x2000)
    E.csrrw(0, 0x300, 5),
    ...nops,
    ...body,
    E.csrrw(0, 0x300, 0), // FS off: the next FP load is illegal
    ...nops,
    E.fld(5, 8, 0),
    E.wfi(),
  ];
  const program = new Array(2048).fill(E.wfi());
  code.forEach((w, i) => program[i] = w);
  program[HANDLER] = E.addi(20, 20, 1); // counts the traps, then skips
  skipHandler(program, HANDLER + 1);
  const { harts, inTier } = tierPair(program);
  for (const h of harts) {
    h.mem.view.setBigUint64(DATA, 0x400921fb54442d18n, true); // pi
    h.mem.view.setUint32(DATA + 12, 0x40490fdb, true); // pi as a single
    h.state.x[8] = h.state.x[9] = BigInt(RAM_BASE + DATA);
    h.state.x[10] = 100n;
    h.state.x[6] = 0x4000n;
    h.mtvec = BigInt(RAM_BASE + HANDLER * 4);
    runFor(h, 5000);
  }
  const [a, b] = harts;
  for (let r = 0; r < 32; r++) {
    assert.equal(a.state.f[r], b.state.f[r], `f${r}`);
    assert.equal(u64(a, r), u64(b, r), `x${r}`);
  }
  assert.equal(BigInt.asUintN(64, a.state.f[2]), 0xffffffff40490fdbn);
  assert.equal(BigInt.asUintN(64, a.state.f[3]), 0xffffffff40490fdbn);
  assert.equal(BigInt.asUintN(64, a.state.f[10]), BigInt.asUintN(64, a.state.f[9]));
  assert.equal(u64(a, 20), 1n, "the load with FS off trapped");
  assert.equal((u64(a, 21) >> 13n) & 3n, 3n, "FS dirty after the loads");
  assert.equal(BigInt.asUintN(64, a.state.f[10]), 0x400921fb54442d18n);
  assert.equal(a.mcause, 2n);
  assert.equal(a.mstatus, b.mstatus);
  assert.ok(a.mem.bytes.every((v, i) => v === b.mem.bytes[i]), "RAM");
  assert.ok(inTier() > 500, `${inTier()} instructions in the tier`);
});
