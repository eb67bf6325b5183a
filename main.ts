/**
 * demu's command line: `demu [options] [config]`. Reads TinyEMU's config format
 * or flags, builds a Machine, and runs it on the terminal.
 */
import { parseArgs } from "node:util";
import { dirname, resolve } from "node:path";
import { DEFAULT_CMDLINE, findDefaultImage } from "./backends/image_cache.ts";
import { StdioConsole } from "./backends/stdio_console.ts";
import { prepareDevices, SUPPORTED } from "./backends/attach_devices.ts";
import { parseFsFlag } from "./backends/open_share.ts";
import { isUserNetwork } from "./backends/open_net.ts";
import { isUrl } from "./backends/http_block.ts";
import {
  ConfigError,
  interpretConfig,
  MAX_MEMORY_MIB,
  parseConfigText,
  type VmConfig,
} from "./core/config.ts";
import { Machine, type MachineExit } from "./core/machine.ts";
import {
  dropUnneeded,
  formatFlags,
  machineNeeds,
  missingPermission,
  permissionFlags,
  type RunInputs,
} from "./backends/process/permissions.ts";
import { applySandbox, SANDBOX_TIMEOUT_SECONDS } from "./backends/process/sandbox.ts";
import { promptSnapshotFor } from "./backends/process/prompt_snapshot.ts";
import {
  readRestoreFile,
  restoreOnTerminal,
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
import type { WebConsole } from "./backends/web/server.ts";
import { parseWebAddress, type WebAddress, webNetPermission } from "./backends/web/address.ts";

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
  --drive FILE         add a virtio disk image (repeatable; after the config's drives)
  -rw, -ro             open every disk read-write / read-only (default: snapshot,
                       writes kept in memory and lost at exit)
  --overlay FILE       snapshot mode: keep the first disk's writes in FILE (reusable)
  --fs TAG=DIR[,ro]    share a host directory over virtio-9p (repeatable; needs
                       --allow-read=DIR, and --allow-write=DIR unless ,ro); in the
                       guest: mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt
  --net user           add a network card on demu's user-mode network (repeatable):
                       guest 10.0.2.15 by DHCP, 10.0.2.2 is the host's 127.0.0.1,
                       DNS 10.0.2.3; what the guest may reach is what --allow-net
                       allows (e.g. --allow-net=127.0.0.1)
  --net stream,listen=HOST:PORT | stream,connect=HOST:PORT
  --net dgram,local=HOST:PORT,remote=HOST:PORT
                       link to another VM (demu or QEMU -netdev stream/dgram);
                       needs --allow-net for the addresses; add ,mac=02:00:00:00:00:02
                       so the VMs' MACs differ
  --hostfwd tcp:[ADDR]:HOSTPORT-:GUESTPORT
                       forward a host port (ADDR default 127.0.0.1) to the guest;
                       needs --allow-net=ADDR:HOSTPORT
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

class UsageError extends Error {}

/** Fetches a file given as an http(s) URL (TinyEMU and JSLinux configs name their files so). */
async function fetchInput(url: string, what: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) {
      throw new UsageError(`reading the ${what} '${url}' needs --allow-net=${new URL(url).host}`);
    }
    throw new UsageError(`cannot reach the ${what} '${url}': ${(e as Error).message}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new UsageError(`cannot fetch the ${what} '${url}': HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** Reads a file the guest needs, turning host errors into one clear line. */
export async function readInput(path: string, what: string): Promise<Uint8Array> {
  if (isUrl(path)) return await fetchInput(path, what);
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new UsageError(`${what} '${path}' not found`);
    if (e instanceof Deno.errors.NotCapable) {
      throw new UsageError(`reading the ${what} '${path}' needs --allow-read`);
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(`cannot read the ${what} '${path}': permission denied by the host`);
    }
    if (e instanceof Deno.errors.IsADirectory) {
      throw new UsageError(`${what} '${path}' is a directory`);
    }
    throw new UsageError(`cannot read the ${what} '${path}': ${(e as Error).message}`);
  }
}

/** The default image as a config: OpenSBI, Linux and the busybox initramfs. */
function defaultConfig(): { config: VmConfig; fromCache: boolean } {
  let found;
  try {
    found = findDefaultImage();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const config = {
    memoryMiB: 128,
    ...found.paths,
    cmdline: DEFAULT_CMDLINE,
    drives: [],
    fs: [],
    eth: [],
    unsupported: [],
  } as unknown as VmConfig;
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
      baseDir: isUrl(path) ? path.slice(0, path.lastIndexOf("/")) : dirname(resolve(path)),
      support: SUPPORTED,
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
  control?: RunControl,
): Promise<number> {
  let machine: Machine | null = null;
  const stdio = new StdioConsole({
    onInput: (b) => machine?.typeInput(b),
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

/** Stops with one line when a permission the run needs is missing. */
function checkPermissions(needs: ReturnType<typeof machineNeeds>): void {
  const missing = missingPermission(needs);
  if (missing) throw new UsageError(missing);
}

interface JitFlags {
  "no-jit"?: boolean;
  "jit-check"?: boolean;
}

/** The translator mode the flags ask for (on unless --no-jit). */
function jitMode(values: JitFlags): boolean | "check" {
  if (values["no-jit"] && values["jit-check"]) {
    throw new UsageError("--no-jit and --jit-check cannot be used together");
  }
  return values["jit-check"] ? "check" : !values["no-jit"];
}

async function runElf(
  path: string,
  values: { memory?: string; deterministic?: boolean; "print-permissions"?: boolean },
  limits: RunLimits,
  jit: boolean | "check",
): Promise<number> {
  const needs = machineNeeds({ drives: [], fs: [], eth: [] } as unknown as VmConfig, {}, {
    elf: path,
  });
  if (values["print-permissions"]) {
    console.log(formatFlags(permissionFlags(needs)));
    return 0;
  }
  checkPermissions(needs);
  const bytes = await readInput(path, "ELF program");
  const memoryMiB = values.memory !== undefined
    ? parseNumber(values.memory, "-m", MAX_MEMORY_MIB)
    : 128;
  dropUnneeded(needs, { network: false });
  return await runOnTerminal((stdio) => {
    const m = new Machine({
      memoryMiB,
      console: stdio,
      deterministic: values.deterministic,
      jit,
    });
    m.bootElf(bytes);
    return m;
  }, limits);
}

/** TinyEMU's -append: added to the config's command line; a leading '!' replaces it. */
function appendCmdline(cmdline: string, text: string): string {
  if (text.startsWith("!")) return text.slice(1);
  return cmdline ? `${cmdline} ${text}` : text;
}

async function main(args: string[]): Promise<number> {
  // TinyEMU spells some flags with one dash.
  const oneDash: Record<string, string> = {
    "-rw": "--rw",
    "-ro": "--ro",
    "-append": "--append",
    "-ctrlc": "--ctrlc",
    "-no-accel": "--no-accel",
  };
  args = args.map((a) => oneDash[a] ?? a);
  // --web takes an address only when one follows (a config file is not one).
  args = args.flatMap((a, i) => {
    if (a !== "--web") return args[i - 1] === "--web" && isWebAddress(a) ? [] : [a];
    return [`--web=${isWebAddress(args[i + 1] ?? "") ? args[i + 1] : ""}`];
  });
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
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
      drive: { type: "string", multiple: true },
      overlay: { type: "string" },
      fs: { type: "string", multiple: true },
      net: { type: "string", multiple: true },
      hostfwd: { type: "string", multiple: true },
      rw: { type: "boolean" },
      ro: { type: "boolean" },
      ctrlc: { type: "boolean" },
      "no-accel": { type: "boolean" },
      web: { type: "string" },
      save: { type: "string" },
      restore: { type: "string" },
      monitor: { type: "string" },
      cold: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
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
  const jit = jitMode(values); // a bad combination fails before anything is read
  if (values.elf !== undefined) return await runElf(values.elf, values, limits, jit);
  // With nothing else asked for, the default image's prompt snapshot (if it has one) starts at once.
  values.restore ??= promptSnapshotFor(values, positionals);
  let restoring;
  try {
    restoring = values.restore === undefined ? undefined : await readRestoreFile(values.restore);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const machineFlags = ["memory", "bios", "kernel", "initrd", "append", "drive", "overlay", "fs"]
    .concat(["net", "hostfwd", "rw", "ro", "default"]).filter((f) => f in values);
  if (restoring && (positionals.length > 0 || machineFlags.length > 0)) {
    const what = positionals.length > 0 ? "a config file" : `--${machineFlags[0]}`;
    throw new UsageError(`--restore takes the machine from the snapshot: ${what} cannot be added`);
  }
  if (positionals.length > 1) {
    throw new UsageError(`expected one config file, got ${positionals.length}`);
  }
  let config: VmConfig;
  const inputs: RunInputs = {};
  const bootFlags = [values.bios, values.kernel, values.initrd].some((f) => f !== undefined);
  if (restoring) config = restoring.run.config;
  else if (positionals.length === 1) {
    inputs.configFile = positionals[0];
    config = await loadConfig(positionals[0]);
  } else if (values.default || !bootFlags) {
    // Nothing else to boot: the default image (embedded, or from the build cache).
    const found = defaultConfig();
    config = found.config;
    inputs.imageFromCache = found.fromCache;
  } else config = { memoryMiB: 128, cmdline: "", unsupported: [] } as unknown as VmConfig;
  if (values.memory !== undefined) {
    config.memoryMiB = parseNumber(values.memory, "-m", MAX_MEMORY_MIB);
  }
  if (values.bios !== undefined) config.bios = values.bios;
  if (values.kernel !== undefined) config.kernel = values.kernel;
  if (values.initrd !== undefined) config.initrd = values.initrd;
  if (values.append !== undefined) config.cmdline = appendCmdline(config.cmdline, values.append);
  for (const file of values.drive ?? []) config.drives = [...(config.drives ?? []), { file }];
  for (const text of values.fs ?? []) {
    try {
      config.fs = [...(config.fs ?? []), parseFsFlag(text)];
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  for (const driver of values.net ?? []) config.eth = [...(config.eth ?? []), { driver }];
  if ((values.rw || values.ro) && !SUPPORTED.drive) {
    config.unsupported.push("-rw/-ro: virtio block is not supported yet");
  }
  const deviceFlags = restoring?.run.flags ?? {
    rw: values.rw,
    ro: values.ro,
    overlay: values.overlay,
    hostfwd: values.hostfwd,
  };
  let webAddress: WebAddress | undefined;
  if (values.web !== undefined) {
    try {
      webAddress = parseWebAddress(values.web);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    inputs.web = webNetPermission(webAddress);
    // The page has a screen and takes keyboard and mouse unless the config says otherwise
    // (a restored machine keeps the devices it had).
    if (!restoring) config.display ??= { device: "simplefb", width: 800, height: 600 };
    if (!restoring) config.inputDevice ??= "virtio";
  }
  let needs;
  try {
    if (values.sandbox) {
      const cliNets = values.net?.length ?? 0;
      for (const note of applySandbox(config, deviceFlags, cliNets, !values["print-permissions"])) {
        console.error(`demu: ${note}`);
      }
    }
    needs = [...machineNeeds(config, deviceFlags, inputs), ...snapshotNeeds(values)];
    RunControl.monitorAddress(values);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values["print-permissions"]) {
    console.log(formatFlags(permissionFlags(needs)));
    if (config.eth?.some(isUserNetwork)) {
      console.error("demu: the guest on --net user reaches only what --allow-net=HOST:PORT adds");
    }
    return 0;
  }
  for (const note of config.unsupported) console.error(`demu: ${note}`);
  if (!config.bios && !config.kernel && !restoring) {
    throw new UsageError("nothing to boot: the config names no bios or kernel");
  }
  checkPermissions(needs);

  const bios = config.bios ? await readInput(config.bios, "firmware") : undefined;
  const kernel = config.kernel ? await readInput(config.kernel, "kernel") : undefined;
  const initrd = config.initrd ? await readInput(config.initrd, "initrd") : undefined;
  let web: WebConsole | undefined;
  let devices;
  try {
    devices = await prepareDevices(config, deviceFlags);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (webAddress !== undefined) {
    try {
      const { openWebConsole } = await import("./backends/web/open_web.ts");
      const opened = await openWebConsole(webAddress);
      web = opened.web;
      console.error(`demu: web console at ${opened.url}`);
    } catch (e) {
      for (const d of devices) await (d as { close?: () => Promise<void> }).close?.();
      throw new UsageError((e as Error).message);
    }
  }
  // What the machine will not touch from here on, it cannot be made to touch.
  dropUnneeded(needs, { network: (config.eth ?? []).length > 0 });

  const control = new RunControl(
    values,
    savedRun(config, deviceFlags),
    (line) => console.error(`\r\ndemu: ${line}\r`),
  );
  return await runOnTerminal(
    (guestConsole) => {
      if (restoring) {
        const deterministic = values.deterministic || undefined;
        return restoreOnTerminal(restoring.bytes, {
          console: guestConsole,
          devices,
          jit,
          deterministic,
        });
      }
      const m = new Machine({
        memoryMiB: config.memoryMiB,
        bios,
        kernel,
        initrd,
        cmdline: config.cmdline,
        console: guestConsole,
        deterministic: values.deterministic ?? false,
        framebuffer: config.display,
        jit,
      });
      for (const device of devices) m.addVirtio(device);
      m.boot();
      return m;
    },
    limits,
    web,
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
