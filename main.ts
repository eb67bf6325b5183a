/**
 * demu's command line: `demu [options] [config]`. Reads TinyEMU's config format
 * or flags, builds a Machine, and runs it on the terminal.
 */
import { DEFAULT_CMDLINE, findDefaultImage } from "./backends/image/image_cache.ts";
import { readInput } from "./backends/image/read_input.ts";
import { StdioConsole } from "./backends/console/stdio_console.ts";
import {
  addDevicesFromFlags,
  closeDevices,
  DEVICE_KINDS,
  deviceHelp,
  deviceOptions,
  prepareDevices,
} from "./backends/device_kinds.ts";
import type { DeviceFlags, Need } from "./backends/device_kind.ts";
import { isUserNetwork } from "./backends/net/card.ts";
import { isUrl } from "./backends/url.ts";
import { resolve } from "./backends/host_path.ts";
import {
  applyBootFlags,
  ConfigError,
  emptyConfig,
  interpretConfig,
  MAX_MEMORY_MIB,
  parseConfigText,
  type VmConfig,
} from "./board/config.ts";
import { Machine, type MachineExit } from "./board/machine.ts";
import {
  dropUnneeded,
  formatFlags,
  machineNeeds,
  missingPermission,
  permissionFlags,
  type RunInputs,
} from "./backends/process/permissions.ts";
import { applySandbox, SANDBOX_TIMEOUT_SECONDS } from "./backends/process/sandbox.ts";
import { parseArgs } from "./backends/process/parse_args.ts";
import {
  restoreOnTerminal,
  type RestoreRequest,
  restoreRequest,
  RunControl,
  savedRun,
  snapshotNeeds,
} from "./backends/process/snapshot_cli.ts";
import {
  EXIT_ERROR,
  EXIT_LIMIT,
  EXIT_STATUS_HELP,
  EXIT_USAGE,
} from "./backends/process/exit_status.ts";
import type { CharBackend } from "./devices/char_backend.ts";
import type { VirtioDevice } from "./devices/virtio.ts";
import type { WebConsole } from "./backends/web/server.ts";
import { parseWebAddress, type WebAddress, webNetPermission } from "./backends/web/address.ts";
import { type GdbAddress, gdbNetPermission, GdbStub } from "./backends/debug/gdb_server.ts";
import { gdbFlags } from "./backends/debug/gdb_flags.ts";

const USAGE = `usage: demu [options] [config]

Runs a RISC-V RV64GC machine. The config is a TinyEMU config file (a path or
an http(s) URL); flags override it. With no config and no --bios/--kernel,
demu boots its default image (Linux and a busybox shell).

options:
  -m, --memory MiB     RAM size in MiB (default 128)
  --bios FILE          firmware (OpenSBI fw_jump.bin), loaded at 0x80000000
  --kernel FILE        kernel (Image or ELF), loaded at 0x80200000
  --initrd FILE        initial ramdisk
  --append TEXT        add TEXT to the kernel command line (-append; a leading !
                       replaces the command line instead, as in TinyEMU)
  --default            boot the default image even with other flags
  --elf FILE           bare-metal: load an ELF at its physical addresses and start
                       at its entry in M-mode; HTIF at its tohost/fromhost symbols
                       (exit status: 0 for tohost = 1, n for (n << 1) | 1)
  --deterministic      time follows the instruction count (reproducible runs)
  --no-jit             interpret only (no translation of hot code to WebAssembly)
  --jit-check          run each translated block in lockstep with the interpreter and
                       stop at the first difference (slow; for debugging the translator)
  --max-insns N        stop after N instructions (exit status 124)
  --timeout SECONDS    stop after SECONDS of wall-clock time (exit status 124)
  --sandbox            for untrusted guests: network cards only from --net
                       (--net user only with a scoped --allow-net),
                       disks snapshot or read-only (-rw refused), shares
                       read-only, --timeout ${SANDBOX_TIMEOUT_SECONDS} unless given, and every Deno
                       permission the machine does not use is dropped at start
  --print-permissions  print the Deno flags this machine needs and exit, e.g.
                       deno run $(demu --print-permissions vm.cfg) main.ts vm.cfg
${deviceHelp()}
  --web [HOST:PORT]    serve a web console (default 127.0.0.1:8080; needs
                       --allow-net=HOST:PORT): terminal, screen, keyboard and
                       mouse; adds an 800x600 display and virtio input devices
                       unless the config has display0 / input_device
  --save FILE          where C-a s and the monitor's save write a snapshot of the
                       running machine (it runs on)
  --restore FILE       continue a saved machine where it was saved (its devices
                       and permissions come from the snapshot)
  --monitor unix:PATH | tcp:HOST:PORT
                       a control socket (loopback only) taking one JSON request
                       per line: stop, cont, status, save, system_powerdown, quit
  --cold               boot the default image from scratch instead of restoring
                       its prompt snapshot (images/default/prompt.snap)
  --gdb [HOST:]PORT    serve the GDB remote protocol (HOST default 127.0.0.1; needs
                       --allow-net=HOST:PORT); in gdb: target remote HOST:PORT
  -S                   with --gdb: start paused until the debugger continues
  --ctrlc              Ctrl-C reaches the guest (the default in raw mode)
  -no-accel            accepted for TinyEMU compatibility (demu has no KVM)
  -h, --help           this help

Deno permissions: only those the machine needs (--print-permissions lists
them); a missing one stops demu before the guest starts, naming the flag.

keys on the console: C-a x quits, C-a s saves a snapshot (--save), C-a h prints help.

${EXIT_STATUS_HELP}`;

