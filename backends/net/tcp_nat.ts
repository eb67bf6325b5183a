/**
 * TCP NAT: each guest connection is terminated here and continued as a Deno
 * TCP socket. The guest's SYN is answered only once `Deno.connect` succeeds
 * (an RST when it is refused or denied). Both directions are flow-controlled
 * by bounded buffers: the guest's data is acknowledged only as far as the
 * window we advertise (the bytes not yet written to the socket), and the
 * socket is read only while the guest's window and our send buffer have room.
 * Lost segments (a full guest receive queue) are resent go-back-N on a timer.
 * Window scaling (RFC 7323) is used whenever the guest offers it, so both
 * directions keep up to a megabyte in flight instead of 64 KiB; all
 * connections together stay within one memory budget, so a flood of them
 * cannot make the NAT hold more.
 */
import type { Ipv4Packet } from "./ipv4.ts";
import { ACK, buildTcp, FIN, parseTcp, PSH, RST, seqDiff, SYN, type TcpSegment } from "./tcp.ts";

export interface TcpNatHost {
  /**
   * A TCP segment from `src` (guest-visible address) to the guest, built
   * with `headroom` free bytes before it in its buffer (the host writes its
   * headers there instead of copying the segment).
   */
  toGuest(src: number, segment: Uint8Array, gsoSize?: number, partialChecksum?: boolean): void;
  /** Bytes to leave free before every segment handed to `toGuest` (0 when absent). */
  readonly headroom?: number;
  /** True while the guest takes TCP frames larger than its MSS (see EthernetPort.largeTcp). */
  largeTcp(): boolean;
  /** True while the guest takes segments with a partial checksum (EthernetPort.partialChecksum). */
  partialChecksum?(): boolean;
  denied(proto: "udp" | "tcp", host: string, port: number): void;
  guestIp: number;
}

/** Our MSS (an Ethernet MTU of 1500 less IPv4 and TCP headers). */
export const OUR_MSS = 1460;
/** Bytes of guest data accepted but not yet written to the host socket (our receive window). */
export const RECV_BUFFER = 65535;
/** The same with window scaling: a megabyte in flight keeps an emulated guest busy. */
export const RECV_BUFFER_SCALED = 1 << 20;
/** Our window-scale shift: windows up to 64 KiB << 7 = 8 MiB. */
export const OUR_WSCALE = 7;
/** Bytes read from the host socket and not yet acknowledged by the guest (at most). */
export const SEND_BUFFER = 1 << 20;
/** A connection's send buffer starts this small and doubles as data waits in it. */
const SEND_BUFFER_START = 64 * 1024;
/**
 * All connections' buffered bytes together (guest data not yet written to
 * the host, send-buffer space): past it windows close and buffers stop
 * growing, whatever the number of connections.
 */
export const BUFFER_BUDGET = 32 << 20;
export const MAX_CONNECTIONS = 1024;
/** Payload of one large frame to a guest that takes them (IPv4's 64 KiB less headers). */
const LARGE_SEGMENT = 65535 - 20 - 20;
const TICK_MS = 100;
const RTO_MS = 300;
/** A connection still closing after this long is dropped. */
const LINGER_MS = 60_000;
/** A handshake (our connect, or the guest's answer to a forwarded SYN) may take this long. */
export const HANDSHAKE_MS = 30_000;

export type Connect = (host: string, port: number) => Promise<Deno.Conn>;

const defaultConnect: Connect = (hostname, port) => Deno.connect({ hostname, port });

class Conn {
  socket: Deno.Conn | null = null;
  // Guest → host.
  rcvNxt = 0;
  guestFin = false;
  writeQueued = 0;
  writing: Promise<void> = Promise.resolve();
  windowClosed = false;
  // Host → guest.
  readonly iss = (Math.random() * 0x1_0000_0000) >>> 0;
  sndUna: number;
  sndNxt: number;
  synAcked = false;
  buf = new Uint8Array(SEND_BUFFER_START);
  /** Unacknowledged bytes live in buf[start, start + len); sndUna is buf[start]. */
  start = 0;
  len = 0;
  guestWindow = 0;
  guestMss = 536;
  /** Both sides sent the window-scale option: windows after the SYNs are scaled. */
  scaled = false;
  /** The guest's shift (its window field << this). */
  guestShift = 0;
  hostEof = false;
  finSent = false;
  finAcked = false;
  lastProgress = Date.now();
  closingSince = 0;
  readonly created = Date.now();
  closed = false;
  /** Set when pump sent a segment (which carries the ACK) during the current input. */
  ackSentByPump = false;
  /** Guest data arrived that no segment of ours has acknowledged yet (see TcpNat.ackLater). */
  ackOwed = false;
  roomWaiter: (() => void) | null = null;
  reader: Promise<void> = Promise.resolve();
  /** Opened from the host side (a forwarded port): we sent the SYN. */
  activeOpen = false;

