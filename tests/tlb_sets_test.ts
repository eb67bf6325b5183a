/**
 * The TLB sets (core/hart.ts `tlbs`): mstatus.SUM switches S-mode data
 * accesses between two sets instead of flushing, so a user page S-mode reached
 * with SUM set must fault again once SUM is cleared; satp with an ASID
 * switches between address spaces' sets, which SFENCE.VMA with that ASID empties.
 */
import assert from "node:assert/strict";
import { RAM_BASE, TLB_AREA_BYTES } from "../core/memory.ts";
import { Tlb, TLB_BYTES, TLB_SIZE } from "../core/mmu.ts";
import { ACCESS_STORE } from "../core/trap.ts";
import { ACCESS_LOAD } from "../core/trap.ts";
import { ADDRESS_SPACES } from "../core/hart.ts";
import { CHAIN_BYTES } from "../core/jit/codegen.ts";
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
  h.priv = 1; // S-mode takes the first address space's sets
  h.updateModes();
  // Every S-mode TLB set a flush must empty (the U, S and SUM sets).
  h.tlbs[2].fill(0, 0x4000_0000, 0);
  h.tlbs[1].fill(0, 0, 0);
  h.flushTlb();
  assert.equal(h.tlbs[2].lookup(0, 0x4000_0000), -1);
  assert.equal(h.tlbs[1].lookup(0, 0), -1);
});

Deno.test("ASIDs: each address space keeps its own translations across satp writes; SFENCE.VMA with an ASID drops them", () => {
  const prog = [
    E.csrrs(0, 0x300, 12), // MPRV, MPP = S: loads translate as S-mode
    E.csrrw(0, 0x180, 10), // address space A
    E.ld(1, 8, 0),
    E.csrrw(0, 0x180, 11), // address space B: same VA, another page
    E.ld(2, 8, 0),
    E.csrrw(0, 0x180, 10), // back to A
    E.ld(3, 8, 0),
    // (the test moves A's page here)
    E.I(0, 0, 0, 0, 0x13), // nop
    E.R(0x09, 14, 0, 0, 0, 0x73), // sfence.vma x0, x14 (A's ASID)
    E.ld(5, 8, 0),
    E.jal(0, 0),
  ];
  const h = bareHart(prog);
  const ram = h.mem.view;
  const pte = (off: number, flags: number) =>
    BigInt((RAM_BASE + off) / 4096) << 10n | BigInt(flags);
  const map = (root: number, data: number) => {
    ram.setBigUint64(root + 8, pte(root + 0x1000, 1), true); // VA 1 GiB: next level
    ram.setBigUint64(root + 0x1000, pte(root + 0x2000, 1), true);
    ram.setBigUint64(root + 0x2000, pte(data, 0xc7), true); // V R W A D
  };
  map(0x10000, 0x20000);
  map(0x13000, 0x21000);
  ram.setBigUint64(0x20000, 0xaaaan, true);
  ram.setBigUint64(0x21000, 0xbbbbn, true);
  ram.setBigUint64(0x22000, 0xccccn, true);
  const satp = (asid: bigint, root: number) =>
    BigInt.asIntN(64, (8n << 60n) | (asid << 44n) | BigInt((RAM_BASE + root) / 4096));
  const x = h.state.x;
  x[8] = 0x4000_0000n;
  x[10] = satp(1n, 0x10000);
  x[11] = satp(2n, 0x13000);
  x[12] = 0x20800n;
  x[14] = 1n;
  runFor(h, 7);
  assert.equal(u64(h, 1), 0xaaaan);
  assert.equal(u64(h, 2), 0xbbbbn);
  assert.equal(u64(h, 3), 0xaaaan);
  assert.equal(BigInt.asUintN(64, h.satp) >> 44n & 0xffffn, 1n, "satp keeps the ASID");
  ram.setBigUint64(0x12000, pte(0x22000, 0xc7), true); // A's page moves
  runFor(h, 4);
  assert.equal(u64(h, 5), 0xccccn, "after SFENCE.VMA for A's ASID the new mapping is used");
});

