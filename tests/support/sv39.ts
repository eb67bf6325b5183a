/** Sv39 page tables and the M-mode code that enters S- or U-mode under them, for unit tests' programs. */
import { RAM_BASE } from "../../core/memory.ts";
import * as E from "../../core/encode.ts";

/** A page table entry for physical address `pa` with `flags` (V R W X U G A D bits). */
export const pte = (pa: number, flags: number) => BigInt(pa / 4096) << 10n | BigInt(flags);

/**
 * M-mode code that sets satp to Sv39 with its root table at RAM + `root` and
 * mrets to S-mode (U-mode with `user`) at VA `entry`: a page below 2 GiB, or
 * one in the first 2 GiB of the upper half (0xffffffc0_0000_0000 + offset,
 * negative as JS numbers hold a kernel's pc). It uses x2-x5, and x6 for an
 * upper-half entry.
 */
export const UPPER_HALF = -0x4000000000;
export function enterSv39(root: number, entry: number, user = false): number[] {
  return [
    E.addi(2, 0, 8),
    E.slli(2, 2, 60),
    E.lui(3, (RAM_BASE + root) >>> 12),
    E.slli(3, 3, 32),
    E.srli(3, 3, 44),
    E.R(0, 3, 2, 6, 2, 0x33), // or x2, x2, x3: satp = Sv39 | root
    E.csrrw(0, 0x180, 2),
    E.addi(4, 0, user ? 0 : 0x400),
    E.add(4, 4, 4), // MPP = S, or U
    E.csrrs(0, 0x300, 4),
    ...(entry >= 0 ? [E.lui(5, entry >>> 12)] : [
      E.addi(5, 0, -1),
      E.slli(5, 5, 38), // 0xffffffc0_0000_0000
      E.lui(6, (entry - UPPER_HALF) >>> 12),
      E.add(5, 5, 6),
    ]),
    E.csrrw(0, 0x341, 5), // mepc
    E.mret(),
  ];
}
