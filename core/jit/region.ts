/**
 * Finds the code a region covers: starting at a hot pc, the basic blocks
 * reachable by fall-through and direct jumps without leaving the 4 KiB page,
 * as far as every instruction is one the translator handles. Anything else
 * (the FP CSRs, WFI, EBREAK, an illegal F/D encoding, FENCE.I; see
 * translatable) ends the block there, and translated code exits to the
 * interpreter at it. An instruction across the page end is taken, with its
 * upper half from the next page as the fetch TLB mapped it when planned
 * (`crossBuf`), when that page is mapped; the region checks the mapping before
 * it runs the instruction.
 */
import { COMPRESSED_TABLE, fillCompressedTable } from "../compressed.ts";
import { fpWritesX, isFpOpcode, translatableFp } from "./codegen_fp.ts";
import { systemExit, translatableSystem } from "./system.ts";

const COMPRESSED = COMPRESSED_TABLE;

/** One guest instruction, expanded to its 32-bit form. */
export interface Insn {
  pc: number;
  insn: number;
  len: 2 | 4;
}

export interface Block {
  pc: number;
  insns: Insn[];
  /** Where control goes after the last instruction when it does not jump (its pc + len). */
  next: number;
}

export interface RegionPlan {
  /** Virtual address of the page and its buffer offset when translated. */
  pageVa: number;
  pageBuf: number;
  /** Blocks in address order; the index is what the region function takes as its entry. */
  blocks: Block[];
  /** Byte range of the page the blocks were decoded from (for FENCE.I re-checks). */
  lo: number;
  hi: number;
  /** Instructions in all blocks: no forward-only path through the region is longer. */
  size: number;
  /** The pc it was planned from (the first of `roots`). */
  entry: number;
  /**
   * Every pc it was planned from: hot pcs of one page planned together, so a
   * call or return through a register (a function pointer, `ret`) between
   * them stays inside the region (core/jit/jit.ts translatePending).
   */
  roots: number[];
  /** Pcs where a block ends before an instruction the translator leaves to the interpreter. */
  stops: Set<number>;
  /**
   * Buffer offset of the next page when an instruction at the page's last
   * halfword (offset 4094) takes its upper half from there; -1: none.
   */
  crossBuf: number;
}

/** At most this many instructions per region (bounds compile time and code size). */
export const MAX_REGION_INSNS = 1500;

/**
 * The expanded instruction at byte `off` of the page and its length; null if it
 * starts past the page, or goes past it with no next page (`nextBuf` -1).
 */
function fetch(
  u16: Uint16Array,
  pageBuf: number,
  off: number,
  nextBuf: number,
): [number, 2 | 4] | null {
  if (off > 4094) return null;
  const h = u16[(pageBuf + off) >> 1];
  if ((h & 3) !== 3) {
    const insn = COMPRESSED[h];
    return insn === 0 ? null : [insn, 2];
  }
  if (off > 4092 && nextBuf < 0) return null;
  const upper = off > 4092 ? u16[nextBuf >> 1] : u16[(pageBuf + off + 2) >> 1];
  return [(h | (upper << 16)) >>> 0, 4];
}

