/**
 * `deno task bench`: demu's speed, each figure the median of several runs.
 * - MIPS on compiled C (tests/programs/intmix.c: CRC32, sieve, list, matrix,
 *   state machine, copies), run bare-metal; the program checks its own result.
 * - Seconds from power-on to the shell prompt of the default Linux image.
 * Run on a quiet machine; the spread is printed so noise is visible.
 */
import { cacheDir } from "../../backends/image_cache.ts";
import { Machine } from "../../core/machine.ts";
import { type DefaultImages, defaultMachine, PROMPT, readDefaultImages } from "../support/boot.ts";
import { join } from "node:path";
import process from "node:process";
import { report } from "./report.ts";

const RUNS = Number(Deno.env.get("DEMU_BENCH_RUNS") ?? 5);

async function mipsRun(program: Uint8Array): Promise<number> {
  const machine = new Machine({ memoryMiB: 64, console: { write: () => {} } });
  machine.bootElf(program);
  const t0 = performance.now();
  const exit = await machine.run();
  const seconds = (performance.now() - t0) / 1000;
  if (exit.reason !== "poweroff" || exit.code !== 0) {
    throw new Error(`intmix computed a wrong result: ${JSON.stringify(exit)}`);
  }
  return machine.executed / seconds / 1e6;
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

async function bootRun(images: DefaultImages) {
  const { machine, console } = await defaultMachine({}, images);
  const t0 = performance.now();
  const running = machine.run();
  await console.waitFor(PROMPT);
  const seconds = (performance.now() - t0) / 1000;
  const instructions = machine.executed;
  console.type("poweroff\n");
  await running;
  return { seconds, instructions };
}

const program = await Deno.readFile(join(cacheDir(), "programs", "intmix.elf"));
await mipsRun(program); // warm-up: let V8 optimize the interpreter
const mips: number[] = [];
for (let i = 0; i < RUNS; i++) mips.push(await mipsRun(program));
report("intmix (compiled C), bare metal", "MIPS", mips, 1);

const images = await readDefaultImages();
const boots: number[] = [];
const counts: number[] = [];
for (let i = 0; i < Math.max(3, Math.min(RUNS, 5)); i++) {
  const { seconds, instructions } = await bootRun(images);
  boots.push(seconds);
  counts.push(instructions / 1e6);
}
report("boot to shell prompt", "s", boots, 2);
report("instructions to the prompt", "M", counts, 1);
report("MIPS during boot", "MIPS", boots.map((s, i) => counts[i] / s), 1);
report("host CPU while the guest idles", "%", [await idleRun(images)], 2);
