/**
 * HTIF's console bytes on their way out (devices/byte_output.ts): gathered into
 * one write per burst, never reordered against the other consoles' writes.
 */
import assert from "node:assert/strict";
import { ByteOutput } from "../devices/byte_output.ts";
import { Machine } from "../board/machine.ts";

function recorder() {
  const writes: string[] = [];
  return {
    writes,
    backend: { write: (b: Uint8Array) => void writes.push(new TextDecoder().decode(b)) },
  };
}

Deno.test("byte output: a burst of bytes is one write once the task yields", async () => {
  const { writes, backend } = recorder();
  const out = new ByteOutput(backend);
  for (const c of "hello") out.put(c.charCodeAt(0));
  assert.deepEqual(writes, []);
  await Promise.resolve();
  assert.deepEqual(writes, ["hello"]);
});

Deno.test("byte output: another write goes after the bytes put before it", () => {
  const { writes, backend } = recorder();
  const out = new ByteOutput(backend);
  out.put(0x61);
  out.write(new TextEncoder().encode("[virtio]"));
  out.put(0x62);
  out.flush();
  assert.deepEqual(writes, ["a", "[virtio]", "b"]);
});

Deno.test("byte output: a guest printing without pause is written every 4096 bytes", () => {
  const { writes, backend } = recorder();
  const out = new ByteOutput(backend);
  for (let i = 0; i < 10_000; i++) out.put(0x78);
  assert.deepEqual(writes.map((w) => w.length), [4096, 4096]);
  out.flush();
  assert.equal(writes.join("").length, 10_000);
});

Deno.test("byte output: a machine's HTIF and UART output keep their order and close writes the rest", async () => {
  const { writes, backend } = recorder();
  const m = new Machine({ memoryMiB: 1, console: backend, jit: false, deterministic: true });
  m.htif.write(0, 4, 0x41); // putchar 'A' (device 1, command 1)
  m.htif.write(4, 4, 0x01010000);
  m.platform.uart.write(0, 1, 0x42); // THR 'B'
  m.output.flush();
  m.htif.write(0, 4, 0x43);
  m.htif.write(4, 4, 0x01010000);
  assert.equal(writes.join(""), "AB");
  await m.close();
  assert.equal(writes.join(""), "ABC");
});
