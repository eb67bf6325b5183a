/**
 * Where the main thread's samples fall in V8's compiled code, translated
 * regions included, down to the instruction: reads the jitdump V8 writes with
 * `--v8-flags=--perf-prof` (every compiled function's name and machine code)
 * and the samples of a `perf record -k 1` of the same process.
 *
 *   deno run -A --v8-flags=--perf-prof main.ts ...        (writes ./jit-PID.dump)
 *   perf record -k 1 -p PID -o perf.data                   (while the work runs)
 *   perf script -i perf.data -F tid,ip > samples.txt
 *   deno run -A tests/tools/jit_profile.ts --dump jit-PID.dump --samples samples.txt \
 *     [--tid N] [--top 20] [--annotate HEXADDR]
 *
 * Prints the share of each kind of code (regions, the interpreter's tier,
 * the translator's JavaScript, ...), the busiest functions, and for the
 * regions how their samples split between the entry (up to the dispatch
 * loop's first check), the way out to the next region (core/jit/codegen.ts
 * `chain`: its hash's multiply back 64 bytes, through the tail call) and the
 * rest; `--annotate` prints one function's disassembly (objdump) with its
 * samples. perf's own `inject --jit` stops at V8's first debug-info record
 * (its size is written 3 bytes short), which is why this reads the dump
 * itself (docs/speed.md, "scopes, 2026-12-07, session 23").
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dump: { type: "string" },
    samples: { type: "string" },
    tid: { type: "string" },
    top: { type: "string" },
    annotate: { type: "string" },
  },
});
if (!values.dump || !values.samples) {
  console.error(
    "jit_profile: --dump jit-PID.dump and --samples FILE (perf script -F tid,ip) needed",
  );
  Deno.exit(2);
}

interface CodeRecord {
  addr: bigint;
  size: number;
  name: string;
  /** Offset of its machine code in the dump. */
  code: number;
}

/** The code-load records of a jitdump (records: id u32, size u32, timestamp u64, ...). */
function readDump(buf: Uint8Array): CodeRecord[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: CodeRecord[] = [];
  let off = dv.getUint32(8, true), lastTs = 0n;
  const plausible = (at: number) => {
    if (at + 16 > buf.length) return false;
    const id = dv.getUint32(at, true), size = dv.getUint32(at + 4, true);
    const ts = dv.getBigUint64(at + 8, true), d = ts > lastTs ? ts - lastTs : lastTs - ts;
    return id <= 4 && size >= 16 && at + size <= buf.length && (lastTs === 0n || d < 10n ** 12n);
  };
  while (off + 16 <= buf.length) {
    if (!plausible(off)) {
      // A record written shorter than its size field says: the next one starts a few bytes on
      // (or, after a long run, further: the search goes on up to 64 KiB).
      let k = 1;
      while (k < 1 << 16 && !plausible(off + k)) k++;
      if (k === 1 << 16) break;
      off += k;
    }
    const id = dv.getUint32(off, true), size = dv.getUint32(off + 4, true);
    if (id === 0) { // JIT_CODE_LOAD: pid, tid, vma, code address, code size, index, name, code
      const addr = dv.getBigUint64(off + 32, true),
        codeSize = Number(dv.getBigUint64(off + 40, true));
      let end = off + 56;
      while (buf[end] !== 0) end++;
      const name = new TextDecoder().decode(buf.subarray(off + 56, end));
      records.push({ addr, size: codeSize, name, code: end + 1 });
    }
    lastTs = dv.getBigUint64(off + 8, true);
    off += size;
  }
  return records.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
}

const dump = Deno.readFileSync(values.dump);
const records = readDump(dump);
const find = (ip: bigint): CodeRecord | null => {
  let lo = 0, hi = records.length - 1, best = -1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    if (records[m].addr <= ip) (best = m, lo = m + 1);
    else hi = m - 1;
  }
  const r = records[best];
  return r !== undefined && ip < r.addr + BigInt(r.size) ? r : null;
};

// Samples: "TID IP" per line; the busiest thread unless --tid names one.
const lines = Deno.readTextFileSync(values.samples).split("\n");
const pairs = lines.map((l) => l.trim().split(/\s+/)).filter((p) => p.length === 2);
const byTid = new Map<string, number>();
for (const [t] of pairs) byTid.set(t, (byTid.get(t) ?? 0) + 1);
const tid = values.tid ?? [...byTid].sort((a, b) => b[1] - a[1])[0]?.[0];
const ips = pairs.filter(([t]) => t === tid).map(([, ip]) => BigInt("0x" + ip));
console.log(`${ips.length} samples of thread ${tid}, ${records.length} code records`);

