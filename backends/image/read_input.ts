/**
 * Reads the files a machine boots from (config, firmware, kernel, initrd, an
 * ELF program), from the host or over http(s) as TinyEMU and JSLinux configs
 * name them, with every host error as one line naming the file and, for a
 * missing permission, the Deno flag.
 */
import { isUrl } from "../url.ts";

/** Fetches a file given as an http(s) URL. */
async function fetchInput(url: string, what: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) {
      throw new Error(`reading the ${what} '${url}' needs --allow-net=${new URL(url).host}`);
    }
    throw new Error(`cannot reach the ${what} '${url}': ${(e as Error).message}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`cannot fetch the ${what} '${url}': HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** Reads a file the guest needs (a path or an http(s) URL). */
export async function readInput(path: string, what: string): Promise<Uint8Array> {
  if (isUrl(path)) return await fetchInput(path, what);
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${what} '${path}' not found`);
    if (e instanceof Deno.errors.NotCapable) {
      throw new Error(`reading the ${what} '${path}' needs --allow-read`);
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new Error(`cannot read the ${what} '${path}': permission denied by the host`);
    }
    if (e instanceof Deno.errors.IsADirectory) throw new Error(`${what} '${path}' is a directory`);
    throw new Error(`cannot read the ${what} '${path}': ${(e as Error).message}`);
  }
}
