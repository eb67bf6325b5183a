import assert from "node:assert/strict";
import { Plic } from "../devices/plic.ts";
import { IRQ_MEIP, IRQ_SEIP } from "../core/bus.ts";

const M = 0, S = 1;
const enable = (ctx: number) => 0x2000 + 0x80 * ctx;
const threshold = (ctx: number) => 0x200000 + 0x1000 * ctx;
const claim = (ctx: number) => 0x200004 + 0x1000 * ctx;

function setup() {
  let mip = 0;
  const hart = { setPending: (bits: number, on: boolean) => mip = on ? mip | bits : mip & ~bits };
  return { plic: new Plic(hart), mip: () => mip };
}

Deno.test("claim picks the highest priority, ties go to the lowest id", () => {
  const { plic, mip } = setup();
  for (const n of [1, 2, 3]) plic.write(4 * n, 4, n === 1 ? 1 : 5);
  plic.write(enable(S), 4, 0b1110);
  for (const n of [1, 2, 3]) plic.irq(n).set(true);
  assert.equal(plic.read(0x1000, 4), 0b1110);
  assert.equal(mip() & IRQ_SEIP, IRQ_SEIP);
  assert.equal(mip() & IRQ_MEIP, 0); // context 0 enables nothing
  assert.equal(plic.read(claim(S), 4), 2);
  assert.equal(plic.read(claim(S), 4), 3);
  assert.equal(plic.read(claim(S), 4), 1);
  assert.equal(plic.read(claim(S), 4), 0); // all claimed: not re-delivered
  assert.equal(mip() & IRQ_SEIP, 0);
  assert.equal(plic.read(0x1000, 4), 0);
});

Deno.test("threshold masks priorities at or below it", () => {
  const { plic, mip } = setup();
  plic.write(4 * 5, 4, 3);
  plic.write(enable(M), 4, 1 << 5);
  plic.write(threshold(M), 4, 3);
  plic.irq(5).set(true);
  assert.equal(mip() & IRQ_MEIP, 0);
  assert.equal(plic.read(claim(M), 4), 0);
  plic.write(threshold(M), 4, 2);
  assert.equal(mip() & IRQ_MEIP, IRQ_MEIP);
  assert.equal(plic.read(claim(M), 4), 5);
});

Deno.test("priority 0 never interrupts and enables are per context", () => {
  const { plic, mip } = setup();
  plic.write(enable(M), 4, 1 << 7);
  plic.irq(7).set(true);
  assert.equal(mip() & (IRQ_MEIP | IRQ_SEIP), 0);
  plic.write(4 * 7, 4, 1);
  assert.equal(mip() & (IRQ_MEIP | IRQ_SEIP), IRQ_MEIP);
  plic.write(enable(M), 4, 0);
  plic.write(enable(S), 4, 1 << 7);
  assert.equal(mip() & (IRQ_MEIP | IRQ_SEIP), IRQ_SEIP);
  assert.equal(plic.read(enable(S), 4), 1 << 7);
});

Deno.test("level-triggered: pending again on complete while the line is high", () => {
  const { plic, mip } = setup();
  plic.write(4, 4, 1);
  plic.write(enable(S), 4, 2);
  const line = plic.irq(1);
  line.set(true);
  assert.equal(plic.read(claim(S), 4), 1);
  line.set(true); // still high, but claimed: nothing new
  assert.equal(mip() & IRQ_SEIP, 0);
  plic.write(claim(S), 4, 1);
  assert.equal(mip() & IRQ_SEIP, IRQ_SEIP);
  assert.equal(plic.read(claim(S), 4), 1);
  line.set(false);
  plic.write(claim(S), 4, 1);
  assert.equal(mip() & IRQ_SEIP, 0);
  assert.equal(plic.read(claim(S), 4), 0);
  // A line that drops before the claim is no longer pending.
  line.set(true);
  line.set(false);
  assert.equal(plic.read(0x1000, 4), 0);
  assert.equal(mip() & IRQ_SEIP, 0);
});

Deno.test("bad sources and registers are harmless", () => {
  const { plic } = setup();
  assert.throws(() => plic.irq(0));
  assert.throws(() => plic.irq(32));
  plic.write(0, 4, 7); // source 0 priority stays 0
  assert.equal(plic.read(0, 4), 0);
  plic.write(enable(M), 4, 0xffffffff);
  assert.equal(plic.read(enable(M), 4), 0xfffffffe);
  plic.write(claim(M), 4, 999); // completing nonsense is ignored
  plic.write(0x3ffffc, 4, 1);
  assert.equal(plic.read(0x3ffffc, 4), 0);
});
