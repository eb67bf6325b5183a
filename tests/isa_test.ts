/**
 * Runs each assembly ISA program of tests/isa/ bare-metal through
 * Machine.bootElf. A program reports through HTIF: 1 = pass, (n << 1) | 1 =
 * test n failed; the failure message quotes the source line of test n.
 * The programs are assembled by tests/isa/build.sh (run here when needed).
 */
import assert from "node:assert/strict";
import { Machine } from "../board/machine.ts";

const here = new URL("./isa/", import.meta.url);
const cache = `${Deno.env.get("DEMU_CACHE") ?? `${Deno.env.get("HOME")}/.cache/demu`}/isa`;
const sources = [...Deno.readDirSync(here)]
  .map((e) => e.name)
  .filter((n) => n.endsWith(".S") && n !== "common.S")
  .sort();

let built = false;
/** Builds (or refreshes) the programs once per run with the cross toolchain. */
async function build(): Promise<void> {
  if (built) return;
  const r = await new Deno.Command("bash", { args: [new URL("build.sh", here).pathname] })
    .output();
  if (!r.success) {
    throw new Error(`tests/isa/build.sh failed:\n${new TextDecoder().decode(r.stderr)}`);
  }
  built = true;
}

/** The source line that sets up test n (its CHECK macro or `li gp, n`). */
function describe(source: string, n: number): string {
  const re = new RegExp(`^\\s*(\\w+\\(\\s*${n}\\s*,.*|li\\s+gp\\s*,\\s*${n}\\b.*)$`, "m");
  return source.match(re)?.[1]?.trim() ?? "(no line found)";
}

/**
 * How a program runs: interpreted only; translated from the first jump to a
 * target on (so the short test programs reach the translator); or translated
 * and checked block by block against the interpreter.
 */
export type JitMode = "off" | "on" | "check";

/** What a run reports: the HTIF exit code or a limit marker, and the translator's work. */
export interface IsaRun {
  code: number | "limit";
  /** Regions translated, and blocks the lockstep checker compared. */
  regions: number;
  checked: number;
}

/** Runs one ELF. */
export async function runIsaElf(
  bytes: Uint8Array,
  limit = 5_000_000,
  mode: JitMode = "off",
): Promise<IsaRun> {
  const out: number[] = [];
  const m = new Machine({
    memoryMiB: 16,
    console: { write: (b) => out.push(...b) },
    deterministic: true,
    jit: mode === "check" ? "check" : mode === "on",
  });
  m.jit?.setHotThreshold(0);
  m.maxInstructions = limit;
  m.bootElf(bytes);
  // A program stuck in WFI executes nothing: bound the wall-clock time too.
  const timer = setTimeout(() => m.stop({ reason: "quit" }), 20_000);
  const exit = await m.run();
  clearTimeout(timer);
  const regions = m.jit?.stats.regions ?? 0, checked = m.lockstep?.checked ?? 0;
  if (exit.reason === "quit" || exit.reason === "limit") return { code: "limit", regions, checked };
  if (exit.reason !== "poweroff") throw new Error(`unexpected exit ${exit.reason}`);
  return { code: exit.code, regions, checked };
}

for (const name of sources) {
  for (const mode of ["off", "on", "check"] as const) {
    const base = name.slice(0, -2);
    Deno.test(`ISA program ${base} (translator ${mode})`, async () => {
      await build();
      const run = await runIsaElf(await Deno.readFile(`${cache}/${base}.elf`), undefined, mode);
      const code = run.code;
      if (mode !== "off") assert.ok(run.regions > 0, `${base}: nothing was translated`);
      if (mode === "check") assert.ok(run.checked > 0, `${base}: no block was checked`);
      const source = await Deno.readTextFile(new URL(name, here));
      assert.notEqual(code, "limit", `${base}: did not finish (instruction limit)`);
      assert.equal(
        code,
        0,
        `${base}: test ${code} failed: ${describe(source, code as number)}`,
      );
    });
  }
}
