/**
 * `deno task bench`: demu's speed, each figure the median of several runs.
 * - MIPS on compiled C (tests/programs/intmix.c: CRC32, sieve, list, matrix,
 *   state machine, copies; fpmix.c: Mandelbrot, FP matrix, polynomial), run
 *   bare-metal in M-mode and "full system" (S-mode, Sv39 paging, a timer
 *   interrupt every ms: crt0_sv39.S); each program checks its own result.
 * - Seconds from power-on to the shell prompt of the default Linux image.
 * Each figure with the translator (jit) and without (no-jit), and the
 * translator's compile time and code-cache size.
 * - The same on qemu-system-riscv64 when installed (tests/bench/qemu.ts):
 *   coremark.c's MIPS (from the difference between its short and long
 *   builds, so QEMU's start-up cancels out) and its boot to the prompt, each
 *   with demu's ratio to it.
 * - FP against qemu-system-riscv64 when installed (tests/bench/qemu.ts): the
 *   long builds of fpmix.c and fpbench.c (n-body, FMA matrix, sqrt/div
 *   chains, rounding modes, fflags in the checksum) on demu, and QEMU's MIPS
 *   from the difference between their short and long builds (its start-up
 *   cancels out), with demu's ratio; QEMU's exit status checks its checksum.
 * Run on a quiet machine; the spread is printed so noise is visible.
 */
import { cacheDir, DEFAULT_CMDLINE, defaultImagePaths } from "../../backends/image/image_cache.ts";
import type { JitStats } from "../../core/jit/jit.ts";
import { Machine } from "../../board/machine.ts";
import { type DefaultImages, defaultMachine, PROMPT, readDefaultImages } from "../support/boot.ts";
import { join } from "node:path";
import process from "node:process";
import { median, report } from "./report.ts";
import { qemuAvailable, qemuBootSeconds, qemuElfSeconds } from "./qemu.ts";

const RUNS = Number(Deno.env.get("DEMU_BENCH_RUNS") ?? 5);
/** Jumps before the translator translates a target, when not its default (to try other values). */
const HOT = Deno.env.get("DEMU_BENCH_HOT");
/** Sections to run (DEMU_BENCH_ONLY=programs,coremark,fp,boot,idle); all by default. */
const ONLY = Deno.env.get("DEMU_BENCH_ONLY")?.split(",");
const wanted = (section: string) => ONLY === undefined || ONLY.includes(section);
/** Every speed figure twice: with the translator (the default) and interpreted only. */
const MODES = [
  { label: "jit", jit: true },
  { label: "no-jit", jit: false },
  // The interpreter without its WebAssembly tier (core/wasm_interp.ts): core/hart.ts's loop alone.
  { label: "no-jit, no wasm tier", jit: false, wasmInterp: false },
];

/** One bare-metal program run; MIPS, and the translator's compile time and cache size. */
function mipsRun(program: Uint8Array, jit: boolean, wasmInterp = true) {
  return programRun(program, jit, wasmInterp);
}

/** One run of a program to its end: MIPS, instructions, translator figures. */
async function programRun(program: Uint8Array, jit: boolean, wasmInterp = true) {
  const machine = new Machine({ memoryMiB: 64, console: { write: () => {} }, jit, wasmInterp });
  machine.bootElf(program);
  if (HOT !== undefined) machine.jit?.setHotThreshold(Number(HOT));
  const t0 = performance.now();
  const exit = await machine.run();
  const seconds = (performance.now() - t0) / 1000;
  if (exit.reason !== "poweroff" || exit.code !== 0) {
    throw new Error(`the program computed a wrong result: ${JSON.stringify(exit)}`);
  }
  return {
    mips: machine.executed / seconds / 1e6,
    instructions: machine.executed,
    stats: machine.jit?.stats,
  };
}

/** Host CPU used while the booted guest sits at its prompt (WFI should sleep the host). */
async function idleRun(images: DefaultImages): Promise<number> {
  const { machine, console } = await defaultMachine({}, images);
  const running = machine.run();
  await console.waitFor(PROMPT);
  await new Promise((r) => setTimeout(r, 500));
  const before = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 3000));
  const used = process.cpuUsage(before);
  const seconds = (performance.now() - t0) / 1000;
  console.type("poweroff\n");
  await running;
  return (used.user + used.system) / 1e6 / seconds * 100;
}

