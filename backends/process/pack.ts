/**
 * `deno task pack`: demu as one executable file without `deno compile`, for
 * machines where Deno's denort runtime cannot be downloaded. The file is a
 * small POSIX shell stub followed by a gzipped tar of the Deno binary running
 * this script, demu's source, the npm files it needs at run time (xterm.js,
 * as plain files under vendor/ with an import map of their own, so Deno's npm
 * resolver and the registry are never involved) and the staged default image
 * (images/default).
 * On its first run it unpacks once into the user's cache (keyed by the
 * payload's hash, so a new build unpacks anew) and then starts demu through
 * `backends/process/launch.ts`, so the emulator runs with only the permissions its machine
 * needs, as `deno task start` does. It needs /bin/sh, tail, tar and gzip.
 *
 *   deno run --allow-read --allow-write --allow-run backends/process/pack.ts OUTPUT
 */
import { basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
/** What demu needs at run time, relative to the repository. */
const SOURCES = [
  "main.ts",
  "core",
  "devices",
  "board",
  "backends",
  "images/default",
];
/** The modules whose npm packages are fetched (checked against deno.lock) to be packed. */
const ENTRY_POINTS = ["main.ts", "backends/web/open_web.ts"];
/**
 * The npm imports of deno.json that demu loads at run time (xterm.js for --web); the others
 * are for tests. Packed as plain files: a Deno cache would need the package's registry
 * metadata too, which `deno cache` does not always write, and then the packed run fetches it.
 */
const RUNTIME_PACKAGES = ["@xterm/xterm"];
/** Width of the payload offset in the stub, so the stub's length does not depend on it. */
const OFFSET_DIGITS = 12;

function stub(key: string, denoName: string, offset: string): string {
  return `#!/bin/sh
# demu, packed: Deno, demu's source and its default image in one file (backends/process/pack.ts).
# The first run unpacks into \${XDG_CACHE_HOME:-$HOME/.cache}/demu/packed/${key}.
set -e
base="\${XDG_CACHE_HOME:-\${HOME:-/tmp}/.cache}/demu/packed"
dir="$base/${key}"
if [ ! -f "$dir/.complete" ]; then
  mkdir -p "$base"
  tmp="$(mktemp -d "$base/.unpack.XXXXXX")"
  tail -c +${offset} "$0" | tar -xzf - -C "$tmp"
  touch "$tmp/.complete"
  if [ -d "$dir" ]; then rm -rf "$tmp"; else mv "$tmp" "$dir"; fi
fi
export DENO_DIR="$dir/.deno" DENO_NO_UPDATE_CHECK=1
exec "$dir/${denoName}" run --no-prompt --allow-read --allow-env=DEMU_CACHE,HOME --allow-run \\
  "$dir/backends/process/launch.ts" "$@"
`;
}

/** Writes the packed executable to `output`. */
export async function pack(output: string): Promise<void> {
  for (const f of ["fw_jump.bin", "Image", "initramfs.cpio"]) {
    try {
      await Deno.stat(`${REPO}images/default/${f}`);
    } catch {
      throw new Error(`images/default/${f} is missing: run \`bash images/bundle.sh\` first`);
    }
  }
  const deno = Deno.execPath();
  const staging = await Deno.makeTempDir();
  try {
    const cache = await new Deno.Command(deno, {
      args: ["cache", "--quiet", ...ENTRY_POINTS],
      cwd: REPO,
      env: { DENO_DIR: `${staging}/.deno` },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!cache.success) {
      throw new Error(`caching the npm packages failed: ${new TextDecoder().decode(cache.stderr)}`);
    }
    await vendorRuntimePackages(staging);
    const tar = await new Deno.Command("tar", {
      args: [
        "-czf",
        "-",
        "-C",
        REPO,
        ...SOURCES,
        "-C",
        staging,
        "deno.json",
        "vendor",
        "-C",
        dirname(deno),
        basename(deno),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!tar.success) throw new Error(`tar failed: ${new TextDecoder().decode(tar.stderr)}`);
    await write(output, tar.stdout, basename(deno));
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}

/**
 * Copies each runtime npm package from the staging Deno cache to staging/vendor/NAME and
 * writes staging/deno.json, the packed demu's config: an import map to those folders.
 */
async function vendorRuntimePackages(staging: string): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(`${REPO}deno.json`));
  const imports: Record<string, string> = {};
  const registries = [...Deno.readDirSync(`${staging}/.deno/npm`)].filter((e) => e.isDirectory);
  for (const name of RUNTIME_PACKAGES) {
    const specifier: string = config.imports?.[name] ?? "";
    const version = specifier.startsWith(`npm:${name}@`) ? specifier.slice(name.length + 5) : "";
    const from = registries.map((r) => `${staging}/.deno/npm/${r.name}/${name}/${version}`)
      .find((dir) => version && isDirectory(dir));
    if (!from) throw new Error(`deno.json's ${name} (${specifier || "missing"}) was not fetched`);
    const to = `${staging}/vendor/${name}`;
    await Deno.mkdir(dirname(to), { recursive: true });
    await Deno.rename(from, to);
    imports[`${name}/`] = `./vendor/${name}/`;
  }
  await Deno.writeTextFile(`${staging}/deno.json`, JSON.stringify({ imports, lock: false }));
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** The stub (with the payload's hash and offset) followed by the payload. */
async function write(
  output: string,
  payload: Uint8Array<ArrayBuffer>,
  denoName: string,
): Promise<void> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", payload));
  const key = [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const placeholder = "0".repeat(OFFSET_DIGITS);
  const length = new TextEncoder().encode(stub(key, denoName, placeholder)).length;
  // tail -c +N starts at byte N, counting from 1.
  const offset = String(length + 1).padStart(OFFSET_DIGITS, "0");
  const head = new TextEncoder().encode(stub(key, denoName, offset));
  const file = await Deno.open(output, { write: true, create: true, truncate: true, mode: 0o755 });
  try {
    await file.write(head);
    for (let at = 0; at < payload.length;) at += await file.write(payload.subarray(at));
  } finally {
    file.close();
  }
  await Deno.chmod(output, 0o755);
}

if (import.meta.main) {
  const output = Deno.args[0];
  if (!output || Deno.args.length !== 1) {
    console.error(
      "usage: deno run --allow-read --allow-write --allow-run backends/process/pack.ts OUTPUT",
    );
    Deno.exit(2);
  }
  try {
    await pack(output);
  } catch (e) {
    console.error(`pack: ${(e as Error).message}`);
    Deno.exit(1);
  }
  console.error(`pack: wrote ${output} (${((await Deno.stat(output)).size / 1e6).toFixed(1)} MB)`);
}
