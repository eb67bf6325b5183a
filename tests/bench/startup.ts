/**
 * `deno task bench`, startup: seconds from starting the program to the
 * kernel's first line on the console ("Linux version ..."), as a user starts
 * it: the compiled binary when it can be built (see tests/support/compile.ts),
 * the packed file (`deno task pack`; its first run, which unpacks, apart),
 * `deno run main.ts` from source with the derived flags, and `deno task
 * start`'s launcher (which first runs main.ts --print-permissions). Then the
 * binary's size, or, where no denort runtime is at hand, the size of what
 * demu adds to the runtime (measured by building on the full deno binary,
 * which makes a file that does not run demu but holds the same payload).
 */
import { join } from "node:path";
import { parseFlags } from "../../backends/process/permissions.ts";
import { LAUNCHER, REPO, runMainToEnd, spawnDemu } from "../support/cli_run.ts";
import { compileArgs, compileDemu } from "../support/compile.ts";
import { pack } from "../../backends/process/pack.ts";
import { report } from "./report.ts";

const RUNS = Number(Deno.env.get("DEMU_BENCH_RUNS") ?? 5);
const FIRST_KERNEL_LINE = "Linux version";

/** Seconds from spawn to the first kernel line, then the run is stopped. */
async function toFirstKernelLine(
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<number> {
  const t0 = performance.now();
  const vm = spawnDemu(command, args, env ? { env, clearEnv: true } : {});
  await vm.console.waitFor(FIRST_KERNEL_LINE);
  const seconds = (performance.now() - t0) / 1000;
  vm.kill("SIGTERM");
  await vm.done;
  return seconds;
}

/** One way to start demu. */
interface Variant {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** Runs the variants in turn, RUNS rounds, so a busy moment costs them all alike. */
async function measure(variants: Variant[]): Promise<void> {
  const runs = variants.map(() => [] as number[]);
  for (const v of variants) await toFirstKernelLine(v.command, v.args, v.env); // warm caches
  for (let i = 0; i < RUNS; i++) {
    for (const [j, v] of variants.entries()) {
      runs[j].push(await toFirstKernelLine(v.command, v.args, v.env));
    }
  }
  variants.forEach((v, j) => report(v.name, "s", runs[j], 2));
}

const dir = await Deno.makeTempDir();
try {
  const variants: Variant[] = [];
  const binary = join(dir, "demu");
  const build = await compileDemu(binary);
  if (build.built) {
    variants.push({
      name: "binary: start to first kernel line",
      command: binary,
      args: ["--cold"],
    });
  } else {
    console.log(`binary: not built here (${build.reason})`);
  }

  // The packed file (deno task pack): its first run unpacks into HOME's cache.
  const packed = join(dir, "demu-packed");
  await pack(packed);
  const home = await Deno.makeTempDir({ dir });
  const env = { HOME: home, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
  // --cold: a boot from power-on (without it, the prompt snapshot is restored: bench/snapshot.ts).
  report("packed: first run (unpacks)", "s", [await toFirstKernelLine(packed, ["--cold"], env)], 2);
  variants.push({
    name: "packed: start to first kernel line",
    command: packed,
    args: ["--cold"],
    env,
  });

  const flags = parseFlags(
    (await runMainToEnd(["--allow-read"], ["--cold", "--print-permissions"])).stdout,
  );
  variants.push({
    name: "deno run main.ts: to kernel line",
    command: Deno.execPath(),
    args: ["run", "--no-prompt", ...flags, `${REPO}main.ts`, "--cold"],
  });
  variants.push({
    name: "deno task start: to kernel line",
    command: Deno.execPath(),
    args: [...LAUNCHER, "--cold"],
  });
  await measure(variants);

  report("packed file size", "MB", [(await Deno.stat(packed)).size / 1e6], 1);
  if (build.built) report("binary size", "MB", [(await Deno.stat(binary)).size / 1e6], 1);
  if (!build.built) {
    // Same payload on the full deno: its size minus the runtime's is what demu adds.
    const probe = join(dir, "payload-probe");
    const out = await new Deno.Command(Deno.execPath(), {
      args: await compileArgs(probe),
      cwd: REPO,
      env: { DENORT_BIN: Deno.execPath() },
      stdout: "null",
      stderr: "null",
    }).output();
    if (out.success) {
      const payload = (await Deno.stat(probe)).size - (await Deno.stat(Deno.execPath())).size;
      report("binary payload (code + images)", "MB", [payload / 1e6], 1);
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
