/**
 * The translator (core/jit) against the interpreter: self-modifying code,
 * code changed behind the hart's back then FENCE.I, a fault inside a
 * translated loop (same pc, cause, tval, counters and registers as
 * interpreted), compiled C in lockstep, and a Linux boot in lockstep.
 */
import assert from "node:assert/strict";
import type { Hart } from "../core/hart.ts";
import { Jit } from "../core/jit/jit.ts";
import { planRegion } from "../core/jit/region.ts";
import { IMPORT_COUNT } from "../core/jit/codegen.ts";
import { Lockstep } from "../core/jit/lockstep.ts";
import { Machine } from "../board/machine.ts";
import { RAM_BASE } from "../core/memory.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";
import { countTranslated } from "./support/count_translated.ts";
import { defaultMachine } from "./support/boot.ts";
import { join } from "node:path";
import { cacheDir } from "../backends/image/image_cache.ts";

const bne = E.branch(1);
const fenceI = 0x0000100f;

/** Runs until WFI (or `max` instructions), translating from the first jump on. */
function runJit(h: Hart, jit: Jit | null, max = 1_000_000): number {
  let done = 0;
  while (!h.waiting && done < max) {
    done += Math.max(1, jit ? jit.run(Math.min(1000, max - done)) : h.run(1000));
  }
  return done;
}

/** A translator that translates at the first jump (in checker mode: stores logged inline). */
function translating(h: Hart, checkMode = false): Jit {
  const jit = new Jit(h, h.mem, checkMode);
  jit.setHotThreshold(0);
  return jit;
}

/** Interpreted ("off"), translated ("on"), or translated under the lockstep checker ("check"). */
type Mode = "off" | "on" | "check";

/** A hart loaded with `program` (set up by `prepare`), and its translator and checker in `mode`. */
function inMode(program: number[], mode: Mode, prepare?: (h: Hart) => void) {
  const h = bareHart(program);
  prepare?.(h);
  const jit = mode === "off" ? null : translating(h, mode === "check");
  const lockstep = mode === "check" ? new Lockstep(jit!) : null;
  return { h, jit, lockstep };
}

Deno.test("jit: a store into a translated loop changes what the next pass runs", () => {
  for (const on of [false, true]) {
    const h = bareHart([
      E.addi(5, 0, 2), // 0: passes left
      E.addi(1, 0, 0), // 4
      E.addi(2, 0, 1000), // 8
      E.addi(1, 1, 1), // 12: loop body, patched to +2 after the first pass
      E.addi(2, 2, -1), // 16
      bne(2, 0, -8), // 20
      E.addi(5, 5, -1), // 24
      E.beq(5, 0, 20), // 28 -> 48
      E.auipc(3, 0), // 32: x3 = base + 32
      E.lw(4, 3, 20), // 36: the new instruction, from 52
      E.sw(4, 3, -20), // 40: over the loop body at 12
      E.jal(0, -36), // 44 -> 8
      E.wfi(), // 48
      E.addi(1, 1, 2), // 52: data
    ]);
    const jit = on ? translating(h) : null;
    runJit(h, jit);
    assert.equal(u64(h, 1), 3000n, `translator ${on ? "on" : "off"}`);
    if (jit) {
      assert.ok(jit.stats.regions >= 2, "the loop was translated, dropped and translated again");
      assert.ok(jit.stats.invalidated >= 1);
    }
  }
});

Deno.test("jit: code rewritten without a store (as by DMA) runs new after FENCE.I", () => {
  const h = bareHart([
    E.addi(1, 0, 0), // 0
    E.addi(2, 0, 1000), // 4
    E.addi(1, 1, 1), // 8: loop body
    E.addi(2, 2, -1), // 12
    bne(2, 0, -8), // 16
    E.wfi(), // 20: the test rewrites the body here
    fenceI, // 24
    E.addi(2, 0, 1000), // 28
    E.jal(0, -24), // 32 -> 8
  ]);
  const jit = translating(h);
  runJit(h, jit);
  assert.equal(u64(h, 1), 1000n);
  assert.ok(jit.stats.regions >= 1);
  h.mem.view.setUint32(8, E.addi(1, 1, 2), true); // behind the TLB, as a device would
  h.waiting = false;
  runJit(h, jit);
  assert.equal(u64(h, 1), 3000n);
});

Deno.test("jit: a fault in a translated loop is as precise as interpreted", () => {
  const outcome = (on: boolean) => {
    const h = bareHart([
      E.addi(3, 0, 1), // 0
      E.slli(3, 3, 31), // 4: x3 = RAM_BASE
      E.lui(8, 0x100), // 8
      E.add(3, 3, 8), // 12: the end of the 1 MiB of RAM
      E.addi(3, 3, -64), // 16
      E.auipc(7, 0), // 20
      E.addi(7, 7, 32), // 24: x7 = handler at 52
      E.csrrw(0, 0x305, 7), // 28: mtvec
      E.ld(4, 3, 0), // 32: loop: faults past the end of RAM
      E.add(5, 5, 4), // 36
      E.addi(3, 3, 8), // 40
      E.addi(6, 6, 1), // 44
      E.jal(0, -16), // 48 -> 32
      E.wfi(), // 52: handler
    ]);
    const jit = on ? translating(h) : null;
    runJit(h, jit);
    if (jit) assert.ok(jit.stats.regions >= 1);
    return {
      pc: h.pc,
      mepc: h.mepc,
      mcause: h.mcause,
      mtval: h.mtval,
      instret: h.instret,
      regs: [3, 4, 5, 6].map((r) => u64(h, r)),
    };
  };
  const interpreted = outcome(false);
  assert.equal(interpreted.mcause, 5n); // load access fault
  assert.equal(interpreted.mtval, BigInt(RAM_BASE + (1 << 20)));
  assert.deepEqual(outcome(true), interpreted);
});