/** `--web`'s optional value: [HOST]:PORT or a port. */
const isWebAddress = (a: string) => /^(\[[0-9a-fA-F:.]+\]:|[\w.-]*:)?\d+$/.test(a);

export { EXIT_LIMIT };

/** A mistake of the user's or the host's: one line, exit status 2. */
class UsageError extends Error {}

/** Errors the phases throw on purpose (one line each) become usage errors; bugs stay bugs. */
function asUsageError(e: unknown): unknown {
  const deliberate = e instanceof Error &&
    (e.constructor === Error || e instanceof ConfigError || e instanceof Deno.errors.NotCapable ||
      (e instanceof TypeError && "code" in e));
  return deliberate ? new UsageError((e as Error).message) : e;
}

/** Runs one phase of main(), turning its deliberate errors into usage errors. */
async function phase<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw asUsageError(e);
  }
}

/** The default image as a config: OpenSBI, Linux and the busybox initramfs. */
function defaultConfig(): { config: VmConfig; fromCache: boolean } {
  const found = findDefaultImage();
  const config = { ...emptyConfig(), ...found.paths, cmdline: DEFAULT_CMDLINE };
  return { config, fromCache: found.fromCache };
}

function parseNumber(text: string, what: string, max: number): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) {
    throw new UsageError(`${what}: '${text}' is not a number`);
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0 || n > max) {
    throw new UsageError(`${what}: ${text} is out of range (1..${max})`);
  }
  return n;
}

async function loadConfig(path: string): Promise<VmConfig> {
  const bytes = await readInput(path, "config file");
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return interpretConfig(parseConfigText(text), {
      // A config's relative file names are relative to its folder, or to its URL.
      baseDir: isUrl(path) ? path.slice(0, path.lastIndexOf("/")) : resolve(path, ".."),
    });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof TypeError) {
      throw new UsageError(`${path}: ${(e as Error).message}`);
    }
    throw e;
  }
}

/** Limits on a run: instructions, and wall-clock seconds. */
interface RunLimits {
  maxInsns: number;
  timeoutSeconds?: number;
}

