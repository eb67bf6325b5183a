import assert from "node:assert/strict";
import { ConsoleInput } from "../devices/console_input.ts";
import { Uart16550 } from "../devices/uart16550.ts";
import { ByteOutput } from "../devices/byte_output.ts";

function setup() {
  const out: number[] = [];
  const irq = {
    level: false,
    set(l: boolean) {
      this.level = l;
    },
  };
  const input = new ConsoleInput(64);
  const uart = new Uart16550({
    irq,
    output: new ByteOutput({ write: (b) => out.push(...b) }),
    stamp: () => input.stamp(),
    onRoom: () => input.drain(),
  });
  input.add(uart);
  return { uart, out, irq, input };
}

const IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

Deno.test("uart: passes Linux's 8250 autoconfig probes (scratch, IER, loopback, FIFO id)", () => {
  const { uart } = setup();
  uart.write(SCR, 1, 0xa5);
  assert.equal(uart.read(SCR, 1), 0xa5);
  uart.write(IER, 1, 0xff);
  assert.equal(uart.read(IER, 1), 0x0f); // only the low four bits exist
  uart.write(IER, 1, 0);
  uart.write(MCR, 1, 0x1a); // loopback with RTS and OUT2
  assert.equal(uart.read(MSR, 1) & 0xf0, 0x90); // CTS and DCD follow RTS and OUT2
  uart.write(MCR, 1, 0);
  uart.write(FCR, 1, 0x01);
  assert.equal(uart.read(IIR, 1) & 0xc0, 0xc0); // a 16550A's FIFOs
  assert.equal(uart.read(LSR, 1) & 0x60, 0x60); // THR and shifter empty
});

Deno.test("uart: divisor latch is separate from RBR/IER", () => {
  const { uart } = setup();
  uart.write(LCR, 1, 0x83);
  uart.write(0, 1, 0x02);
  uart.write(IER, 1, 0x00);
  assert.equal(uart.read(0, 1), 0x02);
  uart.write(LCR, 1, 0x03);
  assert.equal(uart.read(IER, 1), 0);
});

Deno.test("uart: output is batched to the backend in order; loopback keeps it in the UART", async () => {
  const { uart, out } = setup();
  for (const c of "hi") uart.write(0, 1, c.charCodeAt(0));
  assert.deepEqual(out, []); // one write per burst
  await Promise.resolve();
  assert.equal(String.fromCharCode(...out), "hi");
  uart.write(FCR, 1, 1);
  uart.write(MCR, 1, 0x10);
  uart.write(0, 1, 0x42);
  assert.equal(uart.read(LSR, 1) & 1, 1);
  assert.equal(uart.read(0, 1), 0x42);
  await Promise.resolve();
  assert.equal(out.length, 2);
});

Deno.test("uart: THRE interrupt when enabled with THR empty, acknowledged by reading IIR", () => {
  const { uart, irq } = setup();
  uart.write(IER, 1, 0x02);
  assert.equal(irq.level, true);
  assert.equal(uart.read(IIR, 1) & 0x0f, 0x02);
  assert.equal(irq.level, false);
  assert.equal(uart.read(IIR, 1) & 0x0f, 0x01);
  uart.write(0, 1, 0x41); // THR empties at once: owed again
  assert.equal(irq.level, true);
  uart.write(IER, 1, 0);
  assert.equal(irq.level, false);
});

Deno.test("uart: host input waits until the port is open, then fills the FIFO; the rest waits", () => {
  const { uart, irq, input } = setup();
  input.push(new TextEncoder().encode("0123456789abcdefXYZ"));
  assert.equal(uart.read(LSR, 1) & 1, 0); // closed: nothing delivered
  uart.write(FCR, 1, 0xc1); // FIFO on, trigger 14
  uart.write(MCR, 1, 0x0b); // DTR, RTS, OUT2: Linux opening ttyS0...
  assert.equal(uart.read(LSR, 1) & 1, 0); // ...reads RBR to discard stale bytes...
  uart.write(IER, 1, 0x01); // ...and enables the receive interrupt last
  assert.equal(irq.level, true);
  assert.equal(uart.read(IIR, 1) & 0x0f, 0x04); // 16 bytes >= trigger: data available
  assert.equal(input.pending, 3);
  let got = "";
  while (uart.read(LSR, 1) & 1) got += String.fromCharCode(uart.read(0, 1));
  assert.equal(got, "0123456789abcdefXYZ"); // room opened as bytes were read
  assert.equal(irq.level, false);
  assert.equal(input.pending, 0);
  // Below the trigger level: the timeout id, still an interrupt.
  input.push(new Uint8Array([7]));
  assert.equal(uart.read(IIR, 1) & 0x0f, 0x0c);
  // A console write masks the interrupt for a moment: the port stays open.
  uart.write(IER, 1, 0);
  assert.notEqual(uart.activeAt(), null);
  uart.write(MCR, 1, 0); // the tty closes: OUT2 off
  assert.equal(uart.activeAt(), null);
});

Deno.test("uart: binary input arrives byte for byte", () => {
  const { uart, input } = setup();
  uart.write(FCR, 1, 0x01);
  uart.write(MCR, 1, 0x08);
  uart.write(IER, 1, 0x01);
  const all = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
  input.push(all);
  const got: number[] = [];
  while (uart.read(LSR, 1) & 1) got.push(uart.read(0, 1));
  assert.deepEqual(got, [...all]);
});

Deno.test("uart: keys go to the open console written to last (a shell on ttyS0 after a login prompt elsewhere)", () => {
  // Debian runs a shell on ttyS0 and a getty on the virtio console (hvc0): the
  // getty may open its console after the shell's, but the user types at the
  // prompt printed last.
  const { uart, input } = setup();
  const other = {
    opened: null as number | null,
    got: [] as number[],
    activeAt() {
      return this.opened;
    },
    accept(b: Uint8Array) {
      this.got.push(...b);
      return b.length;
    },
  };
  input.add(other);
  uart.write(MCR, 1, 0x0b);
  uart.write(IER, 1, 0x01); // the shell's tty opens ttyS0
  other.opened = input.stamp(); // then the getty opens the other console and prints its prompt
  input.push(new Uint8Array([0x61]));
  assert.deepEqual(other.got, [0x61]);
  for (const c of "root@debian:~# ") uart.write(0, 1, c.charCodeAt(0)); // the shell's prompt
  input.push(new TextEncoder().encode("ls\n"));
  assert.deepEqual(other.got, [0x61]);
  let got = "";
  while (uart.read(LSR, 1) & 1) got += String.fromCharCode(uart.read(0, 1));
  assert.equal(got, "ls\n");
});
