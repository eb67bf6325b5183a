/**
 * Least privilege as a user meets it: `--print-permissions` derives the flags
 * from a config, those flags are enough to start, one fewer is one line naming
 * it, `deno task start`'s launcher runs the emulator with only those flags,
 * and the kinds a machine does not use are dropped at start.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { EMBEDDED_IMAGE_DIR } from "../backends/image/embedded_image.ts";
import { EXIT_LIMIT, EXIT_USAGE } from "../backends/process/exit_status.ts";
import { parseFlags } from "../backends/process/permissions.ts";
import {
  LAUNCHER,
  processesWith,
  REPO,
  runMainToEnd,
  spawnDemu,
  uniqueMarker,
  withTempDir,
} from "./support/cli_run.ts";

const IMAGE = ["fw_jump.bin", "Image", "initramfs.cpio"].map((f) => join(EMBEDDED_IMAGE_DIR, f));

const CONFIG = `{
  version: 1, machine: "riscv64", memory_size: 64,
  bios: "fw.bin", kernel: "k.bin",
  drive0: { file: "root.img", mode: "rw" },
  drive1: { file: "data.img", overlay: "data.ovl" },
  drive2: { url: "http://127.0.0.1:8999/x.img" },
  fs0: { file: "share", tag: "s" },
  fs1: { file: "/srv/ro", tag: "r", ro: true },
  eth0: { driver: "user" },
  eth1: { driver: "stream,connect=127.0.0.1:5555" },
}`;

Deno.test("permissions: --print-permissions derives the flags from the config", async () => {
  await withTempDir(async (dir) => {
    const cfg = join(dir, "vm.cfg");
    await Deno.writeTextFile(cfg, CONFIG);
    const r = await runMainToEnd([`--allow-read=${cfg}`], [
      cfg,
      "--hostfwd",
      "tcp::8022-:22",
      "--print-permissions",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const f = (name: string) => join(dir, name);
    assert.equal(
      r.stdout.trim(),
      `--allow-read=${cfg},${f("fw.bin")},${f("k.bin")},${f("root.img")},${f("data.img")},` +
        `${f("data.ovl")},${f("share")},/srv/ro ` +
        `--allow-write=${f("root.img")},${f("data.ovl")},${f("share")} ` +
        "--allow-net=127.0.0.1:8999,127.0.0.1:8022,127.0.0.1:5555",
    );
  });
});

Deno.test("permissions: under --sandbox, no write but the overlay and no network", async () => {
  await withTempDir(async (dir) => {
    const cfg = join(dir, "vm.cfg");
    await Deno.writeTextFile(cfg, CONFIG);
    const r = await runMainToEnd([`--allow-read=${cfg}`], [
      cfg,
      "--sandbox",
      "--print-permissions",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const flags = parseFlags(r.stdout);
    assert.deepEqual(flags.filter((x) => !x.startsWith("--allow-read=")), [
      `--allow-write=${join(dir, "data.ovl")}`,
      "--allow-net=127.0.0.1:8999", // the read-only HTTP disk; the link and the NAT are gone
    ]);
    assert.match(r.stderr, /sandbox: the config's network cards are left out/);
    assert.match(r.stderr, /sandbox: drive0 is a snapshot/);
    assert.match(r.stderr, /sandbox: the share 's' is read-only/);
  });
});

Deno.test("permissions: the printed flags start the machine; one fewer is one line", async () => {
  await withTempDir(async (dir) => {
    const disk = join(dir, "root.img");
    await Deno.writeFile(disk, new Uint8Array(64 * 1024));
    const args = ["--drive", disk, "-rw", "--max-insns", "3000000"];
    const printed = await runMainToEnd(["--allow-read"], [...args, "--print-permissions"]);
    assert.equal(printed.code, 0, printed.stderr);
    const flags = parseFlags(printed.stdout);
    assert.deepEqual(flags, [
      `--allow-read=${[...IMAGE, disk].join(",")}`,
      `--allow-write=${disk}`,
    ]);

    const run = await runMainToEnd(flags, args);
    assert.equal(run.code, EXIT_LIMIT, run.stderr);
    assert.match(run.stderr, /stopped after 3000000 instructions \(--max-insns\)$/);

    const denied = await runMainToEnd(flags.filter((x) => !x.startsWith("--allow-write")), args);
    assert.equal(denied.code, EXIT_USAGE);
    assert.equal(
      denied.stderr,
      `demu: opening the drive '${disk}' read-write needs --allow-write=${disk}`,
    );
  });
});

Deno.test("permissions: a missing image permission stops demu before it starts", async () => {
  const [bios, kernel, initrd] = IMAGE;
  const r = await runMainToEnd([`--allow-read=${bios},${kernel}`], [
    "--bios",
    bios,
    "--kernel",
    kernel,
    "--initrd",
    initrd,
  ]);
  assert.equal(r.code, EXIT_USAGE);
  assert.equal(r.stderr, `demu: reading the initrd '${initrd}' needs --allow-read=${initrd}`);
  const none = await runMainToEnd([], []);
  assert.equal(none.code, EXIT_USAGE);
  assert.equal(
    none.stderr,
    `demu: the default image needs --allow-read=${EMBEDDED_IMAGE_DIR} ` +
      "(or --allow-env=DEMU_CACHE,HOME to use the build cache)",
  );
});

Deno.test({
  name: "permissions: the launcher (deno task start) runs the emulator with only its flags",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const { args, marker } = uniqueMarker();
    // --cold: a boot, not the default image's prompt snapshot (tests/pack_test.ts has that).
    const launcher = spawnDemu(Deno.execPath(), [...LAUNCHER, ...args, "--cold"]);
    await launcher.console.waitFor("Linux version");
    let emulator: string[] | undefined;
    for (let i = 0; i < 200 && !emulator; i++) {
      emulator = (await processesWith(marker)).find((argv) =>
        !argv.includes("--print-permissions")
      );
      if (!emulator) await new Promise((r) => setTimeout(r, 50));
    }
    launcher.kill("SIGTERM");
    const status = await launcher.done;
    assert.ok(emulator, "the emulator process was not seen");
    const flags = emulator.filter((a) => a.startsWith("--allow-"));
    assert.deepEqual(flags, [`--allow-read=${IMAGE.join(",")}`]);
    // SIGTERM reached the emulator through the launcher: a clean stop, status 0.
    assert.equal(status.code, 0, status.stderr);
  },
});

Deno.test("permissions: kinds a machine does not use are dropped at start", async () => {
  const probe = `
    import { dropUnneeded } from "${REPO}backends/process/permissions.ts";
    const needs = [{ kind: "read", value: "/etc/hostname", purpose: "reading" }];
    const dropped = dropUnneeded(needs, { network: false });
    const state = (d) => Deno.permissions.querySync(d).state;
    console.log(JSON.stringify({
      dropped,
      read: state({ name: "read", path: "/etc/hostname" }),
      write: state({ name: "write", path: "/tmp" }),
      net: state({ name: "net", host: "127.0.0.1:80" }),
      env: state({ name: "env", variable: "HOME" }),
      run: state({ name: "run", command: "sh" }),
    }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "-A", "--no-prompt", probe],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(r.dropped.sort(), ["env", "ffi", "net", "run", "sys", "write"]);
  assert.equal(r.read, "granted");
  for (const kind of ["write", "net", "env", "run"]) assert.notEqual(r[kind], "granted", kind);
});

Deno.test("permissions: a disk named through a linked folder starts with the printed flags", async () => {
  await withTempDir(async (dir) => {
    // As `deno task debian` leaves it: debian/current -> debian/<key>. Deno checks the
    // open disk's stat against the resolved path, so both names must be granted.
    await Deno.mkdir(join(dir, "build"));
    await Deno.writeFile(join(dir, "build", "root.img"), new Uint8Array(64 * 1024));
    await Deno.symlink(join(dir, "build"), join(dir, "current"));
    const disk = join(dir, "current", "root.img");
    const args = ["--drive", disk, "--max-insns", "3000000"];
    const printed = await runMainToEnd(["--allow-read"], [...args, "--print-permissions"]);
    assert.equal(printed.code, 0, printed.stderr);
    const flags = parseFlags(printed.stdout);
    assert.deepEqual(flags, [
      `--allow-read=${[...IMAGE, disk, join(dir, "build", "root.img")].join(",")}`,
    ]);
    const run = await runMainToEnd(flags, args);
    assert.equal(run.code, EXIT_LIMIT, run.stderr);
  });
});
