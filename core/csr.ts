import type { Hart } from "./hart.ts";

// mstatus bits.
export const MSTATUS_SIE = 1 << 1;
export const MSTATUS_MIE = 1 << 3;
export const MSTATUS_SPIE = 1 << 5;
export const MSTATUS_MPIE = 1 << 7;
export const MSTATUS_SPP = 1 << 8;
export const MSTATUS_MPP_SHIFT = 11;
export const MSTATUS_MPP = 3 << 11;
export const MSTATUS_FS = 3 << 13;
export const MSTATUS_MPRV = 1 << 17;
export const MSTATUS_SUM = 1 << 18;
export const MSTATUS_MXR = 1 << 19;
export const MSTATUS_TVM = 1 << 20;
export const MSTATUS_TW = 1 << 21;
export const MSTATUS_TSR = 1 << 22;

export const PRIV_U = 0;
export const PRIV_S = 1;
export const PRIV_M = 3;

import { SATP_BARE, SATP_SV39, SATP_SV48 } from "./mmu.ts";
import { CAUSE_ILLEGAL_INSTRUCTION, raise } from "./trap.ts";

/** misa: RV64 with I, M, A, F, D, C, S, U. */
const MISA = (2n << 62n) |
  BigInt([..."IMAFDCSU"].reduce((m, c) => m | (1 << (c.charCodeAt(0) - 65)), 0));

/** mstatus bits M-mode may write; SSTATUS_MASK is the supervisor view. */
const MSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP |
  MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM |
  MSTATUS_TW | MSTATUS_TSR;
export const SSTATUS_MASK = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM |
  MSTATUS_MXR;
/** UXL = SXL = 2 (64-bit), fixed. */
const MSTATUS_XL = (2n << 32n) | (2n << 34n);
export const SSTATUS_XL = 2n << 32n;

const DELEGABLE_EXCEPTIONS = 0xb3ff; // all but M-ecall (11) and the reserved 10, 14
const SUPERVISOR_INTERRUPTS = 0x222; // SSI, STI, SEI
const ALL_INTERRUPTS = 0xaaa;
const PMP_ADDR_MASK = (1n << 54n) - 1n;

function illegal(insn: number): never {
  return raise(CAUSE_ILLEGAL_INSTRUCTION, insn >>> 0);
}

function statusWithSd(status: number, mask: number, xl: bigint): bigint {
  const v = BigInt(status & mask) | xl;
  return (status & MSTATUS_FS) === MSTATUS_FS ? v | (1n << 63n) : v;
}

/** Checks mcounteren/scounteren for cycle, time, instret and hpmcounters in S and U mode. */
function counterAllowed(h: Hart, bit: number): boolean {
  if (h.priv < PRIV_M && !((h.mcounteren >>> bit) & 1)) return false;
  if (h.priv === PRIV_U && !((h.scounteren >>> bit) & 1)) return false;
  return true;
}

function requireFp(h: Hart, insn: number): void {
  if ((h.mstatus & MSTATUS_FS) === 0) illegal(insn);
}

/**
 * Reads a CSR. The caller has checked the privilege level encoded in the
 * number; this raises illegal instruction for CSRs that do not exist.
 */
