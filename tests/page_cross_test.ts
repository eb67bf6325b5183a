/**
 * Code and data that run across a page boundary at a kernel's addresses (the
 * top of the address space, negative numbers in core/hart.ts), where the next
 * virtual page maps to a physical page elsewhere: the fetch must not run on
 * into the physical page that follows (core/hart.ts fetchSlow keeps the page
 * an instruction came from), and a misaligned load or store across the
 * boundary must use both pages (loadSlowUnchecked, storeSlow).
 */
import assert from "node:assert/strict";
import { RAM_BASE } from "../core/memory.ts";
import { PRIV_S } from "../core/csr.ts";
import * as E from "../core/encode.ts";
import { bareHart, runFor, u64 } from "./support/bare_hart.ts";

const T0 = 5, T1 = 6, T2 = 7, T3 = 28, T4 = 29;
const A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14;
/** VA of page A (a kernel's address); pages B, C, D follow it. */
const VA_A = 0xffffffffc0000000n;
/** Physical offsets in RAM: A and B, C and D are neighbours in VA only. */
const PA_A = 0x20000, PA_B = 0x40000, PA_C = 0x30000, PA_D = 0x50000;
const ROOT = 0x10000;

function setUp() {
  const m = [
    E.auipc(T0, 0),
    E.ld(T1, T0, 0x100), // satp
    E.csrrw(0, 0x180, T1),
    E.ld(T2, T0, 0x108), // mepc: page A's last four instructions
    E.csrrw(0, 0x341, T2),
    E.addi(T3, 0, 0x400),
    E.add(T3, T3, T3),
    E.csrrs(0, 0x300, T3), // MPP = S
    E.auipc(T4, 0),
    E.addi(T4, T4, 16), // the handler below
    E.csrrw(0, 0x305, T4),
    E.mret(),
    E.wfi(), // M-mode trap handler: stop here
    E.jal(0, -4),
  ];
  const h = bareHart(m);
  const ram = h.mem.view;
  ram.setBigUint64(0x100, (8n << 60n) | BigInt((RAM_BASE + ROOT) / 4096), true);
  ram.setBigUint64(0x108, BigInt.asUintN(64, VA_A + 0xff0n), true);
  const pte = (off: number, flags: number) =>
    BigInt((RAM_BASE + off) / 4096) << 10n | BigInt(flags);
  ram.setBigUint64(ROOT + 511 * 8, pte(ROOT + 0x1000, 1), true); // VA 0xffffffffc0000000: next level
  ram.setBigUint64(ROOT + 0x1000, pte(ROOT + 0x2000, 1), true);
  [PA_A, PA_B, PA_C, PA_D].forEach((pa, i) => {
    ram.setBigUint64(ROOT + 0x2000 + i * 8, pte(pa, 0xcf), true); // V R W X A D
  });
  // Page A's end runs into page B (A's physical neighbour holds zeros: illegal instructions).
  const endOfA = [E.addi(A0, A0, 1), E.addi(A0, A0, 1), E.addi(A0, A0, 1), E.addi(A0, A0, 1)];
  endOfA.forEach((w, i) => ram.setUint32(PA_A + 0xff0 + i * 4, w, true));
  const onB = [
    E.addi(A1, A1, 1),
    E.auipc(T0, 0), // VA_B + 4
    E.ld(A2, T0, -8), // VA_A + 0xffc: A's last instruction and B's first
    E.lui(T1, 1),
    E.add(T1, T0, T1), // VA_C + 4
    E.ld(A4, T1, 0), // a 64-bit value
    E.lui(T2, 2),
    E.add(T2, T0, T2), // VA_D + 4
    E.sd(A4, T2, -8), // VA_C + 0xffc: across into D
    E.ld(A3, T2, -8), // and back
    E.wfi(),
  ];
  onB.forEach((w, i) => ram.setUint32(PA_B + i * 4, w, true));
  ram.setBigUint64(PA_C + 4, 0x1122334455667788n, true);
  return { h, ram, endOfA, onB };
}

for (const tier of [true, false]) {
  Deno.test(`page crossing at a kernel's addresses: fetch, load and store use both pages (wasm tier ${tier ? "on" : "off"})`, () => {
    const { h, ram, endOfA, onB } = setUp();
    h.setWasmInterp(tier);
    runFor(h, 200);
    assert.equal(h.mcause, 0n, `no trap (mepc ${h.mepc.toString(16)})`);
    assert.equal(h.priv, PRIV_S);
    assert.ok(h.waiting, "at the wfi on page B");
    assert.equal(u64(h, A0), 4n, "page A's last four instructions");
    assert.equal(u64(h, A1), 1n, "page B's first instruction, fetched from B");
    assert.equal(u64(h, A2), (BigInt(onB[0] >>> 0) << 32n) | BigInt(endOfA[3] >>> 0));
    assert.equal(u64(h, A3), 0x1122334455667788n, "the store across C and D, read back");
    assert.equal(ram.getUint32(PA_C + 0xffc, true), 0x55667788, "the low half in page C");
    assert.equal(ram.getUint32(PA_D, true), 0x11223344, "the high half in page D");
    assert.equal(ram.getUint32(PA_C + 0x1000, true), 0, "not in C's physical neighbour");
  });
}
