/**
 * `--web [HOST:PORT]`: where the web console listens. 127.0.0.1:8080 unless
 * told; a non-loopback address only when the user gives one.
 */

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
export function webNetPermission(a: WebAddress): string {
  return `${a.hostname.includes(":") ? `[${a.hostname}]` : a.hostname}:${a.port}`;
}
