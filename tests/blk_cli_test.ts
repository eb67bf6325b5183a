/**
 * Disk options on the command line: each mistake or missing Deno permission
 * is one `demu: ...` line naming the fix, with exit status 2.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultImageDir } from "../backends/image/image_cache.ts";

const KERNEL = join(defaultImageDir(), "Image");

async function expectError(permissions: string[], args: string[], message: RegExp) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...permissions, "main.ts", "--kernel", KERNEL, ...args],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.equal(out.code, 2, stderr);
  assert.equal(stderr.split("\n").length, 1, stderr);
  assert.match(stderr, message);
}

Deno.test("blk cli: bad disks and missing permissions are one clear line", async () => {
  const dir = await Deno.makeTempDir();
  const good = join(dir, "good.img");
  const odd = join(dir, "odd.img");
  await Deno.writeFile(good, new Uint8Array(8192));
  await Deno.writeFile(odd, new Uint8Array(1000));
  try {
    await expectError(["--allow-read"], ["--drive", good, "-rw"], /read-write needs --allow-write/);
    await expectError(
      [`--allow-read=${KERNEL}`],
      ["--drive", good],
      /'.*good.img' needs --allow-read/,
    );
    await expectError(["--allow-read"], ["--drive", odd], /1000 bytes, not a whole number of 512/);
    await expectError(["--allow-read"], ["--drive", join(dir, "none.img")], /not found/);
    await expectError(["--allow-read"], ["--drive", good, "-rw", "-ro"], /cannot be used together/);
    await expectError(
      ["--allow-read"],
      ["--drive", good, "--overlay", join(dir, "x.ovl")],
      /overlay '.*x.ovl' read-write needs --allow-write/,
    );
    await expectError(
      ["--allow-read"],
      ["--overlay", join(dir, "x.ovl")],
      /--overlay needs a drive/,
    );
    await expectError(
      ["--allow-read"],
      ["--drive", "http://127.0.0.1:8999/x.img"],
      /needs --allow-net=127.0.0.1:8999/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
