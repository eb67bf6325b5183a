import type { PhysicalMemory } from "./memory.ts";
import type { Pmp } from "./pmp.ts";
import {
  type Access,
  ACCESS_FAULT_CAUSE,
  ACCESS_FETCH,
  ACCESS_LOAD,
  ACCESS_STORE,
  PAGE_FAULT_CAUSE,
  raise,
} from "./trap.ts";

/** satp MODE values we implement. */
export const SATP_BARE = 0;
export const SATP_SV39 = 8;
export const SATP_SV48 = 9;

const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;
/**
 * An address's offset in its 4 KiB page. Not `(va % 4096 + 4096) % 4096`: a
 * kernel's addresses are negative numbers here, and `%` of a negative multiple
 * of 4096 is -0, which V8's optimized `Hart.run` had not seen from the warm-up
 * (core/warmup.ts runs at positive addresses): it threw that code away at the
 * kernel's first such fetch and compiled it again (docs/speed.md, "boot").
 */
export function inPage(va: number): number {
  return va - Math.floor(va / 4096) * 4096;
}

/** log2 of the entries per access kind (core/memory.ts's TLB area holds 13 TLBs of this size). */
export const TLB_BITS = 10;
export const TLB_SIZE = 1 << TLB_BITS;
/**
 * A fetch entry's index: virtual page bits 12..21 xor bits 22..31. Page bits
 * alone (256 entries by bits 12..19, before) let a program's hot code pages
 * and its library's evict each other on every call between them where ASLR
 * placed them at the same low bits (docs/speed.md, "ftlb"); the xor also parts
 * code pages 4 MiB apart. Translated code computes it (times 16, a record's
 * offset) as ((lo >>> 8) ^ (lo >>> TLB_HASH_SHIFT)) & TLB_INDEX16_MASK
 * (core/jit/codegen.ts, core/wasm_interp.ts) at a region's exit and a fetch
 * from a new page only.
 */
export function fetchTlbIndex(addrLo: number): number {
  return ((addrLo >>> 12) ^ (addrLo >>> 22)) & (TLB_SIZE - 1);
}
/**
 * A load or store entry's index: page bits 12..21, the mask alone, as every
 * load and store computes it inline (the hash would cost each two operations
 * more); translated code: (lo >>> 8) & TLB_INDEX16_MASK.
 */
export function dataTlbIndex(addrLo: number): number {
  return (addrLo >>> 12) & (TLB_SIZE - 1);
}
/** The entry of `addr` (any number: its low 32 bits count) for an access kind. */
export function tlbIndex(access: Access, addr: number): number {
  return access === ACCESS_FETCH ? fetchTlbIndex(addr) : dataTlbIndex(addr);
}
/** The mask of an index times 16 (a record's offset), as translated code computes it. */
export const TLB_INDEX16_MASK = (TLB_SIZE - 1) << 4;
/** The shift that brings bits 22.. to an index's bit 4 (with 8 for bits 12..: fetchTlbIndex). */
export const TLB_HASH_SHIFT = 8 + TLB_BITS;
/** Fields of a TLB entry, each an Int32Array of TLB_SIZE per access kind. */
export const TLB_PAGE = 0;
export const TLB_HI = 1;
export const TLB_BASE = 2;
/** Bytes of one entry of the translated code's view: i64 tag, i32 addend, padding. */
export const TLB_ENTRY_BYTES = 16;
/** Bytes one TLB (three access kinds, both views, the records of both ways) takes in the shared memory. */
export const TLB_BYTES = 3 * (3 * 4 + 2 * TLB_ENTRY_BYTES) * TLB_SIZE;

/** Byte offset, from a TLB's start, of one field array of one access kind. */
export function tlbFieldOffset(kind: number, field: number): number {
  return (kind * 3 + field) * 4 * TLB_SIZE;
}

/** Byte offset, from a TLB's start, of the translated code's entries of one access kind. */
export function tlbEntryOffset(kind: number): number {
  return 3 * 3 * 4 * TLB_SIZE + kind * TLB_ENTRY_BYTES * TLB_SIZE;
}

/** The same for the second way's entries: a slot's two records lie this far apart. */
export function tlbOtherEntryOffset(kind: number): number {
  return tlbEntryOffset(kind) + 3 * TLB_ENTRY_BYTES * TLB_SIZE;
}

