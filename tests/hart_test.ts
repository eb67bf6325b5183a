import assert from "node:assert/strict";
import { RAM_BASE } from "../core/memory.ts";
import { bareHart, runFor, u64 } from "./support/bare_hart.ts";
import * as E from "../core/encode.ts";
import { Jit } from "../core/jit/jit.ts";

const HALT = E.jal(0, 0); // a jump to itself: the end of every test program

Deno.test("ALU: lui, addi, shifts and wrap-around", () => {
  const h = bareHart([
    E.lui(1, 0x80000), // x1 = 0xffffffff80000000
    E.addi(2, 0, -1), // x2 = -1
    E.srli(3, 2, 1), // x3 = 0x7fff...
    E.srai(4, 1, 63), // x4 = -1
    E.slli(5, 2, 63), // x5 = 0x8000...
    E.add(6, 3, 2), // x6 = 0x7ff..fe
    E.sub(7, 0, 5), // x7 = 0x8000... (wraps)
    E.addiw(8, 3, 1), // 0xffffffff + 1 -> 0 (w)
    E.addi(9, 0, 0x7ff),
    E.addiw(10, 1, -1), // 0x80000000 - 1 = 0x7fffffff
    HALT,
  ]);
  runFor(h, 11);
  assert.equal(u64(h, 1), 0xffffffff80000000n);
  assert.equal(u64(h, 3), 0x7fffffffffffffffn);
  assert.equal(u64(h, 4), 0xffffffffffffffffn);
  assert.equal(u64(h, 5), 0x8000000000000000n);
  assert.equal(u64(h, 6), 0x7ffffffffffffffen);
  assert.equal(u64(h, 7), 0x8000000000000000n);
  assert.equal(u64(h, 8), 0n);
  assert.equal(u64(h, 10), 0x7fffffffn);
  assert.equal(h.pc, RAM_BASE + 40);
});

Deno.test("M extension edge cases: division by zero and overflow", () => {
  const div = E.op(1, 4), divu = E.op(1, 5), rem = E.op(1, 6), remu = E.op(1, 7);
  const mulh = E.op(1, 1), mulhu = E.op(1, 3), mulhsu = E.op(1, 2), divw = E.op32(1, 4);
  const remw = E.op32(1, 6);
  const h = bareHart([
    E.addi(1, 0, 7),
    E.slli(2, 1, 0), // x2 = 7
    div(3, 1, 0), // 7 / 0 = -1
    divu(4, 1, 0), // -1
    rem(5, 1, 0), // 7
    remu(6, 1, 0), // 7
    E.addi(7, 0, 1),
    E.slli(7, 7, 63), // INT64_MIN
    E.addi(8, 0, -1),
    div(9, 7, 8), // overflow -> INT64_MIN
    rem(10, 7, 8), // 0
    mulh(11, 8, 8), // (-1 * -1) >> 64 = 0
    mulhu(12, 8, 8), // 0xfff...fe
    mulhsu(13, 8, 8), // -1 * (2^64-1) >> 64 = -1
    E.lui(14, 0x80000), // x14 = 0xffffffff80000000 (int32 min)
    divw(15, 14, 8), // overflow -> 0xffffffff80000000
    remw(16, 14, 8), // 0
    HALT,
  ]);
  runFor(h, 18);
  assert.equal(u64(h, 3), 0xffffffffffffffffn);
  assert.equal(u64(h, 4), 0xffffffffffffffffn);
  assert.equal(u64(h, 5), 7n);
  assert.equal(u64(h, 6), 7n);
  assert.equal(u64(h, 9), 0x8000000000000000n);
  assert.equal(u64(h, 10), 0n);
  assert.equal(u64(h, 11), 0n);
  assert.equal(u64(h, 12), 0xfffffffffffffffen);
  assert.equal(u64(h, 13), 0xffffffffffffffffn);
  assert.equal(u64(h, 15), 0xffffffff80000000n);
  assert.equal(u64(h, 16), 0n);
});

Deno.test("loads and stores, aligned and misaligned, sign extension", () => {
  const h = bareHart([
    E.auipc(1, 1), // x1 = RAM_BASE + 0x1000
    E.addi(2, 0, -2),
    E.sd(2, 1, 0),
    E.lw(3, 1, 0), // -2 sign-extended
    E.lbu(4, 1, 1), // 0xff
    E.sd(2, 1, 13), // misaligned store
    E.ld(5, 1, 13), // misaligned load
    E.sw(0, 1, 0),
    E.ld(6, 1, 0), // 0xffffffff00000000
    HALT,
  ]);
  runFor(h, 10);
  assert.equal(u64(h, 3), 0xfffffffffffffffen);
  assert.equal(u64(h, 4), 0xffn);
  assert.equal(u64(h, 5), 0xfffffffffffffffen);
  assert.equal(u64(h, 6), 0xffffffff00000000n);
});

