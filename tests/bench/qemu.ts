/**
 * The reference figure for the benchmark: the same bare-metal program on
 * qemu-system-riscv64's spike machine (HTIF at tohost, as demu's ELF mode;
 * installed by tests/bench/install_qemu.sh). QEMU's exit status is the
 * program's (0: its checksum, fflags included, matched the host's), so the
 * run also checks QEMU computes what demu and the host compute.
 *
 * QEMU does not count instructions without slowing down, so its MIPS are
 * demu's instruction count for the same program over QEMU's time, less the
 * time QEMU takes to start and stop (tests/programs/empty.c, measured alike).
 */
import { median } from "./report.ts";

/** False when qemu-system-riscv64 is not installed (the comparison is left out). */
export async function qemuAvailable(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("qemu-system-riscv64", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** Seconds of one run of `elf` on QEMU; throws if the program fails (wrong checksum). */
export async function qemuSeconds(elf: string): Promise<number> {
  const t0 = performance.now();
  const { code, stderr } = await new Deno.Command("qemu-system-riscv64", {
    // -kernel gives QEMU the ELF's tohost symbol; the loader starts the hart at its entry.
    args: [
      "-M",
      "spike",
      "-nographic",
      "-bios",
      "none",
      "-kernel",
      elf,
      "-device",
      `loader,file=${elf},cpu-num=0`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) {
    throw new Error(
      `${elf} failed on QEMU (exit ${code}): ${new TextDecoder().decode(stderr).trim()}`,
    );
  }
  return seconds;
}

/** QEMU's MIPS on `elf` (median of `runs`), given the program's instruction count. */
export async function qemuMips(
  elf: string,
  empty: string,
  instructions: number,
  runs: number,
): Promise<number[]> {
  const start: number[] = [];
  for (let i = 0; i < runs; i++) start.push(await qemuSeconds(empty));
  const overhead = median(start);
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = await qemuSeconds(elf) - overhead;
    out.push(instructions / Math.max(s, 1e-3) / 1e6);
  }
  return out;
}
