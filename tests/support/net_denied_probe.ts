/**
 * Run with --allow-net=127.0.0.1:1 only: a guest SYN to 10.0.2.2:8080 must
 * come back as an RST, with Deno's real permission check and one host-side
 * line on stderr. Prints the RST's flags. A UDP datagram to a denied port is
 * dropped with one line too, and the process lives on (node:dgram would
 * otherwise throw the denial where nothing can catch it).
 */
import { PROTO_TCP, PROTO_UDP } from "../../backends/net/ipv4.ts";
import { buildTcp, parseTcp, SYN } from "../../backends/net/tcp.ts";
import { buildUdp } from "../../backends/net/udp.ts";
import { HOST_IP } from "../../backends/net/user.ts";
import { FakeGuest, GUEST } from "./net_frames.ts";

const g = new FakeGuest();
const syn = buildTcp(GUEST, HOST_IP, {
  srcPort: 40100,
  dstPort: 8080,
  seq: 1,
  ack: 0,
  flags: SYN,
  window: 65535,
});
g.sendIp(HOST_IP, PROTO_TCP, syn);
await g.next();
const [p] = g.takeIp();
console.log(`flags=${parseTcp(p.payload, p.src, p.dst)!.flags}`);
g.sendIp(HOST_IP, PROTO_UDP, buildUdp(GUEST, HOST_IP, 5000, 9, new Uint8Array([1])));
await new Promise((r) => setTimeout(r, 200));
console.log("alive");
for (const l of g.logs) console.error(l);
await g.net.close();
