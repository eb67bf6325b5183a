/**
 * The VirtIO block device against an in-memory disk whose operations the
 * test can hold back: every request type, requests completing out of order,
 * FLUSH ordering, and malformed requests that must get an error status while
 * the device keeps working.
 */
import assert from "node:assert/strict";
import type { BlockBackend } from "../devices/block_backend.ts";
import {
  VIRTIO_BLK_F_DISCARD,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_RO,
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_DISCARD,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VIRTIO_BLK_T_WRITE_ZEROES,
  VirtioBlock,
} from "../devices/virtio_blk.ts";
import { BUF, Driver, fakeRam, RAM_BASE } from "./virtio_test.ts";

const NEXT = 1;
const WRITE = 2;
const SECTORS = 64;

/** A RAM disk; with `hold` set, each operation waits until the test releases it. */
class MemDisk implements BlockBackend {
  readonly data = new Uint8Array(SECTORS * 512);
  readonly sectorCount = SECTORS;
  hold = false;
  held: (() => void)[] = [];
  ops: string[] = [];
  fail = false;
  closed = false;
  constructor(readonly readOnly = false) {}
  private async gate(op: string) {
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    if (this.fail) throw new Error("disk on fire");
    this.ops.push(op);
  }
  async read(sector: number, buf: Uint8Array) {
    await this.gate(`read ${sector}`);
    buf.set(this.data.subarray(sector * 512, sector * 512 + buf.length));
  }
  async write(sector: number, data: Uint8Array) {
    await this.gate(`write ${sector}`);
    this.data.set(data, sector * 512);
  }
  async flush() {
    await this.gate("flush");
  }
  async discard(sector: number, count: number) {
    await this.gate(`discard ${sector}+${count}`);
  }
  close() {
    this.closed = true;
    return Promise.resolve();
  }
}

function setup(readOnly = false, serial = "demu-serial-0123") {
  const ram = fakeRam();
  const disk = new MemDisk(readOnly);
  const hostLog: string[] = [];
  const blk = new VirtioBlock(disk, { serial, name: "drive0", log: (m) => hostLog.push(m) });
  const drv = new Driver(ram, blk);
  drv.init(1);
  return { ram, disk, blk, drv, hostLog };
}

/** Where request n keeps its header, data and status in guest RAM. */
const area = (n: number) => BUF + n * 0x4000;

/**
 * Posts a request as descriptors 3(n mod 5).. of queue 0: a 16-byte header, an
 * optional data buffer (device-readable `out` or device-writable `inLen`
 * bytes) and a status byte.
 */
function request(
  drv: Driver,
  n: number,
  type: number,
  sector: number,
  opts: { out?: Uint8Array; inLen?: number; headerLen?: number } = {},
) {
  const base = area(n);
  const v = drv.ram.view;
  const h = base - RAM_BASE;
  v.setUint32(h, type, true);
  v.setUint32(h + 4, 0, true);
  v.setUint32(h + 8, sector % 2 ** 32, true);
  v.setUint32(h + 12, Math.floor(sector / 2 ** 32), true);
  const head = 3 * (n % 5); // a 16-entry queue holds five requests
  let i = head;
  drv.desc(0, i, base, opts.headerLen ?? 16, NEXT, i + 1);
  i++;
  if (opts.out) {
    drv.ram.bytes.set(opts.out, base + 0x100 - RAM_BASE);
    drv.desc(0, i, base + 0x100, opts.out.length, NEXT, i + 1);
    i++;
  } else if (opts.inLen) {
    drv.desc(0, i, base + 0x100, opts.inLen, NEXT | WRITE, i + 1);
    i++;
  }
  drv.ram.bytes[base + 0xff - RAM_BASE] = 0xee;
  drv.desc(0, i, base + 0xff, 1, WRITE);
  drv.post(0, head);
  return head;
}

const status = (drv: Driver, n: number) => drv.ram.bytes[area(n) + 0xff - RAM_BASE];
const dataIn = (drv: Driver, n: number, len: number) =>
  drv.ram.bytes.slice(area(n) + 0x100 - RAM_BASE, area(n) + 0x100 - RAM_BASE + len);
