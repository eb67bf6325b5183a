import type { GuestRam, MmioRegion } from "./bus.ts";
import { RAM_OFFSET } from "./state.ts";

/** The boot ROM spans physical 0x1000..0xffff and lives at the same offsets in the buffer. */
export const ROM_BASE = 0x1000;
export const ROM_END = 0x10000;
export const RAM_BASE = 0x8000_0000;
/**
 * The area after RAM (and video memory) that holds the TLBs translated code
 * reads, the translator's chain cache after them (core/jit/codegen.ts), and
 * at its end the TLB sets of the other address spaces (core/hart.ts `tlbs`).
 */
export const TLB_AREA_BYTES = 35 * 65536;
/** Then the interpreter's tables (core/wasm_interp.ts): RVC expansions, the translator's jump counters. */
const RVC_TABLE_BYTES = 65536 * 4;
export const JUMP_COUNTERS = 65536;
const AFTER_RAM_BYTES = TLB_AREA_BYTES + RVC_TABLE_BYTES + JUMP_COUNTERS * 4;
/** The buffer's size limit: its offsets must stay int32 for the TLB and translated code. */
const BUFFER_LIMIT = 2 ** 31;

/** Video memory as the buffer holds it: whole 64 KiB pages. */
const vramPages = (vramBytes: number) => Math.ceil(vramBytes / 65536) * 65536;

/**
 * Whether RAM and video memory of these sizes fit in the one buffer with the
 * hart state, the boot ROM and the tables after them (the constructor's
 * layout). The command line, the config and the snapshot loader ask this
 * before a machine is built, so too much memory is their one line.
 */
export function memoryFits(ramBytes: number, vramBytes = 0): boolean {
  return RAM_OFFSET + ramBytes + vramPages(vramBytes) + AFTER_RAM_BYTES <= BUFFER_LIMIT;
}

/** The most RAM, in whole MiB, that fits beside `vramBytes` of video memory (2045 without). */
export function maxRamMiB(vramBytes = 0): number {
  return Math.floor((BUFFER_LIMIT - RAM_OFFSET - vramPages(vramBytes) - AFTER_RAM_BYTES) / 2 ** 20);
}

interface Mapping {
  base: number;
  size: number;
  region: MmioRegion;
}

/**
 * Physical memory: one WebAssembly.Memory holding the hart state, the boot ROM
 * and RAM, plus a list of MMIO windows. Physical addresses of ROM and RAM map
 * to buffer offsets; everything else is a device or an access fault.
 */
export class PhysicalMemory implements GuestRam {
  readonly memory: WebAssembly.Memory;
  readonly base = RAM_BASE;
  readonly size: number;
  /** RAM bytes only (index = paddr - base), for device DMA. */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Views over the whole buffer (state, ROM and RAM), for the interpreter. */
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  readonly dv: DataView;
  /** RAM-like memory outside RAM (the framebuffer): plain loads and stores, no DMA. */
  readonly vram: { base: number; size: number; offset: number } | null;
  /** Buffer offset of the area after RAM and video memory that holds the hart's TLBs (TLB_AREA_BYTES). */
  readonly tlbOffset: number;
  /** Buffer offsets of the RVC expansion table and of the translator's jump counters (int32 each). */
  readonly rvcTableOffset: number;
  readonly jumpCountersOffset: number;
  private romSize = 0;
  private readonly mmio: Mapping[] = [];
  /** MMIO windows placed over RAM (HTIF at an ELF's tohost): never RAM, never cached. */
  private readonly holes: Mapping[] = [];

