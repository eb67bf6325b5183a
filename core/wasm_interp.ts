/**
 * The interpreter's fast tier: one fixed WebAssembly function, emitted once per
 * process, that fetches, decodes and executes the common RV64IMC integer
 * instructions on native i64 (V8's BigInt is what bounds core/hart.ts's own
 * loop). No guest code is translated: the function is the same for every
 * guest, so it is an interpreter and runs with `--no-jit` too.
 *
 * It runs from `Hart.run` (core/hart.ts) on the hart state in the shared
 * memory (core/state.ts) and stops, without executing it, at the first
 * instruction it does not handle: anything but LUI, AUIPC, JAL, JALR, the
 * branches, loads, stores, OP/OP-IMM (+ the W forms, M included), the AMOs
 * and LR/SC, FENCE, FP loads and stores, and CSR instructions on sscratch, sepc, scause, stval and
 * sstatus in S- or M-mode (core/state.ts keeps them in the shared memory; a
 * change of SUM switches the data TLB set as core/hart.ts does; an sstatus
 * write that changes MXR stops, for the run loop's TLB flush, and so does one
 * that sets SIE in S-mode while an S interrupt is pending);
 * a fetch or data access whose page is not in the software TLB (core/mmu.ts:
 * misses, MMIO, misaligned accesses, pages a store must not reach directly);
 * an instruction that crosses into a page the fetch TLB does not hold. core/hart.ts's loop then runs that one
 * instruction (so faults, traps, CSRs, FP and atomics stay there, exactly as
 * before) and calls back in. It also stops when its budget is spent and after
 * a jump to a target the translator wants (the same counters as the run loop's,
 * kept in the shared memory).
 */
import { fillCompressedTable } from "./compressed.ts";
import { TLB_HASH_SHIFT, TLB_INDEX16_MASK, tlbEntryOffset } from "./mmu.ts";
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE } from "./trap.ts";
import {
  MSTATUS_FS,
  MSTATUS_MXR,
  MSTATUS_SIE,
  MSTATUS_SUM,
  SSTATUS_MASK,
  SSTATUS_XL,
} from "./csr.ts";
import {
  CSR_MSTATUS_OFFSET,
  CSR_SSCRATCH_OFFSET,
  FREG_OFFSET,
  WASM_INTERP_PC_OFFSET,
  WASM_INTERP_RESERVATION_OFFSET,
  WASM_INTERP_RETIRED_OFFSET,
  XREG_OFFSET,
} from "./state.ts";
export { WASM_INTERP_PC_OFFSET, WASM_INTERP_RESERVATION_OFFSET, WASM_INTERP_RETIRED_OFFSET };

/** Why the tier returned. */
export const STOP_INSN = 0; // the instruction at pc is the run loop's
export const STOP_BUDGET = 1;
export const STOP_HOT = 2; // a jump reached a target the translator wants

/** Bytes of the area (core/memory.ts keeps it after the TLBs): the RVC table, then the jump counters. */
export const COMPRESSED_TABLE_BYTES = 65536 * 4;

// Opcodes (WebAssembly core spec, binary format).
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d;
const BR_TABLE = 0x0e, RETURN = 0x0f, CALL = 0x10, SELECT = 0x1b;
const LGET = 0x20, LSET = 0x21, LTEE = 0x22;
const I32_LOAD = 0x28, I64_LOAD = 0x29, I32_LOAD16_U = 0x2f;
const I64_LOAD8_S = 0x30, I64_LOAD8_U = 0x31, I64_LOAD16_S = 0x32, I64_LOAD16_U = 0x33;
const I64_LOAD32_S = 0x34, I64_LOAD32_U = 0x35;
const I32_STORE = 0x36, I64_STORE = 0x37, I64_STORE8 = 0x3c, I64_STORE16 = 0x3d;
const I64_STORE32 = 0x3e;
const I32_CONST = 0x41, I64_CONST = 0x42;
const I32_EQZ = 0x45, I32_EQ = 0x46, I32_NE = 0x47, I32_LT_U = 0x49, I32_GT_S = 0x4a;
const I32_GT_U = 0x4b, I32_GE_S = 0x4e;
const I64_EQZ = 0x50, I64_EQ = 0x51, I64_NE = 0x52, I64_LT_S = 0x53, I64_LT_U = 0x54;
const I64_GT_S = 0x55, I64_GT_U = 0x56, I64_GE_S = 0x59, I64_GE_U = 0x5a;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_DIV_S = 0x6d, I32_DIV_U = 0x6e;
const I32_REM_S = 0x6f, I32_REM_U = 0x70, I32_AND = 0x71, I32_OR = 0x72, I32_XOR = 0x73;
const I32_SHL = 0x74, I32_SHR_S = 0x75, I32_SHR_U = 0x76;
const I64_ADD = 0x7c, I64_SUB = 0x7d, I64_MUL = 0x7e, I64_DIV_S = 0x7f, I64_DIV_U = 0x80;
const I64_REM_S = 0x81, I64_REM_U = 0x82, I64_AND = 0x83, I64_OR = 0x84, I64_XOR = 0x85;
const I64_SHL = 0x86, I64_SHR_S = 0x87, I64_SHR_U = 0x88;
const I32_WRAP = 0xa7,
  I64_TRUNC_SAT_F64_S = 0x06, /* after the 0xfc prefix */
  I64_EXTEND_I32_S = 0xac,
  I64_EXTEND_I32_U = 0xad;
const T_I32 = 0x7f, T_I64 = 0x7e, T_F64 = 0x7c, T_VOID = 0x40;

/** A function body being written, with named labels so branches need no depth counting. */
class Body {
  readonly b: number[] = [];
  private readonly labels: string[] = [];

