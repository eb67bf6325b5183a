import { BOOT_ROM_BASE, buildBootRom } from "./boot_rom.ts";
import { MachineClock, TIMEBASE_HZ } from "../core/clock.ts";
import { buildDeviceTree, type MachineDescription } from "./devicetree.ts";
import { parseElf } from "./elf.ts";
import type { DebugControl } from "../core/debugger.ts";
import { Hart } from "../core/hart.ts";
import { PhysicalMemory, RAM_BASE } from "../core/memory.ts";
import { warmUpInterpreter } from "../core/warmup.ts";
import { Jit } from "../core/jit/jit.ts";
import { Lockstep } from "../core/jit/lockstep.ts";
import type { CharBackend } from "../devices/char_backend.ts";
import { Clint } from "../devices/clint.ts";
import { Framebuffer, FRAMEBUFFER_BASE, FRAMEBUFFER_FORMAT } from "../devices/framebuffer.ts";
import { Htif } from "../devices/htif.ts";
import { ByteOutput } from "../devices/byte_output.ts";
import { TestFinisher } from "../devices/test_finisher.ts";
import { Plic } from "../devices/plic.ts";
import { VirtioConsole } from "../devices/virtio_console.ts";
import { VIRTIO_MMIO_SIZE, VirtioMmio } from "../devices/virtio_mmio.ts";
import type { VirtioDevice } from "../devices/virtio.ts";
import type { MmioRegion } from "../core/bus.ts";
import {
  restoreMachine,
  type RestoreOptions,
  saveMachine,
  type SaveOptions,
} from "./machine_snapshot.ts";
import { firmwareConsoleIsUart, LAST_SLOT_IRQ, PlatformDevices } from "./platform_devices.ts";

const isElf = (b: Uint8Array) => b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;

/** A view of part of a device's window at another address (HTIF's fromhost, split off). */
function window(region: MmioRegion, delta: number): MmioRegion {
  return {
    read: (offset, size) => region.read(offset + delta, size),
    write: (offset, size, value) => region.write(offset + delta, size, value),
  };
}

/** TinyEMU's memory map (docs/devices.md, "The machine"). */
export const CLINT_BASE = 0x0200_0000;
export const CLINT_SIZE = 0x10000;
export const HTIF_BASE = 0x4000_8000;
export const HTIF_SIZE = 16;
export const FINISHER_BASE = 0x0010_0000;
export const FINISHER_SIZE = 0x1000;
export const VIRTIO_BASE = 0x4001_0000;
export const PLIC_BASE = 0x4010_0000;
export const PLIC_SIZE = 0x40_0000;
export const PLIC_SOURCES = 31;
/** OpenSBI fw_jump jumps to RAM + 2 MiB. */
export const KERNEL_OFFSET = 0x20_0000;
/** fw_jump copies the device tree to RAM + 34 MiB and grows it there; keep the initrd above. */
const FW_JUMP_FDT_END = RAM_BASE + 0x220_0000 + 0x10_0000;

export interface MachineOptions {
  memoryMiB: number;
  /** Firmware (raw binary or ELF), loaded at the start of RAM. */
  bios?: Uint8Array;
  /** Kernel (raw Image or ELF), loaded at RAM + 2 MiB when there is firmware. */
  kernel?: Uint8Array;
  initrd?: Uint8Array;
  cmdline?: string;
  /** Where console output goes (HTIF putchar and the virtio console). */
  console: CharBackend;
  /** Time follows the instruction count, so runs are reproducible. */
  deterministic?: boolean;
  /** A simple-framebuffer screen at FRAMEBUFFER_BASE (a8r8g8b8). */
  framebuffer?: { width: number; height: number };
  /**
   * Translate hot guest code to WebAssembly (core/jit; default on). "check"
   * runs every translated block in lockstep with the interpreter and stops at
   * the first difference (slow; for debugging the translator).
   */
  jit?: boolean | "check";
  /**
   * The interpreter's WebAssembly tier (core/wasm_interp.ts; default on).
   * Off, the interpreter is core/hart.ts's loop alone: the reference, which
   * the translator's lockstep checker ("check") always compares against.
   */
  wasmInterp?: boolean;
}

export type MachineExit =
  | { reason: "poweroff"; code: number }
  | { reason: "quit" }
  | { reason: "reset" }
  | { reason: "limit"; instructions: number };

/** Instructions per call into the interpreter; bounds timer and I/O latency. */
const SLICE = 50_000;
/** Host milliseconds of guest work between returns to Deno's event loop. */
const WORK_MS = 10;

/**
 * A whole RISC-V machine: RAM, the hart, CLINT, PLIC, HTIF and VirtIO MMIO
 * slots at TinyEMU's addresses, a generated device tree, and the run loop that
 * shares the thread with Deno's event loop.
 */
