import assert from "node:assert/strict";
import dgram from "node:dgram";
import { buildArp, parseArp } from "../backends/net/arp.ts";
import { checksum } from "../backends/net/checksum.ts";
import { buildEthernet, ETHERTYPE_ARP, parseEthernet } from "../backends/net/ethernet.ts";
import { answerQuery, parseQuery } from "../backends/net/dns.ts";
import { buildIpv4, parseIp, parseIpv4, PROTO_ICMP, PROTO_UDP } from "../backends/net/ipv4.ts";
import { buildUdp, parseUdp } from "../backends/net/udp.ts";
import { DNS_IP, GATEWAY_MAC, HOST_IP, UserNetwork } from "../backends/net/user.ts";
import { FakeGuest, GUEST, GUEST_MAC } from "./support/net_frames.ts";

function ping(seq = 1): Uint8Array {
  const p = new Uint8Array(16);
  p[0] = 8;
  p[7] = seq;
  p.set([1, 2, 3, 4, 5, 6, 7, 8], 8);
  const c = checksum(p);
  p[2] = c >> 8;
  p[3] = c & 0xff;
  return p;
}

function dhcpMessage(type: number): Uint8Array {
  const m = new Uint8Array(300);
  m[0] = 1;
  m[1] = 1;
  m[2] = 6;
  m.set([0xde, 0xad, 0xbe, 0xef], 4);
  m.set(GUEST_MAC, 28);
  m.set([0x63, 0x82, 0x53, 0x63, 53, 1, type, 255], 236);
  return m;
}

function dnsQuery(name: string, type = 1): Uint8Array {
  const labels = name.split(".").flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  return new Uint8Array([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, type, 0, 1]);
}

Deno.test("net stack: checksums and address helpers", () => {
  assert.equal(checksum(new Uint8Array([0x45, 0, 0, 0x1c])), ~(0x4500 + 0x1c) & 0xffff);
  assert.equal(parseIp("10.0.2.15"), 0x0a00020f);
  assert.throws(() => parseIp("10.0.2"));
  assert.throws(() => parseIp("10.0.2.256"));
  const ip = buildIpv4(1, 2, PROTO_UDP, buildUdp(1, 2, 5, 6, new Uint8Array([9])));
  const p = parseIpv4(ip)!;
  assert.deepEqual(parseUdp(p.payload, 1, 2)?.payload, new Uint8Array([9]));
  assert.equal(parseUdp(p.payload, 1, 3), null, "checksum covers the pseudo-header");
});

Deno.test("net stack: ARP requests for the virtual hosts are answered", () => {
  const g = new FakeGuest();
  const req = buildArp({
    op: 1,
    senderMac: GUEST_MAC,
    senderIp: GUEST,
    targetMac: new Uint8Array(6),
    targetIp: HOST_IP,
  });
  g.net.send(buildEthernet(new Uint8Array(6).fill(0xff), GUEST_MAC, ETHERTYPE_ARP, req));
  assert.equal(g.frames.length, 1);
  const e = parseEthernet(g.frames[0])!;
  assert.deepEqual(e.dst, GUEST_MAC);
  const a = parseArp(e.payload)!;
  assert.equal(a.op, 2);
  assert.deepEqual(a.senderMac, GATEWAY_MAC);
  assert.equal(a.senderIp, HOST_IP);
  // Other addresses (the guest's own, another host) are not answered.
  g.net.send(
    buildEthernet(
      GATEWAY_MAC,
      GUEST_MAC,
      ETHERTYPE_ARP,
      buildArp({ ...parseArp(req)!, targetIp: parseIp("10.0.2.9") }),
    ),
  );
  assert.equal(g.frames.length, 1);
});

Deno.test("net stack: ICMP echo for 10.0.2.2 and 10.0.2.3", () => {
  const g = new FakeGuest();
  for (const dst of [HOST_IP, DNS_IP]) {
    g.sendIp(dst, PROTO_ICMP, ping());
    const [r] = g.takeIp();
    assert.equal(r.src, dst);
    assert.equal(r.dst, GUEST);
    assert.equal(r.payload[0], 0, "echo reply");
    assert.equal(checksum(r.payload), 0);
    assert.deepEqual(r.payload.subarray(4), ping().subarray(4));
  }
  const bad = ping();
  bad[10] ^= 1;
  g.sendIp(HOST_IP, PROTO_ICMP, bad);
  assert.equal(g.takeIp().length, 0, "bad checksum: no reply");
});

Deno.test("net stack: DHCP offers and acknowledges 10.0.2.15 with gateway and DNS", () => {
  const g = new FakeGuest();
  const bcast = parseIp("255.255.255.255");
  for (const [ask, answer] of [[1, 2], [3, 5]]) {
    g.sendIp(bcast, PROTO_UDP, buildUdp(0, bcast, 68, 67, dhcpMessage(ask)), 0);
    const [r] = g.takeIp();
    assert.ok(r, `reply to DHCP message type ${ask}`);
    const u = parseUdp(r.payload, r.src, r.dst)!;
    assert.equal(u.dstPort, 68);
    const m = u.payload;
    assert.equal(m[0], 2);
    assert.deepEqual([...m.subarray(4, 8)], [0xde, 0xad, 0xbe, 0xef]);
    assert.deepEqual([...m.subarray(16, 20)], [10, 0, 2, 15]);
    const opts = [...m.subarray(240)];
    assert.deepEqual(opts.slice(0, 3), [53, 1, answer]);
    const text = opts.join(",");
    assert.ok(text.includes("3,4,10,0,2,2"), "router");
    assert.ok(text.includes("6,4,10,0,2,3"), "dns");
    assert.ok(text.includes("1,4,255,255,255,0"), "netmask");
  }
});

