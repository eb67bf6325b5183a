/**
 * Where a guest command's run goes between the interpreter, translated code
 * and the translator: runs demu in-process (main.ts `main`, the usual command
 * line after `--`) as a child on a pipe, waits for --prompt, types each --cmd
 * and waits for the prompt again; around each command the child writes a
 * snapshot of its counters, and the driver prints each command's difference:
 * wall and CPU seconds (the main thread's, the process's: V8 compiles on its
 * other threads), instructions interpreted and translated (and of those, run
 * at another virtual address: core/jit/jit.ts `alias`), region entries, hot
 * pcs translated and turned away by the time budget, the translator's time
 * (planning and compiling; first runs), its stats, and where the
 * interpreter's WebAssembly tier stopped most often (tests/tools/tier_stops.ts).
 * For the jumps out of translated code to the run loop: why each found no
 * chain (budget, no record, fetch TLB miss), the chain records written and the
 * cache's clearings by caller, the time budget's long-running exemption (why
 * refused, when, the lead by address space), and the story of the busiest
 * jump-out target (its lookups, queueing, installs). docs/speed.md, session 15.
 *
 *   deno run -A tests/tools/cold_probe.ts --prompt 'root@debian:~# ' \
 *     [--setup CMD]... --cmd "sh -c 'i=0; while [ \$i -lt 100000 ]; do i=\$((i+1)); done'" \
 *     -- ~/.cache/demu/debian/current/debian.cfg
 *
 * After `-- --restore FILE` (a snapshot saved at the prompt) it starts from there.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { Jit } from "../../core/jit/jit.ts";
import { Hart } from "../../core/hart.ts";
import { dataTlbIndex } from "../../core/mmu.ts";
import { chainIndex } from "../../core/jit/codegen.ts";
import { ACCESS_FETCH } from "../../core/trap.ts";
import { main } from "../../main.ts";
import { spawnDemu, splitAtDashes } from "../support/cli_run.ts";
import { countTierStops, type TierStops } from "./tier_stops.ts";
import { debugRead } from "../../core/debug_access.ts";

const { own, demuArgs } = splitAtDashes(Deno.args);
const { values } = parseArgs({
  args: own,
  options: {
    out: { type: "string" },
    prompt: { type: "string" },
    setup: { type: "string", multiple: true },
    cmd: { type: "string", multiple: true },
    child: { type: "boolean" },
  },
});
const OUT = values.out ?? "/tmp/cold_probe.jsonl";

// deno-lint-ignore no-explicit-any
type Any = any;
type Snap = Record<string, number>;

if (!values.child) {
  const prompt = values.prompt ?? "# ";
  Deno.writeTextFileSync(OUT, "");
  const vm = spawnDemu(Deno.execPath(), [
    "run",
    "-A",
    fileURLToPath(import.meta.url),
    "--child",
    "--out",
    OUT,
    "--",
    ...demuArgs,
  ]);
  const t0 = performance.now();
  // A restored machine printed its prompt before the save: a newline asks for it again.
  if (demuArgs.includes("--restore")) vm.console.type("\n");
  const snaps = async (): Promise<Snap> => {
    const n = Deno.readTextFileSync(OUT).split("\n").filter((l) => l).length;
    vm.kill("SIGUSR1");
    for (;;) {
      const lines = Deno.readTextFileSync(OUT).split("\n").filter((l) => l);
      if (lines.length > n) return JSON.parse(lines[n]);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await vm.console.waitFor(prompt, 3_600_000);
  const boot = (performance.now() - t0) / 1000;
  const rows: [string, Snap][] = [];
  let before = await snaps();
  rows.push([`boot ${boot.toFixed(1)} s`, {
    ...before,
    cacheNow: before.cacheBytes,
    rssNow: before.rssMiB,
  }]);
  for (const cmd of values.setup ?? []) {
    vm.console.type(cmd + "\n");
    await vm.console.waitFor(prompt, 600_000);
  }
  for (const cmd of values.cmd ?? []) {
    before = await snaps();
    const w0 = performance.now();
    vm.console.type(cmd + "\n");
    await vm.console.waitFor(prompt, 3_600_000);
    const wall = (performance.now() - w0) / 1000;
    const after = await snaps();
    const d: Snap = { wall };
    for (const k of Object.keys(after)) d[k] = after[k] - (before[k] ?? 0);
    d.mainCpu = after.mainCpu - before.mainCpuEnd;
    d.procCpu = after.procCpu - before.procCpuEnd;
    d.load = after.load;
    d.calMs = `${before.calMs.toFixed(0)}/${after.calMs.toFixed(0)}` as unknown as number;
    d.credit = after.credit;
    d.cacheNow = after.cacheBytes;
    d.rssNow = after.rssMiB;
    d.tierStops = after.tierStops;
    d.outTop = after.outTop;
    d.clearWhy = after.clearWhy;
    d.watch = after.watch;
    d.runLengthNow = after.runLength;
    d.runSatpNow = after.runSatpNow;
    d.spaces = after.spaces;
    d.exemptEvents = after.exemptEvents;
    d.story = after.story;
    rows.push([cmd.slice(0, 40), d]);
  }
  await vm.stop();
  for (const [name, d] of rows) {
    const f = (k: string, p = 0, s = 1) => ((d[k] ?? NaN) / s).toFixed(p);
    console.log(`== ${name} (load ${f("load", 2)}, calibration CPU ms before/after ${d.calMs})`);
    console.log(
      `  wall ${f("wall", 2)} s, CPU main ${f("mainCpu", 2)} s, process ${f("procCpu", 2)} s`,
    );
    console.log(
      `  insns: interpreted ${f("interp", 1, 1e6)} M, translated ${f("trans", 1, 1e6)} M ` +
        `(at an alias ${f("transAlias", 1, 1e6)} M), region entries ${f("enters", 2, 1e6)} M, ` +
        `run-loop lookups ${f("lookups", 2, 1e6)} M, slow-path loads ${
          f("slowLoads", 2, 1e6)
        } M, ` +
        `stores ${f("slowStores", 2, 1e6)} M`,
    );
    console.log(
      `  hot: queued ${f("queued")}, turned away ${f("turnedAway")}, aliases made ${
        f("aliasMade")
      }, alias refused ${f("aliasRefused")} (invalid ${f("refInvalid")}, cross ${
        f("refCross")
      }, epoch ${f("refEpoch")}), translatePending ${f("tpMs")} ms, ` +
        `first runs ${f("firstRunMs")} ms, spent ${f("spentMs")} ms, credit now ${f("credit")} ms`,
    );
    console.log(
      `  stats: +${f("regions")} regions (${f("dupRegions")} with code translated elsewhere), ` +
        `+${f("blocks")} blocks, +${f("instructions")} insns, +${f("modules")} modules, +${
          f("reused")
        } reused, ` +
        `${f("compileMs")} ms compiling, +${f("invalidated")} invalidated, ` +
        `+${f("dropped")} dropped, +${f("flushes")} flushes, cache now ${
          f("cacheNow", 0, 1024)
        } KiB, RSS now ${f("rssNow")} MiB`,
    );
    console.log(
      `  exits ${f("exits")}: trap ${f("exitsTrap")}, ecall ${f("exitsEcall")}, csr ${
        f("exitsCsr")
      }, xret ${f("exitsXret")}, sys ${f("exitsSys")}, stop ${f("exitsStop")}, out ${
        f("exitsOut")
      } (budget ${f("outBudget")}, no chain record ${f("outNoRecord")} [a record of the pair free ${
        f("outCleared")
      }, no region ${f("outNoRegion")}], fetch miss ${f("outFetchMiss")}, other ${
        f("outOther")
      }); out most often to: ${d.outTop}`,
    );
    console.log(
      `  chain records written ${f("chainTo")} (${
        f("chainNoSlot")
      } not: no flat variant yet), chain cache cleared ${f("chainClears")} (${d.clearWhy})`,
    );
    console.log(`  lookups of ${d.watch}`);
    console.log(`  its story: ${d.story}`);
    console.log(
      `  exempt from the budget ${f("exemptGranted")} of ${
        f("exemptAsked")
      } times asked (not: in S/M ${f("exemptNotU")}, another space leads ${
        f("exemptOtherSpace")
      }, lead short ${f("exemptShort")}); lead ${
        (d.runLengthNow / 1e6).toFixed(1)
      } M instructions, ${
        d.runSatpNow ? "this" : "another"
      } address space's; by ASID ${d.spaces}; refusals ${d.exemptEvents}`,
    );
    if (d.tierStops) console.log(String(d.tierStops).replace(/^/gm, "  "));
  }
  Deno.exit(0);
}

// The child: counters bumped by wrapped methods.
const c: Snap = {
  interp: 0,
  trans: 0,
  transAlias: 0,
  enters: 0,
  lookups: 0,
  queued: 0,
  turnedAway: 0,
  aliasMade: 0,
  aliasRefused: 0,
  tpMs: 0,
  firstRunMs: 0,
  spentMs: 0,
  dupRegions: 0,
  refInvalid: 0,
  refPage: 0,
  refCross: 0,
  refEpoch: 0,
};
let jit: Any = null;
const proto = Jit.prototype as Any;

const enter = proto.enter;
const exitDetail = new Map<number, { noRegion: number; holders: Set<string> }>();
// Why translated code jumped out to the run loop: its budget spent, no chain record for the
// target, a record but the fetch TLB's first way without the target's page, or neither.
for (const k of ["outBudget", "outNoRecord", "outFetchMiss", "outOther"]) c[k] = 0;
proto.enter = function (this: Any, e: Any, budget: number): number {
  jit = this;
  c.enters++;
  const out0 = this.stats.exitsOut;
  const k = enter.call(this, e, budget);
  if (this.stats.exitsOut !== out0) {
    const h = this.hart, pc = h.pc, ch = this.chain as Int32Array;
    const a = chainIndex(pc) * 8, b = a ^ 8, lo = pc | 0, hi = Math.floor(pc / 2 ** 32);
    if (k >= budget) c.outBudget++;
    else if (!((ch[a] === lo && ch[a + 1] === hi) || (ch[b] === lo && ch[b + 1] === hi))) {
      c.outNoRecord++;
      // Taken by other pcs (a third of one hash), or cleared (1)?
      if (ch[a] === 1 || ch[b] === 1) c.outCleared = (c.outCleared ?? 0) + 1;
      const e = this.byPc.get(pc);
      if (e === undefined || !e.region.valid) c.outNoRegion = (c.outNoRegion ?? 0) + 1;
      let d = exitDetail.get(pc);
      if (!d) exitDetail.set(pc, d = { noRegion: 0, holders: new Set() });
      if (Number.isNaN(watched) && (this.outExits?.get(pc) ?? 0) >= 1000) watched = pc;
      if (e === undefined || !e.region.valid) d.noRegion++;
      if (d.holders.size < 6) {
        d.holders.add(`${(ch[a + 1] * 2 ** 32 + (ch[a] >>> 0)).toString(16)}`);
        d.holders.add(`${(ch[b + 1] * 2 ** 32 + (ch[b] >>> 0)).toString(16)}`);
      }
    } else if (!h.fetchTlb.holds(ACCESS_FETCH, pc, true)) { // the chain checks both ways
      c.outFetchMiss++;
    } else c.outOther++;
  }
  c.trans += k;
  if ((e.delta ?? 0) !== 0) c.transAlias += k; // delta: only with translation aliases
  return k;
};
const run = Hart.prototype.run;
let stops: TierStops | null = null, stopsHart: Hart | null = null;
Hart.prototype.run = function (this: Hart, limit: number) {
  // The machine's hart (core/warmup.ts runs one of its own first).
  if (stopsHart !== this && this.wasmInterp !== null) {
    stops = countTierStops(this);
    stopsHart = this;
  }
  const n = run.call(this, limit);
  c.interp += n;
  return n;
};
const lookup = proto.lookup;
// How the run loop's lookups of the busiest jump-out target go (chosen at its 1000th exit).
let watched = NaN;
const watch = new Map<string, number>();
proto.lookup = function (this: Any, pc: number) {
  jit = this;
  c.lookups++;
  if (pc === watched) {
    const i = (pc >>> 1) & 0xffff;
    const mapped = this.hart.fetchTlb.holds(ACCESS_FETCH, pc);
    const direct = this.entryPc[i] === pc ? this.entries[i] : undefined;
    const byPc = this.byPc.get(pc);
    const key = `${mapped ? "mapped" : "fetch-miss"} direct:${
      direct ? (direct.region.valid ? "valid" : "invalid") : "none"
    } byPc:${byPc ? (byPc.region.valid ? "valid" : "invalid") : "none"} hot:${
      this.hot[i] < 0 ? "<0" : this.hot[i]
    }`;
    watch.set(key, (watch.get(key) ?? 0) + 1);
    if (this.hot[i] === 0 && !direct && !byPc) note("hot 0");
  }
  const i = (pc >>> 1) & 0xffff;
  const was = this.hot[i];
  const e = lookup.call(this, pc);
  const now = this.hot[i];
  if (was === 0 && now === -200000) c.turnedAway++;
  return e;
};
const alias = proto.alias;
if (alias) {
  proto.alias = function (this: Any, pc: number, base: number, i: number) {
    const e = alias.call(this, pc, base, i);
    if (e !== null) c.aliasMade++;
    else {
      const f = this.byCode.get(base + (pc & 4095));
      if (f !== undefined) {
        c.aliasRefused++;
        const r = f.region;
        const why = !r.valid
          ? "refInvalid"
          : r.plan.pageBuf !== base
          ? "refPage"
          : r.plan.crossBuf >= 0
          ? "refCross"
          : "refEpoch";
        c[why] = (c[why] ?? 0) + 1;
      }
    }
    return e;
  };
}
// Translated code's loads and stores that missed its TLB check (the slow path, in JS), and
// the pages behind them by data-TLB index (core/mmu.ts dataTlbIndex).
const slowPages = new Map<number, Map<number, number>>();
for (const [name, key] of [["loadHelper", "slowLoads"], ["storeHelper", "slowStores"]]) {
  const f = proto[name];
  c[key] = 0;
  proto[name] = function (this: Any, lo: number, hi: number, f3: number) {
    c[key]++;
    const ti = dataTlbIndex(lo), page = hi * 4294967296 + (lo >>> 0) - ((lo >>> 0) % 4096);
    let m = slowPages.get(ti);
    if (!m) slowPages.set(ti, m = new Map());
    if (m.size < 8 || m.has(page)) m.set(page, (m.get(page) ?? 0) + 1);
    return f.call(this, lo, hi, f3);
  };
}
// Chain records written, and the whole chain cache cleared (by why: the caller's name).
c.chainTo = 0;
c.chainNoSlot = 0;
c.outCleared = 0;
c.outNoRegion = 0;
c.chainClears = 0;
const clearWhy = new Map<string, number>();
for (const [name, key] of [["chainTo", "chainTo"], ["clearChain", "chainClears"]]) {
  const f = proto[name];
  proto[name] = function (this: Any, ...a: unknown[]) {
    c[key]++;
    if (key === "chainTo") {
      const e = a[1] as Any, r = e.region;
      const slot = r.entries.has(e.index) ? r.slot : r.flatSlot;
      if (slot < 0) c.chainNoSlot = (c.chainNoSlot ?? 0) + 1;
    }
    if (key === "chainClears") {
      const caller = new Error().stack?.split("\n")[2]?.trim().split(" ")[1] ?? "?";
      clearWhy.set(caller, (clearWhy.get(caller) ?? 0) + 1);
    }
    return f.apply(this, a);
  };
}
// The watched target's story: its queueing, translations, installs and removals, in order.
const story: string[] = [];
const note = (what: string) => {
  if (story.length < 40) story.push(`${what}@${((c.interp + c.trans) / 1e6).toFixed(0)}M`);
};
const install = proto.install;
proto.install = function (this: Any, region: Any) {
  if (region.plan.blocks.some((b: Any) => b.pc === watched)) {
    note(`install(${region.plan.blocks.length} blocks, entry ${region.entries.size})`);
  }
  return install.call(this, region);
};
const forget = proto.forgetEntries;
proto.forgetEntries = function (this: Any, r: Any) {
  if (r.plan.blocks.some((b: Any) => b.pc === watched)) note(`forget(valid ${r.valid})`);
  return forget.call(this, r);
};
const tp = proto.translatePending;
proto.translatePending = function (this: Any) {
  if (this.pending.some((p: Any) => p.pc === watched)) note("planned");
  return tp.call(this);
};
// Instructions by address space (satp at the end of each translator slice), for the lead.
const bySpace = new Map<bigint, number>();
const jitRun = proto.run;
proto.run = function (this: Any, limit: number, exact?: boolean) {
  const n = jitRun.call(this, limit, exact);
  const k = this.hart.satp as bigint;
  bySpace.set(k, (bySpace.get(k) ?? 0) + n);
  return n;
};
// The long-running exemption from the time budget: asked how often, granted how often.
c.exemptAsked = 0;
c.exemptGranted = 0;
c.exemptNotU = c.exemptOtherSpace = c.exemptShort = 0;
const exempt = proto.exempt;
const exemptEvents: string[] = [];
const refusalsAt = new Map<number, number>();
proto.exempt = function (this: Any) {
  const r = exempt.call(this);
  c.exemptAsked++;
  if (r) c.exemptGranted++;
  else {
    const h = this.hart;
    const why = h.priv !== 0
      ? "exemptNotU"
      : h.satp !== this.runSatp
      ? "exemptOtherSpace"
      : "exemptShort";
    c[why] = (c[why] ?? 0) + 1;
    const asid = (v: bigint) => Number((BigInt.asUintN(64, v) >> 44n) & 0xffffn);
    const ev = `${why.slice(6)}@${(c.interp + c.trans) / 1e6 | 0}M:run ${asid(this.runSatp)} now ${
      asid(h.satp)
    } lead ${(this.runLength / 1e6).toFixed(1)}M`;
    if (exemptEvents.length < 3) exemptEvents.push(ev);
    else exemptEvents[3] = ev;
    // Refusals of U-mode pcs by when (100 M instructions of the process a bucket).
    if (why !== "exemptNotU") {
      const t = Math.floor((c.interp + c.trans) / 1e8);
      refusalsAt.set(t, (refusalsAt.get(t) ?? 0) + 1);
    }
  }
  return r;
};
// Flat variants (a region entered inside one of its loops: at an alias, say).
const flatFn = proto.flatFn;
c.flats = 0;
proto.flatFn = function (this: Any, r: Any) {
  if (r.flat === null) c.flats++;
  return flatFn.call(this, r);
};
const translatePending = proto.translatePending;
proto.translatePending = function (this: Any) {
  c.queued += this.pending.length;
  const t0 = performance.now();
  translatePending.call(this);
  c.tpMs += performance.now() - t0;
};
const spend = proto.spend;
proto.spend = function (this: Any, ms: number) {
  c.spentMs += ms;
  return spend.call(this, ms);
};
const planWithPage = proto.planWithPage;
c.mergeMs = 0;
proto.planWithPage = function (this: Any, ...a: unknown[]) {
  const t0 = performance.now();
  const p = planWithPage.apply(this, a);
  c.mergeMs += performance.now() - t0;
  return p;
};
const compile = proto.compile;
c.dupScanMs = 0;
proto.compile = function (this: Any, plans: Any[]) {
  const t1 = performance.now();
  // A region whose code some valid region translated at another virtual address already.
  for (const p of plans) {
    const elsewhere = p.blocks.some((b: Any) => {
      const e = this.byCode?.get(p.pageBuf + b.pc - p.pageVa);
      if (e !== undefined) return e.region.valid && e.region.plan.pageVa !== p.pageVa;
      for (const r of this.byPage.get(p.pageBuf >>> 12) ?? []) {
        if (r.valid && r.plan.pageVa !== p.pageVa && r.plan.pageBuf === p.pageBuf) {
          if (r.plan.blocks.some((x: Any) => x.pc - r.plan.pageVa === b.pc - p.pageVa)) return true;
        }
      }
      return false;
    });
    if (elsewhere) c.dupRegions++;
  }
  c.dupScanMs += performance.now() - t1;
  const t0 = performance.now();
  const out = compile.call(this, plans);
  void t0;
  return out;
};

const out = Deno.openSync(OUT, { append: true, create: true });
const statFiles = [
  Deno.openSync(`/proc/self/task/${Deno.pid}/stat`),
  Deno.openSync("/proc/self/stat"),
  Deno.openSync("/proc/loadavg"),
  Deno.openSync("/proc/self/status"),
];
function readProc(k: number): string {
  const buf = new Uint8Array(4096);
  statFiles[k].seekSync(0, Deno.SeekMode.Start);
  const n = statFiles[k].readSync(buf) ?? 0;
  return new TextDecoder().decode(buf.subarray(0, n));
}
/** utime + stime in seconds from a /proc stat line (USER_HZ 100). */
function cpuOf(k: number): number {
  const s = readProc(k);
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * Main-thread CPU milliseconds of a fixed loop: how fast the host runs this
 * thread just now (the machine's virtual CPUs are shared: the same work took
 * 2-7 times the CPU time in some runs).
 */
function calibrate(): number {
  const t0 = cpuOf(0);
  let x = 1;
  for (let k = 0; k < 100_000_000; k++) x = (x * 1103515245 + 12345) | 0;
  // x used, so that the loop is not dropped as dead code.
  return (cpuOf(0) - t0) * 1000 + (x === 42 ? 1e-9 : 0);
}

Deno.addSignalListener("SIGUSR1", () => {
  const mainCpu = cpuOf(0), procCpu = cpuOf(1), calMs = calibrate();
  // A command's CPU runs from the end of the snapshot before (its calibration not counted).
  const snap: Snap = { ...c, mainCpu, procCpu, calMs, mainCpuEnd: cpuOf(0), procCpuEnd: cpuOf(1) };
  snap.load = Number(readProc(2).split(" ")[0]);
  snap.rssMiB = Number(/VmRSS:\s+(\d+)/.exec(readProc(3))?.[1] ?? NaN) / 1024;
  if (jit) {
    for (const [k, v] of Object.entries(jit.stats as Snap)) snap[k] = v;
    jit.overBudget?.call(jit);
    snap.credit = jit.creditMs;
    snap.runLength = jit.runLength;
    snap.runSatpNow = Number(jit.runSatp === jit.hart.satp);
  }
  // The data-TLB slots with the most slow-path accesses since the last snapshot, and their pages.
  const top = [...slowPages].map(([ti, m]) =>
    [ti, [...m.values()].reduce((a, b) => a + b, 0), m] as const
  )
    .sort((a, b) => b[1] - a[1]).slice(0, 3);
  snap.slowTop = top.map(([ti, n, m]) =>
    `slot ${ti}: ${n} (${[...m].map(([pg, k]) => `${pg.toString(16)}:${k}`).join(" ")})`
  ).join("; ") as unknown as number;
  slowPages.clear();
  snap.tierStops = (stops?.report(12) ?? "") as unknown as number;
  // Where translated code jumped out most often for a pc no chain took it to.
  if (jit && !jit.outExits) jit.outExits = new Map();
  // Each with its jump counter, whether a translation covers it, and its first halfword.
  snap.outTop = [...(jit?.outExits ?? new Map()) as Map<number, number>]
    .sort((a, b) => b[1] - a[1]).slice(0, 8)
    .map(([pc, n]) => {
      const i = (pc >>> 1) & 0xffff, e = jit.byPc.get(pc);
      const insn = stopsHart ? debugRead(stopsHart, pc, 2) : new Uint8Array(0);
      const half = insn.length === 2 ? (insn[0] | (insn[1] << 8)).toString(16) : "?";
      const d = exitDetail.get(pc);
      return `${BigInt.asUintN(64, BigInt(pc)).toString(16)}:${n} [hot ${jit.hot[i]}, ${
        e === undefined ? "none" : e.region.valid ? "region" : "invalid"
      }, ${half}, no region at ${d?.noRegion} exits, pair held by ${[...d?.holders ?? []]}]`;
    })
    .join(" ") as unknown as number;
  jit?.outExits?.clear();
  exitDetail.clear();
  snap.spaces = [...bySpace].sort((a, b) => b[1] - a[1]).slice(0, 5)
    .map(([k, n]) => `${(BigInt.asUintN(64, k) >> 44n) & 0xffffn}:${(n / 1e6).toFixed(1)}M`)
    .join(" ") as unknown as number;
  bySpace.clear();
  snap.exemptEvents = (exemptEvents.join("; ") + "; U-mode refusals by 100 M: " +
    [...refusalsAt].map(([t, n]) => `${t}:${n}`).join(" ")) as unknown as number;
  refusalsAt.clear();
  exemptEvents.length = 0;
  snap.watch = `${BigInt.asUintN(64, BigInt(Number.isNaN(watched) ? 0 : watched)).toString(16)}: ${
    [...watch].map(([k, v]) => `${k} = ${v}`).join("; ")
  }` as unknown as number;
  watch.clear();
  watched = NaN;
  snap.story = story.join(" ") as unknown as number;
  story.length = 0;
  snap.clearWhy = [...clearWhy].map(([k, v]) => `${k}:${v}`).join(" ") as unknown as number;
  clearWhy.clear();
  stops?.clear();
  out.writeSync(new TextEncoder().encode(JSON.stringify(snap) + "\n"));
});

const status = await main(demuArgs);
Deno.exit(status);
