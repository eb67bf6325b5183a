/**
 * User-mode networking (QEMU's "slirp" addressing, no root, no TAP): the
 * guest is 10.0.2.15, 10.0.2.2 is the gateway and stands for the host's
 * 127.0.0.1, 10.0.2.3 is the DNS server. ARP, ICMP echo, DHCP and DNS are
 * answered here; UDP and TCP to other addresses become Deno socket calls,
 * so --allow-net decides what the guest may reach. Malformed frames are
 * dropped, never thrown.
 */
import type {
  EthernetBackend,
  EthernetPort,
  TransmitOffload,
} from "../../devices/ethernet_backend.ts";
import { ARP_REPLY, ARP_REQUEST, buildArp, parseArp } from "./arp.ts";
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, dhcpReply } from "./dhcp.ts";
import { answerQuery, defaultResolver, type Resolver } from "./dns.ts";
import {
  buildEthernet,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  parseEthernet,
  writeEthernetHeader,
} from "./ethernet.ts";
import { echoReply } from "./icmp.ts";
import {
  buildIpv4,
  ipToString,
  type Ipv4Packet,
  parseIp,
  parseIpv4,
  PROTO_ICMP,
  PROTO_TCP,
  PROTO_UDP,
  writeIpv4Header,
} from "./ipv4.ts";
import { type HostForward, listenForward } from "./hostfwd.ts";
import { type Connect, TcpNat } from "./tcp_nat.ts";
import { TCP_CSUM_OFFSET } from "./tcp.ts";
import { buildUdp, parseUdp } from "./udp.ts";
import { UdpNat } from "./udp_nat.ts";

export const GUEST_IP = parseIp("10.0.2.15");
export const HOST_IP = parseIp("10.0.2.2");
export const DNS_IP = parseIp("10.0.2.3");
export const NETMASK = parseIp("255.255.255.0");
const NETWORK = parseIp("10.0.2.0");
const BROADCAST_IP = parseIp("255.255.255.255");
/** The MAC of every virtual host (QEMU uses the same). */
export const GATEWAY_MAC = new Uint8Array([0x52, 0x55, 0x0a, 0x00, 0x02, 0x02]);
/** Ethernet and IPv4 headers in front of a TCP segment. */
const FRAME_HEADERS = 14 + 20;

export interface UserNetworkOptions {
  /** Where host-side diagnostics go (one line each); default stderr. */
  log?: (line: string) => void;
  /** The DNS resolver; default `Deno.resolveDns`. */
  resolver?: Resolver;
  /** Opens the host side of a guest TCP connection; default `Deno.connect`. */
  connect?: Connect;
  /** How long a TCP handshake may take before the guest gets an RST (default 30 s). */
  tcpHandshakeMs?: number;
  /** Host ports forwarded to guest ports (listening starts in the constructor). */
  forwards?: HostForward[];
}

/** Refused destinations named on the host's log (one line each). */
const DENIED_LINES = 32;

export class UserNetwork implements EthernetBackend {
  private port: EthernetPort | null = null;
  /** The guest may send large TCP frames (transmit offload): the NAT takes any length. */
  readonly acceptsLargeFrames = true;
  /** Every guest TCP connection ends here, so a checksum the guest left to us need not be computed. */
  readonly acceptsPartialChecksum = true;
  private guestMac: Uint8Array = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  private readonly log: (line: string) => void;
  private readonly resolver: Resolver;
  private readonly deniedSeen = new Set<string>();
  private readonly udp: UdpNat;
  readonly tcp: TcpNat;
  private closed = false;
  private readonly listeners: Deno.TcpListener[] = [];
  private readonly accepting: Promise<void>[] = [];
  /** Frames the stack could not use (malformed, unsupported, unreachable). */
  dropped = 0;

