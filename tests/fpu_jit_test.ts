/**
 * F and D in translated code (core/jit/codegen_fp.ts) against the interpreter
 * (core/fpu.ts) and the exact software path (core/softfloat.ts): every
 * computational instruction, in every rounding mode (static, and dynamic
 * through frm), on edge operands (zeros, subnormals, the smallest normal,
 * the largest finite, infinities, quiet and signaling NaNs, unboxed singles,
 * ties, integer limits) and random ones, with fflags clear and with NX
 * already set (the translated fast paths depend on it). Each instruction runs
 * translated (and must be: the region retires it), then interpreted from the
 * same state; the destination, fflags and mstatus must agree, and for the
 * arithmetic and conversions also the bits softfloat computes. Also FLW/FLD/
 * FSW/FSD through the TLB and the slow path, and mstatus.FS: Off traps,
 * Initial/Clean runs in the interpreter and becomes Dirty. And compiled FP C
 * (tests/programs/fpbench.c) in lockstep, and translated to the checksum the
 * host computed (results and fflags); and awk's doubles in the Linux guest.
 */
import assert from "node:assert/strict";
import type { Hart } from "../core/hart.ts";
import { type Entry, Jit } from "../core/jit/jit.ts";
import { RAM_BASE } from "../core/memory.ts";
import { MSTATUS_FS } from "../core/csr.ts";
import { ACCESS_FETCH } from "../core/trap.ts";
import * as SF from "../core/softfloat.ts";
import * as E from "../core/encode.ts";
import { bareHart } from "./support/bare_hart.ts";
import { Machine } from "../board/machine.ts";
import { cacheDir } from "../backends/image/image_cache.ts";
import { join } from "node:path";
import { bootShell } from "./support/guest_shell.ts";

const WFI = E.wfi();
const NX = 1;
const CANON_S = 0x7fc00000n;
const BOX = 0xffffffff00000000n;
const SIGN_D = 1n << 63n, SIGN_S = 1n << 31n;

// --- operands ---

const f64v = new Float64Array(1), b64v = new BigUint64Array(f64v.buffer);
const f32v = new Float32Array(1), b32v = new Uint32Array(f32v.buffer);
const D = (x: number) => (f64v[0] = x, b64v[0]);
const S = (x: number) => (f32v[0] = x, BOX | BigInt(b32v[0]));
const SB = (bits: number) => BOX | BigInt(bits >>> 0);

const EDGE = [
  0,
  1,
  1.5,
  2,
  3,
  0.1,
  0.5,
  2.5,
  1 / 3,
  7,
  1e10,
  1e-10,
  2 ** 31,
  2 ** 32 - 0.5,
  2 ** 53 + 2,
  2 ** 63,
  2 ** 64,
  4294967295.5,
  2147483647.5,
];
const DOUBLES = [
  ...EDGE.flatMap((x) => [D(x), D(-x)]),
  D(2 ** -1022),
  D(2 ** -1022 * (1 + 2 ** -52)),
  D(2 ** -1074),
  D(2 ** -1022 - 2 ** -1074),
  D(-(2 ** -1074)),
  D(Number.MAX_VALUE),
  D(-Number.MAX_VALUE),
  D(2 ** 1023),
  D(1e300),
  D(1e-300),
  D(Infinity),
  D(-Infinity),
  0x7ff8000000000000n,
  0xfff8000000000001n,
  0x7ff0000000000001n,
  0x7ff4000000000000n,
];
const SINGLES = [
  ...EDGE.flatMap((x) => [S(x), S(-x)]),
  S(2 ** -126),
  S(2 ** -149),
  S(-(2 ** -149)),
  S(2 ** -126 - 2 ** -149),
  S(3.4028234663852886e38),
  S(-3.4028234663852886e38),
  S(2 ** 127),
  S(1e30),
  S(1e-30),
  S(Infinity),
  S(-Infinity),
  SB(0x7fc00000),
  SB(0xffc00001),
  SB(0x7f800001),
  SB(0x7fa00000),
  D(1.5),
  0x00000000_3f800000n,
  0x7fffffff_3f800000n, // not NaN-boxed: read as the canonical NaN
];
const INTS = [
  0n,
  1n,
  -1n,
  7n,
  -7n,
  2147483647n,
  -2147483648n,
  4294967295n,
  2n ** 24n + 1n,
  2n ** 53n + 1n,
  -(2n ** 53n) - 3n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  0x123456789abcdefn,
  16777217n,
  0xffffffff00000001n,
];

