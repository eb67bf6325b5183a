/**
 * Regions that take code from other pages (core/jit/region.ts `far`): a call
 * into another page stays in the caller's region, which checks that page's
 * mapping at each jump into it (core/jit/codegen.ts `pageGuard`) and is
 * dropped by a store to it; what runs is what the interpreter runs when the
 * page is mapped elsewhere, and when its code is patched.
 */
import assert from "node:assert/strict";
import type { Hart } from "../core/hart.ts";
import { Jit } from "../core/jit/jit.ts";
import { Lockstep } from "../core/jit/lockstep.ts";
import { planRegion } from "../core/jit/region.ts";
import { RAM_BASE } from "../core/memory.ts";
import { RAM_OFFSET } from "../core/state.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";

const ROOT = 0x20000, L1 = 0x21000, L0 = 0x22000;
/** The caller's page and the callee's (the next virtual page), first at CODE1, then CODE2. */
const VA_C = 0x40005000, VA_F = VA_C + 0x1000;
const CALLER = 0x30000, CODE1 = 0x31000, CODE2 = 0x32000;
const DATA = 0x2000;
const HANDLER = 0x3000;
/** A helper on a third page. */
const VA_H = VA_C + 0x2000, HELPER = 0x33000;
const pte = (pa: number, flags: number) => BigInt(pa / 4096) << 10n | BigInt(flags);
const bne = E.branch(1);
const l0Slot = (va: number) => L0 + ((va >>> 12) & 511) * 8;

/**
 * M-mode sets mtvec and Sv39 and goes to VA_C in S-mode, which calls the
 * function at VA_F (it adds 1 to x6) 100 times, then a helper on another page
 * that patches it to add 7 and runs FENCE.I, 100 calls again, the helper maps
 * VA_F to CODE2 (adds 100) and fences, 100 calls more: x6 = 100 + 700 +
 * 10,000. The caller's loop gets hot in the first round, with VA_F at CODE1.
 */
function machine(): Hart {
  const h = bareHart([], 8 << 20);
  const v = h.mem.view;
  const put = (off: number, words: number[]) =>
    words.forEach((w, i) => v.setUint32(off + i * 4, w, true));
  v.setBigUint64(ROOT, pte(RAM_BASE, 0xcf), true); // VA 0: a gigapage of RAM, V R W X A D
  v.setBigUint64(ROOT + 8, pte(RAM_BASE + L1, 0x01), true);
  v.setBigUint64(L1, pte(RAM_BASE + L0, 0x01), true);
  v.setBigUint64(l0Slot(VA_C), pte(RAM_BASE + CALLER, 0x4b), true); // V R X A
  v.setBigUint64(l0Slot(VA_F), pte(RAM_BASE + CODE1, 0x4b), true);
  v.setBigUint64(l0Slot(VA_H), pte(RAM_BASE + HELPER, 0x4b), true);
  v.setBigUint64(DATA, pte(RAM_BASE + CODE2, 0x4b), true);
  v.setUint32(DATA + 8, E.addi(6, 6, 7), true);
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
    E.lui(5, VA_C >>> 12),
    E.csrrw(0, 0x341, 5), // mepc
    E.mret(),
  ]);
  put(HANDLER, [E.wfi()]);
  put(CALLER, [
    E.lui(9, DATA >>> 12), // 0x00
    E.addi(16, 0, 3), // rounds
    E.addi(5, 0, 100), // 0x08
    E.jal(1, VA_F - (VA_C + 0x0c)),
    E.addi(5, 5, -1), // 0x10
    bne(5, 0, -8),
    E.jal(1, VA_H - (VA_C + 0x18)),
    E.addi(16, 16, -1),
    bne(16, 0, -0x18), // 0x20 -> 0x08
    E.wfi(),
  ]);
  // The helper: after round 3 it patches CODE1, after round 2 it maps VA_F to CODE2.
  put(HELPER, [
    E.addi(17, 0, 3),
    bne(16, 17, 24),
    E.lw(15, 9, 8),
    E.lui(14, CODE1 >>> 12), // CODE1 through the gigapage
    E.sw(15, 14, 0),
    E.fenceI(),
    E.jalr(0, 1, 0),
    E.addi(17, 0, 2), // +0x1c
    bne(16, 17, 24),
    E.ld(15, 9, 0), // VA_F's new PTE
    E.lui(14, L0 >>> 12),
    E.sd(15, 14, l0Slot(VA_F) - L0),
    E.sfenceVma(),
    E.jalr(0, 1, 0),
    E.jalr(0, 1, 0), // +0x38
  ]);
  put(CODE1, [E.addi(6, 6, 1), E.jalr(0, 1, 0)]);
  put(CODE2, [E.addi(6, 6, 100), E.jalr(0, 1, 0)]);
  return h;
}

function run(mode: "off" | "on" | "check", slice = 1000) {
  const h = machine();
  const jit = mode === "off" ? null : new Jit(h, h.mem, mode === "check");
  jit?.setHotThreshold(50, 1); // hot after the first calls, with VA_F mapped
  const lockstep = mode === "check" ? new Lockstep(jit!) : null;
  let total = 0;
  while (total < 1_000_000 && !h.waiting) {
    total += Math.max(1, jit ? jit.run(slice) : h.run(slice));
  }
  return { x6: u64(h, 6), waiting: h.waiting, checked: lockstep?.checked };
}

Deno.test("jit far: a call into another page is planned into the caller's region", () => {
  const h = machine();
  const u16 = new Uint16Array(h.mem.memory.buffer);
  const base = RAM_OFFSET; // RAM in the shared buffer
  const far = (va: number) => va === VA_F ? base + CODE1 : -1;
  const plan = planRegion(u16, VA_C, base + CALLER, [VA_C + 0x0c], -1, far)!;
  const pcs = plan.blocks.map((b) => b.pc);
  assert.ok(pcs.includes(VA_F), `blocks at ${pcs.map((pc) => pc.toString(16)).join(", ")}`);
  assert.deepEqual(plan.pages.map((p) => [p.va, p.buf]), [
    [VA_C, base + CALLER],
    [VA_F, base + CODE1],
  ]);
  // Without `far`, the region keeps to its page.
  const own = planRegion(u16, VA_C, base + CALLER, [VA_C + 0x0c], -1)!;
  assert.ok(own.blocks.every((b) => b.pc < VA_F));
});

Deno.test("jit far: remapped and patched, the other page's code runs as the interpreter runs it", () => {
  const want = run("off");
  assert.ok(want.waiting, "the program ran to its end");
  assert.equal(want.x6, 100n + 700n + 10_000n);
  for (const slice of [1000, 7]) assert.deepEqual(run("on", slice), want, `slices of ${slice}`);
  const got = run("check");
  assert.equal(got.x6, want.x6);
  assert.ok(got.checked! >= 5, `${got.checked} runs checked`);
});
