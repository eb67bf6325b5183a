/**
 * The block fast path: reads and writes a local backend serves synchronously,
 * straight between host file and guest memory. Chains are scattered the way
 * a guest's page cache scatters them (pieces out of order in RAM, a status
 * byte sharing the last buffer), and every result is checked against the
 * host file; FLUSH still waits and syncs; snapshots give the same bytes on
 * the fast and the slow path, and keep to the slow path while it is busy.
 */
import assert from "node:assert/strict";
import { FileBackend } from "../backends/block/file_block.ts";
import { MemoryOverlay, SnapshotBackend } from "../backends/block/snapshot_block.ts";
import type { BlockBackend } from "../devices/block_backend.ts";
import {
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VirtioBlock,
} from "../devices/virtio_blk.ts";
import { type Buf, RAM_BASE, SyntheticDriver } from "./support/synthetic_driver.ts";
import { fakeRam } from "./support/guest_ram.ts";

function pattern(len: number, seed: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 31 + seed + (i >> 8)) & 0xff;
  return b;
}

async function tempImage(bytes: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".img" });
  await Deno.writeFile(path, bytes);
  return path;
}

async function fileBackend(path: string, readOnly = false): Promise<FileBackend> {
  const file = await Deno.open(path, { read: true, write: !readOnly });
  return new FileBackend(file, (await file.stat()).size, readOnly, path);
}

/** A driver with buffers for one request: header, `pieces` scattered data buffers, status. */
function rig(backend: BlockBackend) {
  const dev = new VirtioBlock(backend, { log: () => {} });
  const drv = new SyntheticDriver(fakeRam(4 << 20), dev);
  drv.init(1);
  const hdr = drv.heap(4096);
  const data = drv.heap(1 << 20);
  const setHeader = (type: number, sector: number) => {
    const v = drv.ram.view;
    v.setUint32(hdr - RAM_BASE, type, true);
    v.setUint32(hdr - RAM_BASE + 4, 0, true);
    v.setUint32(hdr - RAM_BASE + 8, sector, true);
    v.setUint32(hdr - RAM_BASE + 12, 0, true);
  };
  /** `sizes` bytes per piece; pieces are placed in RAM in reverse order, 4 KiB apart. */
  const pieces = (sizes: number[]): Buf[] =>
    sizes.map((len, i) => ({ addr: data + (sizes.length - 1 - i) * 8192, len }));
  const bytesOf = (bufs: Buf[]) =>
    new Uint8Array(
      bufs.flatMap((
        b,
      ) => [...drv.ram.bytes.subarray(b.addr - RAM_BASE, b.addr - RAM_BASE + b.len)]),
    );
  const status = () => drv.ram.bytes[hdr + 16 - RAM_BASE];
  return { dev, drv, hdr, setHeader, pieces, bytesOf, status };
}

