import assert from "node:assert/strict";
import { decodeTohost, Htif } from "../devices/htif.ts";
import { ConsoleInput } from "../devices/console_input.ts";

function setup() {
  const out: number[] = [];
  const codes: number[] = [];
  const htif = new Htif({ putchar: (b) => out.push(b), powerOff: (c) => codes.push(c) });
  /** A 64-bit store as the bus splits it: low word, then high word. */
  const sd = (off: number, hi: number, lo: number) => {
    htif.write(off, 4, lo);
    htif.write(off + 4, 4, hi);
  };
  const fromhost = () => [htif.read(12, 4), htif.read(8, 4)];
  return { htif, out, codes, sd, fromhost };
}

Deno.test("decodeTohost splits device, command and a 48-bit payload", () => {
  assert.deepEqual(decodeTohost(0x41, 0x01010000), { device: 1, cmd: 1, payload: 0x41 });
  assert.deepEqual(decodeTohost(0xffffffff, 0x0000ffff), {
    device: 0,
    cmd: 0,
    payload: 2 ** 48 - 1,
  });
});

Deno.test("power-off codes follow the riscv-tests convention", () => {
  const { sd, codes, htif } = setup();
  sd(0, 0, 1);
  sd(0, 0, (5 << 1) | 1);
  htif.write(0, 4, 3); // the low half alone does not trigger
  assert.deepEqual(codes, [0, 5]);
  assert.equal(htif.read(0, 4), 3);
});

Deno.test("putchar writes, clears tohost and acks in fromhost", () => {
  const { sd, out, htif, fromhost } = setup();
  sd(0, 0x01010000, 0x41);
  assert.deepEqual(out, [0x41]);
  assert.equal(htif.read(0, 4), 0);
  assert.equal(htif.read(4, 4), 0);
  assert.deepEqual(fromhost(), [0x01010000, 0]);
  sd(8, 0, 0); // the guest clears fromhost
  assert.deepEqual(fromhost(), [0, 0]);
});

Deno.test("getchar: answered when input exists and fromhost is free", () => {
  const { sd, htif, fromhost } = setup();
  sd(0, 0x01000000, 0); // request with no input: stays open
  assert.equal(htif.read(4, 4), 0);
  assert.deepEqual(fromhost(), [0, 0]);
  htif.pushInput(0x61);
  assert.deepEqual(fromhost(), [0x01000000, 0x61]);
  sd(8, 0, 0);
  htif.pushInput(0x62); // no request open: queued
  assert.deepEqual(fromhost(), [0, 0]);
  sd(0, 0x01010000, 0x7a); // putchar ack occupies fromhost
  sd(0, 0x01000000, 0); // getchar must wait for fromhost to be free
  assert.deepEqual(fromhost(), [0x01010000, 0]);
  sd(8, 0, 0);
  assert.deepEqual(fromhost(), [0x01000000, 0x62]); // answered on the next poll
});

Deno.test("SBI console routing: open while the firmware polls for getchar, one byte per answer", () => {
  let ticks = 0;
  const input = new ConsoleInput();
  const htif = new Htif({
    putchar: () => {},
    powerOff: () => {},
    ticks: () => ticks,
    stamp: () => input.stamp(),
    onRoom: () => input.drain(),
    openWindow: 100,
  });
  input.add(htif);
  const sd = (off: number, hi: number, lo: number) => {
    htif.write(off, 4, lo);
    htif.write(off + 4, 4, hi);
  };
  input.push(new TextEncoder().encode("ab"));
  assert.equal(htif.activeAt(), null); // nobody reads hvc0: input waits
  sd(0, 0x01000000, 0); // OpenSBI's first getc sends the request...
  assert.equal(htif.read(8, 4), 0x61); // ...and its next poll gets 'a' (the poll opened it)
  assert.equal(htif.read(12, 4), 0x01000000);
  assert.equal(input.pending, 1); // one byte per request
  sd(8, 0, 0); // consumed
  sd(0, 0x01000000, 0); // the next request gets 'b'
  assert.equal(htif.read(8, 4), 0x62);
  ticks = 1000; // no poll for longer than the window: closed
  assert.equal(htif.activeAt(), null);
});
