/**
 * The software TLB's index (core/mmu.ts `tlbIndex`): pages that shared an
 * entry when it was page bits 12..19 (a program's code and its library's,
 * placed so by ASLR) stay cached side by side, for fetches and data, in the
 * interpreter, its wasm tier and translated code; and a one-page SFENCE.VMA
 * still drops every cached part of a superpage, for fetches too.
 */
import assert from "node:assert/strict";
import type { Hart } from "../core/hart.ts";
import { Jit } from "../core/jit/jit.ts";
import { RAM_BASE } from "../core/memory.ts";
import { WASM_INTERP_RETIRED_OFFSET } from "../core/state.ts";
import { ACCESS_FETCH, ACCESS_LOAD } from "../core/trap.ts";
import * as E from "../core/encode.ts";
import { bareHart, runFor, u64 } from "./support/bare_hart.ts";
import { enterSv39, pte } from "./support/sv39.ts";

const ROOT = 0x20000;
const bne = E.branch(1);
const jalr = (rd: number, rs1: number, imm: number) => E.I(imm, rs1, 0, rd, 0x67);

/** S-mode under Sv39 from VA `entry`, the prologue at VA 0 (the gigapage VA 0 -> RAM_BASE). */
const prologue = (entry: number) => enterSv39(ROOT, entry);

/** Writes words at a VA of the gigapage (RAM offset = VA). */
function put(h: Hart, va: number, words: number[]): void {
  words.forEach((w, i) => h.mem.view.setUint32(va + i * 4, w, true));
}

/** Counts the hart's translations (page walks, or M-mode's fills) by access kind. */
function countWalks(h: Hart): number[] {
  const counts = [0, 0, 0];
  const translate = h.translate.bind(h);
  h.translate = (va, access) => {
    counts[access]++;
    return translate(va, access);
  };
  return counts;
}

/** Runs to WFI (or `max` instructions), translated from the first jump on when `jit` is given. */
function run(h: Hart, jit: Jit | null, max = 200_000): void {
  if (jit === null) return runFor(h, max);
  for (let n = 0; n < max && !h.waiting;) n += Math.max(1, jit.run(Math.min(1000, max - n)));
}

/**
 * A loop at VA 0x1000 that calls a function at VA 0x401000 and loads from VA
 * 0x2000 and 0x102000 each pass: pages 0x1 and 0x401, 0x2 and 0x102, each
 * pair one entry of a TLB indexed by page bits 12..19 (as before); the code
 * pages would share one indexed by bits 12..21 too (as the data TLB is).
 */
function collidingPages(passes: number): Hart {
  const h = bareHart([], 8 << 20);
  h.mem.view.setBigUint64(ROOT, pte(RAM_BASE, 0xcf), true); // V R W X A D
  put(h, 0, prologue(0x1000));
  put(h, 0x1000, [
    E.addi(5, 0, passes),
    E.lui(8, 0x2),
    E.lui(10, 0x102),
    E.lui(13, 0x401),
    jalr(1, 13, 0), // 0x1010: the loop
    E.ld(7, 8, 0),
    E.ld(9, 10, 0),
    E.add(11, 11, 7),
    E.add(11, 11, 9),
    E.addi(5, 5, -1),
    bne(5, 0, -24),
    E.wfi(),
  ]);
  put(h, 0x401000, [E.addi(6, 6, 1), jalr(0, 1, 0)]);
  h.mem.view.setBigUint64(0x2000, 3n, true);
  h.mem.view.setBigUint64(0x102000, 40n, true);
  return h;
}

/** Runs collidingPages' 1,000 passes, interpreted or translated, counting page walks. */
function runCollidingPages(translated: boolean) {
  const h = collidingPages(1000);
  const walks = countWalks(h);
  const jit = translated ? new Jit(h, h.mem) : null;
  jit?.setHotThreshold(0);
  run(h, jit);
  return { h, walks, how: translated ? "translated" : "interpreted" };
}

Deno.test("fetch TLB: a call and return between pages that shared an entry walks the tables a few times, not at every call", () => {
  for (const translated of [false, true]) {
    const { h, walks, how } = runCollidingPages(translated);
    assert.ok(h.waiting, `the loop ended (${how})`);
    assert.equal(u64(h, 6), 1000n, `the function ran at every pass (${how})`);
    assert.ok(walks[ACCESS_FETCH] <= 10, `${walks[ACCESS_FETCH]} fetch walks (${how})`);
  }
});