Deno.test("blk fast path: scattered reads and writes go between the file and guest buffers at once", async () => {
  const original = pattern(256 * 512, 1);
  const path = await tempImage(original);
  try {
    const r = await rig(await fileBackend(path));
    // Read 3 KiB + 512 + 4 KiB from sector 7: done inside the notify.
    const bufs = r.pieces([3072, 512, 4096]);
    r.setHeader(VIRTIO_BLK_T_IN, 7);
    r.drv.post(0, [{ addr: r.hdr, len: 16 }], [...bufs, { addr: r.hdr + 16, len: 1 }]);
    assert.equal(r.dev.pending, 0, "answered in the notify");
    assert.deepEqual(r.drv.reap(0).map(([, len]) => len), [7680 + 1]);
    assert.equal(r.status(), VIRTIO_BLK_S_OK);
    assert.deepEqual(r.bytesOf(bufs), original.subarray(7 * 512, 7 * 512 + 7680));

    // Write two scattered pieces at sector 100, then read them back through the file.
    const out = r.pieces([1024, 2048]);
    const payload = pattern(3072, 9);
    r.drv.ram.bytes.set(payload.subarray(0, 1024), out[0].addr - RAM_BASE);
    r.drv.ram.bytes.set(payload.subarray(1024), out[1].addr - RAM_BASE);
    r.setHeader(VIRTIO_BLK_T_OUT, 100);
    r.drv.post(0, [{ addr: r.hdr, len: 16 }, ...out], [{ addr: r.hdr + 16, len: 1 }]);
    assert.deepEqual(r.drv.reap(0).map(([, len]) => len), [1]);
    assert.equal(r.status(), VIRTIO_BLK_S_OK);
    // FLUSH after it: answered once the file is synced.
    r.setHeader(VIRTIO_BLK_T_FLUSH, 0);
    r.drv.post(0, [{ addr: r.hdr, len: 16 }], [{ addr: r.hdr + 16, len: 1 }]);
    while (r.drv.reap(0).length === 0) await r.drv.waitIrq(100);
    assert.equal(r.status(), VIRTIO_BLK_S_OK);
    await r.dev.close();
    const disk = await Deno.readFile(path);
    assert.deepEqual(disk.subarray(100 * 512, 100 * 512 + 3072), payload);
    assert.deepEqual(disk.subarray(0, 100 * 512), original.subarray(0, 100 * 512));
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("blk fast path: a request past the end or of odd length still gets IOERR (slow path)", async () => {
  const path = await tempImage(pattern(16 * 512, 2));
  try {
    const r = await rig(await fileBackend(path));
    r.setHeader(VIRTIO_BLK_T_IN, 15);
    r.drv.post(0, [{ addr: r.hdr, len: 16 }], [...r.pieces([1024]), { addr: r.hdr + 16, len: 1 }]);
    while (r.drv.reap(0).length === 0) await r.drv.waitIrq(100);
    assert.equal(r.status(), 1);
    r.setHeader(VIRTIO_BLK_T_OUT, 0);
    r.drv.post(0, [{ addr: r.hdr, len: 16 }, ...r.pieces([100])], [{ addr: r.hdr + 16, len: 1 }]);
    while (r.drv.reap(0).length === 0) await r.drv.waitIrq(100);
    assert.equal(r.status(), 1);
    await r.dev.close();
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("file backend: readSync/writeSync with many pieces match the file", async () => {
  const original = pattern(64 * 512, 3);
  const path = await tempImage(original);
  try {
    const b = await fileBackend(path);
    const parts = [new Uint8Array(512), new Uint8Array(1536), new Uint8Array(1024)];
    assert.equal(b.readSync(5, parts), true);
    assert.deepEqual(
      new Uint8Array(parts.flatMap((p) => [...p])),
      original.subarray(2560, 2560 + 3072),
    );
    assert.equal(b.readSync(5, [parts[1]]), true); // one piece: read in place
    assert.deepEqual(parts[1], original.subarray(2560, 2560 + 1536));
    const w = [pattern(512, 7), pattern(2048, 8)];
    assert.equal(b.writeSync(40, w), true);
    await b.flush();
    await b.close();
    const disk = await Deno.readFile(path);
    assert.deepEqual(disk.subarray(40 * 512, 40 * 512 + 512), w[0]);
    assert.deepEqual(disk.subarray(40 * 512 + 512, 40 * 512 + 2560), w[1]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("snapshot: the fast path reads and writes what the slow path would, and the base stays", async () => {
  const original = pattern(41 * 512, 4); // an odd-sized disk: its last 4 KiB block is short
  const path = await tempImage(original);
  try {
    const fast = new SnapshotBackend(await fileBackend(path, true), new MemoryOverlay());
    const slow = new SnapshotBackend(await fileBackend(path, true), new MemoryOverlay());
    const writes: [number, number][] = [[3, 2], [6, 11], [16, 8], [39, 2], [0, 1]];
    for (const [sector, count] of writes) {
      const data = pattern(count * 512, sector);
      // Split in uneven pieces for the fast path.
      const cut = Math.min(data.length, 512 + 512 * (sector % 3));
      assert.equal(fast.writeSync(sector, [data.subarray(0, cut), data.subarray(cut)]), true);
      await slow.write(sector, data);
    }
    const a = [new Uint8Array(7 * 512), new Uint8Array(34 * 512)];
    assert.equal(fast.readSync(0, a), true);
    const b = new Uint8Array(41 * 512);
    await slow.read(0, b);
    assert.deepEqual(new Uint8Array([...a[0], ...a[1]]), b);
    await fast.close();
    await slow.close();
    assert.deepEqual(await Deno.readFile(path), original);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("snapshot: while a slow operation is queued the fast path declines", async () => {
  const path = await tempImage(pattern(16 * 512, 5));
  try {
    const snap = new SnapshotBackend(await fileBackend(path, true), new MemoryOverlay());
    const pending = snap.write(2, pattern(512, 1));
    assert.equal(snap.readSync(2, [new Uint8Array(512)]), false);
    assert.equal(snap.writeSync(3, [new Uint8Array(512)]), false);
    await pending;
    const back = new Uint8Array(512);
    assert.equal(snap.readSync(2, [back]), true);
    assert.deepEqual(back, pattern(512, 1));
    await snap.close();
  } finally {
    await Deno.remove(path);
  }
});