  constructor(options: UserNetworkOptions = {}) {
    this.log = options.log ?? ((line) => console.error(line));
    this.resolver = options.resolver ?? defaultResolver;
    this.udp = new UdpNat({
      toGuest: (src, sport, dport, payload) =>
        this.toGuest(PROTO_UDP, src, GUEST_IP, buildUdp(src, GUEST_IP, sport, dport, payload)),
      fromHostAddress: (a) => this.fromHostAddress(a),
      denied: (proto, host, port, flag) => this.denied(proto, host, port, flag),
    });
    this.tcp = new TcpNat(
      {
        toGuest: (src, segment, gsoSize, partial) =>
          this.toGuest(PROTO_TCP, src, GUEST_IP, segment, gsoSize ?? 0, partial, true),
        headroom: FRAME_HEADERS,
        largeTcp: () => this.port?.largeTcp ?? false,
        partialChecksum: () => this.port?.partialChecksum ?? false,
        denied: (proto, host, port) => this.denied(proto, host, port),
        guestIp: GUEST_IP,
      },
      options.connect,
      options.tcpHandshakeMs,
    );
    try {
      for (const f of options.forwards ?? []) this.listeners.push(listenForward(f));
    } catch (e) {
      for (const l of this.listeners) l.close();
      throw e;
    }
    options.forwards?.forEach((f, i) => this.accepting.push(this.accept(this.listeners[i], f)));
  }

  /** The host ports actually listened on (useful when a forward asked for port 0). */
  get forwardedPorts(): number[] {
    return this.listeners.map((l) => (l.addr as Deno.NetAddr).port);
  }

  private async accept(listener: Deno.TcpListener, f: HostForward): Promise<void> {
    try {
      for await (const socket of listener) {
        if (this.closed) {
          socket.close();
          break;
        }
        const peer = socket.remoteAddr as Deno.NetAddr;
        const src = this.fromHostAddress(peer.hostname) ?? HOST_IP;
        this.tcp.acceptFromHost(socket, src, peer.port, f.guestPort);
      }
    } catch {
      // The listener was closed.
    }
  }

  attach(port: EthernetPort): void {
    this.port = port;
    this.guestMac = port.mac.slice();
  }

  send(frame: Uint8Array, offload: TransmitOffload = {}): void {
    if (this.closed) return;
    try {
      if (!this.input(frame, offload.checksumLeftToHost === true)) this.dropped++;
    } catch {
      // A parser bug must not stop the machine; the frame is lost like on a real wire.
      this.dropped++;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const l of this.listeners) {
      try {
        l.close();
      } catch {
        // Already closed.
      }
    }
    await Promise.allSettled(this.accepting);
    this.udp.close();
    await this.tcp.close();
  }

  /** The host-side address for a guest destination, or null when it is unreachable. */
  hostAddress(ip: number): string | null {
    if (ip === HOST_IP) return "127.0.0.1";
    if (((ip & NETMASK) >>> 0) === NETWORK) return null;
    const first = ip >>> 24;
    // No loopback, "this network", multicast or broadcast beyond the virtual net.
    if (first === 0 || first === 127 || first >= 224) return null;
    return ipToString(ip);
  }

  private fromHostAddress(address: string): number | null {
    if (address === "127.0.0.1") return HOST_IP;
    try {
      return parseIp(address);
    } catch {
      return null;
    }
  }