export function readCsr(h: Hart, csr: number, insn: number): bigint {
  const s = h.state;
  switch (csr) {
    case 0x001:
      requireFp(h, insn);
      return BigInt(s.fflags);
    case 0x002:
      requireFp(h, insn);
      return BigInt(s.frm);
    case 0x003:
      requireFp(h, insn);
      return BigInt((s.frm << 5) | s.fflags);
    case 0xc00:
      if (!counterAllowed(h, 0)) illegal(insn);
      return BigInt(h.cycle);
    case 0xc01:
      if (!counterAllowed(h, 1)) illegal(insn);
      return BigInt(Math.floor(h.clock.ticks()));
    case 0xc02:
      if (!counterAllowed(h, 2)) illegal(insn);
      return BigInt(h.instret);
    case 0x100:
      return statusWithSd(h.mstatus, SSTATUS_MASK, SSTATUS_XL);
    case 0x104:
      return BigInt(h.mie & h.mideleg);
    case 0x105:
      return h.stvec;
    case 0x106:
      return BigInt(h.scounteren >>> 0);
    case 0x10a:
      return h.senvcfg;
    case 0x140:
      return h.sscratch;
    case 0x141:
      return h.sepc;
    case 0x142:
      return h.scause;
    case 0x143:
      return h.stval;
    case 0x144:
      return BigInt(h.mip & h.mideleg);
    case 0x180:
      if (h.priv === PRIV_S && (h.mstatus & MSTATUS_TVM)) illegal(insn);
      return h.satp;
    case 0xf11: // mvendorid: not a commercial implementation
    case 0xf12: // marchid
    case 0xf13: // mimpid
    case 0xf15: // mconfigptr
      return 0n;
    case 0xf14:
      return BigInt(h.mhartid);
    case 0x300:
      return statusWithSd(h.mstatus, MSTATUS_WRITABLE, MSTATUS_XL);
    case 0x301:
      return MISA;
    case 0x302:
      return BigInt(h.medeleg);
    case 0x303:
      return BigInt(h.mideleg);
    case 0x304:
      return BigInt(h.mie);
    case 0x305:
      return h.mtvec;
    case 0x306:
      return BigInt(h.mcounteren >>> 0);
    case 0x30a:
      return h.menvcfg;
    case 0x320:
      return BigInt(h.mcountinhibit);
    case 0x340:
      return h.mscratch;
    case 0x341:
      return h.mepc;
    case 0x342:
      return h.mcause;
    case 0x343:
      return h.mtval;
    case 0x344:
      return BigInt(h.mip);
    case 0x3a0:
    case 0x3a2: {
      const base = csr === 0x3a0 ? 0 : 8;
      let v = 0n;
      for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(h.pmpcfg[base + k]);
      return BigInt.asIntN(64, v);
    }
    case 0xb00:
      return BigInt(h.cycle);
    case 0xb02:
      return BigInt(h.instret);
  }
  if (csr >= 0x3b0 && csr <= 0x3ef) return csr < 0x3c0 ? h.pmpaddr[csr - 0x3b0] : 0n;
  if (csr >= 0x3a4 && csr <= 0x3af) { // pmpcfg4..15: entries 16..63 are not implemented
    if (csr & 1) illegal(insn);
    return 0n;
  }
  if (csr >= 0xc03 && csr <= 0xc1f) { // hpmcounter3..31: present, always zero
    if (!counterAllowed(h, csr - 0xc00)) illegal(insn);
    return 0n;
  }
  if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f)) return 0n;
  return h.triggers.read(csr) ?? illegal(insn);
}

/** Writes a CSR (the caller has checked privilege and read-only numbers). */
export function writeCsr(h: Hart, csr: number, v: bigint, insn: number): void {
  const s = h.state;
  const low = Number(BigInt.asUintN(32, v)) | 0;
  switch (csr) {
    case 0x001:
      requireFp(h, insn);
      s.fflags = low & 31;
      h.mstatus |= MSTATUS_FS;
      return;
    case 0x002:
      requireFp(h, insn);
      s.frm = low & 7;
      h.mstatus |= MSTATUS_FS;
      return;
    case 0x003:
      requireFp(h, insn);
      s.fflags = low & 31;
      s.frm = (low >> 5) & 7;
      h.mstatus |= MSTATUS_FS;
      return;
    case 0x100:
      setStatus(h, (h.mstatus & ~SSTATUS_MASK) | (low & SSTATUS_MASK));
      return;
    case 0x104:
      h.mie = (h.mie & ~h.mideleg) | (low & h.mideleg & SUPERVISOR_INTERRUPTS);
      return;
    case 0x105:
      h.stvec = trapVector(h.stvec, v);
      return;
    case 0x106:
      h.scounteren = low;
      return;
    case 0x10a:
      h.senvcfg = v & 1n; // FIOM is the only field without its extension
      return;
    case 0x140:
      h.sscratch = v;
      return;
    case 0x141:
      h.sepc = v & ~1n;
      return;
    case 0x142:
      h.scause = v;
      return;
    case 0x143:
      h.stval = v;
      return;
    case 0x144: {
      const mask = h.mideleg & (1 << 1); // only SSIP is writable from S-mode
      h.mipSoftware = (h.mipSoftware & ~mask) | (low & mask);
      return;
    }
    case 0x180:
      if (h.priv === PRIV_S && (h.mstatus & MSTATUS_TVM)) illegal(insn);
      writeSatp(h, v);
      return;
    case 0x300:
      setStatus(h, (h.mstatus & ~MSTATUS_WRITABLE) | (low & MSTATUS_WRITABLE));
      return;
    case 0x301: // misa: writes are ignored (extensions cannot be turned off)
      return;
    case 0x302:
      h.medeleg = low & DELEGABLE_EXCEPTIONS;
      return;
    case 0x303:
      h.mideleg = low & SUPERVISOR_INTERRUPTS;
      return;
    case 0x304:
      h.mie = low & ALL_INTERRUPTS;
      return;
    case 0x305:
      h.mtvec = trapVector(h.mtvec, v);
      return;
    case 0x306:
      h.mcounteren = low;
      return;
    case 0x30a:
      h.menvcfg = v & 1n;
      return;
    case 0x320:
      h.mcountinhibit = low & 5; // CY and IR; the hpm counters are fixed at zero
      return;
    case 0x340:
      h.mscratch = v;
      return;
    case 0x341:
      h.mepc = v & ~1n;
      return;
    case 0x342:
      h.mcause = v;
      return;
    case 0x343:
      h.mtval = v;
      return;
    case 0x344:
      h.mipSoftware = low & SUPERVISOR_INTERRUPTS;
      return;
    case 0x3a0:
    case 0x3a2:
      writePmpcfg(h, csr === 0x3a0 ? 0 : 8, v);
      h.pmpChanged();
      return;
    case 0xb00:
      h.cycle = Number(BigInt.asUintN(64, v));
      h.counterWritten();
      return;
    case 0xb02:
      h.instret = Number(BigInt.asUintN(64, v));
      h.counterWritten();
      return;
  }
  if (csr >= 0x3b0 && csr <= 0x3bf) {
    const i = csr - 0x3b0;
    if (pmpLocked(h, i)) return;
    h.pmpaddr[i] = v & PMP_ADDR_MASK;
    h.pmpChanged();
    return;
  }
  if (csr >= 0x3c0 && csr <= 0x3ef) return;
  if (csr >= 0x3a4 && csr <= 0x3af) {
    if (csr & 1) illegal(insn);
    return;
  }
  if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f)) return;
  if (h.triggers.write(csr, v)) return;
  readCsr(h, csr, insn); // raises for CSRs that do not exist
}

