import assert from "node:assert/strict";
import { ConsoleInput, type ConsoleInputSink } from "../devices/console_input.ts";

class FakeSink implements ConsoleInputSink {
  opened: number | null = null;
  room = Infinity;
  got: number[] = [];
  activeAt() {
    return this.opened;
  }
  accept(bytes: Uint8Array) {
    const n = Math.min(this.room, bytes.length);
    this.got.push(...bytes.subarray(0, n));
    this.room -= n;
    return n;
  }
}

Deno.test("console input: waits for an open console, bounded, counting what it drops", () => {
  const input = new ConsoleInput(8);
  const a = new FakeSink();
  input.add(a);
  input.push(new Uint8Array([1, 2, 3, 4, 5]));
  input.push(new Uint8Array([6, 7, 8, 9, 10]));
  assert.equal(input.pending, 8);
  assert.equal(input.dropped, 2);
  a.opened = input.stamp();
  input.drain();
  assert.deepEqual(a.got, [1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("console input: the console opened last gets the keys; closing hands them back", () => {
  const input = new ConsoleInput();
  const virtio = new FakeSink(), uart = new FakeSink();
  input.add(uart);
  input.add(virtio);
  virtio.opened = input.stamp();
  uart.opened = input.stamp();
  input.push(new Uint8Array([1]));
  assert.deepEqual(uart.got, [1]);
  uart.opened = null;
  input.push(new Uint8Array([2]));
  assert.deepEqual(virtio.got, [2]);
});

Deno.test("console input: a full console keeps the rest queued until it has room", () => {
  const input = new ConsoleInput();
  const s = new FakeSink();
  input.add(s);
  s.opened = input.stamp();
  s.room = 2;
  input.push(new Uint8Array([1, 2, 3, 4]));
  assert.deepEqual(s.got, [1, 2]);
  assert.equal(input.pending, 2);
  s.room = 10;
  input.drain();
  assert.deepEqual(s.got, [1, 2, 3, 4]);
});
