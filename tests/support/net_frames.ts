/** A fake guest for the user-mode network stack: builds its frames and collects the replies. */
import type { EthernetPort } from "../../devices/ethernet_backend.ts";
import { buildEthernet, ETHERTYPE_IPV4, parseEthernet } from "../../backends/net/ethernet.ts";
import { buildIpv4, type Ipv4Packet, parseIp, parseIpv4 } from "../../backends/net/ipv4.ts";
import { GATEWAY_MAC, UserNetwork } from "../../backends/net/user.ts";

export const GUEST_MAC = new Uint8Array([2, 0, 0, 0, 0, 1]);
export const GUEST = parseIp("10.0.2.15");

export class FakeGuest implements EthernetPort {
  readonly mac = GUEST_MAC;
  frames: Uint8Array[] = [];
  private waiters: (() => void)[] = [];
  readonly net: UserNetwork;
  logs: string[] = [];

  constructor(net?: UserNetwork) {
    this.net = net ?? new UserNetwork({ log: (l) => this.logs.push(l) });
    this.net.attach(this);
  }

  receive(frame: Uint8Array): boolean {
    this.frames.push(frame);
    for (const w of this.waiters.splice(0)) w();
    return true;
  }

  /** Sends an IPv4 packet from the guest to the gateway's MAC. */
  sendIp(dst: number, proto: number, payload: Uint8Array, src = GUEST): void {
    this.net.send(
      buildEthernet(GATEWAY_MAC, GUEST_MAC, ETHERTYPE_IPV4, buildIpv4(src, dst, proto, payload)),
    );
  }

  /** The IPv4 packets received so far (and forgets them). */
  takeIp(): Ipv4Packet[] {
    const out: Ipv4Packet[] = [];
    for (const f of this.frames.splice(0)) {
      const e = parseEthernet(f);
      if (e?.type !== ETHERTYPE_IPV4) continue;
      const ip = parseIpv4(e.payload);
      if (ip) out.push(ip);
    }
    return out;
  }

  /** Waits until some frame arrives (or `ms` pass). */
  async next(ms = 2000): Promise<void> {
    if (this.frames.length > 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((r) => this.waiters.push(r)),
      new Promise<void>((r) => timer = setTimeout(r, ms)),
    ]);
    clearTimeout(timer);
  }
}
