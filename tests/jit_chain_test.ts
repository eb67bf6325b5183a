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
import { enterSv39, pte, UPPER_HALF } from "./support/sv39.ts";

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

Deno.test("jit chain: in U-mode a kernel pc's record gives way to a process's call and return", () => {
  // Three pcs with one chain record pair: K in the kernel's half, the user loop's return site R
  // and the function F it calls. The kernel calls K first (its record takes one of the pair);
  // then the U-mode loop calls F 1,000 times. Were K's record kept while user code runs, F's
  // and R's would take the other record in turn, back through the run loop at every pass.
  const R = 0x10010;
  let K = 0x10_0000, F = 0x20_0000;
  while (chainIndex(K) !== chainIndex(R)) K += 4;
  while (chainIndex(F) !== chainIndex(R)) F += 4;
  assert.ok(K < 0x1f_0000 && F < 0x3f_0000, "pcs with the return's hash in RAM");
  const KERNEL = UPPER_HALF; // the kernel's gigapage of RAM
  assert.equal(chainIndex(KERNEL + K), chainIndex(R), "the kernel's pc hashes as its low half");
  const h = bareHart([], 4 << 20);
  const v = h.mem.view;
  const put = (off: number, words: number[]) =>
    words.forEach((w, i) => v.setUint32(off + i * 4, w, true));
  const ROOT = 0x3f_0000, HANDLER = 0x3000;
  v.setBigUint64(ROOT, pte(RAM_BASE, 0xdf), true); // VA 0: RAM for U-mode (V R W X U A D)
  v.setBigUint64(ROOT + 256 * 8, pte(RAM_BASE, 0xcf), true); // the kernel's: no U
  const hiLo = (x: number) => [(x + 0x800) >>> 12, (x << 20) >> 20];
  /** x`rd` = the kernel's VA of RAM offset `off`. */
  const kernelVa = (rd: number, off: number) => [
    E.addi(rd, 0, -1),
    E.slli(rd, rd, 38),
    E.lui(16, hiLo(off)[0]),
    E.addi(16, 16, hiLo(off)[1]),
    E.add(rd, rd, 16),
  ];
  put(0, [
    E.addi(7, 0, 1),
    E.slli(7, 7, 31),
    E.lui(8, HANDLER >>> 12),
    E.add(7, 7, 8), // RAM_BASE + HANDLER
    E.csrrw(0, 0x305, 7), // mtvec: the handler's WFI
    ...enterSv39(ROOT, KERNEL + 0x1000), // S-mode, at the kernel's code
  ]);
  put(HANDLER, [E.wfi()]);
  put(0x1000, [ // S-mode, in the kernel's half: calls K 50 times, then enters U-mode at 0x10000
    ...kernelVa(13, K),
    E.addi(5, 0, 50),
    jalr(1, 13, 0),
    E.addi(5, 5, -1),
    bne(5, 0, -8),
    E.lui(5, 0x10),
    E.csrrw(0, 0x141, 5), // sepc
    E.addi(6, 0, 0x100),
    E.csrrc(0, 0x100, 6), // sstatus.SPP = U
    E.sret(),
  ]);
  put(K, [E.addi(20, 20, 1), jalr(0, 1, 0)]);
  put(0x10000, [
    E.addi(5, 0, 1000), // 0x10000
    E.auipc(13, hiLo(F - 0x10004)[0]), // 0x10004: x13 = F
    E.addi(13, 13, hiLo(F - 0x10004)[1]), // 0x10008
    jalr(1, 13, 0), // 0x1000c: the call
    E.addi(5, 5, -1), // 0x10010 = R
    bne(5, 0, -8),
    E.ecall(), // to M-mode: the WFI
  ]);
  put(F, [E.addi(21, 21, 1), jalr(0, 1, 0)]);
  const entries = entriesToWfi(h, 1000);
  assert.equal(u64(h, 20), 50n, "the kernel called K 50 times");
  assert.equal(u64(h, 21), 1000n, "the process called F 1,000 times");
  assert.equal(h.mcause, 8n, "the process ended in its ECALL");
  assert.ok(entries < 60, `${entries} entries from the run loop for 1,050 calls`);
});
