/**
 * Differential check of one bare-metal ELF: runs it on demu (board/trace.ts)
 * and on qemu-system-riscv64's spike machine (HTIF at tohost, like demu's
 * ELF mode) with one instruction per block and `-d cpu`, then reports the
 * first instruction where pc or an integer register differs.
 *
 *   deno run --allow-read --allow-write --allow-run tests/tools/diff_qemu.ts prog.elf [max-insns]
 */
import { parseElf } from "../../board/elf.ts";
import { traceElf, type TraceStep } from "../../board/trace.ts";
import { X_ABI_NAMES } from "../../core/register_names.ts";

/** Parses qemu's `-d cpu` log: one register dump per executed block (= instruction). */
export function parseQemuLog(log: string): TraceStep[] {
  const steps: TraceStep[] = [];
  let cur: TraceStep | null = null;
  for (const line of log.split("\n")) {
    const pc = line.match(/^\s*pc\s+([0-9a-f]+)/);
    if (pc) {
      cur = { pc: BigInt("0x" + pc[1]), x: new Array(32).fill(0n) };
      steps.push(cur);
      continue;
    }
    if (!cur) continue;
    for (const m of line.matchAll(/\bx(\d+)\/\w+\s+([0-9a-f]+)/g)) {
      cur.x[Number(m[1])] = BigInt("0x" + m[2]);
    }
  }
  return steps;
}

/** Runs qemu on the ELF and returns its trace from the ELF's entry on. */
async function qemuTrace(elf: string, entry: bigint, max: number): Promise<TraceStep[]> {
  const log = await Deno.makeTempFile({ suffix: ".log" });
  const child = new Deno.Command("qemu-system-riscv64", {
    args: [
      "-M",
      "spike",
      "-bios",
      elf,
      "-nographic",
      "-monitor",
      "none",
      "-serial",
      "none",
      "-singlestep",
      "-d",
      "cpu,nochain",
      "-D",
      log,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await child.status;
  clearTimeout(timer);
  const steps = parseQemuLog(await Deno.readTextFile(log));
  await Deno.remove(log);
  const start = steps.findIndex((s) => s.pc === entry);
  return start < 0 ? [] : steps.slice(start, start + max);
}

const hex = (v: bigint) => "0x" + v.toString(16).padStart(16, "0");

if (import.meta.main) {
  const [path, maxArg] = Deno.args;
  if (!path) {
    console.error("usage: diff_qemu.ts prog.elf [max-insns]");
    Deno.exit(2);
  }
  const max = maxArg ? Number(maxArg) : 100_000;
  const bytes = await Deno.readFile(path);
  const entry = BigInt.asUintN(64, parseElf(bytes).entry);
  const qemu = await qemuTrace(path, entry, max);
  // Start demu from qemu's registers at the entry (its reset code leaves some set).
  const demu = traceElf(bytes, max, qemu[0]?.x);
  console.log(
    `demu: ${demu.steps.length} instructions (exit ${demu.exitCode}); qemu: ${qemu.length}`,
  );
  const n = Math.min(demu.steps.length, qemu.length);
  for (let i = 0; i < n; i++) {
    const d = demu.steps[i], q = qemu[i];
    const diffs: string[] = [];
    if (d.pc !== q.pc) diffs.push(`pc: demu ${hex(d.pc)} qemu ${hex(q.pc)}`);
    for (let r = 1; r < 32; r++) {
      if (d.x[r] !== q.x[r]) {
        diffs.push(`x${r}/${X_ABI_NAMES[r]}: demu ${hex(d.x[r])} qemu ${hex(q.x[r])}`);
      }
    }
    if (diffs.length) {
      const prev = i > 0 ? demu.steps[i - 1].pc : null;
      console.log(
        `first difference before instruction ${i} (previous pc ${
          prev === null ? "-" : hex(prev)
        }):`,
      );
      for (const d of diffs) console.log("  " + d);
      Deno.exit(1);
    }
  }
  console.log(`no difference in the first ${n} instructions`);
}
