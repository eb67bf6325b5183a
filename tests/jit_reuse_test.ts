/**
 * One physical page of code mapped at two virtual addresses (a library or a
 * PIE program in two processes, which ASLR places apart; here a low address
 * and one in the upper half): the regions planned at the second address emit
 * the bodies compiled at the first, which run there from the first's modules
 * (core/jit/reuse.ts) and compute what the interpreter computes: AUIPC and
 * links of the second address, an instruction across the page's end, budget
 * exits, a store to the page with FENCE.I, and an ECALL's and a fault's mepc.
 * The second address's page is planned with the roots the first grew to.
 */
import assert from "node:assert/strict";
import type { Hart } from "../core/hart.ts";
import { Jit } from "../core/jit/jit.ts";
import { Lockstep } from "../core/jit/lockstep.ts";
import { RAM_BASE } from "../core/memory.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";
import { enterSv39, pte } from "./support/sv39.ts";
import { countTranslated } from "./support/count_translated.ts";

const ROOT = 0x20000, L1 = 0x21000, L0 = 0x22000;
/** The code page's RAM offset (the next page holds an instruction's upper half). */
const CODE = 0x30000;
const VA_A = 0x40005000;
/** In the upper half: a negative pc, as a kernel's or as JS numbers hold it. */
const VA_B = -0x4000000000 + 0x9000; // 0xffffffc000009000
/** The function's offset in its page; its `addi x6, x0, 50` (patched to 7 later). */
const FN = 0x100, PATCHED = FN + 8;
/** An ECALL in the page, and a leaf whose `addi` is across the page's end. */
const ECALL_AT = 0x200, ACROSS = 0xffa;
const HANDLER = 0x3000;
const bne = E.branch(1);

/**
 * x13 = `va`'s page (Sv39: below 2^31, or 0xffffffc0_0000_0000 + a small
 * offset), in four instructions either way: the caller's code keeps its layout.
 */
function pageOf(va: number): number[] {
  const low = va < 0 ? va + 0x4000000000 : va;
  return [
    E.addi(13, 0, va < 0 ? -1 : 0),
    E.slli(13, 13, 38),
    E.lui(16, low >>> 12),
    E.add(13, 13, 16),
  ];
}

/**
 * M-mode sets mtvec and Sv39, then runs at VA 0x1000 in S-mode: calls the
 * function 20 times at VA_A and one that makes an ECALL 5 times, the same at
 * `second`, patches the function through the gigapage and runs FENCE.I, calls
 * it 3 times more at `second`, then once more there ending in a load page
 * fault. The M-mode handler adds each ECALL's mepc to x29 and returns past
 * it; any other trap ends in its WFI. With `user`, all of it runs in U-mode
 * (the pages are user pages): as a process's code does.
 */