/** A small deterministic generator (xorshift). */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
const rand = rng(12345);
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
/** Random doubles over a wide range, and products of small integers (exact cases, ties). */
function randomDouble(): bigint {
  const r = rand();
  // Significands of 27+ bits: products that need all 106 bits (fused ops' hard cases).
  if (r < 0.1) return D((1 + Math.floor(rand() * 2 ** 30) * 2 ** -30) * (rand() < 0.5 ? -1 : 1));
  if (r < 0.3) return D((rand() - 0.5) * 2 ** Math.floor(rand() * 80 - 40));
  if (r < 0.5) return D(Math.floor(rand() * 2000 - 1000) / 8);
  if (r < 0.6) return D((rand() - 0.5) * 2 ** Math.floor(rand() * 2000 - 1000));
  return pick(DOUBLES);
}
function randomSingle(): bigint {
  const r = rand();
  if (r < 0.3) return S((rand() - 0.5) * 2 ** Math.floor(rand() * 60 - 30));
  if (r < 0.5) return S(Math.floor(rand() * 2000 - 1000) / 8);
  if (r < 0.6) return S((rand() - 0.5) * 2 ** Math.floor(rand() * 250 - 125));
  return pick(SINGLES);
}

// --- the instructions ---

type Kind = "FF" | "XF" | "FX";
interface Template {
  name: string;
  kind: Kind;
  insn: number;
  dbl: boolean;
  /** The source operand is a double (it differs from dbl for FCVT.S.D and FCVT.D.S). */
  srcDbl: boolean;
  arity: number;
  /** The exact result per softfloat (flags in SF.sf), or null where only the two paths are compared. */
  ref: ((a: bigint, b: bigint, c: bigint, rm: number, x: bigint) => bigint) | null;
}

const rOp = (f7: number, rs2: number, rm: number, rd: number) =>
  ((f7 << 25) | (rs2 << 20) | (1 << 15) | (rm << 12) | (rd << 7) | 0x53) >>> 0;
const r4 = (op: number, fmt: number, rm: number) =>
  ((3 << 27) | (fmt << 25) | (2 << 20) | (1 << 15) | (rm << 12) | (4 << 7) | op) >>> 0;

