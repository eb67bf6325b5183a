/**
 * `--sandbox` as a user meets it: limits end a spinning guest with the
 * documented status, a guest's disk writes never reach the host file, and
 * what the sandbox refuses is one line before anything runs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { EXIT_LIMIT, EXIT_POWEROFF, EXIT_USAGE } from "../backends/process/exit_status.ts";
import { parseFlags } from "../backends/process/permissions.ts";
import { PROMPT } from "./support/boot.ts";
import { runMain, runMainToEnd, withTempDir } from "./support/cli_run.ts";
import { makeElf } from "./support/tiny_elf.ts";
import { EMBEDDED_IMAGE_DIR } from "../backends/image/embedded_image.ts";

/** Runs a guest that spins forever (`nop; j .`) under --sandbox with `limit`. */
async function spin(limit: string[]) {
  let result: { code: number; stderr: string } | undefined;
  await withTempDir(async (dir) => {
    const elf = join(dir, "spin.elf");
    await Deno.writeFile(elf, makeElf());
    result = await runMainToEnd([`--allow-read=${elf}`], ["--sandbox", "--elf", elf, ...limit]);
  });
  return result!;
}

Deno.test("sandbox: the time limit ends a spinning guest with status 124", async () => {
  const r = await spin(["--timeout", "1"]);
  assert.equal(r.code, EXIT_LIMIT, r.stderr);
  assert.equal(r.stderr, "demu: stopped after 1 s (--timeout)");
});

Deno.test("sandbox: the instruction limit ends a spinning guest with status 124", async () => {
  const r = await spin(["--max-insns", "2000000"]);
  assert.equal(r.code, EXIT_LIMIT, r.stderr);
  assert.equal(r.stderr, "demu: stopped after 2000000 instructions (--max-insns)");
});

Deno.test("sandbox: -rw is refused in one line", async () => {
  const r = await runMainToEnd(["--allow-read"], ["--sandbox", "--drive", "disk.img", "-rw"]);
  assert.equal(r.code, EXIT_USAGE);
  assert.equal(
    r.stderr,
    "demu: --sandbox: -rw is not allowed (disks are snapshots, or read-only with -ro)",
  );
});

Deno.test("sandbox: a user network is refused while the process holds all of the network", async () => {
  const r = await runMainToEnd(["--allow-read", "--allow-net"], ["--sandbox", "--net", "user"]);
  assert.equal(r.code, EXIT_USAGE);
  assert.match(r.stderr, /^demu: --sandbox: a --net user guest would reach every address/);
  assert.equal(r.stderr.split("\n").length, 1);
  // Scoped, it starts (and here stops at once on its instruction limit).
  const scoped = await runMainToEnd(["--allow-read", "--allow-net=127.0.0.1:8000"], [
    "--sandbox",
    "--net",
    "user",
    "--max-insns",
    "1000",
  ]);
  assert.equal(scoped.code, EXIT_LIMIT, scoped.stderr);
});

Deno.test("sandbox: a guest writing its rw disk leaves the host file as it was", async () => {
  await withTempDir(async (dir) => {
    const disk = join(dir, "disk.img");
    await Deno.writeFile(disk, new Uint8Array(64 * 1024));
    const cfg = join(dir, "vm.cfg");
    const image = (f: string) => JSON.stringify(join(EMBEDDED_IMAGE_DIR, f));
    await Deno.writeTextFile(
      cfg,
      `{ version: 1, machine: "riscv64", memory_size: 128, bios: ${image("fw_jump.bin")},
         kernel: ${image("Image")}, initrd: ${image("initramfs.cpio")},
         cmdline: "console=hvc0 earlycon=sbi", drive0: { file: "disk.img", mode: "rw" } }`,
    );
    const printed = await runMainToEnd([`--allow-read=${cfg}`], [
      cfg,
      "--sandbox",
      "--print-permissions",
    ]);
    const flags = parseFlags(printed.stdout);
    assert.ok(!flags.some((f) => f.startsWith("--allow-write")), printed.stdout);

    const vm = runMain(flags, [cfg, "--sandbox"]);
    await vm.console.waitFor(PROMPT);
    vm.console.type("echo guest-was-here | dd of=/dev/vda conv=fsync 2>/dev/null; sync\n");
    await vm.console.waitFor(PROMPT);
    vm.console.type("head -c 14 /dev/vda; echo\n");
    assert.match(await vm.console.waitFor(PROMPT), /guest-was-here/); // the guest sees its write
    vm.console.type("poweroff\n");
    const { code, stderr } = await vm.done;
    assert.equal(code, EXIT_POWEROFF, stderr);
    assert.match(stderr, /sandbox: drive0 is a snapshot/);
    assert.deepEqual(await Deno.readFile(disk), new Uint8Array(64 * 1024)); // the host's is not
  });
});
