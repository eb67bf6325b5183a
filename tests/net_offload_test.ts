/**
 * The NAT's fast paths: TCP window scaling (RFC 7323) when the guest offers
 * it and not otherwise, and checksum offload both ways (frames to the guest
 * with a partial checksum it completes, guest frames whose checksum was left
 * to the host and is never summed), through the user network and through
 * virtio-net's header.
 */
import assert from "node:assert/strict";
import type {
  EthernetBackend,
  EthernetPort,
  ReceiveOffload,
  TransmitOffload,
} from "../devices/ethernet_backend.ts";
import { buildEthernet, ETHERTYPE_IPV4, parseEthernet } from "../backends/net/ethernet.ts";
import { buildIpv4, parseIpv4, PROTO_TCP } from "../backends/net/ipv4.ts";
import {
  ACK,
  buildTcp,
  parseTcp,
  SYN,
  type TcpHeader,
  type TcpSegment,
} from "../backends/net/tcp.ts";
import { OUR_WSCALE, RECV_BUFFER_SCALED } from "../backends/net/tcp_nat.ts";
import { GATEWAY_MAC, HOST_IP, UserNetwork } from "../backends/net/user.ts";
import {
  completeChecksum,
  NET_HDR_SIZE,
  VIRTIO_NET_F_GUEST_CSUM,
  VirtioNet,
} from "../devices/virtio_net.ts";
import { GUEST, GUEST_MAC } from "./support/net_frames.ts";
import { RAM_BASE, SyntheticDriver } from "./support/synthetic_driver.ts";
import { fakeRam } from "./support/guest_ram.ts";

/** A guest port that may take partial checksums, keeping each frame with its offload. */
class Port implements EthernetPort {
  readonly mac = GUEST_MAC;
  got: { frame: Uint8Array; offload: ReceiveOffload }[] = [];
  constructor(
    readonly partialChecksum: boolean,
    readonly net = new UserNetwork({ log: () => {} }),
  ) {
    net.attach(this);
  }
  receive(frame: Uint8Array, offload: ReceiveOffload = {}): boolean {
    this.got.push({ frame, offload });
    return true;
  }
  send(
    h: Partial<TcpHeader> & { srcPort: number; dstPort: number },
    payload?: Uint8Array,
    left = false,
    corrupt = left,
  ) {
    const seg = buildTcp(
      GUEST,
      HOST_IP,
      { seq: 0, ack: 0, flags: ACK, window: 65535, ...h },
      payload,
    );
    if (corrupt) seg[16] ^= 0x5a; // a checksum nobody computed
    const frame = buildEthernet(
      GATEWAY_MAC,
      GUEST_MAC,
      ETHERTYPE_IPV4,
      buildIpv4(GUEST, HOST_IP, PROTO_TCP, seg),
    );
    this.net.send(frame, { checksumLeftToHost: left });
  }
  /** TCP segments received so far (checksums completed first where left partial). */
  take(): TcpSegment[] {
    return this.got.splice(0).flatMap(({ frame, offload }) => {
      const p = offload.partialChecksum;
      if (p) assert.ok(completeChecksum(frame, p.start, p.offset));
      const ip = parseIpv4(parseEthernet(frame)!.payload)!;
      const t = parseTcp(ip.payload, ip.src, ip.dst);
      assert.ok(t, "a valid checksum once completed");
      return [t!];
    });
  }
  async until(pred: (all: TcpSegment[]) => boolean, all: TcpSegment[] = []): Promise<TcpSegment[]> {
    for (let i = 0; i < 100; i++) {
      all.push(...this.take());
      if (pred(all)) return all;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("timed out");
  }
}

async function withServer(fn: (port: number, accepted: Promise<Deno.Conn>) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await fn((listener.addr as Deno.NetAddr).port, listener.accept());
  } finally {
    listener.close();
  }
}

Deno.test("tcp nat: window scaling when the guest's SYN offers it, scaled windows both ways", async () => {
  await withServer(async (port, accepted) => {
    const g = new Port(false);
    try {
      g.send({
        srcPort: 41000,
        dstPort: port,
        seq: 100,
        flags: SYN,
        mss: 1460,
        wscale: 5,
        window: 1000,
      });
      const server = await accepted;
      const [synAck] = await g.until((a) => a.some((s) => s.flags & SYN));
      assert.equal(synAck.wscale, OUR_WSCALE);
      // Our window, scaled: a megabyte of room.
      g.send({ srcPort: 41000, dstPort: port, seq: 101, ack: synAck.seq + 1, window: 100 });
      // The guest's window field 100 << 5 = 3200 bytes: exactly that much comes.
      await server.write(new Uint8Array(20000).fill(7));
      const data = await g.until((a) => a.reduce((n, s) => n + s.payload.length, 0) >= 3200);
      await new Promise((r) => setTimeout(r, 100));
      data.push(...g.take());
      assert.equal(data.reduce((n, s) => n + s.payload.length, 0), 3200);
      assert.equal(data.at(-1)!.window << OUR_WSCALE, RECV_BUFFER_SCALED);
      server.close();
    } finally {
      await g.net.close();
    }
  });
});

Deno.test("tcp nat: no scaling for a guest that does not offer it", async () => {
  await withServer(async (port, accepted) => {
    const g = new Port(false);
    try {
      g.send({ srcPort: 41001, dstPort: port, seq: 100, flags: SYN, mss: 1460, window: 1000 });
      const server = await accepted;
      const [synAck] = await g.until((a) => a.some((s) => s.flags & SYN));
      assert.equal(synAck.wscale, null);
      g.send({ srcPort: 41001, dstPort: port, seq: 101, ack: synAck.seq + 1, window: 2000 });
      await server.write(new Uint8Array(20000));
      await new Promise((r) => setTimeout(r, 100));
      const data = g.take();
      assert.equal(data.reduce((n, s) => n + s.payload.length, 0), 2000);
      assert.equal(data.at(-1)!.window, 65535);
      server.close();
    } finally {
      await g.net.close();
    }
  });
});

