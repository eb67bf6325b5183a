/**
 * The interfaces between the hart and everything outside it: MMIO regions,
 * interrupt lines, and the guest RAM that devices reach by DMA.
 */

/**
 * A device's register window. Accesses of 1, 2 or 4 bytes arrive here; the bus
 * splits an 8-byte access into two 4-byte ones (low word first, at offset and
 * offset + 4), which is how TinyEMU's devices see them too.
 */
export interface MmioRegion {
  /** Returns the `size`-byte value at `offset`, zero-extended, as an unsigned number. */
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}

/** A level-triggered interrupt line into the PLIC. */
export interface IrqLine {
  set(level: boolean): void;
}

/**
 * Guest physical RAM as devices see it for DMA. Every access must be bounds
 * checked with `contains` first: addresses come from the untrusted guest.
 */
export interface GuestRam {
  /** Physical address of the first byte of RAM. */
  readonly base: number;
  /** RAM size in bytes. */
  readonly size: number;
  /** The RAM bytes; index = physical address - base. */
  readonly bytes: Uint8Array;
  /** A DataView over the same bytes, for little-endian fields. */
  readonly view: DataView;
  /** True when [addr, addr + len) lies wholly inside RAM. */
  contains(addr: number, len: number): boolean;
}

/** The hart's interrupt-pending bits (mip) as devices drive them. */
export interface InterruptTarget {
  /** Sets (on) or clears the given mip bits, e.g. MTIP = 1 << 7, MEIP = 1 << 11, SEIP = 1 << 9. */
  setPending(bits: number, on: boolean): void;
}

/** The machine timer: mtime in ticks of the 10 MHz timebase. */
export interface Clock {
  ticks(): number;
}

/** mip / mie bit numbers. */
export const IRQ_SSIP = 1 << 1;
export const IRQ_MSIP = 1 << 3;
export const IRQ_STIP = 1 << 5;
export const IRQ_MTIP = 1 << 7;
export const IRQ_SEIP = 1 << 9;
export const IRQ_MEIP = 1 << 11;