const isRegion = (r: CodeRecord) => /^JS:p[0-9a-f]+f?-/.test(r.name);
const kind = (r: CodeRecord | null) =>
  r === null
    ? "(not in the dump: the runtime, GC, the kernel)"
    : isRegion(r)
    ? "translated regions"
    : r.name.replace(/-\d+-(turbofan|liftoff)$/, "").replace(/ file:.*$/, "");
const share = (n: number) => `${(100 * n / ips.length).toFixed(1)} %`;
const count = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

const kinds = new Map<string, number>(), fns = new Map<CodeRecord | null, number>();
const inRegion = new Map<CodeRecord, number[]>();
for (const ip of ips) {
  const r = find(ip);
  count(kinds, kind(r));
  count(fns, r);
  if (r !== null && isRegion(r)) {
    const offs = inRegion.get(r) ?? [];
    offs.push(Number(ip - r.addr));
    inRegion.set(r, offs);
  }
}
const top = Number(values.top ?? 15);
for (const [k, n] of [...kinds].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${share(n).padStart(7)}  ${k}`);
}
console.log("busiest functions:");
for (const [r, n] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${share(n).padStart(7)}  ${r ? `${r.name} at ${r.addr.toString(16)}` : "(none)"}`);
}

/** objdump's lines for one function's code: [offset, text]. */
function disassemble(r: CodeRecord): [number, string][] {
  const file = Deno.makeTempFileSync({ suffix: ".bin" });
  Deno.writeFileSync(file, dump.subarray(r.code, r.code + r.size));
  const out = new Deno.Command("objdump", {
    args: ["-D", "-b", "binary", "-mi386:x86-64", file],
  }).outputSync();
  Deno.removeSync(file);
  const rows: [number, string][] = [];
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const m = line.match(/^\s+([0-9a-f]+):\s(.*)$/);
    if (m) rows.push([parseInt(m[1], 16), m[2]]);
  }
  return rows;
}

// Regions with enough samples to place: entry, the way out, the rest.
let entry = 0, wayOut = 0, rest = 0, small = 0, all = 0;
for (const [r, offs] of inRegion) {
  all += offs.length;
  if (offs.length < 15) {
    small += offs.length;
    continue;
  }
  let firstCheck = -1, hash = -1, tailCall = -1;
  for (const [o, text] of disassemble(r)) {
    if (firstCheck < 0 && /cmpb\s+\$0x0,-0x[0-9a-f]+\(%r13\)/.test(text)) firstCheck = o;
    if (hash < 0 && text.includes("imul") && text.includes("$0x5bd1e995")) hash = o;
    if (hash >= 0 && tailCall < 0 && /jmp\s+\*\(%r10,/.test(text)) tailCall = o;
  }
  for (const o of offs) {
    if (firstCheck >= 0 && o <= firstCheck + 12) entry++;
    else if (hash >= 0 && o >= hash - 64 && o <= tailCall) wayOut++;
    else rest++;
  }
}
if (all > 0) {
  const of = (n: number) => `${(100 * n / all).toFixed(1)} %`;
  console.log(
    `regions' samples: entry ${of(entry)}, way out ${of(wayOut)}, the rest ${of(rest)}` +
      ` (${of(small)} in regions of under 15 samples, not placed)`,
  );
}

if (values.annotate) {
  const r = records.find((x) => x.addr.toString(16) === values.annotate!.replace(/^0x/, ""));
  if (r === undefined) {
    console.error(`jit_profile: no function at ${values.annotate}`);
    Deno.exit(2);
  }
  const hits = new Map<number, number>();
  for (const ip of ips) {
    if (ip >= r.addr && ip < r.addr + BigInt(r.size)) count(hits, Number(ip - r.addr));
  }
  console.log(`${r.name}:`);
  for (const [o, text] of disassemble(r)) {
    const n = hits.get(o);
    console.log(`${n ? String(n).padStart(6) : "      "}  ${o.toString(16).padStart(5)}: ${text}`);
  }
}
