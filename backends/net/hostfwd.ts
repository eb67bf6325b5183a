/**
 * Host port forwarding (QEMU's hostfwd): a Deno.listen socket on the host
 * whose connections are carried to a port of the guest. The spec is
 * `tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT`; the host address
 * defaults to 127.0.0.1 so nothing outside the host can reach the guest
 * unless asked for.
 */

export interface HostForward {
  hostAddress: string;
  hostPort: number;
  guestPort: number;
}

/** Parses a `--hostfwd` value; throws with a message naming the expected form. */
export function parseHostForward(text: string): HostForward {
  const m = /^tcp:([^:]*):(\d+)-(?:10\.0\.2\.15)?:(\d+)$/.exec(text);
  const port = (s: string) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`bad port ${s}`);
    return n;
  };
  try {
    if (!m) throw new Error("bad form");
    return { hostAddress: m[1] || "127.0.0.1", hostPort: port(m[2]), guestPort: port(m[3]) };
  } catch {
    throw new Error(
      `--hostfwd: expected tcp:[HOSTADDR]:HOSTPORT-:GUESTPORT (e.g. tcp:127.0.0.1:8022-:22), got '${text}'`,
    );
  }
}

/**
 * Listens for one forward. Errors (a port in use, a missing --allow-net)
 * are thrown as one line naming the flag.
 */
export function listenForward(f: HostForward): Deno.TcpListener {
  try {
    return Deno.listen({ hostname: f.hostAddress, port: f.hostPort });
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new Error(
        `forwarding ${f.hostAddress}:${f.hostPort} needs --allow-net=${f.hostAddress}:${f.hostPort}`,
      );
    }
    throw new Error(`cannot listen on ${f.hostAddress}:${f.hostPort}: ${(e as Error).message}`);
  }
}