Deno.test("jit: compiled C runs in lockstep with the interpreter, and translated to the end", async () => {
  const program = await Deno.readFile(join(cacheDir(), "programs", "intmix.elf"));
  const checked = new Machine({ memoryMiB: 64, console: { write: () => {} }, jit: "check" });
  checked.bootElf(program);
  checked.jit!.setHotThreshold(50);
  checked.maxInstructions = 3_000_000;
  assert.equal((await checked.run()).reason, "limit");
  assert.ok(checked.lockstep!.checked > 20_000, `${checked.lockstep!.checked} runs checked`);

  const fast = new Machine({ memoryMiB: 64, console: { write: () => {} } });
  fast.bootElf(program);
  assert.deepEqual(await fast.run(), { reason: "poweroff", code: 0 }); // its own checksum
  assert.ok(fast.jit!.stats.regions > 0);
});

Deno.test("jit: two hot data pages 4 MiB apart share a TLB slot; translated code finds both inline, exactly", async () => {
  const program = await Deno.readFile(join(cacheDir(), "programs", "tlbways_sv39.elf"));
  const checked = new Machine({ memoryMiB: 32, console: { write: () => {} }, jit: "check" });
  checked.bootElf(program);
  checked.jit!.setHotThreshold(50);
  assert.deepEqual(await checked.run(), { reason: "poweroff", code: 0 }); // its own checksum
  assert.ok(checked.lockstep!.checked > 1_000, `${checked.lockstep!.checked} runs checked`);

  const fast = new Machine({ memoryMiB: 32, console: { write: () => {} } });
  fast.bootElf(program);
  fast.jit!.setHotThreshold(50);
  let slow = 0;
  fast.jit!.onSlowAccess = () => slow++;
  assert.deepEqual(await fast.run(), { reason: "poweroff", code: 0 });
  assert.ok(fast.jit!.stats.regions > 0);
  // 25,600 iterations of six accesses alternating between the two pages: with one way each
  // access missed; with two, only the first ones and the timer's interruptions do.
  assert.ok(slow < 2_000, `${slow} slow-path accesses`);

  // Interpreted (the WebAssembly tier stops at a first-way miss; the slow path swaps the ways).
  const interpreted = new Machine({ memoryMiB: 32, console: { write: () => {} }, jit: false });
  interpreted.bootElf(program);
  assert.deepEqual(await interpreted.run(), { reason: "poweroff", code: 0 });
});

Deno.test("jit: two pages 4 MiB apart in one TLB slot, mapped to unrelated frames: each access reaches its own", () => {
  const program = [
    E.csrrs(0, 0x300, 12), // MPRV, MPP = S, FS on: loads and stores translate as S-mode
    E.csrrw(0, 0x180, 10), // satp
    E.ld(1, 8, 0), // 8: loop: page A
    E.ld(2, 9, 0), // page B, 4 MiB on: the same slot
    E.add(3, 3, 1),
    E.add(4, 4, 2),
    E.sd(3, 8, 8),
    E.sd(4, 9, 8),
    E.fld(1, 8, 16),
    E.fsd(1, 9, 16), // B's double is A's
    E.addi(5, 5, -1),
    bne(5, 0, -36), // -> 8
    E.wfi(),
  ];
  const rootOff = 0x10000, dataA = 0x20000, dataB = 0x37000;
  const pte = (off: number, flags: number) =>
    BigInt((RAM_BASE + off) / 4096) << 10n | BigInt(flags);
  for (const mode of ["off", "on", "check"] as Mode[]) {
    const { h, jit } = inMode(program, mode, (h) => {
      const ram = h.mem.view;
      ram.setBigUint64(rootOff + 8, pte(rootOff + 0x1000, 1), true); // VA 1 GiB: a table
      ram.setBigUint64(rootOff + 0x1000, pte(rootOff + 0x2000, 1), true); // VA 1 GiB + 0
      ram.setBigUint64(rootOff + 0x1000 + 2 * 8, pte(rootOff + 0x3000, 1), true); // + 4 MiB
      ram.setBigUint64(rootOff + 0x2000, pte(dataA, 0xc7), true); // V R W A D
      ram.setBigUint64(rootOff + 0x3000, pte(dataB, 0xc7), true);
      ram.setBigUint64(dataA, 1n, true);
      ram.setBigUint64(dataB, 1000n, true);
      ram.setFloat64(dataA + 16, 2.5, true);
      const x = h.state.x;
      x[5] = 300n;
      x[8] = 0x4000_0000n;
      x[9] = 0x4040_0000n;
      x[10] = BigInt.asIntN(64, (8n << 60n) | BigInt((RAM_BASE + rootOff) / 4096));
      x[12] = 0x22800n; // MPRV | MPP = S | FS = Initial
    });
    runJit(h, jit);
    const ram = h.mem.view;
    assert.equal(ram.getBigUint64(dataA + 8, true), 300n, mode);
    assert.equal(ram.getBigUint64(dataB + 8, true), 300_000n, mode);
    assert.equal(ram.getFloat64(dataB + 16, true), 2.5, mode);
    if (mode === "on") assert.ok(jit!.stats.regions > 0);
  }
});