  op(...bytes: number[]): this {
    this.b.push(...bytes);
    return this;
  }
  uleb(v: number): this {
    v >>>= 0;
    do {
      const byte = v & 0x7f;
      v >>>= 7;
      this.b.push(v === 0 ? byte : byte | 0x80);
    } while (v !== 0);
    return this;
  }
  sleb(v: number): this {
    for (;;) {
      const byte = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
        this.b.push(byte);
        return this;
      }
      this.b.push(byte | 0x80);
    }
  }
  i32(v: number): this {
    return this.op(I32_CONST).sleb(v | 0);
  }
  i64(v: number): this {
    return this.op(I64_CONST).sleb(v | 0); // int32-range constants; i64n for wider ones
  }
  i64n(v: bigint): this {
    this.op(I64_CONST);
    for (;;) {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
        return this.op(byte);
      }
      this.op(byte | 0x80);
    }
  }
  get(l: number): this {
    return this.op(LGET).uleb(l);
  }
  set(l: number): this {
    return this.op(LSET).uleb(l);
  }
  tee(l: number): this {
    return this.op(LTEE).uleb(l);
  }
  /** A load or store with its alignment hint and constant offset. */
  mem(opcode: number, align: number, offset = 0): this {
    return this.op(opcode).uleb(align).uleb(offset);
  }
  open(kind: number, label: string, type = T_VOID): this {
    this.labels.push(label);
    return this.op(kind, type);
  }
  block(label: string): this {
    return this.open(BLOCK, label);
  }
  loop(label: string): this {
    return this.open(LOOP, label);
  }
  /** `if` without a result; its label is only for depth counting. */
  if(label = "if", type = T_VOID): this {
    return this.open(IF, label, type);
  }
  else(): this {
    return this.op(ELSE);
  }
  end(): this {
    this.labels.pop();
    return this.op(END);
  }
  depth(label: string): number {
    const i = this.labels.lastIndexOf(label);
    if (i < 0) throw new Error(`wasm_interp: no label ${label}`);
    return this.labels.length - 1 - i;
  }
  br(label: string): this {
    return this.op(BR).uleb(this.depth(label));
  }
  brIf(label: string): this {
    return this.op(BR_IF).uleb(this.depth(label));
  }
  /**
   * A jump table: `selector` leaves an index in 0..n-1, `route` names its
   * case (itself by default); `cases` maps the handled cases to code that must
   * end in a branch; the others go to `other`.
   */
  switch(
    selector: () => void,
    n: number,
    cases: Map<number, () => void>,
    other: string,
    route: (i: number) => number = (i) => i,
  ): this {
    const handled = [...cases.keys()].sort((a, b) => a - b);
    const tag = `sw${this.b.length}_`;
    for (let k = handled.length - 1; k >= 0; k--) this.block(tag + handled[k]);
    selector();
    const targets: number[] = [];
    for (let i = 0; i < n; i++) {
      targets.push(cases.has(route(i)) ? this.depth(tag + route(i)) : this.depth(other));
    }
    this.op(BR_TABLE).uleb(n);
    for (const t of targets) this.uleb(t);
    this.uleb(this.depth(other));
    for (const k of handled) {
      this.end();
      cases.get(k)!();
    }
    return this;
  }
}

// Locals of the run function: its parameters first.
const P_PC = 0, P_BUDGET = 1, P_FETCH_TLB = 2, P_DATA_TLB = 3, P_HOT = 4, P_HOT_MASK = 5;
const P_STEP = 6, P_RVC = 7, P_RESV = 8, P_PRIV = 9, P_S_PENDING = 10, P_SUM_TLB = 11;
const L_PC = 12, L_N = 13, L_INSN = 14, L_OFF = 15;
const L_A = 16, L_B = 17, L_FPAGE = 18, L_FADD = 19, L_LEN = 20, L_ADDR = 21, L_STATUS = 22;
const L_T = 23, L_COND = 24, L_V = 25;
const PARAMS = [T_F64, T_I32, T_I32, T_I32, T_I32, T_I32, T_I32, T_I32, T_I32, T_I32, T_I32, T_I32];
/** A register field by where (insn >>> shift) & 0xf8 finds it as reg * 8. */
const RD = 4, RS1 = 12, RS2 = 17;
/** Extra locals: [count, type] groups in order of the L_ numbers above. */
const LOCALS: [number, number][] = [
  [1, T_I64], // pc
  [3, T_I32], // n, insn, off
  [3, T_I64], // a, b, fpage
  [1, T_I32], // fadd
  [2, T_I64], // len, addr
  [1, T_I32], // status
  [1, T_I32], // t (scratch)
  [1, T_I32], // cond
  [1, T_I64], // v (a CSR's value as read)
];

/** Function 0 (mulhu(a, b): the high 64 bits of the unsigned product), from 32-bit halves. */
function mulhuBody(): Body {
  const w = new Body();
  const A = 0, B = 1, LL = 2, LH = 3, HL = 4, MID = 5;
  const low = (l: number) => {
    w.get(l).op(I64_CONST, 0xff, 0xff, 0xff, 0xff, 0x0f, I64_AND); // 2^32 - 1
  };
  const high = (l: number) => {
    w.get(l).i64(32).op(I64_SHR_U);
  };
  low(A), low(B), w.op(I64_MUL).set(LL);
  low(A), high(B), w.op(I64_MUL).set(LH);
  high(A), low(B), w.op(I64_MUL).set(HL);
  // mid = (ll >> 32) + low(lh) + low(hl): below 3 * 2^32, no overflow.
  high(LL), low(LH), w.op(I64_ADD), low(HL), w.op(I64_ADD).set(MID);
  high(A), high(B), w.op(I64_MUL);
  high(LH), w.op(I64_ADD), high(HL), w.op(I64_ADD), high(MID), w.op(I64_ADD);
  return w;
}

