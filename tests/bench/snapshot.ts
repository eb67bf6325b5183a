/**
 * `deno task bench`, snapshots: for the booted default image (128 MiB), the
 * time to save and the size on disk; in-process Machine.restore from bytes
 * (deflated, and stored for in-process forks); and `demu --restore FILE` to
 * the restored shell's first answer, process start included, side by side
 * with demu's own cold boot to the same answer and, where installed, QEMU's
 * cold boot of the same kernel and initramfs (`-M virt`, its own console).
 *
 *   deno run --allow-read --allow-write --allow-run --allow-env tests/bench/snapshot.ts
 */
import { join } from "node:path";
import { parseFlags } from "../../backends/process/permissions.ts";
import { ScriptedConsole } from "../../backends/console/scripted_console.ts";
import { savedRun, writeSnapshotFile } from "../../backends/process/snapshot_cli.ts";
import { DEFAULT_CMDLINE, defaultImagePaths } from "../../backends/image/image_cache.ts";
import { EMBEDDED_IMAGE_DIR } from "../../backends/image/embedded_image.ts";
import { Machine } from "../../board/machine.ts";
import { emptyConfig } from "../../board/config.ts";
import { runMainToEnd, spawnDemu } from "../support/cli_run.ts";
import { defaultMachine, PROMPT } from "../support/boot.ts";
import { qemuAvailable } from "./qemu.ts";
import { report } from "./report.ts";

const RUNS = Number(Deno.env.get("DEMU_BENCH_RUNS") ?? 5);
const ANSWER = "answer-42";
const ASK = "echo answer-$((6 * 7))\n";

/** Seconds from spawning `command` to the shell's answer (typing at each prompt until then). */
async function toAnswer(command: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const vm = spawnDemu(command, args);
  await vm.console.waitFor(PROMPT, 120_000).catch(async (e) => {
    const { stderr } = await vm.stop();
    throw new Error(`${command} ${args.join(" ")}: ${stderr || (e as Error).message}`);
  });
  vm.console.type(ASK);
  await vm.console.waitFor(ANSWER, 300_000);
  const seconds = (performance.now() - t0) / 1000;
  vm.kill("SIGTERM");
  await vm.done;
  return seconds;
}

// A booted guest, saved several times while it idles at its prompt.
const { machine, console: term } = await defaultMachine();
const running = machine.run();
await term.waitFor(PROMPT);
await new Promise((r) => setTimeout(r, 500));
const config = { ...emptyConfig(), cmdline: DEFAULT_CMDLINE };
const saveMs: number[] = [];
let bytes: Uint8Array = new Uint8Array();
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  bytes = await machine.snapshot({ config: savedRun(config, {}) });
  saveMs.push(performance.now() - t0);
}
const stored = await machine.snapshot({ compress: false });
machine.stop({ reason: "quit" });
await running;

const restoreMs: number[] = [];
const restoreStoredMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  let t0 = performance.now();
  Machine.restore(bytes, { console: new ScriptedConsole() });
  restoreMs.push(performance.now() - t0);
  t0 = performance.now();
  Machine.restore(stored, { console: new ScriptedConsole() });
  restoreStoredMs.push(performance.now() - t0);
}

const dir = await Deno.makeTempDir();
const file = join(dir, "vm.snap");
await writeSnapshotFile(file, bytes);
const restoreFlags = parseFlags(
  (await runMainToEnd(["--allow-read"], ["--restore", file, "--print-permissions"])).stdout,
);
const coldFlags = parseFlags(
  (await runMainToEnd(["--allow-read", "--allow-env"], ["--cold", "--print-permissions"])).stdout,
);
const cliRestore: number[] = [];
const cliCold: number[] = [];
const qemuCold: number[] = [];
const qemu = await qemuAvailable();
const paths = (() => {
  try {
    return defaultImagePaths();
  } catch {
    return {
      bios: join(EMBEDDED_IMAGE_DIR, "fw_jump.bin"),
      kernel: join(EMBEDDED_IMAGE_DIR, "Image"),
      initrd: join(EMBEDDED_IMAGE_DIR, "initramfs.cpio"),
    };
  }
})();
// Interleaved, run by run, so load from other work falls on all alike.
for (let i = 0; i < RUNS; i++) {
  const deno = Deno.execPath();
  cliRestore.push(await toAnswer(deno, ["run", ...restoreFlags, "main.ts", "--restore", file]));
  cliCold.push(await toAnswer(deno, ["run", ...coldFlags, "main.ts", "--cold"]));
  if (qemu) {
    qemuCold.push(
      await toAnswer("qemu-system-riscv64", [
        "-M",
        "virt",
        "-m",
        "128",
        "-nographic",
        "-bios",
        paths.bios,
        "-kernel",
        paths.kernel,
        "-initrd",
        paths.initrd,
        "-append",
        "console=ttyS0 earlycon=sbi",
      ]),
    );
  }
}
await Deno.remove(dir, { recursive: true });

console.log("snapshot of the booted default image (128 MiB RAM):");
report("  size on disk", "MB", [bytes.length / 1e6], 2);
report("  save (Machine.snapshot)", "s", saveMs.map((ms) => ms / 1000), 3);
report("  Machine.restore, deflated", "ms", restoreMs, 0);
report(
  `  Machine.restore, stored (${(stored.length / 1e6).toFixed(1)} MB)`,
  "ms",
  restoreStoredMs,
  0,
);
report("  demu --restore to the answer", "s", cliRestore, 2);
report("  demu --cold to the answer", "s", cliCold, 2);
if (qemu) report("  qemu -M virt cold boot, answer", "s", qemuCold, 2);
else console.log("  (qemu-system-riscv64 not installed: no QEMU figure)");
