import assert from "node:assert/strict";
import type { GuestRam } from "../core/bus.ts";
import { VirtioMmio, type VirtioMmioOptions } from "../devices/virtio_mmio.ts";
import { fakeRam, RAM_BASE } from "./support/guest_ram.ts";
import { RAM_OFFSET } from "../core/state.ts";
import type { Chain } from "../devices/virtqueue.ts";
import {
  configBytesRead,
  STATUS_DEVICE_NEEDS_RESET,
  type VirtioDevice,
  type VirtioTransport,
} from "../devices/virtio.ts";

export { fakeRam, RAM_BASE };

/** Where the test driver puts each queue's rings, and its buffers. */
const QSIZE = 16;
const ringAddr = (q: number) => RAM_BASE + 0x1000 + q * 0x1000;
export const BUF = RAM_BASE + 0x10000;

/** A minimal guest driver speaking to the transport's registers and rings. */
export class Driver {
  availIdx: number[] = [];
  usedSeen: number[] = [];
  readonly t: VirtioMmio;
  irq = false;

  constructor(
    readonly ram: GuestRam,
    device: VirtioDevice,
    readonly log: string[] = [],
    options: VirtioMmioOptions = {},
  ) {
    this.t = new VirtioMmio(ram, { set: (l) => this.irq = l }, device, {
      ...options,
      log: (m) => log.push(m),
    });
  }

  r(off: number) {
    return this.t.read(off, 4);
  }
  w(off: number, v: number) {
    this.t.write(off, 4, v);
  }

  /** The usual init: reset, negotiate everything offered, set up queues, DRIVER_OK. */
  init(numQueues: number, features?: bigint): void {
    this.w(0x70, 0);
    this.w(0x70, 1);
    this.w(0x70, 3);
    let offered = 0n;
    for (let sel = 0; sel < 2; sel++) {
      this.w(0x14, sel);
      offered |= BigInt(this.r(0x10)) << BigInt(32 * sel);
    }
    const f = features ?? offered;
    for (let sel = 0; sel < 2; sel++) {
      this.w(0x24, sel);
      this.w(0x20, Number((f >> BigInt(32 * sel)) & 0xffffffffn));
    }
    this.w(0x70, 0xb);
    assert.equal(this.r(0x70) & 8, 8, "FEATURES_OK sticks");
    for (let q = 0; q < numQueues; q++) this.setupQueue(q);
    this.w(0x70, 0xf);
  }

  setupQueue(q: number, size = QSIZE, desc = ringAddr(q)): void {
    this.w(0x30, q);
    assert.equal(this.r(0x44), 0);
    assert.ok(this.r(0x34) >= 128);
    this.w(0x38, size);
    this.w(0x80, desc);
    this.w(0x84, 0);
    this.w(0x90, ringAddr(q) + 16 * QSIZE);
    this.w(0x94, 0);
    this.w(0xa0, ringAddr(q) + 0x800);
    this.w(0xa4, 0);
    this.w(0x44, 1);
    this.availIdx[q] = 0;
    this.usedSeen[q] = 0;
  }

  /** Writes descriptor i of queue q (table at `table`, default the queue's own). */
  desc(
    q: number,
    i: number,
    addr: number,
    len: number,
    flags: number,
    next = 0,
    table = ringAddr(q),
  ) {
    const v = this.ram.view;
    const at = table - RAM_BASE + 16 * i;
    v.setUint32(at, addr % 2 ** 32, true);
    v.setUint32(at + 4, Math.floor(addr / 2 ** 32), true);
    v.setUint32(at + 8, len, true);
    v.setUint16(at + 12, flags, true);
    v.setUint16(at + 14, next, true);
  }

  /** Makes `head` available on queue q and notifies. */
  post(q: number, head: number, notify = true): void {
    const v = this.ram.view;
    const avail = ringAddr(q) + 16 * QSIZE - RAM_BASE;
    v.setUint16(avail + 4 + 2 * (this.availIdx[q] % QSIZE), head, true);
    this.availIdx[q] = (this.availIdx[q] + 1) & 0xffff;
    v.setUint16(avail + 2, this.availIdx[q], true);
    if (notify) this.w(0x50, q);
  }

  /** New used elements of queue q as [id, len]. */
  used(q: number): [number, number][] {
    const v = this.ram.view;
    const used = ringAddr(q) + 0x800 - RAM_BASE;
    const idx = v.getUint16(used + 2, true);
    const out: [number, number][] = [];
    while (this.usedSeen[q] !== idx) {
      const at = used + 4 + 8 * (this.usedSeen[q] % QSIZE);
      out.push([v.getUint32(at, true), v.getUint32(at + 4, true)]);
      this.usedSeen[q] = (this.usedSeen[q] + 1) & 0xffff;
    }
    return out;
  }