/** Lets pending promise callbacks run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

function pattern(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

Deno.test("blk: identity, features and config space", () => {
  const { drv } = setup();
  assert.equal(drv.r(0x8), 2);
  drv.w(0x14, 0);
  const f = BigInt(drv.r(0x10));
  assert.ok(f & (1n << VIRTIO_BLK_F_FLUSH));
  assert.ok(f & (1n << VIRTIO_BLK_F_DISCARD));
  assert.equal(f & (1n << VIRTIO_BLK_F_RO), 0n);
  assert.equal(drv.r(0x100), SECTORS, "capacity low");
  assert.equal(drv.r(0x104), 0, "capacity high");
  assert.equal(drv.r(0x100 + 20), 512, "blk_size");
  assert.ok(drv.r(0x100 + 12) >= 1, "seg_max");
  const ro = setup(true).drv;
  ro.w(0x14, 0);
  assert.ok(BigInt(ro.r(0x10)) & (1n << VIRTIO_BLK_F_RO));
});

Deno.test("blk: write then read back; GET_ID answers the serial", async () => {
  const { drv, disk } = setup();
  const data = pattern(1024, 3);
  request(drv, 0, VIRTIO_BLK_T_OUT, 5, { out: data });
  await settle();
  assert.deepEqual(drv.used(0), [[0, 1]]);
  assert.equal(status(drv, 0), VIRTIO_BLK_S_OK);
  assert.deepEqual(disk.data.slice(5 * 512, 7 * 512), data);

  request(drv, 1, VIRTIO_BLK_T_IN, 5, { inLen: 1024 });
  await settle();
  assert.deepEqual(drv.used(0), [[3, 1025]]);
  assert.equal(status(drv, 1), VIRTIO_BLK_S_OK);
  assert.deepEqual(dataIn(drv, 1, 1024), data);

  request(drv, 2, VIRTIO_BLK_T_GET_ID, 0, { inLen: 20 });
  await settle();
  assert.equal(status(drv, 2), VIRTIO_BLK_S_OK);
  assert.equal(new TextDecoder().decode(dataIn(drv, 2, 16)), "demu-serial-0123");
  assert.deepEqual(dataIn(drv, 2, 20).slice(16), new Uint8Array(4));
});

Deno.test("blk: requests in flight complete in the order the backend finishes", async () => {
  const { drv, disk, blk } = setup();
  disk.hold = true;
  request(drv, 0, VIRTIO_BLK_T_IN, 0, { inLen: 512 });
  request(drv, 1, VIRTIO_BLK_T_IN, 8, { inLen: 512 });
  request(drv, 2, VIRTIO_BLK_T_IN, 16, { inLen: 512 });
  await settle();
  assert.equal(disk.held.length, 3, "all three reached the backend");
  assert.equal(blk.pending, 3);
  assert.deepEqual(drv.used(0), []);
  disk.held[2]();
  await settle();
  disk.held[0]();
  await settle();
  disk.held[1]();
  await settle();
  assert.deepEqual(drv.used(0).map(([id]) => id), [6, 0, 3]);
  assert.equal(blk.pending, 0);
});

Deno.test("blk: FLUSH waits for the writes submitted before it", async () => {
  const { drv, disk } = setup();
  disk.hold = true;
  request(drv, 0, VIRTIO_BLK_T_OUT, 1, { out: pattern(512, 1) });
  await settle();
  disk.hold = false;
  request(drv, 1, VIRTIO_BLK_T_FLUSH, 0);
  await settle();
  assert.deepEqual(drv.used(0), [], "the flush is not done while the write is held");
  assert.deepEqual(disk.ops, []);
  disk.held[0]();
  await settle();
  assert.deepEqual(disk.ops, ["write 1", "flush"]);
  assert.deepEqual(drv.used(0).map(([id]) => id), [0, 3]);
  assert.equal(status(drv, 1), VIRTIO_BLK_S_OK);
});

Deno.test("blk: close waits for requests in flight, then closes the backend", async () => {
  const { drv, disk, blk } = setup();
  disk.hold = true;
  request(drv, 0, VIRTIO_BLK_T_OUT, 1, { out: pattern(512, 1) });
  await settle();
  let closed = false;
  const closing = blk.close().then(() => closed = true);
  await settle();
  assert.equal(closed, false);
  disk.held[0]();
  await closing;
  assert.ok(disk.closed);
  assert.deepEqual(disk.ops, ["write 1"]);
});

Deno.test("blk: discard and write zeroes; flags they do not allow are UNSUPP", async () => {
  const { drv, disk } = setup();
  disk.data.fill(0xaa);
  const seg = (sector: number, count: number, flags: number) => {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setUint32(0, sector, true);
    v.setUint32(8, count, true);
    v.setUint32(12, flags, true);
    return b;
  };
  request(drv, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, { out: seg(2, 3, 1) });
  request(drv, 1, VIRTIO_BLK_T_DISCARD, 0, { out: seg(8, 8, 0) });
  request(drv, 2, VIRTIO_BLK_T_DISCARD, 0, { out: seg(8, 8, 1) }); // unmap is for write zeroes
  request(drv, 3, VIRTIO_BLK_T_WRITE_ZEROES, 0, { out: seg(60, 8, 0) }); // past the end
  await settle();
  assert.deepEqual([0, 1, 2, 3].map((n) => status(drv, n)), [
    VIRTIO_BLK_S_OK,
    VIRTIO_BLK_S_OK,
    VIRTIO_BLK_S_UNSUPP,
    VIRTIO_BLK_S_IOERR,
  ]);
  assert.equal(disk.data[2 * 512 - 1], 0xaa);
  assert.deepEqual(disk.data.slice(2 * 512, 5 * 512), new Uint8Array(3 * 512));
  assert.equal(disk.data[5 * 512], 0xaa);
  assert.ok(disk.ops.includes("discard 8+8"));
});

Deno.test("blk: malformed requests get IOERR or UNSUPP and the device keeps working", async () => {
  const { drv, disk, ram } = setup();
  const guestLog = drv.log;
  request(drv, 0, VIRTIO_BLK_T_IN, 0, { headerLen: 8, inLen: 512 }); // header too short
  request(drv, 1, VIRTIO_BLK_T_IN, SECTORS - 1, { inLen: 1024 }); // past the end
  request(drv, 2, VIRTIO_BLK_T_IN, 0, { inLen: 100 }); // not whole sectors
  request(drv, 3, VIRTIO_BLK_T_OUT, 0, { out: pattern(700, 1) }); // not whole sectors
  request(drv, 4, 99, 0, { inLen: 512 }); // unknown type
  await settle();
  request(drv, 5, VIRTIO_BLK_T_OUT, 2 ** 60, { out: pattern(512, 1) }); // absurd sector
  await settle();
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => status(drv, n)), [
    VIRTIO_BLK_S_IOERR,
    VIRTIO_BLK_S_IOERR,
    VIRTIO_BLK_S_IOERR,
    VIRTIO_BLK_S_IOERR,
    VIRTIO_BLK_S_UNSUPP,
    VIRTIO_BLK_S_IOERR,
  ]);
  assert.equal(drv.used(0).length, 6);
  assert.deepEqual(disk.ops, [], "nothing reached the disk");

  // No writable byte for the status: answered with length 0.
  drv.desc(0, 8, area(6), 16, 0);
  drv.post(0, 8);
  // A descriptor loop and a buffer outside RAM: the queue answers them.
  drv.desc(0, 9, area(7), 16, NEXT, 10);
  drv.desc(0, 10, area(7) + 16, 1, NEXT | WRITE, 9);
  drv.post(0, 9);
  drv.desc(0, 11, RAM_BASE + ram.size - 8, 16, NEXT, 12);
  drv.desc(0, 12, area(8), 1, WRITE);
  drv.post(0, 11);
  await settle();
  assert.deepEqual(drv.used(0), [[8, 0], [9, 0], [11, 0]]);
  assert.ok(guestLog.length >= 1 && guestLog.length <= 3, guestLog.join("\n"));

  const data = pattern(512, 9);
  request(drv, 0, VIRTIO_BLK_T_OUT, 3, { out: data });
  await settle();
  assert.equal(status(drv, 0), VIRTIO_BLK_S_OK, "still working");
  assert.deepEqual(disk.data.slice(3 * 512, 4 * 512), data);
});

Deno.test("blk: a read-only disk refuses writes with IOERR and keeps its data", async () => {
  const { drv, disk } = setup(true);
  disk.data.fill(0x55);
  request(drv, 0, VIRTIO_BLK_T_OUT, 0, { out: pattern(512, 1) });
  request(drv, 1, VIRTIO_BLK_T_WRITE_ZEROES, 0, { out: new Uint8Array(16) });
  request(drv, 2, VIRTIO_BLK_T_IN, 0, { inLen: 512 });
  request(drv, 3, VIRTIO_BLK_T_FLUSH, 0);
  await settle();
  assert.deepEqual([0, 1, 2, 3].map((n) => status(drv, n)), [
    VIRTIO_BLK_S_IOERR,
    VIRTIO_BLK_S_IOERR,
    VIRTIO_BLK_S_OK,
    VIRTIO_BLK_S_OK,
  ]);
  assert.ok(disk.data.every((b) => b === 0x55));
});

Deno.test("blk: host I/O errors reach the guest as IOERR and are printed once", async () => {
  const { drv, disk, hostLog } = setup();
  disk.fail = true;
  request(drv, 0, VIRTIO_BLK_T_IN, 0, { inLen: 512 });
  request(drv, 1, VIRTIO_BLK_T_OUT, 0, { out: pattern(512, 1) });
  request(drv, 2, VIRTIO_BLK_T_FLUSH, 0);
  await settle();
  assert.deepEqual([0, 1, 2].map((n) => status(drv, n)), [1, 1, 1]);
  assert.equal(hostLog.length, 1);
  assert.match(hostLog[0], /drive0: host I\/O error.*disk on fire/);
  disk.fail = false;
  request(drv, 3, VIRTIO_BLK_T_IN, 0, { inLen: 512 });
  await settle();
  assert.equal(status(drv, 3), VIRTIO_BLK_S_OK);
});

Deno.test("blk: answers for a reset device are dropped", async () => {
  const { drv, disk } = setup();
  disk.hold = true;
  request(drv, 0, VIRTIO_BLK_T_IN, 0, { inLen: 512 });
  await settle();
  drv.w(0x70, 0); // reset
  disk.data.fill(0x77);
  disk.held[0]();
  await settle();
  assert.deepEqual(dataIn(drv, 0, 4), new Uint8Array(4), "no data written into stale buffers");
  assert.equal(status(drv, 0), 0xee);
});