  /** The resolver, with one host-side line when Deno's permissions refuse the lookup. */
  private async resolve(name: string, type: "A" | "AAAA"): Promise<string[]> {
    try {
      return await this.resolver(name, type);
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
        const server = /"([^"]+)"/.exec((e as Error).message)?.[1] ?? "the host's name server";
        if (!this.deniedSeen.has(`dns ${server}`)) {
          this.deniedSeen.add(`dns ${server}`);
          this.log(
            `demu: net: the guest's DNS lookups were refused by Deno's permissions; ` +
              `allow them with --allow-net=${server}`,
          );
        }
      }
      throw e;
    }
  }

  private denied(proto: string, host: string, port: number, flag = `${host}:${port}`): void {
    const key = `${proto} ${host}:${port}`;
    if (this.deniedSeen.has(key) || this.deniedSeen.size > DENIED_LINES) return;
    this.deniedSeen.add(key);
    if (this.deniedSeen.size > DENIED_LINES) {
      // A guest may probe any number of addresses: the host's log and memory stay bounded.
      this.log(`demu: net: the guest tried more refused destinations; they are not logged`);
      return;
    }
    const shown = host === "127.0.0.1" ? "10.0.2.2 (the host's 127.0.0.1)" : host;
    this.log(
      `demu: net: the guest's ${proto.toUpperCase()} traffic to ${shown} port ${port} was ` +
        `refused by Deno's permissions; allow it with --allow-net=${flag}`,
    );
  }

  /** Handles one guest frame; false when it was dropped. */
  private input(frame: Uint8Array, unsummed: boolean): boolean {
    const eth = parseEthernet(frame);
    if (!eth) return false;
    if (eth.type === ETHERTYPE_ARP) return this.arp(eth.payload);
    if (eth.type !== ETHERTYPE_IPV4) return false;
    const ip = parseIpv4(eth.payload);
    if (!ip) return false;
    this.guestMac = eth.src.slice();
    switch (ip.proto) {
      case PROTO_ICMP:
        return this.icmp(ip);
      case PROTO_UDP:
        return this.udpInput(ip);
      case PROTO_TCP: {
        const host = this.hostAddress(ip.dst);
        return host !== null && this.tcp.input(ip, host, !unsummed);
      }
    }
    return false;
  }

  private arp(payload: Uint8Array): boolean {
    const a = parseArp(payload);
    if (!a || a.op !== ARP_REQUEST) return false;
    if (a.targetIp !== HOST_IP && a.targetIp !== DNS_IP) return false;
    this.guestMac = a.senderMac;
    const reply = buildArp({
      op: ARP_REPLY,
      senderMac: GATEWAY_MAC,
      senderIp: a.targetIp,
      targetMac: a.senderMac,
      targetIp: a.senderIp,
    });
    this.port?.receive(buildEthernet(a.senderMac, GATEWAY_MAC, ETHERTYPE_ARP, reply));
    return true;
  }

  private icmp(ip: Ipv4Packet): boolean {
    if (ip.dst !== HOST_IP && ip.dst !== DNS_IP) return false;
    const reply = echoReply(ip.payload);
    if (!reply) return false;
    this.toGuest(PROTO_ICMP, ip.dst, ip.src, reply);
    return true;
  }

  private udpInput(ip: Ipv4Packet): boolean {
    const u = parseUdp(ip.payload, ip.src, ip.dst);
    if (!u) return false;
    if (u.dstPort === DHCP_SERVER_PORT && (ip.dst === BROADCAST_IP || ip.dst === HOST_IP)) {
      const reply = dhcpReply(u.payload, {
        guest: GUEST_IP,
        server: HOST_IP,
        router: HOST_IP,
        dns: DNS_IP,
        netmask: NETMASK,
      });
      if (!reply) return false;
      const udp = buildUdp(HOST_IP, BROADCAST_IP, DHCP_SERVER_PORT, DHCP_CLIENT_PORT, reply);
      this.toGuest(PROTO_UDP, HOST_IP, BROADCAST_IP, udp);
      return true;
    }
    if (ip.dst === DNS_IP) {
      if (u.dstPort !== 53) return false;
      const guest = ip.src;
      const sport = u.srcPort;
      answerQuery(u.payload, (name, type) => this.resolve(name, type)).then((answer) => {
        if (!answer || this.closed) return;
        this.toGuest(PROTO_UDP, DNS_IP, guest, buildUdp(DNS_IP, guest, 53, sport, answer));
      }).catch(() => {
        // Nothing may escape as an unhandled rejection: it would end the process.
      });
      return true;
    }
    const host = this.hostAddress(ip.dst);
    if (host === null || u.payload.length > 65507) return false;
    this.udp.send(u.srcPort, host, u.dstPort, u.payload);
    return true;
  }

  private toGuest(
    proto: number,
    src: number,
    dst: number,
    payload: Uint8Array,
    gsoSize = 0,
    partial = false,
    headroom = false,
  ): void {
    if (this.closed) return;
    let frame: Uint8Array;
    if (headroom) {
      // Built with FRAME_HEADERS free bytes before it: the headers go there, nothing is copied.
      frame = new Uint8Array(
        payload.buffer,
        payload.byteOffset - FRAME_HEADERS,
        FRAME_HEADERS + payload.length,
      );
      writeEthernetHeader(frame, this.guestMac, GATEWAY_MAC, ETHERTYPE_IPV4);
      writeIpv4Header(frame.subarray(14), src, dst, proto, payload.length);
    } else {
      const packet = buildIpv4(src, dst, proto, payload);
      frame = buildEthernet(this.guestMac, GATEWAY_MAC, ETHERTYPE_IPV4, packet);
    }
    // Every frame built here has correct checksums, or a partial TCP one the guest said it takes.
    this.port?.receive(frame, {
      checksummed: true,
      gsoSize,
      partialChecksum: partial ? { start: 14 + 20, offset: TCP_CSUM_OFFSET } : undefined,
    });
  }
}
