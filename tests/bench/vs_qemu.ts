/**
 * `deno task bench`, devices end to end: the same guest script on demu and on
 * qemu-system-riscv64 (virt machine, same kernel and initramfs, 128 MiB RAM,
 * virtio-mmio disk, 9P share and user-mode network), timed on the host around
 * each command, medians of DEMU_BENCH_RUNS runs, with the demu/QEMU ratio.
 * The guests run one after the other, never at once.
 *
 *   deno run -A tests/bench/vs_qemu.ts [--only demu|qemu] [--size MiB] [--runs N]
 *     [--cases blk,9p,NAT] [--prof DIR (demu's CPU profile)]
 *     [--demu LABEL=PATH/main.ts ...] [--rounds N]
 *
 * `--demu` (repeatable) runs other demu builds (another checkout's main.ts)
 * beside this one, each a column; `--rounds` repeats the whole set of guests,
 * builds and QEMU taking turns, so a before/after comparison sees the same
 * moments of the machine's load. Every figure is a median over rounds and
 * runs. The load average is printed before and after.
 *
 * Without qemu-system-riscv64 it prints demu's figures alone and says so.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultImagePaths } from "../../backends/image/image_cache.ts";
import { powerOffGuest, REPO, spawnDemu } from "../support/cli_run.ts";
import { qemuAvailable } from "./qemu.ts";
import { median } from "./report.ts";
import { splitProfile } from "../tools/profile_split.ts";
import { payloadResponse, writeTransferFiles } from "./transfer_fixture.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    only: { type: "string" },
    size: { type: "string" },
    runs: { type: "string" },
    cases: { type: "string" },
    prof: { type: "string" },
    demu: { type: "string", multiple: true },
    rounds: { type: "string" },
  },
});
const RUNS = Number(args.values.runs ?? Deno.env.get("DEMU_BENCH_RUNS") ?? 3);
const ROUNDS = Number(args.values.rounds ?? 1);
const MIB = Number(args.values.size ?? 128);
const SIZE = MIB << 20;
const SMALL_FILES = 300;
const PROMPT = "~ # ";

/** The transfers, each a command typed into the guest's shell; `bytes` 0 means files/s. */
interface Case {
  name: string;
  cmd: (ctx: Ctx) => string;
  /** Work done by one run: bytes, or files for metadata. */
  amount: number;
  unit: "MB/s" | "files/s";
  /** Runs before each timed run (untimed). */
  before?: (ctx: Ctx) => string;
  /** Checks after each run (host side). */
  check?: (ctx: Ctx) => Promise<void>;
}

interface Ctx {
  httpPort: number;
  sinkPort: number;
  dir: string;
  sinkTotal: () => number;
}

const DROP = "sync; echo 3 > /proc/sys/vm/drop_caches";
const allCases: Case[] = [
  {
    name: "blk read (dd bs=1M, page cache)",
    before: () => DROP,
    cmd: () => `dd if=/dev/vda of=/dev/null bs=1M count=${MIB} 2>/dev/null`,
    amount: SIZE,
    unit: "MB/s",
  },
  {
    name: "blk write (dd bs=1M + fsync)",
    before: () => DROP,
    cmd: () => `dd if=/dev/zero of=/dev/vda bs=1M count=${MIB} conv=fsync 2>/dev/null`,
    amount: SIZE,
    unit: "MB/s",
  },
  {
    name: "9p read (cat, msize 512000)",
    cmd: () => "cat /mnt/big > /dev/null",
    amount: SIZE,
    unit: "MB/s",
  },
  {
    name: "9p write (dd bs=1M + sync)",
    cmd: () => `dd if=/dev/zero of=/mnt/out bs=1M count=${MIB} 2>/dev/null && sync`,
    amount: SIZE,
    unit: "MB/s",
    check: async (c) => {
      const st = await Deno.stat(join(c.dir, "out"));
      if (st.size !== SIZE) throw new Error(`9p write: the file has ${st.size} bytes`);
    },
  },
  {
    name: `9p metadata (stat+open ${SMALL_FILES} files)`,
    cmd: () => "ls -l /mnt/small > /dev/null && cat /mnt/small/* > /dev/null",
    amount: SMALL_FILES,
    unit: "files/s",
  },
  {
    name: "NAT download (wget from host)",
    cmd: (c) => `wget -q -O /dev/null http://10.0.2.2:${c.httpPort}/`,
    amount: SIZE,
    unit: "MB/s",
  },
  {
    name: "NAT upload (nc to host)",
    cmd: (c) => `dd if=/dev/zero bs=1M count=${MIB} 2>/dev/null | nc 10.0.2.2 ${c.sinkPort}`,
    amount: SIZE,
    unit: "MB/s",
    check: async (c) => {
      await waitUntil(() => c.sinkTotal() >= SIZE);
      if (c.sinkTotal() !== SIZE) throw new Error(`upload: host got ${c.sinkTotal()} bytes`);
    },
  },
];