function templates(): Template[] {
  const out: Template[] = [];
  for (const dbl of [false, true]) {
    const fmt = dbl ? 1 : 0, F = dbl ? SF.F64 : SF.F32, sign = dbl ? SIGN_D : SIGN_S;
    const sfx = dbl ? "d" : "s";
    for (const rm of [0, 1, 2, 3, 4, 7]) {
      const ff = (name: string, insn: number, arity: number, ref: Template["ref"]) =>
        out.push({
          name: `${name}.${sfx} rm=${rm}`,
          kind: "FF",
          insn,
          dbl,
          srcDbl: dbl,
          arity,
          ref,
        });
      ff("fadd", rOp(0x00 | fmt, 2, rm, 4), 2, (a, b, _c, m) => SF.add(F, a, b, m));
      ff("fsub", rOp(0x04 | fmt, 2, rm, 4), 2, (a, b, _c, m) => SF.sub(F, a, b, m));
      ff("fmul", rOp(0x08 | fmt, 2, rm, 4), 2, (a, b, _c, m) => SF.mul(F, a, b, m));
      ff("fdiv", rOp(0x0c | fmt, 2, rm, 4), 2, (a, b, _c, m) => SF.div(F, a, b, m));
      ff("fsqrt", rOp(0x2c | fmt, 0, rm, 4), 1, (a, _b, _c, m) => SF.sqrt(F, a, m));
      ff("fmadd", r4(0x43, fmt, rm), 3, (a, b, c, m) => SF.fma(F, a, b, c, m));
      ff("fmsub", r4(0x47, fmt, rm), 3, (a, b, c, m) => SF.fma(F, a, b, c ^ sign, m));
      ff("fnmsub", r4(0x4b, fmt, rm), 3, (a, b, c, m) => SF.fma(F, a ^ sign, b, c, m));
      ff("fnmadd", r4(0x4f, fmt, rm), 3, (a, b, c, m) => SF.fma(F, a ^ sign, b, c ^ sign, m));
      out.push({
        name: dbl ? `fcvt.d.s rm=${rm}` : `fcvt.s.d rm=${rm}`,
        kind: "FF",
        insn: dbl ? rOp(0x21, 0, rm, 4) : rOp(0x20, 1, rm, 4),
        dbl,
        srcDbl: !dbl,
        arity: 1,
        ref: (a, _b, _c, m) =>
          dbl ? SF.cvtFF(SF.F32, SF.F64, a, m) : SF.cvtFF(SF.F64, SF.F32, a, m),
      });
      ["w", "wu", "l", "lu"].forEach((t, code) => {
        const width = code < 2 ? 32 : 64, signed = code % 2 === 0;
        out.push({
          name: `fcvt.${t}.${sfx} rm=${rm}`,
          kind: "XF",
          insn: rOp(0x60 | fmt, code, rm, 6),
          dbl,
          srcDbl: dbl,
          arity: 1,
          ref: (a, _b, _c, m) => BigInt.asUintN(64, SF.toInt(F, a, m, width, signed)),
        });
        out.push({
          name: `fcvt.${sfx}.${t} rm=${rm}`,
          kind: "FX",
          insn: (rOp(0x68 | fmt, code, rm, 4) & ~(31 << 15)) | (5 << 15),
          dbl,
          srcDbl: dbl,
          arity: 1,
          ref: (_a, _b, _c, m, x) => {
            const v = code === 0
              ? BigInt.asIntN(32, x)
              : code === 1
              ? BigInt.asUintN(32, x)
              : code === 2
              ? BigInt.asIntN(64, x)
              : BigInt.asUintN(64, x);
            return SF.fromInt(F, v, m);
          },
        });
      });
    }
    const plain = (name: string, kind: Kind, insn: number, arity: number) =>
      out.push({ name: `${name}.${sfx}`, kind, insn, dbl, srcDbl: dbl, arity, ref: null });
    plain("fsgnj", "FF", rOp(0x10 | fmt, 2, 0, 4), 2);
    plain("fsgnjn", "FF", rOp(0x10 | fmt, 2, 1, 4), 2);
    plain("fsgnjx", "FF", rOp(0x10 | fmt, 2, 2, 4), 2);
    plain("fsgnj(same)", "FF", rOp(0x10 | fmt, 1, 2, 4), 1);
    plain("fmin", "FF", rOp(0x14 | fmt, 2, 0, 4), 2);
    plain("fmax", "FF", rOp(0x14 | fmt, 2, 1, 4), 2);
    plain("fle", "XF", rOp(0x50 | fmt, 2, 0, 6), 2);
    plain("flt", "XF", rOp(0x50 | fmt, 2, 1, 6), 2);
    plain("feq", "XF", rOp(0x50 | fmt, 2, 2, 6), 2);
    plain("fclass", "XF", rOp(0x70 | fmt, 0, 1, 6), 1);
    plain("fmv.x", "XF", rOp(0x70 | fmt, 0, 0, 6), 1);
    plain("fmv.f.x", "FX", (rOp(0x78 | fmt, 0, 0, 4) & ~(31 << 15)) | (5 << 15), 1);
  }
  return out;
}

// --- running one instruction both ways ---

interface Outcome {
  dest: bigint;
  fflags: number;
  mstatus: number;
  pc: number;
  retired: number;
}

interface Input {
  a: bigint;
  b: bigint;
  c: bigint;
  x: bigint;
  fflags: number;
  frm: number;
}

function load(h: Hart, pc: number, inp: Input): void {
  const s = h.state;
  s.f[1] = BigInt.asIntN(64, inp.a);
  s.f[2] = BigInt.asIntN(64, inp.b);
  s.f[3] = BigInt.asIntN(64, inp.c);
  s.f[4] = 0x5555n;
  s.x[5] = BigInt.asIntN(64, inp.x);
  s.x[6] = 0x5555n;
  s.fflags = inp.fflags;
  s.frm = inp.frm;
  h.pc = pc;
  h.waiting = false;
  h.mstatus = MSTATUS_FS; // Dirty, and the same everywhere (an illegal case traps one hart)
}

function outcome(h: Hart, kind: Kind, retired: number): Outcome {
  const s = h.state;
  return {
    dest: BigInt.asUintN(64, kind === "XF" ? s.x[6] : s.f[4]),
    fflags: s.fflags,
    mstatus: h.mstatus,
    pc: h.pc,
    retired,
  };
}

/** Two harts with the same program: one translating (threshold 0), one interpreting. */
class Pair {
  readonly jitHart: Hart;
  readonly interp: Hart;
  readonly jit: Jit;
  private readonly entries = new Map<number, Entry>();

