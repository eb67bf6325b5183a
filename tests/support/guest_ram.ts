/** Guest RAM for device tests and fuzzers: a plain buffer at the machine's RAM base. */
import type { GuestRam } from "../../core/bus.ts";
import { RAM_OFFSET } from "../../core/state.ts";

export const RAM_BASE = 0x8000_0000;

/**
 * RAM as the machine has it (core/memory.ts): a view at an offset inside a
 * larger buffer, so code that mixes up a view's byteOffset with a RAM index fails here too.
 */
export function fakeRam(size = 1 << 20): GuestRam {
  const bytes = new Uint8Array(new ArrayBuffer(RAM_OFFSET + size), RAM_OFFSET, size);
  return {
    base: RAM_BASE,
    size,
    bytes,
    view: new DataView(bytes.buffer, RAM_OFFSET, size),
    contains: (addr, len) => addr >= RAM_BASE && len >= 0 && addr + len <= RAM_BASE + size,
  };
}
