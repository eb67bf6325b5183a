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
import { parseFlags } from "../../cli/permissions.ts";
import { LAUNCHER, REPO, runMainToEnd, spawnDemu } from "../support/cli_run.ts";
import { compileArgs, compileDemu } from "../support/compile.ts";
import { pack } from "../../cli/pack.ts";
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

async function measure(
  name: string,
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<void> {
  await toFirstKernelLine(command, args, env); // warm the OS file cache and Deno's code cache
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await toFirstKernelLine(command, args, env));
  report(name, "s", runs, 2);
}

const dir = await Deno.makeTempDir();
try {
  const binary = join(dir, "demu");
  const build = await compileDemu(binary);
  if (build.built) {
    await measure("binary: start to first kernel line", binary, []);
    report("binary size", "MB", [(await Deno.stat(binary)).size / 1e6], 1);
  } else {
    console.log(`binary: not built here (${build.reason})`);
  }

  // The packed file (deno task pack): its first run unpacks into HOME's cache.
  const packed = join(dir, "demu-packed");
  await pack(packed);
  const home = await Deno.makeTempDir({ dir });
  const env = { HOME: home, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
  report("packed: first run (unpacks)", "s", [await toFirstKernelLine(packed, [], env)], 2);
  await measure("packed: start to first kernel line", packed, [], env);
  report("packed file size", "MB", [(await Deno.stat(packed)).size / 1e6], 1);

  const flags = parseFlags((await runMainToEnd(["--allow-read"], ["--print-permissions"])).stdout);
  await measure("deno run main.ts: to kernel line", Deno.execPath(), [
    "run",
    "--no-prompt",
    ...flags,
    `${REPO}main.ts`,
  ]);
  await measure("deno task start: to kernel line", Deno.execPath(), LAUNCHER);

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