/**
 * A software TLB per access kind, as TinyEMU keeps, indexed by `tlbIndex`
 * (fetches by a hash of the virtual page), with two ways a slot (the second
 * holds what a fill displaced: `otherPage` below). An entry is
 * tagged with the virtual page split into int32 halves (bits 12..31 and
 * 32..63) so that the interpreter's hit check is integer-only, and holds the
 * buffer offset of the page. Only RAM and ROM pages are cached; MMIO always
 * takes the slow path. Entries hold the outcome of the permission check, so
 * the hart keeps a TLB per privilege mode, one more for S-mode data with
 * mstatus.SUM set, and these per address space (core/hart.ts `tlbs`); it
 * flushes on MXR changes and SFENCE.VMA (one page, one ASID or all).
 *
 * Translated code reads a second view of the same entries, one 16-byte record
 * each: the page's virtual address as an i64 tag (low bits -1 when invalid, so
 * an address masked with ~4095 | (size - 1) matches only if aligned), and the
 * addend from a virtual address in the page to its buffer offset.
 */
export class Tlb {
  /** Virtual address bits 12..31 (-1: invalid), per access kind. */
  readonly page: Int32Array[];
  /** Virtual address bits 32..63. */
  readonly hi: Int32Array[];
  /** Buffer offset of the page. */
  readonly base: Int32Array[];
  /** The translated code's records as int32: tag low, tag high, addend, 0. */
  readonly records: Int32Array[];
  /** Where this TLB lives in the shared memory (translated code reads it there). */
  readonly offset: number;
  /** False while every entry is invalid: a flush then has nothing to do (flushes come in bursts of 12 sets). */
  private filled = true;
  /** Not yet taken for use: its entries are not cleared (see the constructor). */
  spare: boolean;
  /**
   * log2 of the size of the page table leaf each entry came from (12, or 21, 30,
   * 39 for a superpage, of which the entry caches one 4 KiB part), per access
   * kind: SFENCE.VMA of one address must drop every part of its superpage.
   */
  private leafShift!: Uint8Array[];
  /**
   * The slots filled with a superpage part since the last flush, per access
   * kind, each once (`listed`): a one-page SFENCE.VMA looks at these, not at
   * every entry (Linux maps its own memory with superpages, so a scan of all
   * 3 x 1024 entries of every set would come with most fences).
   */
  private superSlots!: Uint16Array[];
  private readonly superCount = new Int32Array(3);
  private listed!: Uint8Array[];
  /**
   * The range of address bits 32..63 of the superpage parts filled since the
   * last flush (min > max: none), and whether one came from a leaf above 4 GiB:
   * a fence outside the range has no superpage part to drop. Linux maps its
   * own memory with superpages in the upper half and fences user pages one by
   * one (fork, exec, page faults), where the scan was 4 % of a shell loop's time.
   */
  private superHiMin = 0;
  private superHiMax = -1;
  private superHuge = false;
  /**
   * A second way per slot: the entry a fill displaced. Two hot data pages
   * 4 MiB apart share a slot, and where ASLR puts a stack, heap and data
   * decides it, so a run took 2-7x its CPU now and then, each access a page
   * walk (docs/speed.md, "cold"). Translated code's slow path checks its
   * records after a miss in the first way (core/jit/second_way.ts); `lookup`
   * swaps the two, so the inline checks of the interpreters (TypeScript and
   * WebAssembly, first way only) find the page next time. Fields as the first
   * way's, per access kind.
   */
  private otherPage!: Int32Array[];
  private otherHi!: Int32Array[];
  private otherBase!: Int32Array[];
  private otherShift!: Uint8Array[];
  /** The second way's records, laid out as `records` (tlbOtherEntryOffset). */
  readonly otherRecords: Int32Array[];
  /** False while the second way is empty: most flushes then clear the first way only. */
  private othered = true;

