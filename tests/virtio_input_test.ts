import assert from "node:assert/strict";
import {
  INPUT_QUEUE_LIMIT,
  keyboardProfile,
  mouseProfile,
  tabletProfile,
  VirtioInput,
} from "../devices/virtio_input.ts";
import { KEYMAP } from "../backends/web/keymap.ts";
import { SnapshotError, StateReader, StateWriter } from "../core/snapshot/format.ts";
import { BUF, Driver, fakeRam, RAM_BASE } from "./virtio_test.ts";

function setup(device: VirtioInput) {
  const ram = fakeRam();
  const log: string[] = [];
  const drv = new Driver(ram, device, log);
  drv.init(2);
  return { drv, ram, log };
}

/** What the Linux driver does: write select and subsel, read size and the union. */
function query(drv: Driver, select: number, subsel: number): Uint8Array {
  drv.t.write(0x100, 1, select);
  drv.t.write(0x101, 1, subsel);
  const size = drv.t.read(0x102, 1);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = drv.t.read(0x108 + i, 1);
  return out;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bits = (b: Uint8Array) => {
  const out: number[] = [];
  b.forEach((byte, i) => {
    for (let j = 0; j < 8; j++) if (byte & (1 << j)) out.push(8 * i + j);
  });
  return out;
};

/** Posts n 8-byte event buffers on eventq (descriptors 0..n-1). */
function postEventBuffers(drv: Driver, n: number) {
  for (let i = 0; i < n; i++) {
    drv.desc(0, i, BUF + 8 * i, 8, 2);
    drv.post(0, i);
  }
}

function readEvent(ram: ReturnType<typeof fakeRam>, i: number): [number, number, number] {
  const at = BUF - RAM_BASE + 8 * i;
  return [
    ram.view.getUint16(at, true),
    ram.view.getUint16(at + 2, true),
    ram.view.getInt32(at + 4, true),
  ];
}

Deno.test("virtio-input keyboard: identity, name, serial, ids and the key bitmap Linux reads", () => {
  const { drv } = setup(new VirtioInput(keyboardProfile(KEYMAP.values())));
  assert.equal(drv.r(0x8), 18);
  assert.equal(text(query(drv, 0x01, 0)), "demu virtio keyboard");
  assert.equal(text(query(drv, 0x02, 0)), "demu-keyboard");
  const ids = query(drv, 0x03, 0);
  assert.equal(ids.length, 8);
  assert.equal(new DataView(ids.buffer).getUint16(0, true), 0x06); // BUS_VIRTUAL
  const keys = bits(query(drv, 0x11, 1)); // EV_KEY
  assert.deepEqual(keys, [...new Set(KEYMAP.values())].sort((a, b) => a - b));
  assert.ok(keys.includes(30) && keys.includes(28) && keys.includes(1)); // A, Enter, Esc
  assert.equal(query(drv, 0x11, 0x14).length, 0, "no EV_REP: repeats come from the host");
  assert.deepEqual(bits(query(drv, 0x11, 0x11)), [0, 1, 2]); // LEDs
  assert.equal(query(drv, 0x11, 2).length, 0, "no EV_REL on a keyboard");
  assert.equal(query(drv, 0x11, 3).length, 0, "no EV_ABS on a keyboard");
  assert.equal(query(drv, 0x12, 0).length, 0, "no axis info");
  assert.equal(query(drv, 0x77, 0).length, 0, "unknown select has size 0");
  assert.equal(query(drv, 0x00, 0).length, 0);
});

Deno.test("virtio-input mouse and tablet: buttons, relative axes, absolute 0..32767", () => {
  const mouse = setup(new VirtioInput(mouseProfile())).drv;
  assert.deepEqual(bits(query(mouse, 0x11, 1)), [0x110, 0x111, 0x112, 0x113, 0x114]);
  assert.deepEqual(bits(query(mouse, 0x11, 2)), [0, 1, 6, 8]);
  assert.equal(query(mouse, 0x11, 3).length, 0);
  const tablet = setup(new VirtioInput(tabletProfile())).drv;
  assert.deepEqual(bits(query(tablet, 0x11, 3)), [0, 1]);
  for (const axis of [0, 1]) {
    const info = new DataView(query(tablet, 0x12, axis).buffer);
    assert.equal(info.byteLength, 20);
    assert.equal(info.getUint32(0, true), 0);
    assert.equal(info.getUint32(4, true), 32767);
  }
  assert.equal(query(tablet, 0x12, 2).length, 0, "no ABS_Z");
});

Deno.test("virtio-input: a key press reaches eventq as EV_KEY then SYN_REPORT, one event per buffer", () => {
  const dev = new VirtioInput(keyboardProfile(KEYMAP.values()));
  const { drv, ram } = setup(dev);
  postEventBuffers(drv, 4);
  drv.irq = false;
  dev.key(KEYMAP.get("KeyA")!, true);
  dev.key(KEYMAP.get("KeyA")!, false);
  assert.deepEqual(drv.used(0), [[0, 8], [1, 8], [2, 8], [3, 8]]);
  assert.deepEqual([0, 1, 2, 3].map((i) => readEvent(ram, i)), [
    [1, 30, 1],
    [0, 0, 0],
    [1, 30, 0],
    [0, 0, 0],
  ]);
  postEventBuffers(drv, 2);
  dev.repeatKey(KEYMAP.get("KeyA")!);
  assert.deepEqual([0, 1].map((i) => readEvent(ram, i)), [[1, 30, 2], [0, 0, 0]]);
  assert.equal(drv.irq, true);
});

Deno.test("virtio-input: events wait for buffers; unadvertised codes are left out", () => {
  const dev = new VirtioInput(mouseProfile());
  const { drv, ram } = setup(dev);
  dev.relative(5, -3, 1);
  dev.key(30, true); // KEY_A: not a mouse button, dropped
  dev.absolute(100, 100); // a mouse has no absolute axes
  assert.deepEqual(drv.used(0), []);
  postEventBuffers(drv, 8);
  assert.equal(drv.used(0).length, 4);
  assert.deepEqual([0, 1, 2, 3].map((i) => readEvent(ram, i)), [
    [2, 0, 5],
    [2, 1, -3],
    [2, 8, 1],
    [0, 0, 0],
  ]);
});

Deno.test("virtio-input: a guest that reads nothing gets a bounded queue and one log line", () => {
  const dev = new VirtioInput(tabletProfile());
  const { drv, log } = setup(dev);
  for (let i = 0; i < INPUT_QUEUE_LIMIT; i++) dev.absolute(i, i);
  assert.equal(log.length, 1);
  assert.match(log[0], /input queue full/);
  // Whole reports only: the queue holds complete 3-event reports.
  postEventBuffers(drv, 16);
  assert.equal(drv.used(0).length, 16);
});

Deno.test("virtio-input: status queue buffers (LED state) are completed", () => {
  const { drv } = setup(new VirtioInput(keyboardProfile(KEYMAP.values())));
  drv.desc(1, 0, BUF, 8, 0);
  drv.post(1, 0);
  assert.deepEqual(drv.used(1), [[0, 0]]);
});

Deno.test("virtio-input: a snapshot's events restore; too many, or one not 8 bytes, is refused", () => {
  const dev = new VirtioInput(keyboardProfile([30]));
  dev.key(30, true);
  const w = new StateWriter();
  dev.saveState(w);
  const back = new VirtioInput(keyboardProfile([30]));
  const { drv, ram } = setup(back);
  back.loadState(new StateReader(w.finish()));
  postEventBuffers(drv, 2);
  assert.deepEqual([readEvent(ram, 0), readEvent(ram, 1)], [[1, 30, 1], [0, 0, 0]]);

  const damaged = (events: Uint8Array[]) => {
    const d = new StateWriter();
    d.bytes(new Uint8Array(0));
    d.u32(events.length);
    for (const e of events) d.bytes(e);
    return () => new VirtioInput(keyboardProfile([30])).loadState(new StateReader(d.finish()));
  };
  const event = new Uint8Array(8);
  assert.throws(damaged(Array(INPUT_QUEUE_LIMIT + 1).fill(event)), SnapshotError);
  assert.throws(damaged([event, new Uint8Array(3)]), /input events are damaged/);
  damaged(Array(INPUT_QUEUE_LIMIT).fill(event))(); // a full queue is a queue
});
