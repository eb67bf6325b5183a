/**
 * Whole-machine snapshots: `saveMachine` pauses a machine, lets its devices
 * finish their host requests, and writes every part's state into one
 * snapshot (core/snapshot/format.ts); `restoreMachine` builds a machine of
 * the same shape and loads it, ready to run on. The sections:
 *
 *   CONF  the machine's shape (RAM, command line, screen, devices) and the
 *         caller's own configuration (the command line keeps its config here)
 *   CLCK  mtime and the instruction counts
 *   HART  one per hart (core/snapshot/hart_state.ts)
 *   CLNT, PLIC, HTIF  the fixed devices' saveState (FIXED_DEVICES)
 *   ROM   the boot ROM (code and device tree)
 *   RAM   the non-zero pages, compressed (core/snapshot/ram.ts)
 *   VRAM  the framebuffer's memory, likewise
 *   VIRT  one per VirtIO slot: transport, queues, device (devices/virtio_mmio.ts)
 *
 * Not saved: the translator's code cache (rebuilt as the guest runs) and
 * anything of the host's (open files, sockets), which the devices reopen or
 * reset on restore.
 */
import type { CharBackend } from "../devices/char_backend.ts";
import type { VirtioDevice } from "../devices/virtio.ts";
import { Machine } from "./machine.ts";
import {
  decodeSnapshot,
  encodeSnapshot,
  type Section,
  SnapshotError,
  type Stateful,
  StateReader,
  StateWriter,
} from "../core/snapshot/format.ts";
import { loadHart, saveHart } from "../core/snapshot/hart_state.ts";
import { capturePages, readPages, writePages } from "../core/snapshot/ram.ts";
import { Framebuffer, MAX_DIMENSION } from "../devices/framebuffer.ts";
import { memoryFits } from "../core/memory.ts";
import { MAX_MEMORY_MIB } from "./config.ts";

export { SnapshotError } from "../core/snapshot/format.ts";

/** The machine's shape as the CONF section records it. */
export interface SnapshotConfig {
  memoryMiB: number;
  cmdline: string;
  deterministic: boolean;
  framebuffer: { width: number; height: number } | null;
  /** Device id of each VirtIO slot, the console's first. */
  virtio: number[];
  harts: number;
  /** What the saver passed along (e.g. the command line's device configuration). */
  app: unknown;
}

export interface RestoreOptions {
  /** Where console output goes from now on. */
  console: CharBackend;
  /** The VirtIO devices after the console, in slot order, opened from the same configuration. */
  devices?: VirtioDevice[];
  /** Translator mode, as in MachineOptions (not part of the guest's state). */
  jit?: boolean | "check";
  /**
   * Time follows the instruction count from here on (default: as when saved).
   * mtime goes on from its saved value either way.
   */
  deterministic?: boolean;
}

/**
 * The machine's fixed devices with state, each saved in its own section by
 * its saveState / loadState (the same hooks as VirtIO devices': a new fixed
 * device, a UART say, is one line here). Loaded in this order.
 */
const FIXED_DEVICES: [tag: string, device: (m: Machine) => Stateful][] = [
  ["CLNT", (m) => m.clint],
  ["PLIC", (m) => m.plic],
  ["HTIF", (m) => m.htif],
  ["UART", (m) => m.platform.uart],
  // Which console the guest opened last (where host input goes) and input not yet taken.
  ["CINP", (m) => m.platform.input],
  // The entropy device's transport and queues (its slot is outside machine.virtio).
  ["RNG ", (m) => m.platform.rng],
];

function section(tag: string, write: (w: StateWriter) => void): Section {
  const w = new StateWriter();
  write(w);
  return { tag, payload: w.finish() };
}

export interface SaveOptions {
  /** Kept in the snapshot for whoever restores it (the command line keeps its devices' configuration). */
  config?: unknown;
  /**
   * Deflate the memory (default true). Uncompressed snapshots are about twice
   * as big and restore several times faster: for forks made in one process.
   */
  compress?: boolean;
}

