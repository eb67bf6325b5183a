/**
 * Runs the guest-side fuzzer (tests/programs/guest_fuzz/guest_fuzz.c) with a
 * seed and an iteration count, in two forms: as a user runs it
 * (`main.ts --elf`, a process, console only) and as a whole Machine with a
 * disk, a 9P share, a user-network card, a keyboard and a tablet attached.
 * Either way demu must still answer when the guest is done: its progress
 * lines keep coming (the longest silence, wall and CPU, is measured), it prints
 * "fuzz: done", its canary is intact, it powers off with status 0, its host
 * log stays bounded, it is never stuck (more than STUCK_CPU_MS of CPU time, or
 * STUCK_WALL_MS of any time, between two progress lines), and its memory does
 * not grow with the run (the heap in the Machine form, the process's resident
 * memory in the `--elf` form). A stuck `--elf` process is killed; a stuck
 * Machine is ended by tests/fuzz/run.ts, which runs it in a worker
 * (tests/fuzz/guest_worker.ts). FUZZ_GUEST_TRACE=1 prints each silence over 300 ms as it happens.
 */
import { join } from "node:path";
import process from "node:process";
import { parseElf } from "../../board/elf.ts";
import { Machine } from "../../board/machine.ts";
import type { BlockBackend } from "../../devices/block_backend.ts";
import { VirtioBlock } from "../../devices/virtio_blk.ts";
import { Virtio9p } from "../../devices/virtio_9p.ts";
import { keyboardProfile, tabletProfile, VirtioInput } from "../../devices/virtio_input.ts";
import { VirtioNet } from "../../devices/virtio_net.ts";
import { MemoryFs } from "../../backends/fs/p9_memory_fs.ts";
import { UserNetwork } from "../../backends/net/user.ts";
import { MemoryOverlay, SnapshotBackend } from "../../backends/block/snapshot_block.ts";
import { cacheDir } from "../../backends/image/image_cache.ts";
import { MAIN } from "../support/cli_run.ts";

/** The guest's RAM: guest_fuzz.c keeps its arena in the last MiB of 16 MiB. */
export const GUEST_MIB = 16;

export function guestFuzzElfPath(): string {
  return join(cacheDir(), "programs", "guest_fuzz.elf");
}

/** The ELF with fuzz_seed and fuzz_iterations set in its data. */
export function withSeed(elf: Uint8Array, seed: number, iterations: number): Uint8Array {
  const out = elf.slice();
  const image = parseElf(out);
  const put = (name: string, value: number) => {
    const addr = image.symbols.get(name);
    if (addr === undefined) throw new Error(`guest_fuzz.elf has no symbol ${name}`);
    const seg = image.segments.find((s) =>
      addr >= s.paddr && addr + 8n <= s.paddr + BigInt(s.data.length)
    );
    if (!seg) throw new Error(`${name} is not in a loaded segment`);
    const at = seg.data.byteOffset + Number(addr - seg.paddr);
    new DataView(out.buffer).setBigUint64(at, BigInt(value), true);
  };
  put("fuzz_seed", seed);
  put("fuzz_iterations", iterations);
  return out;
}

/** More CPU time than this between two progress lines (1024 iterations) is a stuck demu. */
export const STUCK_CPU_MS = 1000;
/** Or this much time of any kind (a wait that burns no CPU). */
export const STUCK_WALL_MS = 60_000;
/** Memory growth above this is a failure: a guest run's, a fuzz target's heap (tests/fuzz/run.ts). */
export const MEMORY_GROWTH_LIMIT = 64 * 1024 * 1024;

/**
 * Why a demu whose last progress line was `wallMs` and `cpuMs` ago is stuck, or "": the wall
 * bound always, the CPU bound once warm (after the first 4,096 iterations).
 */
export function stuckWhy(wallMs: number, cpuMs: number, warm: boolean): string {
  if (wallMs > STUCK_WALL_MS) return `stuck: no progress line for ${Math.round(wallMs)} ms`;
  if (warm && cpuMs > STUCK_CPU_MS) {
    return `stuck: ${Math.round(cpuMs)} ms of CPU without a progress line`;
  }
  return "";
}

export interface GuestRun {
  form: "elf" | "machine";
  seed: number;
  iterations: number;
  ok: boolean;
  /** Why it failed, in one line (empty when ok). */
  problem: string;
  seconds: number;
  /** The longest time between two progress lines (1024 iterations each) after warm-up. */
  maxSilenceMs: number;
  /** The same in demu's CPU time. */
  maxSilenceCpuMs: number;
  /** Host log lines (stderr, transport logs). */
  logLines: number;
  /** Machine form: heap growth over the run; `--elf` form: resident memory growth after warm-up. */
  heapGrowthBytes: number;
  /** Why demu was stopped as stuck (empty when it was not). */
  stuck: string;
  output: string;
}

