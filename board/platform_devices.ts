/**
 * The devices QEMU's virt machine has and TinyEMU's lacks, at QEMU's
 * addresses where demu's map has room: the 16550 UART (ttyS0), the Goldfish
 * RTC and a virtio entropy device; and the console input router that hands
 * host keystrokes to whichever console the guest has open (SBI console via
 * HTIF, virtio console, UART). board/machine.ts creates one of these.
 *
 * demu's map (board/machine.ts): test finisher 0x10_0000, RTC 0x10_1000,
 * CLINT 0x200_0000, UART 0x1000_0000, HTIF 0x4000_8000, entropy 0x4000_f000,
 * virtio slots from 0x4001_0000, PLIC 0x4010_0000. The fixed devices take
 * the top PLIC sources so the virtio slots keep 1, 2, 3, ...
 */
import type { Clock, IrqLine } from "../core/bus.ts";
import { TIMEBASE_HZ } from "../core/clock.ts";
import type { PhysicalMemory } from "../core/memory.ts";
import type { ByteOutput } from "../devices/byte_output.ts";
import { ConsoleInput } from "../devices/console_input.ts";
import {
  DETERMINISTIC_EPOCH_NS,
  GoldfishRtc,
  RTC_BASE,
  RTC_SIZE,
} from "../devices/goldfish_rtc.ts";
import { Uart16550, UART_BASE, UART_CLOCK_HZ, UART_SIZE } from "../devices/uart16550.ts";
import { VIRTIO_MMIO_SIZE, VirtioMmio } from "../devices/virtio_mmio.ts";
import { deterministicRandom, hostRandom, VirtioRng } from "../devices/virtio_rng.ts";

export const UART_IRQ = 31;
export const RTC_IRQ = 30;
export const RNG_IRQ = 29;
/** The last PLIC source a virtio slot may take. */
export const LAST_SLOT_IRQ = 28;
export const RNG_BASE = 0x4000_f000;

export interface PlatformOptions {
  mem: PhysicalMemory;
  irq(n: number): IrqLine;
  clock: Clock;
  output: ByteOutput;
  deterministic: boolean;
}

/** What the device tree says about these devices. */
export interface PlatformDescription {
  uart: { base: number; size: number; irq: number; clockHz: number };
  rtc: { base: number; size: number; irq: number };
  rng: { base: number; size: number; irq: number };
}

export class PlatformDevices {
  readonly input = new ConsoleInput();
  readonly uart: Uart16550;
  readonly rtc: GoldfishRtc;
  readonly rng: VirtioMmio;

  constructor(o: PlatformOptions) {
    this.uart = new Uart16550({
      irq: o.irq(UART_IRQ),
      output: o.output,
      stamp: () => this.input.stamp(),
      onRoom: () => this.input.drain(),
    });
    this.input.add(this.uart);
    o.mem.mapMmio(UART_BASE, UART_SIZE, this.uart);

    const startMs = Date.now();
    this.rtc = new GoldfishRtc({
      irq: o.irq(RTC_IRQ),
      elapsedNs: () => BigInt(o.clock.ticks()) * BigInt(1e9 / TIMEBASE_HZ),
      startNs: o.deterministic ? DETERMINISTIC_EPOCH_NS : BigInt(startMs) * 1_000_000n,
    });
    o.mem.mapMmio(RTC_BASE, RTC_SIZE, this.rtc);

    const rng = new VirtioRng(o.deterministic ? deterministicRandom() : hostRandom);
    this.rng = new VirtioMmio(o.mem, o.irq(RNG_IRQ), rng);
    o.mem.mapMmio(RNG_BASE, VIRTIO_MMIO_SIZE, this.rng);
  }

  /** Time passed: the RTC's alarm may fire. */
  update(): void {
    this.rtc.update();
  }

  describe(): PlatformDescription {
    return {
      uart: { base: UART_BASE, size: UART_SIZE, irq: UART_IRQ, clockHz: UART_CLOCK_HZ },
      rtc: { base: RTC_BASE, size: RTC_SIZE, irq: RTC_IRQ },
      rng: { base: RNG_BASE, size: VIRTIO_MMIO_SIZE, irq: RNG_IRQ },
    };
  }
}

/**
 * The firmware's console (/chosen/stdout-path) follows the kernel's: the UART
 * when the command line's last `console=` is ttyS0 (Linux makes the last one
 * /dev/console), as on QEMU's virt; otherwise HTIF, demu's classic console.
 */
export function firmwareConsoleIsUart(cmdline: string): boolean {
  const consoles = [...cmdline.matchAll(/(?:^|\s)console=([^\s,]+)/g)].map((m) => m[1]);
  return consoles.length > 0 && /^ttyS\d+$/.test(consoles[consoles.length - 1]);
}
