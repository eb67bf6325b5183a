/**
 * `deno task bench`, startup: seconds from starting the program to the
 * kernel's first line on the console ("Linux version ...") and to the shell's
 * prompt of the default image booted from power-on (`--cold`: not the prompt
 * snapshot's restore, tests/bench/snapshot.ts), as a user starts it: the
 * compiled binary when it can be built (see tests/support/compile.ts), the
 * packed file (`deno task pack`; its first run, which unpacks, apart), `deno
 * run main.ts` from source with the derived flags (also with `--no-jit`), and
 * `deno task start` as typed (it stages the default image first) and its
 * launcher alone (which first runs main.ts --print-permissions);
 * beside them, where installed, QEMU's boot of the same kernel and initramfs.
 * Then the binary's size, or, where no denort runtime is at hand, the size of
 * what demu adds to the runtime (measured by building on the full deno binary,
 * which makes a file that does not run demu but holds the same payload).
 */
import { join } from "node:path";
import { parseFlags } from "../../backends/process/permissions.ts";
import { DEFAULT_CMDLINE, defaultImagePaths } from "../../backends/image/image_cache.ts";
import { LAUNCHER, REPO, runMainToEnd, spawnDemu } from "../support/cli_run.ts";
import { PROMPT } from "../support/boot.ts";
import { compileArgs, compileDemu } from "../support/compile.ts";
import { pack } from "../../backends/process/pack.ts";
import { qemuAvailable, qemuBootSeconds } from "./qemu.ts";
import { report } from "./report.ts";

const RUNS = Number(Deno.env.get("DEMU_BENCH_RUNS") ?? 5);
const FIRST_KERNEL_LINE = "Linux version";

/** Seconds from spawn to the first kernel line and to the prompt; then the run is stopped. */
async function startTimes(
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<{ kernelLine: number; prompt: number }> {
  const t0 = performance.now();
  const vm = spawnDemu(command, args, env ? { env, clearEnv: true } : {});
  try {
    await vm.console.waitFor(FIRST_KERNEL_LINE);
    const kernelLine = (performance.now() - t0) / 1000;
    await vm.console.waitFor(PROMPT);
    return { kernelLine, prompt: (performance.now() - t0) / 1000 };
  } finally {
    vm.kill("SIGTERM");
    await vm.done;
  }
}

/** One way to start demu. */
interface Variant {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** QEMU's virt machine on the same kernel and initramfs (its own console), or null. */
async function qemuVariant(): Promise<(() => Promise<number>) | null> {
  if (!await qemuAvailable()) return null;
  const cmdline = DEFAULT_CMDLINE.replace(/console=\S+/, "console=ttyS0");
  const images = { ...defaultImagePaths(), cmdline, memoryMiB: 128 };
  return async () => (await qemuBootSeconds(images, PROMPT))!;
}

/** Runs the variants in turn, RUNS rounds, so a busy moment costs them all alike. */
async function measure(variants: Variant[]): Promise<void> {
  const runs = variants.map(() => [] as { kernelLine: number; prompt: number }[]);
  const qemu = await qemuVariant().catch(() => null);
  const qemuRuns: number[] = [];
  for (const v of variants) await startTimes(v.command, v.args, v.env); // warm caches
  for (let i = 0; i < RUNS; i++) {
    for (const [j, v] of variants.entries()) {
      runs[j].push(await startTimes(v.command, v.args, v.env));
    }
    if (qemu) qemuRuns.push(await qemu());
  }
  variants.forEach((v, j) => {
    report(`${v.name}: to first kernel line`, "s", runs[j].map((r) => r.kernelLine), 2);
    report(`${v.name}: to the prompt`, "s", runs[j].map((r) => r.prompt), 2);
  });
  if (qemu) report("QEMU TCG: to the prompt", "s", qemuRuns, 2);
  else console.log("QEMU: qemu-system-riscv64 is not installed");
  try {
    console.log(
      `load average (1, 5, 15 min): ${Deno.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
    );
  } catch {
    console.log("load average: unknown (needs --allow-sys=loadavg)");
  }
}

const dir = await Deno.makeTempDir();
try {
  const variants: Variant[] = [];
  const binary = join(dir, "demu");
  const build = await compileDemu(binary);
  if (build.built) {
    variants.push({
      name: "binary",
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
  const unpacking = await startTimes(packed, ["--cold"], env);
  report("packed: first run (unpacks), to first kernel line", "s", [unpacking.kernelLine], 2);
  variants.push({
    name: "packed",
    command: packed,
    args: ["--cold"],
    env,
  });

  const flags = parseFlags(
    (await runMainToEnd(["--allow-read"], ["--cold", "--print-permissions"])).stdout,
  );
  variants.push({
    name: "deno run main.ts",
    command: Deno.execPath(),
    args: ["run", "--no-prompt", ...flags, `${REPO}main.ts`, "--cold"],
  });
  variants.push({
    name: "deno run main.ts --no-jit",
    command: Deno.execPath(),
    args: ["run", "--no-prompt", ...flags, `${REPO}main.ts`, "--cold", "--no-jit"],
  });
  variants.push({
    name: "deno task start's launcher",
    command: Deno.execPath(),
    args: [...LAUNCHER, "--cold"],
  });
  // As typed: the task first stages the default image (images/bundle.sh).
  variants.push({
    name: "deno task start",
    command: Deno.execPath(),
    args: ["task", "--quiet", "start", "--cold"],
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
