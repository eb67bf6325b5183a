/**
 * The translation budget (core/jit/jit.ts TRANSLATE_SHARE) and the programs
 * it does not hold back: once an address space has run LONG_RUNNING
 * instructions more than all other address spaces together (a pipe's reader
 * may run between), its U-mode code is translated whatever the credit (a shell
 * loop after Debian's boot kept returning to the interpreter for seconds
 * while the credit was spent: docs/speed.md, "ftlb"); S-mode code and a young
 * address space and one that takes turns with others still wait.
 */
import assert from "node:assert/strict";
import { Jit } from "../core/jit/jit.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";
import { countTranslated } from "./support/count_translated.ts";

const bne = E.branch(1);

/** A loop of 20,000 passes, in U-mode or M-mode, with the translation credit spent at the start. */
function loopWithCreditSpent(
  user: boolean,
  longRunning: number,
  spaceOf: ((slice: number) => bigint) | null = null,
) {
  const h = bareHart([
    E.auipc(5, 0), // 0
    E.addi(5, 5, 16), // 4: x5 = the loop at 16
    E.csrrw(0, 0x341, 5), // 8: mepc
    user ? E.mret() : E.jal(0, 4), // 12: to U-mode (MPP is 0), or straight on
    E.lui(2, 5), // 16: 20,480 passes
    E.addi(1, 1, 1), // 20
    E.addi(2, 2, -1), // 24
    bne(2, 0, -8), // 28 -> 20
    E.wfi(), // 32 (U-mode: an illegal instruction, to M-mode's mtvec 0: the test stops first)
  ]);
  const jit = new Jit(h, h.mem);
  jit.setHotThreshold(50, 1); // the budget applies (threshold 0 would switch it off)
  jit.longRunning = longRunning;
  // Owed translation time that the refill (5 % of the time) cannot pay back within the test.
  (jit as unknown as { creditMs: number }).creditMs = -3_600_000;
  let done = 0;
  const translated = countTranslated(jit);
  for (let slice = 0; done < 200_000 && u64(h, 1) < 20_480n; slice++) {
    // The address space of each slice, as a kernel's context switches would make it.
    if (spaceOf) h.satp = spaceOf(slice);
    done += Math.max(1, jit.run(1000));
  }
  assert.equal(u64(h, 1), 20_480n);
  return { regions: jit.stats.regions, share: translated() / done };
}

Deno.test("jit budget: a long-running program's U-mode loop is translated though the credit is spent", () => {
  const { regions, share } = loopWithCreditSpent(true, 5_000);
  assert.ok(regions >= 1, "the loop was translated");
  assert.ok(share > 0.8, `${(share * 100).toFixed(1)} % ran translated`);
});

Deno.test("jit budget: a young address space's loop and M/S-mode code still wait for the credit", () => {
  assert.equal(loopWithCreditSpent(true, 1_000_000).regions, 0, "U-mode, before LONG_RUNNING");
  assert.equal(loopWithCreditSpent(false, 5_000).regions, 0, "M-mode");
});

/** Another address space (ASID 1, still bare: the same code runs) at the slices `other` picks. */
const turns = (other: (slice: number) => boolean) => (slice: number) =>
  other(slice) ? 1n << 44n : 0n;

Deno.test("jit budget: a program that takes turns with another address space still waits for the credit", () => {
  // Each address space runs ~30,000 instructions in all, in turns of 1,000: neither leads.
  assert.equal(loopWithCreditSpent(true, 5_000, turns((k) => k % 2 === 1)).regions, 0);
});

Deno.test("jit budget: a program with another address space in one slice of ten still gets its lead", () => {
  // ~61 slices of 1,000, one in ten another's: never 20,000 in a row, 20,000 ahead by slice ~25.
  const { regions } = loopWithCreditSpent(true, 20_000, turns((k) => k % 10 === 9));
  assert.ok(regions >= 1, "the loop was translated");
});

Deno.test("jit budget: a long-running program's translations leave the credit to the code after it", () => {
  // U-mode: a loop (exempt from the budget), then ECALL to M-mode's handler: another loop.
  const h = bareHart([
    E.auipc(5, 0), // 0
    E.addi(5, 5, 24), // 4: x5 = the U loop at 24
    E.csrrw(0, 0x341, 5), // 8: mepc
    E.addi(5, 5, 24), // 12: x5 = the handler at 48
    E.csrrw(0, 0x305, 5), // 16: mtvec
    E.mret(), // 20: to U-mode (MPP is 0)
    E.lui(2, 5), // 24: U loop, 20,480 passes
    E.addi(1, 1, 1), // 28
    E.addi(2, 2, -1), // 32
    bne(2, 0, -8), // 36 -> 28
    E.ecall(), // 40
    E.I(0, 0, 0, 0, 0x13), // 44
    E.lui(4, 1), // 48: the handler's loop, 4,096 passes
    E.addi(3, 3, 1), // 52
    E.addi(4, 4, -1), // 56
    bne(4, 0, -8), // 60 -> 52
    E.wfi(), // 64
  ]);
  const jit = new Jit(h, h.mem);
  jit.setHotThreshold(50, 1);
  jit.longRunning = 0; // every U-mode translation is the long-running program's
  // A credit any charged translation would overdraw, for longer than the test runs.
  (jit as unknown as { creditMs: number }).creditMs = 0.001;
  const inHandler = countTranslated(jit, 3);
  for (let n = 0; n < 300_000 && !h.waiting;) n += Math.max(1, jit.run(1000));
  assert.equal(u64(h, 1), 20_480n);
  assert.equal(u64(h, 3), 4_096n);
  assert.ok(
    inHandler() > 8_000,
    `${inHandler()} of the handler loop's ~12,300 instructions ran translated`,
  );
});

Deno.test("jit budget: a program after a long-running one gets the lead within twice the bound", () => {
  // M-mode in address space A: 30,000 instructions; then U-mode in B: a loop of ~24,600.
  const h = bareHart([
    E.lui(2, 2), // 0: 8,192 passes
    E.addi(1, 1, 1), // 4
    E.addi(2, 2, -1), // 8
    bne(2, 0, -8), // 12 -> 4
    E.auipc(5, 0), // 16
    E.addi(5, 5, 16), // 20: x5 = the U loop at 32
    E.csrrw(0, 0x341, 5), // 24: mepc
    E.mret(), // 28: to U-mode (MPP is 0)
    E.lui(4, 2), // 32: U loop, 8,192 passes
    E.addi(3, 3, 1), // 36
    E.addi(4, 4, -1), // 40
    bne(4, 0, -8), // 44 -> 36
    E.ecall(), // 48 (to mtvec 0: the test stops first)
  ]);
  const jit = new Jit(h, h.mem);
  jit.setHotThreshold(50, 1);
  jit.longRunning = 5_000;
  (jit as unknown as { creditMs: number }).creditMs = -3_600_000;
  const user = countTranslated(jit, 0);
  // A (satp 0) while in M-mode, B from the MRET on, as a kernel's switch to another process.
  const mret = h.mret.bind(h);
  h.mret = () => {
    mret();
    h.satp = 1n << 44n;
  };
  for (let n = 0; n < 200_000 && u64(h, 3) < 8_192n;) n += Math.max(1, jit.run(1000));
  assert.equal(u64(h, 1), 8_192n);
  assert.equal(u64(h, 3), 8_192n);
  assert.equal(jit.stats.regions >= 1, true, "the U loop was translated");
  assert.ok(user() > 4_000, `${user()} U-mode instructions ran translated`);
});