Deno.test("jit: the first 10 M instructions of a Linux boot run in lockstep", async () => {
  const { machine, console } = await defaultMachine({ jit: "check" });
  // Without the time budget: on a loaded machine it let too few regions in to check (1,950).
  machine.jit!.setHotThreshold(20, undefined, false);
  machine.maxInstructions = 10_000_000;
  const exit = await machine.run();
  assert.equal(exit.reason, "limit");
  assert.match(console.output, /Linux version 6\.1\./);
  assert.ok(machine.lockstep!.checked > 5_000, `${machine.lockstep!.checked} runs checked`);
});

Deno.test("jit: a loop calling a function on another page chains region to region", () => {
  const outcome = (on: boolean) => {
    const program = new Array(1024 + 3).fill(0);
    program.splice(
      0,
      6,
      E.addi(2, 0, 2000), // 0
      E.jal(1, 4096 - 4), // 4: loop: call the function at 4096
      E.addi(2, 2, -1), // 8: return site
      bne(2, 0, -8), // 12 -> 4
      E.wfi(), // 16
      0,
    );
    program[1024] = E.addi(3, 3, 3); // 4096: the function
    program[1025] = E.jalr(0, 1, 0); // ret
    const h = bareHart(program);
    const jit = on ? translating(h) : null;
    let entries = 0;
    if (jit) {
      const run = jit.runRegion;
      jit.runRegion = (e, b) => (entries++, run(e, b));
    }
    runJit(h, jit);
    return { x3: u64(h, 3), instret: h.instret, entries };
  };
  const interpreted = outcome(false);
  assert.equal(interpreted.x3, 6000n);
  const translated = outcome(true);
  assert.deepEqual({ ...translated, entries: 0 }, { ...interpreted, entries: 0 });
  assert.ok(
    translated.entries < 200,
    `${translated.entries} returns to the run loop for 2000 calls`,
  );
});

Deno.test("jit: a loop calling a function whose page shares the caller's fetch TLB slot stays translated and chained", () => {
  // Pages 0x80000 and 0x80401 have one fetch TLB index (core/mmu.ts fetchTlbIndex): each call
  // and return finds the other page in the second way.
  const FN = 0x401000;
  const outcome = (on: boolean) => {
    const program = new Array(FN / 4 + 2).fill(0);
    program.splice(
      0,
      6,
      E.addi(2, 0, 2000), // 0
      E.auipc(5, FN >>> 12), // 4: loop
      E.jalr(1, 5, -4), // 8: call FN
      E.addi(2, 2, -1), // 12: return site
      bne(2, 0, -12), // 16 -> 4
      E.wfi(), // 20
    );
    program[FN / 4] = E.addi(3, 3, 3);
    program[FN / 4 + 1] = E.jalr(0, 1, 0); // ret
    const h = bareHart(program, 8 << 20);
    const jit = on ? translating(h) : null;
    let entries = 0, interpreted = 0;
    if (jit) {
      const run = jit.runRegion;
      jit.runRegion = (e, b) => (entries++, run(e, b));
      const interp = h.run.bind(h);
      h.run = (limit) => {
        const k = interp(limit);
        interpreted += k;
        return k;
      };
    }
    runJit(h, jit);
    return { x3: u64(h, 3), instret: h.instret, entries, interpreted };
  };
  const interpreted = outcome(false);
  assert.equal(interpreted.x3, 6000n);
  const translated = outcome(true);
  assert.deepEqual(
    { ...translated, entries: 0, interpreted: 0 },
    { ...interpreted, entries: 0, interpreted: 0 },
  );
  assert.ok(translated.interpreted < 200, `${translated.interpreted} instructions interpreted`);
  // Calls and returns chain region to region through the second way's record.
  assert.ok(
    translated.entries < 200,
    `${translated.entries} returns to the run loop for 2000 calls`,
  );
});

Deno.test("jit: a short function whose caller stays interpreted is kept translated", () => {
  // The caller's blocks start with a counter write, which the translator leaves to the
  // interpreter: each run of the function is 2 instructions, then a jump out. That is
  // not the region's fault (chaining takes such jumps once their target is translated),
  // so probation must not drop it as a region that keeps stopping at untranslated code.
  const program = new Array(1024 + 2).fill(0);
  const interpreted = E.csrrw(0, 0x320, 0); // mcountinhibit = 0: left to the interpreter
  program.splice(
    0,
    7,
    E.addi(2, 0, 600), // 0
    interpreted, // 4: loop
    E.jal(1, 4096 - 8), // 8: call the function at 4096
    interpreted, // 12: return site
    E.addi(2, 2, -1), // 16
    bne(2, 0, -16), // 20 -> 4
    E.wfi(), // 24
  );
  program[1024] = E.addi(3, 3, 3); // 4096: the function
  program[1025] = E.jalr(0, 1, 0); // ret
  const h = bareHart(program);
  const jit = translating(h);
  const translated = countTranslated(jit);
  runJit(h, jit);
  assert.equal(u64(h, 3), 1800n);
  assert.equal(jit.stats.dropped, 0);
  assert.ok(translated() >= 1000, `${translated()} instructions translated`);
});

