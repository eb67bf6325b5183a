/**
 * `deno task fuzz`: runs the fuzz targets (tests/fuzz/targets.ts) each in a
 * worker for a time or a count, and prints inputs per second per target and
 * every failure with the seed and path that replay it.
 *
 *   deno task fuzz [--time SECONDS] [--count N] [--seed N] [--hang-ms MS] [--json FILE] [TARGET...]
 *   deno task fuzz --replay TARGET SEED PATH
 *   deno task fuzz --list
 *   deno task fuzz --cost [TARGET...]   (ms to generate and to check an input, 300 inputs)
 *   deno task fuzz --guest [--time SECONDS] [--seed N] [--iterations N] [--json FILE]
 *
 * FUZZ_TIME, FUZZ_COUNT and FUZZ_SEED set the defaults (10 s a target, no
 * count limit, seed from the clock). A target that spends more than
 * --hang-ms (default 1000) of CPU time on one input, or a minute of any
 * time, is a hang; a heap that grows by more than 64 MiB
 * between its first and last batch is reported too.
 *
 * With no target named, the guest-side fuzzer then runs for the same time.
 * --guest runs only the guest-side fuzzer (tests/fuzz/guest.ts) seed after seed
 * for the time given: mostly as a Machine with every device, every fourth
 * seed as `main.ts --elf`; each run is 200,000 iterations unless
 * --iterations says otherwise.
 */
import process from "node:process";
import fc from "fast-check";
import { runBatch } from "./target.ts";
import { findTarget, TARGETS } from "./targets.ts";
import type { WorkerJob, WorkerReport } from "./worker.ts";
import { type GuestRun, MEMORY_GROWTH_LIMIT, runElfForm } from "./guest.ts";
import { GuestMachines } from "./guest_machines.ts";

/** How often a target's progress is printed. */
const PROGRESS_MS = 60_000;
/** An input still running after this long, CPU or not, is a hang. */
const WALL_HANG_MS = 60_000;