async function bootRun(images: DefaultImages, jit: boolean, wasmInterp = true) {
  const { machine, console } = await defaultMachine({ jit, wasmInterp }, images);
  if (HOT !== undefined) machine.jit?.setHotThreshold(Number(HOT));
  const t0 = performance.now();
  const running = machine.run();
  await console.waitFor(PROMPT);
  const seconds = (performance.now() - t0) / 1000;
  const instructions = machine.executed;
  const stats = machine.jit?.stats;
  console.type("poweroff\n");
  await running;
  return { seconds, instructions, stats };
}

/** Compile time and code-cache size of the translator over runs (jit mode only). */
function reportTranslator(name: string, stats: (JitStats | undefined)[]): void {
  const s = stats.filter((x): x is JitStats => x !== undefined);
  if (s.length === 0) return;
  report(`${name}: translation time`, "ms", s.map((x) => x.compileMs), 1);
  report(`${name}: code cache`, "KiB", s.map((x) => x.cacheBytes / 1024), 0);
  report(`${name}: regions translated`, "", s.map((x) => x.regions), 0);
}

const programs = [
  { file: "intmix", label: "intmix (C integer mix), bare M-mode", modes: MODES },
  { file: "intmix_sv39", label: "intmix, full system (S, Sv39, timer)", modes: MODES },
  // intmix runs 114 M instructions, ~0.2 s translated: its figure still carries the time
  // to get hot and V8's tier-up. Ten times the work shows the steady speed a long-running
  // guest program sees (translated only: interpreted, it would take ~20 s a run).
  {
    file: "intmix_long_sv39",
    label: "intmix x10 (1.1 G insns), full system",
    modes: MODES.filter((m) => m.jit),
  },
  { file: "fpmix_sv39", label: "fpmix (C FP mix), full system", modes: MODES },
  { file: "coremark_sv39", label: "coremark (CoreMark-like), full system", modes: MODES },
  { file: "fpbench_sv39", label: "fpbench (C FP kernels), full system", modes: MODES },
];
for (const { file, label, modes } of wanted("programs") ? programs : []) {
  const program = await Deno.readFile(join(cacheDir(), "programs", `${file}.elf`));
  for (const { label: mode, jit, wasmInterp } of modes) {
    await mipsRun(program, jit, wasmInterp); // warm-up: let V8 optimize the interpreter
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await mipsRun(program, jit, wasmInterp));
    report(`${label} [${mode}]`, "MIPS", runs.map((r) => r.mips), 1);
    reportTranslator(`${file} [${mode}]`, runs.map((r) => r.stats));
  }
}

/**
 * coremark.c against QEMU: demu runs the long build (527 M instructions); QEMU
 * runs the short and the long build, and its MIPS is the instructions the long
 * one adds over the time it adds, so its process start-up and boot cancel out.
 */
async function coremarkAgainstQemu(): Promise<void> {
  const dir = join(cacheDir(), "programs");
  const short = join(dir, "coremark_sv39.elf"), long = join(dir, "coremark_long_sv39.elf");
  const shortRun = await programRun(await Deno.readFile(short), true);
  const longProgram = await Deno.readFile(long);
  const runs = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) runs.push(await programRun(longProgram, true));
  report("coremark x10 (527 M insns), full system [jit]", "MIPS", runs.map((r) => r.mips), 0);
  reportTranslator("coremark_long_sv39 [jit]", runs.map((r) => r.stats));
  if (!await qemuAvailable()) {
    console.log("coremark on QEMU: qemu-system-riscv64 is not installed (no ratio)");
    return;
  }
  const added = runs[0].instructions - shortRun.instructions;
  // demu measured as QEMU is: the instructions the long build adds over the time it adds, so
  // that its time to get hot (interpreting until the 20,000th jump, compiling, V8's tier-up)
  // cancels out as QEMU's start-up does. Short and long alternate, in one process.
  const steady = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    const s = await programRun(await Deno.readFile(short), true);
    const l = await programRun(longProgram, true);
    const seconds = (r: { instructions: number; mips: number }) => r.instructions / r.mips / 1e6;
    steady.push(added / (seconds(l) - seconds(s)) / 1e6);
  }
  report("coremark, long minus short [jit]", "MIPS", steady, 0);
  const qemu: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    const tShort = (await qemuElfSeconds(short))!, tLong = (await qemuElfSeconds(long))!;
    qemu.push(added / (tLong - tShort) / 1e6);
  }
  report("coremark on QEMU TCG (spike), long minus short", "MIPS", qemu, 0);
  const ratio = (xs: number[]) => (median(xs) / median(qemu)).toFixed(2);
  console.log(
    `coremark: demu / QEMU = ${ratio(steady)} (long minus short each); ` +
      `${ratio(runs.map((r) => r.mips))} with demu's warm-up counted`,
  );
  // These runs are demu's, then QEMU's: under load, each meets another moment's.
  console.log("coremark in paired rounds, CPU time and steady speed: tests/bench/coremark.ts");
}
if (wanted("coremark")) await coremarkAgainstQemu();

