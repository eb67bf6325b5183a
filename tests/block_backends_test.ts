/**
 * The host side of disks without a guest: raw files, snapshots that leave
 * the base untouched (in memory or in a reusable overlay file), HTTP images
 * served by a local Deno.serve on 127.0.0.1, and the one-line errors of
 * openDrive.
 */
import assert from "node:assert/strict";
import { FileBackend } from "../backends/block/file_block.ts";
import { HttpBackend } from "../backends/block/http_block.ts";
import { openDrive } from "../backends/block/drive.ts";
import { OverlayFile } from "../backends/block/overlay_file.ts";
import { MemoryOverlay, SnapshotBackend } from "../backends/block/snapshot_block.ts";
import { BlockIoError } from "../devices/block_backend.ts";
import { SnapshotError, StateReader, StateWriter } from "../core/snapshot/format.ts";

function pattern(len: number, seed: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 13 + seed + (i >> 9)) & 0xff;
  return b;
}

async function tempImage(bytes: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".img" });
  await Deno.writeFile(path, bytes);
  return path;
}

async function fileBackend(path: string, readOnly: boolean): Promise<FileBackend> {
  const file = await Deno.open(path, { read: true, write: !readOnly });
  return new FileBackend(file, (await file.stat()).size, readOnly, path);
}