/** CPU time of the whole process (all threads), in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Options {
  timeMs: number;
  count: number;
  seed: number;
  hangMs: number;
  json: string | null;
  targets: string[];
}

function usage(message: string): never {
  console.error(`fuzz: ${message}`);
  Deno.exit(2);
}

function num(text: string | undefined, what: string): number {
  const n = Number(text);
  if (text === undefined || !Number.isFinite(n) || n < 0) usage(`bad ${what} '${text}'`);
  return n;
}

function parseArgs(args: string[]): Options {
  const env = (k: string) => Deno.env.get(k);
  const o: Options = {
    timeMs: num(env("FUZZ_TIME") ?? "10", "FUZZ_TIME") * 1000,
    count: env("FUZZ_COUNT") ? num(env("FUZZ_COUNT"), "FUZZ_COUNT") : Infinity,
    seed: env("FUZZ_SEED") ? num(env("FUZZ_SEED"), "FUZZ_SEED") : Date.now() % 2 ** 31,
    hangMs: 1000,
    json: null,
    targets: [],
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--time") o.timeMs = num(args[++i], "--time") * 1000;
    else if (a === "--count") {
      o.count = num(args[++i], "--count");
      if (!args.includes("--time") && !env("FUZZ_TIME")) o.timeMs = Infinity;
    } else if (a === "--seed") o.seed = num(args[++i], "--seed");
    else if (a === "--hang-ms") o.hangMs = num(args[++i], "--hang-ms");
    else if (a === "--json") o.json = args[++i] ?? usage("--json needs a file");
    else if (a.startsWith("-")) usage(`unknown option ${a}`);
    else o.targets.push(a);
  }
  for (const t of o.targets) if (!TARGETS.some((x) => x.name === t)) usage(`no target '${t}'`);
  if (o.targets.length === 0) o.targets = TARGETS.map((t) => t.name);
  return o;
}

interface Summary {
  target: string;
  inputs: number;
  seconds: number;
  perSecond: number;
  failures: string[];
  heapFirstMiB: number;
  heapLastMiB: number;
}

/** Runs one target to its time or count, restarting its worker after a hang. */
async function fuzzTarget(name: string, o: Options): Promise<Summary> {
  const started = performance.now();
  const failures: string[] = [];
  let inputs = 0;
  let heapFirst = -1;
  let heapLast = 0;
  let seed = o.seed;
  let lastProgress = started;
  while (inputs < o.count && performance.now() - started < o.timeMs && failures.length < 10) {
    const shared = new SharedArrayBuffer(12);
    const beat = new Int32Array(shared);
    const worker = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
    const job: WorkerJob = {
      target: name,
      seed,
      timeMs: o.timeMs - (performance.now() - started),
      count: o.count - inputs,
      shared,
    };
    const outcome = await new Promise<"done" | "hang" | "crash">((resolve) => {
      // A hang is CPU time spent on one input (the main thread idles meanwhile), so a
      // loaded machine that starves the worker does not count; a wait that burns no CPU
      // (an answer that never comes) is caught by the wall-clock bound.
      let last = -1;
      let since = performance.now();
      let cpuSince = cpuMs();
      const watch = setInterval(() => {
        const now = Atomics.load(beat, 0);
        // Until its first input the worker is loading modules: that is not a stuck input.
        if (now !== last || now === 0) {
          last = now;
          since = performance.now();
          cpuSince = cpuMs();
        } else if (cpuMs() - cpuSince > o.hangMs || performance.now() - since > WALL_HANG_MS) {
          clearInterval(watch);
          resolve("hang");
        }
      }, 50);
      worker.onmessage = (e: MessageEvent<WorkerReport>) => {
        const r = e.data;
        inputs += r.runs;
        // A long run shows where it is once a minute (a campaign stopped early still has figures).
        const now = performance.now();
        if (now - lastProgress >= PROGRESS_MS) {
          lastProgress = now;
          const sec = (now - started) / 1000;
          console.log(
            `${name}: ${inputs} inputs in ${sec.toFixed(0)} s (${Math.round(inputs / sec)}/s), ` +
              `${failures.length} failures, heap ${mib(r.heapBytes)} MiB`,
          );
        }
        if (heapFirst < 0) heapFirst = r.heapBytes;
        heapLast = r.heapBytes;
        if (r.failure) {
          const f = r.failure;
          failures.push(
            `${name}: FAILED, replay: deno task fuzz --replay ${name} ${f.seed} ${f.path}\n` +
              `  input: ${f.counterexample.slice(0, 400)}\n  ${
                f.error.split("\n").slice(0, 6).join("\n  ")
              }`,
          );
          console.error(failures.at(-1));
        }
        if (r.kind === "done") {
          clearInterval(watch);
          resolve("done");
        }
      };
      worker.onerror = (e) => {
        e.preventDefault();
        failures.push(
          `${name}: the worker crashed: ${e.message} (batch seed ${Atomics.load(beat, 1)})`,
        );
        console.error(failures.at(-1));
        clearInterval(watch);
        resolve("crash");
      };
      worker.postMessage(job);
    });
    worker.terminate();
    if (outcome === "done") break;
    const batchSeed = Atomics.load(beat, 1);
    const index = Math.max(0, Atomics.load(beat, 2) - 1);
    if (outcome === "hang") {
      failures.push(
        `${name}: HANG (one input took over ${o.hangMs} ms of CPU time), replay: ` +
          `deno task fuzz --replay ${name} ${batchSeed} ${index}`,
      );
      console.error(failures.at(-1));
    }
    inputs += Atomics.load(beat, 2);
    seed = batchSeed + 1;
  }
  const seconds = (performance.now() - started) / 1000;
  if (heapFirst >= 0 && heapLast - heapFirst > MEMORY_GROWTH_LIMIT) {
    failures.push(
      `${name}: heap grew from ${mib(heapFirst)} to ${mib(heapLast)} MiB during the run`,
    );
  }
  return {
    target: name,
    inputs,
    seconds,
    perSecond: inputs / seconds,
    failures,
    heapFirstMiB: mib(heapFirst),
    heapLastMiB: mib(heapLast),
  };
}