Deno.test("jit: two hot pcs sharing a slot of the entry table are each translated once", () => {
  // The function's entry lies 128 KiB after the loop's call: the same slot of the
  // direct-mapped entry table. Calling it 2000 times must not translate it 2000 times.
  const fn = 0x20004;
  const program = new Array(fn / 4 + 2).fill(0);
  program.splice(
    0,
    5,
    E.addi(2, 0, 2000), // 0
    E.jal(1, fn - 4), // 4: loop: call the function
    E.addi(2, 2, -1), // 8: return site
    bne(2, 0, -8), // 12 -> 4
    E.wfi(), // 16
  );
  program[fn / 4] = E.addi(3, 3, 3);
  program[fn / 4 + 1] = E.jalr(0, 1, 0);
  const h = bareHart(program);
  const jit = translating(h);
  // Every region's exit back to the run loop goes through the entry table (no chaining).
  jit.runRegion = (e, b) => {
    const n = jit.enter(e, b);
    h.endSlice = true;
    return n;
  };
  runJit(h, jit);
  assert.equal(u64(h, 3), 6000n);
  assert.ok(jit.stats.regions <= 4, `${jit.stats.regions} regions translated`);
});

Deno.test("jit: LR/SC, AMOs, CSR accesses and ECALL/MRET stay in translated code, exact", () => {
  const lrW = E.amo(2, false), scW = E.amo(3, false), amoaddD = E.amo(0, true);
  const program = [
    E.auipc(7, 0), // 0
    E.addi(7, 7, 100), // 4: x7 = handler at 100
    E.csrrw(0, 0x305, 7), // 8: mtvec
    E.auipc(3, 2), // 12
    E.addi(3, 3, -12), // 16: x3 = data at 8192 (off the code's page)
    E.addi(8, 3, 8), // 20: x8 = data + 8
    E.addi(2, 0, 500), // 24: passes
    lrW(4, 3, 0), // 28: loop: LR/SC increment by 3
    E.addi(4, 4, 3), // 32
    scW(5, 3, 4), // 36
    bne(5, 0, -12), // 40 -> 28
    amoaddD(6, 8, 2), // 44
    E.csrrs(9, 0xc02, 0), // 48: instret
    E.add(10, 10, 9), // 52
    E.csrrw(11, 0x340, 2), // 56: mscratch
    E.ecall(), // 60: handler returns past it
    scW(14, 3, 2), // 64: no reservation held: fails, writes nothing
    E.add(15, 15, 14), // 68
    E.addi(2, 2, -1), // 72
    bne(2, 0, -48), // 76 -> 28
    E.wfi(), // 80
    0, // 84
    0, // 88
    0, // 92
    0, // 96
    E.csrrs(12, 0x341, 0), // 100: handler: mepc += 4
    E.addi(12, 12, 4), // 104
    E.csrrw(0, 0x341, 12), // 108
    ...new Array(10).fill(E.addi(13, 13, 1)), // 112: a handler's work
    E.mret(), // 152
  ];
  const outcome = (mode: Mode) => {
    const { h, jit, lockstep } = inMode(program, mode);
    const translatedInsns = jit ? countTranslated(jit) : () => 0;
    const total = runJit(h, jit);
    return {
      regs: [4, 6, 10, 11, 12, 13, 14, 15].map((r) => u64(h, r)),
      data: h.mem.view.getBigUint64(8192, true),
      data8: h.mem.view.getBigUint64(8200, true),
      instret: h.instret,
      reservation: h.reservation,
      share: translatedInsns() / total,
      checked: lockstep?.checked ?? 0,
    };
  };
  const interpreted = outcome("off");
  assert.equal(interpreted.data, 1500n);
  assert.equal(interpreted.data8, 125250n); // 500 + 499 + ... + 1
  assert.equal(interpreted.regs[5], 5000n); // ecalls handled
  assert.equal(interpreted.regs[7], 500n); // every SC without LR failed
  const translated = outcome("on");
  assert.deepEqual({ ...translated, share: 0 }, { ...interpreted, share: 0 });
  assert.ok(translated.share > 0.9, `${translated.share} of the instructions translated`);
  const checked = outcome("check");
  assert.deepEqual({ ...checked, share: 0, checked: 0 }, { ...interpreted, share: 0 });
  assert.ok(checked.checked > 500, `${checked.checked} runs checked`);
});

Deno.test("jit: every AMO, W and D, inline on a TLB hit, as interpreted and in lockstep", () => {
  const xor = E.op(0, 4); // xor rd, rs1, rs2
  const kinds = [0, 1, 4, 8, 12, 16, 20, 24, 28];
  const body: number[] = [];
  // Each AMO on its own doubleword (W on the low word), rs2 a value that changes sign and size.
  kinds.forEach((f5, j) => {
    body.push(E.amo(f5, false)(10, 3, 5), xor(11, 11, 10)); // x11 folds in every old value
    body.push(E.amo(f5, true)(10, 4, 5), xor(11, 11, 10));
    body.push(E.addi(3, 3, 16), E.addi(4, 4, 16));
    void j;
  });
  const program = [
    E.auipc(6, 2), // 0: x6 = data at 8192
    E.addi(2, 0, 400), // 4: passes
    E.lui(5, 0x9e377), // 8: x5 = a 32-bit pattern, then varied each pass
    E.addi(3, 6, 0), // 12: loop: W words at data + 16j
    E.addi(4, 6, 8), // 16: D words at data + 16j + 8
    ...body,
    E.slli(7, 5, 7), // x5 = (x5 << 7) ^ (x5 >> 3) ^ pass
    E.srai(8, 5, 3),
    xor(5, 5, 7),
    xor(5, 5, 8),
    xor(5, 5, 2),
    E.addi(2, 2, -1),
    bne(2, 0, -4 * (body.length + 8)), // -> 12
    E.wfi(),
  ];
  const outcome = (mode: Mode) => {
    const { h, jit, lockstep } = inMode(program, mode);
    runJit(h, jit);
    const data = Array.from(
      { length: kinds.length * 2 },
      (_, k) => h.mem.view.getBigUint64(8192 + 8 * k, true),
    );
    return {
      x11: u64(h, 11),
      x5: u64(h, 5),
      data,
      checked: lockstep?.checked ?? 0,
      regions: jit?.stats.regions ?? 0,
    };
  };
  const interpreted = outcome("off");
  const translated = outcome("on");
  assert.ok(translated.regions >= 1);
  assert.deepEqual({ ...translated, regions: 0 }, interpreted);
  const checked = outcome("check");
  assert.deepEqual({ ...checked, checked: 0, regions: 0 }, interpreted);
  assert.ok(checked.checked > 100, `${checked.checked} runs checked`);
});

