/**
 * The device tree of demu's machine, written so that stock OpenSBI (generic
 * platform, fw_jump, 1.2 as in Debian bookworm) and stock Linux 6.1 find every
 * device with no patches. What each consumer reads, and so what must be here:
 *
 * - OpenSBI: the hart from /cpus/cpu@N (device_type "cpu", reg); the timer and
 *   IPIs from the CLINT's reg plus interrupts-extended (IRQ 7 = M timer, 3 = M
 *   software); the PLIC's M and S contexts from its interrupts-extended
 *   (entry i = context i; IRQ 11 = M external, 9 = S external); the console
 *   from /chosen/stdout-path, here the HTIF node. Its HTIF driver takes reg
 *   entry 0 as `fromhost` and entry 1 as `tohost`; with no reg it would fall
 *   back to its own linked-in tohost symbol and print nothing.
 * - Linux: each cpu needs compatible "riscv", reg, status "okay" and a
 *   riscv,isa starting with "rv64" (lowercase); "d" in it turns the FPU on.
 *   The timer driver binds to the cpu node and its riscv,cpu-intc child;
 *   /cpus/timebase-frequency is mandatory. Devices hang off the PLIC.
 *
 * Addresses within /soc are identical to physical addresses (empty `ranges`),
 * which OpenSBI's simple address translation handles without surprises.
 */

import { Fdt, FdtNode, u64Cells } from "./fdt.ts";
import type { PlatformDescription } from "./platform_devices.ts";
import { addPlatformNodes } from "./platform_nodes.ts";

export interface MachineDescription {
  ramBase: number;
  ramSize: number;
  /** The riscv,isa string, e.g. "rv64imafdc". */
  isa: string;
  /** e.g. "riscv,sv48". */
  mmuType: string;
  /** mtime ticks per second (10_000_000 as in TinyEMU). */
  timebaseFrequency: number;
  /** Nominal CPU clock for /proc/cpuinfo; defaults to 1 GHz. */
  clockFrequency?: number;
  clint: { base: number; size: number };
  plic: { base: number; size: number; numSources: number };
  /** HTIF registers, TinyEMU layout: tohost at base, fromhost at base + 8. */
  htif?: { base: number; size: number };
  /**
   * A SiFive test finisher ("sifive,test0"): how OpenSBI powers the machine
   * off. OpenSBI 1.1's HTIF reset spins forever when HTIF has a `reg`, and it
   * prefers this device (registered first) for shutdown and reboot.
   */
  testFinisher?: { base: number; size: number };
  virtio: { base: number; size: number; irq: number }[];
  framebuffer?: { base: number; width: number; height: number; stride: number; format: "a8r8g8b8" };
  bootargs: string;
  /** Physical addresses of the initrd, end exclusive. */
  initrd?: { start: number; end: number };
  /** Overrides /chosen/stdout-path; defaults to the HTIF node when there is one. */
  stdoutPath?: string;
  /** The UART, RTC and entropy device (board/platform_devices.ts). */
  platform?: PlatformDescription;
  /** stdout-path names the UART (board/platform_devices.ts firmwareConsoleIsUart). */
  stdoutUart?: boolean;
}

/** PLIC context numbers that the device tree assigns to hart 0's privilege modes. */
export const PLIC_CONTEXT_M = 0;
export const PLIC_CONTEXT_S = 1;

// Local interrupt numbers at the cpu's riscv,cpu-intc (the mip bit numbers).
const IRQ_M_SOFT = 3;
const IRQ_M_TIMER = 7;
const IRQ_S_EXT = 9;
const IRQ_M_EXT = 11;

const hex = (n: number) => n.toString(16);

/** A `reg` value with two address and two size cells per region. */
function reg(...regions: [number, number][]): number[] {
  return regions.flatMap(([base, size]) => [...u64Cells(base), ...u64Cells(size)]);
}