  /**
   * `vram` adds memory at a physical address outside RAM, kept in the same
   * buffer after RAM so the TLB maps it like RAM (the guest's stores to a
   * framebuffer cost nothing extra). Its size is rounded up to 64 KiB.
   */
  constructor(ramSize: number, vram?: { base: number; size: number }) {
    if (ramSize % 65536 !== 0 || ramSize <= 0) {
      throw new Error(`RAM size must be a positive multiple of 64 KiB, got ${ramSize}`);
    }
    const vramSize = vram ? vramPages(vram.size) : 0;
    // The area after RAM and video memory holds the TLBs, where translated
    // code reads them, and the interpreter's tables.
    if (!memoryFits(ramSize, vramSize)) {
      const mib = (n: number) => Math.round(n / 2 ** 20 * 10) / 10;
      throw new Error(
        `${mib(ramSize)} MiB of RAM` +
          (vramSize ? ` and ${mib(vramSize)} MiB of video memory` : "") +
          ` do not fit below 2 GiB: at most ${maxRamMiB(vramSize)} MiB of RAM` +
          (vramSize ? " with this screen" : "") + `; give less memory with -m`,
      );
    }
    if (vram && (vram.base % 4096 !== 0 || vram.base + vramSize > RAM_BASE)) {
      throw new Error(`video memory at 0x${vram.base.toString(16)} must be page aligned below RAM`);
    }
    this.vram = vram ? { base: vram.base, size: vramSize, offset: RAM_OFFSET + ramSize } : null;
    this.tlbOffset = RAM_OFFSET + ramSize + vramSize;
    this.rvcTableOffset = this.tlbOffset + TLB_AREA_BYTES;
    this.jumpCountersOffset = this.rvcTableOffset + RVC_TABLE_BYTES;
    const pages = (this.tlbOffset + AFTER_RAM_BYTES) / 65536;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.size = ramSize;
    const buf = this.memory.buffer;
    this.bytes = new Uint8Array(buf, RAM_OFFSET, ramSize);
    this.view = new DataView(buf, RAM_OFFSET, ramSize);
    this.u8 = new Uint8Array(buf);
    this.u16 = new Uint16Array(buf);
    this.i32 = new Int32Array(buf);
    this.i64 = new BigInt64Array(buf);
    this.dv = new DataView(buf);
  }

  contains(addr: number, len: number): boolean {
    return addr >= this.base && len >= 0 && addr + len <= this.base + this.size;
  }

  /** The boot ROM image as loaded (a snapshot carries it). */
  get rom(): Uint8Array {
    return this.u8.slice(ROM_BASE, ROM_BASE + this.romSize);
  }

  /** Copies the boot ROM image (code and device tree) to physical ROM_BASE. */
  loadRom(image: Uint8Array): void {
    if (image.length > ROM_END - ROM_BASE) throw new Error("boot ROM image too large");
    this.u8.set(image, ROM_BASE);
    this.romSize = image.length;
  }

  /** Copies bytes into RAM at a physical address, with a clear error if they do not fit. */
  loadRam(paddr: number, data: Uint8Array, what: string): void {
    this.mustFit(paddr, data.length, what);
    this.bytes.set(data, paddr - this.base);
  }

  /** Zeroes `length` bytes of RAM (an ELF segment's bss: its size comes from the file). */
  zeroRam(paddr: number, length: number, what: string): void {
    this.mustFit(paddr, length, what);
    this.bytes.fill(0, paddr - this.base, paddr - this.base + length);
  }

  private mustFit(paddr: number, length: number, what: string): void {
    if (!this.contains(paddr, length)) {
      throw new Error(
        `${what} (${length} bytes at 0x${paddr.toString(16)}) does not fit in RAM ` +
          `(0x${this.base.toString(16)}..0x${(this.base + this.size).toString(16)}); ` +
          `give more memory with -m`,
      );
    }
  }

  mapMmio(base: number, size: number, region: MmioRegion): void {
    const mapping = { base, size, region };
    this.mmio.push(mapping);
    if (this.contains(base, 1) || this.contains(base + size - 1, 1)) this.holes.push(mapping);
  }

  /** True when the 4 KiB page at `pagePaddr` may be cached in the TLB (no MMIO inside). */
  pageCacheable(pagePaddr: number): boolean {
    for (const h of this.holes) {
      if (h.base < pagePaddr + 4096 && h.base + h.size > pagePaddr) return false;
    }
    return true;
  }

  /** Buffer offset of a physical RAM or ROM address, or -1 if it is neither. */
  offsetOf(paddr: number): number {
    if (paddr >= RAM_BASE && paddr < RAM_BASE + this.size) {
      for (const h of this.holes) if (paddr >= h.base && paddr < h.base + h.size) return -1;
      return paddr - RAM_BASE + RAM_OFFSET;
    }
    if (paddr >= ROM_BASE && paddr < ROM_BASE + this.romSize) return paddr;
    const v = this.vram;
    if (v && paddr >= v.base && paddr < v.base + v.size) return paddr - v.base + v.offset;
    return -1;
  }

  /** True when the offset (from offsetOf) is writable RAM rather than ROM. */
  isRamOffset(offset: number): boolean {
    return offset >= RAM_OFFSET;
  }

  findMmio(paddr: number): Mapping | undefined {
    for (const m of this.mmio) {
      if (paddr >= m.base && paddr < m.base + m.size) return m;
    }
    return undefined;
  }
}