/**
 * Function 1: the run loop (see the file comment). One jump table on opcode
 * and funct3 together: guest code with a varied mix of instructions (a
 * kernel's) mispredicts each indirect branch often, so each instruction takes
 * one.
 */
function runBody(): Body {
  const w = new Body();
  /**
   * A register field's byte offset in the register file (reg * 8), decoded where it is used:
   * most instructions read fewer than three fields.
   */
  const regAt = (field: number) => w.get(L_INSN).i32(field).op(I32_SHR_U).i32(0xf8).op(I32_AND);
  const xr = (field: number) => (regAt(field), w.mem(I64_LOAD, 3, XREG_OFFSET)); // x[field]
  const imm12 = () => w.get(L_INSN).i32(20).op(I32_SHR_S, I64_EXTEND_I32_S);
  const insnField = (shift: number, mask: number) =>
    w.get(L_INSN).i32(shift).op(I32_SHR_U).i32(mask).op(I32_AND);
  /** rd = value: rd's address, then value() leaves an i64, then the store. */
  const setRd = (value: () => void) => {
    regAt(RD);
    value();
    w.mem(I64_STORE, 3, XREG_OFFSET);
  };
  const setRd32 = (value: () => void) =>
    setRd(() => {
      value();
      w.op(I64_EXTEND_I32_S);
    });
  const exit = (status: number) => w.i32(status).set(L_STATUS).br("exit");
  /**
   * A fetch TLB record's offset from its array (core/mmu.ts `fetchTlbIndex` * 16) for the
   * address whose low 32 bits `pc32` leaves.
   */
  const fetchIndex16 = (pc32: () => void) => {
    pc32(), w.i32(8).op(I32_SHR_U);
    pc32(), w.i32(TLB_HASH_SHIFT).op(I32_SHR_U).op(I32_XOR);
    w.i32(TLB_INDEX16_MASK).op(I32_AND);
  };

  // Saturating: a pc of 2^63 (what 2^63 - 2 is as a double) must not trap; it misses the TLB.
  w.get(P_PC).op(0xfc, I64_TRUNC_SAT_F64_S).set(L_PC);
  w.i64(-1).set(L_FPAGE);
  w.block("exit");
  w.loop("main");
  // x0 reads as zero: whatever an instruction wrote there is undone here.
  w.i32(0).i64(0).mem(I64_STORE, 3, XREG_OFFSET);
  w.get(L_N).get(P_BUDGET).op(I32_GE_S).if();
  exit(STOP_BUDGET);
  w.end();
  // Fetch through the fetch TLB (its record: i64 page tag, i32 addend).
  w.get(L_PC).i64(-4096).op(I64_AND).get(L_FPAGE).op(I64_NE).if();
  w.get(P_FETCH_TLB);
  fetchIndex16(() => w.get(L_PC).op(I32_WRAP));
  w.op(I32_ADD).set(L_T);
  w.get(L_T).mem(I64_LOAD, 3, tlbEntryOffset(ACCESS_FETCH)).get(L_PC).i64(-4096).op(I64_AND)
    .op(I64_NE).if();
  exit(STOP_INSN);
  w.end();
  w.get(L_PC).i64(-4096).op(I64_AND).set(L_FPAGE);
  w.get(L_T).mem(I32_LOAD, 2, tlbEntryOffset(ACCESS_FETCH) + 8).set(L_FADD);
  w.end();
  // Four bytes at pc (at a page's last halfword the two after it are other memory, unused
  // unless the instruction is 32-bit, which stops here: it crosses the page).
  w.get(L_PC).op(I32_WRAP).get(L_FADD).op(I32_ADD).mem(I32_LOAD, 0).set(L_INSN);
  w.get(L_INSN).i32(3).op(I32_AND).i32(3).op(I32_EQ).if();
  {
    w.get(L_PC).op(I32_WRAP).i32(4095).op(I32_AND).i32(4092).op(I32_GT_U).if();
    {
      // A 32-bit instruction across the page's end: its high half from the next page, when
      // the fetch TLB has that page (the current one stays in L_FPAGE/L_FADD).
      w.get(P_FETCH_TLB);
      fetchIndex16(() => w.get(L_PC).op(I32_WRAP).i32(2).op(I32_ADD));
      w.op(I32_ADD).set(L_T);
      w.get(L_T).mem(I64_LOAD, 3, tlbEntryOffset(ACCESS_FETCH));
      w.get(L_PC).i64(2).op(I64_ADD).i64(-4096).op(I64_AND).op(I64_NE).if();
      exit(STOP_INSN);
      w.end();
      w.get(L_INSN).i32(0xffff).op(I32_AND);
      w.get(L_PC).op(I32_WRAP).i32(2).op(I32_ADD).get(L_T)
        .mem(I32_LOAD, 2, tlbEntryOffset(ACCESS_FETCH) + 8).op(I32_ADD);
      w.mem(I32_LOAD16_U, 0).i32(16).op(I32_SHL, I32_OR).set(L_INSN);
    }
    w.end();
    w.i64(4).set(L_LEN);
  }
  w.else();
  {
    // The RVC table only for compressed code: a load for every instruction costs cache misses.
    w.get(L_INSN).i32(0xffff).op(I32_AND).i32(2).op(I32_SHL).get(P_RVC).op(I32_ADD)
      .mem(I32_LOAD, 2).tee(L_INSN).op(I32_EQZ).if();
    exit(STOP_INSN); // a reserved RVC encoding: the run loop raises it
    w.end();
    w.i64(2).set(L_LEN);
  }
  w.end();

  w.block("next"); // then: pc += len
  w.block("jumped"); // then: pc is the jump's target
  w.block("stop"); // then: the run loop runs this instruction

  const f7 = () => w.get(L_INSN).i32(25).op(I32_SHR_U);
  /** Case keys: opcode (bits 2..6) * 8 + funct3. */
  const cases = new Map<number, () => void>();
  const on = (opcode: number, f3: number, code: () => void) => cases.set(opcode * 8 + f3, code);
  /** Opcodes without a funct3 go to the case of funct3 0 whatever their bits 12..14. */
  const noFunct3 = new Set([13, 5, 27]);

  on(13, 0, () => { // LUI
    setRd(() => w.get(L_INSN).i32(-4096).op(I32_AND, I64_EXTEND_I32_S));
    w.br("next");
  });
  on(5, 0, () => { // AUIPC
    setRd(() => w.get(L_PC).get(L_INSN).i32(-4096).op(I32_AND, I64_EXTEND_I32_S, I64_ADD));
    w.br("next");
  });
  on(27, 0, () => { // JAL
    setRd(() => w.get(L_PC).get(L_LEN).op(I64_ADD));
    w.get(L_PC);
    w.get(L_INSN).i32(31).op(I32_SHR_S).i32(20).op(I32_SHL);
    insnField(12, 0xff).i32(12).op(I32_SHL, I32_OR);
    insnField(20, 1).i32(11).op(I32_SHL, I32_OR);
    insnField(21, 0x3ff).i32(1).op(I32_SHL, I32_OR);
    w.op(I64_EXTEND_I32_S, I64_ADD).set(L_PC);
    w.br("jumped");
  });
  on(25, 0, () => { // JALR
    xr(RS1), imm12(), w.op(I64_ADD).i64(-2).op(I64_AND).set(L_ADDR);
    setRd(() => w.get(L_PC).get(L_LEN).op(I64_ADD));
    w.get(L_ADDR).set(L_PC);
    w.br("jumped");
  });
  const branches: [number, number][] = [
    [0, I64_EQ],
    [1, I64_NE],
    [4, I64_LT_S],
    [5, I64_GE_S],
    [6, I64_LT_U],
    [7, I64_GE_U],
  ];
  for (const [f3, cmp] of branches) {
    on(24, f3, () => {
      xr(RS1), xr(RS2), w.op(cmp, I32_EQZ).brIf("next");
      w.get(L_PC);
      w.get(L_INSN).i32(31).op(I32_SHR_S).i32(12).op(I32_SHL);
      insnField(7, 1).i32(11).op(I32_SHL, I32_OR);
      insnField(25, 0x3f).i32(5).op(I32_SHL, I32_OR);
      insnField(8, 0xf).i32(1).op(I32_SHL, I32_OR);
      w.op(I64_EXTEND_I32_S, I64_ADD).set(L_PC);
      w.br("jumped");
    });
  }
  /**
   * The TLB check of a data access of `size` bytes at L_ADDR, leaving the
   * buffer offset in L_OFF; a miss, MMIO or misalignment stops.
   */
  const dataTlb = (kind: number, size: number) => {
    // The record at core/mmu.ts `dataTlbIndex` * 16.
    w.get(P_DATA_TLB).get(L_ADDR).op(I32_WRAP).i32(8).op(I32_SHR_U).i32(TLB_INDEX16_MASK)
      .op(I32_AND).op(I32_ADD).set(L_T);
    // Tag match with the alignment folded in: addr & (~4095 | (size - 1)).
    w.get(L_ADDR).i64(-4096 | (size - 1)).op(I64_AND);
    w.get(L_T).mem(I64_LOAD, 3, tlbEntryOffset(kind)).op(I64_NE).brIf("stop");
    w.get(L_ADDR).op(I32_WRAP).get(L_T).mem(I32_LOAD, 2, tlbEntryOffset(kind) + 8).op(I32_ADD)
      .set(L_OFF);
  };
  const loads: [number, number, number][] = [
    [I64_LOAD8_S, 0, 1],
    [I64_LOAD16_S, 1, 2],
    [I64_LOAD32_S, 2, 4],
    [I64_LOAD, 3, 8],
    [I64_LOAD8_U, 0, 1],
    [I64_LOAD16_U, 1, 2],
    [I64_LOAD32_U, 2, 4],
  ];
  loads.forEach(([op, align, size], f3) =>
    on(0, f3, () => {
      xr(RS1), imm12(), w.op(I64_ADD).set(L_ADDR);
      dataTlb(ACCESS_LOAD, size);
      setRd(() => w.get(L_OFF).mem(op, align));
      w.br("next");
    })
  );
  const stores: [number, number, number][] = [
    [I64_STORE8, 0, 1],
    [I64_STORE16, 1, 2],
    [I64_STORE32, 2, 4],
    [I64_STORE, 3, 8],
  ];
  stores.forEach(([op, align, size], f3) =>
    on(8, f3, () => {
      xr(RS1);
      w.get(L_INSN).i32(25).op(I32_SHR_S).i32(5).op(I32_SHL);
      insnField(7, 31).op(I32_OR, I64_EXTEND_I32_S, I64_ADD).set(L_ADDR);
      dataTlb(ACCESS_STORE, size);
      w.get(L_OFF);
      xr(RS2).mem(op, align);
      w.br("next");
    })
  );
  // FLW, FLD, FSW, FSD (and the compressed forms the RVC table expands to them): FS off is an
  // illegal instruction, the run loop's; a load makes FS dirty, as core/hart.ts fpMemory does.
  const fsOff = () =>
    w.i32(0).mem(I32_LOAD, 2, CSR_MSTATUS_OFFSET).i32(MSTATUS_FS).op(I32_AND, I32_EQZ).brIf("stop");
  const fr = (field: number) => (regAt(field), w.mem(I64_LOAD, 3, FREG_OFFSET)); // f[field]
  for (const wide of [false, true]) {
    on(1, wide ? 3 : 2, () => {
      fsOff();
      xr(RS1), imm12(), w.op(I64_ADD).set(L_ADDR);
      dataTlb(ACCESS_LOAD, wide ? 8 : 4);
      regAt(RD);
      if (wide) w.get(L_OFF).mem(I64_LOAD, 3);
      else w.get(L_OFF).mem(I64_LOAD32_U, 2).i64(-1).i64(32).op(I64_SHL, I64_OR); // NaN-boxed
      w.mem(I64_STORE, 3, FREG_OFFSET);
      w.i32(0).i32(0).mem(I32_LOAD, 2, CSR_MSTATUS_OFFSET).i32(MSTATUS_FS).op(I32_OR);
      w.mem(I32_STORE, 2, CSR_MSTATUS_OFFSET);
      w.br("next");
    });
    on(9, wide ? 3 : 2, () => {
      fsOff();
      xr(RS1);
      w.get(L_INSN).i32(25).op(I32_SHR_S).i32(5).op(I32_SHL);
      insnField(7, 31).op(I32_OR, I64_EXTEND_I32_S, I64_ADD).set(L_ADDR);
      dataTlb(ACCESS_STORE, wide ? 8 : 4);
      w.get(L_OFF);
      fr(RS2).mem(wide ? I64_STORE : I64_STORE32, wide ? 3 : 2);
      w.br("next");
    });
  }
  const shamt6 = () => w.get(L_INSN).i32(20).op(I32_SHR_U).i32(63).op(I32_AND, I64_EXTEND_I32_U);
  const aluImm = (f3: number, op: number) =>
    on(4, f3, () => {
      setRd(() => (xr(RS1), imm12(), w.op(op)));
      w.br("next");
    });
  aluImm(0, I64_ADD);
  aluImm(4, I64_XOR);
  aluImm(6, I64_OR);
  aluImm(7, I64_AND);
  on(4, 1, () => { // SLLI
    w.get(L_INSN).i32(26).op(I32_SHR_U).brIf("stop");
    setRd(() => (xr(RS1), shamt6(), w.op(I64_SHL)));
    w.br("next");
  });
  on(4, 2, () => { // SLTI
    setRd(() => (xr(RS1), imm12(), w.op(I64_LT_S, I64_EXTEND_I32_U)));
    w.br("next");
  });
  on(4, 3, () => { // SLTIU
    setRd(() => (xr(RS1), imm12(), w.op(I64_LT_U, I64_EXTEND_I32_U)));
    w.br("next");
  });
  on(4, 5, () => { // SRLI, SRAI
    w.get(L_INSN).i32(26).op(I32_SHR_U).tee(L_T).op(I32_EQZ).if();
    setRd(() => (xr(RS1), shamt6(), w.op(I64_SHR_U)));
    w.br("next");
    w.end();
    w.get(L_T).i32(0x10).op(I32_NE).brIf("stop");
    setRd(() => (xr(RS1), shamt6(), w.op(I64_SHR_S)));
    w.br("next");
  });
  /** rd = value() with x[rs1] and x[rs2] in L_A and L_B. */
  const rr = (value: () => void) => {
    setRd(value);
    w.br("next");
  };
  const ab = (op: number) => () => w.get(L_A).get(L_B).op(op);
  // M: the high products from mulhu (function 0) with the sign corrections.
  const mulhu = () => w.get(L_A).get(L_B).op(CALL).uleb(0);
  const minus = (x: number, y: number) =>
    w.get(x).i64(63).op(I64_SHR_S).get(y).op(I64_AND, I64_SUB);
  const bZero = () => w.get(L_B).op(I64_EQZ);
  /** OP by funct3: the base op (funct7 0), the M op (funct7 1), and SUB/SRA (funct7 0x20). */
  const opCases: [() => void, () => void, (() => void) | null][] = [
    [ab(I64_ADD), ab(I64_MUL), ab(I64_SUB)],
    [ab(I64_SHL), () => (mulhu(), minus(L_A, L_B), minus(L_B, L_A)), null],
    [
      () => w.get(L_A).get(L_B).op(I64_LT_S, I64_EXTEND_I32_U),
      () => (mulhu(), minus(L_A, L_B)),
      null,
    ],
    [() => w.get(L_A).get(L_B).op(I64_LT_U, I64_EXTEND_I32_U), mulhu, null],
    [ab(I64_XOR), () => { // DIV: x/0 = -1, MIN/-1 = MIN (WebAssembly traps on both)
      w.get(L_B).op(I64_EQZ).if("div0", T_I64).i64(-1).else();
      w.get(L_B).i64(-1).op(I64_EQ).if("divm1", T_I64).i64(0).get(L_A).op(I64_SUB).else();
      w.get(L_A).get(L_B).op(I64_DIV_S).end().end();
    }, null],
    [ab(I64_SHR_U), () => {
      w.get(L_B).op(I64_EQZ).if("div0", T_I64).i64(-1).else();
      w.get(L_A).get(L_B).op(I64_DIV_U).end();
    }, ab(I64_SHR_S)],
    [ab(I64_OR), () => { // REM: x%0 = x; MIN%-1 = 0 (rem_s does not trap there)
      w.get(L_A);
      w.get(L_A).i64(1).get(L_B).get(L_B).op(I64_EQZ, SELECT, I64_REM_S);
      bZero(), w.op(SELECT);
    }, null],
    [ab(I64_AND), () => {
      w.get(L_A);
      w.get(L_A).i64(1).get(L_B).get(L_B).op(I64_EQZ, SELECT, I64_REM_U);
      bZero(), w.op(SELECT);
    }, null],
  ];
  opCases.forEach(([base, m, alt], f3) =>
    on(12, f3, () => {
      xr(RS1).set(L_A);
      xr(RS2).set(L_B);
      f7().tee(L_T).op(I32_EQZ).if();
      rr(base);
      w.end();
      w.get(L_T).i32(1).op(I32_EQ).if();
      rr(m);
      w.end();
      if (alt !== null) {
        w.get(L_T).i32(0x20).op(I32_EQ).if();
        rr(alt);
        w.end();
      }
      w.br("stop");
    })
  );
  const rs1w = () => xr(RS1).op(I32_WRAP);
  on(6, 0, () => { // ADDIW
    setRd32(() => (rs1w(), w.get(L_INSN).i32(20).op(I32_SHR_S, I32_ADD)));
    w.br("next");
  });
  on(6, 1, () => { // SLLIW
    f7().brIf("stop");
    setRd32(() => (rs1w(), insnField(20, 31).op(I32_SHL)));
    w.br("next");
  });
  on(6, 5, () => { // SRLIW, SRAIW
    f7().op(I32_EQZ).if();
    setRd32(() => (rs1w(), insnField(20, 31).op(I32_SHR_U)));
    w.br("next");
    w.end();
    f7().i32(0x20).op(I32_NE).brIf("stop");
    setRd32(() => (rs1w(), insnField(20, 31).op(I32_SHR_S)));
    w.br("next");
  });
  // OP-32: operands as i32 in L_T (a) and L_COND (b); by funct3, the code for funct7 0, 1, 0x20.
  const A = L_T, B = L_COND;
  const ab32 = (op: number) => () => w.get(A).get(B).op(op);
  const bSafe = () => w.i32(1).get(B).get(B).op(I32_EQZ, SELECT); // b, or 1 where b = 0
  const op32Cases: [number, (() => void) | null, (() => void) | null, (() => void) | null][] = [
    [0, ab32(I32_ADD), ab32(I32_MUL), ab32(I32_SUB)],
    [1, ab32(I32_SHL), null, null],
    [4, null, () => { // DIVW: b = 0 gives -1, b = -1 gives -a (MIN stays MIN; WebAssembly would trap)
      w.get(B).op(I32_EQZ).if("dw0", T_I32).i32(-1).else();
      w.get(B).i32(-1).op(I32_EQ).if("dwm1", T_I32).i32(0).get(A).op(I32_SUB).else();
      w.get(A).get(B).op(I32_DIV_S).end().end();
    }, null],
    [5, ab32(I32_SHR_U), () => {
      w.i32(-1);
      w.get(A);
      bSafe();
      w.op(I32_DIV_U);
      w.get(B).op(I32_EQZ, SELECT);
    }, ab32(I32_SHR_S)],
    [6, null, () => {
      w.get(A);
      w.get(A);
      bSafe();
      w.op(I32_REM_S);
      w.get(B).op(I32_EQZ, SELECT);
    }, null],
    [7, null, () => {
      w.get(A);
      w.get(A);
      bSafe();
      w.op(I32_REM_U);
      w.get(B).op(I32_EQZ, SELECT);
    }, null],
  ];
  for (const [f3, base, m, alt] of op32Cases) {
    on(14, f3, () => {
      xr(RS1).op(I32_WRAP).set(A);
      xr(RS2).op(I32_WRAP).set(B);
      for (const [funct7, code] of [[0, base], [1, m], [0x20, alt]] as const) {
        if (code === null) continue;
        f7().i32(funct7).op(I32_EQ).if();
        setRd32(code);
        w.br("next");
        w.end();
      }
      w.br("stop");
    });
  }
  // The A extension, aligned, on a page the TLB maps. The LR reservation (a buffer offset, or -1)
  // comes in and goes out as P_RESV.
  for (const wide of [false, true]) {
    on(11, wide ? 3 : 2, () => {
      const size = wide ? 8 : 4;
      xr(RS1).set(L_ADDR);
      w.get(L_INSN).i32(27).op(I32_SHR_U).i32(2).op(I32_EQ).if(); // LR
      insnField(20, 31).brIf("stop"); // rs2 must be 0
      dataTlb(ACCESS_LOAD, size);
      setRd(() => w.get(L_OFF).mem(wide ? I64_LOAD : I64_LOAD32_S, wide ? 3 : 2));
      w.get(L_OFF).set(P_RESV);
      w.br("next");
      w.end();
      w.get(L_INSN).i32(27).op(I32_SHR_U).i32(3).op(I32_EQ).if(); // SC
      dataTlb(ACCESS_STORE, size); // an SC faults like a store even when it would fail
      w.get(P_RESV).get(L_OFF).op(I32_EQ).tee(L_COND).if();
      w.get(L_OFF);
      xr(RS2).mem(wide ? I64_STORE : I64_STORE32, wide ? 3 : 2);
      w.end();
      w.i32(-1).set(P_RESV);
      setRd(() => w.get(L_COND).i32(1).op(I32_XOR, I64_EXTEND_I32_U)); // 0: stored
      w.br("next");
      w.end();
      dataTlb(ACCESS_STORE, size);
      w.get(L_OFF).mem(wide ? I64_LOAD : I64_LOAD32_S, wide ? 3 : 2).set(L_A);
      xr(RS2);
      if (!wide) w.op(I32_WRAP, I64_EXTEND_I32_S);
      w.set(L_B);
      /** Unsigned view of a or b: the low 32 bits for the W forms. */
      const u = (l: number) => {
        w.get(l);
        if (!wide) w.op(I64_CONST, 0xff, 0xff, 0xff, 0xff, 0x0f, I64_AND);
      };
      const pick = (cmp: () => void) => () => { // a if cmp() else b
        w.get(L_OFF).get(L_A).get(L_B);
        cmp();
        w.op(SELECT).mem(wide ? I64_STORE : I64_STORE32, wide ? 3 : 2);
        w.br("amo_done");
      };
      const apply = (op: number) => () => {
        w.get(L_OFF).get(L_A).get(L_B).op(op).mem(wide ? I64_STORE : I64_STORE32, wide ? 3 : 2);
        w.br("amo_done");
      };
      w.block("amo_done");
      w.switch(
        () => w.get(L_INSN).i32(27).op(I32_SHR_U),
        32,
        new Map<number, () => void>([
          [0x01, () => {
            w.get(L_OFF).get(L_B).mem(wide ? I64_STORE : I64_STORE32, wide ? 3 : 2);
            w.br("amo_done");
          }],
          [0x00, apply(I64_ADD)],
          [0x04, apply(I64_XOR)],
          [0x0c, apply(I64_AND)],
          [0x08, apply(I64_OR)],
          [0x10, pick(() => w.get(L_A).get(L_B).op(I64_LT_S))],
          [0x14, pick(() => w.get(L_A).get(L_B).op(I64_GT_S))],
          [0x18, pick(() => (u(L_A), u(L_B), w.op(I64_LT_U)))],
          [0x1c, pick(() => (u(L_A), u(L_B), w.op(I64_GT_U)))],
        ]),
        "stop",
      );
      w.end();
      setRd(() => w.get(L_A));
      w.br("next");
    });
  }
  // CSR instructions on the supervisor CSRs of a kernel's trap entry and exit and its interrupt
  // masking, exactly as core/csr.ts does them: the source in L_B, the CSR as read in L_V.
  const csrResult = (f3: number) => { // the value csrrw/csrrs/csrrc would write
    if ((f3 & 3) === 1) w.get(L_B);
    else if ((f3 & 3) === 2) w.get(L_V).get(L_B).op(I64_OR);
    else w.get(L_V).get(L_B).i64(-1).op(I64_XOR, I64_AND);
  };
  /** Runs `write` when the instruction writes: always for csrrw, else when rs1 (or uimm) is not 0. */
  const ifWrites = (f3: number, write: () => void) => {
    if ((f3 & 3) === 1) return write();
    insnField(15, 31).if();
    write();
    w.end();
  };
  for (const f3 of [1, 2, 3, 5, 6, 7]) {
    on(28, f3, () => {
      w.get(P_PRIV).op(I32_EQZ).brIf("stop"); // U-mode: the run loop raises the exception
      if (f3 & 4) insnField(15, 31).op(I64_EXTEND_I32_U).set(L_B);
      else xr(RS1).set(L_B);
      // sscratch, sepc, scause, stval: plain values (sepc's bit 0 reads as 0).
      w.get(L_INSN).i32(20).op(I32_SHR_U).i32(0x140).op(I32_SUB).tee(L_OFF).i32(4).op(I32_LT_U);
      w.if();
      w.get(L_OFF).i32(3).op(I32_SHL).tee(L_OFF).mem(I64_LOAD, 3, CSR_SSCRATCH_OFFSET).set(L_V);
      ifWrites(f3, () => {
        w.get(L_OFF);
        csrResult(f3);
        w.i64(-2).i64(-1).get(L_OFF).i32(8).op(I32_EQ, SELECT, I64_AND); // sepc: & ~1
        w.mem(I64_STORE, 3, CSR_SSCRATCH_OFFSET);
      });
      setRd(() => w.get(L_V));
      w.br("next");
      w.end();
      w.get(L_INSN).i32(20).op(I32_SHR_U).i32(0x100).op(I32_NE).brIf("stop");
      // sstatus: mstatus's supervisor bits, UXL and SD, as core/csr.ts reads it.
      w.i32(0).mem(I32_LOAD, 2, CSR_MSTATUS_OFFSET).op(I64_EXTEND_I32_U).set(L_A);
      w.get(L_A).i64(SSTATUS_MASK).op(I64_AND).i64n(SSTATUS_XL).op(I64_OR);
      w.get(L_A).i64(MSTATUS_FS).op(I64_AND).i64(MSTATUS_FS).op(I64_EQ, I64_EXTEND_I32_U);
      w.i64(63).op(I64_SHL, I64_OR).set(L_V);
      ifWrites(f3, () => {
        w.get(L_A).i64(~SSTATUS_MASK).op(I64_AND);
        csrResult(f3);
        w.i64(SSTATUS_MASK).op(I64_AND, I64_OR).set(L_ADDR);
        // MXR changes what every cached page allows (the run loop flushes the TLB).
        w.get(L_A).get(L_ADDR).op(I64_XOR).i64(MSTATUS_MXR).op(I64_AND);
        w.op(I64_EQZ, I32_EQZ).brIf("stop");
        // Setting SIE in S-mode lets in a pending S interrupt (none can become pending in here:
        // devices act only on the MMIO accesses and slice ends the tier stops at).
        w.get(L_ADDR).get(L_A).i64(-1).op(I64_XOR, I64_AND).i64(MSTATUS_SIE).op(I64_AND);
        w.op(I64_EQZ, I32_EQZ).get(P_PRIV).i32(1).op(I32_EQ, I32_AND);
        w.get(P_S_PENDING).i32(0).op(I32_NE, I32_AND).brIf("stop");
        // SUM switches S-mode data accesses to the other S set (core/hart.ts updateModes;
        // P_SUM_TLB is -1 when data accesses are not S-mode's and no set changes).
        w.get(L_A).get(L_ADDR).op(I64_XOR).i64(MSTATUS_SUM).op(I64_AND).op(I64_EQZ, I32_EQZ);
        w.get(P_SUM_TLB).i32(0).op(I32_GE_S, I32_AND).if();
        w.get(P_DATA_TLB).get(P_SUM_TLB).set(P_DATA_TLB).set(P_SUM_TLB);
        w.end();
        w.i32(0).get(L_ADDR).op(I32_WRAP).mem(I32_STORE, 2, CSR_MSTATUS_OFFSET);
      });
      setRd(() => w.get(L_V));
      w.br("next");
    });
  }
  on(3, 0, () => w.br("next")); // FENCE: nothing for one in-order hart (FENCE.I is the run loop's)

  w.switch(
    () => {
      // opcode * 8 + funct3
      w.get(L_INSN).i32(1).op(I32_SHL).i32(0xf8).op(I32_AND);
      insnField(12, 7).op(I32_OR);
    },
    256,
    cases,
    "stop",
    (i) => noFunct3.has(i >> 3) ? i & ~7 : i,
  );
  w.end(); // stop
  exit(STOP_INSN);
  w.end(); // jumped
  w.get(L_N).i32(1).op(I32_ADD).set(L_N);
  // The translator's jump counters (core/hart.ts hotTarget): count up to 0, then stop.
  w.get(P_HOT).i32(0).op(I32_GE_S).if();
  w.get(P_HOT).get(L_PC).op(I32_WRAP).i32(1).op(I32_SHR_U).get(P_HOT_MASK).op(I32_AND).i32(2)
    .op(I32_SHL, I32_ADD).tee(L_OFF).mem(I32_LOAD, 2).tee(L_T).i32(0).op(I32_GE_S).if();
  exit(STOP_HOT);
  w.end();
  w.get(L_OFF);
  w.get(L_T).get(P_STEP).op(I32_ADD).set(L_T);
  w.i32(0).get(L_T).get(L_T).i32(0).op(I32_GT_S, SELECT); // min(0, c + step)
  w.mem(I32_STORE, 2);
  w.end();
  w.br("main");
  w.end(); // next
  w.get(L_PC).get(L_LEN).op(I64_ADD).set(L_PC);
  w.get(L_N).i32(1).op(I32_ADD).set(L_N);
  w.br("main");
  w.end(); // main loop (not reached: every path branches)
  w.end(); // exit
  w.i32(0).i64(0).mem(I64_STORE, 3, XREG_OFFSET); // a jump to x0 may have just written it
  w.i32(0).get(L_PC).mem(I64_STORE, 3, WASM_INTERP_PC_OFFSET);
  w.i32(0).get(L_N).mem(I32_STORE, 2, WASM_INTERP_RETIRED_OFFSET);
  w.i32(0).get(P_RESV).mem(I32_STORE, 2, WASM_INTERP_RESERVATION_OFFSET);
  w.get(L_STATUS).op(RETURN);
  return w;
}

