import assert from "node:assert/strict";
import { Clint } from "../devices/clint.ts";
import { IRQ_MSIP, IRQ_MTIP } from "../core/bus.ts";

function setup(start = 0) {
  const clock = {
    now: start,
    ticks() {
      return this.now;
    },
  };
  let mip = 0;
  const hart = { setPending: (bits: number, on: boolean) => mip = on ? mip | bits : mip & ~bits };
  return { clock, clint: new Clint(clock, hart), mip: () => mip };
}

Deno.test("mtimecmp resets to all-ones: no MTIP, no deadline", () => {
  const { clint, clock, mip } = setup(1e12);
  clint.update();
  assert.equal(mip() & IRQ_MTIP, 0);
  assert.equal(clint.nextDeadline(), Infinity);
  assert.equal(clint.read(0x4000, 4), 0xffffffff);
  assert.equal(clint.read(0x4004, 4), 0xffffffff);
  clock.now = 2 ** 53 - 1;
  clint.update();
  assert.equal(mip() & IRQ_MTIP, 0);
});

Deno.test("mtimecmp halves and MTIP", () => {
  const { clint, clock, mip } = setup(0x1_0000_0005);
  clint.write(0x4000, 4, 0x10); // cmp = 0xffffffff_00000010: still far away
  assert.equal(mip() & IRQ_MTIP, 0);
  clint.write(0x4004, 4, 1); // cmp = 0x1_00000010
  assert.equal(clint.nextDeadline(), 0x1_0000_0010);
  assert.equal(mip() & IRQ_MTIP, 0);
  clock.now = 0x1_0000_0010;
  clint.update();
  assert.equal(mip() & IRQ_MTIP, IRQ_MTIP);
  clint.write(0x4000, 4, 0xffffffff); // cmp moves ahead: MTIP clears at once
  assert.equal(mip() & IRQ_MTIP, 0);
  clint.write(0x4004, 4, 0); // cmp = 0xffffffff < mtime
  assert.equal(mip() & IRQ_MTIP, IRQ_MTIP);
});

Deno.test("mtime reads as two halves and a byte write to mtimecmp merges", () => {
  const { clint, clock } = setup(0x12_3456_789a);
  assert.equal(clint.read(0xbff8, 4), 0x3456789a);
  clock.now += 0x1_0000_0000; // the high half read pairs with the low half just read
  assert.equal(clint.read(0xbffc, 4), 0x12);
  assert.equal(clint.read(0xbffc, 4), 0x13);
  clint.write(0x4000, 4, 0);
  clint.write(0x4001, 1, 0xab);
  assert.equal(clint.read(0x4000, 4), 0xab00);
  assert.equal(clint.read(0x4001, 1), 0xab);
});

Deno.test("msip drives MSIP from bit 0 only", () => {
  const { clint, mip } = setup();
  clint.write(0, 4, 0xfffffffe);
  assert.equal(mip() & IRQ_MSIP, 0);
  clint.write(0, 4, 1);
  assert.equal(mip() & IRQ_MSIP, IRQ_MSIP);
  assert.equal(clint.read(0, 4), 1);
  clint.write(0, 4, 0);
  assert.equal(mip() & IRQ_MSIP, 0);
});
