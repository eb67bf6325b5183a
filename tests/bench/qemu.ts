/**
 * The same guests on qemu-system-riscv64 (TCG), for ratios printed beside
 * demu's figures. Bare-metal programs run on QEMU's `spike` machine, which
 * has HTIF at the ELF's `tohost` symbol as demu does (tests/programs/htif.h):
 * the exit status is the program's verdict. Linux boots on `virt` with the
 * same firmware, kernel, initramfs and command line as demu's default image.
 * When QEMU is not installed every function says so by returning null.
 */

const QEMU = "qemu-system-riscv64";

let available: boolean | null = null;

/** True when qemu-system-riscv64 runs here (and --allow-run lets us start it). */
export async function qemuAvailable(): Promise<boolean> {
  if (available !== null) return available;
  try {
    const out = await new Deno.Command(QEMU, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    available = out.success;
  } catch {
    available = false;
  }
  return available;
}

/**
 * Seconds QEMU takes to run a bare-metal ELF to its HTIF exit (process start
 * included), or null without QEMU. A non-zero exit (a wrong checksum) throws.
 */
export async function qemuElfSeconds(elf: string): Promise<number | null> {
  if (!await qemuAvailable()) return null;
  const t0 = performance.now();
  const out = await new Deno.Command(QEMU, {
    args: ["-M", "spike", "-bios", "none", "-kernel", elf, "-nographic", "-monitor", "none"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`qemu: ${elf} exited with status ${out.code}${err ? `: ${err}` : ""}`);
  }
  return seconds;
}

export interface BootImages {
  bios: string;
  kernel: string;
  initrd: string;
  cmdline: string;
  memoryMiB: number;
}

/**
 * Seconds from starting QEMU's virt machine to `prompt` on its console, or
 * null without QEMU. The process is killed once the prompt is seen.
 */
export async function qemuBootSeconds(
  images: BootImages,
  prompt: string,
  timeoutMs = 120_000,
): Promise<number | null> {
  if (!await qemuAvailable()) return null;
  const t0 = performance.now();
  const child = new Deno.Command(QEMU, {
    args: [
      ...["-M", "virt", "-m", String(images.memoryMiB), "-nographic", "-no-reboot"],
      ...["-bios", images.bios, "-kernel", images.kernel, "-initrd", images.initrd],
      ...["-append", images.cmdline],
    ],
    stdin: "piped", // kept open: a shell that reads end of file would exit
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  let text = "";
  let seconds: number | null = null;
  const decoder = new TextDecoder();
  try {
    for await (const chunk of child.stdout) {
      text = (text + decoder.decode(chunk, { stream: true })).slice(-4096);
      if (text.includes(prompt)) {
        seconds = (performance.now() - t0) / 1000;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await child.stdin.close().catch(() => {});
    await child.stderr.cancel();
  }
  if (seconds === null) throw new Error(`qemu: no '${prompt}' on the console: ${text.slice(-200)}`);
  return seconds;
}
