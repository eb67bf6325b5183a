/**
 * The interpreter's wasm tier runs a kernel's interrupt masking (`csrrc` /
 * `csrrs sstatus`, core/wasm_interp.ts) itself: what it reads and writes must
 * be the reference's (core/hart.ts's loop alone, core/csr.ts), and an
 * interrupt that is pending when SIE is set must be taken at the very next
 * instruction, not when the tier's call happens to end.
 */
import assert from "node:assert/strict";
import type { Hart } from "../core/hart.ts";
import { RAM_BASE } from "../core/memory.ts";
import * as E from "../core/encode.ts";
import { STOP_CHECK } from "../core/wasm_interp.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";

const SSTATUS = 0x100, STVEC = 0x105, SEPC = 0x141, SCAUSE = 0x142, SIP = 0x144;
const MSTATUS = 0x300, MIDELEG = 0x303, MIE = 0x304, MEPC = 0x341;
const T0 = 5, T1 = 6, T2 = 7, T3 = 28, T4 = 29;
const A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, A5 = 15, A6 = 16, A7 = 17;

/** Index of the S-mode code, the instruction after the csrrsi that enables SIE, the handler. */
const S_CODE = 13, AFTER_ENABLE = 24, HANDLER = 46;

/**
 * M-mode delegates the supervisor software interrupt and enables it in mie,
 * then drops to S-mode, which makes it pending (sip.SSIP) with SIE clear,
 * runs plain code, reads and masks sstatus, and sets SIE: the interrupt is
 * taken there. The handler records sepc and scause and clears SSIP.
 */
function program(): number[] {
  const p = [
    E.addi(T0, 0, 2),
    E.csrrw(0, MIDELEG, T0),
    E.csrrw(0, MIE, T0),
    E.auipc(T1, 0), // 12
    E.addi(T1, T1, HANDLER * 4 - 12),
    E.csrrw(0, STVEC, T1),
    E.auipc(T2, 0), // 24
    E.addi(T2, T2, S_CODE * 4 - 24),
    E.csrrw(0, MEPC, T2),
    E.lui(T3, 1),
    E.addi(T3, T3, -0x800), // MPP = S
    E.csrrs(0, MSTATUS, T3),
    E.mret(),
    // S_CODE: SSIP pending; SIE still clear.
    E.csrrsi(0, SIP, 2),
    E.lui(T4, 6),
    E.csrrs(0, SSTATUS, T4), // FS = dirty: more than SIE changes, the run loop's
    E.addi(A5, A5, 1),
    E.addi(A5, A5, 1),
    E.addi(A5, A5, 1),
    E.csrrs(A7, SSTATUS, 0), // a read: SD and FS
    E.csrrci(A1, SSTATUS, 2), // masking, as local_irq_save does (SIE already clear)
    E.csrrs(A6, SSTATUS, 0),
    E.csrrc(0, SSTATUS, 0), // rs1 = x0: a read only
    E.csrrsi(A2, SSTATUS, 2), // SIE: the pending interrupt is taken after this one
  ];
  assert.equal(p.length, AFTER_ENABLE);
  for (let i = 0; i < 20; i++) p.push(E.addi(A0, A0, 1)); // none of these may run
  p.push(E.wfi(), E.jal(0, -4));
  assert.equal(p.length, HANDLER);
  p.push(E.csrrs(A3, SEPC, 0), E.csrrs(A4, SCAUSE, 0), E.csrrci(0, SIP, 2), E.wfi(), E.jal(0, -4));
  return p;
}

/** Runs the program in slices of `slice` instructions; returns the hart and the tier's STOP_CHECKs. */
function run(tier: boolean, slice: number): { h: Hart; checks: number } {
  const h = bareHart(program());
  h.setWasmInterp(tier);
  let checks = 0;
  if (tier) {
    const fast = h.wasmInterp!;
    h.wasmInterp = (...args) => {
      const r = fast(...args);
      if (r === STOP_CHECK) checks++;
      return r;
    };
  }
  let done = 0;
  while (done < 500 && !h.waiting) done += Math.max(1, h.run(Math.min(slice, 500 - done)));
  return { h, checks };
}

Deno.test("wasm tier: a pending interrupt is taken right after csrrsi sets sstatus.SIE", () => {
  for (const slice of [1000, 37, 5]) {
    const { h, checks } = run(true, slice);
    const ref = run(false, slice).h;
    assert.ok(h.waiting, "the handler ran to its wfi");
    assert.equal(u64(h, A3), BigInt(RAM_BASE + AFTER_ENABLE * 4), `sepc (slice ${slice})`);
    assert.equal(u64(h, A0), 0n, `instructions run after SIE was set (slice ${slice})`);
    assert.equal(u64(h, A4), (1n << 63n) | 1n, "scause: supervisor software interrupt");
    // The csrrci and the csrrsi, each a write with an interrupt pending and enabled in mie.
    if (slice === 1000) assert.equal(checks, 2, "the tier ran both and ended its call after each");
    for (let r = 1; r < 32; r++) assert.equal(u64(h, r), u64(ref, r), `x${r} (slice ${slice})`);
    assert.equal(h.mstatus, ref.mstatus, "mstatus");
    assert.equal(h.instret, ref.instret, "minstret");
    assert.equal(h.sepc, ref.sepc, "sepc");
  }
});

Deno.test("wasm tier: sstatus reads give UXL, SD with FS dirty, and the masked SIE", () => {
  const { h } = run(true, 1000);
  const uxl = 2n << 32n, sd = 1n << 63n, fs = 3n << 13n;
  assert.equal(u64(h, A7), sd | uxl | fs);
  assert.equal(u64(h, A1), sd | uxl | fs); // SIE was clear before the csrrci
  assert.equal(u64(h, A6), sd | uxl | fs);
  assert.equal(u64(h, A2), sd | uxl | fs); // the csrrsi reads the value before its write
  // Taking the interrupt moved SIE to SPIE and set SPP (from S).
  assert.equal(h.mstatus & 0x122, 0x120);
});

Deno.test("wasm tier: sstatus is not the tier's in U-mode (illegal instruction, as the reference)", () => {
  // M-mode drops to U-mode (MPP = 0), which reads sstatus: illegal, trapped to M at mtvec.
  const p = [
    E.auipc(T1, 0),
    E.addi(T1, T1, 28),
    E.csrrw(0, 0x305, T1), // mtvec: index 7
    E.auipc(T2, 0),
    E.addi(T2, T2, 20), // mepc: index 8
    E.csrrw(0, MEPC, T2),
    E.mret(),
    E.wfi(), // 7: the handler
    // 8: U-mode, past the run loop's 32 instructions after a short call of the tier (its TLB miss)
    ...new Array(40).fill(E.addi(A2, A2, 1)),
    E.csrrs(A0, SSTATUS, 0), // 48
    E.addi(A1, 0, 1),
  ];
  for (const tier of [true, false]) {
    const h = bareHart(p);
    h.setWasmInterp(tier);
    let done = 0;
    while (done < 100 && !h.waiting) done += Math.max(1, h.run(100 - done));
    assert.equal(h.mcause, 2n, `illegal instruction (tier ${tier})`);
    assert.equal(h.mepc, BigInt(RAM_BASE + 48 * 4));
    assert.equal(u64(h, A2), 40n);
    assert.equal(u64(h, A0), 0n);
    assert.equal(u64(h, A1), 0n);
  }
});
