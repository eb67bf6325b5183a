/**
 * Physical memory protection (privileged spec §3.7): 16 entries with TOR, NA4
 * and NAPOT matching at 4-byte granularity. The checks run only when an access
 * misses the TLB; a page is cached only when one entry covers all of it (or
 * none touches it), so TLB hits stay right without any check.
 */
import type { Access } from "./trap.ts";

const PRIV_M = 3;
const CFG_L = 0x80;
/** Permission bit of pmpcfg per Access (fetch X, load R, store W). */
const PERM = [4, 1, 2];

/** The 16 entries' decoded ranges, rebuilt after every pmpcfg/pmpaddr write. */
export class Pmp {
  readonly cfg = new Uint8Array(16);
  readonly addr = new Array<bigint>(16).fill(0n);
  /** Byte range [lo, hi) of each active entry; lo = hi = 0 when the entry is off. */
  private readonly lo = new Float64Array(16);
  private readonly hi = new Float64Array(16);
  private active = 0;

  constructor() {
    // Reset as spike does: entry 0 grants S and U all of memory, so software
    // that never programs PMP still runs (a platform choice the spec allows).
    this.addr[0] = (1n << 54n) - 1n;
    this.cfg[0] = 0x1f; // NAPOT, R W X
    this.decode();
  }

  /** Recomputes the ranges from cfg and addr. */
  decode(): void {
    this.active = 0;
    for (let i = 0; i < 16; i++) {
      const mode = (this.cfg[i] >> 3) & 3;
      let lo = 0, hi = 0;
      if (mode === 1) { // TOR
        lo = i === 0 ? 0 : Number(this.addr[i - 1]) * 4;
        hi = Number(this.addr[i]) * 4;
      } else if (mode === 2) { // NA4
        lo = Number(this.addr[i]) * 4;
        hi = lo + 4;
      } else if (mode === 3) { // NAPOT: trailing ones give the size
        const a = this.addr[i];
        let t = 0n;
        while (t < 54n && ((a >> t) & 1n)) t++;
        lo = Number((a >> t) << t) * 4;
        hi = lo + 2 ** Number(t + 3n);
      }
      this.lo[i] = lo;
      this.hi[i] = hi;
      if (hi > lo) this.active++;
    }
  }

  /** True if an access of `size` bytes at physical `pa` is allowed. */
  allows(pa: number, size: number, access: Access, priv: number): boolean {
    if (this.active === 0) return priv === PRIV_M;
    for (let i = 0; i < 16; i++) {
      const lo = this.lo[i], hi = this.hi[i];
      if (hi <= lo || pa + size <= lo || pa >= hi) continue;
      if (pa < lo || pa + size > hi) return false; // only part of the access matches
      const c = this.cfg[i];
      if (priv === PRIV_M && !(c & CFG_L)) return true;
      return (c & PERM[access]) !== 0;
    }
    return priv === PRIV_M;
  }

  /** True if the whole 4 KiB page at `page` gets the same, allowing answer (TLB-cacheable). */
  pageAllows(page: number, access: Access, priv: number): boolean {
    return this.allows(page, 4096, access, priv);
  }
}