/** Host log lines allowed: MAX_LOG_LINES + 1 per device, and a few of demu's own. */
const LOG_LIMIT = 8 * 22;

function judge(r: GuestRun, exit: string): GuestRun {
  const problems: string[] = [];
  if (r.output.includes("CANARY")) problems.push("a device wrote into the guest's canary");
  if (!r.output.includes(`fuzz: done ${r.iterations} `)) problems.push("no 'fuzz: done' line");
  if (exit !== "poweroff 0") problems.push(`ended with ${exit}`);
  if (r.logLines > LOG_LIMIT) problems.push(`${r.logLines} host log lines`);
  if (r.stuck) problems.push(r.stuck);
  else if (r.maxSilenceCpuMs > STUCK_CPU_MS) {
    problems.push(`stuck: ${Math.round(r.maxSilenceCpuMs)} ms of CPU between two progress lines`);
  }
  if (r.heapGrowthBytes > MEMORY_GROWTH_LIMIT) {
    problems.push(`memory grew by ${(r.heapGrowthBytes / 1048576).toFixed(1)} MiB`);
  }
  r.ok = problems.length === 0;
  r.problem = problems.join("; ");
  return r;
}

/**
 * Progress lines' arrival → the longest gap between two, once warm-up is
 * over (the first 4096 iterations, where the translator compiles the
 * program), in wall-clock time and in demu's CPU time. On a loaded machine
 * the wall clock also counts time demu was not scheduled; CPU time is what
 * a stuck device would burn.
 */
export class Silence {
  private last = performance.now();
  private lastCpu = 0;
  warm = false;
  max = 0;
  maxCpu = 0;
  private tail = "";
  /** onLine is called at each progress line. */
  constructor(
    private readonly cpuMs: () => number,
    private readonly onLine: () => void = () => {},
  ) {}
  /** Why demu is stuck now, or "" (stuckWhy). */
  stuck(): string {
    // The CPU time is read only once warm: in the `--elf` form it is a read of /proc.
    const cpu = this.warm ? this.cpuMs() - this.lastCpu : 0;
    return stuckWhy(performance.now() - this.last, cpu, this.warm);
  }
  note(text: string): void {
    this.tail = (this.tail + text).slice(-64);
    if (!text.includes("\n") || !/fuzz: /.test(this.tail)) return;
    const now = performance.now();
    const cpu = this.cpuMs();
    if (this.warm) {
      if (Deno.env.get("FUZZ_GUEST_TRACE") && now - this.last > 300) {
        console.error(
          `silence ${Math.round(now - this.last)} ms (CPU ${Math.round(cpu - this.lastCpu)} ms) ` +
            `before: ${JSON.stringify(this.tail.slice(-20))}`,
        );
      }
      this.max = Math.max(this.max, now - this.last);
      this.maxCpu = Math.max(this.maxCpu, cpu - this.lastCpu);
    }
    this.warm ||= /fuzz: 4096\n/.test(this.tail);
    this.last = now;
    this.lastCpu = cpu;
    this.onLine();
  }
}

/**
 * CPU time of another process in ms (Linux /proc, read with `cat`: Deno lets
 * only --allow-all read other processes' /proc files; 0 where it cannot).
 */