/**
 * The FP programs against QEMU: demu runs each long build (translated); QEMU
 * runs the short and the long build, and its MIPS is the instructions the long
 * one adds over the time it adds, so its start-up cancels out.
 */
async function fpAgainstQemu(): Promise<void> {
  const dir = join(cacheDir(), "programs");
  for (const name of ["fpmix", "fpbench"]) {
    const short = join(dir, `${name}_sv39.elf`), long = join(dir, `${name}_long_sv39.elf`);
    const shortRun = await mipsRun(await Deno.readFile(short), true);
    const longProgram = await Deno.readFile(long);
    await mipsRun(longProgram, true); // warm-up
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await mipsRun(longProgram, true));
    report(`${name} long, full system [jit]`, "MIPS", runs.map((r) => r.mips), 1);
    reportTranslator(`${name}_long_sv39 [jit]`, runs.map((r) => r.stats));
    if (!await qemuAvailable()) {
      console.log(`${name} on QEMU: qemu-system-riscv64 is not installed (no ratio)`);
      continue;
    }
    const added = median(runs.map((r) => r.instructions)) - shortRun.instructions;
    const qemu = [];
    for (let i = 0; i < RUNS; i++) {
      const tShort = (await qemuElfSeconds(short))!, tLong = (await qemuElfSeconds(long))!;
      qemu.push(added / (tLong - tShort) / 1e6);
    }
    report(`${name} long on QEMU TCG (spike)`, "MIPS", qemu, 1);
    const ratio = median(runs.map((r) => r.mips)) / median(qemu);
    console.log(`${name}: demu / QEMU = ${ratio.toFixed(2)}`);
  }
}
if (wanted("fp")) await fpAgainstQemu();

const images = wanted("boot") || wanted("idle") ? await readDefaultImages() : null;
for (const { label: mode, jit, wasmInterp } of wanted("boot") ? MODES : []) {
  const boots = [];
  for (let i = 0; i < Math.max(3, Math.min(RUNS, 5)); i++) {
    boots.push(await bootRun(images!, jit, wasmInterp));
  }
  report(`boot to shell prompt [${mode}]`, "s", boots.map((b) => b.seconds), 2);
  report(`instructions to the prompt [${mode}]`, "M", boots.map((b) => b.instructions / 1e6), 1);
  report(
    `MIPS during boot [${mode}]`,
    "MIPS",
    boots.map((b) => b.instructions / 1e6 / b.seconds),
    1,
  );
  reportTranslator(`boot [${mode}]`, boots.map((b) => b.stats));
}
// QEMU's boot of the same kernel and initramfs (process start to prompt), on its own console:
// virt has a 16550 UART and no virtio console, so ttyS0 where demu's command line says hvc1.
if (!wanted("boot")) {
  // skipped
} else if (await qemuAvailable()) {
  const paths = defaultImagePaths();
  const cmdline = DEFAULT_CMDLINE.replace(/console=\S+/, "console=ttyS0");
  const qemuImages = { ...paths, cmdline, memoryMiB: 128 };
  const boots = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    // A boot that fails on QEMU is reported and left out, not taken for demu's failure.
    try {
      boots.push((await qemuBootSeconds(qemuImages, PROMPT))!);
    } catch (e) {
      console.log(`boot on QEMU failed: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  if (boots.length > 0) report("boot to shell prompt [QEMU TCG]", "s", boots, 2);
} else {
  console.log("boot on QEMU: qemu-system-riscv64 is not installed");
}
if (wanted("idle")) report("host CPU while the guest idles", "%", [await idleRun(images!)], 2);
