/**
 * mstatus.SUM switches S-mode data accesses between two TLB sets instead of
 * flushing (core/hart.ts `tlbs`): a user page S-mode reached with SUM set
 * must fault again once SUM is cleared, and work again when it is set.
 */
import assert from "node:assert/strict";
import { RAM_BASE } from "../core/memory.ts";
import { bareHart, runFor, u64 } from "./support/bare_hart.ts";
import * as E from "../core/encode.ts";

const SSTATUS = 0x100, SUM_BIT_LUI = 0x40; // lui 0x40 = 1 << 18, mstatus.SUM

function sumProgram(): number[] {
  return [
    // M-mode: mtvec -> the halt at the end, satp = Sv39 at RAM + 0x10000, MPP = S, mret to VA 64.
    E.auipc(1, 0),
    E.addi(1, 1, 4 * 31), // the HALT below (instruction 31)
    E.csrrw(0, 0x305, 1),
    E.addi(2, 0, 8),
    E.slli(2, 2, 60),
    E.lui(3, (RAM_BASE + 0x10000) >>> 12),
    E.slli(3, 3, 32),
    E.srli(3, 3, 44),
    E.R(0, 3, 2, 6, 2, 0x33), // or x2, x2, x3
    E.csrrw(0, 0x180, 2), // satp
    E.addi(4, 0, 0x400),
    E.add(4, 4, 4), // MPP = S
    E.csrrs(0, 0x300, 4),
    E.addi(5, 0, 64),
    E.csrrw(0, 0x341, 5), // mepc = VA 64 (instruction 16)
    E.mret(),
    // S-mode at VA 64: x8 = VA 0x40000000, a user page onto the same RAM.
    E.lui(4, SUM_BIT_LUI),
    E.lui(8, 0x40000),
    E.csrrs(0, SSTATUS, 4), // SUM on
    E.ld(9, 8, 0x100), // allowed: fills the SUM set
    E.csrrc(0, SSTATUS, 4), // SUM off
    E.csrrs(0, SSTATUS, 4), // SUM on again
    E.ld(11, 8, 0x100), // allowed again
    E.csrrc(0, SSTATUS, 4), // SUM off
    E.ld(10, 8, 0x100), // must fault: a user page without SUM
    E.addi(12, 0, 1), // never reached
    E.jal(0, 0),
    E.jal(0, 0),
    E.jal(0, 0),
    E.jal(0, 0),
    E.jal(0, 0),
    E.jal(0, 0), // instruction 31: the trap handler
  ];
}

Deno.test("SUM: a user page S-mode read with SUM faults once SUM is cleared, and works when set again", () => {
  const h = bareHart([]);
  const ram = h.mem.view;
  const root = 0x10000;
  const pte = (ppn: number, flags: number) => BigInt(ppn) << 10n | BigInt(flags);
  ram.setBigUint64(root, pte(RAM_BASE / 4096, 0xcf), true); // VA 0: V R W X A D, supervisor
  ram.setBigUint64(root + 8, pte(RAM_BASE / 4096, 0xdf), true); // VA 1 GiB: the same, U
  const prog = sumProgram();
  assert.equal(prog.length, 32);
  prog.forEach((w, i) => ram.setUint32(i * 4, w, true));
  ram.setBigUint64(0x100, 0x1234_5678_9abcn, true);
  runFor(h, 200);
  assert.equal(u64(h, 9), 0x1234_5678_9abcn, "read with SUM set");
  assert.equal(u64(h, 11), 0x1234_5678_9abcn, "read with SUM set again");
  assert.equal(u64(h, 10), 0n, "the read without SUM wrote nothing");
  assert.equal(u64(h, 12), 0n, "the read without SUM did not go on");
  assert.equal(h.mcause, 13n, "load page fault");
  assert.equal(h.mtval, 0x40000100n);
  assert.equal(h.pc, RAM_BASE + 4 * 31);
});

Deno.test("SUM: the sets are flushed together by satp writes", () => {
  const h = bareHart([]);
  // Every S-mode TLB set a flush must empty (the U, S and SUM sets).
  h.tlbs[2].fill(0, 0x4000_0000, 0);
  h.tlbs[1].fill(0, 0, 0);
  h.flushTlb();
  assert.equal(h.tlbs[2].lookup(0, 0x4000_0000), -1);
  assert.equal(h.tlbs[1].lookup(0, 0), -1);
});