/** `--cases blk,9p` keeps the cases whose names start with one of those words. */
const cases = allCases.filter((c) =>
  !args.values.cases || args.values.cases.split(",").some((w) => c.name.startsWith(w))
);

async function waitUntil(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

/** A host TCP server that counts the bytes each connection sends, then closes it. */
function sink(): { port: number; total: () => number; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let total = 0;
  const buf = new Uint8Array(1 << 20);
  (async () => {
    for await (const conn of listener) {
      total = 0;
      (async () => {
        try {
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) break;
            total += n;
            if (total >= SIZE) break;
          }
        } catch { /* the guest reset it */ }
        try {
          conn.close();
        } catch { /* closed */ }
      })();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    total: () => total,
    close: () => listener.close(),
  };
}

/** An emulator to measure: "qemu", or a demu build by the path of its main.ts. */
interface Emulator {
  label: string;
  main?: string;
}

function emulatorCommand(
  emu: Emulator,
  disk: string,
  dir: string,
): [string, string[]] {
  const p = defaultImagePaths();
  if (emu.main) {
    const prof = args.values.prof ? ["--cpu-prof", `--cpu-prof-dir=${args.values.prof}`] : [];
    return [Deno.execPath(), [
      "run",
      "-A",
      ...prof,
      emu.main,
      "-m",
      "128",
      "--default",
      "--drive",
      disk,
      "-rw",
      "--fs",
      `bench=${dir}`,
      "--net",
      "user",
    ]];
  }
  return ["qemu-system-riscv64", [
    "-M",
    "virt",
    "-m",
    "128",
    "-nographic",
    "-no-reboot",
    "-bios",
    p.bios,
    "-kernel",
    p.kernel,
    "-initrd",
    p.initrd,
    "-append",
    "console=ttyS0",
    "-drive",
    `file=${disk},if=none,format=raw,id=d0`,
    "-device",
    "virtio-blk-device,drive=d0",
    "-fsdev",
    `local,id=f0,path=${dir},security_model=none`,
    "-device",
    "virtio-9p-device,fsdev=f0,mount_tag=bench",
    "-netdev",
    "user,id=n0",
    "-device",
    "virtio-net-device,netdev=n0",
  ]];
}

async function runGuest(emu: Emulator, ctx: Ctx, disk: string): Promise<number[][]> {
  const which = emu.label;
  const [cmd, argv] = emulatorCommand(emu, disk, ctx.dir);
  const p = spawnDemu(cmd, argv);
  const con = p.console;
  const sh = async (line: string, ms = 600_000) => {
    con.type(line + "\n");
    return await con.waitFor(PROMPT, ms);
  };
  const results: number[][] = cases.map(() => []);
  try {
    await con.waitFor(PROMPT, 180_000);
    await sh("stty -echo 2>/dev/null; udhcpc -i eth0 -q -n -t 5 >/dev/null 2>&1");
    await sh(
      "mkdir -p /mnt && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 bench /mnt",
    );
    for (let i = 0; i < RUNS; i++) {
      for (const [k, c] of cases.entries()) {
        if (c.before) await sh(c.before(ctx));
        const t0 = performance.now();
        const out = await sh(c.cmd(ctx));
        const s = (performance.now() - t0) / 1000;
        if (/No such|can't|error|fail/i.test(out)) throw new Error(`${which} ${c.name}: ${out}`);
        await c.check?.(ctx);
        results[k].push(c.unit === "MB/s" ? c.amount / s / 1e6 : c.amount / s);
      }
    }
    await powerOffGuest(p);
  } catch (e) {
    await p.stop();
    throw e;
  }
  return results;
}

const hasQemu = await qemuAvailable();
const emulators: Emulator[] = [];
if ((args.values.only ?? "demu") === "demu") {
  emulators.push({ label: "demu", main: join(REPO, "main.ts") });
  for (const spec of args.values.demu ?? []) {
    const at = spec.indexOf("=");
    if (at < 1) throw new Error(`--demu wants LABEL=PATH/main.ts, not '${spec}'`);
    emulators.push({ label: spec.slice(0, at), main: spec.slice(at + 1) });
  }
}
if ((args.values.only ?? "qemu") === "qemu" && hasQemu) emulators.push({ label: "qemu" });
if (!hasQemu) console.log("qemu-system-riscv64 is not installed: demu's figures alone");
const loadAverage = () => Deno.loadavg().map((l) => l.toFixed(1)).join(" ");
console.log(`load average (1, 5, 15 min) at the start: ${loadAverage()}`);

const tmp = await Deno.makeTempDir({ prefix: "demu-bench-vsq-" });
const ac = new AbortController();
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
  () => payloadResponse(SIZE),
);
const s = sink();
try {
  const { share, disk } = await writeTransferFiles(tmp, SIZE, SMALL_FILES);
  const ctx: Ctx = {
    httpPort: server.addr.port,
    sinkPort: s.port,
    dir: share,
    sinkTotal: s.total,
  };
  // Each emulator's figures per case, over all rounds.
  const all = new Map<string, number[][]>(emulators.map((e) => [e.label, cases.map(() => [])]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const emu of emulators) {
      const got = await runGuest(emu, ctx, disk);
      got.forEach((xs, k) => all.get(emu.label)![k].push(...xs));
    }
  }
  const demus = emulators.filter((e) => e.main).map((e) => e.label);
  const cell = (s: string) => s.padStart(9);
  console.log(
    `${"transfer".padEnd(40)} ${[...all.keys()].map(cell).join(" ")}  ` +
      `${demus.map((l) => `${l}/qemu`).join(" ")}   (medians of ${RUNS * ROUNDS}, ${MIB} MiB each)`,
  );
  for (const [k, c] of cases.entries()) {
    const q = all.has("qemu") ? median(all.get("qemu")![k]) : NaN;
    const figures = [...all.values()].map((xs) => cell(median(xs[k]).toFixed(1)));
    const ratios = demus.map((l) => (median(all.get(l)![k]) / q).toFixed(2));
    console.log(`${c.name.padEnd(40)} ${figures.join(" ")}  ${ratios.join(" ")} ${c.unit}`);
  }
  console.log(`load average (1, 5, 15 min) at the end: ${loadAverage()}`);
  if (args.values.prof) {
    // Where demu's host time went (the profile covers the boot too: compare with --cases none).
    for (const e of Deno.readDirSync(args.values.prof)) {
      if (!e.name.endsWith(".cpuprofile")) continue;
      const split = splitProfile(JSON.parse(Deno.readTextFileSync(join(args.values.prof, e.name))));
      console.log(
        `demu profile ${e.name}: ` +
          Object.entries(split).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(", "),
      );
    }
  }
} finally {
  ac.abort();
  await server.finished;
  s.close();
  await Deno.remove(tmp, { recursive: true });
}
