/**
 * TinyEMU's own config files run unchanged: file names relative to the
 * config's folder (or URL, as JSLinux serves them), `${TZ}` in the command
 * line, `-append` adding to it and `-append '!...'` replacing it, and
 * TinyEMU's one-dash flags. Each case boots Linux through the real CLI and
 * reads the guest's /proc/cmdline.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { EMBEDDED_IMAGE_DIR } from "../backends/image/embedded_image.ts";
import { EXIT_POWEROFF } from "../backends/process/exit_status.ts";
import { parseFlags } from "../backends/process/permissions.ts";
import { PROMPT } from "./support/boot.ts";
import { type DemuProcess, LAUNCHER, runMain, runMainToEnd, spawnDemu } from "./support/cli_run.ts";

/** A JSLinux-style config: plain names next to it, the time zone from the host. */
const CONFIG = `/* TinyEMU / JSLinux style */
{
    version: 1,
    machine: "riscv64",
    memory_size: 128,
    bios: "fw_jump.bin",
    kernel: "Image",
    initrd: "initramfs.cpio",
    cmdline: "console=hvc0 earlycon=sbi TZ=\${TZ}",
}
`;

/** A folder holding the config and the image files it names. */
async function configFolder(): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const f of ["fw_jump.bin", "Image", "initramfs.cpio"]) {
    await Deno.copyFile(join(EMBEDDED_IMAGE_DIR, f), join(dir, f));
  }
  await Deno.writeTextFile(join(dir, "riscv64.cfg"), CONFIG);
  return dir;
}

/** Boots a started demu to its prompt; returns the guest's kernel command line. */
async function guestCmdline(vm: DemuProcess): Promise<string> {
  await vm.console.waitFor(PROMPT);
  vm.console.type("cat /proc/cmdline\n");
  const out = await vm.console.waitFor(PROMPT);
  vm.console.type("poweroff\n");
  const { code, stderr } = await vm.done;
  assert.equal(code, EXIT_POWEROFF, stderr);
  return out.split(/\r?\n/)[1].trim();
}

Deno.test("tinyemu cfg: names relative to the config's folder, -append '!' replaces, one-dash flags", async () => {
  const dir = await configFolder();
  try {
    // Run from another folder: the names resolve against the config's folder.
    const cfg = join(dir, "riscv64.cfg");
    const args = [cfg, "-no-accel", "-ctrlc", "-append", "!console=hvc0 earlycon=sbi replaced=1"];
    const printed = await runMainToEnd([`--allow-read=${cfg}`], [...args, "--print-permissions"]);
    assert.equal(printed.code, 0, printed.stderr);
    const replaced = await guestCmdline(runMain(parseFlags(printed.stdout), args));
    assert.equal(replaced, "console=hvc0 earlycon=sbi replaced=1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tinyemu cfg: a config served over HTTP, its files fetched next to it", async () => {
  const dir = await configFolder();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const name = new URL(req.url).pathname.replace(/^\/vm\//, "");
      try {
        return new Response(await Deno.readFile(join(dir, name.replaceAll("/", ""))));
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  try {
    const host = `127.0.0.1:${server.addr.port}`;
    const url = `http://${host}/vm/riscv64.cfg`;
    // Through deno task start's launcher, which plans with the config's host and runs the
    // emulator with --allow-net for it alone.
    const cmdline = await guestCmdline(
      spawnDemu(Deno.execPath(), [...LAUNCHER, url, "-append", "extra=1"]),
    );
    // ${TZ} became the host's offset as TinyEMU writes it; -append added to the line.
    assert.match(cmdline, /^console=hvc0 earlycon=sbi TZ=UTC[+-]\d\d:\d\d extra=1$/);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
