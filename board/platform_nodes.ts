/**
 * Device-tree nodes for board/platform_devices.ts, as QEMU's virt machine
 * writes them: Linux's of_serial and OpenSBI's uart8250 driver bind to
 * "ns16550a" (byte registers, reg-shift 0) and read clock-frequency; Linux's
 * rtc-goldfish binds to "google,goldfish-rtc".
 */
import type { FdtNode } from "./fdt.ts";
import type { PlatformDescription } from "./platform_devices.ts";

const hex = (n: number) => n.toString(16);

/** Adds the UART and RTC under `soc`; returns the UART's path (for stdout-path). */
export function addPlatformNodes(
  soc: FdtNode,
  p: PlatformDescription,
  plic: number,
  reg: (...regions: [number, number][]) => number[],
): string {
  const uartName = `serial@${hex(p.uart.base)}`;
  soc.addChild(uartName)
    .setString("compatible", "ns16550a")
    .setCells("reg", reg([p.uart.base, p.uart.size]))
    .setU32("clock-frequency", p.uart.clockHz)
    .setU32("interrupt-parent", plic)
    .setU32("interrupts", p.uart.irq);
  soc.addChild(`rtc@${hex(p.rtc.base)}`)
    .setString("compatible", "google,goldfish-rtc")
    .setCells("reg", reg([p.rtc.base, p.rtc.size]))
    .setU32("interrupt-parent", plic)
    .setU32("interrupts", p.rtc.irq);
  return `/soc/${uartName}`;
}