/** Runs the machine on the terminal until it stops; returns the process exit status. */
async function runOnTerminal(
  build: (guestConsole: CharBackend) => Machine,
  limits: RunLimits,
  web?: WebConsole,
  gdb?: GdbOptions,
  control?: RunControl,
): Promise<number> {
  let machine: Machine | null = null;
  const stdio = new StdioConsole({
    onInput: (b) => (machine?.typeInput(b), control?.inputArrived()),
    onQuit: () => machine?.stop({ reason: "quit" }),
    onSave: () => control?.saveFromConsole(),
    onResize: (cols, rows) => machine?.console.resize(cols, rows),
  });
  // With --web the console is on the terminal and on the page alike.
  const guestConsole: CharBackend = web ? { write: (b) => (stdio.write(b), web.write(b)) } : stdio;
  try {
    machine = build(guestConsole);
  } catch (e) {
    await web?.close();
    throw new UsageError((e as Error).message);
  }
  machine.maxInstructions = limits.maxInsns;
  let stub: GdbStub | undefined;
  if (gdb) {
    try {
      stub = GdbStub.open(machine, gdb.address, gdb.paused);
    } catch (e) {
      await web?.close();
      throw new UsageError(`--gdb ${gdbNetPermission(gdb.address)}: ${(e as Error).message}`);
    }
    const paused = gdb.paused ? " (paused until gdb continues)" : "";
    console.error(`demu: gdb stub on ${gdbNetPermission(gdb.address)}${paused}`);
  }
  web?.attach(machine);
  try {
    control?.attach(machine);
  } catch (e) {
    await web?.close();
    throw new UsageError((e as Error).message);
  }
  stdio.start();
  // A signal ends the run like C-a x, so devices still flush before exit.
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const onSignal = () => machine?.stop({ reason: "quit" });
  for (const sig of signals) Deno.addSignalListener(sig, onSignal);
  let timedOut = false;
  const timer = limits.timeoutSeconds === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    machine?.stop({ reason: "limit", instructions: machine.executed });
  }, limits.timeoutSeconds * 1000);
  let exit: MachineExit;
  try {
    exit = await machine.run();
    await stub?.close(exit);
    await machine.close();
  } finally {
    clearTimeout(timer);
    for (const sig of signals) Deno.removeSignalListener(sig, onSignal);
    stdio.restore();
    control?.close();
    await web?.close();
  }
  if (exit.reason === "poweroff") return exit.code;
  if (exit.reason === "limit") {
    console.error(
      timedOut
        ? `\ndemu: stopped after ${limits.timeoutSeconds} s (--timeout)`
        : `\ndemu: stopped after ${exit.instructions} instructions (--max-insns)`,
    );
    return EXIT_LIMIT;
  }
  return 0;
}

interface JitFlags {
  "no-jit"?: boolean;
  "jit-check"?: boolean;
}

type JitMode = boolean | "check";

/** The translator mode the flags ask for (on unless --no-jit). */
function jitMode(values: JitFlags): JitMode {
  if (values["no-jit"] && values["jit-check"]) {
    throw new UsageError("--no-jit and --jit-check cannot be used together");
  }
  return values["jit-check"] ? "check" : !values["no-jit"];
}

/** The command line, read: options by name, and the config file if one is given. */
interface CommandLine {
  values: ReturnType<typeof readArgs>["values"];
  config?: string;
}

/** TinyEMU spells some flags with one dash. */
const ONE_DASH: Record<string, string> = {
  "-rw": "--rw",
  "-ro": "--ro",
  "-append": "--append",
  "-ctrlc": "--ctrlc",
  "-no-accel": "--no-accel",
};

/** demu's own options; each device kind adds its own (backends/device_kinds.ts). */
const OPTIONS = {
  memory: { type: "string", short: "m" },
  bios: { type: "string" },
  kernel: { type: "string" },
  initrd: { type: "string" },
  append: { type: "string" },
  default: { type: "boolean" },
  elf: { type: "string" },
  deterministic: { type: "boolean" },
  "no-jit": { type: "boolean" },
  "jit-check": { type: "boolean" },
  "max-insns": { type: "string" },
  timeout: { type: "string" },
  sandbox: { type: "boolean" },
  "print-permissions": { type: "boolean" },
  ctrlc: { type: "boolean" },
  "no-accel": { type: "boolean" },
  web: { type: "string" },
  save: { type: "string" },
  restore: { type: "string" },
  monitor: { type: "string" },
  cold: { type: "boolean" },
  gdb: { type: "string" },
  "start-paused": { type: "boolean", short: "S" },
  help: { type: "boolean", short: "h" },
} as const;

function readArgs(args: string[]) {
  args = args.map((a) => ONE_DASH[a] ?? a);
  // --web takes an address only when one follows (a config file is not one).
  args = args.flatMap((a, i) => {
    if (a !== "--web") return args[i - 1] === "--web" && isWebAddress(a) ? [] : [a];
    return [`--web=${isWebAddress(args[i + 1] ?? "") ? args[i + 1] : ""}`];
  });
  // The device kinds' options are known only at run time: typed as DeviceFlags below.
  const parsed = parseArgs(args, { ...deviceOptions(), ...OPTIONS } as typeof OPTIONS);
  return { ...parsed, values: parsed.values as typeof parsed.values & DeviceFlags };
}

/** --gdb and -S, read (backends/debug/gdb_flags.ts). */
type GdbOptions = { address: GdbAddress; paused: boolean };

type ParsedCommandLine = CommandLine & { limits: RunLimits; jit: JitMode; gdb?: GdbOptions };

