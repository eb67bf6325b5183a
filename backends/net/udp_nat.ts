/**
 * UDP NAT: each guest source port gets a host socket (node:dgram, stable in
 * Deno) that sends the guest's datagrams and carries replies back. Flows
 * expire when idle and their number is bounded.
 */
import type { Socket } from "node:dgram";
import { nodeDgram } from "../../core/node_builtin.ts";

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
/**
 * Destinations whose permission is asked. Deno keeps every descriptor it was
 * asked about for the life of the process, so a guest sending to address
 * after address would grow the host's memory: past this many, new
 * destinations are refused. The answers are kept here (permissions are
 * settled before the guest runs).
 */
export const UDP_DESTINATIONS_MAX = 4096;
export const UDP_IDLE_MS = 120_000;

interface Flow {
  socket: Socket;
  guestPort: number;
  lastUsed: number;
  /**
   * Datagrams sent before the socket is bound. They wait here, not in
   * node:dgram's own queue: a socket closed with sends in that queue is never
   * freed in Deno (a guest opening flow after flow grew the host's memory).
   */
  unbound: { payload: Uint8Array; port: number; host: string }[] | null;
}

/** Datagrams a flow holds until its socket is bound. */
const UNBOUND_MAX = 64;

export class UdpNat {
  private flows = new Map<string, Flow>();
  private readonly grants = new Map<string, boolean>();
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly host: UdpNatHost) {}

  /** Sends a guest datagram to `dstHost:dstPort` (a host-side address). */
  send(guestPort: number, dstHost: string, dstPort: number, payload: Uint8Array): void {
    const loopback = dstHost.startsWith("127.");
    // Ask first: node:dgram reports a denied bind as an uncaught exception, which would end the
    // whole process, and a denied send gives no clear error.
    if (!this.granted(`${dstHost}:${dstPort}`)) {
      this.host.denied("udp", dstHost, dstPort);
      return;
    }
    const bindHost = loopback ? "127.0.0.1" : "0.0.0.0";
    const key = `${guestPort}/${loopback}`;
    let flow = this.flows.get(key);
    if (!flow && !this.granted(`${bindHost}:0`, false)) {
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
    if (flow.unbound) {
      if (flow.unbound.length < UNBOUND_MAX) {
        flow.unbound.push({ payload: payload.slice(), port: dstPort, host: dstHost });
      }
      return;
    }
    this.transmit(flow, payload, dstPort, dstHost);
  }

  private transmit(flow: Flow, payload: Uint8Array, dstPort: number, dstHost: string): void {
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

  /** `capped`: a destination, counted against UDP_DESTINATIONS_MAX (the two bind addresses are not). */
  private granted(host: string, capped = true): boolean {
    let ok = this.grants.get(host);
    if (ok === undefined) {
      if (capped && this.grants.size >= UDP_DESTINATIONS_MAX) return false;
      ok = Deno.permissions.querySync({ name: "net", host }).state === "granted";
      this.grants.set(host, ok);
    }
    return ok;
  }

  close(): void {
    for (const f of this.flows.values()) f.socket.close();
    this.flows.clear();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private open(guestPort: number, loopback: boolean): Flow {
    const socket = nodeDgram().createSocket("udp4");
    const flow: Flow = { socket, guestPort, lastUsed: Date.now(), unbound: [] };
    socket.once("listening", () => {
      const waiting = flow.unbound ?? [];
      flow.unbound = null;
      for (const d of waiting) this.transmit(flow, d.payload, d.port, d.host);
    });
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