function machine(second: number, user = false): Hart {
  const h = bareHart([], 8 << 20);
  const v = h.mem.view;
  const put = (off: number, words: number[]) =>
    words.forEach((w, i) => v.setUint32(off + i * 4, w, true));
  const u = user ? 0x10 : 0;
  v.setBigUint64(ROOT, pte(RAM_BASE, 0xcf | u), true); // VA 0: a gigapage of RAM, V R W X (U) A D
  v.setBigUint64(ROOT + 8, pte(RAM_BASE + L1, 0x01), true);
  v.setBigUint64(ROOT + 256 * 8, pte(RAM_BASE + L1, 0x01), true);
  v.setBigUint64(L1, pte(RAM_BASE + L0, 0x01), true);
  for (const va of [VA_A, VA_B]) {
    const i = ((va + 0x4000000000) / 4096) & 511;
    v.setBigUint64(L0 + i * 8, pte(RAM_BASE + CODE, 0x4b | u), true); // V R X (U) A
    v.setBigUint64(L0 + (i + 1) * 8, pte(RAM_BASE + CODE + 0x1000, 0x4b | u), true);
  }
  put(0, [
    E.addi(7, 0, 1),
    E.slli(7, 7, 31),
    E.lui(8, HANDLER >>> 12),
    E.add(7, 7, 8),
    E.csrrw(0, 0x305, 7), // mtvec
    ...enterSv39(ROOT, 0x1000, user),
  ]);
  put(HANDLER, [
    E.csrrs(28, 0x342, 0), // mcause
    E.addi(30, 0, user ? 8 : 9), // an ECALL from U- or S-mode
    bne(28, 30, 24),
    E.csrrs(28, 0x341, 0), // mepc
    E.add(29, 29, 28),
    E.addi(28, 28, 4),
    E.csrrw(0, 0x341, 28),
    E.mret(),
    E.wfi(),
  ]);
  const ecalls = [E.addi(5, 0, 5), E.jalr(1, 13, ECALL_AT), E.addi(5, 5, -1), bne(5, 0, -8)];
  put(0x1000, [
    ...pageOf(VA_A),
    E.lui(9, 0x2),
    E.addi(5, 0, 20),
    E.jalr(1, 13, FN),
    E.addi(5, 5, -1),
    bne(5, 0, -8),
    ...ecalls,
    ...pageOf(second),
    E.addi(5, 0, 20),
    E.jalr(1, 13, FN),
    E.addi(5, 5, -1),
    bne(5, 0, -8),
    ...ecalls,
    E.lui(14, CODE >>> 12), // the code page through the gigapage
    E.lw(15, 9, 8),
    E.sw(15, 14, PATCHED),
    E.fenceI(),
    E.addi(5, 0, 3),
    E.jalr(1, 13, FN),
    E.addi(5, 5, -1),
    bne(5, 0, -8),
    E.lui(9, 0x80000), // 0xffffffff80000000: canonical, unmapped
    E.jalr(1, 13, FN),
    E.wfi(),
  ]);
  v.setBigUint64(0x2000, 5n, true);
  v.setUint32(0x2008, E.addi(6, 0, 7), true);
  put(CODE + FN, [
    E.auipc(20, 0),
    E.add(21, 21, 20),
    E.addi(6, 0, 50),
    E.jal(22, 8), // +0xc: link +0x10
    E.addi(0, 0, 0),
    E.add(23, 23, 22),
    E.addi(6, 6, -1),
    E.jal(26, ACROSS - (FN + 0x1c)), // +0x1c: the leaf across the page's end, and back
    bne(6, 0, -20), // to +0xc
    E.ld(24, 9, 0), // +0x24
    E.add(25, 25, 24),
    E.jalr(0, 1, 0),
  ]);
  // The leaf: an `addi x27, x27, 3` whose upper half is on the next page, then a return.
  put(CODE + ACROSS, [E.addi(0, 0, 0)]);
  const across = E.addi(27, 27, 3);
  v.setUint16(CODE + 0xffe, across & 0xffff, true);
  v.setUint16(CODE + 0x1000, across >>> 16, true);
  put(CODE + 0x1002, [E.jalr(0, 26, 0)]);
  put(CODE + ECALL_AT, [E.ecall(), E.jalr(0, 1, 0)]);
  return h;
}

/** The figures a run leaves: sums of AUIPC values, links and loads, and the trap. */
function outcome(h: Hart) {
  return {
    auipc: u64(h, 20),
    auipcSum: u64(h, 21),
    linkSum: u64(h, 23),
    loadSum: u64(h, 25),
    leafSum: u64(h, 27),
    ecallSum: u64(h, 29),
    mcause: h.mcause,
    mepc: BigInt.asUintN(64, BigInt(h.mepc)),
    mtval: BigInt.asUintN(64, BigInt(h.mtval)),
    waiting: h.waiting,
  };
}

/** Runs to WFI in slices of `slice` instructions, translated (threshold 0) unless `mode` is off. */
function run(second: number, mode: "off" | "on" | "check", slice = 1000, user = false) {
  const h = machine(second, user);
  const jit = mode === "off" ? null : new Jit(h, h.mem, mode === "check");
  jit?.setHotThreshold(0);
  const lockstep = mode === "check" ? new Lockstep(jit!) : null;
  const translated = jit === null ? () => 0 : countTranslated(jit);
  let total = 0;
  while (total < 1_000_000 && !h.waiting) {
    total += Math.max(1, jit ? jit.run(slice) : h.run(slice));
  }
  return {
    figures: outcome(h),
    stats: jit?.stats,
    translated: translated(),
    total,
    checked: lockstep?.checked,
  };
}