Deno.test("net stack: DNS answers through the resolver, errors become rcodes", async () => {
  const resolver = (name: string, type: string) =>
    name === "example.test" && type === "A"
      ? Promise.resolve(["192.0.2.7"])
      : Promise.reject(new Deno.errors.NotFound("no"));
  const a = (await answerQuery(dnsQuery("example.test"), resolver))!;
  assert.equal(a[3] & 0xf, 0);
  assert.equal((a[6] << 8) | a[7], 1);
  assert.deepEqual([...a.subarray(a.length - 4)], [192, 0, 2, 7]);
  const nx = (await answerQuery(dnsQuery("nothing.test"), resolver))!;
  assert.equal(nx[3] & 0xf, 3);
  assert.equal(parseQuery(dnsQuery("example.test").subarray(0, 20)), null, "truncated");
  const ptr = dnsQuery("x");
  ptr[12] = 0xc0;
  assert.equal(parseQuery(ptr), null, "pointer in a question");

  // Through the stack: a query to 10.0.2.3:53 comes back from 10.0.2.3:53.
  const g = new FakeGuest(new UserNetwork({ resolver }));
  g.sendIp(DNS_IP, PROTO_UDP, buildUdp(GUEST, DNS_IP, 4444, 53, dnsQuery("example.test")));
  await g.next();
  const [r] = g.takeIp();
  const u = parseUdp(r.payload, r.src, r.dst)!;
  assert.equal(r.src, DNS_IP);
  assert.equal(u.srcPort, 53);
  assert.equal(u.dstPort, 4444);
  await g.net.close();
});

Deno.test("net stack: malformed frames are dropped, never thrown", () => {
  const g = new FakeGuest();
  const good = buildIpv4(GUEST, HOST_IP, PROTO_ICMP, ping());
  const frames: Uint8Array[] = [
    new Uint8Array(0),
    new Uint8Array(13),
    buildEthernet(GATEWAY_MAC, GUEST_MAC, 0x0800, new Uint8Array(10)), // truncated IP header
    buildEthernet(GATEWAY_MAC, GUEST_MAC, 0x0806, new Uint8Array(20)), // truncated ARP
    buildEthernet(GATEWAY_MAC, GUEST_MAC, 0x86dd, new Uint8Array(40)), // IPv6: unsupported
  ];
  const mutate = (f: (b: Uint8Array) => void) => {
    const b = good.slice();
    f(b);
    frames.push(buildEthernet(GATEWAY_MAC, GUEST_MAC, 0x0800, b));
  };
  mutate((b) => b[10] ^= 0xff); // bad header checksum
  mutate((b) => b[3] = 0xff); // total length beyond the frame
  mutate((b) => b[0] = 0x44); // header length 16
  mutate((b) => b[0] = 0x65); // version 6
  mutate((b) => b[6] = 0x20); // a fragment
  frames.push(buildEthernet(GATEWAY_MAC, GUEST_MAC, 0x0800, good.subarray(0, 24))); // cut short
  // UDP with a length beyond the packet, and a bad checksum.
  const udp = buildUdp(GUEST, HOST_IP, 1, 2, new Uint8Array(8));
  const longUdp = udp.slice();
  longUdp[5] = 200;
  const badUdp = udp.slice();
  badUdp[9] ^= 1;
  for (const u of [longUdp, badUdp, udp.subarray(0, 6)]) {
    frames.push(
      buildEthernet(GATEWAY_MAC, GUEST_MAC, 0x0800, buildIpv4(GUEST, HOST_IP, PROTO_UDP, u)),
    );
  }
  // TCP with a data offset beyond the segment, a bad checksum, and cut short.
  const tcp = new Uint8Array(20);
  tcp[12] = 0xf0;
  frames.push(buildEthernet(GATEWAY_MAC, GUEST_MAC, 0x0800, buildIpv4(GUEST, HOST_IP, 6, tcp)));
  frames.push(
    buildEthernet(
      GATEWAY_MAC,
      GUEST_MAC,
      0x0800,
      buildIpv4(GUEST, HOST_IP, 6, tcp.subarray(0, 10)),
    ),
  );
  // Random garbage behind valid Ethernet and IP headers.
  let seed = 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 200; i++) {
    const body = new Uint8Array(rand() % 64).map(rand);
    frames.push(
      buildEthernet(
        GATEWAY_MAC,
        GUEST_MAC,
        0x0800,
        buildIpv4(GUEST, HOST_IP, [1, 6, 17][i % 3], body),
      ),
    );
  }
  for (const f of frames) g.net.send(f);
  assert.ok(g.net.dropped >= 17);
  // Garbage TCP may be answered by an RST; nothing else comes back.
  for (const r of g.takeIp()) assert.equal(r.proto, 6);
  assert.equal(g.net.tcp.size, 0);
});

Deno.test("net stack: UDP NAT carries a datagram to 127.0.0.1 and the reply back", async () => {
  const server = dgram.createSocket("udp4");
  server.on("message", (msg: Uint8Array, rinfo: { address: string; port: number }) => {
    server.send(new Uint8Array([...msg].reverse()), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => server.bind(0, "127.0.0.1", () => r()));
  const port = server.address().port;
  const g = new FakeGuest();
  try {
    g.sendIp(HOST_IP, PROTO_UDP, buildUdp(GUEST, HOST_IP, 5555, port, new Uint8Array([1, 2, 3])));
    await g.next();
    const [r] = g.takeIp();
    assert.equal(r.src, HOST_IP);
    const u = parseUdp(r.payload, r.src, r.dst)!;
    assert.equal(u.srcPort, port);
    assert.equal(u.dstPort, 5555);
    assert.deepEqual([...u.payload], [3, 2, 1]);
  } finally {
    await g.net.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
