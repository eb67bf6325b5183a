/**
 * Loads (or stores) in one block through one base register, which no
 * instruction between them writes, share one TLB check (core/jit/codegen.ts):
 * a function's prologue saving registers to the stack, an epilogue loading
 * them back, a structure's fields read one after another. The first of them
 * checks that the TLB maps its page for that kind of access and that every
 * one falls in that page, and keeps the page's buffer offset; each then
 * accesses at a constant offset from it. When the check fails, each takes its
 * own TLB check and slow path, as alone, so faults stay precise. (A lone
 * access's check also wants it aligned, so that it cannot cross into the next
 * page; a group's check of the span covers that: misaligned accesses are done
 * as the interpreter does them, in place.)
 */
import { ACCESS_LOAD, ACCESS_STORE } from "../trap.ts";
import { type Block, writtenRegister } from "./region.ts";

/** Accesses one group's check covers. */
export interface AccessGroup {
  /** ACCESS_LOAD or ACCESS_STORE: the TLB tag the check compares. */
  kind: number;
  /** The base register. */
  rs1: number;
  /** Index (in the block) of the first member: the check goes before it. */
  first: number;
  /** The lowest offset from the base, and the bytes from there to the last byte accessed. */
  minImm: number;
  span: number;
  /** Which of the emitter's group locals holds the page offset (or -1: the check failed). */
  slot: number;
}

/** One member: its group and its offset from the group's lowest address. */
export interface GroupMember {
  group: AccessGroup;
  offset: number;
}

interface Candidate {
  kind: number;
  rs1: number;
  members: { k: number; imm: number; size: number }[];
}

/**
 * The groups of block `b`, by member index, each with a slot below `slots`
 * (groups whose lifetimes overlap take different slots; past `slots` a group
 * is dropped). Only integer loads and stores with a base register other than
 * x0 join; an instruction that writes the base register ends its group, and a
 * system instruction or fence ends every group (a CSR write may change the
 * translation).
 */
export function accessGroups(b: Block, slots: number): Map<number, GroupMember> {
  const open = new Map<number, Candidate>();
  const done: Candidate[] = [];
  const end = (key: number) => {
    const c = open.get(key);
    if (c === undefined) return;
    open.delete(key);
    done.push(c);
  };
  const endBase = (r: number) => {
    end(r * 2);
    end(r * 2 + 1);
  };
  b.insns.forEach((i, k) => {
    const insn = i.insn, op = insn & 0x7f;
    const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31, f3 = (insn >>> 12) & 7;
    if ((op === 0x03 && f3 !== 7) || (op === 0x23 && f3 <= 3)) {
      const store = op === 0x23;
      const imm = store ? ((insn >> 25) << 5) | ((insn >>> 7) & 31) : insn >> 20;
      if (rs1 !== 0) {
        const key = rs1 * 2 + (store ? 1 : 0);
        let c = open.get(key);
        if (c === undefined) {
          c = { kind: store ? ACCESS_STORE : ACCESS_LOAD, rs1, members: [] };
          open.set(key, c);
        }
        c.members.push({ k, imm, size: 1 << (f3 & 3) });
      }
      if (!store) endBase(rd);
      return;
    }
    if (op === 0x73 || op === 0x0f) {
      for (const key of [...open.keys()]) end(key);
      return;
    }
    const w = writtenRegister(insn);
    if (w > 0) endBase(w);
  });
  for (const key of [...open.keys()]) end(key);

  const members = new Map<number, GroupMember>();
  const busyUntil: number[] = new Array(slots).fill(-1);
  done.sort((a, c) => a.members[0].k - c.members[0].k);
  for (const { kind, rs1, members: list } of done) {
    if (list.length < 2) continue;
    const minImm = Math.min(...list.map((m) => m.imm));
    const span = Math.max(...list.map((m) => m.imm + m.size)) - minImm;
    // Past half a page, the check would fail for most addresses of the base.
    if (span > 2048) continue;
    const first = list[0].k;
    const slot = busyUntil.findIndex((u) => u < first);
    if (slot < 0) continue;
    busyUntil[slot] = list[list.length - 1].k;
    const group: AccessGroup = { kind, rs1, first, minImm, span, slot };
    for (const m of list) members.set(m.k, { group, offset: m.imm - minImm });
  }
  return members;
}
