import assert from "node:assert/strict";
import type { EthernetBackend, EthernetPort } from "../devices/ethernet_backend.ts";
import {
  NET_HDR_SIZE,
  parseMac,
  RX_QUEUE_FRAMES,
  VIRTIO_NET_F_MAC,
  VIRTIO_NET_F_STATUS,
  VirtioNet,
} from "../devices/virtio_net.ts";
// The fake RAM and guest driver live with the transport tests.
import { BUF, Driver, fakeRam, RAM_BASE } from "./virtio_test.ts";
import { StateReader, StateWriter } from "../core/snapshot/format.ts";

const WRITE = 2;
const NEXT = 1;

class FakeBackend implements EthernetBackend {
  sent: Uint8Array[] = [];
  port!: EthernetPort;
  attach(port: EthernetPort) {
    this.port = port;
  }
  send(frame: Uint8Array) {
    this.sent.push(frame);
  }
}

function setup(features?: bigint) {
  const backend = new FakeBackend();
  const net = new VirtioNet(backend);
  const ram = fakeRam();
  const drv = new Driver(ram, net);
  drv.init(2, features);
  return { backend, net, drv, ram };
}

function frame(len: number, fill = 0xab): Uint8Array {
  const f = new Uint8Array(len).fill(fill);
  f.set([0x02, 0, 0, 0, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x08, 0x00]);
  return f;
}

Deno.test("net: identity, default MAC and link up in config", () => {
  const { drv, backend } = setup();
  assert.equal(drv.r(0x8), 1);
  drv.w(0x14, 0);
  const f = drv.r(0x10);
  assert.ok(f & (1 << Number(VIRTIO_NET_F_MAC)));
  assert.ok(f & (1 << Number(VIRTIO_NET_F_STATUS)));
  const mac = [0, 1, 2, 3, 4, 5].map((i) => drv.t.read(0x100 + i, 1));
  assert.deepEqual(mac, [2, 0, 0, 0, 0, 1]);
  assert.equal(drv.t.read(0x106, 2), 1);
  assert.deepEqual([...backend.port.mac], [2, 0, 0, 0, 0, 1]);
  assert.deepEqual([...parseMac("52:54:00:ab:CD:ef")], [0x52, 0x54, 0, 0xab, 0xcd, 0xef]);
  assert.throws(() => parseMac("52:54:00"));
});

Deno.test("net: link down raises a config change", () => {
  const { drv, net } = setup();
  net.setLink(false);
  assert.equal(drv.t.read(0x106, 2), 0);
  assert.equal(drv.ack() & 2, 2);
});

/**
 * One turn of the event loop: transmitted chains complete then. The device waits with
 * setImmediate (devices/virtio_net.ts), so this does too: immediates run in the order they were
 * set, after the device's. A 0 ms timer could fire first when the test's own code took over a
 * millisecond (under load), and the chains were then still waiting.
 */
const turn = () => new Promise<void>((r) => setImmediate(r));

Deno.test("net: transmit strips the header and hands the frame to the backend", async () => {
  const { drv, ram, backend } = setup();
  const f = frame(60);
  ram.bytes.set(f, BUF - RAM_BASE + NET_HDR_SIZE);
  drv.desc(1, 0, BUF, NET_HDR_SIZE, NEXT, 1);
  drv.desc(1, 1, BUF + NET_HDR_SIZE, 60, 0);
  drv.post(1, 0);
  assert.equal(backend.sent.length, 1);
  assert.deepEqual(backend.sent[0], f);
  await turn();
  assert.deepEqual(drv.used(1), [[0, 0]]);
  // A chain shorter than header + Ethernet header is completed and dropped.
  drv.desc(1, 2, BUF, 20, 0);
  drv.post(1, 2);
  assert.equal(backend.sent.length, 1);
  await turn();
  assert.deepEqual(drv.used(1), [[2, 0]]);
});

