/**
 * Run with --allow-net=127.0.0.1:1 only: a guest SYN to 10.0.2.2:8080 must
 * come back as an RST, with Deno's real permission check and one host-side
 * line on stderr. Prints the RST's flags.
 */
import { PROTO_TCP } from "../../backends/net/ipv4.ts";
import { buildTcp, parseTcp, SYN } from "../../backends/net/tcp.ts";
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
for (const l of g.logs) console.error(l);
await g.net.close();