Deno.test("jit: a U-mode loop gets hot ten times sooner than the same loop in M-mode", () => {
  const regions = (user: boolean) => {
    const h = bareHart([
      E.auipc(5, 0), // 0
      E.addi(5, 5, 16), // 4: x5 = the loop at 16
      E.csrrw(0, 0x341, 5), // 8: mepc
      user ? E.mret() : E.jal(0, 4), // 12: to U-mode (MPP is 0), or straight on
      E.lui(2, 1), // 16: 4,096 passes: past 2,000, short of 20,000
      E.addi(1, 1, 1), // 20
      E.addi(2, 2, -1), // 24
      bne(2, 0, -8), // 28 -> 20
      E.jal(0, 0), // 32: stays here (the test stops once x1 is 4,096)
    ]);
    const jit = new Jit(h, h.mem); // the default threshold
    let done = 0;
    while (done < 50_000 && u64(h, 1) < 4096n) done += Math.max(1, jit.run(100));
    assert.equal(u64(h, 1), 4096n);
    assert.equal(h.priv, user ? 0 : 3);
    return jit.stats.regions;
  };
  assert.equal(regions(false), 0, "M-mode: 4,096 jumps are not hot");
  assert.ok(regions(true) >= 1, "U-mode: 4,096 jumps are hot");
});

/**
 * A loop of 2,000 passes from `head` (0xff0 or 0xffe) of the first page: ADDIs to x3 up to 0xffc,
 * a 4-byte ADDI to x4 at 0xffe, across the page's end (after a C.NOP), then 18 instructions on
 * the next page (16 ADDIs to x1, the count, the branch back to `head`), then WFI.
 */
function pageEndLoop(head: number): number[] {
  const X = E.addi(4, 4, 1), cNop = 0x0001;
  const program = new Array(0x440).fill(E.addi(0, 0, 0));
  program[0] = E.addi(2, 0, 2000); // 0
  program[1] = E.jal(0, head - 4); // 4 -> head
  for (let at = head; at < 0xffc; at += 4) program[at / 4] = E.addi(3, 3, 1);
  program[0x3ff] = (cNop | ((X & 0xffff) << 16)) >>> 0; // 0xffc: C.NOP, then X's low half
  program[0x400] = ((X >>> 16) | (cNop << 16)) >>> 0; // 0x1000: X's high half, C.NOP at 0x1002
  for (let k = 0; k < 16; k++) program[0x401 + k] = E.addi(1, 1, 1); // 0x1004..
  program[0x411] = E.addi(2, 2, -1); // 0x1044
  program[0x412] = bne(2, 0, head - 0x1048); // 0x1048 -> head
  program[0x413] = E.wfi(); // 0x104c
  return program;
}

/** Runs `jit` on `h` to its WFI; returns the instructions executed and those run translated. */
function runCountingTranslated(h: Hart, jit: Jit): { total: number; translated: number } {
  const translated = countTranslated(jit);
  const total = runJit(h, jit);
  return { total, translated: translated() };
}

Deno.test("jit: a loop with an instruction across a page's end runs translated on both pages", () => {
  const h = bareHart(pageEndLoop(0xff0));
  const jit = new Jit(h, h.mem);
  // Hot at the second jump, after a pass fetched the next page (a plan reads its mapping from the TLB).
  jit.setHotThreshold(2, 1);
  const { total, translated } = runCountingTranslated(h, jit);
  assert.equal(u64(h, 1), 16n * 2000n);
  assert.equal(u64(h, 4), 2000n);
  // 24 instructions a pass, all translated, the one across the page end too.
  assert.ok(translated > 0.98 * total, `${translated} of ${total} instructions translated`);
});

Deno.test("jit: a jump target across a page's end, planned in another privilege, is translated", () => {
  // The loop's target is a 4-byte ADDI at 0xffe. Its batch is planned at the next slice's start,
  // here in S-mode, whose fetch TLB set has never held the next page: the plan must use the
  // mapping the pc had when it got hot (it was never translated before).
  const h = bareHart(pageEndLoop(0xffe));
  const jit = new Jit(h, h.mem);
  jit.setHotThreshold(2); // batches of 16: planned at the next slice's start
  const target = RAM_BASE + 0xffe;
  const pending = () => (jit as unknown as { pending: { pc: number }[] }).pending;
  for (let k = 0; k < 200 && !pending().some((p) => p.pc === target); k++) jit.run(10);
  assert.ok(pending().some((p) => p.pc === target), "the target is queued");
  h.priv = 1; // S-mode, as after a timer interrupt at the slice's end
  h.updateModes();
  (jit as unknown as { translatePending(): void }).translatePending();
  h.priv = 3;
  h.updateModes();
  const { total, translated } = runCountingTranslated(h, jit);
  assert.equal(u64(h, 1), 16n * 2000n);
  assert.equal(u64(h, 4), 2000n);
  assert.ok(translated > 0.95 * total, `${translated} of ${total} instructions translated`);
});