const at = (va: number) => BigInt.asUintN(64, BigInt(va + FN));

Deno.test("jit reuse: code compiled at one address runs at another from the same module, as interpreted", () => {
  for (const user of [false, true]) check(user);
});

function check(user: boolean) {
  const want = run(VA_B, "off", 1000, user).figures;
  assert.ok(want.waiting, "the program ran to its end");
  // What the interpreter gives: 23 calls at the second address, 20 at the first.
  const wrap = (n: bigint) => BigInt.asUintN(64, n);
  assert.equal(want.auipcSum, wrap(20n * at(VA_A) + 24n * at(VA_B)));
  assert.equal(
    want.linkSum,
    wrap(1000n * (at(VA_A) + 16n) + (1000n + 3n * 7n + 7n) * (at(VA_B) + 16n)),
  );
  assert.equal(want.leafSum, 3n * (1000n + 1000n + 3n * 7n + 7n));
  const ecall = (va: number) => BigInt.asUintN(64, BigInt(va + ECALL_AT));
  assert.equal(want.ecallSum, wrap(5n * ecall(VA_A) + 5n * ecall(VA_B)), "each ECALL's mepc");
  assert.equal(want.mcause, 13n, "a load page fault");
  assert.equal(want.mepc, at(VA_B) + 0x24n, "at the load, at the second address");
  assert.equal(want.mtval, 0xffffffff80000000n);
  for (const slice of [1000, 7]) { // 7: budget exits inside the function's loop
    const { figures, stats, translated, total } = run(VA_B, "on", slice, user);
    assert.deepEqual(figures, want, `translated, slices of ${slice}, user ${user}`);
    assert.ok(translated > 0.9 * total, `${translated} of ${total} instructions ran translated`);
    // As many compiled as when both loops call the first address: the second address's
    // regions come from the first's modules.
    const one = run(VA_A, "on", slice, user).stats!;
    assert.ok(stats!.reused > 0, "a region at the second address ran a body compiled before");
    assert.equal(stats!.modules, one.modules, `${stats!.modules} modules, ${one.modules} at one`);
    // At the first address the function's page grew a region per hot pc (four); at the second
    // it is planned with the roots it grew to (core/jit/jit.ts `frameRoots`): once before its
    // next page is mapped, once after, and the next page's region. The others are the same.
    assert.ok(
      stats!.regions <= one.regions + 3,
      `${stats!.regions} regions, ${one.regions} at one`,
    );
  }
}

Deno.test("jit reuse: the lockstep checker finds no difference at the second address", () => {
  for (const user of [false, true]) {
    const want = run(VA_B, "off", 1000, user).figures;
    const got = run(VA_B, "check", 1000, user);
    assert.deepEqual(got.figures, want);
    assert.ok(got.checked! > 100, `${got.checked} runs checked`);
  }
});

Deno.test("jit reuse: with the translation credit spent, code compiled before at another address is translated still", () => {
  const want = run(VA_B, "off").figures;
  const h = machine(VA_B);
  const jit = new Jit(h, h.mem);
  jit.setHotThreshold(50, 1); // the budget applies (threshold 0 would switch it off)
  const pageB = BigInt.asUintN(64, BigInt(VA_B));
  let total = 0, owed = false;
  while (total < 1_000_000 && !h.waiting) {
    // Once the calls at the first address are done: translation time owed for an hour.
    if (!owed && u64(h, 13) === pageB) {
      (jit as unknown as { creditMs: number }).creditMs = -3_600_000;
      owed = true;
    }
    total += Math.max(1, jit.run(100));
  }
  assert.ok(owed);
  assert.deepEqual(outcome(h), want);
  assert.ok(jit.stats.reused > 0, "the second address's regions came from the first's modules");
});