function processCpuMs(pid: number): number {
  try {
    const out = new Deno.Command("cat", { args: [`/proc/${pid}/stat`], stderr: "null" })
      .outputSync();
    const fields = new TextDecoder().decode(out.stdout).split(") ")[1].split(" ");
    // utime and stime, fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Another process's resident memory in bytes (0 where it cannot be read). */
function processRssBytes(pid: number): number {
  try {
    const out = new Deno.Command("cat", { args: [`/proc/${pid}/status`], stderr: "null" })
      .outputSync();
    const m = /VmRSS:\s+(\d+) kB/.exec(new TextDecoder().decode(out.stdout));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** This process's CPU time in ms (all threads). */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** `main.ts --elf` in a process, as a user runs it; only read permission for the program. */
export async function runElfForm(
  seed: number,
  iterations: number,
  timeoutS = 600,
): Promise<GuestRun> {
  const elf = withSeed(await Deno.readFile(guestFuzzElfPath()), seed, iterations);
  const path = await Deno.makeTempFile({ suffix: ".elf" });
  await Deno.writeFile(path, elf);
  const started = performance.now();
  let pid = 0;
  // Resident memory at warm-up and the most after it.
  let rssWarm = 0;
  let rssMax = 0;
  const silence = new Silence(() => processCpuMs(pid), () => {
    if (!silence.warm) return;
    const rss = processRssBytes(pid);
    if (!rssWarm) rssWarm = rss;
    rssMax = Math.max(rssMax, rss);
  });
  let stuck = "";
  let watch: ReturnType<typeof setInterval> | undefined;
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--allow-read=${path}`,
        MAIN,
        "--elf",
        path,
        "-m",
        String(GUEST_MIB),
        "--timeout",
        String(timeoutS),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    pid = child.pid;
    watch = setInterval(() => {
      stuck ||= silence.stuck();
      if (stuck) {
        clearInterval(watch);
        child.kill("SIGKILL");
      }
    }, 250);
    let output = "";
    const dec = new TextDecoder();
    const reading = (async () => {
      for await (const chunk of child.stdout) {
        const text = dec.decode(chunk, { stream: true });
        output += text;
        if (output.length > 1 << 20) output = output.slice(-(1 << 19));
        silence.note(text);
      }
    })();
    const errText = new Response(child.stderr).text();
    const status = await child.status;
    clearInterval(watch);
    await reading;
    const stderr = await errText;
    const r: GuestRun = {
      form: "elf",
      seed,
      iterations,
      ok: false,
      problem: "",
      seconds: (performance.now() - started) / 1000,
      maxSilenceMs: silence.max,
      maxSilenceCpuMs: silence.maxCpu,
      logLines: stderr.split("\n").filter((l) => l).length,
      heapGrowthBytes: rssWarm ? rssMax - rssWarm : 0,
      stuck,
      output,
    };
    return judge(r, status.code === 0 ? "poweroff 0" : `exit status ${status.code}`);
  } finally {
    clearInterval(watch);
    await Deno.remove(path);
  }
}

const blankDisk = (sectors: number): BlockBackend => ({
  sectorCount: sectors,
  readOnly: true,
  read: (_s, buf) => Promise.resolve(void buf.fill(0)),
  write: () => Promise.reject(new Error("read-only")),
  flush: () => Promise.resolve(),
  close: () => Promise.resolve(),
});

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * A Machine with every kind of device attached, in this thread (nothing here
 * can stop it if it is stuck: tests/fuzz/guest_worker.ts can). onLine is
 * called at each progress line.
 */
export async function runMachineForm(
  seed: number,
  iterations: number,
  onLine?: () => void,
): Promise<GuestRun> {
  const elf = await Deno.readFile(guestFuzzElfPath());
  gc?.();
  const heapBefore = Deno.memoryUsage().heapUsed;
  const started = performance.now();
  const silence = new Silence(ownCpuMs, onLine);
  let output = "";
  let logLines = 0;
  const dec = new TextDecoder();
  const vm = new Machine({
    memoryMiB: GUEST_MIB,
    console: {
      write: (b) => {
        const text = dec.decode(b, { stream: true });
        output += text;
        if (output.length > 1 << 20) output = output.slice(-(1 << 19));
        silence.note(text);
      },
    },
    framebuffer: { width: 64, height: 32 },
  });
  const log = () => logLines++;
  vm.addVirtio(new VirtioBlock(new SnapshotBackend(blankDisk(2048), new MemoryOverlay()), { log }));
  vm.addVirtio(new Virtio9p("fuzz", new MemoryFs()));
  const net = new UserNetwork({
    log,
    resolver: () => Promise.resolve(["192.0.2.1"]),
    connect: () => Promise.reject(new Deno.errors.ConnectionRefused("refused")),
  });
  vm.addVirtio(new VirtioNet(net));
  vm.addVirtio(new VirtioInput(keyboardProfile([1, 2, 30, 28])));
  vm.addVirtio(new VirtioInput(tabletProfile()));
  for (const t of vm.virtio) (t as unknown as { logFn: (m: string) => void }).logFn = log;
  vm.bootElf(withSeed(elf, seed, iterations));
  vm.maxInstructions = 20_000 * iterations + 50_000_000;
  const exit = await vm.run();
  await vm.close();
  await net.close();
  gc?.();
  const r: GuestRun = {
    form: "machine",
    seed,
    iterations,
    ok: false,
    problem: "",
    seconds: (performance.now() - started) / 1000,
    maxSilenceMs: silence.max,
    maxSilenceCpuMs: silence.maxCpu,
    logLines,
    heapGrowthBytes: Deno.memoryUsage().heapUsed - heapBefore,
    stuck: "",
    output,
  };
  return judge(r, exit.reason === "poweroff" ? `poweroff ${exit.code}` : exit.reason);
}