Deno.test("net: transmitted chains complete together once the event loop turns, with one interrupt", async () => {
  const { drv, ram, backend, net } = setup();
  // Three frames, each posted with its own notify, as a guest sends three packets.
  for (const head of [0, 2, 4]) {
    ram.bytes.set(frame(60, head), BUF - RAM_BASE + head * 256);
    drv.desc(1, head, BUF + head * 256, NET_HDR_SIZE + 60, 0);
    drv.post(1, head);
  }
  assert.equal(backend.sent.length, 3, "the frames leave at once");
  assert.deepEqual(drv.used(1), [], "their chains are still the device's");
  assert.equal(drv.irq, false);
  await turn();
  assert.deepEqual(drv.used(1), [[0, 0], [2, 0], [4, 0]], "all completed, in order");
  assert.equal(drv.ack(), 1, "one used-buffer interrupt");
  assert.equal(drv.irq, false);
  // A snapshot completes them before it saves the queues.
  drv.desc(1, 6, BUF, NET_HDR_SIZE + 60, 0);
  drv.post(1, 6);
  await net.quiesce();
  assert.deepEqual(drv.used(1).at(-1), [6, 0]);
  // After a reset, chains of the old queues are not completed into the new ones.
  drv.desc(1, 8, BUF, NET_HDR_SIZE + 60, 0);
  drv.post(1, 8);
  drv.w(0x70, 0);
  drv.init(2);
  drv.used(1); // the old ring's entries (the memory is the same)
  await turn();
  assert.deepEqual(drv.used(1), [], "nothing completed into the new queue");
  assert.equal(drv.irq, false);
});

Deno.test("net: a guest reposting one chain without end holds at most a queue's worth of them", async () => {
  const { drv, backend } = setup();
  const size = drv.r(0x38);
  drv.desc(1, 0, BUF, NET_HDR_SIZE + 60, 0);
  const posts = 5 * size + 3;
  // The same head again and again, each with a notify, all within one turn of the event loop.
  for (let i = 0; i < posts; i++) drv.post(1, 0);
  assert.equal(backend.sent.length, posts, "every frame went out");
  const early = drv.used(1).length;
  assert.ok(early >= posts - size, `${early} of ${posts} completed before the turn`);
  await turn();
  assert.equal(early + drv.used(1).length, posts, "and the rest at the turn");
});

Deno.test("net: a deterministic machine has transmitted chains completed inside the notify", () => {
  const backend = new FakeBackend();
  const ram = fakeRam();
  const drv = new Driver(ram, new VirtioNet(backend), [], { deterministic: true });
  drv.init(2);
  drv.desc(1, 0, BUF, NET_HDR_SIZE + 60, 0);
  drv.post(1, 0);
  assert.equal(backend.sent.length, 1);
  assert.deepEqual(drv.used(1), [[0, 0]], "no wait for the event loop, whose timing is the host's");
});

Deno.test("net: frames wait for receive buffers and merge across them", () => {
  const { drv, ram, backend } = setup();
  const f = frame(3000, 0x5a);
  assert.equal(backend.port.receive(f), true);
  assert.deepEqual(drv.used(0), []);
  // Two buffers of 2048: the frame needs both, so num_buffers = 2.
  drv.desc(0, 0, BUF, 2048, WRITE);
  drv.desc(0, 1, BUF + 4096, 2048, WRITE);
  drv.post(0, 0);
  assert.deepEqual(drv.used(0), [], "one buffer is not enough: the frame keeps waiting");
  drv.post(0, 1);
  assert.deepEqual(drv.used(0), [[0, 2048], [1, 3012 - 2048]]);
  const v = ram.view;
  assert.equal(v.getUint16(BUF - RAM_BASE + 10, true), 2);
  const got = new Uint8Array(3000);
  got.set(ram.bytes.subarray(BUF - RAM_BASE + NET_HDR_SIZE, BUF - RAM_BASE + 2048), 0);
  got.set(ram.bytes.subarray(BUF + 4096 - RAM_BASE, BUF + 4096 - RAM_BASE + 3012 - 2048), 2036);
  assert.deepEqual(got, f);
  assert.equal(drv.irq, true);
});

