/**
 * Debian boot to the root shell (`deno task debian`'s image, systemd,
 * Debian's kernel and initramfs): seconds on demu and on qemu-system-riscv64
 * (TCG, same firmware, kernel, initramfs, disk and command line), and their
 * ratio. Opt-in and slow (minutes per demu run):
 *
 *   deno run -A tests/bench/debian.ts          # DEMU_BENCH_RUNS=1 by default
 */
import { report } from "./report.ts";
import { bootDebian, debianDir } from "../support/debian.ts";

const RUNS = Number(Deno.env.get("DEMU_BENCH_RUNS") ?? 1);
const dir = debianDir();
if (!dir) {
  console.error("bench/debian: no Debian image: run `deno task debian` first");
  Deno.exit(2);
}

async function once(on: "demu" | "qemu"): Promise<number> {
  const vm = await bootDebian(dir!, on);
  await vm.stop();
  return vm.seconds;
}

const times = { demu: [] as number[], qemu: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  times.qemu.push(await once("qemu"));
  times.demu.push(await once("demu"));
}
report("debian to root shell, qemu", "s", times.qemu);
report("debian to root shell, demu", "s", times.demu);
const ratio = times.demu.map((d, i) => d / times.qemu[i]);
report("debian demu / qemu", "x", ratio, 2);