export function buildDeviceTree(m: MachineDescription): Uint8Array {
  check(m);
  const fdt = new Fdt();
  const root = fdt.root;
  root.setU32("#address-cells", 2).setU32("#size-cells", 2);
  root.setStrings("compatible", ["ucbbar,riscvemu-bar_dev", "riscv-virtio"]);
  // OpenSBI 1.1 copies the model over its default name "Generic" without the
  // terminating NUL, so a shorter model shows as "demuric": keep it 7+ chars.
  root.setString("model", "demu-riscv64");

  const intc = addCpus(fdt, m);

  root.addChild(`memory@${hex(m.ramBase)}`)
    .setString("device_type", "memory")
    .setCells("reg", reg([m.ramBase, m.ramSize]));

  const soc = root.addChild("soc");
  soc.setU32("#address-cells", 2).setU32("#size-cells", 2);
  soc.setStrings("compatible", ["simple-bus"]).setEmpty("ranges");

  soc.addChild(`clint@${hex(m.clint.base)}`)
    .setStrings("compatible", ["sifive,clint0", "riscv,clint0"])
    .setCells("interrupts-extended", [intc, IRQ_M_SOFT, intc, IRQ_M_TIMER])
    .setCells("reg", reg([m.clint.base, m.clint.size]));

  const plic = fdt.allocPhandle();
  soc.addChild(`plic@${hex(m.plic.base)}`)
    .setStrings("compatible", ["sifive,plic-1.0.0", "riscv,plic0"])
    .setU32("#interrupt-cells", 1)
    .setU32("#address-cells", 0)
    .setEmpty("interrupt-controller")
    .setU32("riscv,ndev", m.plic.numSources)
    // Entry order = context number: context 0 is M mode, context 1 is S mode.
    .setCells("interrupts-extended", [intc, IRQ_M_EXT, intc, IRQ_S_EXT])
    .setCells("reg", reg([m.plic.base, m.plic.size]))
    .setPhandle(plic);

  for (const v of m.virtio) {
    soc.addChild(`virtio_mmio@${hex(v.base)}`)
      .setString("compatible", "virtio,mmio")
      .setCells("reg", reg([v.base, v.size]))
      .setU32("interrupt-parent", plic)
      .setU32("interrupts", v.irq);
  }

  const uartPath = m.platform ? addPlatformNodes(soc, m.platform, plic, reg) : undefined;

  let htifPath: string | undefined;
  if (m.htif) {
    // OpenSBI reads reg[0] as fromhost and reg[1] as tohost; the unit address
    // follows the first reg entry.
    const fromhost = m.htif.base + 8;
    const name = `htif@${hex(fromhost)}`;
    soc.addChild(name)
      .setString("compatible", "ucb,htif0")
      .setCells("reg", reg([fromhost, 8], [m.htif.base, 8]));
    htifPath = `/soc/${name}`;
  }

  if (m.testFinisher) {
    soc.addChild(`test@${hex(m.testFinisher.base)}`)
      .setStrings("compatible", ["sifive,test1", "sifive,test0"])
      .setCells("reg", reg([m.testFinisher.base, m.testFinisher.size]));
  }

  if (m.framebuffer) {
    const fb = m.framebuffer;
    soc.addChild(`framebuffer@${hex(fb.base)}`)
      .setString("compatible", "simple-framebuffer")
      .setCells("reg", reg([fb.base, fb.stride * fb.height]))
      .setU32("width", fb.width)
      .setU32("height", fb.height)
      .setU32("stride", fb.stride)
      .setString("format", fb.format);
  }

  const chosen = root.addChild("chosen").setString("bootargs", m.bootargs);
  if (m.initrd) {
    chosen.setU64("linux,initrd-start", m.initrd.start);
    chosen.setU64("linux,initrd-end", m.initrd.end);
  }
  const stdout = m.stdoutPath ?? (m.stdoutUart && uartPath ? uartPath : htifPath);
  if (stdout) chosen.setString("stdout-path", stdout);

  return fdt.toBytes();
}

/** Adds /cpus with hart 0; returns the phandle of its interrupt controller. */
function addCpus(fdt: Fdt, m: MachineDescription): number {
  const cpus = fdt.root.addChild("cpus");
  cpus.setU32("#address-cells", 1).setU32("#size-cells", 0);
  cpus.setU32("timebase-frequency", m.timebaseFrequency);

  const cpu: FdtNode = cpus.addChild("cpu@0")
    .setString("device_type", "cpu")
    .setU32("reg", 0)
    .setString("status", "okay")
    .setString("compatible", "riscv")
    .setString("riscv,isa", m.isa)
    .setString("mmu-type", m.mmuType)
    .setU32("clock-frequency", m.clockFrequency ?? 1_000_000_000);

  const intc = fdt.allocPhandle();
  cpu.addChild("interrupt-controller")
    .setU32("#interrupt-cells", 1)
    .setU32("#address-cells", 0)
    .setEmpty("interrupt-controller")
    .setString("compatible", "riscv,cpu-intc")
    .setPhandle(intc);
  return intc;
}

/** Rejects descriptions that would give a tree the firmware or kernel misreads. */
function check(m: MachineDescription): void {
  if (!/^rv64[a-z]/.test(m.isa)) {
    throw new Error(`device tree: riscv,isa "${m.isa}" must be lowercase and start with "rv64"`);
  }
  if (!(m.ramSize > 0)) throw new Error("device tree: RAM size must be positive");
  if (m.initrd && !(m.initrd.end >= m.initrd.start)) {
    throw new Error("device tree: initrd end is before its start");
  }
  const names = new Set<number>();
  for (const v of m.virtio) {
    if (names.has(v.base)) throw new Error(`device tree: two virtio devices at 0x${hex(v.base)}`);
    names.add(v.base);
    if (v.irq < 1 || v.irq > m.plic.numSources) {
      throw new Error(
        `device tree: virtio IRQ ${v.irq} is outside the PLIC's 1..${m.plic.numSources}`,
      );
    }
  }
}