  constructor(program: number[]) {
    this.jitHart = bareHart(program);
    this.interp = bareHart(program);
    this.jit = new Jit(this.jitHart, this.jitHart.mem);
    this.jit.setHotThreshold(0);
  }

  /** The translation at pc (made on first use, exempt from the translator's probation). */
  private entry(pc: number): Entry {
    let e = this.entries.get(pc);
    if (e === undefined) {
      this.jitHart.translate(pc, ACCESS_FETCH); // fills the fetch TLB
      e = this.jit.lookup(pc) ?? undefined;
      assert.ok(e, `no translation at 0x${pc.toString(16)}`);
      e.region.runs = -1; // a one-instruction region would be dropped as not worth it
      this.entries.set(pc, e);
    }
    return e;
  }

  translated(pc: number, kind: Kind, inp: Input): Outcome {
    const e = this.entry(pc);
    load(this.jitHart, pc, inp);
    const retired = this.jit.enter(e, 100);
    return outcome(this.jitHart, kind, retired);
  }

  interpreted(pc: number, kind: Kind, inp: Input): Outcome {
    load(this.interp, pc, inp);
    const retired = this.interp.run(1);
    return outcome(this.interp, kind, retired);
  }
}

const hex = (v: bigint) => "0x" + v.toString(16);

/** Reference operand bits: a single not NaN-boxed reads as the canonical NaN. */
function singleBits(v: bigint): bigint {
  return v >> 32n === 0xffffffffn ? v & 0xffffffffn : CANON_S;
}

Deno.test("fp jit: every F/D computational instruction, translated = interpreted = softfloat", () => {
  const all = templates();
  const program = all.flatMap((t) => [t.insn, WFI]);
  const pair = new Pair(program);
  let runs = 0, fast = 0;
  all.forEach((t, idx) => {
    const pc = RAM_BASE + 8 * idx;
    const opnd = t.srcDbl ? randomDouble : randomSingle;
    const inputs: Input[] = [];
    const values = t.srcDbl ? DOUBLES : SINGLES;
    const ints = t.kind === "FX";
    const rmField = (t.insn >>> 12) & 7;
    // Edge operands in pairs (unary: each; every pair in RNE and dynamic), then random ones.
    if (t.arity === 1) {
      for (const a of ints ? INTS : values) {
        for (const fflags of [0, NX]) {
          inputs.push({ a, b: a, c: a, x: a, fflags, frm: Math.floor(rand() * 5) });
        }
      }
    } else if (rmField === 0 || rmField === 7 || !t.name.includes("rm=")) {
      for (const a of values) {
        for (const b of values) {
          inputs.push({ a, b, c: opnd(), x: 0n, fflags: rand() < 0.5 ? 0 : NX, frm: 0 });
        }
      }
    } else {
      for (let n = 0; n < 400; n++) {
        inputs.push({ a: pick(values), b: pick(values), c: opnd(), x: 0n, fflags: NX, frm: 0 });
      }
    }
    for (let n = 0; n < 300; n++) {
      const x = ints ? pick(INTS) + BigInt(Math.floor(rand() * 1000 - 500)) : 0n;
      if (t.arity === 3 && n % 3 === 0) {
        // c = -RN(a×b) (a nudge off): cancellation leaves the product's rounding error.
        const a = opnd(), b = opnd();
        const num = (v: bigint) => (b64v[0] = v, f64v[0]);
        const snum = (v: bigint) => (b32v[0] = Number(v & 0xffffffffn), f32v[0]);
        const p = t.srcDbl ? num(a) * num(b) : Math.fround(snum(a) * snum(b));
        const c = t.srcDbl ? D(-p * (1 + (n % 2) * 2 ** -50)) : S(-p * (1 + (n % 2) * 2 ** -20));
        inputs.push({ a, b, c, x, fflags: n % 2 ? NX : 0, frm: 0 });
        continue;
      }
      inputs.push({
        a: opnd(),
        b: opnd(),
        c: opnd(),
        x,
        fflags: rand() < 0.7 ? NX : 0,
        frm: rand() < 0.6 ? 0 : Math.floor(rand() * 8),
      });
    }
    for (const inp of inputs) {
      const what = () =>
        `${t.name}: a=${hex(inp.a)} b=${hex(inp.b)} c=${hex(inp.c)} x=${hex(inp.x)} ` +
        `fflags=${inp.fflags} frm=${inp.frm}`;
      const tr = pair.translated(pc, t.kind, inp);
      const it = pair.interpreted(pc, t.kind, inp);
      const rm = (t.insn >>> 12) & 7;
      const illegal = rm === 7 && inp.frm > 4 &&
        !/fsgnj|fmin|fmax|fle|flt|feq|fclass|fmv/.test(t.name);
      if (illegal) {
        // An invalid frm: translated code leaves it to the interpreter, which traps.
        assert.equal(tr.retired, 0, what());
        assert.equal(it.pc, 0, what()); // mtvec = 0
        continue;
      }
      runs++;
      assert.equal(tr.retired, 1, `${what()}: not run translated`);
      assert.equal(hex(tr.dest), hex(it.dest), `${what()}: result`);
      assert.equal(tr.fflags, it.fflags, `${what()}: fflags`);
      assert.equal(tr.mstatus, it.mstatus, `${what()}: mstatus`);
      assert.equal(tr.pc, it.pc, `${what()}: pc`);
      if (t.ref !== null) {
        const m = rm === 7 ? inp.frm : rm;
        const bits = (v: bigint) => t.srcDbl ? v : singleBits(v);
        SF.sf.flags = 0;
        let want = t.ref(bits(inp.a), bits(inp.b), bits(inp.c), m, inp.x);
        if (t.kind !== "XF" && !t.dbl) want |= BOX;
        assert.equal(hex(tr.dest), hex(want), `${what()}: softfloat result`);
        assert.equal(tr.fflags, inp.fflags | SF.sf.flags, `${what()}: softfloat flags`);
      }
      if (tr.fflags === inp.fflags) fast++;
    }
  });
  assert.ok(runs > 100000, `only ${runs} runs`);
  assert.ok(fast > 0);
});

