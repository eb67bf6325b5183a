/**
 * UDP NAT: each guest source port gets a host socket (node:dgram, stable in
 * Deno) that sends the guest's datagrams and carries replies back. Flows
 * expire when idle and their number is bounded.
 */
import dgram from "node:dgram";

/** How the NAT reaches the rest of the stack. */
export interface UdpNatHost {
  /** A datagram from the host side to the guest's `guestPort`; `srcIp` is guest-visible. */
  toGuest(srcIp: number, srcPort: number, guestPort: number, payload: Uint8Array): void;
  /** The guest-visible address of a host-side sender, or null to drop its datagram. */
  fromHostAddress(address: string): number | null;
  /** A send the permissions refused; `flag` is the --allow-net value that would allow it. */
  denied(proto: "udp" | "tcp", host: string, port: number, flag?: string): void;
}

export const UDP_FLOWS_MAX = 256;

function granted(host: string): boolean {
  return Deno.permissions.querySync({ name: "net", host }).state === "granted";
}
export const UDP_IDLE_MS = 120_000;

interface Flow {
  socket: dgram.Socket;
  guestPort: number;
  lastUsed: number;
}

export class UdpNat {
  private flows = new Map<string, Flow>();
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly host: UdpNatHost) {}

  /** Sends a guest datagram to `dstHost:dstPort` (a host-side address). */
  send(guestPort: number, dstHost: string, dstPort: number, payload: Uint8Array): void {
    const loopback = dstHost.startsWith("127.");
    // Ask first: node:dgram reports a denied bind as an uncaught exception, which would end the
    // whole process, and a denied send gives no clear error.
    if (!granted(`${dstHost}:${dstPort}`)) {
      this.host.denied("udp", dstHost, dstPort);
      return;
    }
    const bindHost = loopback ? "127.0.0.1" : "0.0.0.0";
    const key = `${guestPort}/${loopback}`;
    let flow = this.flows.get(key);
    if (!flow && !granted(`${bindHost}:0`)) {
      this.host.denied("udp", dstHost, dstPort, `${dstHost}:${dstPort},${bindHost}`);
      return;
    }
    if (!flow) {
      if (this.flows.size >= UDP_FLOWS_MAX) this.closeOldest();
      try {
        flow = this.open(guestPort, loopback);
      } catch {
        this.host.denied("udp", dstHost, dstPort);
        return;
      }
      this.flows.set(key, flow);
    }
    flow.lastUsed = Date.now();
    try {
      flow.socket.send(payload, dstPort, dstHost, (err) => {
        if (err) this.host.denied("udp", dstHost, dstPort);
      });
    } catch {
      this.host.denied("udp", dstHost, dstPort);
    }
  }

  get size(): number {
    return this.flows.size;
  }

  close(): void {
    for (const f of this.flows.values()) f.socket.close();
    this.flows.clear();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private open(guestPort: number, loopback: boolean): Flow {
    const socket = dgram.createSocket("udp4");
    const flow: Flow = { socket, guestPort, lastUsed: Date.now() };
    socket.on("message", (msg: Uint8Array, rinfo: { address: string; port: number }) => {
      const src = this.host.fromHostAddress(rinfo.address);
      if (src === null) return;
      flow.lastUsed = Date.now();
      try {
        this.host.toGuest(src, rinfo.port, guestPort, new Uint8Array(msg));
      } catch {
        // Thrown from an event handler it would be uncaught; the datagram is lost instead.
      }
    });
    socket.on("error", () => {});
    // Loopback flows stay on loopback: nothing else can reach their port.
    socket.bind(0, loopback ? "127.0.0.1" : undefined);
    this.sweeper ??= setInterval(() => this.sweep(), 10_000);
    return flow;
  }

  private sweep(): void {
    const old = Date.now() - UDP_IDLE_MS;
    for (const [key, f] of this.flows) {
      if (f.lastUsed < old) {
        f.socket.close();
        this.flows.delete(key);
      }
    }
    if (this.flows.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private closeOldest(): void {
    let oldest: [string, Flow] | null = null;
    for (const e of this.flows) if (!oldest || e[1].lastUsed < oldest[1].lastUsed) oldest = e;
    if (oldest) {
      oldest[1].socket.close();
      this.flows.delete(oldest[0]);
    }
  }
}