Deno.test("tcp nat: partial checksums to a guest that takes them; unsummed guest frames accepted only as such", async () => {
  await withServer(async (port, accepted) => {
    const g = new Port(true);
    try {
      g.send({ srcPort: 41002, dstPort: port, seq: 100, flags: SYN, mss: 1460 });
      const server = await accepted;
      await new Promise((r) => setTimeout(r, 50));
      const synAck = g.got[0];
      assert.deepEqual(synAck.offload.partialChecksum, { start: 34, offset: 16 });
      const [s] = g.take();
      // A guest frame whose checksum was "left to the host" and is wrong: accepted.
      g.send(
        { srcPort: 41002, dstPort: port, seq: 101, ack: s.seq + 1 },
        new TextEncoder().encode("hi"),
        true,
      );
      const buf = new Uint8Array(10);
      assert.equal(await server.read(buf), 2);
      // The same wrong checksum on an ordinary frame: dropped.
      const before = g.net.dropped;
      g.send(
        { srcPort: 41002, dstPort: port, seq: 103, ack: s.seq + 1 },
        new TextEncoder().encode("no"),
        false,
        true,
      );
      assert.equal(g.net.dropped, before + 1);
      const late = await Promise.race([
        server.read(buf),
        new Promise((r) => setTimeout(() => r("nothing"), 150)),
      ]);
      assert.equal(late, "nothing", "the host never got it");
      server.close();
    } finally {
      await g.net.close();
    }
  });
});

class Recorder implements EthernetBackend {
  sent: { frame: Uint8Array; offload?: TransmitOffload }[] = [];
  port!: EthernetPort;
  constructor(readonly acceptsLargeFrames: boolean, readonly acceptsPartialChecksum: boolean) {}
  attach(port: EthernetPort) {
    this.port = port;
  }
  send(frame: Uint8Array, offload?: TransmitOffload) {
    this.sent.push({ frame: frame.slice(), offload });
  }
}

/** A TCP/IPv4 frame from the guest with a partial checksum, as Linux sends it with CSUM. */
function partialFrame(): Uint8Array {
  const seg = buildTcp(
    GUEST,
    HOST_IP,
    { srcPort: 1, dstPort: 2, seq: 5, ack: 6, flags: ACK, window: 9 },
    new Uint8Array(333).fill(3),
    true,
  );
  return buildEthernet(
    GATEWAY_MAC,
    GUEST_MAC,
    ETHERTYPE_IPV4,
    buildIpv4(GUEST, HOST_IP, PROTO_TCP, seg),
  );
}

function transmit(backend: Recorder, frame: Uint8Array) {
  const dev = new VirtioNet(backend);
  const drv = new SyntheticDriver(fakeRam(2 << 20), dev);
  drv.init(2);
  const at = drv.heap(4096);
  const hdr = new Uint8Array(NET_HDR_SIZE);
  const v = new DataView(hdr.buffer);
  hdr[0] = 1; // NEEDS_CSUM
  v.setUint16(6, 34, true);
  v.setUint16(8, 16, true);
  drv.ram.bytes.set(hdr, at - RAM_BASE);
  drv.ram.bytes.set(frame, at - RAM_BASE + NET_HDR_SIZE);
  drv.post(1, [{ addr: at, len: NET_HDR_SIZE + frame.length }], []);
  assert.equal(backend.sent.length, 1);
  return backend.sent[0];
}

Deno.test("virtio-net: a partial checksum goes unsummed to a backend that takes it, completed to others", () => {
  const frame = partialFrame();
  const nat = transmit(new Recorder(true, true), frame);
  assert.deepEqual(nat.offload, { checksumLeftToHost: true });
  assert.deepEqual(nat.frame, frame);
  const link = transmit(new Recorder(false, false), frame);
  assert.equal(link.offload, undefined);
  const ip = parseIpv4(parseEthernet(link.frame)!.payload)!;
  assert.ok(parseTcp(ip.payload, ip.src, ip.dst), "completed: the checksum verifies");
});

Deno.test("virtio-net: a partial checksum reaches the guest as NEEDS_CSUM, or completed without GUEST_CSUM", () => {
  for (const guestCsum of [true, false]) {
    const backend = new Recorder(true, true);
    const dev = new VirtioNet(backend);
    const drv = new SyntheticDriver(fakeRam(2 << 20), dev);
    drv.init(2, guestCsum ? 0n : 1n << VIRTIO_NET_F_GUEST_CSUM);
    assert.equal(dev.partialChecksum, guestCsum);
    const rx = drv.heap(4096);
    drv.post(0, [], [{ addr: rx, len: 4096 }]);
    const frame = partialFrame();
    assert.equal(dev.receive(frame.slice(), { partialChecksum: { start: 34, offset: 16 } }), true);
    const [[, len]] = drv.reap(0);
    const got = drv.ram.bytes.slice(rx - RAM_BASE, rx - RAM_BASE + len);
    const v = new DataView(got.buffer);
    const ip = parseIpv4(got.subarray(NET_HDR_SIZE + 14))!;
    if (guestCsum) {
      assert.equal(got[0], 1, "NEEDS_CSUM");
      assert.equal(v.getUint16(6, true), 34);
      assert.equal(v.getUint16(8, true), 16);
      assert.deepEqual(got.subarray(NET_HDR_SIZE), frame);
    } else {
      assert.equal(got[0], 0);
      assert.ok(parseTcp(ip.payload, ip.src, ip.dst), "completed by the device");
    }
  }
});