export class Machine {
  readonly mem: PhysicalMemory;
  readonly hart: Hart;
  readonly clock: MachineClock;
  readonly clint: Clint;
  readonly plic: Plic;
  readonly htif: Htif;
  readonly console: VirtioConsole;
  /** UART, RTC, entropy and the console input router (board/platform_devices.ts). */
  readonly platform: PlatformDevices;
  readonly virtio: VirtioMmio[] = [];
  readonly framebuffer: Framebuffer | null = null;
  /** The translator (null with jit: false). */
  readonly jit: Jit | null;
  /** The lockstep checker (jit: "check"). */
  readonly lockstep: Lockstep | null;
  /** Instructions executed so far (including ones that trapped). */
  executed = 0;
  /**
   * Warm V8 up on the interpreter before the first instruction (core/warmup.ts).
   * A restored machine skips it: its guest is waiting at a prompt, and answering
   * at once matters more than the interpreter's first seconds of speed.
   */
  warmUp = true;
  /** Stop after this many instructions (Infinity for no bound). */
  maxInstructions = Infinity;
  /** Set by an attached debugger (backends/debug): pauses, steps and stops the run loop. */
  debug: DebugControl | null = null;
  private exit: MachineExit | null = null;
  private wakeUp: (() => void) | null = null;
  /** Pauses in force (the monitor's stop, a save in progress); the run loop waits while any is. */
  private holds = 0;
  private unhold: (() => void) | null = null;
  readonly options: MachineOptions;
  /** The console as every device writes to it: HTIF's and the UART's bytes gathered, all in order. */
  readonly output: ByteOutput;

  constructor(options: MachineOptions) {
    this.options = options;
    this.output = new ByteOutput(options.console);
    const ramBytes = options.memoryMiB * 1024 * 1024;
    const fb = options.framebuffer;
    const fbBytes = fb ? Framebuffer.bytesFor(fb.width, fb.height) : 0;
    this.mem = new PhysicalMemory(
      ramBytes,
      fb ? { base: FRAMEBUFFER_BASE, size: fbBytes } : undefined,
    );
    if (fb) {
      const at = this.mem.offsetOf(FRAMEBUFFER_BASE);
      this.framebuffer = new Framebuffer(
        this.mem.u8.subarray(at, at + fbBytes),
        fb.width,
        fb.height,
      );
    }
    this.clock = new MachineClock(options.deterministic ?? false);
    this.hart = new Hart(this.mem, this.clock);
    // A device completing host I/O (a file read, a packet) wakes a WFI sleep.
    this.hart.onInterrupt = () => this.wake();
    const jit = options.jit ?? true;
    if (options.wasmInterp === false || jit === "check") this.hart.setWasmInterp(false);
    this.jit = jit === false ? null : new Jit(this.hart, this.mem, jit === "check");
    this.lockstep = jit === "check" ? new Lockstep(this.jit!) : null;
    this.clint = new Clint(this.clock, this.hart);
    this.plic = new Plic(this.hart, PLIC_SOURCES);
    this.platform = new PlatformDevices({
      mem: this.mem,
      irq: (n) => this.plic.irq(n),
      clock: this.clock,
      output: this.output,
      deterministic: options.deterministic ?? false,
    });
    const input = this.platform.input;
    const routing = { stamp: () => input.stamp(), onRoom: () => input.drain() };
    this.htif = new Htif({
      putchar: (b) => this.output.put(b),
      powerOff: (code) => this.stop({ reason: "poweroff", code }),
      ticks: () => this.clock.ticks(),
      ...routing,
    });
    input.add(this.htif);
    this.mem.mapMmio(CLINT_BASE, CLINT_SIZE, this.clint);
    this.mem.mapMmio(PLIC_BASE, PLIC_SIZE, this.plic);
    this.mem.mapMmio(HTIF_BASE, HTIF_SIZE, this.htif);
    this.mem.mapMmio(
      FINISHER_BASE,
      FINISHER_SIZE,
      new TestFinisher({
        powerOff: (code) => this.stop({ reason: "poweroff", code }),
        reset: () => this.stop({ reason: "reset" }),
      }),
    );
    this.console = new VirtioConsole(this.output, routing);
    input.add(this.console);
    this.addVirtio(this.console);
  }

  /** Puts a VirtIO device in the next MMIO slot (IRQ 1 + slot). */
  addVirtio(device: VirtioDevice): VirtioMmio {
    const slot = this.virtio.length;
    if (1 + slot > LAST_SLOT_IRQ) {
      throw new Error(`at most ${LAST_SLOT_IRQ} virtio devices (PLIC sources 1..${LAST_SLOT_IRQ})`);
    }
    const transport = new VirtioMmio(this.mem, this.plic.irq(1 + slot), device, {
      deterministic: this.clock.deterministic,
    });
    this.mem.mapMmio(VIRTIO_BASE + slot * VIRTIO_MMIO_SIZE, VIRTIO_MMIO_SIZE, transport);
    this.virtio.push(transport);
    return transport;
  }