  constructor(
    readonly key: string,
    readonly remoteIp: number,
    readonly remotePort: number,
    readonly guestPort: number,
    readonly guestIss: number,
  ) {
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.rcvNxt = (guestIss + 1) >>> 0;
  }

  /** Sent but unacknowledged data bytes. */
  get inFlight(): number {
    return Math.min(this.len, Math.max(0, seqDiff(this.sndNxt, this.sndUna)));
  }

  /** Room for guest data, before the NAT-wide budget. */
  get room(): number {
    return Math.max(0, (this.scaled ? RECV_BUFFER_SCALED : RECV_BUFFER) - this.writeQueued);
  }
}

export class TcpNat {
  private conns = new Map<string, Conn>();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly connect: Connect;
  /** Go-back-N retransmissions so far (a healthy in-process link needs none). */
  retransmits = 0;
  /** Bytes held by all connections: queued guest data and send-buffer space (see BUFFER_BUDGET). */
  buffered = 0;
  /** Connections owing the guest an ACK, sent together once the emulator yields. */
  private owed: Conn[] = [];

  constructor(
    private readonly host: TcpNatHost,
    connect: Connect = defaultConnect,
    private readonly handshakeMs = HANDSHAKE_MS,
  ) {
    this.connect = connect;
  }

  get size(): number {
    return this.conns.size;
  }

  /** The receive window a connection may advertise now: its room, within the budget. */
  private window(c: Conn): number {
    return Math.max(0, Math.min(c.room, BUFFER_BUDGET - this.buffered));
  }

  /** A guest TCP segment to `hostName` (the host-side address of ip.dst); false if dropped. */
  input(ip: Ipv4Packet, hostName: string, verify = true): boolean {
    const seg = parseTcp(ip.payload, ip.src, ip.dst, verify);
    if (!seg) return false;
    const key = `${seg.srcPort}|${ip.dst}|${seg.dstPort}`;
    let c = this.conns.get(key);
    if (seg.flags & SYN && !(seg.flags & ACK)) {
      if (c && c.guestIss === seg.seq) {
        // A retransmitted SYN: answer again if we already did.
        if (c.socket && !c.synAcked) this.sendSynAck(c);
        return true;
      }
      if (c) this.drop(c, true);
      if (this.conns.size >= MAX_CONNECTIONS) {
        this.rstFor(ip.dst, seg);
        return true;
      }
      c = new Conn(key, ip.dst, seg.dstPort, seg.srcPort, seg.seq);
      c.guestMss = Math.max(64, Math.min(seg.mss ?? 536, OUR_MSS));
      c.guestWindow = seg.window;
      if (seg.wscale !== null) {
        c.scaled = true;
        c.guestShift = seg.wscale;
      }
      this.conns.set(key, c);
      this.buffered += c.buf.length;
      // An unhandled rejection would end the whole process: a failure here resets the guest.
      this.open(c, hostName).catch(() => this.drop(c!, true));
      this.startTicker();
      return true;
    }
    if (!c) {
      if (!(seg.flags & RST)) this.rstFor(ip.dst, seg);
      return true;
    }
    if (!c.socket) return true; // still connecting: the guest will resend
    this.segment(c, seg);
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    this.ticker = undefined;
    const readers = [...this.conns.values()].map((c) => c.reader);
    for (const c of [...this.conns.values()]) this.drop(c, false);
    await Promise.allSettled(readers);
  }