Deno.test("net: without MRG_RXBUF a frame goes into one buffer; too small drops the frame", () => {
  const { drv, ram, backend, net } = setup((1n << 32n) | (1n << VIRTIO_NET_F_MAC));
  drv.desc(0, 0, BUF, 100, WRITE);
  drv.post(0, 0);
  backend.port.receive(frame(200));
  assert.equal(net.dropped, 1);
  assert.deepEqual(drv.used(0), []);
  backend.port.receive(frame(60, 0x11));
  assert.deepEqual(drv.used(0), [[0, 72]]);
  assert.equal(ram.view.getUint16(BUF - RAM_BASE + 10, true), 1);
  assert.equal(ram.bytes[BUF - RAM_BASE + NET_HDR_SIZE + 59], 0x11);
});

Deno.test("net: the receive queue is bounded and rejects runts", () => {
  const { backend, net } = setup();
  assert.equal(backend.port.receive(new Uint8Array(10)), false);
  for (let i = 0; i < RX_QUEUE_FRAMES; i++) assert.equal(backend.port.receive(frame(60)), true);
  assert.equal(backend.port.receive(frame(60)), false);
  assert.equal(net.queued, RX_QUEUE_FRAMES);
  assert.equal(net.dropped, 1);
});

Deno.test("net: large TCP frames carry GSO fields; checksummed frames are marked valid", () => {
  const { drv, ram, backend, net } = setup();
  assert.equal(net.largeTcp, true);
  // Ethernet + IPv4 (IHL 5, protocol 6) + TCP (data offset 5) + 3000 bytes.
  const f = frame(14 + 20 + 20 + 3000);
  f[14] = 0x45;
  f[23] = 6;
  f[14 + 20 + 12] = 0x50;
  assert.equal(backend.port.receive(f, { checksummed: true, gsoSize: 1460 }), true);
  drv.desc(0, 0, BUF, 4096, WRITE);
  drv.post(0, 0);
  const v = ram.view;
  const at = BUF - RAM_BASE;
  assert.equal(ram.bytes[at], 2, "DATA_VALID");
  assert.equal(ram.bytes[at + 1], 1, "GSO_TCPV4");
  assert.equal(v.getUint16(at + 2, true), 54, "hdr_len");
  assert.equal(v.getUint16(at + 4, true), 1460, "gso_size");
  // A large frame that is not IPv4/TCP, or a driver without TSO, is refused.
  const udp = f.slice();
  udp[23] = 17;
  assert.equal(backend.port.receive(udp, { gsoSize: 1460 }), false);
  const plain = setup((1n << 32n) | (1n << 5n) | (1n << 15n));
  assert.equal(plain.net.largeTcp, false);
  assert.equal(plain.backend.port.receive(f, { checksummed: true, gsoSize: 1460 }), false);
  plain.backend.port.receive(frame(60), { checksummed: true });
  plain.drv.desc(0, 0, BUF, 4096, WRITE);
  plain.drv.post(0, 0);
  assert.equal(plain.ram.bytes[at], 0, "no GUEST_CSUM: no DATA_VALID");
});