Deno.test("ecall and illegal instructions trap to mtvec with cause and tval", () => {
  const h = bareHart([
    E.auipc(1, 0),
    E.addi(1, 1, 32), // handler at RAM_BASE + 32
    E.csrrw(0, 0x305, 1), // mtvec
    E.ecall(),
    0, // padding
    0,
    0,
    0,
    // handler at +32
    E.csrrs(10, 0x342, 0), // mcause
    E.csrrs(11, 0x341, 0), // mepc
    HALT,
  ]);
  runFor(h, 6);
  assert.equal(u64(h, 10), 11n);
  assert.equal(u64(h, 11), BigInt(RAM_BASE + 12));

  const bad = 0xffffffff;
  const g = bareHart([E.auipc(1, 0), E.addi(1, 1, 16), E.csrrw(0, 0x305, 1), bad, HALT]);
  runFor(g, 4);
  assert.equal(g.mcause, 2n);
  assert.equal(g.mtval, 0xffffffffn);
  assert.equal(g.pc, RAM_BASE + 16);
});

Deno.test("CSRs: misa, mstatus.SD with FS dirty, unimplemented CSR traps", () => {
  const h = bareHart([
    E.csrrs(1, 0x301, 0),
    E.lui(2, 0x6), // FS = 3 (bits 13-14)
    E.csrrs(0, 0x300, 2),
    E.csrrs(3, 0x300, 0),
    HALT,
  ]);
  runFor(h, 5);
  const misa = u64(h, 1);
  assert.equal(misa >> 62n, 2n);
  for (const c of "IMAFDCSU") assert.ok(misa & (1n << BigInt(c.charCodeAt(0) - 65)), c);
  assert.equal(u64(h, 3) >> 63n, 1n, "SD set when FS is dirty");
  assert.equal((u64(h, 3) >> 32n) & 0xfn, 0xan, "UXL = SXL = 64-bit");

  const g = bareHart([E.csrrs(1, 0x7c0, 0), HALT]); // a custom CSR we do not have
  runFor(g, 1);
  assert.equal(g.mcause, 2n);
});

/**
 * A program that, in M-mode, sets satp (Sv39, root table at RAM offset
 * `root`), mstatus.MPP = S and mepc = VA 64, then mrets to `body` there; it
 * ends at a HALT that is also the trap handler (mtvec).
 */
function sv39Program(root: number, body: number[]): number[] {
  const program = [
    E.auipc(1, 0),
    0, // addi x1, x1, (offset of the final HALT): mtvec, set below
    E.csrrw(0, 0x305, 1), // mtvec
    E.addi(2, 0, 8),
    E.slli(2, 2, 60),
    E.lui(3, (RAM_BASE + root) >>> 12),
    E.slli(3, 3, 32),
    E.srli(3, 3, 44), // x3 = ppn of root
    E.R(0, 3, 2, 6, 2, 0x33), // or x2, x2, x3
    E.csrrw(0, 0x180, 2), // satp
    E.addi(4, 0, 0x400),
    E.add(4, 4, 4), // x4 = 0x800: MPP = S
    E.csrrs(0, 0x300, 4),
    E.addi(5, 0, 16 * 4), // S entry: VA 64, right after this prologue
    E.csrrw(0, 0x341, 5),
    E.mret(),
    ...body,
    HALT,
  ];
  program[1] = E.addi(1, 1, (program.length - 1) * 4);
  return program;
}

Deno.test("Sv39: S-mode translation, A/D update, page faults", () => {
  // Page table at RAM+0x10000: a gigapage maps VA 0 -> RAM_BASE (RWX, not U), and
  // a 4 KiB mapping for VA 0x40000000 via second-level tables is left invalid.
  const h = bareHart([]);
  const ram = h.mem.view;
  const root = 0x10000;
  const pte = (ppn: number, flags: number) => BigInt(ppn) << 10n | BigInt(flags);
  ram.setBigUint64(root + 0 * 8, pte(RAM_BASE / 4096, 0x0f), true); // V R W X, A=D=0
  const prog = sv39Program(root, [
    E.addi(6, 0, 0x100),
    E.sd(6, 6, 0), // store to VA 0x100: sets D
    E.ld(7, 6, 0),
    E.lui(8, 0x40000), // VA 0x40000000: unmapped -> load page fault
    E.ld(9, 8, 0),
  ]);
  prog.forEach((w, i) => ram.setUint32(i * 4, w, true));
  runFor(h, 40);
  assert.equal(u64(h, 7), 0x100n);
  const leaf = ram.getBigUint64(root, true);
  assert.equal(leaf & 0xc0n, 0xc0n, "A and D set by the walk");
  assert.equal(h.mcause, 13n, "load page fault");
  assert.equal(h.mtval, 0x40000000n);
  assert.equal(h.priv, 3);
});

Deno.test("Sv39: SFENCE.VMA of one address drops the rest of its superpage; SUM switches sets", () => {
  for (const translated of [false, true]) fenceOnePage(translated);
});

