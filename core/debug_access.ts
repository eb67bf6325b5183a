/**
 * Guest memory as a debugger sees it: virtual addresses translated through
 * the hart's current mode and page tables, without touching anything the
 * guest could notice (no A/D updates, no TLB fills, no traps, no device
 * registers). An address that does not translate to RAM or ROM is refused.
 */
import { PRIV_M } from "./csr.ts";
import type { Hart } from "./hart.ts";
import { inPage, SATP_BARE, SATP_SV39 } from "./mmu.ts";

const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8;

/** The physical address of `va` in the hart's current translation, or -1. */
export function debugTranslate(h: Hart, va: number): number {
  if (h.priv === PRIV_M || h.satpMode === SATP_BARE) return va >= 0 ? va : -1;
  const levels = h.satpMode === SATP_SV39 ? 3 : 4;
  const half = 2 ** (levels * 9 + 11);
  if (va >= half || va < -half) return -1;
  const vpn = Math.floor(va / 4096);
  let table = h.satpRoot;
  for (let level = levels - 1; level >= 0; level--) {
    const index = Math.floor(vpn / 2 ** (9 * level)) & 511;
    const off = h.mem.offsetOf(table + index * 8);
    if (off < 0 || !h.mem.isRamOffset(off)) return -1;
    const lo = h.mem.i32[off >> 2], hi = h.mem.i32[(off >> 2) + 1];
    if (!(lo & PTE_V) || (lo & (PTE_R | PTE_W)) === PTE_W) return -1;
    const ppn = (lo >>> 10) + (hi & 0x3fffff) * 4194304;
    if (!(lo & (PTE_R | PTE_X))) {
      table = ppn * 4096;
      continue;
    }
    const lowMask = level === 0 ? 0 : (1 << (9 * level)) - 1; // a superpage's low VPN bits
    return (ppn + (vpn & lowMask)) * 4096 + (va - vpn * 4096);
  }
  return -1;
}

/** Buffer offset of the RAM or ROM byte at `va`, or -1. */
function offsetAt(h: Hart, va: number): number {
  const pa = debugTranslate(h, va);
  return pa < 0 ? -1 : h.mem.offsetOf(pa);
}

/** Reads up to `length` bytes from `va`; stops at the first byte that cannot be read. */
export function debugRead(h: Hart, va: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let n = 0;
  while (n < length) {
    const off = offsetAt(h, va + n);
    if (off < 0) break;
    const chunk = Math.min(length - n, 4096 - inPage(va + n));
    out.set(h.mem.u8.subarray(off, off + chunk), n);
    n += chunk;
  }
  return out.subarray(0, n);
}

/**
 * Writes bytes at `va` if every one lands in RAM (ROM and devices refuse);
 * translated code on the written pages is dropped. Returns whether it wrote.
 */
export function debugWrite(h: Hart, va: number, data: Uint8Array): boolean {
  const offsets: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const off = offsetAt(h, va + i);
    if (off < 0 || !h.mem.isRamOffset(off)) return false;
    offsets.push(off);
  }
  offsets.forEach((off, i) => {
    if (h.codePages?.[off >>> 12]) h.onCodeWrite?.(off >>> 12);
    h.mem.u8[off] = data[i];
  });
  return true;
}
