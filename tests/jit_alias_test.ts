/**
 * One physical page of code mapped at two virtual addresses (a library or a
 * PIE program in two processes, which ASLR places apart): the translation
 * made at the first address runs at the second (core/jit/jit.ts `alias`),
 * and what it computes there is what the interpreter computes: AUIPC and
 * links of the second address, returns, budget exits and a page fault's mepc
 * there, and a store to the page followed by FENCE.I seen.
 */
import assert from "node:assert/strict";
import type { Hart } from "../core/hart.ts";
import { Jit } from "../core/jit/jit.ts";
import { Lockstep } from "../core/jit/lockstep.ts";
import { RAM_BASE } from "../core/memory.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";

const ROOT = 0x20000, L1 = 0x21000, L0 = 0x22000;
/** The code page's RAM offset, and where Sv39 maps it (the gigapage at VA 0 maps it too). */
const CODE = 0x30000, VA_A = 0x40005000, VA_B = 0x40009000;
/** The function's offset in its page; its `addi x6, x0, 50` (patched to 7 later). */
const FN = 0x100, PATCHED = FN + 8;
const HANDLER = 0x3000;
const pte = (pa: number, flags: number) => BigInt(pa / 4096) << 10n | BigInt(flags);
const bne = E.branch(1);

/**
 * M-mode sets mtvec (a WFI at RAM + HANDLER) and Sv39, then runs at VA 0x1000
 * in S-mode: calls the function 20 times at VA_A, 20 at `second`, patches it
 * through the gigapage and runs FENCE.I, calls it 3 times more at `second`,
 * then once with an unmapped address in x9 (a load page fault inside it).
 */
function machine(second: number): Hart {
  const h = bareHart([], 8 << 20);
  const v = h.mem.view;
  const put = (off: number, words: number[]) =>
    words.forEach((w, i) => v.setUint32(off + i * 4, w, true));
  v.setBigUint64(ROOT, pte(RAM_BASE, 0xcf), true); // VA 0: a gigapage of RAM, V R W X A D
  v.setBigUint64(ROOT + 8, pte(RAM_BASE + L1, 0x01), true);
  v.setBigUint64(L1, pte(RAM_BASE + L0, 0x01), true);
  for (const va of [VA_A, VA_B]) {
    v.setBigUint64(L0 + ((va >>> 12) & 511) * 8, pte(RAM_BASE + CODE, 0x4b), true); // V R X A
  }
  put(0, [
    E.addi(7, 0, 1),
    E.slli(7, 7, 31),
    E.lui(8, HANDLER >>> 12),
    E.add(7, 7, 8),
    E.csrrw(0, 0x305, 7), // mtvec
    E.addi(2, 0, 8),
    E.slli(2, 2, 60),
    E.lui(3, (RAM_BASE + ROOT) >>> 12),
    E.slli(3, 3, 32),
    E.srli(3, 3, 44),
    E.R(0, 3, 2, 6, 2, 0x33), // or x2, x2, x3: satp = Sv39 | root
    E.csrrw(0, 0x180, 2),
    E.addi(4, 0, 0x400),
    E.add(4, 4, 4), // MPP = S
    E.csrrs(0, 0x300, 4),
    E.lui(5, 0x1),
    E.csrrw(0, 0x341, 5), // mepc
    E.mret(),
  ]);
  put(HANDLER, [E.wfi()]);
  put(0x1000, [
    E.lui(13, VA_A >>> 12),
    E.lui(9, 0x2),
    E.addi(5, 0, 20),
    E.jalr(1, 13, FN), // 0x100c
    E.addi(5, 5, -1),
    bne(5, 0, -8),
    E.lui(13, second >>> 12),
    E.addi(5, 0, 20),
    E.jalr(1, 13, FN), // 0x1020
    E.addi(5, 5, -1),
    bne(5, 0, -8),
    E.lui(14, CODE >>> 12), // the code page through the gigapage
    E.lw(15, 9, 8),
    E.sw(15, 14, PATCHED),
    E.fenceI(),
    E.addi(5, 0, 3),
    E.jalr(1, 13, FN), // 0x1040
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
    bne(6, 0, -16),
    E.ld(24, 9, 0), // +0x20
    E.add(25, 25, 24),
    E.jalr(0, 1, 0),
  ]);
  return h;
}

/** The figures a run leaves: sums of AUIPC values, links and loads, and the fault. */
function outcome(h: Hart) {
  return {
    auipc: u64(h, 20) + 0n,
    auipcSum: u64(h, 21),
    linkSum: u64(h, 23),
    loadSum: u64(h, 25),
    mcause: h.mcause,
    mepc: BigInt.asUintN(64, BigInt(h.mepc)),
    mtval: BigInt.asUintN(64, BigInt(h.mtval)),
    waiting: h.waiting,
  };
}

/** Runs to WFI in slices of `slice` instructions, translated (threshold 0) unless `mode` is off. */
function run(second: number, mode: "off" | "on" | "check", slice = 1000) {
  const h = machine(second);
  const jit = mode === "off" ? null : new Jit(h, h.mem, mode === "check");
  jit?.setHotThreshold(0);
  const lockstep = mode === "check" ? new Lockstep(jit!) : null;
  let translated = 0;
  if (jit) {
    const enter = jit.runRegion;
    jit.runRegion = (e, b) => {
      const k = enter(e, b);
      translated += k;
      return k;
    };
  }
  let total = 0;
  while (total < 1_000_000 && !h.waiting) {
    total += Math.max(1, jit ? jit.run(slice) : h.run(slice));
  }
  const regions = jit?.stats.regions ?? 0;
  return { figures: outcome(h), regions, translated, total, checked: lockstep?.checked };
}

Deno.test("jit alias: code translated at one address runs at another as the interpreter runs it", () => {
  const want = run(VA_B, "off").figures;
  assert.ok(want.waiting, "the program ran to its end");
  // What the interpreter gives: 23 passes at each address...
  const f = (va: number) => BigInt(va + FN);
  assert.equal(want.auipcSum, 20n * f(VA_A) + 24n * f(VA_B));
  assert.equal(want.linkSum, 1000n * (f(VA_A) + 16n) + (1000n + 3n * 7n + 7n) * (f(VA_B) + 16n));
  assert.equal(want.mcause, 13n, "a load page fault");
  assert.equal(want.mepc, f(VA_B) + 0x20n, "at the load, at the second address");
  assert.equal(want.mtval, 0xffffffff80000000n);
  for (const slice of [1000, 7]) { // 7: budget exits inside the function's loop
    const { figures, regions, translated, total } = run(VA_B, "on", slice);
    assert.deepEqual(figures, want, `translated, slices of ${slice}`);
    assert.ok(translated > 0.9 * total, `${translated} of ${total} instructions ran translated`);
    // ...and as many translations as when both loops call the first address.
    const same = run(VA_A, "on", slice).regions;
    assert.equal(regions, same, `${regions} regions, ${same} with one address`);
  }
});

Deno.test("jit alias: the lockstep checker finds no difference at the second address", () => {
  const want = run(VA_B, "off").figures;
  const got = run(VA_B, "check");
  assert.deepEqual(got.figures, want);
  assert.ok(got.checked! > 100, `${got.checked} runs checked`);
});
