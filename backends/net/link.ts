/**
 * Socket links between VMs, framed as QEMU's `-netdev stream` and
 * `-netdev dgram` do, so two demu instances (or demu and QEMU) share one
 * Ethernet segment:
 * - stream: a TCP connection, each frame prefixed with its 4-byte big-endian
 *   length. One side listens (and accepts the next peer when one leaves),
 *   the other connects (and retries each second until it gets through).
 * - dgram: one frame per UDP datagram between two fixed addresses.
 * Frames the guest sends while no peer is there are dropped, as on a cable.
 */
import type { Socket } from "node:dgram";
import { nodeDgram } from "../../core/node_builtin.ts";
import type { EthernetBackend, EthernetPort } from "../../devices/ethernet_backend.ts";

/** Largest frame accepted from a peer (a 64 KiB frame is already far past any MTU). */
const MAX_LINK_FRAME = 65536;
/** Bytes queued for a slow stream peer before frames are dropped. */
const STREAM_QUEUE_BYTES = 1024 * 1024;
const RETRY_MS = 1000;

export interface Endpoint {
  hostname: string;
  port: number;
}

export type LinkSpec =
  | { kind: "stream"; mode: "listen" | "connect"; at: Endpoint }
  | { kind: "dgram"; local: Endpoint; remote: Endpoint };

function endpoint(text: string | undefined, what: string): Endpoint {
  const m = text ? /^([^:]+):(\d+)$/.exec(text) : null;
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new Error(`${what}: expected HOST:PORT`);
  return { hostname: m[1], port };
}

/**
 * Parses `stream,listen=HOST:PORT`, `stream,connect=HOST:PORT` or
 * `dgram,local=HOST:PORT,remote=HOST:PORT`; null when `text` names no link.
 */
export function parseLinkSpec(text: string): LinkSpec | null {
  const [kind, ...rest] = text.split(",");
  if (kind !== "stream" && kind !== "dgram") return null;
  const opts = new Map<string, string>();
  for (const r of rest) {
    const eq = r.indexOf("=");
    if (eq < 0) throw new Error(`network '${text}': expected key=value, got '${r}'`);
    opts.set(r.slice(0, eq), r.slice(eq + 1));
  }
  if (kind === "stream") {
    const listen = opts.get("listen");
    const connect = opts.get("connect");
    if ((listen === undefined) === (connect === undefined) || opts.size !== 1) {
      throw new Error(
        `network '${text}': expected stream,listen=HOST:PORT or stream,connect=HOST:PORT`,
      );
    }
    return listen !== undefined
      ? { kind, mode: "listen", at: endpoint(listen, "listen") }
      : { kind, mode: "connect", at: endpoint(connect, "connect") };
  }
  if (opts.size !== 2 || !opts.has("local") || !opts.has("remote")) {
    throw new Error(`network '${text}': expected dgram,local=HOST:PORT,remote=HOST:PORT`);
  }
  return {
    kind,
    local: endpoint(opts.get("local"), "local"),
    remote: endpoint(opts.get("remote"), "remote"),
  };
}

export function openLink(spec: LinkSpec): EthernetBackend & { readonly port: Promise<number> } {
  return spec.kind === "stream"
    ? new StreamLink(spec.mode, spec.at)
    : new DgramLink(spec.local, spec.remote);
}

function netError(e: unknown, at: Endpoint): Error {
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    return new Error(`the network link needs --allow-net=${at.hostname}:${at.port}`);
  }
  return new Error(`network link ${at.hostname}:${at.port}: ${(e as Error).message}`);
}

/** Splits a byte stream into length-prefixed frames. */
export class FrameReader {
  private buf = new Uint8Array(0);

  /** Adds bytes; returns the complete frames, or null when the peer sent an impossible length. */
  push(bytes: Uint8Array): Uint8Array[] | null {
    const joined = new Uint8Array(this.buf.length + bytes.length);
    joined.set(this.buf);
    joined.set(bytes, this.buf.length);
    const out: Uint8Array[] = [];
    let at = 0;
    while (joined.length - at >= 4) {
      const len = new DataView(joined.buffer, at, 4).getUint32(0);
      if (len > MAX_LINK_FRAME) return null;
      if (joined.length - at - 4 < len) break;
      out.push(joined.slice(at + 4, at + 4 + len));
      at += 4 + len;
    }
    this.buf = joined.slice(at);
    return out;
  }
}

export function frameForStream(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + frame.length);
  new DataView(out.buffer).setUint32(0, frame.length);
  out.set(frame, 4);
  return out;
}