/** mstatus write: MPP keeps a legal value, and translation-relevant changes flush the TLB. */
function setStatus(h: Hart, next: number): void {
  if (((next & MSTATUS_MPP) >> 11) === 2) next = (next & ~MSTATUS_MPP) | (h.mstatus & MSTATUS_MPP);
  const changed = h.mstatus ^ next;
  h.mstatus = next;
  // MXR widens or narrows what every cached page allows; SUM only which S set data uses.
  if (changed & MSTATUS_MXR) h.flushTlb();
  if (changed & MSTATUS_SUM) h.sumChanged();
  else if (changed & (MSTATUS_MPRV | MSTATUS_MPP)) h.updateModes();
}

/** mtvec/stvec: modes 0 (direct) and 1 (vectored); a reserved mode keeps the old value (sail). */
function trapVector(old: bigint, v: bigint): bigint {
  return (v & 3n) >= 2n ? old : v;
}

/**
 * satp is WARL: a write with an unsupported mode is ignored. 16 ASID bits
 * (Linux then switches address spaces without SFENCE.VMA); the TLB keeps a few
 * address spaces' translations apart (Hart.switchAddressSpace).
 */
function writeSatp(h: Hart, v: bigint): void {
  const mode = Number(BigInt.asUintN(64, v) >> 60n);
  if (mode !== SATP_BARE && mode !== SATP_SV39 && mode !== SATP_SV48) return;
  const ppn = v & ((1n << 44n) - 1n);
  const asid = v & (0xffffn << 44n);
  h.satp = BigInt.asIntN(64, (BigInt(mode) << 60n) | asid | ppn);
  h.satpMode = mode;
  h.satpRoot = Number(ppn) * 4096;
  h.switchAddressSpace();
}

function pmpLocked(h: Hart, i: number): boolean {
  if (h.pmpcfg[i] & 0x80) return true;
  // A locked TOR entry also locks the address register below it.
  return i + 1 < 16 && (h.pmpcfg[i + 1] & 0x98) === 0x88;
}

function writePmpcfg(h: Hart, base: number, v: bigint): void {
  for (let k = 0; k < 8; k++) {
    if (h.pmpcfg[base + k] & 0x80) continue;
    let cfg = Number((v >> BigInt(8 * k)) & 0xffn) & 0x9f;
    if ((cfg & 3) === 2) cfg &= ~3; // W without R is reserved: drop both
    h.pmpcfg[base + k] = cfg;
  }
}
