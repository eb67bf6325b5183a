/**
 * The command line's snapshot features, kept out of main.ts: `--save FILE`
 * (where `C-a s` and the monitor's `save` write), `--restore FILE` (the
 * machine and its devices' configuration come from the snapshot, so no other
 * flag is needed), and `--monitor ADDRESS` (backends/monitor/). A snapshot
 * file is written to FILE.tmp and renamed, so a failed save never leaves a
 * half-written FILE behind.
 */
import { resolve } from "../host_path.ts";
import type { VmConfig } from "../../board/config.ts";
import { Machine } from "../../board/machine.ts";
import {
  readSnapshotConfig,
  type RestoreOptions,
  SnapshotError,
} from "../../board/machine_snapshot.ts";
import { VirtioInput } from "../../devices/virtio_input.ts";
import type { DeviceFlags, Need } from "../device_kind.ts";
import { isUrl } from "../url.ts";
import {
  type MonitorAddress,
  monitorPermissions,
  MonitorServer,
  parseMonitorAddress,
} from "../monitor/monitor.ts";
import type { MonitorStatus, MonitorTarget } from "../monitor/protocol.ts";
import { MACHINE_FLAGS, promptSnapshotFor } from "./prompt_snapshot.ts";

/** Linux key codes (input-event-codes.h) of the keys system_powerdown presses. */
const KEY_LEFTCTRL = 29;
const KEY_LEFTALT = 56;
const KEY_DELETE = 111;

/** What the command line keeps in a snapshot to open the same devices again. */
export interface SavedRun {
  config: VmConfig;
  flags: DeviceFlags;
}

/** The flags of this module, as parseArgs gives them. */
export interface SnapshotFlags {
  save?: string;
  restore?: string;
  monitor?: string;
}

/** Where a snapshot is written before it is renamed into place. */
export const tempName = (file: string) => `${file}.tmp`;

/** The run's configuration as a restore will need it: absolute paths, no boot files. */
export function savedRun(config: VmConfig, flags: DeviceFlags): SavedRun {
  const abs = (p: string | undefined) => (p === undefined || isUrl(p) ? p : resolve(p));
  const { bios: _b, kernel: _k, initrd: _i, ...rest } = config;
  return {
    config: {
      ...rest,
      drives: (config.drives ?? []).map((d) => ({
        ...d,
        file: abs(d.file),
        overlay: abs(d.overlay),
        // The serial the guest saw, even though the path is now absolute.
        serial: d.serial ?? (d.file !== undefined && !isUrl(d.file) ? basename(d.file) : d.serial),
      })),
      fs: (config.fs ?? []).map((f) => ({ ...f, file: resolve(f.file) })),
    },
    flags: { ...flags, overlay: abs(flags.overlay) },
  };
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

/** A run that continues a snapshot: where it is, its bytes, the configuration saved with it. */
export interface RestoreRequest {
  path: string;
  bytes: Uint8Array;
  run: SavedRun;
}

/**
 * The snapshot this run restores: --restore FILE, or with nothing else asked
 * for, the default image's prompt snapshot; undefined for a boot. The machine
 * comes from the snapshot, so a config or a machine flag with --restore is
 * refused. `deviceFlags` are the device kinds' option names.
 */
export async function restoreRequest(
  values: Record<string, unknown>,
  configFile: string | undefined,
  deviceFlags: string[],
): Promise<RestoreRequest | undefined> {
  const explicit = values.restore as string | undefined;
  const path = explicit ??
    promptSnapshotFor(values, configFile === undefined ? [] : [configFile], deviceFlags);
  if (path === undefined) return undefined;
  if (explicit === undefined) {
    // The prompt snapshot is a shortcut: one this demu cannot read (made by another version)
    // means a boot from power-on instead.
    try {
      return { path, ...await readRestoreFile(path) };
    } catch {
      return undefined;
    }
  }
  const given = [...MACHINE_FLAGS, ...deviceFlags].filter((f) => f !== "cold")
    .filter((f) => f !== "web" && f !== "deterministic" && values[f] !== undefined);
  if (configFile !== undefined || given.length > 0) {
    const what = configFile !== undefined ? "a config file" : `--${given[0]}`;
    throw new Error(`--restore takes the machine from the snapshot: ${what} cannot be added`);
  }
  return { path, ...await readRestoreFile(path) };
}

/** Reads a --restore file: its bytes and the command line's saved configuration. */
export async function readRestoreFile(path: string): Promise<{ bytes: Uint8Array; run: SavedRun }> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`snapshot '${path}' not found`);
    if (e instanceof Deno.errors.NotCapable) {
      throw new Error(`reading the snapshot '${path}' needs --allow-read=${path}`);
    }
    throw new Error(`cannot read the snapshot '${path}': ${(e as Error).message}`);
  }
  try {
    const app = readSnapshotConfig(bytes).app as SavedRun | null;
    if (!app || typeof app !== "object" || typeof app.config !== "object") {
      throw new SnapshotError("the snapshot was not saved by demu's command line");
    }
    return { bytes, run: app };
  } catch (e) {
    if (e instanceof SnapshotError) throw new Error(`snapshot '${path}': ${e.message}`);
    throw e;
  }
}