Deno.test("jit: a store to the upper half of an instruction across a page's end is seen", () => {
  const X = E.addi(4, 4, 1), X2 = E.addi(4, 4, 2), cNop = 0x0001;
  const program = new Array(0x440).fill(E.addi(0, 0, 0));
  program[0] = E.addi(2, 0, 2000); // 0
  program[1] = E.addi(5, 0, 2); // 4: passes
  program[2] = E.jal(0, 0xff0 - 8); // 8 -> 0xff0
  program[0x3fc] = E.addi(3, 3, 1); // 0xff0: loop
  program[0x3ff] = (cNop | ((X & 0xffff) << 16)) >>> 0; // 0xffc: C.NOP, X's low half at 0xffe
  program[0x400] = ((X >>> 16) | (cNop << 16)) >>> 0; // 0x1000: X's high half, C.NOP
  program[0x411] = E.addi(2, 2, -1); // 0x1044
  program[0x412] = bne(2, 0, 0xff0 - 0x1048); // 0x1048 -> 0xff0
  program[0x413] = E.addi(5, 5, -1); // 0x104c
  program[0x414] = E.beq(5, 0, 0x1068 - 0x1050); // 0x1050 -> 0x1068
  program[0x415] = E.auipc(6, 0); // 0x1054
  program[0x416] = E.lw(7, 6, 0x106c - 0x1054); // 0x1058: X2's high half, C.NOP
  program[0x417] = E.sw(7, 6, 0x1000 - 0x1054); // 0x105c: over X's high half
  program[0x418] = E.addi(2, 0, 2000); // 0x1060
  program[0x419] = E.jal(0, 0xff0 - 0x1064); // 0x1064 -> 0xff0
  program[0x41a] = E.wfi(); // 0x1068
  program[0x41b] = ((X2 >>> 16) | (cNop << 16)) >>> 0; // 0x106c: data
  assert.equal(X & 0xffff, X2 & 0xffff, "the two ADDIs differ in their upper halves only");
  for (const on of [false, true]) {
    const h = bareHart(program);
    const jit = on ? new Jit(h, h.mem) : null;
    jit?.setHotThreshold(2, 1);
    runJit(h, jit);
    assert.equal(u64(h, 4), 2000n + 2n * 2000n, `translator ${on ? "on" : "off"}`);
  }
});

