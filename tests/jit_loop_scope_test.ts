/**
 * Inside a tight loop a translated region keeps the registers the loop uses in
 * locals, loaded where the loop is entered and stored on each way out of it
 * (core/jit/codegen.ts `loopScopes`); elsewhere registers live in memory. The
 * program below takes every way in and out: a loop entered again after code
 * outside it changed a register it reads, a forward jump out of it, falling
 * out of its end, a block that branches to itself, a fault inside a loop (the
 * trap handler reads what the loop wrote) and, in small slices, the budget
 * running out inside each. Translated, under the lockstep checker and in
 * slices down to one instruction, it must leave what the interpreter leaves.
 */
import assert from "node:assert/strict";
import { Jit } from "../core/jit/jit.ts";
import { Lockstep } from "../core/jit/lockstep.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";
import { countTranslated } from "./support/count_translated.ts";

const bne = E.branch(1);

/** Words, or a label, or a word that needs the offset of a label from its own pc. */
type Item = number | string | ((at: (label: string) => number, pc: number) => number);

function assemble(items: Item[]): number[] {
  const labels = new Map<string, number>();
  let pc = 0;
  for (const it of items) typeof it === "string" ? labels.set(it, pc) : (pc += 4);
  const at = (l: string) => labels.get(l)!;
  const words: number[] = [];
  for (const it of items) {
    if (typeof it === "number") words.push(it);
    else if (typeof it === "function") words.push(it(at, words.length * 4));
  }
  return words;
}

const PROGRAM = assemble([
  (at) => E.jal(0, at("start")),
  "handler", // counts each trap in x27, adds x17 (a loop's register) into x26, returns past it
  E.csrrs(28, 0x341, 0),
  E.addi(28, 28, 4),
  E.csrrw(0, 0x341, 28),
  E.addi(27, 27, 1),
  E.add(26, 26, 17),
  E.mret(),
  "start",
  E.auipc(7, 0),
  (at, pc) => E.addi(7, 7, at("handler") - (pc - 4)),
  E.csrrw(0, 0x305, 7), // mtvec
  E.addi(20, 0, 3), // three passes of the outer loop
  "outer",
  E.addi(6, 0, 10), // written outside loopA, read inside: loaded where loopA is entered
  E.addi(9, 0, 17), // loopA jumps out forward when x10 reaches 17, in the second pass
  E.addi(14, 0, 5),
  "loopA", // a tight loop
  E.add(5, 5, 6),
  E.addi(10, 10, 1),
  (at, pc) => E.beq(10, 9, at("outA") - pc),
  E.addi(6, 6, -1),
  (at, pc) => bne(6, 0, at("loopA") - pc),
  E.add(11, 11, 5), // fell out of loopA: reads what it wrote
  E.add(11, 11, 10),
  (at, pc) => E.jal(0, at("selfB") - pc),
  "outA",
  E.add(12, 12, 5), // jumped out of loopA
  E.add(12, 12, 6),
  "selfB", // a block that branches to itself
  E.addi(13, 13, 2),
  E.addi(14, 14, -1),
  (at, pc) => bne(14, 0, at("selfB") - pc),
  E.add(15, 15, 13),
  E.ecall(), // the outer loop is not tight: its registers stay in memory
  E.addi(20, 20, -1),
  (at, pc) => bne(20, 0, at("outer") - pc),
  // loopC faults on its last three loads (past the end of RAM): x17 must reach the handler.
  E.addi(18, 0, 1),
  E.slli(18, 18, 31), // RAM_BASE
  E.lui(19, 0x40), // a stride of 256 KiB: the fourth load is at the end of the 1 MiB of RAM
  E.addi(16, 0, 6),
  "loopC",
  E.addi(17, 17, 3),
  E.add(18, 18, 19),
  E.ld(4, 18, 0),
  E.addi(16, 16, -1),
  (at, pc) => bne(16, 0, at("loopC") - pc),
  E.add(25, 17, 26),
  E.wfi(),
]);

const REGS = Array.from({ length: 31 }, (_, i) => i + 1);

function run(mode: "off" | "on" | "check", slice: number) {
  const h = bareHart(PROGRAM);
  const jit = mode === "off" ? null : new Jit(h, h.mem, mode === "check");
  jit?.setHotThreshold(0);
  const lockstep = mode === "check" ? new Lockstep(jit!) : null;
  const translated = jit === null ? () => 0 : countTranslated(jit);
  let total = 0;
  while (total < 200_000 && !h.waiting) total += Math.max(1, jit ? jit.run(slice) : h.run(slice));
  return {
    regs: Object.fromEntries(REGS.map((r) => [r, u64(h, r)])),
    mepc: h.mepc,
    mcause: h.mcause,
    waiting: h.waiting,
    translated: translated(),
    total,
    checked: lockstep?.checked ?? 0,
  };
}

Deno.test("jit loop scopes: every way into and out of a tight loop leaves what the interpreter does", () => {
  const want = run("off", 1000);
  assert.ok(want.waiting, "the program ran to its WFI");
  assert.equal(want.regs[27], 3n + 3n, "three ECALLs and three load faults trapped");
  assert.equal(want.mcause, 5n, "the last trap: a load access fault");
  assert.equal(
    want.regs[26],
    12n + 15n + 18n,
    "the handler saw x17 as loopC left it at each fault",
  );
  assert.ok(want.regs[11] !== 0n && want.regs[12] !== 0n, "loopA both fell out and jumped out");
  for (const slice of [1000, 97, 7, 1]) {
    const got = run("on", slice);
    const { regs, mepc, mcause, waiting } = got;
    assert.deepEqual({ regs, mepc, mcause, waiting }, {
      regs: want.regs,
      mepc: want.mepc,
      mcause: want.mcause,
      waiting: want.waiting,
    }, `slices of ${slice}`);
    if (slice === 1000) {
      assert.ok(got.translated > 0.8 * got.total, `${got.translated} of ${got.total} translated`);
    }
  }
  const checked = run("check", 1000);
  assert.deepEqual(checked.regs, want.regs, "under the lockstep checker");
  assert.ok(checked.checked > 5, `${checked.checked} runs checked`);
});
