/**
 * The snapshot container (core/snapshot/format.ts) and its memory pages
 * (core/snapshot/ram.ts): what goes in comes out, and every damaged, cut,
 * foreign or other-version file is refused with a SnapshotError.
 */
import assert from "node:assert/strict";
import {
  decodeSnapshot,
  encodeSnapshot,
  SNAPSHOT_VERSION,
  SnapshotError,
  StateReader,
  StateWriter,
} from "../core/snapshot/format.ts";
import { capturePages, readPages, writePages } from "../core/snapshot/ram.ts";

function sample(): Uint8Array {
  const w = new StateWriter();
  w.u8(7);
  w.u32(0xdeadbeef);
  w.f64(NaN);
  w.f64(-0.5);
  w.u64(-2n);
  w.str("héllo");
  w.json({ a: [1, 2] });
  w.bytes(new Uint8Array(1000).fill(9));
  return encodeSnapshot([{ tag: "TEST", payload: w.finish() }, {
    tag: "EMPT",
    payload: new Uint8Array(),
  }]);
}

Deno.test("snapshot format: fields and sections come back as written", () => {
  const sections = decodeSnapshot(sample());
  assert.deepEqual(sections.map((s) => s.tag), ["TEST", "EMPT"]);
  const r = new StateReader(sections[0].payload);
  assert.equal(r.u8(), 7);
  assert.equal(r.u32(), 0xdeadbeef);
  assert.ok(Number.isNaN(r.f64()));
  assert.equal(r.f64(), -0.5);
  assert.equal(r.i64(), -2n);
  assert.equal(r.str(), "héllo");
  assert.deepEqual(r.json(), { a: [1, 2] });
  assert.deepEqual(r.bytes(), new Uint8Array(1000).fill(9));
  assert.ok(r.done);
  assert.throws(() => r.u8(), SnapshotError);
});

Deno.test("snapshot format: every flipped byte is refused", () => {
  const good = sample();
  for (let i = 0; i < good.length; i += 7) {
    const bad = good.slice();
    bad[i] ^= 0x40;
    assert.throws(() => decodeSnapshot(bad), SnapshotError, `byte ${i}`);
  }
});

Deno.test("snapshot format: every truncation is refused", () => {
  const good = sample();
  for (let n = 0; n < good.length; n += 5) {
    assert.throws(() => decodeSnapshot(good.subarray(0, n)), SnapshotError, `length ${n}`);
  }
  const longer = new Uint8Array(good.length + 1);
  longer.set(good);
  assert.throws(() => decodeSnapshot(longer), SnapshotError);
});

Deno.test("snapshot format: foreign files and other versions are named as such", () => {
  assert.throws(
    () => decodeSnapshot(new TextEncoder().encode("#!/bin/sh\necho hi\n")),
    /not a demu snapshot/,
  );
  assert.throws(() => decodeSnapshot(new Uint8Array()), /not a demu snapshot/);
  const other = sample();
  new DataView(other.buffer).setUint32(8, SNAPSHOT_VERSION + 1, true);
  assert.throws(() => decodeSnapshot(other), new RegExp(`version ${SNAPSHOT_VERSION + 1}`));
});

Deno.test("snapshot memory: zero pages skipped, the rest restored byte for byte", () => {
  const mem = new Uint8Array(64 * 4096);
  mem[5] = 1; // page 0
  mem.fill(0xab, 10 * 4096 + 100, 12 * 4096 + 7); // pages 10..12
  mem[mem.length - 1] = 0xff; // the last page
  const captured = capturePages(mem);
  assert.equal(captured.data.length, 5 * 4096);
  const w = new StateWriter();
  writePages(w, captured);
  const bytes = w.finish();
  assert.ok(bytes.length < 4096, `compressed to ${bytes.length} bytes`);
  const back = new Uint8Array(mem.length);
  readPages(new StateReader(bytes), back);
  assert.deepEqual(back, mem);
  // Memory of another size is refused.
  assert.throws(() => readPages(new StateReader(bytes), new Uint8Array(32 * 4096)), SnapshotError);
});
