/**
 * `--gdb [HOST:]PORT`: a GDB remote-protocol server on a TCP port (loopback
 * unless a host is given), one client at a time; `-S` holds the machine at
 * its first instruction until a client continues it. A client that goes
 * away without detaching leaves the guest running, with its points removed.
 */
import { DebugControl } from "../../core/debugger.ts";
import type { Machine, MachineExit } from "../../board/machine.ts";
import { PacketDecoder } from "./gdb_packets.ts";
import { GdbSession } from "./gdb_session.ts";

export const DEFAULT_GDB_HOST = "127.0.0.1";

export interface GdbAddress {
  hostname: string;
  port: number;
  /** The host was written out (the sandbox accepts only that). */
  explicitHost: boolean;
}

/** "PORT", ":PORT", "HOST:PORT", "[IPV6]:PORT", or QEMU's "tcp::PORT" / "tcp:HOST:PORT". */
export function parseGdbAddress(text: string): GdbAddress {
  const m = /^(?:tcp:)?(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):)?(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new Error(`--gdb: '${text}' is not [HOST:]PORT (e.g. 1234 or 127.0.0.1:1234)`);
  }
  const host = m[1] ? m[1].replace(/^\[|\]$/g, "") : "";
  return { hostname: host || DEFAULT_GDB_HOST, port, explicitHost: host !== "" };
}

/** The --allow-net value the stub's listener needs. */
export function gdbNetPermission(a: GdbAddress): string {
  return `${a.hostname.includes(":") ? `[${a.hostname}]` : a.hostname}:${a.port}`;
}

export class GdbStub {
  private session: GdbSession | null = null;
  private conn: Deno.TcpConn | null = null;
  /** Writes to the client, in order. */
  private writing: Promise<void> = Promise.resolve();
  private readonly control: DebugControl;

  private constructor(
    private readonly machine: Machine,
    private readonly listener: Deno.TcpListener,
  ) {
    this.control = new DebugControl(machine.hart, () => machine.wake());
    machine.debug = this.control;
  }

  /** Listens; with `paused` the machine waits for a client before its first instruction. */
  static open(machine: Machine, address: GdbAddress, paused: boolean): GdbStub {
    const listener = Deno.listen({ hostname: address.hostname, port: address.port });
    const stub = new GdbStub(machine, listener);
    if (paused) stub.control.pause();
    stub.acceptLoop();
    return stub;
  }

  /** Where it listens (port 0 picks a free one). */
  get address(): Deno.NetAddr {
    return this.listener.addr;
  }

  private async acceptLoop(): Promise<void> {
    try {
      for await (const conn of this.listener) {
        if (this.conn) { // one debugger at a time
          conn.close();
          continue;
        }
        this.serve(conn);
      }
    } catch {
      // the listener was closed
    }
  }

  private async serve(conn: Deno.TcpConn): Promise<void> {
    this.conn = conn;
    conn.setNoDelay(true);
    this.writing = Promise.resolve();
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      this.writing.finally(() => {
        try {
          conn.close();
        } catch {
          // already closed by the peer
        }
      });
    };
    const session = new GdbSession(this.machine, this.control, {
      send: (bytes) => {
        if (!open) return;
        this.writing = this.writing.then(() => writeAll(conn, bytes)).catch(() => {});
      },
      close,
    });
    this.session = session;
    const decoder = new PacketDecoder();
    const buf = new Uint8Array(65536);
    try {
      while (open) {
        const n = await conn.read(buf);
        if (n === null) break;
        session.receive(decoder.push(buf.subarray(0, n)));
      }
    } catch {
      // a reset connection is a disconnect
    }
    session.disconnected();
    close();
    if (this.session === session) this.session = null;
    this.conn = null;
  }

  /** The run ended: tell a connected client and stop listening. */
  async close(exit: MachineExit): Promise<void> {
    this.session?.exited(exit.reason === "poweroff" ? exit.code : 0);
    try {
      this.listener.close();
    } catch {
      // closed already
    }
    const conn = this.conn;
    if (conn) {
      await this.writing; // the W packet goes out first
      try {
        conn.close();
      } catch {
        // the client left first
      }
    }
  }
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}