/**
 * The program of the test above, interpreted or translated from its first jump
 * (translated code keeps registers to itself: SFENCE.VMA must get rs1 from it).
 */
function fenceOnePage(translated: boolean): void {
  // Gigapage VA 0 -> RAM_BASE (code and tables; RWX, not U). VA 0x40000000 is a
  // 2 MiB megapage through a second-level table at RAM + 2 MiB, which the guest
  // moves to RAM + 4 MiB and then fences through another 4 KiB page of it only.
  // VA 0x40200000 is a U megapage (RAM + 6 MiB): S-mode reads it with SUM set,
  // and after SUM is cleared the same load faults.
  const h = bareHart([], 8 << 20);
  const ram = h.mem.view;
  const root = 0x10000, mid = 0x11000, MIB = 1 << 20;
  const pte = (pa: number, flags: number) => BigInt(pa / 4096) << 10n | BigInt(flags);
  ram.setBigUint64(root + 0 * 8, pte(RAM_BASE, 0xcf), true); // V R W X A D
  ram.setBigUint64(root + 1 * 8, pte(RAM_BASE + mid, 0x01), true); // next level
  ram.setBigUint64(mid, pte(RAM_BASE + 2 * MIB, 0xc7), true); // V R W A D
  ram.setBigUint64(mid + 8, pte(RAM_BASE + 6 * MIB, 0xd7), true); // V R W U A D
  ram.setBigUint64(0x12000, pte(RAM_BASE + 4 * MIB, 0xc7), true); // the new mapping
  ram.setBigUint64(2 * MIB + 0x3000, 0x11n, true);
  ram.setBigUint64(4 * MIB + 0x3000, 0x22n, true);
  ram.setBigUint64(6 * MIB + 0x3000, 0x33n, true);
  const program = sv39Program(root, [
    E.jal(0, 4), // a jump: translated from its target on (with the page in the fetch TLB)
    E.lui(8, 0x40000), // x8 = VA 0x40000000
    E.lui(11, 3), // x11 = 0x3000
    E.add(12, 8, 11), // x12 = VA 0x40003000
    E.ld(7, 12, 0), // 0x11, now in the TLB (a 4 KiB part of the megapage)
    E.lui(13, 0x12),
    E.ld(6, 13, 0), // the new PTE
    E.lui(14, 0x11),
    E.sd(6, 14, 0), // mid[0]: the megapage now at RAM + 4 MiB
    E.lui(9, 0x40005), // VA 0x40005000: another 4 KiB page of the same megapage
    0x12000073 | (9 << 15), // sfence.vma x9, x0
    E.ld(10, 12, 0), // 0x22: the moved megapage, not the stale part of the old one
    E.lui(15, 0x40), // x15 = mstatus.SUM
    E.lui(16, 0x40203), // x16 = VA 0x40203000, in the U megapage
    E.csrrs(0, 0x100, 15), // SUM = 1
    E.ld(17, 16, 0), // 0x33
    E.csrrc(0, 0x100, 15), // SUM = 0
    E.ld(18, 16, 0), // load page fault: the entry filled with SUM set must not serve
  ]);
  program.forEach((w, i) => ram.setUint32(i * 4, w, true));
  if (translated) {
    const jit = new Jit(h, h.mem);
    jit.setHotThreshold(0);
    for (let n = 0; n < 80;) n += Math.max(1, jit.run(80 - n));
  } else {
    runFor(h, 80);
  }
  assert.equal(u64(h, 7), 0x11n);
  assert.equal(
    u64(h, 10),
    0x22n,
    `a stale TLB part of the old superpage was used (${translated ? "translated" : "interpreted"})`,
  );
  assert.equal(u64(h, 17), 0x33n);
  assert.equal(u64(h, 18), 0n);
  assert.equal(h.mcause, 13n, "load page fault once SUM is clear");
  assert.equal(h.mtval, 0x40203000n);
  assert.equal(h.priv, 3);
}

Deno.test("timer interrupt taken when enabled, WFI waits when not", () => {
  const h = bareHart([
    E.auipc(1, 0),
    E.addi(1, 1, 32),
    E.csrrw(0, 0x305, 1),
    E.addi(2, 0, 0x80), // MTIE
    E.csrrw(0, 0x304, 2),
    E.wfi(),
    E.addi(3, 0, 8), // MIE
    E.csrrs(0, 0x300, 3),
    // handler at +32
    E.csrrs(10, 0x342, 0),
    HALT,
  ]);
  runFor(h, 100);
  assert.ok(h.waiting, "WFI with nothing pending waits");
  h.setPending(1 << 7, true);
  h.run(100);
  runFor(h, 6);
  assert.equal(u64(h, 10), (1n << 63n) | 7n);
  assert.equal(h.mepc, BigInt(RAM_BASE + 32), "taken right after the write that enabled it");
});
