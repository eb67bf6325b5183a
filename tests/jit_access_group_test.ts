/**
 * Loads or stores through one base register in a block share one TLB check
 * (core/jit/access_groups.ts, core/jit/codegen.ts `checkGroup`): which ones
 * group, and that a group whose accesses leave its page, leave RAM, are
 * misaligned, lose their base register or write translated code gives what
 * the interpreter gives, translated and under the lockstep checker.
 */
import assert from "node:assert/strict";
import { accessGroups } from "../core/jit/access_groups.ts";
import { Jit } from "../core/jit/jit.ts";
import { Lockstep } from "../core/jit/lockstep.ts";
import type { Block } from "../core/jit/region.ts";
import type { Hart } from "../core/hart.ts";
import { ACCESS_LOAD, ACCESS_STORE } from "../core/trap.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";

const lh = E.load(1), sb = E.store(0);
const bne = E.branch(1);

function block(words: number[]): Block {
  return {
    pc: 0,
    insns: words.map((insn, i) => ({ pc: i * 4, insn, len: 4 as const })),
    next: words.length * 4,
  } as Block;
}

/** Each member's index, its group's first member and its offset. */
function grouped(words: number[], slots = 4): [number, number, number][] {
  return [...accessGroups(block(words), slots)].map(([k, m]) => [k, m.group.first, m.offset]);
}

Deno.test("access groups: loads through one base, stores through another, each kind apart", () => {
  const g = accessGroups(
    block([
      E.sd(1, 2, 24), // 0
      E.sd(8, 2, 16), // 1
      E.ld(5, 10, 8), // 2
      E.sd(9, 2, 8), // 3
      E.ld(6, 10, 0), // 4
      E.ld(7, 2, 24), // 5: a load through sp: not the stores' group, and alone
    ]),
    4,
  );
  const at = (k: number) => g.get(k)!;
  assert.deepEqual([...g.keys()].sort(), [0, 1, 2, 3, 4]);
  assert.equal(at(0).group, at(3).group);
  assert.equal(at(0).group.kind, ACCESS_STORE);
  assert.deepEqual([at(0).offset, at(1).offset, at(3).offset], [16, 8, 0]);
  assert.equal(at(2).group.kind, ACCESS_LOAD);
  assert.deepEqual([at(2).offset, at(4).offset], [8, 0]);
  assert.notEqual(at(0).group.slot, at(2).group.slot, "overlapping groups take two slots");
});

Deno.test("access groups: a write to the base register ends its group", () => {
  // ld x3, 0(x3) writes its own base: the load after it starts anew (and is alone).
  assert.deepEqual(grouped([E.ld(4, 3, 8), E.ld(3, 3, 0), E.ld(5, 3, 8)]), [[0, 0, 8], [1, 0, 0]]);
  assert.deepEqual(grouped([E.ld(4, 3, 8), E.addi(3, 3, 16), E.ld(5, 3, 8)]), []);
  // A CSR access may change the translation: every group ends there.
  assert.deepEqual(grouped([E.ld(4, 3, 8), E.csrrs(0, 0x180, 0), E.ld(5, 3, 0)]), []);
  // x0 as the base is not grouped.
  assert.deepEqual(grouped([E.ld(4, 0, 8), E.ld(5, 0, 0)]), []);
});

Deno.test("access groups: widths mixed, misaligned ones too; groups share the slots", () => {
  // Offsets from the lowest address, 3: a misaligned access is done in place, as interpreted.
  const mixed = [[0, 0, 1], [1, 0, 0], [2, 0, 5]];
  assert.deepEqual(grouped([E.lw(4, 3, 4), lh(5, 3, 3), E.ld(6, 3, 8)]), mixed);
  // One slot: two groups one after the other both take it; of two that overlap, one is left out.
  const apart = [E.ld(4, 3, 0), E.ld(7, 3, 8), E.ld(5, 6, 0), E.ld(8, 6, 8)];
  assert.deepEqual(grouped(apart, 1), [[0, 0, 0], [1, 0, 8], [2, 2, 0], [3, 2, 8]]);
  const overlapping = [E.ld(4, 3, 0), E.ld(5, 6, 0), E.ld(7, 3, 8), E.ld(8, 6, 8)];
  assert.deepEqual(grouped(overlapping, 1), [[0, 0, 0], [2, 0, 8]]);
});

/**
 * Sets x3 to RAM_BASE + `offset`, mtvec to a WFI after the block, reads and
 * writes back the byte at each of `touch` (offsets from x3), so the TLB maps
 * their pages when the block first runs, then jumps to the block.
 */
function program(offset: number, touch: number[], body: number[]): number[] {
  const head = [
    E.addi(3, 0, 1), // 0
    E.slli(3, 3, 31), // 4: RAM_BASE
    E.lui(8, (offset + 0x800) >>> 12), // 8
    E.addi(8, 8, (offset << 20) >> 20), // 12
    E.add(3, 3, 8), // 16
    E.auipc(7, 0), // 20
    E.addi(7, 7, 0), // 24: patched below: the handler
    E.csrrw(0, 0x305, 7), // 28: mtvec
    E.addi(5, 0, 0x123), // 32
    E.addi(6, 0, -0x456), // 36
    ...touch.flatMap((t) => [E.lbu(9, 3, t), sb(9, 3, t)]),
    E.jal(0, 4), // the block after it is translated at once
  ];
  const handler = head.length + body.length;
  head[6] = E.addi(7, 7, handler * 4 - 20);
  return [...head, ...body, E.wfi()];
}

