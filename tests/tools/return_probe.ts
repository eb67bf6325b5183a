/**
 * Why translated code returns to the run loop: runs demu in-process (main.ts
 * `main`, the usual command line after `--`) with every return from a
 * translated region (core/jit/jit.ts `enter`) counted by kind, and writes a
 * report every few seconds: returns a second by kind, the pcs behind the
 * largest kinds (the region's page -> the pc it left for), the share of
 * instructions that ran translated, and the translator's counters.
 *
 *   deno run -A tests/tools/return_probe.ts [--every 5] [--out FILE] [--top 4] -- demu args...
 *
 * With --cmd (any number) it drives the guest itself instead: it starts
 * itself as a child on a pipe, waits for --prompt, then types each command
 * and waits for the prompt again (the report notes when each began and ended):
 *
 *   deno run -A tests/tools/return_probe.ts --prompt 'root@debian:~# ' \
 *     --cmd "sh -c 'i=0; while [ \$i -lt 100000 ]; do i=\$((i+1)); done'" \
 *     -- ~/.cache/demu/debian/current/debian.cfg
 *
 * The kinds, in the order they are tested:
 * - trap: the region ended in an exception (ECALL, a page fault...);
 * - stop status: the region returned STATUS_STOP (core/jit/codegen.ts: MMIO,
 *   code changed, or the next page not mapped as when an instruction across
 *   the page end was translated), which never chains;
 * - end of slice: an interrupt, a device or a code change ended the slice;
 * - budget: the region used the slice's instruction budget;
 * - not translated (counting | pending | never | budgeted out): no translation
 *   of the target yet, by its jump counter: still counting, waiting for its
 *   batch, never (untranslatable, dropped), or at 0 (turned away by the
 *   translation budget and counting again);
 * - own stop: the target is code the region itself does not translate;
 * - translated, invalid | not mapped | other page: a translation exists, but
 *   is dropped, or the fetch TLB does not map its page now (the chain and the
 *   run loop cannot enter it), or maps it to another physical page;
 * - chain record present: translated, mapped, and the chain cache holds the
 *   target's record: the region's chain check did not take it (a STOP status,
 *   or what is being looked for);
 * - chain record cleared | chain record of another pc: the chain cache had no
 *   record for the target (cleared since, or another pc's in its slot).
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { Jit } from "../../core/jit/jit.ts";
import { Hart } from "../../core/hart.ts";
import { chainIndex, STATUS_STOP } from "../../core/jit/codegen.ts";
import { ACCESS_FETCH } from "../../core/trap.ts";
import { main } from "../../main.ts";
import { spawnDemu, splitAtDashes } from "../support/cli_run.ts";

const { own, demuArgs } = splitAtDashes(Deno.args);
const { values } = parseArgs({
  args: own,
  options: {
    every: { type: "string" },
    out: { type: "string" },
    top: { type: "string" },
    prompt: { type: "string" },
    cmd: { type: "string", multiple: true },
    child: { type: "boolean" },
  },
});
const EVERY_S = Number(values.every ?? 5);
const OUT = values.out ?? "/tmp/return_probe.txt";
const TOP = Number(values.top ?? 4);

if (values.cmd && !values.child) {
  // The driver: this tool again as the child, on a pipe; commands typed at the prompt.
  const prompt = values.prompt ?? "# ";
  const self = fileURLToPath(import.meta.url);
  Deno.writeTextFileSync(OUT, "");
  const vm = spawnDemu(Deno.execPath(), [
    "run",
    "-A",
    self,
    "--child",
    "--every",
    String(EVERY_S),
    "--out",
    OUT,
    "--top",
    String(TOP),
    "--",
    ...demuArgs,
  ]);
  const mark = (line: string) => Deno.writeTextFileSync(OUT, line + "\n", { append: true });
  await vm.console.waitFor(prompt, 3_600_000);
  mark(`# ${new Date().toISOString()} at the prompt`);
  for (const cmd of values.cmd) {
    const t0 = performance.now();
    mark(`# ${new Date().toISOString()} typing: ${cmd}`);
    vm.console.type(cmd + "\n");
    await vm.console.waitFor(prompt, 3_600_000);
    const s = ((performance.now() - t0) / 1000).toFixed(2);
    mark(`# ${new Date().toISOString()} done in ${s} s: ${cmd}`);
  }
  await vm.stop();
  console.log(Deno.readTextFileSync(OUT));
  Deno.exit(0);
}

// deno-lint-ignore no-explicit-any
type Any = any;
const NEVER = -(1 << 30), PENDING = -(1 << 29);
const TWO32 = 4294967296;

let counts = new Map<string, number>();
let pcs = new Map<string, Map<string, number>>();
let translated = 0, interpreted = 0, chainClears = 0, t0 = performance.now();
let trapped = false, lastStatus = 0;
let lastStats: Record<string, number> = {};
let jitSeen: Any = null;

const hex = (pc: number) => BigInt.asUintN(64, BigInt(pc)).toString(16);

function count(kind: string, from: number, to: number): void {
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
  let m = pcs.get(kind);
  if (!m) pcs.set(kind, m = new Map());
  const key = `${hex(from)} -> ${hex(to)}`;
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** The kind of a return from translated code (see the file's comment), at the target pc. */
function classify(jit: Any, e: Any, budget: number, retired: number): string {
  const h: Hart = jit.hart;
  if (trapped) return "trap";
  if (lastStatus === STATUS_STOP) return "stop status";
  if (h.endSlice) return "end of slice";
  if (retired > budget) return "budget";
  const pc = h.pc;
  const i = (pc >>> 1) & 0xffff;
  const entry = jit.entryPc[i] === pc ? jit.entries[i] : jit.byPc.get(pc);
  if (entry === undefined) {
    if (e.region.plan.stops.has(pc)) return "own stop";
    const c = jit.hot[i];
    if (c === NEVER) return "not translated: never";
    if (c === PENDING) return "not translated: pending";
    if (c === 0) return "not translated: budgeted out";
    return "not translated: counting";
  }
  const r = entry.region;
  if (!r.valid) return "translated, invalid";
  const at = h.fetchTlb.lookup(ACCESS_FETCH, pc);
  if (at < 0) return "translated, not mapped";
  if (r.plan.pageBuf !== at - (at & 4095)) return "translated, other page";
  const c: Int32Array | null = jit.chain;
  if (c === null) return "no chain cache";
  const k = chainIndex(pc) * 8;
  if (c[k] === (pc | 0) && c[k + 1] === Math.floor(pc / TWO32)) return "chain record present";
  return c[k] === 1 ? "chain record cleared" : "chain record of another pc";
}

