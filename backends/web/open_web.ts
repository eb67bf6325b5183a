/**
 * Starts the web console for `--web`, with one clear line for each way that
 * can fail (permission, address in use, no such address).
 */
import { type WebAddress, webNetPermission } from "./address.ts";
import { WebConsole } from "./server.ts";

/** Starts the web console; resolves once it listens. */
export async function openWebConsole(
  address: WebAddress,
): Promise<{ web: WebConsole; url: URL }> {
  const perm = webNetPermission(address);
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
