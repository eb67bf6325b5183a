/**
 * The control channel (`--monitor unix:PATH` or `--monitor tcp:HOST:PORT`):
 * a socket that takes the line-based JSON requests of protocol.ts. TCP is
 * for loopback addresses only, since whoever connects controls the machine;
 * a Unix socket is as private as its folder. Requests on one connection are
 * answered in order; a client that sends garbage gets error replies, and one
 * that sends an endless line is cut off.
 */
import { answer, greeting, MAX_REQUEST_BYTES, type MonitorTarget } from "./protocol.ts";

export type MonitorAddress =
  | { transport: "unix"; path: string }
  | { transport: "tcp"; hostname: string; port: number };

/** Parses `unix:PATH` or `tcp:HOST:PORT`; throws a one-line Error otherwise. */
export function parseMonitorAddress(text: string): MonitorAddress {
  if (text.startsWith("unix:") && text.length > 5) {
    return { transport: "unix", path: text.slice(5) };
  }
  const m = /^tcp:(\[[0-9a-fA-F:.]+\]|[\w.-]+):(\d{1,5})$/.exec(text);
  if (m) {
    const hostname = m[1].replace(/^\[|\]$/g, "");
    const port = Number(m[2]);
    if (port > 65535) throw new Error(`--monitor: port ${port} is out of range`);
    if (!isLoopback(hostname)) {
      throw new Error(
        `--monitor: ${hostname} is not a loopback address (whoever connects controls the VM)`,
      );
    }
    return { transport: "tcp", hostname, port };
  }
  throw new Error(`--monitor: expected unix:PATH or tcp:HOST:PORT, not '${text}'`);
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The Deno permissions the address needs: net of host:port, or for a Unix
 * socket read and write of its path and net of `unix:PATH` (Deno asks for all three).
 */
export function monitorPermissions(
  a: MonitorAddress,
): { kind: "net" | "read" | "write"; value: string }[] {
  if (a.transport === "unix") {
    return [
      { kind: "read", value: a.path },
      { kind: "write", value: a.path },
      { kind: "net", value: `unix:${a.path}` },
    ];
  }
  const host = a.hostname.includes(":") ? `[${a.hostname}]` : a.hostname;
  return [{ kind: "net", value: `${host}:${a.port}` }];
}

export class MonitorServer {
  private readonly conns = new Set<Deno.Conn>();
  private closed = false;

  private constructor(
    private readonly listener: Deno.Listener,
    readonly address: string,
    private readonly socketPath?: string,
  ) {}

  /** Listens at `a`; requests go to `target`. */
  static open(a: MonitorAddress, target: MonitorTarget): MonitorServer {
    let listener: Deno.Listener;
    if (a.transport === "unix") {
      try {
        // A socket file left by an earlier run would make listen fail; only a socket is removed.
        if (Deno.lstatSync(a.path).isSocket) Deno.removeSync(a.path);
      } catch { /* not there */ }
      listener = Deno.listen({ transport: "unix", path: a.path });
    } else listener = Deno.listen({ hostname: a.hostname, port: a.port });
    const addr = listener.addr;
    const shown = addr.transport === "unix"
      ? `unix:${addr.path}`
      : `tcp:${(addr as Deno.NetAddr).hostname}:${(addr as Deno.NetAddr).port}`;
    const server = new MonitorServer(listener, shown, a.transport === "unix" ? a.path : undefined);
    server.accept(target);
    return server;
  }

  private async accept(target: MonitorTarget): Promise<void> {
    try {
      for await (const conn of this.listener) {
        this.conns.add(conn);
        this.serve(conn, target).finally(() => this.conns.delete(conn));
      }
    } catch {
      // The listener was closed.
    }
  }

  private async serve(conn: Deno.Conn, target: MonitorTarget): Promise<void> {
    const encoder = new TextEncoder();
    const send = async (reply: unknown) => {
      const bytes = encoder.encode(JSON.stringify(reply) + "\n");
      for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
    };
    const decoder = new TextDecoder();
    let pending = "";
    try {
      await send(greeting());
      const buf = new Uint8Array(16 * 1024);
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        pending += decoder.decode(buf.subarray(0, n), { stream: true });
        let nl;
        while ((nl = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (line !== "") await send(await answer(line, target));
        }
        if (pending.length > MAX_REQUEST_BYTES) {
          await send({ error: { class: "GenericError", desc: "request line too long" } });
          break;
        }
      }
    } catch {
      // The client went away mid-reply.
    } finally {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.listener.close();
    } catch { /* already closed */ }
    for (const c of this.conns) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    if (this.socketPath !== undefined) {
      try {
        Deno.removeSync(this.socketPath);
      } catch { /* already gone, or write was dropped */ }
    }
  }
}