  private async open(c: Conn, hostName: string): Promise<void> {
    let socket: Deno.Conn;
    try {
      socket = await this.connect(hostName, c.remotePort);
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
        this.host.denied("tcp", hostName, c.remotePort);
      }
      if (!c.closed) {
        this.send(c, { seq: 0, ack: c.rcvNxt, flags: RST | ACK });
        this.forget(c);
      }
      return;
    }
    if (c.closed) {
      socket.close();
      return;
    }
    c.socket = socket;
    c.sndNxt = (c.iss + 1) >>> 0;
    this.sendSynAck(c);
    c.reader = this.readLoop(c);
  }

  private sendSynAck(c: Conn): void {
    // Our SYN always offers scaling; our SYN-ACK only when the guest's SYN did (RFC 7323 §2.2).
    if (c.activeOpen) {
      this.send(c, { seq: c.iss, ack: 0, flags: SYN, mss: OUR_MSS, wscale: OUR_WSCALE });
    } else {
      const wscale = c.scaled ? OUR_WSCALE : undefined;
      this.send(c, { seq: c.iss, ack: c.rcvNxt, flags: SYN | ACK, mss: OUR_MSS, wscale });
    }
  }

  /**
   * A host connection to a forwarded port: opens a connection to the guest's
   * `guestPort` that appears to come from `srcIp:srcPort` (guest-visible).
   */
  acceptFromHost(socket: Deno.Conn, srcIp: number, srcPort: number, guestPort: number): void {
    let key = `${guestPort}|${srcIp}|${srcPort}`;
    while (this.conns.has(key)) {
      srcPort = 1024 + Math.floor(Math.random() * 60000);
      key = `${guestPort}|${srcIp}|${srcPort}`;
    }
    if (this.conns.size >= MAX_CONNECTIONS) {
      socket.close();
      return;
    }
    const c = new Conn(key, srcIp, srcPort, guestPort, 0);
    c.activeOpen = true;
    c.socket = socket;
    c.sndNxt = (c.iss + 1) >>> 0;
    this.conns.set(key, c);
    this.buffered += c.buf.length;
    this.sendSynAck(c);
    this.startTicker();
  }

  /** A segment on an open connection. */
  private segment(c: Conn, seg: TcpSegment): void {
    if (seg.flags & RST) {
      this.drop(c, false);
      return;
    }
    if (seg.flags & SYN) {
      // The guest's answer to our SYN on a forwarded port.
      if (!c.activeOpen || c.synAcked || !(seg.flags & ACK)) return;
      if (seg.ack !== ((c.iss + 1) >>> 0)) return;
      c.rcvNxt = (seg.seq + 1) >>> 0;
      c.guestMss = Math.max(64, Math.min(seg.mss ?? 536, OUR_MSS));
      c.guestWindow = seg.window;
      if (seg.wscale !== null) {
        c.scaled = true;
        c.guestShift = seg.wscale;
      }
      c.synAcked = true;
      c.sndUna = seg.ack;
      c.lastProgress = Date.now();
      this.sendAck(c);
      c.reader = this.readLoop(c);
      return;
    }
    if (!(seg.flags & ACK)) return;
    if (c.activeOpen && !c.synAcked) return;
    this.ackReceived(c, seg);
    if (c.closed) return;

    // Guest data and FIN: accept only what arrives in order and fits the window.
    const payload = seg.payload;
    let needAck = false;
    const d = seqDiff(seg.seq, c.rcvNxt);
    if (payload.length > 0 || seg.flags & FIN) {
      needAck = true;
      if (d === 0 && !c.guestFin) {
        const take = Math.min(payload.length, this.window(c));
        // The frame is ours (a copy out of guest memory): a view of it is kept, not a copy.
        if (take > 0) this.write(c, payload.subarray(0, take));
        c.rcvNxt = (c.rcvNxt + take) >>> 0;
        if (take === payload.length && seg.flags & FIN) {
          c.rcvNxt = (c.rcvNxt + 1) >>> 0;
          c.guestFin = true;
          const socket = c.socket!;
          c.writing = c.writing.then(() => socket.closeWrite()).catch(() => {});
          this.maybeFinished(c);
        }
      }
    }
    this.pump(c);
    // pump sends data carrying the ACK; a bare ACK only when it sent nothing.
    if (c.ackSentByPump) c.ackOwed = false;
    else if (needAck && !c.closed) this.ackLater(c);
    c.ackSentByPump = false;
  }

  private ackReceived(c: Conn, seg: TcpSegment): void {
    c.guestWindow = seg.window * 2 ** (c.scaled ? c.guestShift : 0);
    if (!c.synAcked) {
      if (seg.ack !== ((c.iss + 1) >>> 0)) return;
      c.synAcked = true;
      c.sndUna = seg.ack;
      c.lastProgress = Date.now();
      return;
    }
    const acked = seqDiff(seg.ack, c.sndUna);
    if (acked <= 0 || seqDiff(seg.ack, c.sndNxt) > 0) return;
    const data = Math.min(acked, c.len);
    c.start += data;
    c.len -= data;
    c.sndUna = seg.ack;
    c.lastProgress = Date.now();
    if (c.finSent && acked > data) c.finAcked = true;
    const w = c.roomWaiter;
    c.roomWaiter = null;
    w?.();
    this.maybeFinished(c);
  }

  /** Sends what the guest's window allows, then our FIN once the host side ended. */
  private pump(c: Conn): void {
    if (c.closed || !c.synAcked) return;
    const large = this.host.largeTcp();
    for (;;) {
      const inFlight = seqDiff(c.sndNxt, c.sndUna);
      const unsent = c.len - inFlight;
      const room = c.guestWindow - inFlight;
      if (unsent <= 0 || room <= 0) break;
      const n = Math.min(unsent, room, large ? LARGE_SEGMENT : c.guestMss);
      const at = c.start + inFlight;
      const h = { seq: c.sndNxt, ack: c.rcvNxt, flags: ACK | PSH };
      this.send(c, h, c.buf.subarray(at, at + n), n > c.guestMss ? c.guestMss : 0);
      c.sndNxt = (c.sndNxt + n) >>> 0;
      c.ackSentByPump = true;
    }
    if (c.hostEof && !c.finSent && seqDiff(c.sndNxt, c.sndUna) === c.len) {
      this.send(c, { seq: c.sndNxt, ack: c.rcvNxt, flags: FIN | ACK });
      c.sndNxt = (c.sndNxt + 1) >>> 0;
      c.finSent = true;
      c.ackSentByPump = true;
    }
  }

  private write(c: Conn, data: Uint8Array): void {
    const socket = c.socket!;
    c.writeQueued += data.length;
    this.buffered += data.length;
    if (this.window(c) < c.guestMss) c.windowClosed = true;
    c.writing = c.writing.then(async () => {
      if (c.closed) return;
      try {
        for (let off = 0; off < data.length;) off += await socket.write(data.subarray(off));
      } catch {
        this.abort(c);
        return;
      }
      c.writeQueued -= data.length;
      this.buffered -= data.length;
      // Tell the guest the window opened again (it stopped sending when it closed).
      if (c.windowClosed && this.window(c) >= RECV_BUFFER / 2 && !c.closed) {
        c.windowClosed = false;
        this.sendAck(c);
      }
      this.maybeFinished(c);
    });
  }

  private async readLoop(c: Conn): Promise<void> {
    const socket = c.socket!;
    try {
      for (;;) {
        while (c.len >= c.buf.length && !c.closed) {
          if (c.buf.length < SEND_BUFFER && this.buffered + c.buf.length <= BUFFER_BUDGET) {
            // Data waits for the guest: a bigger buffer keeps more in flight.
            const bigger = new Uint8Array(c.buf.length * 2);
            bigger.set(c.buf.subarray(c.start, c.start + c.len));
            this.buffered += c.buf.length;
            c.buf = bigger;
            c.start = 0;
            break;
          }
          await new Promise<void>((r) => c.roomWaiter = r);
        }
        if (c.closed) return;
        if (c.start > 0) {
          // No read is pending here, so the bytes can move.
          c.buf.copyWithin(0, c.start, c.start + c.len);
          c.start = 0;
        }
        const n = await socket.read(c.buf.subarray(c.len));
        if (c.closed) return;
        if (n === null) {
          c.hostEof = true;
          this.pump(c);
          c.ackSentByPump = false;
          return;
        }
        c.len += n;
        this.pump(c);
        c.ackSentByPump = false;
      }
    } catch {
      this.abort(c);
    }
  }

  /** Retransmission, zero-window probes and lingering connections. */
  private tick(): void {
    const now = Date.now();
    for (const c of [...this.conns.values()]) {
      // A connect that hangs (an unreachable host), or a guest that never answers our SYN.
      if (!c.synAcked && now - c.created > this.handshakeMs) {
        this.drop(c, true);
        continue;
      }
      if (c.closingSince && now - c.closingSince > LINGER_MS) {
        this.drop(c, true);
        continue;
      }
      if (!c.socket) continue;
      const outstanding = seqDiff(c.sndNxt, c.sndUna) > 0 ||
        (c.synAcked && c.guestWindow === 0 && c.len > 0);
      if (!outstanding || now - c.lastProgress < RTO_MS) continue;
      c.lastProgress = now;
      if (!c.synAcked) {
        this.sendSynAck(c);
        continue;
      }
      // Go back to the first unacknowledged byte; a closed window gets a one-byte probe.
      this.retransmits++;
      c.sndNxt = c.sndUna;
      if (c.finSent && !c.finAcked) c.finSent = false;
      if (c.guestWindow === 0 && c.len > 0) {
        this.send(
          c,
          { seq: c.sndUna, ack: c.rcvNxt, flags: ACK },
          c.buf.subarray(c.start, c.start + 1),
        );
        c.sndNxt = (c.sndUna + 1) >>> 0;
      } else {
        this.pump(c);
      }
      c.ackSentByPump = false;
    }
    if (this.conns.size === 0) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private startTicker(): void {
    this.ticker ??= setInterval(() => this.tick(), TICK_MS);
  }

  /** Both directions finished: forget the connection. */
  private maybeFinished(c: Conn): void {
    if (c.closed) return;
    if (c.guestFin || c.finSent) c.closingSince ||= Date.now();
    if (c.guestFin && c.finAcked && c.writeQueued === 0) this.drop(c, false);
  }

  /** The host socket failed: reset the guest's connection. */
  private abort(c: Conn): void {
    if (c.closed) return;
    this.drop(c, true);
  }

  private drop(c: Conn, reset: boolean): void {
    if (c.closed) return;
    if (reset) this.send(c, { seq: c.sndNxt, ack: c.rcvNxt, flags: RST | ACK });
    this.forget(c);
    try {
      c.socket?.close();
    } catch {
      // Already closed by the other side.
    }
  }

  private forget(c: Conn): void {
    if (!c.closed) {
      this.buffered -= c.buf.length;
      c.buf = new Uint8Array(0);
      c.start = c.len = 0;
    }
    c.closed = true;
    this.conns.delete(c.key);
    const w = c.roomWaiter;
    c.roomWaiter = null;
    w?.();
  }

  private sendAck(c: Conn): void {
    c.ackOwed = false;
    this.send(c, { seq: c.sndNxt, ack: c.rcvNxt, flags: ACK });
  }

  /**
   * Acknowledges guest data once the emulator yields to the event loop
   * rather than inside the guest's notify: one ACK then covers every segment
   * the guest sent meanwhile, so the guest handles fewer received frames
   * (an upload through busybox nc sends 8 KiB frames; see docs/devices.md).
   * The delay is one turn of the event loop, far below the guest's RTO.
   */
  private ackLater(c: Conn): void {
    if (c.ackOwed) return;
    c.ackOwed = true;
    this.owed.push(c);
    if (this.owed.length > 1) return;
    setTimeout(() => {
      const owed = this.owed;
      this.owed = [];
      for (const o of owed) if (o.ackOwed && !o.closed) this.sendAck(o);
    }, 0);
  }

  private send(
    c: Conn,
    h: { seq: number; ack: number; flags: number; mss?: number; wscale?: number },
    payload?: Uint8Array,
    gsoSize = 0,
  ): void {
    // Window fields are scaled once both SYNs offered it, never in a SYN itself.
    const w = this.window(c);
    const window = c.scaled && !(h.flags & SYN) ? w >> OUR_WSCALE : Math.min(w, 0xffff);
    const partial = this.host.partialChecksum?.() ?? false;
    const seg = buildTcp(
      c.remoteIp,
      this.host.guestIp,
      {
        srcPort: c.remotePort,
        dstPort: c.guestPort,
        window,
        ...h,
      },
      payload,
      partial,
      this.host.headroom,
    );
    this.host.toGuest(c.remoteIp, seg, gsoSize, partial);
  }

  /** The RST answering a segment that belongs to no connection (RFC 9293 §3.10.7.1). */
  private rstFor(src: number, seg: TcpSegment): void {
    const len = seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
    const h = seg.flags & ACK
      ? { seq: seg.ack, ack: 0, flags: RST }
      : { seq: 0, ack: (seg.seq + len) >>> 0, flags: RST | ACK };
    const out = buildTcp(
      src,
      this.host.guestIp,
      {
        srcPort: seg.dstPort,
        dstPort: seg.srcPort,
        window: 0,
        ...h,
      },
      undefined,
      false,
      this.host.headroom,
    );
    this.host.toGuest(src, out);
  }
}