const mib = (b: number) => Math.round(b / 1048576 * 10) / 10;

async function replay(name: string, seed: number, path: string): Promise<void> {
  const target = findTarget(name);
  let r;
  try {
    r = await runBatch(target, seed, 1, undefined, path);
  } catch (e) {
    // fast-check cannot follow a shrink path whose steps no longer fail.
    console.log(
      `${name} seed ${seed} path ${path}: cannot replay (${
        (e as Error).message.split("\n")[0]
      }); ` +
        `the code or the generator changed since`,
    );
    Deno.exit(1);
  } finally {
    await target.close?.();
  }
  if (!r.failure) {
    console.log(`${name} seed ${seed} path ${path}: passes`);
    return;
  }
  console.log(`${name} seed ${seed} path ${path}: FAILS\n  input: ${r.failure.counterexample}`);
  console.log(`  ${r.failure.error}`);
  Deno.exit(1);
}

/** The guest-side fuzzer, seed after seed; returns how many runs failed. */
async function guest(args: string[]): Promise<number> {
  const o = parseArgs(
    args.filter((a, i) => a !== "--iterations" && args[i - 1] !== "--iterations"),
  );
  const at = args.indexOf("--iterations");
  const iterations = at >= 0 ? num(args[at + 1], "--iterations") : 200_000;
  const end = performance.now() + (o.timeMs === Infinity ? 60_000 : o.timeMs);
  const runs: GuestRun[] = [];
  console.log(`fuzz --guest: ${iterations} iterations a run, seeds from ${o.seed}`);
  const machines = new GuestMachines();
  let heapFirst = -1;
  let heapLast = -1;
  for (let k = 0; performance.now() < end && runs.length < o.count; k++) {
    const seed = (o.seed + k) % 2 ** 31 || 1;
    const r = k % 4 === 3
      ? await runElfForm(seed, iterations)
      : await machines.run(seed, iterations);
    if (r.form === "machine" && !r.stuck) {
      // The heap kept from run to run, in the same worker.
      if (machines.heaps.length === 1) heapFirst = machines.heaps[0];
      heapLast = machines.heaps.at(-1)!;
      if (heapLast - heapFirst > MEMORY_GROWTH_LIMIT) {
        r.ok = false;
        r.problem = `the Machine form's heap grew from ${mib(heapFirst)} to ${
          mib(heapLast)
        } MiB over its runs`;
      }
    }
    runs.push(r);
    console.log(
      `${r.form.padEnd(8)} seed ${seed}: ${r.ok ? "ok" : `FAILED: ${r.problem}`} ${
        r.seconds.toFixed(1)
      } s, ` +
        `longest silence ${Math.round(r.maxSilenceMs)} ms (CPU ${
          Math.round(r.maxSilenceCpuMs)
        } ms), ` +
        `${r.logLines} log lines, ${r.form === "elf" ? "RSS" : "heap"} +${
          (r.heapGrowthBytes / 1048576).toFixed(1)
        } MiB` +
        (r.form === "machine" ? `, heap after ${mib(machines.heaps.at(-1) ?? 0)} MiB` : ""),
    );
    if (!r.ok) {
      console.log(
        `  replay: deno task fuzz --guest --seed ${seed} --count 1 --iterations ${iterations}`,
      );
    }
  }
  machines.close();
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const failed = runs.filter((r) => !r.ok).length;
  const summary = {
    runs: runs.length,
    iterations: runs.length * iterations,
    seconds,
    iterationsPerSecond: runs.length * iterations / seconds,
    longestSilenceMs: Math.max(...runs.map((r) => r.maxSilenceMs)),
    longestSilenceCpuMs: Math.max(...runs.map((r) => r.maxSilenceCpuMs)),
    machineHeapFirstMiB: mib(heapFirst),
    machineHeapLastMiB: mib(heapLast),
    failed,
  };
  console.log(
    `guest fuzzer: ${summary.runs} runs, ${summary.iterations} iterations in ${
      seconds.toFixed(0)
    } s ` +
      `(${Math.round(summary.iterationsPerSecond)}/s), longest silence ${
        Math.round(summary.longestSilenceMs)
      } ms (CPU ${Math.round(summary.longestSilenceCpuMs)} ms), Machine heap ${mib(heapFirst)} → ${
        mib(heapLast)
      } MiB, ${failed} failed`,
  );
  if (o.json) {
    await Deno.writeTextFile(
      o.json,
      JSON.stringify({ summary, runs: runs.map(({ output: _, ...r }) => r) }, null, 2),
    );
  }
  return failed;
}