Deno.test("data TLB: loads from two pages that shared an entry walk the tables a few times, not at every load", () => {
  for (const translated of [false, true]) {
    const { h, walks, how } = runCollidingPages(translated);
    assert.equal(u64(h, 11), 43_000n, `every load read its page (${how})`);
    assert.ok(walks[ACCESS_LOAD] <= 10, `${walks[ACCESS_LOAD]} load walks (${how})`);
  }
});

Deno.test("the interpreter's wasm tier runs that loop itself: its TLB index is the hart's", () => {
  const h = collidingPages(1000);
  const tier = h.wasmInterp!;
  let retired = 0;
  h.wasmInterp = (...args) => {
    const status = tier(...args);
    retired += h.mem.i32[WASM_INTERP_RETIRED_OFFSET >> 2];
    return status;
  };
  const before = h.instret;
  run(h, null);
  const total = h.instret - before;
  assert.equal(u64(h, 11), 43_000n);
  assert.ok(retired > 0.9 * total, `the wasm tier ran ${retired} of ${total} instructions`);
});

Deno.test("translated code chains between those pages and loads from them inline: its TLB index is the hart's", () => {
  const h = collidingPages(1000);
  const jit = new Jit(h, h.mem);
  jit.setHotThreshold(0);
  let entries = 0, slowLoads = 0;
  const enter = jit.runRegion;
  jit.runRegion = (e, budget) => {
    entries++;
    return enter(e, budget);
  };
  const load64Slow = h.load64Slow.bind(h);
  h.load64Slow = (va) => {
    slowLoads++;
    return load64Slow(va);
  };
  run(h, jit);
  assert.equal(u64(h, 11), 43_000n);
  // ~9 slices of 1,000 instructions: a region entered from the run loop at each, the rest chained.
  assert.ok(entries < 100, `${entries} entries from the run loop for 1,000 passes`);
  assert.ok(slowLoads < 10, `${slowLoads} loads took the slow path`);
});

Deno.test("fetch TLB: SFENCE.VMA of one address drops the cached parts of its superpage", () => {
  for (const translated of [false, true]) {
    // VA 0x40000000 is a 2 MiB megapage (second-level table at RAM + 0x21000) holding code at
    // +0x3000: at RAM + 2 MiB first (x20 = 1), then at RAM + 4 MiB (x20 = 2).
    const h = bareHart([], 8 << 20);
    const ram = h.mem.view, MIB = 1 << 20, mid = 0x21000;
    ram.setBigUint64(ROOT, pte(RAM_BASE, 0xcf), true);
    ram.setBigUint64(ROOT + 8, pte(RAM_BASE + mid, 0x01), true); // next level
    ram.setBigUint64(mid, pte(RAM_BASE + 2 * MIB, 0xcb), true); // V R X A
    ram.setBigUint64(0x22000, pte(RAM_BASE + 4 * MIB, 0xcb), true); // the new leaf
    put(h, 2 * MIB + 0x3000, [E.addi(20, 0, 1), jalr(0, 1, 0)]);
    put(h, 4 * MIB + 0x3000, [E.addi(20, 0, 2), jalr(0, 1, 0)]);
    put(h, 0, prologue(0x1000));
    put(h, 0x1000, [
      E.lui(12, 0x40003), // x12 = VA 0x40003000
      E.addi(5, 0, 40), // 0x1004: calls to fill the fetch TLB (and get the code translated)
      jalr(1, 12, 0),
      E.addi(5, 5, -1),
      bne(5, 0, -8),
      E.add(19, 20, 0), // x19 = 1
      E.lui(13, 0x22),
      E.ld(6, 13, 0), // the new leaf
      E.lui(14, 0x21),
      E.sd(6, 14, 0), // mid[0]: the megapage now at RAM + 4 MiB
      E.lui(9, 0x40005), // VA 0x40005000: another 4 KiB page of the same megapage
      0x12000073 | (9 << 15), // sfence.vma x9, x0
      jalr(1, 12, 0),
      E.wfi(),
    ]);
    const jit = translated ? new Jit(h, h.mem) : null;
    jit?.setHotThreshold(0);
    run(h, jit);
    const how = translated ? "translated" : "interpreted";
    assert.equal(u64(h, 19), 1n, `the old megapage's code ran first (${how})`);
    assert.equal(u64(h, 20), 2n, `a stale fetch TLB part of the old megapage was used (${how})`);
  }
});
