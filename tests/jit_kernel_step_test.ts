/**
 * When kernel code gets hot (core/jit/jit.ts KERNEL_STEP, KERNEL_START,
 * AGE_WINDOW): past the machine's start, a function the kernel calls often
 * (a transfer's per-page paths) is translated ten times sooner than before;
 * one it calls as many times but spread thin (a long program's system calls)
 * is not, and during the start (a boot's per-page loops) nothing changes.
 * Scaled down: a threshold of 2,000 jumps (kernel code hot after 200 within a
 * window once past the start), windows of 1 M instructions.
 */
import assert from "node:assert/strict";
import { Jit } from "../core/jit/jit.ts";
import { RAM_BASE } from "../core/memory.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";

const bne = E.branch(1);
const ret = () => E.I(0, 1, 0, 0, 0x67); // jalr x0, 0(x1)
const CALLS = 1000;
/** The function's offset: on a page of its own (a region keeps to its page, so only its own hotness translates it). */
const F = 4096;

/**
 * M-mode code that calls a function CALLS times, a delay loop of `delay`
 * passes between calls; runs it to its WFI and says whether the function was
 * translated.
 */
function callsTranslated(delay: number, setUp: (jit: Jit) => void): boolean {
  const program = [
    E.lui(5, delay >>> 12), // 0
    E.addi(5, 5, delay & 0xfff), // 4: x5 = delay (below 2,048 in the low part)
    E.addi(2, 0, CALLS), // 8
    E.jal(1, F - 12), // 12: call F
    E.add(3, 5, 0), // 16
    E.addi(3, 3, -1), // 20
    bne(3, 0, -4), // 24 -> 20
    E.addi(2, 2, -1), // 28
    bne(2, 0, -20), // 32 -> 12
    E.wfi(), // 36
  ];
  while (program.length < F / 4) program.push(E.addi(0, 0, 0));
  for (let i = 0; i < 16; i++) program.push(E.addi(4, 4, 1)); // long enough to be worth a region
  program.push(ret());
  const h = bareHart(program);
  const jit = new Jit(h, h.mem);
  jit.setHotThreshold(2000, 1);
  setUp(jit);
  for (let n = 0; !h.waiting && n < 100_000_000;) n += Math.max(1, jit.run(10_000));
  assert.ok(h.waiting, "the program ran to its WFI");
  assert.equal(u64(h, 4), BigInt(16 * CALLS), "every call ran");
  return jit.lookup(RAM_BASE + F) !== null;
}

Deno.test("jit kernel step: past the machine's start, kernel code called often is translated sooner", () => {
  // 1,000 calls, one every ~30 instructions: 200 come within a window (2,000 were needed before).
  assert.ok(callsTranslated(10, (jit) => jit.untilAging = 10_000));
});

Deno.test("jit kernel step: kernel code called as often but spread thin is not translated", () => {
  // 1,000 calls, one every ~10,000 instructions: ~100 in a window, each window starting again.
  assert.ok(
    !callsTranslated(5000, (jit) => {
      jit.untilAging = 10_000;
      jit.ageWindow = 1_000_000;
    }),
  );
});

Deno.test("jit kernel step: during the machine's start, kernel code counts as before", () => {
  assert.ok(!callsTranslated(10, (jit) => jit.untilAging = 1e9));
});