  /** Loads firmware, kernel and initrd, writes the device tree and boot ROM, resets the hart. */
  boot(): void {
    const o = this.options;
    let entry = BigInt(RAM_BASE);
    if (o.bios) entry = this.loadImage(o.bios, RAM_BASE, "firmware");
    if (o.kernel) {
      const at = o.bios ? RAM_BASE + KERNEL_OFFSET : RAM_BASE;
      const kernelEntry = this.loadImage(o.kernel, at, "kernel");
      if (!o.bios) entry = kernelEntry;
    }
    let initrd: { start: number; end: number } | undefined;
    if (o.initrd) {
      const start = this.initrdAddress(o.initrd.length);
      this.mem.loadRam(start, o.initrd, "initrd");
      initrd = { start, end: start + o.initrd.length };
    }
    const dtb = buildDeviceTree(this.describe(initrd));
    this.mem.loadRom(buildBootRom(entry, dtb));
    this.hart.pc = BOOT_ROM_BASE;
  }

  /**
   * Bare-metal ELF mode (riscv-tests style): segments at their physical
   * addresses, the hart starts at e_entry in M-mode, and HTIF is served at the
   * ELF's `tohost`/`fromhost` symbols when it has them.
   */
  bootElf(bytes: Uint8Array): void {
    this.elfImage = bytes;
    const elf = parseElf(bytes);
    this.loadImage(bytes, RAM_BASE, "ELF program");
    const tohost = elf.symbols.get("tohost");
    const fromhost = elf.symbols.get("fromhost");
    if (tohost !== undefined) this.mem.mapMmio(Number(tohost), 8, this.htif);
    if (fromhost !== undefined) this.mem.mapMmio(Number(fromhost), 8, window(this.htif, 8));
    this.hart.pc = Number(BigInt.asIntN(64, elf.entry));
  }

  /** The program of bare-metal ELF mode, kept for reset(). */
  private elfImage: Uint8Array | null = null;

  /**
   * Power-on again (a debugger's `monitor reset`): the hart reset, RAM cleared
   * and the images loaded anew, translations dropped. Devices are reset by
   * their drivers, as after a warm reboot.
   */
  reset(): void {
    this.jit?.flush();
    const ram = this.mem.offsetOf(RAM_BASE);
    this.mem.u8.fill(0, ram, ram + this.mem.size);
    if (this.elfImage) {
      this.loadImage(this.elfImage, RAM_BASE, "ELF program");
      this.hart.reset(Number(BigInt.asIntN(64, parseElf(this.elfImage).entry)));
    } else {
      this.hart.reset(BOOT_ROM_BASE);
      this.boot();
    }
  }

  /** What the device tree says about this machine. */
  describe(initrd?: { start: number; end: number }): MachineDescription {
    return {
      ramBase: RAM_BASE,
      ramSize: this.mem.size,
      isa: "rv64imafdc",
      mmuType: "riscv,sv48",
      timebaseFrequency: TIMEBASE_HZ,
      clint: { base: CLINT_BASE, size: CLINT_SIZE },
      plic: { base: PLIC_BASE, size: PLIC_SIZE, numSources: PLIC_SOURCES },
      htif: { base: HTIF_BASE, size: HTIF_SIZE },
      testFinisher: { base: FINISHER_BASE, size: FINISHER_SIZE },
      virtio: [
        ...this.virtio.map((_, i) => ({
          base: VIRTIO_BASE + i * VIRTIO_MMIO_SIZE,
          size: VIRTIO_MMIO_SIZE,
          irq: 1 + i,
        })),
        this.platform.describe().rng,
      ],
      platform: this.platform.describe(),
      stdoutUart: firmwareConsoleIsUart(this.options.cmdline ?? ""),
      framebuffer: this.framebuffer
        ? {
          base: FRAMEBUFFER_BASE,
          width: this.framebuffer.width,
          height: this.framebuffer.height,
          stride: this.framebuffer.stride,
          format: FRAMEBUFFER_FORMAT,
        }
        : undefined,
      bootargs: this.options.cmdline ?? "",
      initrd,
    };
  }

  /** Loads a raw image at `at`, or an ELF at its physical addresses; returns the entry. */
  private loadImage(bytes: Uint8Array, at: number, what: string): bigint {
    if (isElf(bytes)) {
      const elf = parseElf(bytes);
      for (const seg of elf.segments) {
        const paddr = Number(seg.paddr);
        this.mem.loadRam(paddr, seg.data, what);
        if (seg.memSize > seg.data.length) {
          this.mem.zeroRam(paddr + seg.data.length, seg.memSize - seg.data.length, what);
        }
      }
      return elf.entry;
    }
    this.mem.loadRam(at, bytes, what);
    return BigInt(at);
  }