/** Phase 1, parse: the flags, the limits of the run and the translator mode. */
function parseCommandLine(args: string[]): ParsedCommandLine {
  const { values, positionals } = readArgs(args);
  if (positionals.length > 1) {
    throw new UsageError(`expected one config file, got ${positionals.length}`);
  }
  const limits: RunLimits = {
    maxInsns: values["max-insns"] !== undefined
      ? parseNumber(values["max-insns"], "--max-insns", Number.MAX_SAFE_INTEGER)
      : Infinity,
    timeoutSeconds: values.timeout !== undefined
      ? parseNumber(values.timeout, "--timeout", 365 * 24 * 3600)
      : values.sandbox
      ? SANDBOX_TIMEOUT_SECONDS
      : undefined,
  };
  if (values.elf !== undefined && values.web !== undefined) {
    throw new UsageError("--web needs a Linux machine: a bare-metal --elf run has no display");
  }
  let gdb;
  try {
    gdb = gdbFlags(values);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { values, config: positionals[0], limits, jit: jitMode(values), gdb };
}

/** What the config phase decided: the machine, and what else the run touches. */
interface Plan {
  config: VmConfig;
  /** The device flags in force: the command line's, or a restored snapshot's. */
  flags: DeviceFlags;
  inputs: RunInputs;
  web?: WebAddress;
  /** --restore (or the default image's prompt snapshot): the machine comes from there. */
  restoring?: RestoreRequest;
}

/** Phase 2, config: the config file or the default image, with the flags laid over it. */
async function configure(cli: ParsedCommandLine): Promise<Plan> {
  const { values } = cli;
  const inputs: RunInputs = { gdb: cli.gdb && gdbNetPermission(cli.gdb.address) };
  let config: VmConfig;
  const bootFlags = [values.bios, values.kernel, values.initrd].some((f) => f !== undefined);
  const restoring = await restoreRequest(values, cli.config, Object.keys(deviceOptions()));
  if (restoring) {
    config = restoring.run.config;
    if (values.web !== undefined) inputs.web = webNetPermission(parseWebAddress(values.web));
    const flags = { ...values, ...restoring.run.flags };
    if (values.sandbox) {
      for (const note of applySandbox(config, flags, !values["print-permissions"])) {
        console.error(`demu: ${note}`);
      }
    }
    const web = values.web !== undefined ? parseWebAddress(values.web) : undefined;
    return { config, flags, inputs, web, restoring };
  }
  if (cli.config !== undefined) {
    inputs.configFile = cli.config;
    config = await loadConfig(cli.config);
  } else if (values.default || !bootFlags) {
    // Nothing else to boot: the default image (embedded, or from the build cache).
    const found = defaultConfig();
    config = found.config;
    inputs.imageFromCache = found.fromCache;
  } else config = emptyConfig();
  applyBootFlags(config, {
    memoryMiB: values.memory !== undefined
      ? parseNumber(values.memory, "-m", MAX_MEMORY_MIB)
      : undefined,
    bios: values.bios,
    kernel: values.kernel,
    initrd: values.initrd,
    append: values.append,
  });
  addDevicesFromFlags(config, values);
  let web: WebAddress | undefined;
  if (values.web !== undefined) {
    web = parseWebAddress(values.web);
    inputs.web = webNetPermission(web);
    // The page has a screen and takes keyboard and mouse unless the config says otherwise.
    config.display ??= { device: "simplefb", width: 800, height: 600 };
    config.inputDevice ??= "virtio";
  }
  if (values.sandbox) {
    for (const note of applySandbox(config, values, !values["print-permissions"])) {
      console.error(`demu: ${note}`);
    }
  }
  return { config, flags: values, inputs, web };
}

/** Phase 3, permissions: what the run needs, printed (--print-permissions) or checked. */
function planPermissions(cli: CommandLine, plan: Plan): Need[] | "printed" {
  const needs = [
    ...machineNeeds(plan.config, plan.flags, plan.inputs),
    ...snapshotNeeds({ ...cli.values, restore: plan.restoring?.path }),
  ];
  if (cli.values["print-permissions"]) {
    console.log(formatFlags(permissionFlags(needs)));
    if (plan.config.eth.some(isUserNetwork)) {
      console.error("demu: the guest on --net user reaches only what --allow-net=HOST:PORT adds");
    }
    return "printed";
  }
  if (!plan.config.bios && !plan.config.kernel && !plan.restoring) {
    throw new UsageError("nothing to boot: the config names no bios or kernel");
  }
  const missing = missingPermission(needs);
  if (missing) throw new UsageError(missing);
  return needs;
}

/** What phase 4 opened on the host. */
interface HostSide {
  bios?: Uint8Array;
  kernel?: Uint8Array;
  initrd?: Uint8Array;
  devices: VirtioDevice[];
  web?: WebConsole;
}

/** Phase 4, open the host side: boot files, device backends, the web console. */
async function openHostSide(plan: Plan, flags: DeviceFlags): Promise<HostSide> {
  const { config } = plan;
  const bios = config.bios ? await readInput(config.bios, "firmware") : undefined;
  const kernel = config.kernel ? await readInput(config.kernel, "kernel") : undefined;
  const initrd = config.initrd ? await readInput(config.initrd, "initrd") : undefined;
  const devices = await prepareDevices(config, flags);
  if (plan.web === undefined) return { bios, kernel, initrd, devices };
  try {
    const { openWebConsole } = await import("./backends/web/open_web.ts");
    const opened = await openWebConsole(plan.web);
    console.error(`demu: web console at ${opened.url}`);
    return { bios, kernel, initrd, devices, web: opened.web };
  } catch (e) {
    await closeDevices(devices);
    throw e;
  }
}

/** A bare-metal ELF run (--elf): no config, no devices. */
async function runElf(cli: ParsedCommandLine, path: string) {
  const { values } = cli;
  const gdb = cli.gdb && gdbNetPermission(cli.gdb.address);
  const needs = machineNeeds(emptyConfig(), {}, { elf: path, gdb });
  if (values["print-permissions"]) {
    console.log(formatFlags(permissionFlags(needs)));
    return 0;
  }
  const missing = missingPermission(needs);
  if (missing) throw new UsageError(missing);
  const bytes = await phase(() => readInput(path, "ELF program"));
  const memoryMiB = values.memory !== undefined
    ? parseNumber(values.memory, "-m", MAX_MEMORY_MIB)
    : 128;
  dropUnneeded(needs, { network: false });
  return await runOnTerminal(
    (stdio) => {
      const m = new Machine({
        memoryMiB,
        console: stdio,
        deterministic: values.deterministic,
        jit: cli.jit,
      });
      m.bootElf(bytes);
      return m;
    },
    cli.limits,
    undefined,
    cli.gdb,
  );
}

/** The command line (tests/tools/return_probe.ts runs it in-process with its counters). */
export async function main(args: string[]): Promise<number> {
  const cli = parseCommandLine(args);
  if (cli.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (cli.values.elf !== undefined) return await runElf(cli, cli.values.elf);
  const plan = await phase(() => configure(cli));
  const needs = await phase(() => planPermissions(cli, plan));
  if (needs === "printed") return 0;
  const host = await phase(() => openHostSide(plan, plan.flags));
  // What the machine will not touch from here on, it cannot be made to touch.
  dropUnneeded(needs, { network: DEVICE_KINDS.some((k) => k.usesNetwork(plan.config)) });
  const { config, restoring } = plan;
  const control = new RunControl(
    cli.values,
    savedRun(config, plan.flags),
    (line) => console.error(`\r\ndemu: ${line}\r`),
    restoring !== undefined,
  );
  return await runOnTerminal(
    (guestConsole) => {
      if (restoring) {
        return restoreOnTerminal(restoring.bytes, {
          console: guestConsole,
          devices: host.devices,
          jit: cli.jit,
          deterministic: cli.values.deterministic || undefined,
        });
      }
      const m = new Machine({
        memoryMiB: config.memoryMiB,
        bios: host.bios,
        kernel: host.kernel,
        initrd: host.initrd,
        cmdline: config.cmdline,
        console: guestConsole,
        deterministic: cli.values.deterministic ?? false,
        framebuffer: config.display,
        jit: cli.jit,
      });
      for (const device of host.devices) m.addVirtio(device);
      m.boot();
      return m;
    },
    cli.limits,
    host.web,
    cli.gdb,
    control,
  );
}

if (import.meta.main) {
  let status: number;
  try {
    status = await main(Deno.args);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && "code" in e)) {
      console.error(`demu: ${e.message}`);
      status = EXIT_USAGE;
    } else {
      console.error(`demu: internal error: ${(e as Error).stack ?? e}`);
      status = EXIT_ERROR;
    }
  }
  Deno.exit(status);
}
