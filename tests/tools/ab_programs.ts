/**
 * Two demu trees side by side on bare-metal ELF programs, in one process and
 * interleaved (A, B, B, A, ...), so that a noisy machine weighs on both alike:
 * a change's speed is B's figure over A's in the same rounds.
 *
 *   deno run -A tests/tools/ab_programs.ts --a /tmp/main-tree --b . [--runs 7] prog.elf...
 *
 * Each run is a fresh machine (64 MiB, translator on) to the program's
 * poweroff; MIPS from wall time and from this process's CPU time (the other
 * helpers' load takes wall time, less CPU time). Prints each program's median
 * MIPS for A and B, and the median of B/A over the rounds.
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import process from "node:process";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { a: { type: "string" }, b: { type: "string" }, runs: { type: "string" } },
  allowPositionals: true,
});
if (!values.a || !values.b || positionals.length === 0) {
  console.error("usage: ab_programs.ts --a DIR --b DIR [--runs N] program.elf...");
  Deno.exit(2);
}
const runs = Number(values.runs ?? 7);

interface MachineLike {
  bootElf(bytes: Uint8Array): void;
  run(): Promise<{ reason: string; code?: number }>;
  executed: number;
}
type MachineCtor = new (o: Record<string, unknown>) => MachineLike;

async function load(dir: string): Promise<MachineCtor> {
  const url = pathToFileURL(resolve(dir, "board/machine.ts")).href;
  return (await import(url)).Machine as MachineCtor;
}

const trees = { A: await load(values.a), B: await load(values.b) };

async function once(M: MachineCtor, program: Uint8Array) {
  const m = new M({ memoryMiB: 64, console: { write: () => {} }, jit: true });
  m.bootElf(program);
  const cpu0 = process.cpuUsage(), t0 = performance.now();
  const exit = await m.run();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  if (exit.reason !== "poweroff" || exit.code !== 0) throw new Error(JSON.stringify(exit));
  return { wall: m.executed / wall / 1e6, cpu: m.executed / ((c.user + c.system) / 1e6) / 1e6 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const path of positionals) {
  const program = await Deno.readFile(path);
  await once(trees.A, program); // V8 warms up each tree's code
  await once(trees.B, program);
  const r = { A: [] as number[], B: [] as number[], Acpu: [] as number[], Bcpu: [] as number[] };
  const ratio: number[] = [], ratioCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? (["A", "B"] as const) : (["B", "A"] as const);
    const got: Record<string, { wall: number; cpu: number }> = {};
    for (const t of order) got[t] = await once(trees[t], program);
    r.A.push(got.A.wall);
    r.B.push(got.B.wall);
    r.Acpu.push(got.A.cpu);
    r.Bcpu.push(got.B.cpu);
    ratio.push(got.B.wall / got.A.wall);
    ratioCpu.push(got.B.cpu / got.A.cpu);
  }
  const f = (x: number) => x.toFixed(0);
  console.log(
    `${path.split("/").pop()}: A ${f(median(r.A))} MIPS (cpu ${f(median(r.Acpu))}), ` +
      `B ${f(median(r.B))} (cpu ${f(median(r.Bcpu))}); B/A median ${
        median(ratio).toFixed(3)
      } (cpu ${median(ratioCpu).toFixed(3)}), range ${Math.min(...ratio).toFixed(2)}-${
        Math.max(...ratio).toFixed(2)
      }`,
  );
}