  ack(): number {
    const s = this.r(0x60);
    this.w(0x64, s);
    return s;
  }
}

/** A test device: keeps popped chains so the test completes them when it likes. */
class HoldDevice implements VirtioDevice {
  readonly deviceId = 42;
  readonly features = 1n << 5n;
  readonly numQueues = 2;
  t!: VirtioTransport;
  chains: Chain[] = [];
  resets = 0;
  config = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  attach(t: VirtioTransport) {
    this.t = t;
  }
  configRead(offset: number, size: 1 | 2 | 4) {
    return configBytesRead(this.config, offset, size);
  }
  configWrite(offset: number, _size: 1 | 2 | 4, value: number) {
    this.config[offset] = value & 0xff;
  }
  queueNotify(q: number) {
    const vq = this.t.queue(q)!;
    for (let c = vq.pop(); c; c = vq.pop()) this.chains.push(c);
  }
  reset() {
    this.resets++;
  }
}

function setup() {
  const ram = fakeRam();
  const dev = new HoldDevice();
  const drv = new Driver(ram, dev);
  return { ram, dev, drv };
}

Deno.test("identification registers and features", () => {
  const { drv } = setup();
  assert.equal(drv.r(0x0), 0x74726976);
  assert.equal(drv.r(0x4), 2);
  assert.equal(drv.r(0x8), 42);
  assert.equal(drv.r(0xc), 0xffff);
  drv.w(0x14, 0);
  assert.equal(drv.r(0x10), (1 << 5) | (1 << 28) | (1 << 29)); // INDIRECT_DESC, EVENT_IDX
  drv.w(0x14, 1);
  assert.equal(drv.r(0x10), 1); // VERSION_1
  drv.w(0x14, 7);
  assert.equal(drv.r(0x10), 0);
  assert.equal(drv.t.read(0x101, 1), 2);
  assert.equal(drv.t.read(0x102, 2), 0x0403);
  assert.equal(drv.t.read(0x104, 4), 0x08070605);
});

Deno.test("feature negotiation refuses unknown features and legacy drivers", () => {
  const { drv } = setup();
  drv.w(0x70, 3);
  drv.w(0x24, 0);
  drv.w(0x20, 1 << 6); // not offered
  drv.w(0x24, 1);
  drv.w(0x20, 1);
  drv.w(0x70, 0xb);
  assert.equal(drv.r(0x70) & 8, 0);
  drv.w(0x70, 0);
  drv.w(0x70, 3);
  drv.w(0x24, 0);
  drv.w(0x20, 1 << 5); // no VERSION_1
  drv.w(0x70, 0xb);
  assert.equal(drv.r(0x70) & 8, 0);
  drv.init(2);
  assert.equal(drv.t.driverFeatures, (1n << 32n) | (1n << 29n) | (1n << 28n) | (1n << 5n));
});

Deno.test("direct chain: buffers gathered, completed later, out of order", () => {
  const { drv, dev, ram } = setup();
  drv.init(2);
  ram.bytes.set([10, 20, 30], BUF - RAM_BASE);
  drv.desc(0, 0, BUF, 3, 1, 1);
  drv.desc(0, 1, BUF + 0x100, 8, 2);
  drv.desc(0, 2, BUF + 0x200, 4, 2);
  drv.post(0, 0);
  drv.post(0, 2);
  assert.equal(dev.chains.length, 2);
  const [a, b] = dev.chains;
  assert.deepEqual(a.readable, [{ addr: BUF, len: 3 }]);
  assert.deepEqual(a.writable, [{ addr: BUF + 0x100, len: 8 }]);
  const vq = dev.t.queue(0)!;
  assert.deepEqual([...vq.readAll(a)], [10, 20, 30]);
  assert.equal(drv.irq, false);
  vq.copyTo(b, 0, new Uint8Array([7, 7]));
  vq.push(b, 2);
  assert.equal(drv.irq, true);
  assert.equal(drv.ack(), 1);
  assert.equal(drv.irq, false);
  vq.copyTo(a, 6, new Uint8Array([1, 2, 3])); // only 2 fit
  vq.push(a, 100); // clamped to the writable length
  vq.push(a, 1); // a second completion is ignored
  assert.deepEqual(drv.used(0), [[2, 2], [0, 8]]);
  assert.deepEqual([...ram.bytes.subarray(BUF + 0x106 - RAM_BASE, BUF + 0x108 - RAM_BASE)], [1, 2]);
});

