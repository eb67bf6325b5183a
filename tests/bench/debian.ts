/**
 * Debian (`deno task debian`'s image: systemd, Debian's kernel, glibc, dash,
 * bash, python3) on demu and on qemu-system-riscv64 (TCG, same firmware,
 * kernel, initramfs, disk and command line): seconds to the root shell, then
 * work a user runs at that shell, each case twice in a row (the first run pays
 * for getting its code hot, the second is the steady state), timed inside the
 * guest by bash's $EPOCHREALTIME (no process around the timed command). The
 * cases start once the boot's own work is done (`udevadm settle`, systemd's
 * start jobs), on both machines: the root shell comes up while udev may still
 * be handling the boot's device events, each of its system calls through a
 * seccomp filter, and a case run then timed that too (docs/speed.md, "settle").
 * demu and QEMU boot alternately, DEMU_BENCH_RUNS times each (1 by default);
 * medians and the demu/QEMU ratio of the medians. Opt-in and slow (~2-3
 * minutes per demu run, ~1-1.5 per QEMU run):
 *
 *   deno run -A tests/bench/debian.ts [--runs N] [--only demu|qemu] [--boot-only]
 *     [--cases dash,bash,python,gzip,true200,ls]
 */
import { parseArgs } from "node:util";
import { median, report } from "./report.ts";
import { bootDebian, type Booted, debianDir } from "../support/debian.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string" },
    only: { type: "string" },
    cases: { type: "string" },
    "boot-only": { type: "boolean" },
  },
});
const RUNS = Number(args.values.runs ?? Deno.env.get("DEMU_BENCH_RUNS") ?? 1);
const dir = debianDir();
if (!dir) {
  console.error("bench/debian: no Debian image: run `deno task debian` first");
  Deno.exit(2);
}

const LOOP = "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done";
/** Each case: a name and the command the shell function `T` times (its output is discarded). */
const allCases: [string, string][] = [
  ["dash", `sh -c '${LOOP}'`],
  ["bash", `bash -c '${LOOP}'`],
  ["python", `python3 -c 'print(sum(i*i for i in range(1000000)))'`],
  ["gzip", `sh -c 'gzip -9 < /usr/bin/python3 | wc -c'`],
  ["true200", `sh -c 'for i in $(seq 200); do /bin/true; done'`],
  ["ls", `ls -lR /usr/lib /usr/share`],
];
const wanted = args.values.cases?.split(",");
const cases = allCases.filter(([name]) => !wanted || wanted.includes(name));

/** `T name cmd...` runs the command and prints `@T name start end` (seconds, microsecond precision). */
const TIMER = 'T() { local n=$1; shift; local a=$EPOCHREALTIME; "$@" >/dev/null 2>&1; ' +
  'local b=$EPOCHREALTIME; echo "@T $n $a $b"; }';

/** Waits for the boot's device events and start jobs (bounded: a unit that never settles). */
const SETTLE = "timeout 300 udevadm settle; timeout 300 systemctl is-system-running --wait";

type Figures = Map<string, number[]>;

function add(f: Figures, key: string, v: number): void {
  if (!f.has(key)) f.set(key, []);
  f.get(key)!.push(v);
}

async function timed(vm: Booted, name: string, cmd: string): Promise<number> {
  const out = await vm.sh(`T ${name} ${cmd}`, 1_800_000);
  const m = out.match(new RegExp(`^@T ${name} ([0-9.]+) ([0-9.]+)$`, "m"));
  if (!m) throw new Error(`bench/debian: no timing for ${name} in: ${out.slice(-500)}`);
  return Number(m[2]) - Number(m[1]);
}

async function once(on: "demu" | "qemu", f: Figures): Promise<void> {
  const vm = await bootDebian(dir!, on);
  try {
    add(f, "boot", vm.seconds);
    console.log(`${on}: root shell after ${vm.seconds.toFixed(1)} s`);
    if (args.values["boot-only"]) return;
    const t0 = performance.now();
    await vm.sh(SETTLE, 600_000);
    const settle = (performance.now() - t0) / 1000;
    add(f, "settle", settle);
    console.log(`${on}: the boot's work done ${settle.toFixed(1)} s later`);
    await vm.sh(TIMER);
    for (const [name, cmd] of cases) {
      for (const pass of ["first", "again"]) {
        const s = await timed(vm, name, cmd);
        add(f, `${name} ${pass}`, s);
        console.log(`${on}: ${name} ${pass} ${s.toFixed(2)} s`);
      }
    }
  } finally {
    await vm.stop();
  }
}

const figures = { demu: new Map() as Figures, qemu: new Map() as Figures };
const sides = (["qemu", "demu"] as const).filter((s) =>
  !args.values.only || args.values.only === s
);
for (let i = 0; i < RUNS; i++) {
  for (const on of sides) await once(on, figures[on]);
}
const load = Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(`\ndebian: ${RUNS} run(s) each, alternating; load average now ${load}`);
for (const on of sides) {
  for (const [key, xs] of figures[on]) report(`${on} ${key}`, "s", xs, 2);
}
if (sides.length === 2) {
  console.log("\ndemu / QEMU (medians):");
  for (const [key, xs] of figures.demu) {
    const q = figures.qemu.get(key);
    if (q) console.log(`  ${key.padEnd(16)} ${(median(xs) / median(q)).toFixed(2)}x`);
  }
}
