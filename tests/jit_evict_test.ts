/**
 * The translator's code cache bound (core/jit/jit.ts `evict`): past it, the
 * modules looked up least lately are dropped, not every translation, so code
 * still in use stays translated (Debian's boot left the cache near its bound
 * and the first shell loop after it dropped the kernel's hot code:
 * docs/speed.md, "cold").
 */
import assert from "node:assert/strict";
import type { Hart } from "../core/hart.ts";
import { Jit } from "../core/jit/jit.ts";
import { RAM_BASE } from "../core/memory.ts";
import * as E from "../core/encode.ts";
import { bareHart } from "./support/bare_hart.ts";

const bne = E.branch(1);
const andi = E.opImm(7);
/** Functions a pass calls once each, one a page, 2^17 bytes a set. */
const FNS = 32;
const SET_B = 0x10000, SET_A = SET_B + FNS * 4096, H = 0x1000;

/**
 * Three passes (x10 = 3, 2, 1): each calls the 32 functions of one set twice
 * (set A, then B = A - 128 KiB, then A again) and, after each, the function at
 * H; the loop and H are in use all along, each set only in its passes.
 */
function program(): number[] {
  const words = new Array((SET_A + FNS * 4096) / 4).fill(0);
  const put = (at: number, code: number[]) => code.forEach((w, i) => words[at / 4 + i] = w);
  put(0, [
    E.auipc(7, SET_B >>> 12), // 0x00: x7 = set B
    E.addi(8, 0, FNS), // 0x04
    E.addi(10, 0, 3), // 0x08: passes
    E.addi(5, 0, 0), // 0x0c: pass: k = 0
    andi(11, 10, 1), // 0x10: call: x11 = set A (odd passes) or B, + k pages
    E.slli(11, 11, 17), // 0x14
    E.add(11, 11, 7), // 0x18
    E.slli(12, 5, 12), // 0x1c
    E.add(11, 11, 12), // 0x20
    E.jalr(1, 11, 0), // 0x24: its function (the first call interpreted: its page not in the TLB)
    E.jalr(1, 11, 0), // 0x28: again (translated)
    E.jal(1, H - 0x2c), // 0x2c: H
    E.addi(5, 5, 1), // 0x30
    bne(5, 8, -0x24), // 0x34 -> 0x10
    E.addi(10, 10, -1), // 0x38
    bne(10, 0, -0x30), // 0x3c -> 0x0c
    E.wfi(), // 0x40
  ]);
  put(H, [E.addi(13, 13, 1), E.jalr(0, 1, 0)]);
  for (let k = 0; k < 2 * FNS; k++) {
    put(SET_B + k * 4096, [E.addi(6, 6, k + 1), E.slli(14, 6, 1), E.jalr(0, 1, 0)]);
  }
  return words;
}

const regs = (h: Hart) => [...h.state.x];

Deno.test("jit evict: past the cache bound, code not used lately goes; the loop and H stay, exact", () => {
  const interpreted = bareHart(program());
  while (!interpreted.waiting) interpreted.run(1000);

  const h = bareHart(program());
  const jit = new Jit(h, h.mem);
  jit.setHotThreshold(0);
  const byPc = jit["byPc"];
  const run = (until: () => boolean) => {
    while (!until()) jit.run(50);
  };
  run(() => h.state.x[10] === 2n); // set A translated
  const loop = byPc.get(RAM_BASE + 0x10)!.region, fn = byPc.get(RAM_BASE + H)!.region;
  const a8 = SET_A + 8 * 4096, a8Page = h.ramOffsetOf(RAM_BASE + a8) >>> 12;
  assert.ok(byPc.has(RAM_BASE + a8), "set A's functions translated");
  assert.equal(h.codePages![a8Page], 1, "stores to their pages take the slow path");
  // Room for about half of set B more.
  const bound = jit.maxCacheBytes = Math.floor(jit.stats.cacheBytes * 1.5);

  run(() => h.state.x[10] === 1n); // set B (and the first call or two of the last pass)
  assert.equal(jit.stats.flushes, 0);
  assert.ok(jit.stats.evictions >= 1, "the bound was passed");
  assert.ok(!byPc.has(RAM_BASE + a8), "a function of set A, not used since, dropped");
  assert.equal(
    h.codePages![a8Page],
    0,
    "its page takes stores on the fast path again",
  );
  assert.ok(byPc.has(RAM_BASE + SET_B + (FNS - 1) * 4096), "set B's last function kept");
  assert.equal(byPc.get(RAM_BASE + 0x10)!.region, loop, "the loop kept its translation");
  assert.equal(byPc.get(RAM_BASE + H)!.region, fn, "H kept its translation");

  run(() => h.waiting); // set A again: translated again
  assert.ok(jit.stats.cacheBytes <= bound, `${jit.stats.cacheBytes} bytes against ${bound}`);
  assert.equal(byPc.get(RAM_BASE + 0x10)!.region, loop);
  assert.deepEqual(regs(h), regs(interpreted));
  // Set B's functions add 1..32 twice, set A's 33..64 four times.
  assert.equal(h.state.x[6], BigInt(FNS * (FNS + 1) + 2 * FNS * (3 * FNS + 1)));
});