type Mode = "off" | "on" | "check";

/** Runs a program to its WFI and returns what a user would see: registers, trap, memory. */
function outcome(words: number[], mode: Mode, lookAt: number[]) {
  const h: Hart = bareHart(words);
  for (let a = 0x2f00; a < 0x3100; a += 8) {
    h.mem.view.setBigUint64(a, BigInt(a) * 0x0101_0101_0101n, true);
  }
  const jit = mode === "off" ? null : new Jit(h, h.mem, mode === "check");
  jit?.setHotThreshold(0);
  const lockstep = mode === "check" ? new Lockstep(jit!) : null;
  for (let n = 0; !h.waiting && n < 100_000;) {
    n += Math.max(1, jit ? jit.run(1000) : h.run(1000));
  }
  assert.ok(h.waiting, "reached the WFI");
  if (jit) assert.ok(jit.stats.regions >= 1, "translated");
  if (lockstep) assert.ok(lockstep.checked + lockstep.skipped > 0, "run under the checker");
  return {
    regs: [3, 4, 5, 6, 8, 9].map((r) => u64(h, r)),
    mcause: h.mcause,
    mepc: h.mepc,
    memory: lookAt.map((a) => h.mem.view.getBigUint64(a, true)),
  };
}

const RAM_END = 1 << 20;
const cases: [string, number[], number[]][] = [
  [
    "stores that leave RAM: the first done, the second faults",
    program(RAM_END - 8, [0], [E.sd(5, 3, 0), E.sd(6, 3, 8), E.addi(9, 0, 1)]),
    [RAM_END - 8],
  ],
  [
    "loads across a page's end",
    program(0x2ff8, [-8, 8], [E.ld(4, 3, 0), E.ld(5, 3, 8), E.ld(6, 3, -8)]),
    [],
  ],
  [
    "a misaligned base",
    program(0x3004, [0], [E.ld(4, 3, 0), E.ld(5, 3, 8), E.sd(5, 3, 16), E.sd(4, 3, 24)]),
    [0x3010, 0x3018, 0x3020],
  ],
  [
    "widths mixed, one byte store among them",
    program(0x3004, [0], [E.lw(4, 3, 0), E.ld(5, 3, 4), E.lbu(6, 3, 11), sb(6, 3, 1)]),
    [0x3000],
  ],
  [
    "a load that writes its base",
    program(0x3000, [0], [
      E.addi(8, 3, 0x40),
      E.sd(8, 3, 8),
      E.ld(3, 3, 8), // x3 + 0x40
      E.ld(4, 3, 0),
      E.ld(5, 3, 16),
    ]),
    [0x3008],
  ],
  [
    // A copy loop whose pairs of loads and stores straddle a page's end in one pass.
    "a loop whose groups straddle a page's end",
    program(0x2f08, [0, 0x100, 0x200], [
      E.addi(8, 3, 0x100), // x8: the destination
      E.addi(9, 3, 0xf0), // x9: the end
      E.ld(4, 3, 0), // loop
      E.ld(5, 3, 8),
      E.sd(4, 8, 0),
      E.sd(5, 8, 8),
      E.addi(3, 3, 16),
      E.addi(8, 8, 16),
      bne(3, 9, -24),
    ]),
    [0x3008, 0x3010, 0x3018, 0x3000, 0x2ff8, 0x30f0],
  ],
];

for (const [name, words, lookAt] of cases) {
  Deno.test(`jit access groups: ${name}, as interpreted`, () => {
    const interpreted = outcome(words, "off", lookAt);
    assert.deepEqual(outcome(words, "on", lookAt), interpreted);
    assert.deepEqual(outcome(words, "check", lookAt), interpreted);
  });
}

Deno.test("jit access groups: stores into a translated loop's page through one base", () => {
  // Two stores through x3 patch the loop's two adds (+1 → +2, +1 → +3) after its first pass.
  const words = [
    E.addi(5, 0, 2), // 0: passes left
    E.addi(1, 0, 0), // 4
    E.addi(2, 0, 100), // 8
    E.addi(1, 1, 1), // 12: loop body, patched to +2
    E.addi(4, 4, 1), // 16: patched to +3
    E.addi(2, 2, -1), // 20
    bne(2, 0, -12), // 24
    E.addi(5, 5, -1), // 28
    E.beq(5, 0, 28), // 32 -> 60
    E.auipc(3, 0), // 36: x3 = base + 36
    E.lw(6, 3, 28), // 40: from 64
    E.lw(7, 3, 32), // 44: from 68
    E.sw(6, 3, -24), // 48: over 12
    E.sw(7, 3, -20), // 52: over 16
    E.jal(0, -48), // 56 -> 8
    E.wfi(), // 60
    E.addi(1, 1, 2), // 64: data
    E.addi(4, 4, 3), // 68: data
  ];
  const results = (["off", "on", "check"] as Mode[]).map((mode) => {
    const h = bareHart(words);
    const jit = mode === "off" ? null : new Jit(h, h.mem, mode === "check");
    jit?.setHotThreshold(0);
    const lockstep = mode === "check" ? new Lockstep(jit!) : null;
    for (let n = 0; !h.waiting && n < 100_000;) {
      n += Math.max(1, jit ? jit.run(1000) : h.run(1000));
    }
    if (lockstep) assert.ok(lockstep.checked + lockstep.skipped > 0, "run under the checker");
    return [u64(h, 1), u64(h, 4)];
  });
  assert.deepEqual(results[0], [300n, 400n]);
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
});
