/**
 * coremark.c on demu beside qemu-system-riscv64, made to hold on a busy
 * 2-core machine: bare (M-mode) and full system (S-mode, Sv39, 1 ms timer).
 *
 * Each round runs, back to back, demu's short and long builds (in this
 * process) and QEMU's (`-M spike`), so the two emulators share the moment's
 * load. A figure is the instructions the long build adds over the time it
 * adds, so start-up, demu's warm-up and getting hot cancel out; the time is
 * both the wall clock and CPU time (demu: its main thread's, where the
 * translated code runs; QEMU: the process's, from bash's `times`), the second
 * being what other processes' load moves least. The ratio is taken within
 * each round and the median of the rounds printed, with the load average.
 *
 * demu's steady speed is also sampled inside each long run: instructions
 * over main-thread CPU time in windows of at least 20 ms, and the 90th
 * percentile of a run's windows taken (its translated code at full speed, in
 * the moments the machine's load left it alone). This is the figure that
 * tells two versions of the translator apart (`--base`). The CPU time of
 * demu's other threads in a long run (V8's optimizing compiles of the
 * regions, GC) is printed too: on 2 cores it competes with the guest.
 *
 *   deno run --allow-read --allow-env --allow-run --allow-sys=loadavg tests/bench/coremark.ts
 *     [--rounds N] [--modes bare,sv39] [--only demu] [--base DIR]
 *
 * (with `-A` instead, the other threads' CPU is printed too).
 *
 * `--base DIR`: another checkout of demu (its board/machine.ts) runs in the
 * same rounds, interleaved, and its ratio to this one is printed: an A/B
 * comparison of two versions under the same load.
 */
import { join, resolve } from "node:path";
import process from "node:process";
import { cacheDir } from "../../backends/image/image_cache.ts";
import { Machine } from "../../board/machine.ts";
import { median } from "./report.ts";
import { qemuAvailable } from "./qemu.ts";

type MachineCtor = typeof Machine;

/** The build of each mode: short (crt0.S / crt0_sv39.S) and ten times longer. */
const FILES: Record<string, [string, string]> = {
  bare: ["coremark.elf", "coremark_long.elf"],
  sv39: ["coremark_sv39.elf", "coremark_long_sv39.elf"],
};

interface Timing {
  wall: number;
  cpu: number;
  instructions: number;
  /** demu: the 90th percentile of its windows' MIPS per CPU second (NaN: QEMU). */
  steady: number;
  /** demu: CPU seconds of its other threads (V8's optimizing compiles, GC; NaN: QEMU). */
  background: number;
}

/**
 * CPU seconds of this process's main thread, where translated code runs, so
 * V8's background compiles and GC threads, which vary from run to run, stay
 * out: the scheduler's count in nanoseconds (/proc/self/schedstat, which Deno
 * lets `-A` read), else process.cpuUsage (Deno's is the calling thread's).
 */
const cpuSeconds = () => {
  try {
    return Number(Deno.readTextFileSync("/proc/self/schedstat").split(" ")[0]) / 1e9;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
};

/**
 * CPU seconds of the whole process, all threads (utime and stime in
 * /proc/self/stat, in ticks of 10 ms); NaN without `-A`, which Deno wants for it.
 */
const processSeconds = () => {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // fields 14 and 15 of proc(5)
  } catch {
    return NaN;
  }
};

/** The value below which a share `p` of `xs` lies. */
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

/** One demu run of an ELF to its end; throws when it computed a wrong result. */
async function demuRun(ctor: MachineCtor, elf: Uint8Array): Promise<Timing> {
  const machine = new ctor({ memoryMiB: 64, console: { write: () => {} } });
  machine.bootElf(elf);
  const c0 = cpuSeconds(), t0 = performance.now(), p0 = processSeconds();
  // Machine.run yields to the event loop between slices, where this samples.
  const windows: number[] = [];
  let n0 = 0, w0 = c0;
  const sampler = setInterval(() => {
    const n = machine.executed, c = cpuSeconds();
    if (c - w0 < 0.02) return;
    windows.push((n - n0) / (c - w0) / 1e6);
    n0 = n, w0 = c;
  }, 20);
  const exit = await machine.run().finally(() => clearInterval(sampler));
  const wall = (performance.now() - t0) / 1000, cpu = cpuSeconds() - c0;
  const background = processSeconds() - p0 - cpu;
  if (exit.reason !== "poweroff" || exit.code !== 0) {
    throw new Error(`demu computed a wrong result: ${JSON.stringify(exit)}`);
  }
  return {
    wall,
    cpu,
    instructions: machine.executed,
    steady: percentile(windows, 0.9),
    background,
  };
}