const enter = Jit.prototype.enter;
Jit.prototype.enter = function (this: Any, e: Any, budget: number): number {
  jitSeen = this;
  trapped = false;
  lastStatus = 0;
  const retired = enter.call(this, e, budget);
  translated += retired;
  count(classify(this, e, budget, retired), e.region.plan.pageVa, this.hart.pc);
  return retired;
};
const trap = Hart.prototype.trap;
Hart.prototype.trap = function (this: Hart, ...a: Parameters<Hart["trap"]>) {
  trapped = true;
  return trap.apply(this, a);
};
const run = Hart.prototype.run;
Hart.prototype.run = function (this: Hart, limit: number) {
  const n = run.call(this, limit);
  interpreted += n;
  return n;
};
const proto = Jit.prototype as Any;
// Each region function as the run loop calls it, to see the status it (or a region it
// chained to) returned.
const compileFns = proto.compileFns;
proto.compileFns = function (this: Any, variants: unknown) {
  return compileFns.call(this, variants).map((c: Any) => {
    const fn = c.fn;
    return { ...c, fn: (...a: number[]) => (lastStatus = fn(...a)) };
  });
};
const clearChain = proto.clearChain;
proto.clearChain = function (this: Any) {
  chainClears++;
  return clearChain.call(this);
};

// Opened before main() runs: it revokes the write and sys permissions it does not need.
if (!values.child) Deno.writeTextFileSync(OUT, ""); // a child appends to its driver's file
const out = Deno.openSync(OUT, { append: true, create: true });
const loadFile = Deno.openSync("/proc/loadavg");

function load(): string {
  const buf = new Uint8Array(64);
  loadFile.seekSync(0, Deno.SeekMode.Start);
  const n = loadFile.readSync(buf) ?? 0;
  return new TextDecoder().decode(buf.subarray(0, n)).split(" ").slice(0, 3).join(" ");
}

function report(): void {
  const now = performance.now(), s = (now - t0) / 1000;
  const lines = [`@ ${new Date().toISOString()} ${s.toFixed(1)} s, load ${load()}`];
  const total = translated + interpreted;
  lines.push(
    `  instructions ${(total / s / 1e6).toFixed(1)} M/s, translated ${
      total ? (100 * translated / total).toFixed(1) : "-"
    } %, chain clears ${(chainClears / s).toFixed(1)}/s`,
  );
  const stats = jitSeen?.stats as Record<string, number> | undefined;
  if (stats) {
    const d = (k: string) => stats[k] - (lastStats[k] ?? 0);
    lines.push(
      `  translator: +${d("regions")} regions, +${d("dropped")} dropped, ` +
        `+${d("invalidated")} invalidated, +${d("flushes")} flushes`,
    );
    lastStats = { ...stats };
    // The address space that leads, against the translation budget's LONG_RUNNING.
    lines.push(
      `  leading: satp ${BigInt.asUintN(64, jitSeen.runSatp).toString(16)}, ` +
        `${(jitSeen.runLength / 1e6).toFixed(1)} M instructions ahead`,
    );
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const returns = sorted.reduce((a, [, n]) => a + n, 0);
  lines.push(`  returns ${(returns / s).toFixed(0)}/s:`);
  for (const [kind, n] of sorted) {
    lines.push(`    ${kind.padEnd(30)} ${(n / s).toFixed(0).padStart(8)}/s`);
    const top = [...pcs.get(kind)!].sort((a, b) => b[1] - a[1]).slice(0, TOP);
    for (const [key, m] of top) lines.push(`      ${key}  ${(m / s).toFixed(0)}/s`);
  }
  out.writeSync(new TextEncoder().encode(lines.join("\n") + "\n"));
  counts = new Map();
  pcs = new Map();
  translated = interpreted = chainClears = 0;
  t0 = now;
}

setInterval(report, EVERY_S * 1000);
const status = await main(demuArgs);
report();
Deno.exit(status);