Deno.test("ASIDs: the extra TLB sets fit the TLB area beside the chain cache", () => {
  const used = 4 * TLB_BYTES + CHAIN_BYTES + (ADDRESS_SPACES - 1) * 3 * TLB_BYTES;
  assert.ok(used <= TLB_AREA_BYTES, `${used} > ${TLB_AREA_BYTES}`);
  const h = bareHart([]);
  const offsets = h.tlbs.map((t) => t.offset).sort((a, b) => a - b);
  for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i] - offsets[i - 1] >= TLB_BYTES);
});

Deno.test("TLB: a one-page fence outside every superpage's range keeps them; one inside drops its parts", () => {
  const t = new Tlb(new ArrayBuffer(TLB_BYTES), 0);
  const kernel = -0x40_0000_0000 + 0x20_0000; // 0xffffffc000200000, a 2 MiB leaf
  const user = 0x4000_0000; // a 1 GiB leaf at 1 GiB
  t.fill(ACCESS_LOAD, kernel + 0x3000, 0x10000, 21);
  t.fill(ACCESS_LOAD, 0x7000_1000, 0x20000); // a 4 KiB page elsewhere
  t.invalidatePage(0x5000); // a user page: no superpage part there
  assert.equal(t.lookup(ACCESS_LOAD, kernel + 0x3000), 0x10000);
  assert.equal(t.lookup(ACCESS_LOAD, 0x7000_1000), 0x20000);
  t.invalidatePage(kernel + 0x1f_f000); // the last page of the same 2 MiB leaf
  assert.equal(t.lookup(ACCESS_LOAD, kernel + 0x3000), -1);
  t.fill(ACCESS_LOAD, user + 0x1234_5000, 0x30000, 30);
  t.fill(ACCESS_LOAD, kernel + 0x3000, 0x10000, 21);
  t.invalidatePage(user + 0x3fff_f000); // same 1 GiB leaf, bits 32..63 inside the range now
  assert.equal(t.lookup(ACCESS_LOAD, user + 0x1234_5000), -1);
  assert.equal(t.lookup(ACCESS_LOAD, kernel + 0x3000), 0x10000);
  t.flush();
  t.fill(ACCESS_LOAD, kernel + 0x3000, 0x10000, 21);
  t.invalidatePage(kernel + 0x4000);
  assert.equal(t.lookup(ACCESS_LOAD, kernel + 0x3000), -1);
});

Deno.test("TLB: two pages 4 MiB apart share a slot; a miss finds the displaced one in the second way and swaps", () => {
  const t = new Tlb(new ArrayBuffer(TLB_BYTES), 0);
  const heap = 0x5555_7bd1_8000, stack = heap + 0x40_0000; // dataTlbIndex equal
  t.fill(ACCESS_LOAD, heap, 0x10000);
  t.fill(ACCESS_LOAD, stack, 0x20000);
  assert.equal(t.lookup(ACCESS_LOAD, stack + 8), 0x20008);
  assert.equal(t.lookup(ACCESS_LOAD, heap + 8), 0x10008); // from the second way, no walk
  // The swap put the heap page in the first way, where translated code reads its record.
  const slot = (heap >>> 12) & (TLB_SIZE - 1);
  const record = t.records[ACCESS_LOAD];
  assert.equal(record[slot * 4], heap % 2 ** 32 | 0);
  assert.equal(record[slot * 4 + 2], (0x10000 - (heap % 2 ** 32)) | 0);
  assert.equal(t.lookup(ACCESS_LOAD, stack), 0x20000);
});

Deno.test("TLB: holds tells the first way from either, and moves nothing", () => {
  const t = new Tlb(new ArrayBuffer(TLB_BYTES), 0);
  const heap = 0x5555_7bd1_8000, stack = heap + 0x40_0000; // dataTlbIndex equal
  t.fill(ACCESS_LOAD, heap, 0x10000);
  t.fill(ACCESS_LOAD, stack, 0x20000); // the heap page goes to the second way
  assert.ok(t.holds(ACCESS_LOAD, stack + 8));
  assert.ok(!t.holds(ACCESS_LOAD, heap + 8));
  assert.ok(t.holds(ACCESS_LOAD, heap + 8, true));
  assert.ok(!t.holds(ACCESS_LOAD, heap + 0x1000, true)); // the next page: in neither
  assert.ok(t.holds(ACCESS_LOAD, stack)); // no swap happened
  assert.ok(!t.holds(ACCESS_STORE, stack)); // per access kind
});

