/**
 * Where one guest transfer's time goes, in one process: the default image
 * booted with a raw disk, a 9P share and the user network (as
 * tests/bench/vs_qemu.ts gives them), one command run after a cache drop,
 * several times, and for each run: the guest's instructions and how many of
 * them ran translated, the device's notifies and host time, the guest's
 * interrupts and block requests (its own counters), the time the guest sat
 * idle in WFI, and the process's CPU seconds. `--functions` also samples the
 * instructions by the kernel function they belong to (the kernel's
 * System.map), and with `--interpreted` only those the translator left to
 * the interpreter. Without `--interpreted` the sampling runs every
 * instruction in the interpreter, so such a run's times are not the
 * transfer's. `--exits` lists where translated code left most often in the
 * last run for a pc no chain took it to. `--stops` lists the
 * instructions the interpreter's WebAssembly tier stopped at most often in the
 * last run (each is left to core/hart.ts's loop), and how many of its calls
 * ran fewer than 4 instructions.
 *
 *   deno run -A tests/tools/io_profile.ts
 *     [--cmd read|write|9p-read|9p-write|meta|download|upload[,...]]
 *     [--runs N] [--size MiB] [--functions [--interpreted]] [--exits] [--stops] [--map System.map]
 *
 * Needs the default image; --functions needs the kernel's System.map (from
 * the image build, ~/.cache/demu/images/build/linux-*).
 */
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { openDrive } from "../../backends/block/drive.ts";
import { HostFs } from "../../backends/fs/p9_host_fs.ts";
import { cacheDir } from "../../backends/image/image_cache.ts";
import { UserNetwork } from "../../backends/net/user.ts";
import type { Machine } from "../../board/machine.ts";
import type { VirtioDevice } from "../../devices/virtio.ts";
import type { JitStats } from "../../core/jit/jit.ts";
import { Virtio9p } from "../../devices/virtio_9p.ts";
import { VirtioNet } from "../../devices/virtio_net.ts";
import { bootShell } from "../support/guest_shell.ts";
import { countTierStops } from "./tier_stops.ts";
import { writeTransferFiles } from "../bench/transfer_fixture.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    cmd: { type: "string", default: "read" },
    runs: { type: "string", default: "3" },
    size: { type: "string", default: "64" },
    functions: { type: "boolean" },
    interpreted: { type: "boolean" },
    exits: { type: "boolean" },
    stops: { type: "boolean" },
    map: { type: "string" },
  },
});
const MIB = Number(args.values.size);
const SIZE = MIB << 20;
const FILES = 300;

