import assert from "node:assert/strict";
import { VirtioConsole } from "../devices/virtio_console.ts";
import { EscapeFilter } from "../backends/console/stdio_console.ts";
// The fake RAM and guest driver live with the transport tests (importing them there is harmless:
// a module's tests register once per run).
import { BUF, Driver, fakeRam, RAM_BASE } from "./virtio_test.ts";

function setup() {
  const written: number[] = [];
  const con = new VirtioConsole({ write: (b) => written.push(...b) });
  const ram = fakeRam();
  const drv = new Driver(ram, con);
  drv.init(2);
  return { con, drv, ram, written };
}

Deno.test("console: identity and size in config", () => {
  const { con, drv } = setup();
  assert.equal(drv.r(0x8), 3);
  drv.w(0x14, 0);
  assert.equal(drv.r(0x10) & 1, 1); // VIRTIO_CONSOLE_F_SIZE
  con.resize(132, 43);
  assert.equal(drv.t.read(0x100, 2), 132);
  assert.equal(drv.t.read(0x102, 2), 43);
  assert.equal(drv.irq, true);
  assert.equal(drv.ack(), 2); // config change
});

Deno.test("console: transmit reaches the backend and completes with length 0", () => {
  const { drv, ram, written } = setup();
  ram.bytes.set(new TextEncoder().encode("hello, world"), BUF - RAM_BASE);
  drv.desc(1, 0, BUF, 5, 1, 1);
  drv.desc(1, 1, BUF + 5, 7, 0);
  drv.post(1, 0);
  assert.equal(new TextDecoder().decode(new Uint8Array(written)), "hello, world");
  assert.deepEqual(drv.used(1), [[0, 0]]);
  assert.equal(drv.irq, true);
});

Deno.test("console: input waits for receive buffers, then fills them in order", () => {
  const { con, drv, ram } = setup();
  con.pushInput(new Uint8Array([1, 2, 3]));
  con.pushInput(new Uint8Array([4, 5]));
  assert.deepEqual(drv.used(0), []);
  drv.desc(0, 0, BUF, 4, 2);
  drv.desc(0, 1, BUF + 0x100, 64, 2);
  drv.post(0, 0);
  assert.deepEqual(drv.used(0), [[0, 4]]);
  assert.deepEqual([...ram.bytes.subarray(BUF - RAM_BASE, BUF - RAM_BASE + 4)], [1, 2, 3, 4]);
  drv.post(0, 1);
  assert.deepEqual(drv.used(0), [[1, 1]]);
  assert.equal(ram.bytes[BUF + 0x100 - RAM_BASE], 5);
  // A buffer posted with no input pending stays until input arrives.
  drv.post(0, 0);
  assert.deepEqual(drv.used(0), []);
  con.pushInput(new Uint8Array([9]));
  assert.deepEqual(drv.used(0), [[0, 1]]);
  assert.equal(ram.bytes[BUF - RAM_BASE], 9);
});

Deno.test("escape filter: C-a x quits, C-a h helps, C-a C-a sends C-a, Ctrl-C passes", () => {
  const got: number[] = [];
  let quits = 0, helps = 0;
  const f = new EscapeFilter({
    input: (b) => got.push(...b),
    quit: () => quits++,
    help: () => helps++,
  });
  f.feed(new Uint8Array([0x61, 0x03, 0x01]));
  f.feed(new Uint8Array([0x01, 0x62, 0x01, 0x68, 0x01, 0x7a, 0x63]));
  assert.deepEqual(got, [0x61, 0x03, 0x01, 0x62, 0x63]);
  assert.equal(helps, 1);
  f.feed(new Uint8Array([0x01, 0x78, 0x64]));
  assert.equal(quits, 1);
  const g = new EscapeFilter({ input: () => {}, quit: () => quits++, help: () => {} }, true);
  g.feed(new Uint8Array([0x03]));
  assert.equal(quits, 2);
});