class StreamLink implements EthernetBackend {
  private guest: EthernetPort | null = null;
  private conn: Deno.Conn | null = null;
  private listener: Deno.TcpListener | null = null;
  private closed = false;
  private queued = 0;
  private writing: Promise<void> = Promise.resolve();
  private running: Promise<void>;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private wakeRetry: (() => void) | null = null;
  readonly port: Promise<number>;

  constructor(mode: "listen" | "connect", private readonly at: Endpoint) {
    if (mode === "listen") {
      try {
        this.listener = Deno.listen({ hostname: at.hostname, port: at.port });
      } catch (e) {
        throw netError(e, at);
      }
      this.port = Promise.resolve((this.listener.addr as Deno.NetAddr).port);
      this.running = this.acceptLoop(this.listener);
    } else {
      const status = Deno.permissions.querySync({ name: "net", host: `${at.hostname}:${at.port}` });
      if (status.state !== "granted") throw netError(new Deno.errors.NotCapable(""), at);
      this.port = Promise.resolve(at.port);
      this.running = this.connectLoop();
    }
  }

  attach(port: EthernetPort): void {
    this.guest = port;
  }

  send(frame: Uint8Array): void {
    const conn = this.conn;
    if (!conn || this.queued > STREAM_QUEUE_BYTES) return;
    const bytes = frameForStream(frame);
    this.queued += bytes.length;
    this.writing = this.writing.then(async () => {
      try {
        for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
      } catch {
        // The peer left; the reader notices and cleans up.
      }
      this.queued -= bytes.length;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.wakeRetry?.();
    try {
      this.listener?.close();
    } catch {
      // Already closed.
    }
    try {
      this.conn?.close();
    } catch {
      // Already closed.
    }
    await this.running;
    await this.writing;
  }

  private async acceptLoop(listener: Deno.TcpListener): Promise<void> {
    try {
      for await (const conn of listener) {
        if (this.closed) {
          conn.close();
          break;
        }
        await this.serve(conn);
      }
    } catch {
      // The listener was closed.
    }
  }

  private async connectLoop(): Promise<void> {
    while (!this.closed) {
      try {
        const conn = await Deno.connect({ hostname: this.at.hostname, port: this.at.port });
        if (this.closed) {
          conn.close();
          break;
        }
        await this.serve(conn);
      } catch {
        // Not there yet: try again shortly.
      }
      if (this.closed) break;
      await new Promise<void>((r) => {
        this.wakeRetry = r;
        this.retry = setTimeout(r, RETRY_MS);
      });
    }
  }

  /** Carries frames from one peer until it leaves. */
  private async serve(conn: Deno.Conn): Promise<void> {
    this.conn = conn;
    const reader = new FrameReader();
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        const frames = reader.push(buf.subarray(0, n));
        if (!frames) break;
        for (const f of frames) if (f.length >= 14) this.guest?.receive(f);
      }
    } catch {
      // Reset by the peer or closed by us.
    }
    this.conn = null;
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

class DgramLink implements EthernetBackend {
  private guest: EthernetPort | null = null;
  private readonly socket: Socket;
  private closed = false;
  readonly port: Promise<number>;

  constructor(local: Endpoint, private readonly remote: Endpoint) {
    for (const at of [local, remote]) {
      const s = Deno.permissions.querySync({ name: "net", host: `${at.hostname}:${at.port}` });
      if (s.state !== "granted") throw netError(new Deno.errors.NotCapable(""), at);
    }
    this.socket = nodeDgram().createSocket("udp4");
    this.socket.on("message", (msg: Uint8Array) => {
      if (msg.length < 14 || msg.length > MAX_LINK_FRAME) return;
      try {
        this.guest?.receive(new Uint8Array(msg));
      } catch {
        // Thrown from an event handler it would be uncaught; the frame is lost instead.
      }
    });
    this.socket.on("error", () => {});
    this.port = new Promise((resolve, reject) => {
      this.socket.once("error", (e: Error) => reject(netError(e, local)));
      this.socket.bind(local.port, local.hostname, () => resolve(this.socket.address().port));
    });
    this.port.catch(() => {});
  }

  attach(port: EthernetPort): void {
    this.guest = port;
  }

  send(frame: Uint8Array): void {
    if (this.closed) return;
    this.socket.send(frame, this.remote.port, this.remote.hostname, () => {});
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((r) => this.socket.close(() => r()));
  }
}