Deno.test("TLB: fences, code-page protection and flushes drop the second way's entries too", () => {
  const t = new Tlb(new ArrayBuffer(TLB_BYTES), 0);
  const a = 0x10_0000, b = a + 0x40_0000, c = a + 0x80_0000;
  t.fill(ACCESS_STORE, a, 0x10000);
  t.fill(ACCESS_STORE, b, 0x20000); // a in the second way
  t.invalidatePage(a);
  assert.equal(t.lookup(ACCESS_STORE, a), -1);
  assert.equal(t.lookup(ACCESS_STORE, b), 0x20000);
  t.fill(ACCESS_STORE, a, 0x10000); // b in the second way
  t.dropBase(ACCESS_STORE, 0x20000); // b's page now holds code
  assert.equal(t.lookup(ACCESS_STORE, b), -1);
  t.fill(ACCESS_STORE, c, 0x30000); // a in the second way
  t.flush();
  assert.equal(t.lookup(ACCESS_STORE, a), -1);
  // A part of a 2 MiB leaf displaced to the second way goes with a fence of another page of it.
  const kernel = -0x40_0000_0000 + 0x20_0000;
  t.fill(ACCESS_LOAD, kernel + 0x3000, 0x40000, 21);
  t.fill(ACCESS_LOAD, kernel + 0x40_3000, 0x50000);
  t.invalidatePage(kernel + 0x1f_f000);
  assert.equal(t.lookup(ACCESS_LOAD, kernel + 0x3000), -1);
  assert.equal(t.lookup(ACCESS_LOAD, kernel + 0x40_3000), 0x50000);
  // A page filled again while its old entry waits in the second way leaves no copy there.
  t.fill(ACCESS_LOAD, a, 0x10000);
  t.fill(ACCESS_LOAD, b, 0x20000); // a in the second way
  t.invalidate(ACCESS_LOAD, (b >>> 12) & (TLB_SIZE - 1)); // the first way empty
  t.fill(ACCESS_LOAD, a, 0x60000);
  t.dropBase(ACCESS_LOAD, 0x60000);
  assert.equal(t.lookup(ACCESS_LOAD, a), -1);
});

Deno.test("TLB: a spare set holds whatever its memory held until taken, then nothing; flushes skip it", () => {
  const buffer = new ArrayBuffer(TLB_BYTES);
  new Int32Array(buffer).fill(0x1234_5000); // stale bytes: every page field "matches" 0x12345000
  const t = new Tlb(buffer, 0, false);
  t.flush(); // a flush of every set (a PMP write, MXR) leaves a spare one as it is
  assert.equal(new Int32Array(buffer)[0], 0x1234_5000);
  t.take();
  assert.equal(t.lookup(ACCESS_LOAD, 0x1234_5000 * 4096), -1);
  assert.ok(t.records.every((r) => r.every((v, i) => i % 4 !== 0 || v === -1)));
  t.fill(ACCESS_LOAD, 0x5000, 0x10000);
  assert.equal(t.lookup(ACCESS_LOAD, 0x5008), 0x10008);
  t.flush(); // taken: flushes empty it as any other
  assert.equal(t.lookup(ACCESS_LOAD, 0x5008), -1);
});

Deno.test("ASIDs: an address space taken after a PMP write finds its sets empty", () => {
  const h = bareHart([]);
  h.pmpChanged(); // flushes every set in use; the spare ones stay as their memory is
  const spare = h.tlbs.slice(4);
  for (const t of spare) new Int32Array(t.records[0].buffer, t.offset, TLB_BYTES / 4).fill(0);
  for (let asid = 1; asid <= ADDRESS_SPACES; asid++) {
    h.satp = (8n << 60n) | (BigInt(asid) << 44n) | 0x80010n; // Sv39, a new ASID: a new space
    h.switchAddressSpace();
  }
  // Zeroed memory reads as page 0 mapped at offset 0 unless the set was emptied when taken.
  for (const t of spare) assert.equal(t.lookup(ACCESS_LOAD, 0), -1, "page 0 in a taken set");
});
