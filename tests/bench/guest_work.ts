/**
 * `deno task bench`, work inside a Linux guest (issue 15's "a shell loop and a
 * real compiled program inside the guest"): the default image booted on demu
 * and on qemu-system-riscv64 (virt machine, same kernel and initramfs, 128 MiB
 * RAM), one after the other, each running
 *  - busybox sh: `i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done`;
 *  - coremark.c built as a static Linux program (tests/programs/build.sh:
 *    coremark_linux, glibc, 527 M instructions), copied from a 9P share into
 *    the guest's RAM first; its exit status says whether its checksum is right.
 * Each is timed on the host from typing the command to its marker on the
 * console (boot and copy not included); medians of DEMU_BENCH_RUNS runs (3 by
 * default) and the demu/QEMU ratio.
 *
 *   deno run -A tests/bench/guest_work.ts [--only demu|qemu] [--runs N] [--loop N]
 *     [--prof DIR (demu's CPU profile)] [--cases loop,coremark]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cacheDir, defaultImagePaths } from "../../backends/image/image_cache.ts";
import { powerOffGuest, REPO, spawnDemu } from "../support/cli_run.ts";
import { qemuAvailable } from "./qemu.ts";
import { median } from "./report.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    only: { type: "string" },
    runs: { type: "string" },
    loop: { type: "string" },
    prof: { type: "string" },
    cases: { type: "string" },
  },
});
const RUNS = Number(args.values.runs ?? Deno.env.get("DEMU_BENCH_RUNS") ?? 3);
const LOOP = Number(args.values.loop ?? 100_000);
const PROMPT = "~ # ";
const PROGRAM = join(cacheDir(), "programs", "coremark_linux");

interface Case {
  name: string;
  /** The command; its output ends with `done` followed by the verdict. */
  cmd: string;
  /** What the console shows when the command finished well. */
  ok: string;
}
const allCases: Case[] = [
  {
    name: `sh loop (${LOOP} x i=$((i+1)))`,
    cmd: `i=0; while [ $i -lt ${LOOP} ]; do i=$((i+1)); done; echo LOOP_DONE_$i`,
    ok: `LOOP_DONE_${LOOP}`,
  },
  {
    name: "coremark_linux (static, 527 M insns)",
    cmd: "/tmp/coremark && echo CM_DONE_OK || echo CM_DONE_BAD",
    ok: "CM_DONE_OK",
  },
];
const cases = allCases.filter((c) =>
  args.values.cases === undefined ||
  args.values.cases.split(",").some((w) => c.name.startsWith(w === "loop" ? "sh loop" : w))
);

function emulatorCommand(which: "demu" | "qemu", dir: string): [string, string[]] {
  const p = defaultImagePaths();
  if (which === "demu") {
    const prof = args.values.prof ? ["--cpu-prof", `--cpu-prof-dir=${args.values.prof}`] : [];
    return [Deno.execPath(), [
      "run",
      "-A",
      ...prof,
      join(REPO, "main.ts"),
      "-m",
      "128",
      "--default",
      "--fs",
      `bench=${dir}`,
    ]];
  }
  return ["qemu-system-riscv64", [
    ...["-M", "virt", "-m", "128", "-nographic", "-no-reboot"],
    ...["-bios", p.bios, "-kernel", p.kernel, "-initrd", p.initrd, "-append", "console=ttyS0"],
    ...["-fsdev", `local,id=f0,path=${dir},security_model=none`],
    ...["-device", "virtio-9p-device,fsdev=f0,mount_tag=bench"],
  ]];
}

/** Seconds of each run of each case, on one emulator. */
async function runGuest(which: "demu" | "qemu", dir: string): Promise<number[][]> {
  const [cmd, argv] = emulatorCommand(which, dir);
  const p = spawnDemu(cmd, argv);
  const con = p.console;
  const sh = (line: string) => (con.type(line + "\n"), con.waitFor(PROMPT, 600_000));
  const results: number[][] = cases.map(() => []);
  try {
    await con.waitFor(PROMPT, 180_000);
    await sh("stty -echo 2>/dev/null");
    await sh("mkdir -p /mnt && mount -t 9p -o trans=virtio,version=9p2000.L bench /mnt");
    await sh("cp /mnt/coremark /tmp/coremark && chmod +x /tmp/coremark");
    for (let i = 0; i < RUNS; i++) {
      for (const [k, c] of cases.entries()) {
        const t0 = performance.now();
        con.type(c.cmd + "\n");
        const out = await con.waitFor(/[A-Z]+_DONE_\w+\r?\n/, 600_000);
        const s = (performance.now() - t0) / 1000;
        if (!out.includes(c.ok)) throw new Error(`${which} ${c.name}: ${out.slice(-300)}`);
        await con.waitFor(PROMPT, 10_000);
        results[k].push(s);
      }
    }
    await powerOffGuest(p);
  } catch (e) {
    await p.stop();
    throw e;
  }
  return results;
}

const hasQemu = await qemuAvailable();
const which = (["demu", "qemu"] as const).filter((w) =>
  (args.values.only ?? w) === w && (w === "demu" || hasQemu)
);
if (!hasQemu) console.log("qemu-system-riscv64 is not installed: demu's figures alone");

const tmp = await Deno.makeTempDir({ prefix: "demu-bench-guest-" });
try {
  await Deno.copyFile(PROGRAM, join(tmp, "coremark")).catch(() => {
    throw new Error(`${PROGRAM} is missing: run bash tests/programs/build.sh`);
  });
  const all: Record<string, number[][]> = {};
  const load = () => Deno.loadavg()[0].toFixed(1);
  const loadBefore = load();
  for (const w of which) all[w] = await runGuest(w, tmp);
  // Other work on the machine moves these times a lot: say how busy it was.
  console.log(`load average ${loadBefore} before, ${load()} after`);
  console.log(
    `${"inside the default image".padEnd(40)} ${"demu".padStart(8)} ${"qemu".padStart(8)}  ratio` +
      `   (seconds, medians of ${RUNS})`,
  );
  for (const [k, c] of cases.entries()) {
    const d = all.demu ? median(all.demu[k]) : NaN;
    const q = all.qemu ? median(all.qemu[k]) : NaN;
    const spread = (xs: number[] | undefined) =>
      xs ? `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}` : "";
    console.log(
      `${c.name.padEnd(40)} ${d.toFixed(2).padStart(8)} ${q.toFixed(2).padStart(8)}  ` +
        `${(d / q).toFixed(2)}   (demu ${spread(all.demu?.[k])}, qemu ${spread(all.qemu?.[k])})`,
    );
  }
} finally {
  await Deno.remove(tmp, { recursive: true });
}
