import assert from "node:assert/strict";
import { PROTO_TCP } from "../backends/net/ipv4.ts";
import {
  ACK,
  buildTcp,
  FIN,
  parseTcp,
  RST,
  SYN,
  type TcpHeader,
  type TcpSegment,
} from "../backends/net/tcp.ts";
import { HOST_IP, UserNetwork } from "../backends/net/user.ts";
import { FakeGuest, GUEST } from "./support/net_frames.ts";

/** A scripted guest TCP endpoint on top of the fake guest. */
class GuestTcp {
  seq = 1000;
  ack = 0;
  constructor(readonly g: FakeGuest, readonly sport: number, readonly dport: number) {}
  send(flags: number, payload = new Uint8Array(0), extra: Partial<TcpHeader> = {}): void {
    const h: TcpHeader = {
      srcPort: this.sport,
      dstPort: this.dport,
      seq: this.seq,
      ack: this.ack,
      flags,
      window: 65535,
      ...extra,
    };
    this.g.sendIp(HOST_IP, PROTO_TCP, buildTcp(GUEST, HOST_IP, h, payload));
    this.seq = (this.seq + payload.length + (flags & (SYN | FIN) ? 1 : 0)) >>> 0;
  }
  /** Segments received so far. */
  take(): TcpSegment[] {
    return this.g.takeIp().filter((p) => p.proto === PROTO_TCP).map((p) =>
      parseTcp(p.payload, p.src, p.dst)!
    );
  }
  /** Waits for segments until `pred` holds over everything received (or times out). */
  async until(pred: (all: TcpSegment[]) => boolean, ms = 3000): Promise<TcpSegment[]> {
    const all: TcpSegment[] = [];
    const end = Date.now() + ms;
    while (Date.now() < end) {
      all.push(...this.take());
      if (pred(all)) return all;
      await this.g.next(50);
    }
    throw new Error(`timed out; got flags ${all.map((s) => s.flags).join(",")}`);
  }
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (segs: TcpSegment[]) =>
  new TextDecoder().decode(new Uint8Array(segs.flatMap((s) => [...s.payload])));

async function readAll(conn: Deno.Conn, n: number): Promise<string> {
  const buf = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await conn.read(buf.subarray(got));
    if (r === null) break;
    got += r;
  }
  return new TextDecoder().decode(buf.subarray(0, got));
}

Deno.test("tcp nat: handshake after connect, data both ways, FIN teardown", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const g = new FakeGuest();
  const t = new GuestTcp(g, 40000, port);
  try {
    t.send(SYN, undefined, { mss: 1000 });
    const server = await listener.accept();
    const [synAck] = await t.until((a) => a.some((s) => s.flags & SYN));
    assert.equal(synAck.flags, SYN | ACK);
    assert.equal(synAck.ack, 1001);
    assert.equal(synAck.mss, 1460);
    t.ack = (synAck.seq + 1) >>> 0;
    t.send(ACK);
    t.send(ACK, bytes("hello"));
    assert.equal(await readAll(server, 5), "hello");
    const acks = await t.until((a) => a.some((s) => s.ack === t.seq));
    assert.ok(acks.length > 0);

    // 5000 bytes from the host arrive in segments no larger than the guest's MSS.
    await server.write(new Uint8Array(5000).fill(0x61));
    const data = await t.until((a) => a.reduce((n, s) => n + s.payload.length, 0) >= 5000);
    assert.ok(data.every((s) => s.payload.length <= 1000));
    assert.equal(text(data), "a".repeat(5000));
    t.ack = (t.ack + 5000) >>> 0;
    t.send(ACK);

    // The guest half-closes: the host reads EOF, can still write, then closes.
    t.send(FIN | ACK);
    assert.equal(await readAll(server, 1), "");
    await server.write(bytes("bye"));
    server.close();
    const tail = await t.until((a) => a.some((s) => s.flags & FIN));
    assert.equal(text(tail), "bye");
    const fin = tail.find((s) => s.flags & FIN)!;
    t.ack = (fin.seq + fin.payload.length + 1) >>> 0;
    t.send(ACK);
    assert.equal(g.net.tcp.size, 0, "both sides closed: the connection is gone");
  } finally {
    await g.net.close();
    listener.close();
  }
});

Deno.test("tcp nat: the guest's window limits what is sent", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const g = new FakeGuest();
  const t = new GuestTcp(g, 40001, port);
  try {
    t.send(SYN, undefined, { window: 3000 });
    const server = await listener.accept();
    const [synAck] = await t.until((a) => a.some((s) => s.flags & SYN));
    t.ack = (synAck.seq + 1) >>> 0;
    t.send(ACK, undefined, { window: 3000 });
    await server.write(new Uint8Array(20000));
    await new Promise((r) => setTimeout(r, 100));
    const first = t.take();
    assert.equal(first.reduce((n, s) => n + s.payload.length, 0), 3000);
    // Acknowledging opens the window for the next 3000.
    t.ack = (t.ack + 3000) >>> 0;
    t.send(ACK, undefined, { window: 3000 });
    const second = await t.until((a) => a.reduce((n, s) => n + s.payload.length, 0) >= 3000);
    assert.equal(second.reduce((n, s) => n + s.payload.length, 0), 3000);
    server.close();
  } finally {
    await g.net.close();
    listener.close();
  }
});