async function main(args: string[]): Promise<void> {
  if (args[0] === "--guest") {
    const failed = await guest(args.slice(1));
    console.log(`${failed ? 0 : 1} passed, ${failed ? 1 : 0} failed`);
    if (failed) Deno.exit(1);
    return;
  }
  if (args[0] === "--cost") {
    // Where a target's time goes: generating inputs, or checking them (same inputs, one thread).
    for (const name of args.slice(1).length ? args.slice(1) : TARGETS.map((t) => t.name)) {
      const t = findTarget(name);
      const t0 = performance.now();
      const inputs = fc.sample(t.arbitrary, { numRuns: 300, seed: 1 });
      const t1 = performance.now();
      for (const x of inputs) await t.check(x);
      const t2 = performance.now();
      await t.close?.();
      console.log(
        `${name.padEnd(14)} generate ${((t1 - t0) / 300).toFixed(3)} ms, check ${
          ((t2 - t1) / 300).toFixed(3)
        } ms an input`,
      );
    }
    return;
  }
  if (args[0] === "--list") {
    for (const t of TARGETS) console.log(`${t.name.padEnd(14)} ${t.about}`);
    return;
  }
  if (args[0] === "--replay") {
    const [name, seed, path] = args.slice(1);
    if (!name || seed === undefined) usage("--replay TARGET SEED [PATH]");
    findTarget(name);
    return replay(name, num(seed, "seed"), path ?? "0");
  }
  const o = parseArgs(args);
  const when = o.count === Infinity ? `${o.timeMs / 1000} s` : `${o.count} inputs`;
  console.log(`fuzz: ${o.targets.length} targets, ${when} each, seed ${o.seed}`);
  const rows: Summary[] = [];
  for (const name of o.targets) {
    const s = await fuzzTarget(name, o);
    rows.push(s);
    console.log(
      `${s.target.padEnd(14)} ${String(s.inputs).padStart(11)} inputs ${
        s.seconds.toFixed(1).padStart(8)
      } s ${
        Math.round(s.perSecond).toString().padStart(8)
      }/s  heap ${s.heapFirstMiB}→${s.heapLastMiB} MiB  ${
        s.failures.length ? `${s.failures.length} FAILURES` : "ok"
      }`,
    );
  }
  if (o.json) await Deno.writeTextFile(o.json, JSON.stringify({ seed: o.seed, rows }, null, 2));
  let bad = rows.filter((r) => r.failures.length).length;
  let good = rows.length - bad;
  // Everything: with no target named, the guest-side fuzzer runs too, for the same time.
  if (!args.some((a) => TARGETS.some((t) => t.name === a)) && o.timeMs !== Infinity) {
    const guestFailed = await guest(["--time", String(o.timeMs / 1000), "--seed", String(o.seed)]);
    if (guestFailed) bad++;
    else good++;
  }
  console.log(`${good} passed, ${bad} failed`);
  if (bad) Deno.exit(1);
}

if (import.meta.main) await main(Deno.args);
