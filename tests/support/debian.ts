/**
 * The Debian image (`deno task debian`, images/debian.sh) booted to its root
 * shell, on demu (as a user starts it: the launcher with the image's config)
 * or on qemu-system-riscv64 with the same firmware, kernel, initramfs, disk
 * and command line. Shared by tests/debian_guest_test.ts and
 * tests/bench/debian.ts.
 */
import { join } from "node:path";
import { ScriptedConsole } from "../../backends/console/scripted_console.ts";
import { LAUNCHER, spawnDemu } from "./cli_run.ts";

/** The root shell's prompt (autologin on the console). */
export const ROOT_PROMPT = "root@debian:~# ";
/** The kernel command line the image's debian.cfg gives. */
export const DEBIAN_CMDLINE = "root=/dev/vda rw console=ttyS0 quiet";

/** The image folder: $DEMU_DEBIAN_DIR, else the newest build in the cache; null when absent. */
export function debianDir(): string | null {
  const cache = Deno.env.get("DEMU_CACHE") ?? join(Deno.env.get("HOME") ?? "/", ".cache/demu");
  const dir = Deno.env.get("DEMU_DEBIAN_DIR") ?? join(cache, "debian/current");
  try {
    Deno.statSync(join(dir, "debian.cfg"));
    return dir;
  } catch {
    return null;
  }
}

export interface Booted {
  console: ScriptedConsole;
  /** Seconds from the start to the root prompt. */
  seconds: number;
  sh(cmd: string, timeoutMs?: number): Promise<string>;
  done: Promise<{ code: number; stderr: string }>;
  /** Ends the emulator (cli_run.ts `stop`); resolves when it has exited. */
  stop(): Promise<unknown>;
}

/** Starts the image on demu or qemu and waits for the root prompt. */
export async function bootDebian(
  dir: string,
  on: "demu" | "qemu",
  timeoutMs = 3_600_000,
): Promise<Booted> {
  const t0 = performance.now();
  const vm = on === "demu"
    ? spawnDemu(Deno.execPath(), [...LAUNCHER, join(dir, "debian.cfg")])
    : spawnDemu("qemu-system-riscv64", [
      ...["-M", "virt", "-m", "1024", "-nographic", "-no-reboot"],
      ...["-bios", join(dir, "fw_jump.bin"), "-kernel", join(dir, "vmlinux")],
      ...["-initrd", join(dir, "initrd.img"), "-append", DEBIAN_CMDLINE],
      ...["-drive", `if=none,id=root,format=raw,snapshot=on,file=${join(dir, "debian.img")}`],
      ...["-device", "virtio-blk-device,drive=root", "-device", "virtio-rng-device"],
    ]);
  try {
    // An emulator that exits before the prompt fails the wait at once (with its stderr).
    const exited = vm.done.then(({ code, stderr }) => {
      throw new Error(`exited with status ${code} before the prompt: ${stderr.trim()}`);
    });
    exited.catch(() => {}); // the race below reports it; later it is only the stop's
    await Promise.race([vm.console.waitFor(ROOT_PROMPT, timeoutMs), exited]);
  } catch (e) {
    await vm.stop();
    throw new Error(
      `${on}: no root prompt (${(e as Error).message}); console:\n` +
        vm.console.output.slice(-3000),
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  const sh = async (cmd: string, ms = 600_000) => {
    vm.console.type(cmd + "\n");
    // Without carriage returns and terminal controls (bash's bracketed-paste switches around
    // every command's output), so a test can match the output's lines.
    // deno-lint-ignore no-control-regex -- ESC begins each control it removes
    return (await vm.console.waitFor(ROOT_PROMPT, ms)).replace(/\r|\x1b\[[0-9;?]*[A-Za-z]/g, "");
  };
  return { console: vm.console, seconds, sh, done: vm.done, stop: vm.stop };
}
