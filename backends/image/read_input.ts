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

/**
 * A local file's bytes, read into a buffer of its size: Deno.readFile took
 * 50-90 ms for the default image's 6 MB here, this 30-50 ms (docs/speed.md,
 * "Process start to the prompt"). Pipes and devices, whose size is unknown, and
 * a file that grew meanwhile are read with Deno.readFile.
 */
async function readLocal(path: string): Promise<Uint8Array> {
  using file = await Deno.open(path);
  const info = await file.stat();
  if (!info.isFile) return await Deno.readFile(path);
  const bytes = new Uint8Array(info.size);
  let at = 0;
  while (at < bytes.length) {
    const n = await file.read(bytes.subarray(at));
    if (n === null) return bytes.slice(0, at);
    at += n;
  }
  if ((await file.read(new Uint8Array(1))) !== null) return await Deno.readFile(path);
  return bytes;
}

/** Reads a file the guest needs (a path or an http(s) URL). */
export async function readInput(path: string, what: string): Promise<Uint8Array> {
  if (isUrl(path)) return await fetchInput(path, what);
  try {
    return await readLocal(path);
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
