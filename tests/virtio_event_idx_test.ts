/**
 * VIRTIO_F_EVENT_IDX and batching in the transport: the device interrupts
 * only when the used index passes the driver's used_event and asks for a
 * notification with avail_event, both modulo 2^16 (checked across the
 * wrap-around of the indices); completions made during one notify share one
 * interrupt, with or without EVENT_IDX.
 */
import assert from "node:assert/strict";
import type { VirtioDevice, VirtioTransport } from "../devices/virtio.ts";
import { EVENT_IDX, RAM_BASE, SyntheticDriver } from "./support/synthetic_driver.ts";
import { fakeRam } from "./support/guest_ram.ts";

/** Completes every chain as soon as it is notified (like blk's fast path or 9P). */
class Echo implements VirtioDevice {
  readonly deviceId = 42;
  readonly features = 0n;
  readonly numQueues = 1;
  t!: VirtioTransport;
  configRead() {
    return 0;
  }
  configWrite() {}
  attach(t: VirtioTransport) {
    this.t = t;
  }
  queueNotify(q: number) {
    const vq = this.t.queue(q)!;
    for (let c = vq.pop(); c; c = vq.pop()) vq.push(c, 0);
  }
  reset() {}
}

function rig(eventIdx: boolean, queueSize = 16) {
  const drv = new SyntheticDriver(fakeRam(2 << 20), new Echo());
  const f = drv.init(1, eventIdx ? 0n : 1n << EVENT_IDX, queueSize);
  assert.equal((f & (1n << EVENT_IDX)) !== 0n, eventIdx);
  const buf = drv.heap(4096);
  const avail = RAM_BASE; // the synthetic driver's queue 0 layout
  const usedEventAt = avail + 16 * queueSize + 4 + 2 * queueSize - RAM_BASE;
  const availEventAt = RAM_BASE + 0x4000 + 4 + 8 * queueSize - RAM_BASE;
  return {
    drv,
    post: (notify = true) => drv.post(0, [{ addr: buf, len: 8 }], [], notify),
    setUsedEvent: (v: number) => drv.ram.view.setUint16(usedEventAt, v & 0xffff, true),
    availEvent: () => drv.ram.view.getUint16(availEventAt, true),
    usedIdx: () => drv.ram.view.getUint16(RAM_BASE + 0x4000 + 2 - RAM_BASE, true),
  };
}

Deno.test("event idx: one interrupt per completion the driver waits for, across 16-bit wrap-around", () => {
  const r = rig(true);
  // 70,000 requests, each reaped at once (used_event = the next one): the indices wrap once.
  for (let i = 0; i < 70_000; i++) {
    r.post();
    assert.equal(r.drv.reap(0).length, 1);
    assert.equal(r.availEvent(), (i + 1) & 0xffff, "avail_event: notify me at the next chain");
  }
  assert.equal(r.drv.irqs, 70_000);
  assert.equal(r.drv.notifies, 70_000);
  assert.equal(r.usedIdx(), 70_000 & 0xffff);
});

Deno.test("event idx: used_event ahead suppresses interrupts until the index passes it, at the wrap", () => {
  const r = rig(true);
  // Bring both indices to just below 2^16.
  for (let i = 0; i < 65_530; i++) {
    r.post();
    r.drv.reap(0);
  }
  assert.equal(r.usedIdx(), 65_530);
  const raised = r.drv.raises;
  // The driver wants to hear only when entry 65,530 + 9 = 3 (mod 2^16) is used.
  r.setUsedEvent(65_530 + 9);
  const seen: number[] = [];
  for (let i = 0; i < 14; i++) {
    r.post();
    seen.push(r.drv.raises - raised);
  }
  // Entries 65,530..65,539 (mod 2^16): the interrupt comes with the tenth, index 65,540 = 4.
  assert.deepEqual(seen, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  assert.equal(r.usedIdx(), (65_530 + 14) & 0xffff);
});

Deno.test("event idx: a driver that is not notified past avail_event still gets served when it kicks", () => {
  const r = rig(true);
  // Post three without kicking: avail_event (0) says kick, but the driver holds back.
  r.post(false);
  r.post(false);
  r.post(false);
  assert.equal(r.drv.reap(0).length, 0);
  r.drv.kick(0, 0);
  assert.equal(r.drv.reap(0).length, 3);
  assert.equal(r.availEvent(), 3);
  // One interrupt for the three: they completed during one notify.
  assert.equal(r.drv.irqs, 1);
});

/** Fills buffers only while it has data, like a console's or a NIC's receive queue. */
class Receiver extends Echo {
  data = 0;
  override queueNotify() {
    this.deliver();
  }
  deliver() {
    const vq = this.t.queue(0)!;
    while (this.data > 0 && vq.available() > 0) {
      const c = vq.pop()!;
      this.data--;
      vq.push(c, 0);
    }
  }
}

Deno.test("event idx: a receive queue that ran dry with data waiting is notified of the next buffer", () => {
  const dev = new Receiver();
  const drv = new SyntheticDriver(fakeRam(2 << 20), dev);
  drv.init(1, 0n, 16);
  const buf = drv.heap(4096);
  // The driver posts 4 buffers (one kick), and later more, one at a time, kicking as told.
  for (let i = 0; i < 4; i++) drv.post(0, [], [{ addr: buf, len: 64 }], false);
  drv.kick(0, 0);
  for (let round = 0; round < 3; round++) {
    dev.data = 6; // more data than buffers: 4 (or 1) go, the rest waits
    dev.deliver();
    drv.reap(0);
    const before = drv.notifies;
    drv.post(0, [], [{ addr: buf, len: 64 }]); // kicks only if avail_event asks
    assert.equal(drv.notifies, before + 1, `round ${round}: the device asked for this buffer`);
    assert.equal(drv.reap(0).length, 1, "and filled it at once");
    dev.data = 0;
    // Buffers posted while nothing waits need no notification, but must be used later.
    drv.post(0, [], [{ addr: buf, len: 64 }]);
  }
});

Deno.test("batching: completions during one notify share one interrupt without EVENT_IDX too", () => {
  const r = rig(false);
  for (let i = 0; i < 5; i++) r.post(false);
  r.drv.kick(0);
  assert.equal(r.drv.reap(0).length, 5);
  assert.equal(r.drv.irqs, 1);
  assert.equal(r.drv.raises, 1);
  // NO_INTERRUPT in the avail flags still silences the device.
  r.drv.ram.view.setUint16(RAM_BASE + 16 * 16 - RAM_BASE, 1, true);
  r.post();
  assert.equal(r.drv.reap(0).length, 1);
  assert.equal(r.drv.raises, 1);
});