Deno.test("indirect descriptors are honoured", () => {
  const { drv, dev, ram } = setup();
  drv.init(2);
  const table = BUF + 0x1000;
  drv.desc(0, 0, BUF, 2, 1, 1, table);
  drv.desc(0, 1, BUF + 2, 3, 1, 2, table);
  drv.desc(0, 2, BUF + 0x100, 16, 2, 0, table);
  drv.desc(0, 5, table, 48, 4);
  ram.bytes.set([1, 2, 3, 4, 5], BUF - RAM_BASE);
  drv.post(0, 5);
  const c = dev.chains[0];
  assert.equal(c.head, 5);
  assert.equal(c.readLength, 5);
  assert.equal(c.writeLength, 16);
  const vq = dev.t.queue(0)!;
  assert.deepEqual([...vq.readAll(c)], [1, 2, 3, 4, 5]);
  const part = new Uint8Array(3);
  assert.equal(vq.copyFrom(c, 1, part), 3);
  assert.deepEqual([...part], [2, 3, 4]);
  vq.push(c, 16);
  assert.deepEqual(drv.used(0), [[5, 16]]);
});

Deno.test("views put each byte in its own buffer, whatever the gaps between buffers", () => {
  const { drv, dev, ram } = setup();
  drv.init(2);
  // A, then B exactly 64 KiB past A's end (the offset of RAM in the machine's buffer), then C right after B.
  const a = BUF + 0x100, b = a + 0x100 + RAM_OFFSET, c = b + 0x80;
  drv.desc(0, 0, a, 0x100, 3, 1);
  drv.desc(0, 1, b, 0x80, 3, 2);
  drv.desc(0, 2, c, 0x40, 2);
  drv.post(0, 0);
  const vq = dev.t.queue(0)!;
  const views = vq.views(dev.chains[0], true, 0x10, 0x1c0 - 0x10);
  assert.deepEqual(views.map((v) => v.length), [0xf0, 0xc0], "B and C merge, A does not");
  let k = 1;
  for (const v of views) for (let i = 0; i < v.length; i++) v[i] = k++ & 0xff;
  const at = (
    addr: number,
    len: number,
  ) => [...ram.bytes.subarray(addr - RAM_BASE, addr - RAM_BASE + len)];
  const expect = Array.from({ length: 0x1b0 }, (_, i) => (i + 1) & 0xff);
  assert.deepEqual(at(a, 0x10), new Array(0x10).fill(0), "before the offset: untouched");
  assert.deepEqual(at(a + 0x10, 0xf0), expect.slice(0, 0xf0));
  assert.deepEqual(at(b, 0x80), expect.slice(0xf0, 0x170));
  assert.deepEqual(at(c, 0x40), expect.slice(0x170));
  assert.deepEqual(at(a + RAM_OFFSET, 0x100), new Array(0x100).fill(0), "nothing lands 64 KiB off");
});

Deno.test("malformed chains are answered with length 0 and the queue keeps working", () => {
  const { drv, dev } = setup();
  drv.init(2);
  drv.log.length = 0;
  drv.desc(0, 0, BUF, 4, 1, 1); // loop 0 -> 1 -> 0
  drv.desc(0, 1, BUF, 4, 1, 0);
  drv.post(0, 0);
  drv.desc(0, 2, RAM_BASE + (1 << 20) - 2, 4, 0); // crosses the end of RAM
  drv.post(0, 2);
  drv.desc(0, 3, BUF, 0xffffffff, 2); // oversized
  drv.post(0, 3);
  drv.desc(0, 4, 2 ** 63, 4, 0); // far beyond 2^53
  drv.post(0, 4);
  drv.desc(0, 5, BUF, 4, 3, 6); // readable after writable
  drv.desc(0, 6, BUF, 4, 0);
  drv.post(0, 5);
  drv.desc(0, 7, BUF, 4, 1, 99); // next out of range
  drv.post(0, 7);
  drv.desc(0, 8, BUF + 0x1000, 17, 4); // bad indirect length
  drv.post(0, 8);
  drv.desc(0, 9, BUF + 0x1000, 32, 4); // indirect table that loops
  drv.desc(0, 0, BUF, 4, 1, 1, BUF + 0x1000);
  drv.desc(0, 1, BUF, 4, 1, 0, BUF + 0x1000);
  drv.post(0, 9);
  drv.desc(0, 10, BUF + 0x2000, 16, 4); // nested indirect
  drv.desc(0, 0, BUF + 0x2000, 16, 4, 0, BUF + 0x2000);
  drv.post(0, 10);
  assert.equal(dev.chains.length, 0);
  assert.deepEqual(drv.used(0).map(([id, len]) => [id, len]), [
    [0, 0],
    [2, 0],
    [3, 0],
    [4, 0],
    [5, 0],
    [7, 0],
    [8, 0],
    [9, 0],
    [10, 0],
  ]);
  assert.equal(drv.log.length, 1, "one log line per queue");
  drv.desc(0, 11, BUF, 4, 2);
  drv.post(0, 11);
  assert.equal(dev.chains.length, 1);
  assert.equal(drv.r(0x70) & STATUS_DEVICE_NEEDS_RESET, 0);
});

