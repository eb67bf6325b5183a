/**
 * `--web [HOST:PORT]`: where the web console listens (127.0.0.1:8080 unless
 * told; a non-loopback address only when given), the permission it needs,
 * and starting it with one clear line for each way that can fail.
 */
import { WebConsole } from "./server.ts";

export const DEFAULT_WEB_HOST = "127.0.0.1";
export const DEFAULT_WEB_PORT = 8080;

export interface WebAddress {
  hostname: string;
  port: number;
}

/** "" (the default), "PORT", ":PORT", "HOST:PORT" or "[IPV6]:PORT". */
export function parseWebAddress(text: string): WebAddress {
  if (text === "") return { hostname: DEFAULT_WEB_HOST, port: DEFAULT_WEB_PORT };
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):)?(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new Error(`--web: '${text}' is not HOST:PORT (e.g. 127.0.0.1:8080, or a port)`);
  }
  const host = m[1] ? m[1].replace(/^\[|\]$/g, "") : DEFAULT_WEB_HOST;
  return { hostname: host, port };
}

/** The --allow-net value a listener on this address needs. */
function netPermission(a: WebAddress): string {
  return `${a.hostname.includes(":") ? `[${a.hostname}]` : a.hostname}:${a.port}`;
}

/** Starts the web console; resolves once it listens. */
export async function openWebConsole(
  address: WebAddress,
): Promise<{ web: WebConsole; url: URL }> {
  const perm = netPermission(address);
  const status = await Deno.permissions.query({ name: "net", host: perm });
  if (status.state !== "granted") {
    throw new Error(`the web console on ${perm} needs --allow-net=${perm}`);
  }
  const web = new WebConsole(address);
  try {
    return { web, url: await web.listen() };
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) {
      throw new Error(`--web ${perm}: the address is already in use (pick another port)`);
    }
    if (e instanceof Deno.errors.AddrNotAvailable) {
      throw new Error(`--web ${perm}: no such address on this host`);
    }
    throw new Error(`--web ${perm}: ${(e as Error).message}`);
  }
}
