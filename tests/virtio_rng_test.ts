import assert from "node:assert/strict";
import { deterministicRandom, VirtioRng } from "../devices/virtio_rng.ts";
import { BUF, Driver, fakeRam, RAM_BASE } from "./virtio_test.ts";

function request(rng: VirtioRng, len: number): Uint8Array {
  const ram = fakeRam();
  const drv = new Driver(ram, rng);
  drv.init(1);
  drv.desc(0, 0, BUF, len, 2);
  drv.post(0, 0);
  assert.deepEqual(drv.used(0), [[0, len]]);
  return ram.bytes.slice(BUF - RAM_BASE, BUF - RAM_BASE + len);
}

Deno.test("rng: device 4 fills each request with host randomness", () => {
  const a = request(new VirtioRng(), 256);
  const b = request(new VirtioRng(), 256);
  assert.notDeepEqual(a, b);
  assert.ok(new Set(a).size > 100); // not a constant or a short cycle
});

Deno.test("rng: --deterministic gives the same stream every run", () => {
  const a = request(new VirtioRng(deterministicRandom()), 64);
  const b = request(new VirtioRng(deterministicRandom()), 64);
  assert.deepEqual(a, b);
  assert.ok(new Set(a).size > 30);
});