  /**
   * Views TLB_BYTES of `buffer` at `offset`: kind k's page, hi and base arrays in turn.
   * With `clear` false its entries are what the buffer holds and flushes skip it until
   * `take` empties it for use (a machine's spare address spaces, and the first
   * one's until S or U mode uses it: core/hart.ts `switchAddressSpace`,
   * `updateModes`): a short-lived machine, or a snapshot's restore with its PMP
   * flush, then writes (and faults in) only M-mode's set.
   */
  constructor(buffer: ArrayBufferLike, offset: number, clear = true) {
    this.offset = offset;
    const at = (kind: number, field: number) =>
      new Int32Array(buffer, offset + tlbFieldOffset(kind, field), TLB_SIZE);
    this.page = [0, 1, 2].map((k) => at(k, TLB_PAGE));
    this.hi = [0, 1, 2].map((k) => at(k, TLB_HI));
    this.base = [0, 1, 2].map((k) => at(k, TLB_BASE));
    this.records = [0, 1, 2].map((k) =>
      new Int32Array(buffer, offset + tlbEntryOffset(k), TLB_SIZE * 4)
    );
    this.otherRecords = [0, 1, 2].map((k) =>
      new Int32Array(buffer, offset + tlbOtherEntryOffset(k), TLB_SIZE * 4)
    );
    this.spare = !clear;
    if (clear) this.makeSide();
    this.flush(); // every entry invalid (filled and othered start true)
  }

  /**
   * The fields only TypeScript reads, per access kind, in one buffer (one
   * allocation, not 21); a spare set gets them when taken.
   */
  private makeSide(): void {
    const side = new ArrayBuffer(3 * TLB_SIZE * (3 * 4 + 2 + 3));
    let used = 0;
    const view = <T>(make: new (b: ArrayBuffer, at: number, n: number) => T, bytes: number) =>
      [0, 1, 2].map(() => {
        const v = new make(side, used, TLB_SIZE);
        used += bytes * TLB_SIZE;
        return v;
      });
    this.otherPage = view(Int32Array, 4);
    this.otherHi = view(Int32Array, 4);
    this.otherBase = view(Int32Array, 4);
    this.superSlots = view(Uint16Array, 2);
    this.leafShift = view(Uint8Array, 1);
    this.listed = view(Uint8Array, 1);
    this.otherShift = view(Uint8Array, 1);
  }

  /** Empties the set for an address space that takes it (the first time, its memory too). */
  take(): void {
    if (this.spare) {
      this.spare = false;
      this.makeSide();
    }
    this.flush();
  }

  flush(): void {
    if (!this.filled || this.spare) return;
    this.filled = false;
    for (const t of this.page) t.fill(-1);
    // A record's tag alone says invalid; filling it whole is one native fill, not a loop.
    for (const r of this.records) r.fill(-1);
    if (this.othered) {
      this.othered = false;
      for (const t of this.otherPage) t.fill(-1);
      for (const r of this.otherRecords) r.fill(-1);
    }
    for (let k = 0; k < 3; k++) {
      const slots = this.superSlots[k], listed = this.listed[k];
      for (let j = 0; j < this.superCount[k]; j++) listed[slots[j]] = 0;
      this.superCount[k] = 0;
    }
    this.superHiMin = 0;
    this.superHiMax = -1;
    this.superHuge = false;
  }

  /**
   * Drops every entry that translates the page of `vaddr` (SFENCE.VMA with an
   * address): its own 4 KiB entry, and any part of a superpage that holds it.
   */
  invalidatePage(vaddr: number): void {
    if (!this.filled || this.spare) return;
    const page = vaddr >>> 12;
    const hi = Math.floor(vaddr / 4294967296) | 0;
    for (let k = 0; k < 3; k++) {
      const i = tlbIndex(k as Access, vaddr);
      if (this.page[k][i] === page && this.hi[k][i] === hi) this.invalidate(k as Access, i);
      if (this.otherPage[k][i] === page && this.otherHi[k][i] === hi) this.dropOther(k, i);
    }
    if (!this.superHuge && (hi < this.superHiMin || hi > this.superHiMax)) return;
    for (let k = 0; k < 3; k++) {
      const slots = this.superSlots[k];
      for (let n = 0; n < this.superCount[k]; n++) {
        const j = slots[n];
        if (inSuperpage(this.page[k][j], this.hi[k][j], this.leafShift[k][j], page, hi)) {
          this.invalidate(k as Access, j);
        }
        if (
          inSuperpage(this.otherPage[k][j], this.otherHi[k][j], this.otherShift[k][j], page, hi)
        ) {
          this.dropOther(k, j);
        }
      }
    }
  }

  /** Drops one entry (its first way). */
  invalidate(access: Access, i: number): void {
    this.page[access][i] = -1;
    this.records[access][i * 4] = -1;
  }