Deno.test("fp jit: FLW/FLD/FSW/FSD through the TLB and the slow path (misaligned)", () => {
  const data = 0x1000; // RAM offset of the data
  const program = [
    E.fld(1, 10, 0), // 0
    E.flw(2, 10, 8), // 4: NaN-boxed
    E.fsd(1, 10, 16), // 8
    E.fsw(2, 10, 24), // 12: the low word only
    E.fld(3, 10, 3), // 16: misaligned: the slow path
    E.fsd(3, 10, 37), // 20
    E.flw(4, 10, 42), // 24
    E.fsw(4, 10, 49), // 28
    WFI,
  ];
  const results: bigint[][] = [];
  for (const translate of [true, false]) {
    const h = bareHart(program);
    const v = h.mem.view;
    for (let k = 0; k < 64; k++) v.setUint8(data + k, (k * 37 + 11) & 0xff);
    h.state.x[10] = BigInt(RAM_BASE + data);
    h.mstatus |= MSTATUS_FS;
    if (translate) {
      const jit = new Jit(h, h.mem);
      jit.setHotThreshold(0);
      h.translate(RAM_BASE, ACCESS_FETCH);
      const e = jit.lookup(RAM_BASE)!;
      assert.ok(e);
      assert.equal(jit.enter(e, 100), 8, "all eight run translated");
    } else {
      h.run(8);
    }
    results.push([
      ...Array.from({ length: 5 }, (_, r) => BigInt.asUintN(64, h.state.f[r])),
      ...Array.from({ length: 8 }, (_, k) => v.getBigUint64(data + 8 * k, true)),
    ]);
  }
  assert.deepEqual(results[0].map(hex), results[1].map(hex));
  assert.equal(results[0][2] >> 32n, 0xffffffffn, "FLW NaN-boxes");
});

Deno.test("fp jit: mstatus.FS Off traps; Initial and Clean run translated, Dirty after as interpreted", () => {
  const program = [rOp(0x01, 2, 7, 4), WFI]; // fadd.d f4, f1, f2 (dynamic rm)
  const pair = new Pair(program);
  const inp: Input = { a: D(1), b: D(2), c: 0n, x: 0n, fflags: 0, frm: 0 };
  for (const fs of [0, 1, 2]) {
    const run = (h: Hart, translated: boolean) => {
      load(h, RAM_BASE, inp);
      h.mstatus = (h.mstatus & ~MSTATUS_FS) | (fs << 13);
      if (!translated) return h.run(1);
      const e = pair.jit.lookup(RAM_BASE);
      return e ? pair.jit.enter(e, 100) : 0;
    };
    pair.translated(RAM_BASE, "FF", inp); // translate while Dirty
    assert.equal(run(pair.jitHart, true), fs === 0 ? 0 : 1, `FS=${fs}: translated runs`);
    if (fs === 0) pair.jitHart.run(1); // what the run loop does next: interpret
    run(pair.interp, false);
    for (const h of [pair.jitHart, pair.interp]) {
      if (fs === 0) {
        assert.equal(h.mcause, 2n, "illegal instruction");
        assert.equal(h.state.f[4], 0x5555n);
      } else {
        assert.equal((h.mstatus & MSTATUS_FS) >>> 13, 3, "Dirty");
        assert.equal(h.state.f64[4], 3);
      }
    }
  }
});