Deno.test("indirect descriptors are refused when not negotiated", () => {
  const { drv, dev } = setup();
  drv.init(2, (1n << 32n) | (1n << 5n));
  drv.desc(0, 0, BUF + 0x1000, 16, 4);
  drv.desc(0, 0, BUF, 4, 2, 0, BUF + 0x1000);
  drv.post(0, 0);
  assert.equal(dev.chains.length, 0);
  assert.deepEqual(drv.used(0), [[0, 0]]);
});

Deno.test("a bad head index or avail index breaks the queue, once", () => {
  const { drv, dev } = setup();
  drv.init(2);
  drv.post(0, 200);
  assert.equal(dev.t.queue(0), null);
  assert.equal(drv.r(0x70) & STATUS_DEVICE_NEEDS_RESET, STATUS_DEVICE_NEEDS_RESET);
  drv.post(0, 0);
  assert.equal(drv.log.length, 1);
  // The other queue and a reset still work.
  drv.init(2);
  assert.equal(drv.r(0x70) & STATUS_DEVICE_NEEDS_RESET, 0);
  drv.desc(0, 0, BUF, 4, 2);
  drv.post(0, 0);
  assert.equal(dev.chains.length, 1);
  // avail idx jumping ahead by more than the queue size
  const avail = 0x1000 + 16 * QSIZE;
  drv.ram.view.setUint16(avail + 2, 1000, true);
  drv.w(0x50, 0);
  assert.equal(dev.t.queue(0), null);
});

Deno.test("bad queue setups are refused without throwing", () => {
  const cases: [number, number][] = [
    [3, ringAddr(0)], // not a power of two
    [512, ringAddr(0)], // above max
    [0, ringAddr(0)],
    [16, RAM_BASE + (1 << 20) - 8], // table outside RAM
    [16, 0x1000], // below RAM
    [16, ringAddr(0) + 8], // misaligned
  ];
  for (const [size, desc] of cases) {
    const { drv, dev } = setup();
    drv.w(0x70, 1);
    drv.w(0x70, 3);
    drv.w(0x24, 1);
    drv.w(0x20, 1);
    drv.w(0x70, 0xb);
    drv.setupQueue(0, size, desc);
    drv.w(0x70, 0xf);
    drv.w(0x50, 0);
    assert.equal(dev.t.queue(0), null, `size ${size} desc ${desc.toString(16)}`);
    assert.equal(drv.log.length, 1);
  }
});

Deno.test("reset drops queues and late completions", () => {
  const { drv, dev } = setup();
  drv.init(2);
  drv.desc(1, 0, BUF, 4, 2);
  drv.post(1, 0);
  const c = dev.chains[0];
  drv.w(0x70, 0);
  assert.equal(dev.resets, 2); // init reset once too
  assert.equal(drv.r(0x70), 0);
  drv.w(0x30, 1);
  assert.equal(drv.r(0x44), 0);
  c.queue.push(c, 4); // stale: nothing written
  assert.deepEqual(drv.used(1), []);
  assert.equal(drv.irq, false);
});

Deno.test("config change bumps the generation and raises bit 1", () => {
  const { drv, dev } = setup();
  drv.init(2);
  const g = drv.r(0xfc);
  dev.t.notifyConfigChange();
  assert.equal(drv.r(0xfc), (g + 1) >>> 0);
  assert.equal(drv.irq, true);
  assert.equal(drv.ack(), 2);
  drv.t.write(0x100, 1, 0x99);
  assert.equal(drv.t.read(0x100, 1), 0x99);
});

Deno.test("a throwing device is contained", () => {
  const ram = fakeRam();
  const dev = new HoldDevice();
  dev.queueNotify = () => {
    throw new Error("boom");
  };
  const drv = new Driver(ram, dev);
  drv.init(2);
  drv.w(0x50, 0);
  assert.equal(drv.r(0x70) & STATUS_DEVICE_NEEDS_RESET, STATUS_DEVICE_NEEDS_RESET);
  assert.match(drv.log[0], /boom/);
});