const tmp = await Deno.makeTempDir({ prefix: "demu-io-profile-" });
// The HTTP server and the sink in a process of their own, as the bench has them (not stalled
// while this process runs the guest).
const hostSide = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--allow-net=127.0.0.1",
    join(import.meta.dirname!, "../bench/transfer_fixture.ts"),
    String(MIB),
  ],
  stdout: "piped",
}).spawn();
try {
  const line = await hostSide.stdout.getReader().read();
  const ports = JSON.parse(new TextDecoder().decode(line.value));
  const { share, disk } = await writeTransferFiles(tmp, SIZE, FILES);

  const commands: Record<string, { line: string; device: "blk" | "9p" | "net" }> = {
    read: { line: `dd if=/dev/vda of=/dev/null bs=1M count=${MIB}`, device: "blk" },
    write: { line: `dd if=/dev/zero of=/dev/vda bs=1M count=${MIB} conv=fsync`, device: "blk" },
    "9p-read": { line: "cat /mnt/big > /dev/null", device: "9p" },
    "9p-write": {
      line: `dd if=/dev/zero of=/mnt/out bs=1M count=${MIB} 2>/dev/null && sync`,
      device: "9p",
    },
    meta: { line: "ls -l /mnt/small > /dev/null && cat /mnt/small/* > /dev/null", device: "9p" },
    download: { line: `wget -q -O /dev/null http://10.0.2.2:${ports.http}/`, device: "net" },
    upload: {
      line: `dd if=/dev/zero bs=1M count=${MIB} 2>/dev/null | nc 10.0.2.2 ${ports.sink}`,
      device: "net",
    },
  };
  // Several (read,write,...): each run runs them in turn, as the bench does.
  const chosen = args.values.cmd!.split(",").map((name) => {
    const c = commands[name];
    if (!c) throw new Error(`--cmd: one of ${Object.keys(commands).join(", ")}`);
    return { name, ...c };
  });

  const blk = await openDrive({ file: disk }, 0, { rw: true });
  const devices: Record<string, VirtioDevice> = {
    blk,
    "9p": new Virtio9p("bench", new HostFs(share)),
    net: new VirtioNet(new UserNetwork({ log: () => {} })),
  };
  const g = await bootShell(Object.values(devices));
  const m = g.machine;
  console.log(`boot to the prompt: ${(m.executed / 1e6).toFixed(0)} M instructions`);
  const count = { notifies: 0, deviceMs: 0, idleMs: 0, translated: 0 };
  for (const dev of new Set(chosen.map((c) => devices[c.device]))) {
    const notify = dev.queueNotify.bind(dev);
    dev.queueNotify = (q) => {
      count.notifies++;
      const t = performance.now();
      notify(q);
      count.deviceMs += performance.now() - t;
    };
  }
  // The run loop's WFI wait is private; this tool times it from outside.
  const loop = m as unknown as { idle(): Promise<void> };
  const idle = loop.idle.bind(m);
  loop.idle = async () => {
    const t = performance.now();
    await idle();
    count.idleMs += performance.now() - t;
  };
  if (m.jit) {
    const region = m.jit.runRegion;
    m.jit.runRegion = (e, budget) => {
      const k = region(e, budget);
      count.translated += k;
      return k;
    };
  }
  if (m.jit && args.values.exits) m.jit.outExits = new Map();
  const stops = args.values.stops ? countTierStops(m.hart) : null;
  const sampler = args.values.functions
    ? functionSampler(m, args.values.interpreted ?? false)
    : null;

  await g.sh("stty -echo; udhcpc -i eth0 -q -n -t 5 >/dev/null 2>&1");
  await g.sh(
    "mkdir -p /mnt && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 bench /mnt",
  );
  // The guest's own counters: interrupts of its virtio lines, and the disk's reads and writes.
  const guestCounters = async () => {
    const out = await g.sh("grep virtio /proc/interrupts; cat /sys/block/vda/stat");
    const irqs = [...out.matchAll(/^\s*\d+:\s+(\d+)/gm)].reduce((n, x) => n + Number(x[1]), 0);
    const stat = out.trim().split("\n").pop()!.trim().split(/\s+/).map(Number);
    return { irqs, reads: stat[0], readSectors: stat[2], writes: stat[4], writeSectors: stat[6] };
  };
  for (let run = 0; run < Number(args.values.runs); run++) {
    for (const command of chosen) {
      await g.sh("sync; echo 3 > /proc/sys/vm/drop_caches");
      const before = await guestCounters();
      Object.assign(count, { notifies: 0, deviceMs: 0, idleMs: 0, translated: 0 });
      sampler?.clear();
      stops?.clear();
      m.jit?.outExits?.clear();
      const insns = m.executed;
      const jit0 = m.jit ? { ...m.jit.stats } : null;
      const cpu = process.cpuUsage();
      const main0 = mainThreadSeconds();
      const t = performance.now();
      await g.sh(command.line, 600_000);
      const wall = (performance.now() - t) / 1000;
      const used = process.cpuUsage(cpu);
      const mainCpu = mainThreadSeconds() - main0;
      const n = m.executed - insns;
      const after = await guestCounters();
      const per = (x: number, d: number) => d > 0 ? (x / d).toFixed(0) : "-";
      console.log(
        `run ${run + 1}${chosen.length > 1 ? ` ${command.name}` : ""}: ${wall.toFixed(2)} s, CPU ${
          ((used.user + used.system) / 1e6).toFixed(2)
        } s (main thread ${mainCpu.toFixed(2)})` +
          ` | guest ${(n / 1e6).toFixed(1)} M instructions, ${
            (100 * count.translated / n).toFixed(0)
          } %` +
          ` translated | ${count.notifies} notifies, ${after.irqs - before.irqs} interrupts` +
          ` | disk ${after.reads - before.reads} reads of ${
            per(512 * (after.readSectors - before.readSectors), 1024 * (after.reads - before.reads))
          } KiB, ${after.writes - before.writes} writes of ${
            per(
              512 * (after.writeSectors - before.writeSectors),
              1024 * (after.writes - before.writes),
            )
          } KiB | device ${count.deviceMs.toFixed(0)} ms, idle ${count.idleMs.toFixed(0)} ms` +
          (jit0 && m.jit
            ? ` | translator: ${m.jit.stats.regions - jit0.regions} regions, ${
              (m.jit.stats.compileMs - jit0.compileMs).toFixed(0)
            } ms compiling, ${m.jit.stats.dropped - jit0.dropped} dropped, ${
              m.jit.stats.invalidated - jit0.invalidated
            } invalidated, ${m.jit.stats.flushes - jit0.flushes} flushes | exits ${
              exitCounts(m.jit.stats, jit0)
            }`
            : "") +
          ` (load ${Deno.loadavg()[0].toFixed(1)})`,
      );
    }
  }
  sampler?.print(args.values.map ?? defaultMap());
  if (stops) {
    const symbols = readSymbols(args.values.map ?? defaultMap());
    console.log(stops.report(20, (pc) => symbolAt(symbols, pc)));
  }
  if (m.jit?.outExits) {
    const symbols = readSymbols(args.values.map ?? defaultMap());
    const top = [...m.jit.outExits].sort((a, b) => b[1] - a[1]).slice(0, 25);
    for (const [pc, n] of top) {
      const e = m.jit.lookup(pc) !== null ? "translated" : "interpreted";
      console.log(
        `  out to 0x${BigInt.asUintN(64, BigInt(pc)).toString(16)} ${
          symbolAt(symbols, BigInt.asUintN(64, BigInt(pc)))
        }: ${n} (${e} now)`,
      );
    }
  }
  if (m.jit) {
    const top = [...m.jit.csrExits].sort((a, b) => b[1] - a[1]).slice(0, 8);
    console.log(
      `exits after CSR writes: ${top.map(([c, n]) => `0x${c.toString(16)} ${n}`).join(", ")}`,
    );
  }
  await g.shutdown();
} finally {
  hostSide.kill("SIGTERM");
  await hostSide.status;
  await Deno.remove(tmp, { recursive: true });
}