  /** Drops every entry of `access`, in both ways, that maps to the page at buffer offset `base`. */
  dropBase(access: Access, base: number): void {
    if (!this.filled || this.spare) return;
    const bases = this.base[access], otherBases = this.otherBase[access];
    for (let i = 0; i < TLB_SIZE; i++) {
      if (bases[i] === base) this.invalidate(access, i);
      if (otherBases[i] === base) this.dropOther(access, i);
    }
  }

  /** Drops the second way's entry of a slot. */
  private dropOther(access: number, i: number): void {
    this.otherPage[access][i] = -1;
    this.otherRecords[access][i * 4] = -1;
  }

  /**
   * Caches the page of `vaddr` (any address in it) at buffer offset `pageOffset`;
   * `leafShift` is log2 of the size of the page table leaf it came from.
   */
  fill(access: Access, vaddr: number, pageOffset: number, leafShift = 12): void {
    const page = vaddr >>> 12, hi = Math.floor(vaddr / 4294967296);
    const i = tlbIndex(access, vaddr);
    this.filled = true;
    const oldPage = this.page[access][i];
    if (oldPage !== -1 && (oldPage !== page || this.hi[access][i] !== hi)) {
      this.othered = true;
      this.otherPage[access][i] = oldPage;
      this.otherHi[access][i] = this.hi[access][i];
      this.otherBase[access][i] = this.base[access][i];
      this.otherShift[access][i] = this.leafShift[access][i];
      const from = this.records[access], to = this.otherRecords[access];
      to[i * 4] = from[i * 4];
      to[i * 4 + 1] = from[i * 4 + 1];
      to[i * 4 + 2] = from[i * 4 + 2];
    } else if (this.otherPage[access][i] === page && this.otherHi[access][i] === hi) {
      this.dropOther(access, i); // refilled (a new leaf): the second way's copy is stale
    }
    this.leafShift[access][i] = leafShift;
    if (leafShift !== 12) {
      if (this.listed[access][i] === 0) {
        this.listed[access][i] = 1;
        this.superSlots[access][this.superCount[access]++] = i;
      }
      if (this.superHiMin > this.superHiMax) this.superHiMin = this.superHiMax = hi;
      else if (hi < this.superHiMin) this.superHiMin = hi;
      else if (hi > this.superHiMax) this.superHiMax = hi;
      if (leafShift > 32) this.superHuge = true;
    }
    this.page[access][i] = page;
    this.hi[access][i] = hi;
    this.base[access][i] = pageOffset;
    const r = this.records[access];
    r[i * 4] = page << 12;
    r[i * 4 + 1] = hi;
    r[i * 4 + 2] = (pageOffset - (page << 12)) | 0;
  }

  /**
   * Whether the first way holds `vaddr`'s page for `access` (where the inline checks look), or
   * with `either` one of the two ways; unlike `lookup`, it moves nothing.
   */
  holds(access: Access, vaddr: number, either = false): boolean {
    const i = tlbIndex(access, vaddr), page = vaddr >>> 12;
    const hi = Math.floor(vaddr / 4294967296) | 0;
    if (this.page[access][i] === page && this.hi[access][i] === hi) return true;
    return either && this.otherPage[access][i] === page && this.otherHi[access][i] === hi;
  }

  /**
   * Buffer offset of `vaddr` if its page is cached, else -1. A hit in the
   * second way swaps the two, so the inline checks find the page next time.
   */
  lookup(access: Access, vaddr: number): number {
    const page = vaddr >>> 12, hi = Math.floor(vaddr / 4294967296) | 0;
    const i = tlbIndex(access, vaddr);
    if (this.page[access][i] !== page || this.hi[access][i] !== hi) {
      if (this.otherPage[access][i] !== page || this.otherHi[access][i] !== hi) return -1;
      const base = this.otherBase[access][i], shift = this.otherShift[access][i];
      this.dropOther(access, i); // fill moves the first way's entry here
      this.fill(access, vaddr, base, shift);
    }
    return this.base[access][i] + (vaddr & 4095);
  }
}

/**
 * Whether a cached part (page bits 12..31, hi bits 32..63; page -1: none) of a
 * leaf of 2^shift bytes lies in the same superpage as page/hi.
 */