/** The module's bytes: memory imported as "m.mem", functions mulhu and run (exported). */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const uleb = (v: number, to: number[]) => {
    do {
      const byte = v & 0x7f;
      v >>>= 7;
      to.push(v === 0 ? byte : byte | 0x80);
    } while (v !== 0);
  };
  const section = (id: number, body: number[]) => {
    out.push(id);
    uleb(body.length, out);
    out.push(...body);
  };
  const name = (s: string) => [s.length, ...[...s].map((c) => c.charCodeAt(0))];
  section(1, [2, 0x60, 2, T_I64, T_I64, 1, T_I64, 0x60, PARAMS.length, ...PARAMS, 1, T_I32]);
  section(2, [1, ...name("m"), ...name("mem"), 0x02, 0x00, 1]);
  section(3, [2, 0, 1]);
  section(7, [1, ...name("run"), 0x00, 1]);
  const code: number[] = [2];
  for (const [body, locals] of [[mulhuBody(), [[4, T_I64]]], [runBody(), LOCALS]] as const) {
    const f: number[] = [];
    uleb(locals.length, f);
    for (const [count, type] of locals) {
      uleb(count, f);
      f.push(type);
    }
    for (const b of body.b) f.push(b);
    f.push(END);
    uleb(f.length, code);
    for (const b of f) code.push(b);
  }
  section(10, code);
  return new Uint8Array(out);
}