Deno.test("tcp nat: guest segments sent in one go get one ACK covering them all", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const g = new FakeGuest();
  const t = new GuestTcp(g, 40002, port);
  try {
    t.send(SYN);
    const server = await listener.accept();
    const [synAck] = await t.until((a) => a.some((s) => s.flags & SYN));
    t.ack = (synAck.seq + 1) >>> 0;
    t.send(ACK);
    for (let i = 0; i < 5; i++) t.send(ACK, bytes(`part${i}`));
    assert.deepEqual(t.take(), [], "nothing is acknowledged inside the guest's own send");
    const acks = await t.until((a) => a.some((s) => s.ack === t.seq));
    assert.equal(acks.length, 1, `${acks.length} ACKs for 5 segments`);
    assert.equal(await readAll(server, 25), "part0part1part2part3part4");
    server.close();
  } finally {
    await g.net.close();
    listener.close();
  }
});

Deno.test("tcp nat: a refused connection is answered with RST", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const g = new FakeGuest();
  const t = new GuestTcp(g, 40002, port);
  try {
    t.send(SYN);
    const [rst] = await t.until((a) => a.length > 0);
    assert.equal(rst.flags, RST | ACK);
    assert.equal(rst.ack, 1001);
    assert.equal(g.logs.length, 0, "refused is not a permission problem");
    assert.equal(g.net.tcp.size, 0);
  } finally {
    await g.net.close();
  }
});

Deno.test("tcp nat: a denied connection is an RST and one line naming --allow-net", async () => {
  const logs: string[] = [];
  const net = new UserNetwork({
    log: (l) => logs.push(l),
    connect: () => Promise.reject(new Deno.errors.NotCapable("denied")),
  });
  const g = new FakeGuest(net);
  try {
    for (const sport of [40003, 40004]) {
      const t = new GuestTcp(g, sport, 8080);
      t.send(SYN);
      const [rst] = await t.until((a) => a.length > 0);
      assert.equal(rst.flags & RST, RST);
    }
    assert.equal(logs.length, 1);
    assert.match(logs[0], /--allow-net=127\.0\.0\.1:8080/);
  } finally {
    await g.net.close();
  }
});

Deno.test("tcp nat: segments of no connection get an RST; RSTs get nothing", () => {
  const g = new FakeGuest();
  const t = new GuestTcp(g, 40005, 9);
  t.ack = 777;
  t.send(ACK, bytes("x"));
  const [rst] = t.take();
  assert.equal(rst.flags, RST);
  assert.equal(rst.seq, 777);
  t.send(RST);
  assert.equal(t.take().length, 0);
});

Deno.test("tcp nat: Deno's own permission check turns a connection into RST", async () => {
  const probe = new URL("./support/net_denied_probe.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1:1", probe],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.match(stdout, /flags=20/); // RST | ACK
  assert.match(stderr, /TCP .*--allow-net=127\.0\.0\.1:8080/);
  assert.match(stdout, /alive/);
  assert.match(stderr, /UDP .*--allow-net=127\.0\.0\.1:9/);
});

Deno.test("tcp nat: a forwarded host port opens a connection to the guest", async () => {
  const net = new UserNetwork({
    forwards: [{ hostAddress: "127.0.0.1", hostPort: 0, guestPort: 22 }],
  });
  const g = new FakeGuest(net);
  try {
    const client = await Deno.connect({ hostname: "127.0.0.1", port: net.forwardedPorts[0] });
    const syns = await new GuestTcp(g, 22, 0).until((a) => a.some((s) => s.flags & SYN));
    const syn = syns.find((s) => s.flags & SYN)!;
    assert.equal(syn.flags, SYN);
    assert.equal(syn.dstPort, 22);
    assert.equal(syn.mss, 1460);
    // The guest answers from port 22 to the forwarded source port.
    const t = new GuestTcp(g, 22, syn.srcPort);
    t.seq = 5000;
    t.ack = (syn.seq + 1) >>> 0;
    t.send(SYN | ACK);
    const [ack] = await t.until((a) => a.length > 0);
    assert.equal(ack.flags, ACK);
    assert.equal(ack.ack, 5001);
    t.send(ACK | 8, bytes("SSH-2.0-guest\r\n"));
    assert.equal(await readAll(client, 15), "SSH-2.0-guest\r\n");
    await client.write(bytes("hi"));
    const data = await t.until((a) => text(a) === "hi");
    assert.equal(data.at(-1)!.srcPort, syn.srcPort);
    // The guest resets: the host sees the connection end.
    t.send(RST);
    assert.equal(await readAll(client, 1), "");
    client.close();
    assert.equal(net.tcp.size, 0);
  } finally {
    await net.close();
  }
});

Deno.test("tcp nat: a connect that hangs ends in RST after the handshake timeout", async () => {
  let release = () => {};
  const net = new UserNetwork({
    log: () => {},
    tcpHandshakeMs: 200,
    connect: () => new Promise((_, reject) => release = () => reject(new Error("gave up"))),
  });
  const g = new FakeGuest(net);
  try {
    const t = new GuestTcp(g, 40010, 80);
    t.send(SYN);
    const [rst] = await t.until((a) => a.length > 0);
    assert.equal(rst.flags & RST, RST);
    assert.equal(rst.ack, 1001);
    assert.equal(net.tcp.size, 0);
  } finally {
    release();
    await net.close();
  }
});