Deno.test("fp jit: FSD with FS Clean runs translated and leaves FS Clean, as interpreted", () => {
  const program = [E.fsd(1, 10, 0), E.fsd(2, 10, 8), E.addi(11, 11, 1), WFI];
  const results = [];
  for (const translate of [true, false]) {
    const h = bareHart(program);
    h.state.x[10] = BigInt(RAM_BASE + 0x1000);
    h.state.f64[1] = 1.5;
    h.state.f64[2] = -2.25;
    h.mstatus = (h.mstatus & ~MSTATUS_FS) | (2 << 13); // Clean
    let retired: number;
    if (translate) {
      const jit = new Jit(h, h.mem);
      jit.setHotThreshold(0);
      h.translate(RAM_BASE, ACCESS_FETCH);
      retired = jit.enter(jit.lookup(RAM_BASE)!, 100);
    } else {
      retired = h.run(3);
    }
    const v = h.mem.view;
    results.push([
      retired,
      (h.mstatus & MSTATUS_FS) >>> 13,
      v.getFloat64(0x1000, true),
      v.getFloat64(0x1008, true),
    ]);
  }
  assert.deepEqual(results[0], [3, 2, 1.5, -2.25], "three instructions translated, FS still Clean");
  assert.deepEqual(results[0], results[1]);
});

Deno.test("fp jit: compiled FP C runs in lockstep, and translated to the host's checksum", async () => {
  // One pass of fpbench: n-body, FMA matrix, sqrt/div chains, every rounding mode, flags.
  const program = await Deno.readFile(join(cacheDir(), "programs", "fpbench_short_sv39.elf"));
  const quiet = { write: () => {} };
  const checked = new Machine({ memoryMiB: 64, console: quiet, jit: "check" });
  checked.bootElf(program);
  checked.jit!.setHotThreshold(50);
  assert.deepEqual(await checked.run(), { reason: "poweroff", code: 0 });
  assert.ok(checked.lockstep!.checked > 10_000, `${checked.lockstep!.checked} runs checked`);

  const fast = new Machine({ memoryMiB: 64, console: quiet });
  fast.bootElf(program);
  fast.jit!.setHotThreshold(50);
  assert.deepEqual(await fast.run(), { reason: "poweroff", code: 0 });
  assert.ok(fast.jit!.stats.regions > 0);
});

Deno.test("fp jit: awk's doubles in the Linux guest, two processes at once, as the host computes", async () => {
  // Two awk processes share the hart, so context switches leave FS Clean and the next FP
  // instruction comes back through the interpreter. +, /, sqrt are exact in both; the libm
  // ones (exp, log, sin) only have to agree with the interpreter.
  const exact = 's=0; for (i = 1; i <= 30000; i++) s += sqrt(i) / i + i / 3; printf "%.17g\\n", s';
  const libm = "s=0; for (i = 1; i <= 3000; i++) s += exp(-i / 1000) * log(i) + sin(i); " +
    'printf "%.17g\\n", s';
  const commands = [
    `awk 'BEGIN { ${exact} }' > /tmp/a &`,
    `awk 'BEGIN { ${libm} }' > /tmp/b; wait`,
    "cat /tmp/a /tmp/b",
  ];
  let host = 0;
  for (let i = 1; i <= 30000; i++) host += Math.sqrt(i) / i + i / 3;
  const outputs: string[] = [];
  for (const jit of [true, false]) {
    const shell = await bootShell([], 128, { jit });
    try {
      let out = "";
      for (const c of commands) out = await shell.sh(c);
      // The numbers (a job-control notice may come along).
      outputs.push(out.split("\n").filter((l) => /^[-0-9.e+]+$/.test(l)).join("\n"));
    } finally {
      await shell.shutdown();
    }
  }
  const [translated, interpreted] = outputs;
  assert.equal(translated, interpreted);
  const lines = translated.split("\n");
  assert.equal(lines.length, 2, translated);
  assert.equal(parseFloat(lines[0]), host, `${lines[0]} (host ${host})`);
});