/** One QEMU run: wall time and its CPU time (bash's `times` for its children). */
async function qemuRun(path: string): Promise<Timing> {
  const cmd = `qemu-system-riscv64 -M spike -bios none -kernel '${path}' -nographic ` +
    `-monitor none </dev/null >/dev/null; s=$?; times; exit $s`;
  const t0 = performance.now();
  const out = await new Deno.Command("bash", { args: ["-c", cmd], stdout: "piped" }).output();
  const wall = (performance.now() - t0) / 1000;
  if (!out.success) throw new Error(`qemu: ${path} exited with status ${out.code}`);
  // `times`: the shell's user and system time, then its children's.
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  const secs = (s: string) => {
    const m = s.match(/(\d+)m([\d.]+)s/)!;
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const cpu = lines[lines.length - 1].split(/\s+/).reduce((sum, t) => sum + secs(t), 0);
  return { wall, cpu, instructions: NaN, steady: NaN, background: NaN };
}

const load = () => {
  try {
    return Deno.loadavg()[0];
  } catch {
    return NaN; // no --allow-sys=loadavg
  }
};
const f0 = (x: number) => x.toFixed(0).padStart(5);
const f2 = (x: number) => x.toFixed(2);

/**
 * The rounds of each mode, printed as they go, then the medians and ratios.
 * `base`: another checkout's Machine, run in the same rounds (A/B).
 */
export async function compareCoremark(
  { rounds = 5, modes = ["bare", "sv39"], onlyDemu = false, base }: {
    rounds?: number;
    modes?: string[];
    onlyDemu?: boolean;
    base?: string;
  } = {},
): Promise<void> {
  const demus: { name: string; ctor: MachineCtor }[] = [{ name: "demu", ctor: Machine }];
  if (base !== undefined) {
    const url = "file://" + resolve(base, "board/machine.ts");
    demus.push({ name: "base", ctor: (await import(url)).Machine });
  }
  const qemu = !onlyDemu && await qemuAvailable();
  if (!onlyDemu && !qemu) console.log("qemu-system-riscv64 is not installed: demu's figures only");
  for (const mode of modes) await compareMode(mode, rounds, demus, qemu, base !== undefined);
}

/** One mode's rounds (see the file comment). */
async function compareMode(
  mode: string,
  rounds: number,
  demus: { name: string; ctor: MachineCtor }[],
  qemu: boolean,
  withBase: boolean,
): Promise<void> {
  const [shortName, longName] = FILES[mode];
  const dir = join(cacheDir(), "programs");
  const shortElf = await Deno.readFile(join(dir, shortName));
  const longElf = await Deno.readFile(join(dir, longName));
  // The interpreter's once-per-process warm-up (core/warmup.ts) out of the first round.
  for (const d of demus) await demuRun(d.ctor, shortElf);
  /**
   * Per emulator, per round: wall MIPS, CPU MIPS (long minus short each), steady MIPS and
   * the other threads' CPU milliseconds (the long run's).
   */
  const rows: Record<string, number[][]> = {};
  const loads: number[] = [];
  let added = 0;
  for (let round = 0; round < rounds; round++) {
    loads.push(load());
    const line: string[] = [];
    // The order changes each round, so no emulator always runs first after a pause.
    const order = [...demus.map((d) => d.name), ...(qemu ? ["qemu"] : [])];
    for (let k = 0; k < round % order.length; k++) order.push(order.shift()!);
    for (const name of order) {
      let s: Timing, l: Timing;
      if (name === "qemu") {
        s = await qemuRun(join(dir, shortName));
        l = await qemuRun(join(dir, longName));
      } else {
        const ctor = demus.find((d) => d.name === name)!.ctor;
        s = await demuRun(ctor, shortElf);
        l = await demuRun(ctor, longElf);
        added = l.instructions - s.instructions;
      }
      const r = [
        added / (l.wall - s.wall) / 1e6,
        added / (l.cpu - s.cpu) / 1e6,
        l.steady,
        l.background * 1000,
      ];
      (rows[name] ??= []).push(r);
      const bg = isNaN(r[3]) ? "" : ` ${f0(r[3])} ms bg`;
      const steady = name === "qemu" ? "" : ` ${f0(r[2])} steady${bg}`;
      line.push(`${name} ${f0(r[0])} wall ${f0(r[1])} cpu${steady}`);
    }
    console.log(`${mode} round ${round + 1}, load ${f2(loads[round])}: ${line.join(" | ")}`);
  }
  const per = (name: string, k: number) => rows[name].map((r) => r[k]);
  const ratios = (a: string, b: string, k: number) => rows[a].map((r, i) => r[k] / rows[b][i][k]);
  const range = (xs: number[], fmt: (x: number) => string) =>
    `${fmt(median(xs))} (${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))})`;
  const mips = (x: number) => x.toFixed(0);
  console.log(
    `coremark ${mode}: ${rounds} rounds, load ${range(loads, f2)}; MIPS, median (range):`,
  );
  for (const name of Object.keys(rows)) {
    const bg = isNaN(per(name, 3)[0])
      ? ""
      : `, other threads' CPU a long run ${range(per(name, 3), mips)} ms`;
    const steady = name === "qemu" ? "" : `, steady (CPU) ${range(per(name, 2), mips)}${bg}`;
    console.log(
      `  ${name.padEnd(4)} long minus short: wall ${range(per(name, 0), mips)}, ` +
        `CPU ${range(per(name, 1), mips)}${steady}`,
    );
  }
  for (const name of qemu ? demus.map((d) => d.name) : []) {
    console.log(
      `  ${name} / qemu, per round: wall ${range(ratios(name, "qemu", 0), f2)}, ` +
        `CPU ${range(ratios(name, "qemu", 1), f2)}, ` +
        `demu steady / qemu CPU ${range(rows[name].map((r, i) => r[2] / rows.qemu[i][1]), f2)}`,
    );
  }
  if (withBase) {
    console.log(
      `  demu / base, per round: wall ${range(ratios("demu", "base", 0), f2)}, ` +
        `CPU ${range(ratios("demu", "base", 1), f2)}, steady ${
          range(ratios("demu", "base", 2), f2)
        }`,
    );
  }
}

if (import.meta.main) {
  const flag = (name: string) => {
    const i = Deno.args.indexOf(name);
    return i < 0 ? undefined : Deno.args[i + 1];
  };
  await compareCoremark({
    rounds: Number(flag("--rounds") ?? 5),
    modes: (flag("--modes") ?? "bare,sv39").split(","),
    onlyDemu: flag("--only") === "demu",
    base: flag("--base"),
  });
}