Deno.test("file backend: reads and writes sectors; read-only refuses writes", async () => {
  const original = pattern(64 * 512, 1);
  const path = await tempImage(original);
  try {
    const rw = await fileBackend(path, false);
    assert.equal(rw.sectorCount, 64);
    const data = pattern(3 * 512, 77);
    await Promise.all([rw.write(10, data), rw.write(20, data)]);
    const back = new Uint8Array(3 * 512);
    await rw.read(10, back);
    assert.deepEqual(back, data);
    await rw.close();
    const onDisk = await Deno.readFile(path);
    assert.deepEqual(onDisk.slice(20 * 512, 23 * 512), data);

    const ro = await fileBackend(path, true);
    await assert.rejects(ro.write(0, data), BlockIoError);
    await ro.close();
    assert.deepEqual(await Deno.readFile(path), onDisk);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("snapshot: partial-block writes merge with the base, which stays untouched", async () => {
  const original = pattern(41 * 512, 2); // not a whole number of 4 KiB blocks
  const path = await tempImage(original);
  try {
    const overlay = new MemoryOverlay();
    const snap = new SnapshotBackend(await fileBackend(path, true), overlay);
    const expect = original.slice();
    const w = (sector: number, len: number, seed: number) => {
      const d = pattern(len * 512, seed);
      expect.set(d, sector * 512);
      return snap.write(sector, d);
    };
    await w(3, 2, 10); // inside block 0
    await w(7, 10, 11); // across blocks 0, 1 and 2
    await w(40, 1, 12); // the short last block
    await w(16, 8, 13); // one whole block
    const all = new Uint8Array(41 * 512);
    await snap.read(0, all);
    assert.deepEqual(all, expect);
    const piece = new Uint8Array(5 * 512);
    await snap.read(30, piece);
    assert.deepEqual(piece, expect.slice(30 * 512, 35 * 512));
    await snap.discard(16, 8);
    assert.equal(overlay.size, 3, "block 2 (sectors 16-23) is dropped");
    await snap.close();
    assert.deepEqual(await Deno.readFile(path), original);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("overlay file: a snapshot survives reopening; a different disk is refused", async () => {
  const original = pattern(100 * 512, 3);
  const path = await tempImage(original);
  const ovl = await Deno.makeTempFile({ suffix: ".ovl" });
  try {
    const open = async () =>
      new SnapshotBackend(await fileBackend(path, true), await OverlayFile.open(ovl, 100));
    const a = await open();
    const data = pattern(9 * 512, 42);
    await a.write(13, data);
    await a.close();
    assert.deepEqual(await Deno.readFile(path), original);
    const st = await Deno.stat(ovl);
    assert.ok(st.blocks === null || st.blocks * 512 < st.size, "the overlay file is sparse");

    const b = await open();
    const back = new Uint8Array(12 * 512);
    await b.read(12, back);
    const expect = original.slice(12 * 512, 24 * 512);
    expect.set(data, 512);
    assert.deepEqual(back, expect);
    await b.close();

    await assert.rejects(OverlayFile.open(ovl, 200), /made for a disk of 100 sectors/);
    await Deno.writeFile(ovl, new TextEncoder().encode("x".repeat(10000)));
    await assert.rejects(OverlayFile.open(ovl, 100), /not a demu overlay/);
  } finally {
    await Deno.remove(path);
    await Deno.remove(ovl);
  }
});

/** Serves `image` on 127.0.0.1 with range support; `broken` ranges answer 500. */
function serveImage(image: Uint8Array<ArrayBuffer>, opts: { ranges?: boolean } = {}) {
  const seen: string[] = [];
  let broken = false;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => {
      const range = req.headers.get("range");
      seen.push(range ?? "");
      if (broken) return new Response("no", { status: 500 });
      const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? "");
      if (!m || opts.ranges === false) return new Response(image);
      const from = Number(m[1]);
      const to = Math.min(Number(m[2]), image.length - 1);
      return new Response(image.slice(from, to + 1), {
        status: 206,
        headers: { "content-range": `bytes ${from}-${to}/${image.length}` },
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/disk.img`,
    seen,
    breakIt: () => broken = true,
    close: () => server.shutdown(),
  };
}

Deno.test("http backend: range reads with a block cache; failures are IOERR-worthy, not fatal", async () => {
  const image = pattern(300 * 1024, 4);
  const srv = serveImage(image);
  try {
    const http = await HttpBackend.open(srv.url);
    assert.equal(http.sectorCount, 600);
    assert.ok(http.readOnly);
    const buf = new Uint8Array(200 * 512);
    await http.read(100, buf);
    assert.deepEqual(buf, image.slice(100 * 512, 300 * 512));
    assert.equal(http.requests, 1, "neighbouring blocks come in one request");
    const again = new Uint8Array(8 * 512);
    await http.read(120, again);
    assert.equal(http.requests, 1, "served from the cache");
    assert.deepEqual(again, image.slice(120 * 512, 128 * 512));
    const tail = new Uint8Array(512);
    await http.read(599, tail);
    assert.deepEqual(tail, image.slice(599 * 512));
    srv.breakIt();
    await assert.rejects(http.read(400, new Uint8Array(512)), BlockIoError); // block 3: not cached
    await assert.rejects(http.write(), BlockIoError);
    await http.close();
  } finally {
    await srv.close();
  }
  const plain = serveImage(image, { ranges: false });
  try {
    await assert.rejects(HttpBackend.open(plain.url), /does not answer range requests/);
  } finally {
    await plain.close();
  }
});

Deno.test("openDrive: clear one-line errors", async () => {
  const odd = await tempImage(new Uint8Array(1000));
  const good = await tempImage(new Uint8Array(4096));
  try {
    await assert.rejects(openDrive({ file: odd }, 0), /1000 bytes, not a whole number of 512-byte/);
    await assert.rejects(
      openDrive({ file: "/nonexistent.img" }, 0),
      /drive '\/nonexistent.img' not found/,
    );
    await assert.rejects(openDrive({ file: "/tmp" }, 0), /not a regular file/);
    await assert.rejects(
      openDrive({ file: good }, 0, { rw: true, ro: true }),
      /cannot be used together/,
    );
    await assert.rejects(
      openDrive({ file: good, overlay: "/tmp/x.ovl" }, 0, { ro: true }),
      /overlay file needs snapshot mode/,
    );
    await assert.rejects(
      openDrive({ url: "http://127.0.0.1:9/x.img" }, 0, { rw: true }),
      /cannot be opened read-write/,
    );
    const dev = await openDrive({ file: good, serial: "abc" }, 0, { ro: true });
    assert.ok(dev.backend.readOnly);
    await dev.close();
  } finally {
    await Deno.remove(odd);
    await Deno.remove(good);
  }
});

Deno.test("snapshot disk overlay: its blocks restore; a block number or data that cannot be is refused", async () => {
  const { deflateRawSync } = await import("node:zlib");
  const saved = new MemoryOverlay();
  await saved.write(3, pattern(4096, 1));
  const w = new StateWriter();
  saved.saveState(w);
  const back = new MemoryOverlay();
  back.loadState(new StateReader(w.finish()));
  const got = new Uint8Array(4096);
  await back.read(3, got);
  assert.deepEqual(got, pattern(4096, 1));

  const file = (numbers: number[], data: Uint8Array) => {
    const d = new StateWriter();
    d.u32(numbers.length);
    for (const b of numbers) d.f64(b);
    d.bytes(deflateRawSync(data));
    return () => new MemoryOverlay().loadState(new StateReader(d.finish()));
  };
  for (const bad of [NaN, -1, 0.5, 2 ** 60]) {
    assert.throws(file([bad], new Uint8Array(4096)), /disk blocks are damaged/, String(bad));
  }
  // One block named, 64 MiB of zeros deflated (64 KiB): refused once past the 4 KiB it promised.
  assert.throws(file([0], new Uint8Array(64 << 20)), /hold more data than they say/);
  assert.throws(file([0], new Uint8Array(100)), SnapshotError);
});