/** True when the translator emits code for this (expanded) instruction. */
export function translatable(insn: number): boolean {
  const f3 = (insn >>> 12) & 7, f7 = insn >>> 25;
  switch (insn & 0x7f) {
    case 0x37: // LUI
    case 0x17: // AUIPC
    case 0x6f: // JAL
      return true;
    case 0x67: // JALR
      return f3 === 0;
    case 0x63: // BRANCH
      return f3 !== 2 && f3 !== 3;
    case 0x03: // LOAD
      return f3 !== 7;
    case 0x23: // STORE
      return f3 <= 3;
    case 0x13: // OP-IMM
      if (f3 === 1) return (insn >>> 26) === 0;
      if (f3 === 5) return (insn >>> 26) === 0 || (insn >>> 26) === 0x10;
      return true;
    case 0x33: // OP
      if (f7 === 0) return true;
      if (f7 === 0x20) return f3 === 0 || f3 === 5;
      return f7 === 1;
    case 0x1b: // OP-IMM-32
      if (f3 === 0) return true;
      if (f3 === 1) return f7 === 0;
      return f3 === 5 && (f7 === 0 || f7 === 0x20);
    case 0x3b: // OP-32
      if (f7 === 0) return f3 === 0 || f3 === 1 || f3 === 5;
      if (f7 === 0x20) return f3 === 0 || f3 === 5;
      return f7 === 1 && f3 !== 1 && f3 !== 2 && f3 !== 3;
    case 0x0f: // FENCE (FENCE.I goes to the interpreter)
      return f3 === 0;
    case 0x2f: // AMO, LR/SC
    case 0x73: // CSR access, ECALL, xRET, SFENCE.VMA
      return translatableSystem(insn);
    default:
      return isFpOpcode(insn & 0x7f) && translatableFp(insn);
  }
}

/** The integer register a translatable instruction writes (it may be x0), or -1: none. */
export function writtenRegister(insn: number): number {
  const op = insn & 0x7f;
  if (isFpOpcode(op)) return fpWritesX(insn);
  return op === 0x63 || op === 0x23 || op === 0x0f ? -1 : (insn >>> 7) & 31;
}

/** Branch and JAL targets (absolute), or null for other instructions. */
export function directTarget(i: Insn): number | null {
  const insn = i.insn;
  const op = insn & 0x7f;
  if (op === 0x63) {
    return i.pc + (((insn >> 31) << 12) | (((insn >>> 7) & 1) << 11) |
      (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1));
  }
  if (op === 0x6f) {
    return i.pc + (((insn >> 31) << 20) | (((insn >>> 12) & 0xff) << 12) |
      (((insn >>> 20) & 1) << 11) | (((insn >>> 21) & 0x3ff) << 1));
  }
  return null;
}

/**
 * Code addresses the blocks compute into a register (AUIPC, then ADDI of that
 * register) that lie in the page and start a function (the halfword or word
 * before is a return, past any NOP padding): function pointers, called through
 * a register (a sort's comparison, a callback). Planned with the region, such
 * a call stays inside it; else each target, once hot, had the whole page
 * planned and compiled again (CoreMark's list sort: docs/speed.md). Jump
 * tables and other data the same way computed are not after a return.
 */
function pointedTo(u16: Uint16Array, pageVa: number, pageBuf: number, blocks: Block[]): number[] {
  const out: number[] = [];
  for (const b of blocks) {
    for (let k = 0; k + 1 < b.insns.length; k++) {
      const a = b.insns[k].insn, n = b.insns[k + 1].insn;
      const rd = (a >>> 7) & 31;
      if ((a & 0x7f) !== 0x17 || rd === 0 || (n & 0x707f) !== 0x13 || ((n >>> 15) & 31) !== rd) {
        continue;
      }
      const pc = b.insns[k].pc + (a & 0xfffff000) + (n >> 20);
      const off = pc - pageVa;
      if (off < 2 || off > 4094 || (off & 1) !== 0 || !afterReturn(u16, pageBuf, off)) continue;
      if (!out.includes(pc)) out.push(pc);
    }
  }
  return out;
}

/** Whether the code before byte `off` of the page ends in a return (C.JR ra or JALR x0, 0(ra)). */
function afterReturn(u16: Uint16Array, pageBuf: number, off: number): boolean {
  const half = (at: number) => u16[(pageBuf + at) >> 1];
  while (off >= 2 && half(off - 2) === 0x0001) off -= 2; // C.NOP padding
  while (off >= 4 && half(off - 4) === 0x0013 && half(off - 2) === 0) off -= 4; // NOP
  if (off >= 2 && half(off - 2) === 0x8082) return true;
  return off >= 4 && half(off - 4) === 0x8067 && half(off - 2) === 0;
}