/**
 * Builds the machine of a --restore and shows the guest's last line again
 * (its prompt, usually), so the terminal looks as it did when it was saved.
 */
export function restoreOnTerminal(
  bytes: Uint8Array,
  options: RestoreOptions,
): Machine {
  const machine = Machine.restore(bytes, options);
  const recent = machine.console.recentOutput;
  const lastLine = recent.subarray(recent.lastIndexOf(0x0a) + 1);
  if (lastLine.length > 0) options.console.write(lastLine);
  return machine;
}

/** The Deno permissions the snapshot flags need. */
export function snapshotNeeds(flags: SnapshotFlags): Need[] {
  const needs: Need[] = [];
  if (flags.restore !== undefined) {
    needs.push({
      kind: "read",
      value: flags.restore,
      purpose: `reading the snapshot '${flags.restore}'`,
    });
  }
  if (flags.save !== undefined) {
    // The file is written as FILE.tmp and renamed; Deno's rename wants read and write of both.
    const purpose = `saving snapshots to '${flags.save}'`;
    for (const value of [flags.save, tempName(flags.save)]) {
      needs.push({ kind: "read", value, purpose }, { kind: "write", value, purpose });
    }
  }
  if (flags.monitor !== undefined) {
    const a = parseMonitorAddress(flags.monitor);
    for (const p of monitorPermissions(a)) {
      needs.push({ ...p, purpose: `the monitor on ${flags.monitor}` });
    }
  }
  return needs;
}

/** Writes snapshot bytes to `file` through a temporary file and a rename. */
export async function writeSnapshotFile(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = tempName(file);
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, file);
  } catch (e) {
    try {
      await Deno.remove(tmp);
    } catch { /* never written */ }
    if (e instanceof Deno.errors.NotCapable) {
      throw new Error(
        `saving to '${file}' needs --allow-read=${file},${tmp} --allow-write=${file},${tmp}`,
      );
    }
    throw new Error(`cannot save to '${file}': ${(e as Error).message}`);
  }
}

/**
 * The running machine as the console's C-a s and the monitor see it: pause,
 * go on, save, report, shut down.
 */
