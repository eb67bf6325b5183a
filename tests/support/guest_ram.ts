/** Guest RAM for device tests and fuzzers: a plain buffer at the machine's RAM base. */
import type { GuestRam } from "../../core/bus.ts";

export const RAM_BASE = 0x8000_0000;

export function fakeRam(size = 1 << 20): GuestRam {
  const bytes = new Uint8Array(size);
  return {
    base: RAM_BASE,
    size,
    bytes,
    view: new DataView(bytes.buffer),
    contains: (addr, len) => addr >= RAM_BASE && len >= 0 && addr + len <= RAM_BASE + size,
  };
}