/** Reads a module's bytes from `at` on: unsigned LEB128 numbers and single bytes. */
class ModuleReader {
  constructor(readonly b: Uint8Array, public at: number) {}
  u32(): number {
    let v = 0, shift = 0, byte;
    do {
      byte = this.b[this.at++];
      v += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return v;
  }
  byte(): number {
    return this.b[this.at++];
  }
}

/** Reads a module's sections: id, the byte range of its contents. */
function wasmSections(b: Uint8Array): { id: number; start: number; end: number }[] {
  const r = new ModuleReader(b, 8);
  const out = [];
  while (r.at < b.length) {
    const id = r.byte(), size = r.u32();
    out.push({ id, start: r.at, end: r.at + size });
    r.at += size;
  }
  return out;
}

Deno.test("jit: branch hints mark TLB hits likely and budget exits unlikely, at their if and br_if", () => {
  const modules: Uint8Array[] = [];
  const Module = WebAssembly.Module;
  // Every module the translator compiles, kept to be read.
  WebAssembly.Module = function (bytes: Uint8Array<ArrayBuffer>) {
    modules.push(new Uint8Array(bytes));
    return new Module(bytes);
  } as unknown as typeof WebAssembly.Module;
  try {
    const h = bareHart([
      E.addi(3, 0, 1), // 0
      E.slli(3, 3, 31), // 4: x3 = RAM_BASE
      E.addi(3, 3, 0x400), // 8: a word of data
      E.addi(2, 0, 100), // 12: passes
      E.ld(4, 3, 0), // 16: loop
      E.addi(4, 4, 1), // 20
      E.sd(4, 3, 0), // 24
      E.jal(1, 20), // 28: call 48
      E.addi(2, 2, -1), // 32
      bne(2, 0, -20), // 36 -> 16
      E.wfi(), // 40
      0, // 44
      E.addi(5, 5, 1), // 48: the function
      E.jalr(0, 1, 0), // 52: return
    ]);
    runJit(h, translating(h));
    assert.equal(u64(h, 4), 100n);
    assert.equal(u64(h, 5), 100n);
  } finally {
    WebAssembly.Module = Module;
  }
  assert.ok(modules.length > 0, "the loop was translated");
  let likely = 0, unlikely = 0;
  for (const bytes of modules) {
    const sections = wasmSections(bytes);
    const hints = sections.find((s) => {
      const name = "metadata.code.branch_hint";
      const text = new TextDecoder().decode(bytes.subarray(s.start + 1, s.start + 1 + name.length));
      return s.id === 0 && bytes[s.start] === name.length && text === name;
    });
    if (hints === undefined) continue; // a region with no load, store or budget check
    const code = sections.find((s) => s.id === 10)!;
    assert.ok(hints.end <= code.start, "before the code section, where V8 reads it");
    // Where each function body starts in the code section.
    const r = new ModuleReader(bytes, code.start);
    const bodies: number[] = [];
    for (let n = r.u32(), k = 0; k < n; k++) {
      const size = r.u32();
      bodies.push(r.at);
      r.at += size;
    }
    r.at = hints.start + 1 + "metadata.code.branch_hint".length;
    const imports = IMPORT_COUNT;
    for (let n = r.u32(), f = 0; f < n; f++) {
      const body = bodies[r.u32() - imports];
      for (let m = r.u32(), k = 0, last = -1; k < m; k++) {
        const offset = r.u32();
        assert.ok(offset > last, "offsets increase");
        last = offset;
        assert.equal(r.u32(), 1);
        const hint = r.byte();
        assert.ok([0x04, 0x0d].includes(bytes[body + offset]), "the hint names an if or br_if");
        if (hint === 1) likely++;
        else unlikely++;
      }
    }
  }
  assert.ok(likely >= 2, "the load's and the store's TLB hits");
  assert.ok(unlikely >= 1, "the budget's exits");
});

Deno.test("jit: a function whose address the code computes is planned with it; data is not", () => {
  const page = 0x80000000;
  const words = [
    E.auipc(11, 0), // 0
    E.addi(11, 11, 24), // 4: x11 = the function at 24 (after a return)
    E.auipc(12, 0), // 8
    E.addi(12, 12, 36), // 12: x12 = 44, a word not after a return
    E.jalr(1, 11, 0), // 16: call through x11
    E.jalr(0, 1, 0), // 20: return
    E.addi(10, 10, 1), // 24: the function
    E.jalr(0, 1, 0), // 28: return
    E.addi(6, 6, 1), // 32
    E.addi(6, 6, 1), // 36
    E.addi(6, 6, 1), // 40
    E.addi(5, 5, 1), // 44
    E.jalr(0, 1, 0), // 48
  ];
  const u16 = new Uint16Array(2048);
  new Uint32Array(u16.buffer).set(words);
  const plan = planRegion(u16, page, 0, [page])!;
  const starts = plan.blocks.map((b) => b.pc - page);
  assert.deepEqual(starts, [0, 20, 24]);
  assert.deepEqual(plan.roots, [page, page + 24]);
});

Deno.test("jit: entered inside a loop, the flat variant runs on and leaves where the structured one can go on", () => {
  const program = [
    E.addi(2, 0, 100), // 0
    E.addi(1, 1, 1), // 4: loop head
    E.opImm(7)(3, 1, 1), // 8: andi
    E.beq(3, 0, 8), // 12 -> 20
    E.addi(4, 4, 1), // 16: inside the loop, no entry of the structured variant
    E.addi(2, 2, -1), // 20: inside the loop too
    bne(2, 0, -20), // 24 -> 4
    E.addi(5, 5, 7), // 28: after the loop, an entry
    E.wfi(), // 32
  ];
  const outcome = (on: boolean) => {
    const h = bareHart(program);
    const jit = on ? translating(h) : null;
    runJit(h, jit); // translated (struct variant) on the way
    // Back into the loop's last block with one pass left, as an interrupt's return would.
    h.pc = RAM_BASE + 20;
    h.state.x[2] = 1n;
    h.waiting = false;
    const before = jit?.stats.modules ?? 0;
    runJit(h, jit);
    if (jit) assert.ok(jit.stats.modules > before, "the flat variant was compiled and run");
    return { pc: h.pc, instret: h.instret, regs: [1, 2, 3, 4, 5].map((r) => u64(h, r)) };
  };
  const interpreted = outcome(false);
  assert.deepEqual(interpreted.regs, [100n, 0n, 0n, 50n, 14n]);
  assert.deepEqual(outcome(true), interpreted);
});

Deno.test("jit: a CSR write that makes a pending interrupt takeable ends the region at once", () => {
  const program = [
    E.auipc(7, 0), // 0
    E.addi(7, 7, 100), // 4: x7 = handler at 100
    E.csrrw(0, 0x305, 7), // 8: mtvec
    E.addi(5, 0, 8), // 12: mstatus.MIE
    E.csrrsi(0, 0x304, 2), // 16: mie.SSIE
    E.addi(6, 0, 600), // 20: passes
    E.csrrsi(0, 0x344, 2), // 24: loop: SSIP pending, not takeable (MIE clear): goes on
    E.addi(10, 10, 1), // 28
    E.csrrs(0, 0x300, 5), // 32: MIE set: the interrupt is taken before the next instruction
    E.addi(11, 11, 1), // 36
    E.addi(6, 6, -1), // 40
    bne(6, 0, -20), // 44 -> 24
    E.wfi(), // 48
    ...new Array(12).fill(0), // 52..96
    E.csrrci(0, 0x344, 2), // 100: handler: SSIP off
    E.addi(14, 0, 0x80), // 104
    E.csrrc(0, 0x300, 14), // 108: MPIE off: back with MIE clear
    E.csrrs(12, 0x341, 0), // 112: mepc
    E.sub(16, 10, 11), // 116: 1 if the interrupt came before pc 36 ran
    E.add(17, 17, 16), // 120
    E.addi(13, 13, 1), // 124
    E.mret(), // 128
  ];
  const outcome = (mode: Mode) => {
    const { h, jit, lockstep } = inMode(program, mode);
    runJit(h, jit);
    return {
      regs: [10, 11, 12, 13, 17].map((r) => u64(h, r)),
      instret: h.instret,
      translated: (jit?.stats.regions ?? 0) > 0,
      checked: (lockstep?.checked ?? 0) > 100,
    };
  };
  const interpreted = outcome("off");
  const base = BigInt(RAM_BASE);
  assert.deepEqual(interpreted.regs, [600n, 600n, base + 36n, 600n, 600n]);
  assert.deepEqual(outcome("on"), { ...interpreted, translated: true });
  assert.deepEqual(outcome("check"), { ...interpreted, translated: true, checked: true });
});

Deno.test("jit: CSR writes that only switch the data TLB set or change mie stay in the region", () => {
  const program = [
    E.lui(5, 0x20), // 0: x5 = mstatus.MPRV
    E.lui(7, 1), // 4
    E.addi(7, 7, -2048), // 8: x7 = MPP = S (0x800)
    E.csrrs(0, 0x300, 7), // 12
    E.auipc(3, 2), // 16: x3 = data at 8192 + 16 (off the code's page)
    E.addi(2, 0, 1000), // 20: passes
    E.csrrs(0, 0x300, 5), // 24: loop: MPRV on: loads and stores as S (satp bare)
    E.ld(4, 3, 0), // 28
    E.addi(4, 4, 1), // 32
    E.sd(4, 3, 0), // 36
    E.csrrc(0, 0x300, 5), // 40: MPRV off
    E.csrrsi(0, 0x304, 2), // 44: mie.SSIE (nothing pending)
    E.csrrci(0, 0x304, 2), // 48
    E.ld(6, 3, 0), // 52
    E.add(8, 8, 6), // 56
    E.addi(2, 2, -1), // 60
    bne(2, 0, -40), // 64 -> 24
    E.wfi(), // 68
  ];
  const outcome = (mode: Mode) => {
    const { h, jit, lockstep } = inMode(program, mode);
    runJit(h, jit);
    return {
      regs: [4, 8].map((r) => u64(h, r)),
      mstatus: h.mstatus,
      instret: h.instret,
      csrExits: jit?.stats.exitsCsr ?? 0,
      checked: (lockstep?.checked ?? 0) > 100,
    };
  };
  const interpreted = outcome("off");
  assert.deepEqual(interpreted.regs, [1000n, 500500n]);
  assert.deepEqual(outcome("on"), interpreted);
  assert.deepEqual(outcome("check"), { ...interpreted, checked: true });
});

Deno.test("jit: a write that turns mstatus.FS off goes on unless FP code follows in its block", () => {
  const faddD = E.fop(0x01, 0);
  const program = [
    E.auipc(7, 0), // 0
    E.addi(7, 7, 100), // 4: x7 = handler at 100
    E.csrrw(0, 0x305, 7), // 8: mtvec
    E.lui(5, 6), // 12: x5 = mstatus.FS
    E.addi(6, 0, 300), // 16: passes
    E.csrrs(0, 0x300, 5), // 20: loop: FS on (Dirty), FP code after it in the block: leaves
    faddD(1, 1, 1), // 24
    E.addi(8, 8, 1), // 28
    E.csrrc(0, 0x300, 5), // 32: FS off, no FP code after it in the block: goes on
    E.addi(6, 6, -1), // 36
    bne(6, 0, -20), // 40 -> 20
    faddD(2, 1, 1), // 44: FS off: illegal instruction
    E.wfi(), // 48
    ...new Array(12).fill(0), // 52..96
    E.csrrs(20, 0x342, 0), // 100: handler: mcause
    E.csrrs(21, 0x341, 0), // 104: mepc
    E.wfi(), // 108
  ];
  const outcome = (mode: Mode) => {
    const { h, jit, lockstep } = inMode(program, mode, (h) => {
      h.state.f[1] = 0x3ff0000000000000n; // 1.0
    });
    runJit(h, jit);
    return {
      regs: [8, 20, 21].map((r) => u64(h, r)),
      f1: h.state.f[1],
      mstatus: h.mstatus,
      instret: h.instret,
      csrExits: mode === "on" ? jit!.stats.exitsCsr : 0,
      checked: lockstep?.checked ?? 0,
    };
  };
  const interpreted = outcome("off");
  assert.deepEqual(interpreted.regs, [300n, 2n, BigInt(RAM_BASE) + 44n]);
  const translated = outcome("on");
  // The one leave: at the first entry, FP code followed the write in its block.
  assert.ok(translated.csrExits < 10, `${translated.csrExits} exits after CSR writes`);
  assert.deepEqual({ ...translated, csrExits: 0 }, interpreted);
  const checked = outcome("check");
  assert.deepEqual({ ...checked, checked: 0 }, interpreted);
  assert.ok(checked.checked >= 20, `${checked.checked} runs checked`);
});

Deno.test("jit: the lockstep checker's two runs of a region read one time", () => {
  // A loop summing rdtime; bareHart's clock moves at every read, as real time moves between runs.
  const program = [
    E.addi(2, 0, 500), // 0: passes
    E.csrrs(5, 0xc01, 0), // 4: loop: rdtime
    E.add(6, 6, 5), // 8
    E.addi(2, 2, -1), // 12
    bne(2, 0, -12), // 16 -> 4
    E.wfi(), // 20
  ];
  const { h, jit, lockstep } = inMode(program, "check");
  runJit(h, jit);
  assert.ok(h.waiting, "the loop ran to its end");
  assert.ok(lockstep!.checked > 0 && jit!.stats.regions > 0, "translated and checked");
});