Deno.test("net: transmit offload only for backends that take large frames; partial checksums filled", () => {
  const plain = setup();
  plain.drv.w(0x14, 0);
  assert.equal(plain.drv.r(0x10) & 1, 0, "no CSUM for a plain backend");
  const backend = new FakeBackend();
  Object.assign(backend, { acceptsLargeFrames: true });
  const net = new VirtioNet(backend);
  const ram = fakeRam();
  const drv = new Driver(ram, net);
  drv.init(2);
  drv.w(0x14, 0);
  assert.equal(drv.r(0x10) & 1, 1, "CSUM offered");
  drv.w(0x14, 0);
  assert.ok(drv.r(0x10) & (1 << 11), "HOST_TSO4 offered");
  // A 20-byte "transport header" at offset 34 whose checksum (at +16) the guest left partial.
  const f = frame(74, 0x01);
  f[34 + 16] = 0x12;
  f[34 + 17] = 0x34;
  const hdr = new Uint8Array(NET_HDR_SIZE);
  const hv = new DataView(hdr.buffer);
  hdr[0] = 1; // NEEDS_CSUM
  hv.setUint16(6, 34, true);
  hv.setUint16(8, 16, true);
  ram.bytes.set(hdr, BUF - RAM_BASE);
  ram.bytes.set(f, BUF - RAM_BASE + NET_HDR_SIZE);
  drv.desc(1, 0, BUF, NET_HDR_SIZE + 74, 0);
  drv.post(1, 0);
  const sent = backend.sent[0];
  // Verified the way a receiver does: the region with the final value plus the pseudo-header
  // sum (which the guest had left in the field) folds to 0xffff.
  let sum = 0x1234;
  for (let i = 34; i < sent.length; i += 2) sum += (sent[i] << 8) | (sent[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  assert.equal(sum, 0xffff);
  // Offsets beyond the frame: the frame is dropped.
  hv.setUint16(6, 100, true);
  ram.bytes.set(hdr, BUF - RAM_BASE);
  drv.post(1, 0);
  assert.equal(backend.sent.length, 1);
});

Deno.test("net snapshot: a held receive buffer survives a restore, and the link goes down and up", async () => {
  const { drv, ram, backend } = setup();
  drv.desc(0, 0, BUF, 2048, WRITE);
  drv.post(0, 0);
  assert.equal(backend.port.receive(frame(3000)), true); // one buffer is held, waiting for more
  const w = new StateWriter();
  drv.t.saveState(w);

  // A new device and transport over the same guest memory (a restore opens the card anew).
  const ram2 = fakeRam();
  ram2.bytes.set(ram.bytes);
  const backend2 = new FakeBackend();
  const drv2 = new Driver(ram2, new VirtioNet(backend2));
  drv2.t.loadState(new StateReader(w.finish()));
  assert.equal(drv2.t.read(0x100 + 6, 2), 0, "link down at once");
  // The frame of the old host side is gone; a new one uses the held buffer and a new one.
  const f = frame(3000, 0x77);
  assert.equal(backend2.port.receive(f), true);
  drv2.usedSeen[0] = 0;
  drv2.desc(0, 1, BUF + 4096, 2048, WRITE);
  drv2.availIdx[0] = 1; // the driver state the restored guest has in its RAM
  drv2.post(0, 1);
  assert.deepEqual(drv2.used(0), [[0, 2048], [1, 3012 - 2048]]);
  assert.equal(ram2.bytes[BUF - RAM_BASE + NET_HDR_SIZE + 20], 0x77);
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(drv2.t.read(0x100 + 6, 2), 1, "link up again");
});

Deno.test("net snapshot: held receive buffers named twice, or more than the queue has, are refused", () => {
  const net = new VirtioNet(new FakeBackend());
  const drv = new Driver(fakeRam(), net);
  drv.init(2);
  const held = (heads: number[]) => {
    const w = new StateWriter();
    w.u32(heads.length);
    for (const h of heads) w.u32(h);
    return () => net.loadState(new StateReader(w.finish()));
  };
  drv.desc(0, 0, BUF, 2048, WRITE);
  drv.desc(0, 1, BUF + 4096, 2048, WRITE);
  held([0, 1])(); // two chains, each once
  assert.throws(held([1, 1]), /held receive buffers are damaged/);
  assert.throws(held(Array.from({ length: 300 }, (_, i) => i)), /held receive buffers are damaged/);
});

Deno.test("net snapshot: a card closed right after a restore leaves no timer running", async () => {
  const { drv } = setup();
  const w = new StateWriter();
  drv.t.saveState(w);
  const net = new VirtioNet(new FakeBackend());
  const drv2 = new Driver(fakeRam(), net);
  drv2.t.loadState(new StateReader(w.finish()));
  assert.equal(drv2.t.read(0x100 + 6, 2), 0, "link down");
  await net.close();
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(drv2.t.read(0x100 + 6, 2), 0, "the closed card's link timer was cleared");
});