function inSuperpage(p: number, h: number, shift: number, page: number, hi: number): boolean {
  if (shift === 12 || p === -1) return false;
  return shift <= 32
    ? h === hi && (p >>> (shift - 12)) === (page >>> (shift - 12))
    : (h >> (shift - 32)) === (hi >> (shift - 32));
}

/** What the walker needs to know of the hart. */
export interface WalkContext {
  satpMode: number;
  /** Physical address of the root page table. */
  satpRoot: number;
  /** mstatus.SUM and mstatus.MXR. */
  sum: boolean;
  mxr: boolean;
  /** Page-table reads and A/D writes are checked as S-mode accesses. */
  pmp: Pmp;
  /** Told of each PTE about to get its A/D bits set (the lockstep checker undoes them). */
  onPteWrite: ((offset: number) => void) | null;
  /** Set by each successful walk: log2 of the size of the leaf it ended at (12 for 4 KiB). */
  leafShift: number;
}

/**
 * Translates a virtual address with the Sv39/Sv48 page tables (privileged spec
 * §4.3.2), updating A and D in the PTE as hardware does. Raises a page fault or
 * an access fault; returns the physical address.
 */
export function walkPageTable(
  ctx: WalkContext,
  mem: PhysicalMemory,
  va: number,
  access: Access,
  priv: number,
): number {
  const levels = ctx.satpMode === SATP_SV39 ? 3 : 4;
  const half = 2 ** (levels * 9 + 11);
  if (va >= half || va < -half) raise(PAGE_FAULT_CAUSE[access], va);
  const vpn = Math.floor(va / 4096);
  let table = ctx.satpRoot;
  for (let level = levels - 1; level >= 0; level--) {
    const index = Math.floor(vpn / 2 ** (9 * level)) & 511;
    const pteAddr = table + index * 8;
    const off = mem.offsetOf(pteAddr);
    if (off < 0 || !mem.isRamOffset(off) || !ctx.pmp.allows(pteAddr, 8, ACCESS_LOAD, 1)) {
      raise(ACCESS_FAULT_CAUSE[access], va);
    }
    let lo = mem.i32[off >> 2];
    const hi = mem.i32[(off >> 2) + 1];
    if (!(lo & PTE_V) || ((lo & (PTE_R | PTE_W)) === PTE_W)) raise(PAGE_FAULT_CAUSE[access], va);
    // Bits 54..63 (PBMT, N, reserved) must be zero without Svpbmt/Svnapot.
    if (hi >>> 22 !== 0) raise(PAGE_FAULT_CAUSE[access], va);
    const ppn = (lo >>> 10) + (hi & 0x3fffff) * 4194304;
    if (!(lo & (PTE_R | PTE_X))) {
      table = ppn * 4096;
      continue;
    }
    if (!leafAllows(lo, ctx, access, priv)) raise(PAGE_FAULT_CAUSE[access], va);
    const lowMask = level === 0 ? 0 : (1 << (9 * level)) - 1;
    if (ppn % (lowMask + 1) !== 0) raise(PAGE_FAULT_CAUSE[access], va); // misaligned superpage
    if (!(lo & PTE_A) || (access === ACCESS_STORE && !(lo & PTE_D))) {
      if (!ctx.pmp.allows(pteAddr, 8, ACCESS_STORE, 1)) raise(ACCESS_FAULT_CAUSE[access], va);
      lo |= PTE_A | (access === ACCESS_STORE ? PTE_D : 0);
      ctx.onPteWrite?.(off);
      mem.i32[off >> 2] = lo;
    }
    ctx.leafShift = 12 + 9 * level;
    return (ppn + (vpn & lowMask)) * 4096 + (va - vpn * 4096);
  }
  return raise(PAGE_FAULT_CAUSE[access], va);
}

function leafAllows(pte: number, ctx: WalkContext, access: Access, priv: number): boolean {
  if (pte & PTE_U) {
    if (priv === 1 && (access === ACCESS_FETCH || !ctx.sum)) return false;
  } else if (priv === 0) {
    return false;
  }
  if (access === ACCESS_FETCH) return (pte & PTE_X) !== 0;
  if (access === ACCESS_STORE) return (pte & PTE_W) !== 0;
  return (pte & PTE_R) !== 0 || (ctx.mxr && (pte & PTE_X) !== 0);
}