export class RunControl implements MonitorTarget {
  private machine: Machine | null = null;
  private monitor: MonitorServer | null = null;
  private stoppedByMonitor = false;
  private waitingForInput = false;
  private lastStatus = { at: performance.now(), instructions: 0 };
  private saving: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly flags: SnapshotFlags,
    private readonly run: SavedRun,
    private readonly log: (line: string) => void,
    /** The machine is a restored snapshot (see attach). */
    private readonly restored = false,
  ) {}

  /** Checks the monitor address before anything starts (a bad one is a usage error). */
  static monitorAddress(flags: SnapshotFlags): MonitorAddress | undefined {
    return flags.monitor === undefined ? undefined : parseMonitorAddress(flags.monitor);
  }

  /**
   * Starts serving once the machine exists. A deterministic restore waits,
   * paused, for the first input: what is typed (or piped) by then is there
   * before the guest's first instruction, so the same input gives the same
   * output on every run. Input arriving later lands at a host-dependent moment.
   */
  attach(machine: Machine): void {
    this.machine = machine;
    if (this.restored && machine.clock.deterministic) {
      machine.pause();
      this.waitingForInput = true;
    }
    this.lastStatus = { at: performance.now(), instructions: machine.executed };
    const a = RunControl.monitorAddress(this.flags);
    if (a) {
      this.monitor = MonitorServer.open(a, this);
      this.log(`monitor on ${this.monitor.address}`);
    }
  }

  /** The terminal delivered input (after the machine has queued it). */
  inputArrived(): void {
    if (!this.waitingForInput) return;
    this.waitingForInput = false;
    this.machine?.resume();
  }

  /** C-a s: save to the --save file, with one line saying how it went. */
  saveFromConsole(): void {
    if (this.flags.save === undefined) {
      this.log("C-a s saves a snapshot when demu was started with --save FILE");
      return;
    }
    const file = this.flags.save;
    this.save(file).then(
      (r) => this.log(`snapshot saved to ${r.file} (${(r.bytes / 1e6).toFixed(1)} MB)`),
      (e) => this.log(`snapshot not saved: ${(e as Error).message}`),
    );
  }

  stop(): void {
    if (!this.machine || this.stoppedByMonitor) return;
    this.stoppedByMonitor = true;
    this.machine.pause();
  }

  cont(): void {
    if (!this.machine || !this.stoppedByMonitor) return;
    this.stoppedByMonitor = false;
    this.machine.resume();
  }

  status(): MonitorStatus {
    const m = this.machine!;
    const now = performance.now();
    const ran = m.executed - this.lastStatus.instructions;
    const ms = now - this.lastStatus.at;
    this.lastStatus = { at: now, instructions: m.executed };
    return {
      status: m.paused ? "paused" : "running",
      instructions: m.executed,
      mips: ms > 0 ? Math.round(ran / ms / 10) / 100 : 0,
      translatedRegions: m.jit?.stats.regions ?? 0,
    };
  }

  /** One save at a time; each waits for the one before. */
  save(file: string): Promise<{ file: string; bytes: number }> {
    const m = this.machine;
    if (!m) return Promise.reject(new Error("the machine is not running yet"));
    const next = this.saving.then(async () => {
      const bytes = await m.snapshot({ config: this.run });
      await writeSnapshotFile(file, bytes);
      return { file, bytes: bytes.length };
    });
    this.saving = next.catch(() => {});
    return next;
  }

  /** Ctrl-Alt-Del on the virtio keyboard: busybox init's orderly shutdown (images/inittab). */
  powerdown(): void {
    const keyboard = this.machine?.virtio.map((t) => t.device).find((d) =>
      d instanceof VirtioInput && d.profile.name.includes("keyboard")
    ) as VirtioInput | undefined;
    if (!keyboard) {
      throw new Error(
        "this machine has no power button: system_powerdown needs a virtio keyboard " +
          '(input_device: "virtio" or --web)',
      );
    }
    for (const k of [KEY_LEFTCTRL, KEY_LEFTALT, KEY_DELETE]) keyboard.key(k, true);
    for (const k of [KEY_DELETE, KEY_LEFTALT, KEY_LEFTCTRL]) keyboard.key(k, false);
    this.machine!.wake();
  }

  quit(): void {
    this.machine?.stop({ reason: "quit" });
  }

  close(): void {
    this.monitor?.close();
  }
}
