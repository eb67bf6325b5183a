import { Hart } from "../../core/hart.ts";
import { PhysicalMemory, RAM_BASE } from "../../core/memory.ts";

/** A hart with 1 MiB of RAM and a program at RAM_BASE, for unit tests. */
export function bareHart(program: number[], ramBytes = 1 << 20): Hart {
  const mem = new PhysicalMemory(ramBytes);
  let ticks = 0;
  const hart = new Hart(mem, { ticks: () => ticks++ });
  program.forEach((w, i) => mem.view.setUint32(i * 4, w, true));
  hart.pc = RAM_BASE;
  return hart;
}

/** Register value as an unsigned 64-bit bigint. */
export const u64 = (h: Hart, r: number) => BigInt.asUintN(64, h.state.x[r]);

/** Runs slices until `total` instructions have been executed or the hart waits in WFI. */
export function runFor(h: Hart, total: number): void {
  let done = 0;
  while (done < total && !h.waiting) done += Math.max(1, h.run(total - done));
}