/** Exits from translated code in one run, by why (core/jit/jit.ts JitStats). */
function exitCounts(now: JitStats, then: JitStats): string {
  const k = (x: number) => `${(x / 1000).toFixed(0)}k`;
  return `${k(now.exits - then.exits)}: trap ${k(now.exitsTrap - then.exitsTrap)}, ecall ${
    k(now.exitsEcall - then.exitsEcall)
  }, csr ${k(now.exitsCsr - then.exitsCsr)}, xret ${k(now.exitsXret - then.exitsXret)}, sys ${
    k(now.exitsSys - then.exitsSys)
  }, stop ${k(now.exitsStop - then.exitsStop)}, out ${k(now.exitsOut - then.exitsOut)}`;
}

/** The main thread's CPU seconds (the rest of the process's is V8's compiler threads, mostly). */
function mainThreadSeconds(): number {
  const f = Deno.readTextFileSync(`/proc/self/task/${Deno.pid}/stat`);
  const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
}

/** The image build's System.map. */
function defaultMap(): string {
  const build = join(cacheDir(), "images", "build");
  const linux = [...Deno.readDirSync(build)].find((e) => e.name.startsWith("linux-"));
  if (!linux) throw new Error(`no kernel build in ${build}: give --map System.map`);
  return join(build, linux.name, "System.map");
}

/**
 * Samples the pc after runs of a random length (mean CHUNK instructions) of
 * the interpreter: every instruction (the translator kept off) or, with
 * `interpretedOnly`, the ones the translator leaves to the interpreter.
 */
function functionSampler(m: Machine, interpretedOnly: boolean) {
  const CHUNK = 64;
  const h = m.hart;
  const pcs = new Map<number, number>();
  let total = 0;
  const run = h.run.bind(h);
  const chunked = (limit: number, stopAtHot: boolean) => {
    let n = 0;
    while (n < limit) {
      const want = Math.min(limit - n, 1 + Math.floor(Math.random() * 2 * CHUNK));
      const k = run(want);
      n += k;
      if (k === want) {
        pcs.set(h.pc, (pcs.get(h.pc) ?? 0) + 1);
        total++;
      }
      if (k === 0 || h.waiting || h.endSlice || (stopAtHot && h.jitExit)) break;
    }
    return n;
  };
  if (interpretedOnly) h.run = (limit) => chunked(limit, true);
  else if (m.jit) m.jit.run = (limit) => chunked(limit, false);
  else h.run = (limit) => chunked(limit, false);
  return {
    clear() {
      pcs.clear();
      total = 0;
    },
    print(mapPath: string) {
      const symbols = readSymbols(mapPath);
      const byName = new Map<string, number>();
      for (const [pc, k] of pcs) {
        const name = symbolAt(symbols, BigInt.asUintN(64, BigInt(pc)));
        byName.set(name, (byName.get(name) ?? 0) + k);
      }
      console.log(
        `last run, ${interpretedOnly ? "interpreted " : ""}instructions by function ` +
          `(${total} samples, ~${CHUNK} instructions each):`,
      );
      for (const [name, k] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
        console.log(`${(100 * k / total).toFixed(1).padStart(6)} %  ${name}`);
      }
    },
  };
}

/** The kernel's functions by address, from System.map. */
function readSymbols(mapPath: string): [bigint, string][] {
  return Deno.readTextFileSync(mapPath).split("\n")
    .filter((l) => / [tTwW] /.test(l))
    .map((l) => [BigInt("0x" + l.split(" ")[0]), l.split(" ")[2]] as [bigint, string])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

function symbolAt(symbols: [bigint, string][], a: bigint): string {
  if (a < 0x8000_0000_0000_0000n) return "(user)";
  if (symbols.length === 0 || a < symbols[0][0]) return "(unknown)";
  let lo = 0, hi = symbols.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (symbols[mid][0] <= a) lo = mid;
    else hi = mid - 1;
  }
  return symbols[lo][1];
}