  /**
   * Where QEMU puts the initrd: half-way into RAM (at most 128 MiB in), clear
   * of the kernel; never below the spot where fw_jump copies the device tree.
   */
  private initrdAddress(size: number): number {
    const ram = this.mem.size;
    let start = RAM_BASE + Math.min(Math.floor(ram / 2), 128 * 1024 * 1024);
    if (start + size > RAM_BASE + ram) start = RAM_BASE + ram - size;
    start = Math.max(Math.floor(start / 4096) * 4096, FW_JUMP_FDT_END);
    if (start + size > RAM_BASE + ram) {
      throw new Error(
        `the initrd (${size} bytes) does not fit in ${ram >> 20} MiB of RAM ` +
          `above the firmware's device tree copy; give more memory with -m`,
      );
    }
    return start;
  }

  /**
   * The machine's state as snapshot bytes (board/machine_snapshot.ts): the run
   * pauses while host requests finish and the state is copied, then goes on.
   */
  snapshot(options?: SaveOptions): Promise<Uint8Array> {
    return saveMachine(this, options);
  }

  /**
   * A machine in the state a snapshot holds, ready to `run` (as after
   * `boot`). `options.devices` are the VirtIO devices after the console, in
   * the snapshot's slot order, opened from the same configuration.
   */
  static restore(bytes: Uint8Array, options: RestoreOptions): Machine {
    return restoreMachine(bytes, options);
  }

  /** Stops running guest code between slices (mtime stops too) until a matching `resume`. */
  pause(): void {
    if (this.holds++ === 0) this.clock.freeze();
    this.wake();
  }

  resume(): void {
    if (this.holds === 0) return;
    if (--this.holds > 0) return;
    this.clock.thaw();
    const go = this.unhold;
    this.unhold = null;
    go?.();
  }

  get paused(): boolean {
    return this.holds > 0;
  }

  /** Ends the run: power-off, the user quitting, or an instruction limit. */
  stop(exit: MachineExit): void {
    if (!this.exit) this.exit = exit;
    this.hart.haltRequested = true;
    this.debug?.resume(false); // a machine paused for a debugger ends too
    this.wake();
    this.unhold?.();
  }

  /** Ends an idle wait early: new input or a completed host request. */
  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  /**
   * Lets every device finish with its host side (flush written data, close
   * files and sockets). Call after `run` resolves, before the process exits.
   */
  async close(): Promise<void> {
    this.output.flush(); // the HTIF's and the UART's bytes
    for (const t of this.virtio) {
      await t.device.close?.();
    }
  }

  /** Console input from the host. */
  typeInput(bytes: Uint8Array): void {
    this.platform.input.push(bytes);
    this.wake();
  }

  /** Runs until power-off, quit or the instruction limit. */
  async run(): Promise<MachineExit> {
    if (this.warmUp) warmUpInterpreter();
    while (!this.exit) {
      if (this.holds > 0) {
        await new Promise<void>((r) => this.unhold = r);
        continue;
      }
      const until = performance.now() + WORK_MS;
      do {
        if (this.debug?.paused) break;
        this.clint.update();
        this.platform.update();
        let budget = Math.min(SLICE, this.maxInstructions - this.executed);
        if (budget <= 0) {
          this.stop({ reason: "limit", instructions: this.executed });
          break;
        }
        if (this.debug) budget = this.debug.budget(budget);
        // Armed triggers and single steps run interpreted: translated code checks neither.
        const n = this.jit && !this.hart.debugActive && budget > 1
          ? this.jit.run(budget, this.maxInstructions !== Infinity)
          : this.hart.run(budget);
        this.executed += n;
        this.clock.advance(n);
        this.debug?.afterSlice(n);
      } while (!this.exit && !this.hart.waiting && performance.now() < until);
      if (this.exit) break;
      if (this.debug?.paused) await this.debug.resumed();
      else if (this.hart.waiting) await this.idle();
      else await new Promise((r) => setImmediate(r));
    }
    return this.exit;
  }

  /** WFI: sleep until the next timer deadline or a wake-up, at no host CPU cost. */
  private async idle(): Promise<void> {
    this.clint.update();
    if (this.hart.interruptsPending()) return;
    const deadline = this.clint.nextDeadline();
    if (this.clock.deterministic && deadline !== Infinity) {
      this.clock.skipTo(deadline);
      await new Promise((r) => setImmediate(r));
      return;
    }
    const ms = deadline === Infinity ? 1000 : Math.min(1000, this.clock.msUntil(deadline));
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