let module: WebAssembly.Module | null = null;

/**
 * The tier's entry: pc as a double, budget, the TLBs' buffer offsets, the
 * jump counters' offset (-1: none), their index mask, what a jump adds to its
 * counter, the RVC table's offset, the LR reservation, the privilege level
 * the S interrupts pending and enabled in mie (mip & mie & mideleg) and the
 * data TLB set a flip of mstatus.SUM switches to (-1: none); returns STOP_*.
 */
export type WasmInterpRun = (
  pc: number,
  budget: number,
  fetchTlb: number,
  dataTlb: number,
  hot: number,
  hotMask: number,
  step: number,
  rvcTable: number,
  reservation: number,
  priv: number,
  sPending: number,
  sumTlb: number,
) => number;

/**
 * Instantiates the tier over `memory` (one module per process, so V8's
 * optimized code serves every hart) and writes the RVC expansion table at
 * `rvcTable` (COMPRESSED_TABLE_BYTES).
 */
export function instantiateWasmInterp(memory: WebAssembly.Memory, rvcTable: number): WasmInterpRun {
  module ??= new WebAssembly.Module(moduleBytes());
  new Int32Array(memory.buffer, rvcTable, 65536).set(fillCompressedTable());
  const instance = new WebAssembly.Instance(module, { m: { mem: memory } });
  return instance.exports.run as WasmInterpRun;
}
