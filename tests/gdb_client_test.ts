/**
 * demu's GDB stub with the real client, Debian's gdb-multiarch (installed by
 * tests/debug/install_gdb.sh in `deno task test`): a bare-metal C program
 * (break at a function, registers, a step, memory, a watchpoint, kill) and
 * the default Linux image (break at a kernel function by its vmlinux symbol,
 * then continue to the shell).
 *
 * gdb runs under `script`, on a pseudo-terminal: in -batch mode gdb 13 lets
 * `continue` return at once, the target still running, when its input is not
 * a terminal (it does so against QEMU's stub too).
 */
import assert from "node:assert/strict";
import { runMain } from "./support/cli_run.ts";
import { parseElf } from "../board/elf.ts";
import { DEFAULT_CMDLINE, defaultImagePaths } from "../backends/image/image_cache.ts";

const CACHE = Deno.env.get("DEMU_CACHE") ?? `${Deno.env.get("HOME")}/.cache/demu`;
const here = new URL("./", import.meta.url).pathname;

function has(command: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${command}`], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}
const missing = ["gdb-multiarch", "script", "riscv64-linux-gnu-gcc"].filter((c) => !has(c));
const ignore = missing.length > 0;
if (ignore) console.error(`gdb client tests skipped: ${missing.join(", ")} not installed`);

/** A TCP port nothing listens on now. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Runs gdb-multiarch on `program` with the commands, on a pseudo-terminal; returns its output. */
async function gdb(program: string, commands: string[], port: number): Promise<string> {
  const script = await Deno.makeTempFile({ suffix: ".gdb" });
  await Deno.writeTextFile(
    script,
    ["set confirm off", "set pagination off", "set tcp connect-timeout 120", "set remotetimeout 60"]
      .concat(`target remote 127.0.0.1:${port}`, commands).join("\n") + "\n",
  );
  try {
    // script's input stays open until gdb is done: at its end, script would end the session.
    const child = new Deno.Command("timeout", {
      args: [
        "300",
        "script",
        "-qec",
        `gdb-multiarch -nx -batch ${program} -x ${script}`,
        "/dev/null",
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const [out, err] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    await child.status;
    await child.stdin.close();
    return out.replaceAll("\r", "") + err;
  } finally {
    await Deno.remove(script);
  }
}

/** tests/debug/gdb_target.c, built with debug information into the cache. */
async function buildTarget(): Promise<string> {
  const out = `${CACHE}/debug/gdb_target.elf`;
  await Deno.mkdir(`${CACHE}/debug`, { recursive: true });
  const programs = new URL("./programs/", import.meta.url).pathname;
  const r = await new Deno.Command("riscv64-linux-gnu-gcc", {
    args: [
      "-march=rv64gc",
      "-mabi=lp64d",
      "-O1",
      "-g",
      "-nostdlib",
      "-nostartfiles",
      "-ffreestanding",
      "-static",
      "-mcmodel=medany",
      "-fno-pic",
      "-T",
      `${programs}link.ld`,
      `${programs}crt0.S`,
      `${here}debug/gdb_target.c`,
      "-o",
      out,
    ], // deno-fmt-ignore
    stderr: "piped",
  }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  return out;
}

Deno.test({
  name: "gdb-multiarch on a bare-metal ELF: break, registers, step, memory, watchpoint, kill",
  ignore,
  async fn() {
    const elf = await buildTarget();
    const port = freePort();
    const demu = runMain(
      [`--allow-read=${elf}`, `--allow-net=127.0.0.1:${port}`],
      ["--elf", elf, "--gdb", String(port), "-S"],
    );
    const out = await gdb(elf, [
      "break step",
      "continue",
      "info registers a0",
      "print x",
      "print/x $pc",
      "stepi",
      "print/x $pc",
      "x/2gx &counter",
      "watch counter",
      "continue",
      "print counter",
      "delete",
      "monitor info",
      "kill",
    ], port);
    const { code, stderr } = await demu.done;
    assert.match(out, /Breakpoint 1, step \(x=(x@entry=)?1\) at .*gdb_target\.c:\d+/, out);
    assert.match(out, /a0\s+0x1\s+1/, out);
    assert.match(out, /\$1 = 1\n/, out);
    const pcs = [...out.matchAll(/\$\d+ = (0x8[0-9a-f]+)\n/g)].map((m) => m[1]);
    assert.equal(pcs.length, 2, out);
    assert.notEqual(pcs[0], pcs[1], "stepi moved the pc");
    assert.match(out, /<counter>:\s+0x0000000000000000/, out); // not yet written
    assert.match(out, /Hardware watchpoint 2: counter\n+Old value = 0\nNew value = 1/, out);
    assert.match(out, /mode M, \d+ instructions executed/, out);
    assert.match(out, /\[Inferior 1 \(Remote target\) killed\]/, out);
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(`gdb stub on 127\\.0\\.0\\.1:${port} \\(paused`));
  },
});

/**
 * The kernel build's vmlinux that matches `image` (the same text as the
 * Image's first bytes): images/build.sh leaves it in the build folder.
 */
async function findVmlinux(image: Uint8Array): Promise<string | null> {
  const build = `${CACHE}/images/build`;
  for await (const e of Deno.readDir(build)) {
    if (!e.name.startsWith("linux-")) continue;
    const path = `${build}/${e.name}/vmlinux`;
    let seg;
    try {
      seg = parseElf(await Deno.readFile(path)).segments[0];
    } catch {
      continue;
    }
    const n = Math.min(seg.data.length, 1 << 20);
    if (image.length >= n && seg.data.subarray(0, n).every((b, i) => b === image[i])) return path;
  }
  return null;
}

/**
 * The images to boot and their vmlinux: the default image (in the build
 * cache), or, when the shared build folder was last used for another image
 * recipe (several recipes share one cache on a developer's machine), that
 * recipe's image. Booted by path, so the kernel is the one vmlinux describes.
 */
async function imageWithVmlinux(): Promise<{ args: string[]; vmlinux: string } | null> {
  const dirs = [defaultImagePaths().kernel.replace(/\/Image$/, "")];
  for await (const e of Deno.readDir(`${CACHE}/images`)) dirs.push(`${CACHE}/images/${e.name}`);
  for (const dir of dirs) {
    let kernel;
    try {
      kernel = await Deno.readFile(`${dir}/Image`);
    } catch {
      continue;
    }
    const vmlinux = await findVmlinux(kernel);
    if (!vmlinux) continue;
    if (dir !== dirs[0]) console.error(`gdb test: booting ${dir} (the build's vmlinux is its)`);
    const args = ["--bios", `${dir}/fw_jump.bin`, "--kernel", `${dir}/Image`];
    return {
      args: [...args, "--initrd", `${dir}/initramfs.cpio`, "--append", DEFAULT_CMDLINE],
      vmlinux,
    };
  }
  return null;
}

Deno.test({
  name: "gdb-multiarch on the default Linux image: break at kernel_init, continue to the shell",
  ignore,
  async fn() {
    const boot = await imageWithVmlinux();
    assert.ok(boot, `no vmlinux under ${CACHE}/images/build matches an image (deno task images)`);
    const port = freePort();
    const demu = runMain(
      [`--allow-read`, "--allow-env=DEMU_CACHE,HOME", `--allow-net=127.0.0.1:${port}`],
      [...boot.args, "--gdb", `127.0.0.1:${port}`, "-S"],
    );
    try {
      const out = await gdb(boot.vmlinux, [
        "break kernel_init",
        "continue",
        "info registers pc priv",
        "x/s (char *)&linux_banner",
        "delete",
        "detach",
      ], port);
      assert.match(out, /Breakpoint 1, 0x[0-9a-f]+ in kernel_init \(\)/, out);
      assert.match(out, /pc\s+0xffffffff[0-9a-f]+\s+0xffffffff[0-9a-f]+ <kernel_init>/, out);
      assert.match(out, /priv\s+0x1\s+prv:1 \[Supervisor\]/, out);
      assert.match(out, /<linux_banner>:\s+"Linux version 6\./, out);
      assert.match(out, /Remote target\) detached/, out);
      // Detached: the boot goes on to the shell.
      await demu.console.waitFor("~ # ", 180_000);
    } finally {
      demu.kill("SIGTERM"); // ends the run as C-a x does
      const { code } = await demu.done;
      assert.equal(code, 0);
    }
  },
});
