/**
 * The translator's chain cache (core/jit/codegen.ts `chainIndex`, jit.ts
 * `chainTo`): a region leaving for a pc tail-calls that pc's region when the
 * cache names it. Two hot pcs with the same hash each keep a record (a pair
 * of records per hash), so a call and its return between them chain instead
 * of going back to the run loop at every pass (a dash loop on Debian did so
 * ~40,000 times a second: docs/speed.md, "ftlb").
 */
import assert from "node:assert/strict";
import type { Hart } from "../core/hart.ts";
import { Jit } from "../core/jit/jit.ts";
import { chainIndex } from "../core/jit/codegen.ts";
import { RAM_BASE } from "../core/memory.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";

const bne = E.branch(1);
const jalr = (rd: number, rs1: number, imm: number) => E.I(imm, rs1, 0, rd, 0x67);

/**
 * Runs the hart to its WFI translated at once, in slices of `slice`; returns how many times a
 * region was entered from the run loop (not chained to).
 */
function entriesToWfi(h: Hart, slice: number): number {
  const jit = new Jit(h, h.mem);
  jit.setHotThreshold(0);
  let entries = 0;
  jit.runRegion = (e, budget) => {
    entries++;
    return jit.enter(e, budget);
  };
  for (let n = 0; n < 100_000 && !h.waiting;) n += Math.max(1, jit.run(slice));
  assert.ok(h.waiting, "the loop ended");
  return entries;
}

Deno.test("jit chain: a call and its return whose pcs share a chain record both chain", () => {
  // The loop at RAM + 0x1000 calls a function; the return lands at R = RAM + 0x1010. The
  // function's address F (in the second half of RAM) is one with R's hash.
  const R = RAM_BASE + 0x1010;
  let F = RAM_BASE + 0x10_0000;
  while (chainIndex(F) !== chainIndex(R)) F += 4;
  assert.ok(F < RAM_BASE + 0x1f_0000, "a pc with the return's hash in RAM");
  const h = bareHart([], 2 << 20);
  const put = (pa: number, words: number[]) =>
    words.forEach((w, i) => h.mem.view.setUint32(pa - RAM_BASE + i * 4, w, true));
  put(RAM_BASE, [E.jal(0, 0x1000)]);
  put(RAM_BASE + 0x1000, [
    E.addi(5, 0, 1000), // 0x1000
    E.auipc(13, (F - (RAM_BASE + 0x1004) + 0x800) >>> 12), // 0x1004: x13 = F (with the addi)
    E.addi(13, 13, ((F - (RAM_BASE + 0x1004)) << 20) >> 20), // 0x1008
    jalr(1, 13, 0), // 0x100c: the call
    E.addi(5, 5, -1), // 0x1010 = R
    bne(5, 0, -8), // 0x1014 -> 0x100c
    E.wfi(),
  ]);
  put(F, [E.addi(6, 6, 1), jalr(0, 1, 0)]);
  const entries = entriesToWfi(h, 1000);
  assert.equal(u64(h, 6), 1000n, "the function ran at every pass");
  // A region entered from the run loop once a slice (~5 slices) and at first; chained otherwise.
  assert.ok(entries < 50, `${entries} entries from the run loop for 1,000 passes`);
});

Deno.test("jit chain: a page's regions merged anew keep the other pages' chain records", () => {
  // Each pass of the loop at RAM + 0x1000 calls f (page 0x2000) and then the next of 16
  // functions on page 0x3000: each new one's pc is merged into that page's region, which
  // drops the region before it; the loop's call to f and the returns must still chain.
  const h = bareHart([], 1 << 20);
  const put = (off: number, words: number[]) =>
    words.forEach((w, i) => h.mem.view.setUint32(off + i * 4, w, true));
  put(0, [E.jal(0, 0x1000)]);
  put(0x1000, [
    E.addi(5, 0, 16),
    E.auipc(13, 2),
    E.addi(13, 13, -4), // x13 = RAM + 0x3000
    E.jal(1, 0x2000 - 0x100c), // 0x100c: f
    jalr(1, 13, 0), // 0x1010: the pass's function on page 0x3000
    E.addi(13, 13, 16),
    E.addi(5, 5, -1),
    bne(5, 0, -16), // -> 0x100c
    E.wfi(),
  ]);
  put(0x2000, [E.addi(6, 6, 1), jalr(0, 1, 0)]);
  for (let k = 0; k < 16; k++) put(0x3000 + 16 * k, [E.addi(9, 9, k + 1), jalr(0, 1, 0)]);
  const entries = entriesToWfi(h, 100_000);
  assert.equal(u64(h, 6), 16n, "f ran at every pass");
  assert.equal(u64(h, 9), 136n, "each function of the third page ran once");
  // One entry from the run loop for each new function (its pc had no translation yet) and a
  // few at the start; with the chain cache cleared at each merge, ~58 (every call and return).
  assert.ok(entries <= 24, `${entries} entries from the run loop for 16 passes`);
});