/**
 * Plans the region entered at `roots` (the first is its entry), or null when
 * the entry's first instruction is not translatable. Roots are taken in order,
 * each with what it reaches, until the region is full. `nextBuf`: the buffer
 * offset the next virtual page maps to for fetch, -1 when it is not mapped.
 */
export function planRegion(
  u16: Uint16Array,
  pageVa: number,
  pageBuf: number,
  roots: number[],
  nextBuf = -1,
): RegionPlan | null {
  fillCompressedTable(); // COMPRESSED, read by fetch()
  if ((nextBuf >>> 12) === (pageBuf >>> 12)) nextBuf = -1; // both pages one: not worth a case
  const blocks = new Map<number, Block>();
  const entry = roots[0];
  const later = roots.slice(1).reverse();
  const work = [entry];
  const inPage = (pc: number) => pc >= pageVa && pc < pageVa + 4096;
  let total = 0, lo = 4096, hi = 0, crossBuf = -1;
  const stops = new Set<number>();
  // Function pointers into the page, once the roots' code is planned (see pointedTo).
  let pointers: number[] | null = null;
  for (;;) {
    if (work.length === 0 && later.length === 0 && pointers === null) {
      pointers = pointedTo(u16, pageVa, pageBuf, [...blocks.values()]).filter((pc) =>
        !blocks.has(pc)
      );
      later.push(...[...pointers].reverse());
    }
    if ((work.length === 0 && later.length === 0) || total >= MAX_REGION_INSNS) break;
    const start = work.length > 0 ? work.pop()! : later.pop()!;
    if (blocks.has(start)) continue;
    const insns: Insn[] = [];
    let pc = start;
    for (;;) {
      if (insns.length > 0 && blocks.has(pc)) break; // join an existing block
      const f = fetch(u16, pageBuf, pc - pageVa, nextBuf);
      if (f === null || !translatable(f[0])) {
        if (inPage(pc)) stops.add(pc);
        break;
      }
      const i: Insn = { pc, insn: f[0], len: f[1] };
      insns.push(i);
      lo = Math.min(lo, pc - pageVa);
      hi = Math.min(4096, Math.max(hi, pc - pageVa + i.len));
      if (pc - pageVa + i.len > 4096) crossBuf = nextBuf;
      pc += i.len;
      const op = i.insn & 0x7f;
      if (op === 0x63 || op === 0x6f || op === 0x67 || systemExit(i.insn)) break;
    }
    if (insns.length === 0) continue; // the interpreter runs it
    total += insns.length;
    blocks.set(start, { pc: start, insns, next: pc });
    const last = insns[insns.length - 1];
    const op = last.insn & 0x7f;
    const target = directTarget(last);
    if (target !== null && inPage(target)) work.push(target);
    // Fall-through, and the return site of a call, are in the region too.
    if (!systemExit(last.insn) && (op !== 0x6f || ((last.insn >>> 7) & 31) !== 0)) {
      if (op !== 0x67 || ((last.insn >>> 7) & 31) !== 0) {
        if (inPage(pc)) work.push(pc);
      }
    }
  }
  if (!blocks.has(entry)) return null;
  // A block found early may run into one found later: end it there, so each
  // instruction is in one block and a loop's start is not jumped past.
  total = 0;
  for (const b of blocks.values()) {
    const at = b.insns.findIndex((i, k) => k > 0 && blocks.has(i.pc));
    if (at > 0) {
      b.next = b.insns[at].pc;
      b.insns.length = at;
    }
    total += b.insns.length;
  }
  return {
    pageVa,
    pageBuf,
    blocks: [...blocks.values()].sort((a, b) => a.pc - b.pc),
    lo,
    hi,
    size: total,
    entry,
    roots: [...roots, ...(pointers ?? [])].filter((pc) => blocks.has(pc)),
    stops,
    crossBuf,
  };
}