/** Saves a running (or paused) machine; it runs on afterwards. */
export async function saveMachine(
  machine: Machine,
  options: SaveOptions = {},
): Promise<Uint8Array> {
  const app = options.config;
  const compress = options.compress ?? true;
  // boot() always writes a boot ROM; a bare-metal ELF run has none (and HTIF at its symbols).
  if (machine.mem.rom.length === 0) {
    throw new SnapshotError("a bare-metal ELF machine cannot be saved");
  }
  machine.pause();
  let sections: Section[];
  let ram, vram;
  try {
    // The guest is paused, so no new request starts; wait for those in flight.
    for (const t of machine.virtio) await t.device.quiesce?.();
    const o = machine.options;
    const fb = machine.framebuffer;
    const config: SnapshotConfig = {
      memoryMiB: o.memoryMiB,
      cmdline: o.cmdline ?? "",
      deterministic: o.deterministic ?? false,
      framebuffer: fb ? { width: fb.width, height: fb.height } : null,
      virtio: machine.virtio.map((t) => t.device.deviceId),
      harts: 1,
      app: app ?? null,
    };
    // Everything is copied synchronously, so it is one instant of the machine.
    sections = [
      section("CONF", (w) => w.json(config)),
      section("CLCK", (w) => {
        machine.clock.saveState(w);
        w.f64(machine.executed);
      }),
      section("HART", (w) => saveHart(w, machine.hart)),
      ...FIXED_DEVICES.map(([tag, device]) => section(tag, (w) => device(machine).saveState(w))),
      section("ROM ", (w) => w.bytes(machine.mem.rom)),
      ...machine.virtio.map((t) => section("VIRT", (w) => t.saveState(w))),
    ];
    ram = capturePages(machine.mem.bytes);
    const v = machine.mem.vram;
    vram = v ? capturePages(machine.mem.u8.subarray(v.offset, v.offset + v.size)) : null;
  } finally {
    machine.resume();
  }
  sections.push(section("RAM ", (w) => writePages(w, ram, compress)));
  if (vram) sections.push(section("VRAM", (w) => writePages(w, vram, compress)));
  return encodeSnapshot(sections);
}

/** The CONF section of a snapshot (checking the whole file first). */
export function readSnapshotConfig(bytes: Uint8Array): SnapshotConfig {
  return configOf(decodeSnapshot(bytes));
}

function configOf(sections: Section[]): SnapshotConfig {
  const conf = sections.find((s) => s.tag === "CONF");
  if (!conf) throw new SnapshotError("the snapshot has no machine configuration");
  const c = new StateReader(conf.payload, "configuration").json<SnapshotConfig>();
  // Everything a Machine is built from is checked here, so a damaged file is this one line
  // and never an error of the constructor's (or gigabytes of RAM allocated).
  const intIn = (v: unknown, max: number) =>
    Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max;
  const fb = typeof c === "object" && c !== null ? c.framebuffer : null;
  if (
    typeof c !== "object" || c === null || !intIn(c.memoryMiB, MAX_MEMORY_MIB) ||
    typeof c.cmdline !== "string" || typeof c.deterministic !== "boolean" ||
    !(fb === null || (typeof fb === "object" && intIn(fb.width, MAX_DIMENSION) &&
      intIn(fb.height, MAX_DIMENSION))) ||
    !Array.isArray(c.virtio) || !c.virtio.every((id) => intIn(id, 0xffff)) || c.harts !== 1 ||
    // RAM and the screen fit together (core/memory.ts): no demu saves a machine that does not.
    !memoryFits(c.memoryMiB * 2 ** 20, fb ? Framebuffer.bytesFor(fb.width, fb.height) : 0)
  ) {
    throw new SnapshotError("the snapshot's machine configuration is damaged");
  }
  return c;
}

/** Builds a machine from a snapshot, in the saved state; call `run` on it. */
export function restoreMachine(bytes: Uint8Array, options: RestoreOptions): Machine {
  const sections = decodeSnapshot(bytes);
  const config = configOf(sections);
  const devices = options.devices ?? [];
  const ids = devices.map((d) => d.deviceId);
  if (ids.length !== config.virtio.length - 1 || ids.some((id, i) => id !== config.virtio[i + 1])) {
    throw new SnapshotError(
      `the snapshot's machine has virtio devices [${config.virtio.slice(1)}], ` +
        `not the [${ids}] given`,
    );
  }
  const machine = new Machine({
    memoryMiB: config.memoryMiB,
    cmdline: config.cmdline,
    deterministic: options.deterministic ?? config.deterministic,
    framebuffer: config.framebuffer ?? undefined,
    console: options.console,
    jit: options.jit,
  });
  for (const d of devices) machine.addVirtio(d);
  // Its guest is at a prompt: answer first (core/warmup.ts costs a second or more under load).
  machine.warmUp = false;
  const take = (tag: string): StateReader[] =>
    sections.filter((s) => s.tag === tag).map((s) => new StateReader(s.payload, tag.trim()));
  const one = (tag: string): StateReader => {
    const found = take(tag);
    if (found.length !== 1) throw new SnapshotError(`the snapshot has no single ${tag.trim()}`);
    return found[0];
  };
  machine.mem.loadRom(one("ROM ").bytes());
  readPages(one("RAM "), machine.mem.bytes);
  const v = machine.mem.vram;
  if (v) readPages(one("VRAM"), machine.mem.u8.subarray(v.offset, v.offset + v.size));
  loadHart(one("HART"), machine.hart);
  const clock = one("CLCK");
  machine.clock.loadState(clock);
  machine.executed = clock.f64();
  for (const [tag, device] of FIXED_DEVICES) device(machine).loadState(one(tag));
  const virt = take("VIRT");
  if (virt.length !== machine.virtio.length) {
    throw new SnapshotError("the snapshot's virtio devices do not match its configuration");
  }
  virt.forEach((r, i) => machine.virtio[i].loadState(r));
  return machine;
}
