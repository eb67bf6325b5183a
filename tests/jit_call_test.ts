/**
 * Calls and returns between regions of different pages (each page's code is
 * a region of its own; they chain through the chain cache, core/jit/codegen.ts
 * `chain`): calls two deep with an ECALL trapped and returned from in
 * between, a recursion 200 calls deep across two pages, and a callee that
 * jumps elsewhere instead of returning compute what the interpreter does, in
 * slices of every size down to ones that end inside the callees.
 */
import assert from "node:assert/strict";
import { Jit } from "../core/jit/jit.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";
import { countTranslated } from "./support/count_translated.ts";

const bne = E.branch(1);
const jalr = (rd: number, rs1: number, imm: number) => E.I(imm, rs1, 0, rd, 0x67);
/** Page offsets in RAM: the trap handler, main, f, g, r, s and j, each on a page of its own. */
const HANDLER = 0x800, MAIN = 0x1000, F = 0x2000, G = 0x3000, R = 0x4000, S = 0x5000, J = 0x6000;
/** In main: the loop's call, and where j jumps back to. */
const CALL = MAIN + 0x10, AFTER_J = MAIN + 0x38;

function machine() {
  const h = bareHart([], 1 << 20);
  const put = (off: number, words: number[]) =>
    words.forEach((w, i) => h.mem.view.setUint32(off + i * 4, w, true));
  put(0, [E.jal(0, MAIN)]);
  // An ECALL: count it in x27 and return past it.
  put(HANDLER, [
    E.csrrs(28, 0x341, 0),
    E.addi(28, 28, 4),
    E.csrrw(0, 0x341, 28),
    E.addi(27, 27, 1),
    E.mret(),
  ]);
  put(MAIN, [
    E.auipc(7, 0),
    E.addi(7, 7, HANDLER - MAIN),
    E.csrrw(0, 0x305, 7), // mtvec
    E.addi(5, 0, 300),
    E.jal(1, F - CALL), // CALL: f, 300 times
    E.addi(5, 5, -1),
    bne(5, 0, -8),
    E.auipc(2, 0x1f),
    E.addi(2, 2, -0x1c), // a stack below RAM + 0x20000
    E.addi(10, 0, 100),
    E.jal(1, R - (MAIN + 0x28)), // r(100), 200 calls deep across two pages
    E.jal(1, J - (MAIN + 0x2c)), // j does not return: it jumps to AFTER_J
    E.addi(20, 20, 999),
    E.addi(20, 20, 999),
    E.addi(21, 21, 1), // AFTER_J
    E.wfi(),
  ]);
  put(F, [
    E.add(8, 1, 0),
    E.addi(6, 6, 1),
    E.jal(1, G - (F + 8)),
    E.add(1, 8, 0),
    E.ecall(),
    jalr(0, 1, 0),
  ]);
  put(G, [E.addi(9, 9, 3), jalr(0, 1, 0)]);
  const frame = (other: number, counter: number, at: number) => [
    E.addi(2, 2, -8),
    E.sd(1, 2, 0),
    E.addi(counter, counter, 1),
    E.jal(1, other - at),
    E.ld(1, 2, 0),
    E.addi(2, 2, 8),
    jalr(0, 1, 0),
  ];
  put(R, [E.beq(10, 0, 8 * 4), E.addi(10, 10, -1), ...frame(S, 11, R + 5 * 4)]);
  put(R + 8 * 4, [jalr(0, 1, 0)]);
  put(S, frame(R, 12, S + 3 * 4));
  put(J, [E.addi(22, 22, 1), E.jal(0, AFTER_J - (J + 4))]);
  return h;
}

/** Registers the program leaves, run in slices of `slice`, translated at once unless `jit` is false. */
function run(jit: boolean, slice: number) {
  const h = machine();
  const j = jit ? new Jit(h, h.mem) : null;
  j?.setHotThreshold(0);
  const translated = j === null ? () => 0 : countTranslated(j);
  let total = 0;
  while (total < 2_000_000 && !h.waiting) total += Math.max(1, j ? j.run(slice) : h.run(slice));
  const regs = [2, 5, 6, 9, 10, 11, 12, 20, 21, 22, 27].map((r) => [r, u64(h, r)]);
  return {
    regs: Object.fromEntries(regs),
    waiting: h.waiting,
    pc: h.pc,
    translated: translated(),
    total,
  };
}

Deno.test("jit calls: calls and returns between pages' regions compute what the interpreter does", () => {
  const want = run(false, 1000);
  assert.ok(want.waiting, "the program ran to its WFI");
  assert.equal(want.regs[6], 300n, "f ran 300 times");
  assert.equal(want.regs[9], 900n, "g ran 300 times");
  assert.equal(want.regs[27], 300n, "an ECALL in each call of f");
  assert.equal(want.regs[11], 100n, "r called s 100 times");
  assert.equal(want.regs[12], 100n, "s called r 100 times");
  assert.equal(want.regs[20], 0n, "j did not return to its call");
  assert.equal(want.regs[21], 1n);
  assert.equal(want.regs[22], 1n);
  for (const slice of [1000, 97, 7, 1]) {
    const got = run(true, slice);
    assert.deepEqual(got.regs, want.regs, `slices of ${slice}`);
    assert.equal(got.pc, want.pc);
    if (slice === 1000) {
      assert.ok(got.translated > 0.8 * got.total, `${got.translated} of ${got.total} translated`);
    }
  }
});
