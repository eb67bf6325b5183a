/**
 * Tests for core/fpu.ts. The vector tables at the end were produced on a real
 * RISC-V implementation of the spec (softfloat-based) and are hard-coded here.
 */
import assert from "node:assert/strict";
import { HartState } from "../core/state.ts";
import { executeFp } from "../core/fpu.ts";
import * as SF from "../core/softfloat.ts";

// ---------------------------------------------------------------------------
// Instruction encoders

type Kind = "FF" | "XF" | "FX";
type Enc = (rd: number, rs1: number, rs2: number, rs3: number, rm: number) => number;
interface Op {
  kind: Kind;
  enc: Enc;
}

function rType(funct7: number, rs2Fixed: number | null, f3Fixed: number | null): Enc {
  return (rd, rs1, rs2, _rs3, rm) =>
    ((funct7 << 25) | ((rs2Fixed ?? rs2) << 20) | (rs1 << 15) | ((f3Fixed ?? rm) << 12) |
      (rd << 7) | 0x53) >>> 0;
}

function r4Type(opcode: number, fmt: number): Enc {
  return (rd, rs1, rs2, rs3, rm) =>
    ((rs3 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | opcode) >>>
    0;
}

const OPS = new Map<string, Op>();
for (const [sfx, fmt] of [["s", 0], ["d", 1]] as const) {
  const def = (name: string, kind: Kind, enc: Enc) => OPS.set(`${name}.${sfx}`, { kind, enc });
  def("fadd", "FF", rType(0x00 | fmt, null, null));
  def("fsub", "FF", rType(0x04 | fmt, null, null));
  def("fmul", "FF", rType(0x08 | fmt, null, null));
  def("fdiv", "FF", rType(0x0c | fmt, null, null));
  def("fsqrt", "FF", rType(0x2c | fmt, 0, null));
  def("fmadd", "FF", r4Type(0x43, fmt));
  def("fmsub", "FF", r4Type(0x47, fmt));
  def("fnmsub", "FF", r4Type(0x4b, fmt));
  def("fnmadd", "FF", r4Type(0x4f, fmt));
  def("fsgnj", "FF", rType(0x10 | fmt, null, 0));
  def("fsgnjn", "FF", rType(0x10 | fmt, null, 1));
  def("fsgnjx", "FF", rType(0x10 | fmt, null, 2));
  def("fmin", "FF", rType(0x14 | fmt, null, 0));
  def("fmax", "FF", rType(0x14 | fmt, null, 1));
  def("fle", "XF", rType(0x50 | fmt, null, 0));
  def("flt", "XF", rType(0x50 | fmt, null, 1));
  def("feq", "XF", rType(0x50 | fmt, null, 2));
  def("fcvt.w", "XF", rType(0x60 | fmt, 0, null));
  def("fcvt.wu", "XF", rType(0x60 | fmt, 1, null));
  def("fcvt.l", "XF", rType(0x60 | fmt, 2, null));
  def("fcvt.lu", "XF", rType(0x60 | fmt, 3, null));
  def("fclass", "XF", rType(0x70 | fmt, 0, 1));
  // FCVT.fmt.int: the name puts the integer type last.
  for (const [it, code] of [["w", 0], ["wu", 1], ["l", 2], ["lu", 3]] as const) {
    OPS.set(`fcvt.${sfx}.${it}`, { kind: "FX", enc: rType(0x68 | fmt, code, null) });
  }
}
OPS.set("fmv.x.w", { kind: "XF", enc: rType(0x70, 0, 0) });
OPS.set("fmv.x.d", { kind: "XF", enc: rType(0x71, 0, 0) });
OPS.set("fmv.w.x", { kind: "FX", enc: rType(0x78, 0, 0) });
OPS.set("fmv.d.x", { kind: "FX", enc: rType(0x79, 0, 0) });
OPS.set("fcvt.s.d", { kind: "FF", enc: rType(0x20, 1, null) });
OPS.set("fcvt.d.s", { kind: "FF", enc: rType(0x21, 0, null) });

function enc(name: string, rd: number, rs1: number, rs2 = 0, rs3 = 0, rm = 0): number {
  const op = OPS.get(name);
  if (!op) throw new Error(`unknown op ${name}`);
  return op.enc(rd, rs1, rs2, rs3, rm);
}

// ---------------------------------------------------------------------------
// Harness

function newHart(): HartState {
  return new HartState(new WebAssembly.Memory({ initial: 2 }));
}

const u64 = (v: bigint) => BigInt.asUintN(64, v);
const i64 = (v: bigint) => BigInt.asIntN(64, v);
const hex = (v: bigint) => u64(v).toString(16);

const f64v = new Float64Array(1);
const b64v = new BigUint64Array(f64v.buffer);
const f32v = new Float32Array(1);
const b32v = new Uint32Array(f32v.buffer);
/** Raw bits of a double. */
function D(x: number): bigint {
  f64v[0] = x;
  return b64v[0];
}
/** Raw bits of a single, NaN-boxed. */
function S(x: number): bigint {
  f32v[0] = x;
  return 0xffffffff00000000n | BigInt(b32v[0]);
}
/** A NaN-boxed single from its bit pattern. */
function SB(bits: number): bigint {
  return 0xffffffff00000000n | BigInt(bits >>> 0);
}

interface Result {
  ok: boolean;
  value: bigint; // the destination register (f or x), unsigned
  flags: number;
}

/**
 * Runs one instruction: operands a, b, c go to f1, f2, f3 (FX ops read x5 = a);
 * the result lands in f4 or x6. rm is used statically, or via frm if dynamic.
 */
function run(
  name: string,
  rm: number,
  a: bigint,
  b = 0n,
  c = 0n,
  dynamic = false,
  s = newHart(),
): Result {
  const op = OPS.get(name)!;
  s.f[1] = i64(a);
  s.f[2] = i64(b);
  s.f[3] = i64(c);
  s.x[5] = i64(a);
  s.f[4] = 0x5555n;
  s.x[6] = 0x5555n;
  s.fflags = 0;
  s.frm = dynamic ? rm : 0;
  const rs1 = op.kind === "FX" ? 5 : 1;
  const rd = op.kind === "XF" ? 6 : 4;
  const ok = executeFp(s, op.enc(rd, rs1, 2, 3, dynamic ? 7 : rm));
  const value = op.kind === "XF" ? u64(s.x[6]) : u64(s.f[4]);
  return { ok, value, flags: s.fflags };
}

type Vec = [string, number, string, string, string, string, number];

function checkVectors(vecs: Vec[]): void {
  for (const [name, rm, a, b, c, res, flags] of vecs) {
    for (const dynamic of [false, true]) {
      const r = run(name, rm, BigInt("0x" + a), BigInt("0x" + b), BigInt("0x" + c), dynamic);
      const what = `${name} rm=${rm}${dynamic ? " (frm)" : ""} a=${a} b=${b} c=${c}`;
      assert.ok(r.ok, `${what}: illegal`);
      assert.equal(hex(r.value), res, `${what}: result`);
      assert.equal(r.flags, flags, `${what}: flags`);
    }
  }
}

const NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16;
const RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4;

// ---------------------------------------------------------------------------
// Hand-written checks

Deno.test("fused multiply-add rounds once (differs from mul-then-add)", () => {
  // (1+2^-27)(1-2^-27) = 1 - 2^-54: unfused rounds the product to 1 and gives 0.
  const a = D(1 + 2 ** -27), b = D(1 - 2 ** -27), c = D(-1);
  assert.equal(run("fmul.d", RNE, a, b).value, D(1));
  const r = run("fmadd.d", RNE, a, b, c);
  assert.equal(r.value, D(-(2 ** -54)));
  assert.equal(r.flags, 0);
  const rs = run("fmadd.s", RNE, S(1 + 2 ** -12), S(1 - 2 ** -12), S(-1));
  assert.equal(rs.value, S(-(2 ** -24)));
  assert.equal(rs.flags, 0);
  // 0.1*10 - 1 is exactly 2^-54 when fused (0 when not).
  assert.equal(run("fmadd.d", RNE, D(0.1), D(10), D(-1)).value, D(2 ** -54));
  assert.equal(run("fnmsub.d", RNE, D(0.1), D(10), D(1)).value, D(-(2 ** -54)));
});

Deno.test("rounding modes on 1/3", () => {
  const exp = [0x3fd5555555555555n, 0x3fd5555555555555n, 0x3fd5555555555555n, 0x3fd5555555555556n];
  for (let rm = 0; rm < 4; rm++) {
    const r = run("fdiv.d", rm, D(1), D(3));
    assert.equal(r.value, exp[rm]);
    assert.equal(r.flags, NX);
  }
});

Deno.test("tininess is detected after rounding", () => {
  // (2^27-1)(2^27+1) × 2^-1076 = 2^-1022 - 2^-1076: rounds (unbounded) to 2^-1022.
  const a = D((2 ** 27 - 1) * 2 ** -600), b = D((2 ** 27 + 1) * 2 ** -476);
  let r = run("fmul.d", RNE, a, b);
  assert.equal(r.value, D(2 ** -1022));
  assert.equal(r.flags, NX); // not tiny after rounding: no UF
  r = run("fmul.d", RTZ, a, b);
  assert.equal(r.value, 0x000fffffffffffffn);
  assert.equal(r.flags, NX | UF);
  // Exact subnormal results raise nothing.
  r = run("fmul.d", RNE, D(2 ** -1022), D(0.5));
  assert.equal(r.value, D(2 ** -1023));
  assert.equal(r.flags, 0);
});

Deno.test("overflow per rounding mode", () => {
  const max = D(Number.MAX_VALUE), inf = D(Infinity);
  const exp = [inf, max, max, inf, inf];
  for (let rm = 0; rm < 5; rm++) {
    const r = run("fmul.d", rm, max, D(2));
    assert.equal(r.value, exp[rm]);
    assert.equal(r.flags, OF | NX);
  }
  const r = run("fmul.s", RDN, S(-3e38), S(10));
  assert.equal(r.value, S(-Infinity));
  assert.equal(run("fmul.s", RUP, S(-3e38), S(10)).value, SB(0xff7fffff));
});

Deno.test("divide by zero and invalid", () => {
  let r = run("fdiv.d", RNE, D(-1), D(0));
  assert.deepEqual([r.value, r.flags], [D(-Infinity), DZ]);
  r = run("fdiv.d", RNE, D(0), D(0));
  assert.deepEqual([r.value, r.flags], [0x7ff8000000000000n, NV]);
  r = run("fsqrt.s", RNE, S(-4));
  assert.deepEqual([r.value, r.flags], [SB(0x7fc00000), NV]);
  r = run("fsqrt.d", RNE, D(-0));
  assert.deepEqual([r.value, r.flags], [D(-0), 0]);
  // Infinity × 0 + qNaN raises NV (RISC-V requires it).
  r = run("fmadd.d", RNE, D(Infinity), D(0), 0x7ff8000000000000n);
  assert.deepEqual([r.value, r.flags], [0x7ff8000000000000n, NV]);
});

Deno.test("NaN results are canonical; sNaN inputs raise NV", () => {
  let r = run("fadd.d", RNE, 0xfff8000000000123n, D(1));
  assert.deepEqual([r.value, r.flags], [0x7ff8000000000000n, 0]);
  r = run("fadd.d", RNE, 0x7ff0000000000123n, D(1));
  assert.deepEqual([r.value, r.flags], [0x7ff8000000000000n, NV]);
  r = run("fmul.s", RNE, SB(0x7f800001), S(1));
  assert.deepEqual([r.value, r.flags], [SB(0x7fc00000), NV]);
  r = run("fcvt.d.s", RNE, SB(0xffc12345));
  assert.deepEqual([r.value, r.flags], [0x7ff8000000000000n, 0]);
  r = run("fcvt.s.d", RNE, 0x7ff0000000000001n);
  assert.deepEqual([r.value, r.flags], [SB(0x7fc00000), NV]);
});

Deno.test("NaN boxing of single inputs and outputs", () => {
  const unboxed = 0x000000003f800000n; // 1.0f but upper bits not all ones
  let r = run("fadd.s", RNE, unboxed, S(1));
  assert.deepEqual([r.value, r.flags], [SB(0x7fc00000), 0]);
  r = run("fsgnjn.s", RNE, unboxed, S(1));
  assert.equal(r.value, SB(0xffc00000));
  assert.equal(run("fclass.s", 0, unboxed).value, 1n << 9n);
  // FMV.X.W takes the low bits regardless of boxing, sign-extended.
  assert.equal(run("fmv.x.w", 0, 0x00000000bf800000n).value, 0xffffffffbf800000n);
  // Results are boxed.
  assert.equal(run("fmul.s", RNE, S(2), S(3)).value, S(6));
  assert.equal(run("fmv.w.x", 0, 0x123456789abcdef0n).value, 0xffffffff9abcdef0n);
  assert.equal(run("fcvt.s.w", RNE, 7n).value, S(7));
  // fmin.s with an unboxed operand returns the other operand.
  assert.equal(run("fmin.s", 0, unboxed, S(5)).value, S(5));
});

Deno.test("fmin/fmax: signed zeros and NaNs", () => {
  assert.equal(run("fmin.d", 0, D(0), D(-0)).value, D(-0));
  assert.equal(run("fmin.d", 0, D(-0), D(0)).value, D(-0));
  assert.equal(run("fmax.d", 0, D(-0), D(0)).value, D(0));
  assert.equal(run("fmax.s", 0, S(0), S(-0)).value, S(0));
  assert.equal(run("fmin.s", 0, S(-0), S(0)).value, S(-0));
  let r = run("fmin.d", 0, 0x7ff8000000000000n, D(2));
  assert.deepEqual([r.value, r.flags], [D(2), 0]);
  r = run("fmax.d", 0, D(2), 0x7ff0000000000001n);
  assert.deepEqual([r.value, r.flags], [D(2), NV]);
  r = run("fmax.s", 0, SB(0x7f800001), SB(0x7fc00000));
  assert.deepEqual([r.value, r.flags], [SB(0x7fc00000), NV]);
  r = run("fmin.d", 0, 0xfff8000000000001n, 0x7ff8000000000002n);
  assert.deepEqual([r.value, r.flags], [0x7ff8000000000000n, 0]);
});

Deno.test("comparisons: FEQ quiet, FLT/FLE signaling", () => {
  const q = 0x7ff8000000000000n, sn = 0x7ff0000000000001n;
  assert.deepEqual(Object.values(run("feq.d", 0, q, D(1))).slice(1), [0n, 0]);
  assert.deepEqual(Object.values(run("feq.d", 0, sn, D(1))).slice(1), [0n, NV]);
  assert.deepEqual(Object.values(run("flt.d", 0, q, D(1))).slice(1), [0n, NV]);
  assert.deepEqual(Object.values(run("fle.s", 0, S(1), SB(0x7fc00000))).slice(1), [0n, NV]);
  assert.equal(run("feq.d", 0, D(-0), D(0)).value, 1n);
  assert.equal(run("fle.s", 0, S(-0), S(0)).value, 1n);
  assert.equal(run("flt.s", 0, S(-0), S(0)).value, 0n);
});

Deno.test("fclass: all ten classes", () => {
  const d = [
    D(-Infinity),
    D(-1.5),
    0x800fffffffffffffn,
    D(-0),
    D(0),
    1n,
    D(1e300),
    D(Infinity),
    0x7ff0000000000001n,
    0x7ff8000000000000n,
  ];
  const s = [0xff800000, 0xbfc00000, 0x807fffff, 0x80000000, 0, 1, 0x7f7fffff, 0x7f800000]
    .concat([0x7fbfffff, 0x7fc00000]);
  for (let i = 0; i < 10; i++) {
    assert.equal(run("fclass.d", 0, d[i]).value, 1n << BigInt(i), `fclass.d class ${i}`);
    assert.equal(run("fclass.s", 0, SB(s[i])).value, 1n << BigInt(i), `fclass.s class ${i}`);
  }
});

Deno.test("fcvt to integer: saturation and flags", () => {
  const cases: [string, number, bigint, bigint, number][] = [
    ["fcvt.w.d", RNE, D(NaN), 0x7fffffffn, NV],
    ["fcvt.w.d", RNE, D(-Infinity), 0xffffffff80000000n, NV],
    ["fcvt.w.d", RNE, D(2 ** 31), 0x7fffffffn, NV],
    ["fcvt.w.d", RNE, D(-(2 ** 31) - 0.5), 0xffffffff80000000n, NX],
    ["fcvt.w.d", RNE, D(-(2 ** 31) - 1), 0xffffffff80000000n, NV],
    ["fcvt.wu.d", RNE, D(-0.5), 0n, NX],
    ["fcvt.wu.d", RDN, D(-0.5), 0n, NV],
    ["fcvt.wu.d", RNE, D(-1), 0n, NV],
    ["fcvt.wu.d", RNE, D(NaN), 0xffffffffffffffffn, NV],
    ["fcvt.wu.d", RNE, D(4294967295), 0xffffffffffffffffn, 0],
    ["fcvt.wu.s", RNE, S(3e9), 0xffffffffb2d05e00n, 0],
    ["fcvt.l.s", RNE, S(Infinity), 0x7fffffffffffffffn, NV],
    ["fcvt.l.d", RNE, D(-(2 ** 63)), 0x8000000000000000n, 0],
    ["fcvt.l.d", RNE, D(2 ** 63), 0x7fffffffffffffffn, NV],
    ["fcvt.lu.d", RNE, D(2 ** 64), 0xffffffffffffffffn, NV],
    ["fcvt.lu.d", RNE, D(2 ** 64 - 2048), 0xfffffffffffff800n, 0],
    ["fcvt.lu.s", RNE, S(-Infinity), 0n, NV],
    ["fcvt.lu.s", RNE, SB(0x7fc00000), 0xffffffffffffffffn, NV],
    ["fcvt.w.s", RMM, S(-2.5), 0xfffffffffffffffdn, NX],
    ["fcvt.w.s", RNE, S(-2.5), 0xfffffffffffffffen, NX],
    ["fcvt.w.s", RNE, S(-0), 0n, 0],
  ];
  for (const [name, rm, a, res, flags] of cases) {
    const r = run(name, rm, a);
    assert.equal(hex(r.value), hex(res), `${name} rm=${rm} ${hex(a)}`);
    assert.equal(r.flags, flags, `${name} rm=${rm} ${hex(a)} flags`);
  }
});

Deno.test("W results are sign-extended; x0 is never written", () => {
  assert.equal(run("fcvt.w.d", RNE, D(-5)).value, 0xfffffffffffffffbn);
  assert.equal(run("fmv.x.w", 0, S(-1)).value, 0xffffffffbf800000n);
  const s = newHart();
  s.f[1] = i64(D(-7));
  s.f[2] = i64(0x7ff0000000000001n);
  assert.ok(executeFp(s, enc("fcvt.w.d", 0, 1, 0, 0, RNE)));
  assert.ok(executeFp(s, enc("feq.d", 0, 1, 2)));
  assert.equal(s.x[0], 0n);
  assert.equal(s.fflags, NV); // flags still accrue
});

Deno.test("fflags accrue (OR) across instructions", () => {
  const s = newHart();
  s.f[1] = i64(D(1));
  s.f[2] = i64(D(3));
  s.f[3] = i64(D(0));
  s.fflags = DZ;
  assert.ok(executeFp(s, enc("fdiv.d", 4, 1, 2, 0, RNE)));
  assert.equal(s.fflags, DZ | NX);
  assert.ok(executeFp(s, enc("fdiv.d", 4, 1, 3, 0, RNE)));
  assert.equal(s.fflags, DZ | NX);
  assert.ok(executeFp(s, enc("fadd.d", 4, 1, 1, 0, RNE)));
  assert.equal(s.fflags, DZ | NX);
});

Deno.test("illegal encodings return false and change nothing", () => {
  const illegal: [string, number][] = [
    ["fadd.d rm=5", enc("fadd.d", 4, 1, 2, 0, 5)],
    ["fadd.s rm=6", enc("fadd.s", 4, 1, 2, 0, 6)],
    ["fmadd.d rm=5", enc("fmadd.d", 4, 1, 2, 3, 5)],
    ["fmadd fmt=H", enc("fmadd.s", 4, 1, 2, 3, 0) | (2 << 25)],
    ["fnmadd fmt=Q", enc("fnmadd.s", 4, 1, 2, 3, 0) | (3 << 25)],
    ["fadd.h", rType(0x02, null, null)(4, 1, 2, 0, 0)],
    ["fadd.q", rType(0x03, null, null)(4, 1, 2, 0, 0)],
    ["fsqrt.d rs2=1", rType(0x2d, 1, null)(4, 1, 0, 0, 0)],
    ["fsgnj.d f3=3", rType(0x11, null, 3)(4, 1, 2, 0, 0)],
    ["fmin.s f3=2 (Zfa fminm)", rType(0x14, null, 2)(4, 1, 2, 0, 0)],
    ["feq.d f3=3", rType(0x51, null, 3)(6, 1, 2, 0, 0)],
    ["fcvt.s.d rs2=0", rType(0x20, 0, null)(4, 1, 0, 0, 0)],
    ["fcvt.d.s rs2=1", rType(0x21, 1, null)(4, 1, 0, 0, 0)],
    ["fcvt.s.h", rType(0x20, 2, null)(4, 1, 0, 0, 0)],
    ["fcvt.w.d rs2=4", rType(0x61, 4, null)(6, 1, 0, 0, 0)],
    ["fcvt.w.d rs2=8 (Zfa)", rType(0x61, 8, null)(6, 1, 0, 0, 0)],
    ["fcvt.d.w rs2=5", rType(0x69, 5, null)(4, 5, 0, 0, 0)],
    ["fmv.x.w f3=2", rType(0x70, 0, 2)(6, 1, 0, 0, 0)],
    ["fmv.x.d rs2=1", rType(0x71, 1, 0)(6, 1, 0, 0, 0)],
    ["fmv.w.x f3=1", rType(0x78, 0, 1)(4, 5, 0, 0, 0)],
    ["fli.d (Zfa)", rType(0x79, 1, 0)(4, 5, 0, 0, 0)],
    ["fcvt.w.s rm=5", enc("fcvt.w.s", 6, 1, 0, 0, 5)],
    ["fcvt.d.w rm=6", enc("fcvt.d.w", 4, 5, 0, 0, 6)],
    ["fcvt.d.s rm=5", enc("fcvt.d.s", 4, 1, 0, 0, 5)],
    ["funct7 0x7f", rType(0x7f, null, null)(4, 1, 2, 0, 0)],
  ];
  const s = newHart();
  const prime = () => {
    for (let i = 0; i < 32; i++) {
      s.f[i] = i64(D(i + 0.1));
      if (i) s.x[i] = BigInt(i * 1000 + 1);
    }
    s.fflags = 0;
    s.frm = 0;
  };
  const snapshot = () => [...s.f, ...s.x, BigInt(s.fflags)].map(String).join(",");
  for (const [what, insn] of illegal) {
    prime();
    const before = snapshot();
    assert.equal(executeFp(s, insn), false, what);
    assert.equal(snapshot(), before, `${what}: state changed`);
  }
  // rm=7 with an invalid frm is illegal; with a valid frm it is not.
  for (const frm of [5, 6, 7]) {
    prime();
    s.frm = frm;
    const before = snapshot();
    assert.equal(executeFp(s, enc("fadd.d", 4, 1, 2, 0, 7)), false, `frm=${frm}`);
    assert.equal(executeFp(s, enc("fmadd.s", 4, 1, 2, 3, 7)), false, `frm=${frm}`);
    assert.equal(executeFp(s, enc("fcvt.l.d", 6, 1, 0, 0, 7)), false, `frm=${frm}`);
    assert.equal(snapshot(), before, `frm=${frm}: state changed`);
    // Instructions without a rounding mode don't care about frm.
    assert.equal(executeFp(s, enc("fsgnj.d", 4, 1, 2)), true);
    assert.equal(executeFp(s, enc("fle.d", 6, 1, 2)), true);
  }
  prime();
  s.frm = RUP;
  s.f[1] = i64(D(1));
  s.f[2] = i64(D(3));
  assert.ok(executeFp(s, enc("fdiv.d", 4, 1, 2, 0, 7)));
  // 1/3 rounded up differs from the nearest result.
  assert.equal(u64(s.f[4]), 0x3fd5555555555556n);
});

// ---------------------------------------------------------------------------
// Fast paths vs the exact BigInt reference (random, seeded)

Deno.test("fast paths agree with the exact reference on random operands", () => {
  let seed = 12345;
  const rnd = () => {
    seed ^= seed << 13;
    seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    return seed / 4294967296;
  };
  const ri = (n: number) => Math.floor(rnd() * n);
  const rb = (n: number) => {
    let v = 0n;
    for (let i = 0; i < n; i += 16) v = (v << 16n) | BigInt(ri(65536));
    return BigInt.asUintN(n, v);
  };
  const genD = () => {
    const e = [ri(2047), 1023 + ri(40) - 20, ri(4), 2046 - ri(3), 1 + ri(80)][ri(5)];
    return (BigInt(ri(2)) << 63n) | (BigInt(e) << 52n) |
      (ri(3) ? rb(52) : rb(52) & ~((1n << BigInt(ri(52))) - 1n));
  };
  const genS = () => {
    const e = [ri(255), 127 + ri(20) - 10, ri(4), 254 - ri(3), 1 + ri(40)][ri(5)];
    return SB((ri(2) << 31) | (e << 23) | ri(1 << 23));
  };
  const unbox = (v: bigint) => v & 0xffffffffn;
  const box = (v: bigint) => v | 0xffffffff00000000n;
  const fmas: [string, boolean, boolean][] = [
    ["fmadd", false, false],
    ["fmsub", false, true],
    ["fnmsub", true, false],
    ["fnmadd", true, true],
  ];
  let n = 0;
  for (let i = 0; i < 2500; i++) {
    const rm = ri(5);
    for (const dbl of [false, true]) {
      const F = dbl ? SF.F64 : SF.F32;
      const sb = dbl ? 1n << 63n : 1n << 31n;
      const g = dbl ? genD : genS;
      const a = g();
      let b = g();
      let c = g();
      if (ri(3) === 0) b = a + BigInt(ri(5) - 2); // close operands: cancellation
      const fa = dbl ? a : unbox(a), fb = dbl ? b : unbox(b);
      const sfx = dbl ? ".d" : ".s";
      const out = (v: bigint) => (dbl ? v : box(v));
      const check = (name: string, ref: () => bigint, cc = c, aa = a) => {
        SF.sf.flags = 0;
        const exp = out(ref());
        const expFlags = SF.sf.flags;
        const r = run(name + sfx, rm, aa, b, cc);
        const what = `${name}${sfx} rm=${rm} ${hex(aa)} ${hex(b)} ${hex(cc)}`;
        assert.equal(hex(r.value), hex(exp), what);
        assert.equal(r.flags, expFlags, what + " flags");
        n++;
      };
      check("fadd", () => SF.add(F, fa, fb, rm));
      check("fsub", () => SF.sub(F, fa, fb, rm));
      check("fmul", () => SF.mul(F, fa, fb, rm));
      check("fdiv", () => SF.div(F, fa, fb, rm));
      check("fsqrt", () => SF.sqrt(F, fa & (sb - 1n), rm), c, a & ~sb);
      // c near -(a*b) so that the fused sum cancels.
      if (ri(2)) {
        SF.sf.flags = 0;
        const p = SF.mul(F, fa, fb, ri(5));
        c = out((p ^ sb) + BigInt(ri(5) - 2));
      }
      const fc = dbl ? c : unbox(c);
      for (const [name, negP, negC] of fmas) {
        check(name, () => SF.fma(F, negP ? fa ^ sb : fa, fb, negC ? fc ^ sb : fc, rm), c);
      }
    }
  }
  assert.ok(n > 40000);
});

// fsqrt of a negative operand is covered by the vectors; the random check above
// uses |a| so that most square roots take the fast path.

// ---------------------------------------------------------------------------
// Reference vectors

const VECTORS: Record<string, Vec[]> = {
  round: [
    ["fdiv.d", 0, "3ff0000000000000", "4008000000000000", "0", "3fd5555555555555", 1],
    ["fdiv.d", 1, "3ff0000000000000", "4008000000000000", "0", "3fd5555555555555", 1],
    ["fdiv.d", 2, "3ff0000000000000", "4008000000000000", "0", "3fd5555555555555", 1],
    ["fdiv.d", 3, "3ff0000000000000", "4008000000000000", "0", "3fd5555555555556", 1],
    ["fdiv.d", 4, "3ff0000000000000", "4008000000000000", "0", "3fd5555555555555", 1],
    ["fdiv.d", 0, "bff0000000000000", "4008000000000000", "0", "bfd5555555555555", 1],
    ["fdiv.d", 1, "bff0000000000000", "4008000000000000", "0", "bfd5555555555555", 1],
    ["fdiv.d", 2, "bff0000000000000", "4008000000000000", "0", "bfd5555555555556", 1],
    ["fdiv.d", 3, "bff0000000000000", "4008000000000000", "0", "bfd5555555555555", 1],
    ["fdiv.d", 4, "bff0000000000000", "4008000000000000", "0", "bfd5555555555555", 1],
    ["fdiv.s", 0, "ffffffff3f800000", "ffffffff40400000", "0", "ffffffff3eaaaaab", 1],
    ["fdiv.s", 1, "ffffffff3f800000", "ffffffff40400000", "0", "ffffffff3eaaaaaa", 1],
    ["fdiv.s", 2, "ffffffff3f800000", "ffffffff40400000", "0", "ffffffff3eaaaaaa", 1],
    ["fdiv.s", 3, "ffffffff3f800000", "ffffffff40400000", "0", "ffffffff3eaaaaab", 1],
    ["fdiv.s", 4, "ffffffff3f800000", "ffffffff40400000", "0", "ffffffff3eaaaaab", 1],
    ["fdiv.s", 0, "ffffffffc0000000", "ffffffff40400000", "0", "ffffffffbf2aaaab", 1],
    ["fdiv.s", 1, "ffffffffc0000000", "ffffffff40400000", "0", "ffffffffbf2aaaaa", 1],
    ["fdiv.s", 2, "ffffffffc0000000", "ffffffff40400000", "0", "ffffffffbf2aaaab", 1],
    ["fdiv.s", 3, "ffffffffc0000000", "ffffffff40400000", "0", "ffffffffbf2aaaaa", 1],
    ["fdiv.s", 4, "ffffffffc0000000", "ffffffff40400000", "0", "ffffffffbf2aaaab", 1],
    ["fadd.d", 0, "3ff0000000000000", "3ca0000000000000", "0", "3ff0000000000000", 1],
    ["fadd.d", 1, "3ff0000000000000", "3ca0000000000000", "0", "3ff0000000000000", 1],
    ["fadd.d", 2, "3ff0000000000000", "3ca0000000000000", "0", "3ff0000000000000", 1],
    ["fadd.d", 3, "3ff0000000000000", "3ca0000000000000", "0", "3ff0000000000001", 1],
    ["fadd.d", 4, "3ff0000000000000", "3ca0000000000000", "0", "3ff0000000000001", 1],
    ["fadd.d", 0, "3ff0000000000000", "3ca8000000000000", "0", "3ff0000000000001", 1],
    ["fadd.d", 1, "3ff0000000000000", "3ca8000000000000", "0", "3ff0000000000000", 1],
    ["fadd.d", 2, "3ff0000000000000", "3ca8000000000000", "0", "3ff0000000000000", 1],
    ["fadd.d", 3, "3ff0000000000000", "3ca8000000000000", "0", "3ff0000000000001", 1],
    ["fadd.d", 4, "3ff0000000000000", "3ca8000000000000", "0", "3ff0000000000001", 1],
    ["fadd.d", 0, "bff0000000000000", "bca0000000000000", "0", "bff0000000000000", 1],
    ["fadd.d", 1, "bff0000000000000", "bca0000000000000", "0", "bff0000000000000", 1],
    ["fadd.d", 2, "bff0000000000000", "bca0000000000000", "0", "bff0000000000001", 1],
    ["fadd.d", 3, "bff0000000000000", "bca0000000000000", "0", "bff0000000000000", 1],
    ["fadd.d", 4, "bff0000000000000", "bca0000000000000", "0", "bff0000000000001", 1],
    ["fsub.d", 0, "3ff0000000000000", "3c90000000000000", "0", "3ff0000000000000", 1],
    ["fsub.d", 1, "3ff0000000000000", "3c90000000000000", "0", "3fefffffffffffff", 1],
    ["fsub.d", 2, "3ff0000000000000", "3c90000000000000", "0", "3fefffffffffffff", 1],
    ["fsub.d", 3, "3ff0000000000000", "3c90000000000000", "0", "3ff0000000000000", 1],
    ["fsub.d", 4, "3ff0000000000000", "3c90000000000000", "0", "3ff0000000000000", 1],
    ["fadd.d", 0, "3ff0000000000001", "3ca0000000000000", "0", "3ff0000000000002", 1],
    ["fadd.d", 1, "3ff0000000000001", "3ca0000000000000", "0", "3ff0000000000001", 1],
    ["fadd.d", 2, "3ff0000000000001", "3ca0000000000000", "0", "3ff0000000000001", 1],
    ["fadd.d", 3, "3ff0000000000001", "3ca0000000000000", "0", "3ff0000000000002", 1],
    ["fadd.d", 4, "3ff0000000000001", "3ca0000000000000", "0", "3ff0000000000002", 1],
    ["fadd.s", 0, "ffffffff3f800000", "ffffffff33800000", "0", "ffffffff3f800000", 1],
    ["fadd.s", 1, "ffffffff3f800000", "ffffffff33800000", "0", "ffffffff3f800000", 1],
    ["fadd.s", 2, "ffffffff3f800000", "ffffffff33800000", "0", "ffffffff3f800000", 1],
    ["fadd.s", 3, "ffffffff3f800000", "ffffffff33800000", "0", "ffffffff3f800001", 1],
    ["fadd.s", 4, "ffffffff3f800000", "ffffffff33800000", "0", "ffffffff3f800001", 1],
    ["fadd.s", 0, "ffffffff3f800001", "ffffffff33800000", "0", "ffffffff3f800002", 1],
    ["fadd.s", 1, "ffffffff3f800001", "ffffffff33800000", "0", "ffffffff3f800001", 1],
    ["fadd.s", 2, "ffffffff3f800001", "ffffffff33800000", "0", "ffffffff3f800001", 1],
    ["fadd.s", 3, "ffffffff3f800001", "ffffffff33800000", "0", "ffffffff3f800002", 1],
    ["fadd.s", 4, "ffffffff3f800001", "ffffffff33800000", "0", "ffffffff3f800002", 1],
    ["fadd.s", 0, "ffffffff3f800000", "ffffffff2b800000", "0", "ffffffff3f800000", 1],
    ["fadd.s", 1, "ffffffff3f800000", "ffffffff2b800000", "0", "ffffffff3f800000", 1],
    ["fadd.s", 2, "ffffffff3f800000", "ffffffff2b800000", "0", "ffffffff3f800000", 1],
    ["fadd.s", 3, "ffffffff3f800000", "ffffffff2b800000", "0", "ffffffff3f800001", 1],
    ["fadd.s", 4, "ffffffff3f800000", "ffffffff2b800000", "0", "ffffffff3f800000", 1],
    ["fadd.s", 0, "ffffffffbf800000", "ffffffffa1800000", "0", "ffffffffbf800000", 1],
    ["fadd.s", 1, "ffffffffbf800000", "ffffffffa1800000", "0", "ffffffffbf800000", 1],
    ["fadd.s", 2, "ffffffffbf800000", "ffffffffa1800000", "0", "ffffffffbf800001", 1],
    ["fadd.s", 3, "ffffffffbf800000", "ffffffffa1800000", "0", "ffffffffbf800000", 1],
    ["fadd.s", 4, "ffffffffbf800000", "ffffffffa1800000", "0", "ffffffffbf800000", 1],
    ["fmul.d", 0, "3ff0000000000001", "3ff0000000000001", "0", "3ff0000000000002", 1],
    ["fmul.d", 1, "3ff0000000000001", "3ff0000000000001", "0", "3ff0000000000002", 1],
    ["fmul.d", 2, "3ff0000000000001", "3ff0000000000001", "0", "3ff0000000000002", 1],
    ["fmul.d", 3, "3ff0000000000001", "3ff0000000000001", "0", "3ff0000000000003", 1],
    ["fmul.d", 4, "3ff0000000000001", "3ff0000000000001", "0", "3ff0000000000002", 1],
    ["fmul.d", 0, "bff0000000000001", "3ff0000000000002", "0", "bff0000000000003", 1],
    ["fmul.d", 1, "bff0000000000001", "3ff0000000000002", "0", "bff0000000000003", 1],
    ["fmul.d", 2, "bff0000000000001", "3ff0000000000002", "0", "bff0000000000004", 1],
    ["fmul.d", 3, "bff0000000000001", "3ff0000000000002", "0", "bff0000000000003", 1],
    ["fmul.d", 4, "bff0000000000001", "3ff0000000000002", "0", "bff0000000000003", 1],
    ["fmul.s", 0, "ffffffff3f800001", "ffffffff3f800001", "0", "ffffffff3f800002", 1],
    ["fmul.s", 1, "ffffffff3f800001", "ffffffff3f800001", "0", "ffffffff3f800002", 1],
    ["fmul.s", 2, "ffffffff3f800001", "ffffffff3f800001", "0", "ffffffff3f800002", 1],
    ["fmul.s", 3, "ffffffff3f800001", "ffffffff3f800001", "0", "ffffffff3f800003", 1],
    ["fmul.s", 4, "ffffffff3f800001", "ffffffff3f800001", "0", "ffffffff3f800002", 1],
    ["fmul.s", 0, "ffffffff3f800800", "ffffffff3f800800", "0", "ffffffff3f801000", 1],
    ["fmul.s", 1, "ffffffff3f800800", "ffffffff3f800800", "0", "ffffffff3f801000", 1],
    ["fmul.s", 2, "ffffffff3f800800", "ffffffff3f800800", "0", "ffffffff3f801000", 1],
    ["fmul.s", 3, "ffffffff3f800800", "ffffffff3f800800", "0", "ffffffff3f801001", 1],
    ["fmul.s", 4, "ffffffff3f800800", "ffffffff3f800800", "0", "ffffffff3f801001", 1],
    ["fsqrt.d", 0, "4000000000000000", "0", "0", "3ff6a09e667f3bcd", 1],
    ["fsqrt.d", 1, "4000000000000000", "0", "0", "3ff6a09e667f3bcc", 1],
    ["fsqrt.d", 2, "4000000000000000", "0", "0", "3ff6a09e667f3bcc", 1],
    ["fsqrt.d", 3, "4000000000000000", "0", "0", "3ff6a09e667f3bcd", 1],
    ["fsqrt.d", 4, "4000000000000000", "0", "0", "3ff6a09e667f3bcd", 1],
    ["fsqrt.s", 0, "ffffffff40000000", "0", "0", "ffffffff3fb504f3", 1],
    ["fsqrt.s", 1, "ffffffff40000000", "0", "0", "ffffffff3fb504f3", 1],
    ["fsqrt.s", 2, "ffffffff40000000", "0", "0", "ffffffff3fb504f3", 1],
    ["fsqrt.s", 3, "ffffffff40000000", "0", "0", "ffffffff3fb504f4", 1],
    ["fsqrt.s", 4, "ffffffff40000000", "0", "0", "ffffffff3fb504f3", 1],
    ["fsqrt.d", 0, "4008000000000000", "0", "0", "3ffbb67ae8584caa", 1],
    ["fsqrt.d", 1, "4008000000000000", "0", "0", "3ffbb67ae8584caa", 1],
    ["fsqrt.d", 2, "4008000000000000", "0", "0", "3ffbb67ae8584caa", 1],
    ["fsqrt.d", 3, "4008000000000000", "0", "0", "3ffbb67ae8584cab", 1],
    ["fsqrt.d", 4, "4008000000000000", "0", "0", "3ffbb67ae8584caa", 1],
    ["fsqrt.s", 0, "ffffffff40a00000", "0", "0", "ffffffff400f1bbd", 1],
    ["fsqrt.s", 1, "ffffffff40a00000", "0", "0", "ffffffff400f1bbc", 1],
    ["fsqrt.s", 2, "ffffffff40a00000", "0", "0", "ffffffff400f1bbc", 1],
    ["fsqrt.s", 3, "ffffffff40a00000", "0", "0", "ffffffff400f1bbd", 1],
    ["fsqrt.s", 4, "ffffffff40a00000", "0", "0", "ffffffff400f1bbd", 1],
    ["fsqrt.d", 0, "4010000000000000", "0", "0", "4000000000000000", 0],
    ["fsqrt.d", 1, "4010000000000000", "0", "0", "4000000000000000", 0],
    ["fsqrt.d", 2, "4010000000000000", "0", "0", "4000000000000000", 0],
    ["fsqrt.d", 3, "4010000000000000", "0", "0", "4000000000000000", 0],
    ["fsqrt.d", 4, "4010000000000000", "0", "0", "4000000000000000", 0],
    ["fdiv.d", 0, "4018000000000000", "4008000000000000", "0", "4000000000000000", 0],
    ["fdiv.d", 1, "4018000000000000", "4008000000000000", "0", "4000000000000000", 0],
    ["fdiv.d", 2, "4018000000000000", "4008000000000000", "0", "4000000000000000", 0],
    ["fdiv.d", 3, "4018000000000000", "4008000000000000", "0", "4000000000000000", 0],
    ["fdiv.d", 4, "4018000000000000", "4008000000000000", "0", "4000000000000000", 0],
    ["fcvt.s.d", 0, "3fd5555555555555", "0", "0", "ffffffff3eaaaaab", 1],
    ["fcvt.s.d", 1, "3fd5555555555555", "0", "0", "ffffffff3eaaaaaa", 1],
    ["fcvt.s.d", 2, "3fd5555555555555", "0", "0", "ffffffff3eaaaaaa", 1],
    ["fcvt.s.d", 3, "3fd5555555555555", "0", "0", "ffffffff3eaaaaab", 1],
    ["fcvt.s.d", 4, "3fd5555555555555", "0", "0", "ffffffff3eaaaaab", 1],
    ["fcvt.s.d", 0, "bff0000010000000", "0", "0", "ffffffffbf800000", 1],
    ["fcvt.s.d", 1, "bff0000010000000", "0", "0", "ffffffffbf800000", 1],
    ["fcvt.s.d", 2, "bff0000010000000", "0", "0", "ffffffffbf800001", 1],
    ["fcvt.s.d", 3, "bff0000010000000", "0", "0", "ffffffffbf800000", 1],
    ["fcvt.s.d", 4, "bff0000010000000", "0", "0", "ffffffffbf800001", 1],
    ["fcvt.s.d", 0, "3ff0000018000000", "0", "0", "ffffffff3f800001", 1],
    ["fcvt.s.d", 1, "3ff0000018000000", "0", "0", "ffffffff3f800000", 1],
    ["fcvt.s.d", 2, "3ff0000018000000", "0", "0", "ffffffff3f800000", 1],
    ["fcvt.s.d", 3, "3ff0000018000000", "0", "0", "ffffffff3f800001", 1],
    ["fcvt.s.d", 4, "3ff0000018000000", "0", "0", "ffffffff3f800001", 1],
    ["fcvt.d.l", 0, "20000000000001", "0", "0", "4340000000000000", 1],
    ["fcvt.d.l", 1, "20000000000001", "0", "0", "4340000000000000", 1],
    ["fcvt.d.l", 2, "20000000000001", "0", "0", "4340000000000000", 1],
    ["fcvt.d.l", 3, "20000000000001", "0", "0", "4340000000000001", 1],
    ["fcvt.d.l", 4, "20000000000001", "0", "0", "4340000000000001", 1],
    ["fcvt.d.l", 0, "ffdffffffffffffd", "0", "0", "c340000000000002", 1],
    ["fcvt.d.l", 1, "ffdffffffffffffd", "0", "0", "c340000000000001", 1],
    ["fcvt.d.l", 2, "ffdffffffffffffd", "0", "0", "c340000000000002", 1],
    ["fcvt.d.l", 3, "ffdffffffffffffd", "0", "0", "c340000000000001", 1],
    ["fcvt.d.l", 4, "ffdffffffffffffd", "0", "0", "c340000000000002", 1],
    ["fcvt.d.lu", 0, "ffffffffffffffff", "0", "0", "43f0000000000000", 1],
    ["fcvt.d.lu", 1, "ffffffffffffffff", "0", "0", "43efffffffffffff", 1],
    ["fcvt.d.lu", 2, "ffffffffffffffff", "0", "0", "43efffffffffffff", 1],
    ["fcvt.d.lu", 3, "ffffffffffffffff", "0", "0", "43f0000000000000", 1],
    ["fcvt.d.lu", 4, "ffffffffffffffff", "0", "0", "43f0000000000000", 1],
    ["fcvt.s.w", 0, "1000001", "0", "0", "ffffffff4b800000", 1],
    ["fcvt.s.w", 1, "1000001", "0", "0", "ffffffff4b800000", 1],
    ["fcvt.s.w", 2, "1000001", "0", "0", "ffffffff4b800000", 1],
    ["fcvt.s.w", 3, "1000001", "0", "0", "ffffffff4b800001", 1],
    ["fcvt.s.w", 4, "1000001", "0", "0", "ffffffff4b800001", 1],
    ["fcvt.s.w", 0, "fffffffffefffffd", "0", "0", "ffffffffcb800002", 1],
    ["fcvt.s.w", 1, "fffffffffefffffd", "0", "0", "ffffffffcb800001", 1],
    ["fcvt.s.w", 2, "fffffffffefffffd", "0", "0", "ffffffffcb800002", 1],
    ["fcvt.s.w", 3, "fffffffffefffffd", "0", "0", "ffffffffcb800001", 1],
    ["fcvt.s.w", 4, "fffffffffefffffd", "0", "0", "ffffffffcb800002", 1],
    ["fcvt.s.lu", 0, "ffffffffffffffff", "0", "0", "ffffffff5f800000", 1],
    ["fcvt.s.lu", 1, "ffffffffffffffff", "0", "0", "ffffffff5f7fffff", 1],
    ["fcvt.s.lu", 2, "ffffffffffffffff", "0", "0", "ffffffff5f7fffff", 1],
    ["fcvt.s.lu", 3, "ffffffffffffffff", "0", "0", "ffffffff5f800000", 1],
    ["fcvt.s.lu", 4, "ffffffffffffffff", "0", "0", "ffffffff5f800000", 1],
    ["fcvt.s.l", 0, "1000001000000001", "0", "0", "ffffffff5d800001", 1],
    ["fcvt.s.l", 1, "1000001000000001", "0", "0", "ffffffff5d800000", 1],
    ["fcvt.s.l", 2, "1000001000000001", "0", "0", "ffffffff5d800000", 1],
    ["fcvt.s.l", 3, "1000001000000001", "0", "0", "ffffffff5d800001", 1],
    ["fcvt.s.l", 4, "1000001000000001", "0", "0", "ffffffff5d800001", 1],
    ["fcvt.s.l", 0, "1000001000000000", "0", "0", "ffffffff5d800000", 1],
    ["fcvt.s.l", 1, "1000001000000000", "0", "0", "ffffffff5d800000", 1],
    ["fcvt.s.l", 2, "1000001000000000", "0", "0", "ffffffff5d800000", 1],
    ["fcvt.s.l", 3, "1000001000000000", "0", "0", "ffffffff5d800001", 1],
    ["fcvt.s.l", 4, "1000001000000000", "0", "0", "ffffffff5d800001", 1],
    ["fcvt.w.d", 0, "4004000000000000", "0", "0", "2", 1],
    ["fcvt.w.d", 1, "4004000000000000", "0", "0", "2", 1],
    ["fcvt.w.d", 2, "4004000000000000", "0", "0", "2", 1],
    ["fcvt.w.d", 3, "4004000000000000", "0", "0", "3", 1],
    ["fcvt.w.d", 4, "4004000000000000", "0", "0", "3", 1],
    ["fcvt.w.d", 0, "c004000000000000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.w.d", 1, "c004000000000000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.w.d", 2, "c004000000000000", "0", "0", "fffffffffffffffd", 1],
    ["fcvt.w.d", 3, "c004000000000000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.w.d", 4, "c004000000000000", "0", "0", "fffffffffffffffd", 1],
    ["fcvt.w.d", 0, "400c000000000000", "0", "0", "4", 1],
    ["fcvt.w.d", 1, "400c000000000000", "0", "0", "3", 1],
    ["fcvt.w.d", 2, "400c000000000000", "0", "0", "3", 1],
    ["fcvt.w.d", 3, "400c000000000000", "0", "0", "4", 1],
    ["fcvt.w.d", 4, "400c000000000000", "0", "0", "4", 1],
    ["fcvt.w.d", 0, "bfc999999999999a", "0", "0", "0", 1],
    ["fcvt.w.d", 1, "bfc999999999999a", "0", "0", "0", 1],
    ["fcvt.w.d", 2, "bfc999999999999a", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.w.d", 3, "bfc999999999999a", "0", "0", "0", 1],
    ["fcvt.w.d", 4, "bfc999999999999a", "0", "0", "0", 1],
    ["fcvt.l.s", 0, "ffffffffbfc00000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.l.s", 1, "ffffffffbfc00000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.l.s", 2, "ffffffffbfc00000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.l.s", 3, "ffffffffbfc00000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.l.s", 4, "ffffffffbfc00000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.l.s", 0, "ffffffff3f400000", "0", "0", "1", 1],
    ["fcvt.l.s", 1, "ffffffff3f400000", "0", "0", "0", 1],
    ["fcvt.l.s", 2, "ffffffff3f400000", "0", "0", "0", 1],
    ["fcvt.l.s", 3, "ffffffff3f400000", "0", "0", "1", 1],
    ["fcvt.l.s", 4, "ffffffff3f400000", "0", "0", "1", 1],
    ["fcvt.w.s", 0, "ffffffffbf000000", "0", "0", "0", 1],
    ["fcvt.w.s", 1, "ffffffffbf000000", "0", "0", "0", 1],
    ["fcvt.w.s", 2, "ffffffffbf000000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.w.s", 3, "ffffffffbf000000", "0", "0", "0", 1],
    ["fcvt.w.s", 4, "ffffffffbf000000", "0", "0", "ffffffffffffffff", 1],
  ],
  flags: [
    ["fmul.d", 0, "7fefffffffffffff", "4000000000000000", "0", "7ff0000000000000", 5],
    ["fmul.d", 1, "7fefffffffffffff", "4000000000000000", "0", "7fefffffffffffff", 5],
    ["fmul.d", 2, "7fefffffffffffff", "4000000000000000", "0", "7fefffffffffffff", 5],
    ["fmul.d", 3, "7fefffffffffffff", "4000000000000000", "0", "7ff0000000000000", 5],
    ["fmul.d", 4, "7fefffffffffffff", "4000000000000000", "0", "7ff0000000000000", 5],
    ["fmul.d", 0, "ffefffffffffffff", "4000000000000000", "0", "fff0000000000000", 5],
    ["fmul.d", 1, "ffefffffffffffff", "4000000000000000", "0", "ffefffffffffffff", 5],
    ["fmul.d", 2, "ffefffffffffffff", "4000000000000000", "0", "fff0000000000000", 5],
    ["fmul.d", 3, "ffefffffffffffff", "4000000000000000", "0", "ffefffffffffffff", 5],
    ["fmul.d", 4, "ffefffffffffffff", "4000000000000000", "0", "fff0000000000000", 5],
    ["fadd.s", 0, "ffffffff7f7fffff", "ffffffff7f7fffff", "0", "ffffffff7f800000", 5],
    ["fadd.s", 1, "ffffffff7f7fffff", "ffffffff7f7fffff", "0", "ffffffff7f7fffff", 5],
    ["fadd.s", 2, "ffffffff7f7fffff", "ffffffff7f7fffff", "0", "ffffffff7f7fffff", 5],
    ["fadd.s", 3, "ffffffff7f7fffff", "ffffffff7f7fffff", "0", "ffffffff7f800000", 5],
    ["fadd.s", 4, "ffffffff7f7fffff", "ffffffff7f7fffff", "0", "ffffffff7f800000", 5],
    ["fmul.s", 0, "ffffffffff61b1e6", "ffffffff41200000", "0", "ffffffffff800000", 5],
    ["fmul.s", 1, "ffffffffff61b1e6", "ffffffff41200000", "0", "ffffffffff7fffff", 5],
    ["fmul.s", 2, "ffffffffff61b1e6", "ffffffff41200000", "0", "ffffffffff800000", 5],
    ["fmul.s", 3, "ffffffffff61b1e6", "ffffffff41200000", "0", "ffffffffff7fffff", 5],
    ["fmul.s", 4, "ffffffffff61b1e6", "ffffffff41200000", "0", "ffffffffff800000", 5],
    ["fadd.d", 0, "7fefffffffffffff", "7c90000000000000", "0", "7ff0000000000000", 5],
    ["fadd.d", 1, "7fefffffffffffff", "7c90000000000000", "0", "7fefffffffffffff", 1],
    ["fadd.d", 2, "7fefffffffffffff", "7c90000000000000", "0", "7fefffffffffffff", 1],
    ["fadd.d", 3, "7fefffffffffffff", "7c90000000000000", "0", "7ff0000000000000", 5],
    ["fadd.d", 4, "7fefffffffffffff", "7c90000000000000", "0", "7ff0000000000000", 5],
    ["fdiv.d", 0, "3ff0000000000000", "0", "0", "7ff0000000000000", 8],
    ["fdiv.d", 0, "bff0000000000000", "0", "0", "fff0000000000000", 8],
    ["fdiv.s", 0, "ffffffff3f800000", "ffffffff80000000", "0", "ffffffffff800000", 8],
    ["fdiv.d", 0, "0", "0", "0", "7ff8000000000000", 16],
    ["fdiv.s", 0, "ffffffff7f800000", "ffffffff7f800000", "0", "ffffffff7fc00000", 16],
    ["fdiv.d", 0, "7ff0000000000000", "0", "0", "7ff0000000000000", 0],
    ["fsub.d", 0, "7ff0000000000000", "7ff0000000000000", "0", "7ff8000000000000", 16],
    ["fadd.s", 0, "ffffffffff800000", "ffffffff7f800000", "0", "ffffffff7fc00000", 16],
    ["fadd.d", 0, "7ff0000000000000", "7ff0000000000000", "0", "7ff0000000000000", 0],
    ["fmul.d", 0, "0", "7ff0000000000000", "0", "7ff8000000000000", 16],
    ["fmul.s", 0, "ffffffff80000000", "ffffffffff800000", "0", "ffffffff7fc00000", 16],
    ["fsqrt.d", 0, "bff0000000000000", "0", "0", "7ff8000000000000", 16],
    ["fsqrt.s", 0, "ffffffff8da24260", "0", "0", "ffffffff7fc00000", 16],
    ["fsqrt.d", 0, "8000000000000000", "0", "0", "8000000000000000", 0],
    ["fsqrt.d", 0, "fff0000000000000", "0", "0", "7ff8000000000000", 16],
    ["fsqrt.s", 0, "ffffffff7f800000", "0", "0", "ffffffff7f800000", 0],
    ["fmadd.d", 0, "0", "7ff0000000000000", "7ff8000000000000", "7ff8000000000000", 16],
    [
      "fmadd.s",
      0,
      "ffffffff7f800000",
      "ffffffff00000000",
      "ffffffff7fc00000",
      "ffffffff7fc00000",
      16,
    ],
    [
      "fmadd.d",
      0,
      "7ff0000000000000",
      "3ff0000000000000",
      "fff0000000000000",
      "7ff8000000000000",
      16,
    ],
    [
      "fmsub.d",
      0,
      "7ff0000000000000",
      "3ff0000000000000",
      "7ff0000000000000",
      "7ff8000000000000",
      16,
    ],
    [
      "fnmadd.s",
      0,
      "ffffffff7f800000",
      "ffffffff40000000",
      "ffffffff7f800000",
      "ffffffffff800000",
      0,
    ],
    [
      "fmadd.d",
      0,
      "4000000000000000",
      "4008000000000000",
      "7ff0000000000001",
      "7ff8000000000000",
      16,
    ],
    [
      "fmadd.d",
      0,
      "4000000000000000",
      "4008000000000000",
      "7ff8000000000001",
      "7ff8000000000000",
      0,
    ],
    ["fmul.d", 0, "170000000000000", "3c30000000000000", "0", "4000", 0],
    ["fmul.d", 1, "170000000000000", "3c30000000000000", "0", "4000", 0],
    ["fmul.d", 2, "170000000000000", "3c30000000000000", "0", "4000", 0],
    ["fmul.d", 3, "170000000000000", "3c30000000000000", "0", "4000", 0],
    ["fmul.d", 4, "170000000000000", "3c30000000000000", "0", "4000", 0],
    ["fmul.d", 0, "170000000000000", "b9b0000000000000", "0", "8000000000000000", 3],
    ["fmul.d", 1, "170000000000000", "b9b0000000000000", "0", "8000000000000000", 3],
    ["fmul.d", 2, "170000000000000", "b9b0000000000000", "0", "8000000000000001", 3],
    ["fmul.d", 3, "170000000000000", "b9b0000000000000", "0", "8000000000000000", 3],
    ["fmul.d", 4, "170000000000000", "b9b0000000000000", "0", "8000000000000000", 3],
    ["fmul.s", 0, "ffffffff0d800000", "ffffffff27000000", "0", "ffffffff00000001", 0],
    ["fmul.s", 1, "ffffffff0d800000", "ffffffff27000000", "0", "ffffffff00000001", 0],
    ["fmul.s", 2, "ffffffff0d800000", "ffffffff27000000", "0", "ffffffff00000001", 0],
    ["fmul.s", 3, "ffffffff0d800000", "ffffffff27000000", "0", "ffffffff00000001", 0],
    ["fmul.s", 4, "ffffffff0d800000", "ffffffff27000000", "0", "ffffffff00000001", 0],
    ["fmul.s", 0, "ffffffff0dc00000", "ffffffff27000000", "0", "ffffffff00000002", 3],
    ["fmul.s", 1, "ffffffff0dc00000", "ffffffff27000000", "0", "ffffffff00000001", 3],
    ["fmul.s", 2, "ffffffff0dc00000", "ffffffff27000000", "0", "ffffffff00000001", 3],
    ["fmul.s", 3, "ffffffff0dc00000", "ffffffff27000000", "0", "ffffffff00000002", 3],
    ["fmul.s", 4, "ffffffff0dc00000", "ffffffff27000000", "0", "ffffffff00000002", 3],
    ["fmul.d", 0, "10000000000000", "3fe0000000000000", "0", "8000000000000", 0],
    ["fmul.d", 1, "10000000000000", "3fe0000000000000", "0", "8000000000000", 0],
    ["fmul.d", 2, "10000000000000", "3fe0000000000000", "0", "8000000000000", 0],
    ["fmul.d", 3, "10000000000000", "3fe0000000000000", "0", "8000000000000", 0],
    ["fmul.d", 4, "10000000000000", "3fe0000000000000", "0", "8000000000000", 0],
    ["fmul.d", 0, "3", "3fe0000000000000", "0", "2", 3],
    ["fmul.d", 1, "3", "3fe0000000000000", "0", "1", 3],
    ["fmul.d", 2, "3", "3fe0000000000000", "0", "1", 3],
    ["fmul.d", 3, "3", "3fe0000000000000", "0", "2", 3],
    ["fmul.d", 4, "3", "3fe0000000000000", "0", "2", 3],
    ["fadd.d", 0, "1", "1", "0", "2", 0],
    ["fsub.s", 0, "ffffffff00800000", "ffffffff00400001", "0", "ffffffff003fffff", 0],
    ["fcvt.s.d", 0, "7e37e43c8800759c", "0", "0", "ffffffff7f800000", 5],
    ["fcvt.s.d", 1, "7e37e43c8800759c", "0", "0", "ffffffff7f7fffff", 5],
    ["fcvt.s.d", 2, "7e37e43c8800759c", "0", "0", "ffffffff7f7fffff", 5],
    ["fcvt.s.d", 3, "7e37e43c8800759c", "0", "0", "ffffffff7f800000", 5],
    ["fcvt.s.d", 4, "7e37e43c8800759c", "0", "0", "ffffffff7f800000", 5],
    ["fcvt.s.d", 0, "81a56e1fc2f8f359", "0", "0", "ffffffff80000000", 3],
    ["fcvt.s.d", 1, "81a56e1fc2f8f359", "0", "0", "ffffffff80000000", 3],
    ["fcvt.s.d", 2, "81a56e1fc2f8f359", "0", "0", "ffffffff80000001", 3],
    ["fcvt.s.d", 3, "81a56e1fc2f8f359", "0", "0", "ffffffff80000000", 3],
    ["fcvt.s.d", 4, "81a56e1fc2f8f359", "0", "0", "ffffffff80000000", 3],
    ["fcvt.s.d", 0, "3690000000000000", "0", "0", "ffffffff00000000", 3],
    ["fcvt.s.d", 1, "3690000000000000", "0", "0", "ffffffff00000000", 3],
    ["fcvt.s.d", 2, "3690000000000000", "0", "0", "ffffffff00000000", 3],
    ["fcvt.s.d", 3, "3690000000000000", "0", "0", "ffffffff00000001", 3],
    ["fcvt.s.d", 4, "3690000000000000", "0", "0", "ffffffff00000001", 3],
    ["fcvt.s.d", 0, "36a8000000000000", "0", "0", "ffffffff00000002", 3],
    ["fcvt.s.d", 1, "36a8000000000000", "0", "0", "ffffffff00000001", 3],
    ["fcvt.s.d", 2, "36a8000000000000", "0", "0", "ffffffff00000001", 3],
    ["fcvt.s.d", 3, "36a8000000000000", "0", "0", "ffffffff00000002", 3],
    ["fcvt.s.d", 4, "36a8000000000000", "0", "0", "ffffffff00000002", 3],
  ],
  tiny: [
    ["fmul.d", 0, "1c1ffffffc000000", "23e0000002000000", "0", "10000000000000", 1],
    ["fmul.d", 1, "1c1ffffffc000000", "23e0000002000000", "0", "fffffffffffff", 3],
    ["fmul.d", 2, "1c1ffffffc000000", "23e0000002000000", "0", "fffffffffffff", 3],
    ["fmul.d", 3, "1c1ffffffc000000", "23e0000002000000", "0", "10000000000000", 1],
    ["fmul.d", 4, "1c1ffffffc000000", "23e0000002000000", "0", "10000000000000", 1],
    ["fmul.d", 0, "1c1ffffffc000000", "23d0000002000000", "0", "8000000000000", 3],
    ["fmul.d", 1, "1c1ffffffc000000", "23d0000002000000", "0", "7ffffffffffff", 3],
    ["fmul.d", 2, "1c1ffffffc000000", "23d0000002000000", "0", "7ffffffffffff", 3],
    ["fmul.d", 3, "1c1ffffffc000000", "23d0000002000000", "0", "8000000000000", 3],
    ["fmul.d", 4, "1c1ffffffc000000", "23d0000002000000", "0", "8000000000000", 3],
    ["fmul.d", 0, "9c1ffffffc000000", "23e0000002000000", "0", "8010000000000000", 1],
    ["fmul.d", 1, "9c1ffffffc000000", "23e0000002000000", "0", "800fffffffffffff", 3],
    ["fmul.d", 2, "9c1ffffffc000000", "23e0000002000000", "0", "8010000000000000", 1],
    ["fmul.d", 3, "9c1ffffffc000000", "23e0000002000000", "0", "800fffffffffffff", 3],
    ["fmul.d", 4, "9c1ffffffc000000", "23e0000002000000", "0", "8010000000000000", 1],
    ["fmul.s", 0, "ffffffff227ff000", "ffffffff1d000800", "0", "ffffffff00400000", 3],
    ["fmul.s", 1, "ffffffff227ff000", "ffffffff1d000800", "0", "ffffffff003fffff", 3],
    ["fmul.s", 2, "ffffffff227ff000", "ffffffff1d000800", "0", "ffffffff003fffff", 3],
    ["fmul.s", 3, "ffffffff227ff000", "ffffffff1d000800", "0", "ffffffff00400000", 3],
    ["fmul.s", 4, "ffffffff227ff000", "ffffffff1d000800", "0", "ffffffff00400000", 3],
    ["fmul.s", 0, "ffffffff227ff000", "ffffffff1c800800", "0", "ffffffff00200000", 3],
    ["fmul.s", 1, "ffffffff227ff000", "ffffffff1c800800", "0", "ffffffff001fffff", 3],
    ["fmul.s", 2, "ffffffff227ff000", "ffffffff1c800800", "0", "ffffffff001fffff", 3],
    ["fmul.s", 3, "ffffffff227ff000", "ffffffff1c800800", "0", "ffffffff00200000", 3],
    ["fmul.s", 4, "ffffffff227ff000", "ffffffff1c800800", "0", "ffffffff00200000", 3],
    ["fdiv.d", 0, "10000000000000", "3ff0000000000001", "0", "fffffffffffff", 3],
    ["fdiv.d", 1, "10000000000000", "3ff0000000000001", "0", "fffffffffffff", 3],
    ["fdiv.d", 2, "10000000000000", "3ff0000000000001", "0", "fffffffffffff", 3],
    ["fdiv.d", 3, "10000000000000", "3ff0000000000001", "0", "10000000000000", 3],
    ["fdiv.d", 4, "10000000000000", "3ff0000000000001", "0", "fffffffffffff", 3],
    ["fdiv.s", 0, "ffffffff00800000", "ffffffff3f800001", "0", "ffffffff007fffff", 3],
    ["fdiv.s", 1, "ffffffff00800000", "ffffffff3f800001", "0", "ffffffff007fffff", 3],
    ["fdiv.s", 2, "ffffffff00800000", "ffffffff3f800001", "0", "ffffffff007fffff", 3],
    ["fdiv.s", 3, "ffffffff00800000", "ffffffff3f800001", "0", "ffffffff00800000", 3],
    ["fdiv.s", 4, "ffffffff00800000", "ffffffff3f800001", "0", "ffffffff007fffff", 3],
    ["fmadd.d", 0, "10000000000000", "3fefffffffffffff", "0", "10000000000000", 3],
    ["fmadd.d", 1, "10000000000000", "3fefffffffffffff", "0", "fffffffffffff", 3],
    ["fmadd.d", 2, "10000000000000", "3fefffffffffffff", "0", "fffffffffffff", 3],
    ["fmadd.d", 3, "10000000000000", "3fefffffffffffff", "0", "10000000000000", 3],
    ["fmadd.d", 4, "10000000000000", "3fefffffffffffff", "0", "10000000000000", 3],
    [
      "fmadd.d",
      0,
      "1a70000000000000",
      "1a70000000000000",
      "8170000000000000",
      "8170000000000000",
      1,
    ],
    [
      "fmadd.d",
      1,
      "1a70000000000000",
      "1a70000000000000",
      "8170000000000000",
      "816fffffffffffff",
      1,
    ],
    [
      "fmadd.d",
      2,
      "1a70000000000000",
      "1a70000000000000",
      "8170000000000000",
      "8170000000000000",
      1,
    ],
    [
      "fmadd.d",
      3,
      "1a70000000000000",
      "1a70000000000000",
      "8170000000000000",
      "816fffffffffffff",
      1,
    ],
    [
      "fmadd.d",
      4,
      "1a70000000000000",
      "1a70000000000000",
      "8170000000000000",
      "8170000000000000",
      1,
    ],
    ["fmadd.d", 0, "1e60000000000000", "1e60000000000000", "1", "2", 0],
    ["fmadd.d", 1, "1e60000000000000", "1e60000000000000", "1", "2", 0],
    ["fmadd.d", 2, "1e60000000000000", "1e60000000000000", "1", "2", 0],
    ["fmadd.d", 3, "1e60000000000000", "1e60000000000000", "1", "2", 0],
    ["fmadd.d", 4, "1e60000000000000", "1e60000000000000", "1", "2", 0],
    [
      "fmadd.s",
      0,
      "ffffffff1a000000",
      "ffffffff1a000000",
      "ffffffff80000001",
      "ffffffff80000000",
      3,
    ],
    [
      "fmadd.s",
      1,
      "ffffffff1a000000",
      "ffffffff1a000000",
      "ffffffff80000001",
      "ffffffff80000000",
      3,
    ],
    [
      "fmadd.s",
      2,
      "ffffffff1a000000",
      "ffffffff1a000000",
      "ffffffff80000001",
      "ffffffff80000001",
      3,
    ],
    [
      "fmadd.s",
      3,
      "ffffffff1a000000",
      "ffffffff1a000000",
      "ffffffff80000001",
      "ffffffff80000000",
      3,
    ],
    [
      "fmadd.s",
      4,
      "ffffffff1a000000",
      "ffffffff1a000000",
      "ffffffff80000001",
      "ffffffff80000001",
      3,
    ],
    ["fadd.d", 0, "10000000000000", "8000000000000001", "0", "fffffffffffff", 0],
    ["fadd.d", 1, "10000000000000", "8000000000000001", "0", "fffffffffffff", 0],
    ["fadd.d", 2, "10000000000000", "8000000000000001", "0", "fffffffffffff", 0],
    ["fadd.d", 3, "10000000000000", "8000000000000001", "0", "fffffffffffff", 0],
    ["fadd.d", 4, "10000000000000", "8000000000000001", "0", "fffffffffffff", 0],
    ["fcvt.s.d", 0, "380ffffff0000000", "0", "0", "ffffffff00800000", 1],
    ["fcvt.s.d", 1, "380ffffff0000000", "0", "0", "ffffffff007fffff", 3],
    ["fcvt.s.d", 2, "380ffffff0000000", "0", "0", "ffffffff007fffff", 3],
    ["fcvt.s.d", 3, "380ffffff0000000", "0", "0", "ffffffff00800000", 1],
    ["fcvt.s.d", 4, "380ffffff0000000", "0", "0", "ffffffff00800000", 1],
    ["fcvt.s.d", 0, "380fffffe0000000", "0", "0", "ffffffff00800000", 3],
    ["fcvt.s.d", 1, "380fffffe0000000", "0", "0", "ffffffff007fffff", 3],
    ["fcvt.s.d", 2, "380fffffe0000000", "0", "0", "ffffffff007fffff", 3],
    ["fcvt.s.d", 3, "380fffffe0000000", "0", "0", "ffffffff00800000", 3],
    ["fcvt.s.d", 4, "380fffffe0000000", "0", "0", "ffffffff00800000", 3],
    ["fcvt.s.d", 0, "380fffffc0000000", "0", "0", "ffffffff007fffff", 0],
    ["fcvt.s.d", 1, "380fffffc0000000", "0", "0", "ffffffff007fffff", 0],
    ["fcvt.s.d", 2, "380fffffc0000000", "0", "0", "ffffffff007fffff", 0],
    ["fcvt.s.d", 3, "380fffffc0000000", "0", "0", "ffffffff007fffff", 0],
    ["fcvt.s.d", 4, "380fffffc0000000", "0", "0", "ffffffff007fffff", 0],
  ],
  fma: [
    [
      "fmadd.d",
      0,
      "3ff0000002000000",
      "3feffffffc000000",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fmadd.d",
      1,
      "3ff0000002000000",
      "3feffffffc000000",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fmadd.d",
      2,
      "3ff0000002000000",
      "3feffffffc000000",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fmadd.d",
      3,
      "3ff0000002000000",
      "3feffffffc000000",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fmadd.d",
      4,
      "3ff0000002000000",
      "3feffffffc000000",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fmadd.s",
      0,
      "ffffffff3f800800",
      "ffffffff3f7ff000",
      "ffffffffbf800000",
      "ffffffffb3800000",
      0,
    ],
    [
      "fmadd.s",
      1,
      "ffffffff3f800800",
      "ffffffff3f7ff000",
      "ffffffffbf800000",
      "ffffffffb3800000",
      0,
    ],
    [
      "fmadd.s",
      2,
      "ffffffff3f800800",
      "ffffffff3f7ff000",
      "ffffffffbf800000",
      "ffffffffb3800000",
      0,
    ],
    [
      "fmadd.s",
      3,
      "ffffffff3f800800",
      "ffffffff3f7ff000",
      "ffffffffbf800000",
      "ffffffffb3800000",
      0,
    ],
    [
      "fmadd.s",
      4,
      "ffffffff3f800800",
      "ffffffff3f7ff000",
      "ffffffffbf800000",
      "ffffffffb3800000",
      0,
    ],
    [
      "fmadd.d",
      0,
      "3fb999999999999a",
      "4024000000000000",
      "bff0000000000000",
      "3c90000000000000",
      0,
    ],
    [
      "fmadd.d",
      1,
      "3fb999999999999a",
      "4024000000000000",
      "bff0000000000000",
      "3c90000000000000",
      0,
    ],
    [
      "fmadd.d",
      2,
      "3fb999999999999a",
      "4024000000000000",
      "bff0000000000000",
      "3c90000000000000",
      0,
    ],
    [
      "fmadd.d",
      3,
      "3fb999999999999a",
      "4024000000000000",
      "bff0000000000000",
      "3c90000000000000",
      0,
    ],
    [
      "fmadd.d",
      4,
      "3fb999999999999a",
      "4024000000000000",
      "bff0000000000000",
      "3c90000000000000",
      0,
    ],
    [
      "fmsub.d",
      0,
      "3fb999999999999a",
      "4024000000000000",
      "3ff0000000000000",
      "3c90000000000000",
      0,
    ],
    [
      "fmsub.d",
      1,
      "3fb999999999999a",
      "4024000000000000",
      "3ff0000000000000",
      "3c90000000000000",
      0,
    ],
    [
      "fmsub.d",
      2,
      "3fb999999999999a",
      "4024000000000000",
      "3ff0000000000000",
      "3c90000000000000",
      0,
    ],
    [
      "fmsub.d",
      3,
      "3fb999999999999a",
      "4024000000000000",
      "3ff0000000000000",
      "3c90000000000000",
      0,
    ],
    [
      "fmsub.d",
      4,
      "3fb999999999999a",
      "4024000000000000",
      "3ff0000000000000",
      "3c90000000000000",
      0,
    ],
    [
      "fnmadd.d",
      0,
      "3fb999999999999a",
      "4024000000000000",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fnmadd.d",
      1,
      "3fb999999999999a",
      "4024000000000000",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fnmadd.d",
      2,
      "3fb999999999999a",
      "4024000000000000",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fnmadd.d",
      3,
      "3fb999999999999a",
      "4024000000000000",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fnmadd.d",
      4,
      "3fb999999999999a",
      "4024000000000000",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fnmsub.d",
      0,
      "3fb999999999999a",
      "4024000000000000",
      "3ff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fnmsub.d",
      1,
      "3fb999999999999a",
      "4024000000000000",
      "3ff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fnmsub.d",
      2,
      "3fb999999999999a",
      "4024000000000000",
      "3ff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fnmsub.d",
      3,
      "3fb999999999999a",
      "4024000000000000",
      "3ff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fnmsub.d",
      4,
      "3fb999999999999a",
      "4024000000000000",
      "3ff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fmadd.s",
      0,
      "ffffffff3dcccccd",
      "ffffffff41200000",
      "ffffffffbf800000",
      "ffffffff32800000",
      0,
    ],
    [
      "fmadd.s",
      1,
      "ffffffff3dcccccd",
      "ffffffff41200000",
      "ffffffffbf800000",
      "ffffffff32800000",
      0,
    ],
    [
      "fmadd.s",
      2,
      "ffffffff3dcccccd",
      "ffffffff41200000",
      "ffffffffbf800000",
      "ffffffff32800000",
      0,
    ],
    [
      "fmadd.s",
      3,
      "ffffffff3dcccccd",
      "ffffffff41200000",
      "ffffffffbf800000",
      "ffffffff32800000",
      0,
    ],
    [
      "fmadd.s",
      4,
      "ffffffff3dcccccd",
      "ffffffff41200000",
      "ffffffffbf800000",
      "ffffffff32800000",
      0,
    ],
    [
      "fnmsub.s",
      0,
      "ffffffff3dcccccd",
      "ffffffff41200000",
      "ffffffff3f800000",
      "ffffffffb2800000",
      0,
    ],
    [
      "fnmsub.s",
      1,
      "ffffffff3dcccccd",
      "ffffffff41200000",
      "ffffffff3f800000",
      "ffffffffb2800000",
      0,
    ],
    [
      "fnmsub.s",
      2,
      "ffffffff3dcccccd",
      "ffffffff41200000",
      "ffffffff3f800000",
      "ffffffffb2800000",
      0,
    ],
    [
      "fnmsub.s",
      3,
      "ffffffff3dcccccd",
      "ffffffff41200000",
      "ffffffff3f800000",
      "ffffffffb2800000",
      0,
    ],
    [
      "fnmsub.s",
      4,
      "ffffffff3dcccccd",
      "ffffffff41200000",
      "ffffffff3f800000",
      "ffffffffb2800000",
      0,
    ],
    [
      "fmadd.d",
      0,
      "3ff0000000000001",
      "3ff0000000000001",
      "bff0000000000002",
      "3970000000000000",
      0,
    ],
    [
      "fmadd.d",
      1,
      "3ff0000000000001",
      "3ff0000000000001",
      "bff0000000000002",
      "3970000000000000",
      0,
    ],
    [
      "fmadd.d",
      2,
      "3ff0000000000001",
      "3ff0000000000001",
      "bff0000000000002",
      "3970000000000000",
      0,
    ],
    [
      "fmadd.d",
      3,
      "3ff0000000000001",
      "3ff0000000000001",
      "bff0000000000002",
      "3970000000000000",
      0,
    ],
    [
      "fmadd.d",
      4,
      "3ff0000000000001",
      "3ff0000000000001",
      "bff0000000000002",
      "3970000000000000",
      0,
    ],
    [
      "fmadd.d",
      0,
      "4008000000000000",
      "3fd5555555555555",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fmadd.d",
      1,
      "4008000000000000",
      "3fd5555555555555",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fmadd.d",
      2,
      "4008000000000000",
      "3fd5555555555555",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fmadd.d",
      3,
      "4008000000000000",
      "3fd5555555555555",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fmadd.d",
      4,
      "4008000000000000",
      "3fd5555555555555",
      "bff0000000000000",
      "bc90000000000000",
      0,
    ],
    [
      "fmadd.d",
      0,
      "3ff0000000000000",
      "3ff0000000000000",
      "3ca0000000000000",
      "3ff0000000000000",
      1,
    ],
    [
      "fmadd.d",
      1,
      "3ff0000000000000",
      "3ff0000000000000",
      "3ca0000000000000",
      "3ff0000000000000",
      1,
    ],
    [
      "fmadd.d",
      2,
      "3ff0000000000000",
      "3ff0000000000000",
      "3ca0000000000000",
      "3ff0000000000000",
      1,
    ],
    [
      "fmadd.d",
      3,
      "3ff0000000000000",
      "3ff0000000000000",
      "3ca0000000000000",
      "3ff0000000000001",
      1,
    ],
    [
      "fmadd.d",
      4,
      "3ff0000000000000",
      "3ff0000000000000",
      "3ca0000000000000",
      "3ff0000000000001",
      1,
    ],
    [
      "fmadd.d",
      0,
      "3ff0000000000001",
      "3fefffffffffffff",
      "3950000000000000",
      "3ff0000000000000",
      1,
    ],
    [
      "fmadd.d",
      1,
      "3ff0000000000001",
      "3fefffffffffffff",
      "3950000000000000",
      "3ff0000000000000",
      1,
    ],
    [
      "fmadd.d",
      2,
      "3ff0000000000001",
      "3fefffffffffffff",
      "3950000000000000",
      "3ff0000000000000",
      1,
    ],
    [
      "fmadd.d",
      3,
      "3ff0000000000001",
      "3fefffffffffffff",
      "3950000000000000",
      "3ff0000000000001",
      1,
    ],
    [
      "fmadd.d",
      4,
      "3ff0000000000001",
      "3fefffffffffffff",
      "3950000000000000",
      "3ff0000000000000",
      1,
    ],
    ["fmadd.d", 0, "4000000000000000", "8000000000000000", "0", "0", 0],
    ["fmadd.d", 1, "4000000000000000", "8000000000000000", "0", "0", 0],
    ["fmadd.d", 2, "4000000000000000", "8000000000000000", "0", "8000000000000000", 0],
    ["fmadd.d", 3, "4000000000000000", "8000000000000000", "0", "0", 0],
    ["fmadd.d", 4, "4000000000000000", "8000000000000000", "0", "0", 0],
    ["fmadd.d", 0, "4000000000000000", "4008000000000000", "c018000000000000", "0", 0],
    ["fmadd.d", 1, "4000000000000000", "4008000000000000", "c018000000000000", "0", 0],
    [
      "fmadd.d",
      2,
      "4000000000000000",
      "4008000000000000",
      "c018000000000000",
      "8000000000000000",
      0,
    ],
    ["fmadd.d", 3, "4000000000000000", "4008000000000000", "c018000000000000", "0", 0],
    ["fmadd.d", 4, "4000000000000000", "4008000000000000", "c018000000000000", "0", 0],
    [
      "fmadd.s",
      0,
      "ffffffff80000000",
      "ffffffff40000000",
      "ffffffff80000000",
      "ffffffff80000000",
      0,
    ],
    [
      "fmadd.s",
      1,
      "ffffffff80000000",
      "ffffffff40000000",
      "ffffffff80000000",
      "ffffffff80000000",
      0,
    ],
    [
      "fmadd.s",
      2,
      "ffffffff80000000",
      "ffffffff40000000",
      "ffffffff80000000",
      "ffffffff80000000",
      0,
    ],
    [
      "fmadd.s",
      3,
      "ffffffff80000000",
      "ffffffff40000000",
      "ffffffff80000000",
      "ffffffff80000000",
      0,
    ],
    [
      "fmadd.s",
      4,
      "ffffffff80000000",
      "ffffffff40000000",
      "ffffffff80000000",
      "ffffffff80000000",
      0,
    ],
    ["fnmadd.d", 0, "0", "4000000000000000", "0", "8000000000000000", 0],
    ["fnmadd.d", 1, "0", "4000000000000000", "0", "8000000000000000", 0],
    ["fnmadd.d", 2, "0", "4000000000000000", "0", "8000000000000000", 0],
    ["fnmadd.d", 3, "0", "4000000000000000", "0", "8000000000000000", 0],
    ["fnmadd.d", 4, "0", "4000000000000000", "0", "8000000000000000", 0],
    [
      "fmadd.d",
      0,
      "7fe1ccf385ebc8a0",
      "4024000000000000",
      "ffe1ccf385ebc8a0",
      "7ff0000000000000",
      5,
    ],
    [
      "fmadd.d",
      1,
      "7fe1ccf385ebc8a0",
      "4024000000000000",
      "ffe1ccf385ebc8a0",
      "7fefffffffffffff",
      5,
    ],
    [
      "fmadd.d",
      2,
      "7fe1ccf385ebc8a0",
      "4024000000000000",
      "ffe1ccf385ebc8a0",
      "7fefffffffffffff",
      5,
    ],
    [
      "fmadd.d",
      3,
      "7fe1ccf385ebc8a0",
      "4024000000000000",
      "ffe1ccf385ebc8a0",
      "7ff0000000000000",
      5,
    ],
    [
      "fmadd.d",
      4,
      "7fe1ccf385ebc8a0",
      "4024000000000000",
      "ffe1ccf385ebc8a0",
      "7ff0000000000000",
      5,
    ],
    [
      "fmadd.d",
      0,
      "7fe1ccf385ebc8a0",
      "4024000000000000",
      "fff0000000000000",
      "fff0000000000000",
      0,
    ],
    [
      "fmadd.d",
      1,
      "7fe1ccf385ebc8a0",
      "4024000000000000",
      "fff0000000000000",
      "fff0000000000000",
      0,
    ],
    [
      "fmadd.d",
      2,
      "7fe1ccf385ebc8a0",
      "4024000000000000",
      "fff0000000000000",
      "fff0000000000000",
      0,
    ],
    [
      "fmadd.d",
      3,
      "7fe1ccf385ebc8a0",
      "4024000000000000",
      "fff0000000000000",
      "fff0000000000000",
      0,
    ],
    [
      "fmadd.d",
      4,
      "7fe1ccf385ebc8a0",
      "4024000000000000",
      "fff0000000000000",
      "fff0000000000000",
      0,
    ],
    [
      "fmadd.s",
      0,
      "ffffffff3f800001",
      "ffffffff3f800001",
      "ffffffffb0800000",
      "ffffffff3f800002",
      1,
    ],
    [
      "fmadd.s",
      1,
      "ffffffff3f800001",
      "ffffffff3f800001",
      "ffffffffb0800000",
      "ffffffff3f800001",
      1,
    ],
    [
      "fmadd.s",
      2,
      "ffffffff3f800001",
      "ffffffff3f800001",
      "ffffffffb0800000",
      "ffffffff3f800001",
      1,
    ],
    [
      "fmadd.s",
      3,
      "ffffffff3f800001",
      "ffffffff3f800001",
      "ffffffffb0800000",
      "ffffffff3f800002",
      1,
    ],
    [
      "fmadd.s",
      4,
      "ffffffff3f800001",
      "ffffffff3f800001",
      "ffffffffb0800000",
      "ffffffff3f800002",
      1,
    ],
    [
      "fmadd.s",
      0,
      "ffffffff4b7fffff",
      "ffffffff4b7fffff",
      "ffffffff3f800000",
      "ffffffff577ffffe",
      1,
    ],
    [
      "fmadd.s",
      1,
      "ffffffff4b7fffff",
      "ffffffff4b7fffff",
      "ffffffff3f800000",
      "ffffffff577ffffe",
      1,
    ],
    [
      "fmadd.s",
      2,
      "ffffffff4b7fffff",
      "ffffffff4b7fffff",
      "ffffffff3f800000",
      "ffffffff577ffffe",
      1,
    ],
    [
      "fmadd.s",
      3,
      "ffffffff4b7fffff",
      "ffffffff4b7fffff",
      "ffffffff3f800000",
      "ffffffff577fffff",
      1,
    ],
    [
      "fmadd.s",
      4,
      "ffffffff4b7fffff",
      "ffffffff4b7fffff",
      "ffffffff3f800000",
      "ffffffff577ffffe",
      1,
    ],
  ],
  nan: [
    ["fadd.d", 0, "7ff0000000000123", "3ff0000000000000", "0", "7ff8000000000000", 16],
    ["fadd.d", 0, "fff8000000000123", "3ff0000000000000", "0", "7ff8000000000000", 0],
    ["fmul.s", 0, "ffffffff7f800001", "ffffffff3f800000", "0", "ffffffff7fc00000", 16],
    ["fmul.s", 0, "ffffffffffc00001", "ffffffff3f800000", "0", "ffffffff7fc00000", 0],
    ["fadd.s", 0, "000000003f800000", "ffffffff3f800000", "0", "ffffffff7fc00000", 0],
    ["fadd.s", 0, "7fffffff3f800000", "ffffffff3f800000", "0", "ffffffff7fc00000", 0],
    ["fadd.s", 0, "ffffffef3f800000", "ffffffff3f800000", "0", "ffffffff7fc00000", 0],
    ["fsgnj.s", 0, "000000003f800000", "ffffffffbf800000", "0", "ffffffffffc00000", 0],
    ["fsgnjn.s", 0, "000000003f800000", "ffffffff3f800000", "0", "ffffffffffc00000", 0],
    ["fsgnjx.s", 0, "ffffffffc0000000", "00000000bf800000", "0", "ffffffffc0000000", 0],
    ["fsgnj.s", 0, "ffffffff40000000", "ffffffffbf800000", "0", "ffffffffc0000000", 0],
    ["fsgnjn.s", 0, "ffffffff40000000", "ffffffffbf800000", "0", "ffffffff40000000", 0],
    ["fsgnjx.s", 0, "ffffffffc0000000", "ffffffffbf800000", "0", "ffffffff40000000", 0],
    ["fsgnj.s", 0, "ffffffff7f800001", "ffffffffbf800000", "0", "ffffffffff800001", 0],
    ["fsgnj.d", 0, "7ff0000000000001", "bff0000000000000", "0", "fff0000000000001", 0],
    ["fsgnjn.d", 0, "fff8000000000123", "bff0000000000000", "0", "7ff8000000000123", 0],
    ["fsgnjx.d", 0, "c000000000000000", "c008000000000000", "0", "4000000000000000", 0],
    ["fsgnj.d", 0, "ffffffff3f800000", "3ff0000000000000", "0", "7fffffff3f800000", 0],
    ["fclass.s", 0, "000000013f800000", "0", "0", "200", 0],
    ["fmv.x.w", 0, "00000000bf800000", "0", "0", "ffffffffbf800000", 0],
    ["fmv.x.w", 0, "123456787f800001", "0", "0", "7f800001", 0],
    ["fmv.x.d", 0, "7ff0000000000001", "0", "0", "7ff0000000000001", 0],
    ["fcvt.d.s", 0, "ffffffff7f800001", "0", "0", "7ff8000000000000", 16],
    ["fcvt.d.s", 0, "ffffffffffc12345", "0", "0", "7ff8000000000000", 0],
    ["fcvt.d.s", 0, "000000003f800000", "0", "0", "7ff8000000000000", 0],
    ["fcvt.s.d", 0, "7ff0000000000001", "0", "0", "ffffffff7fc00000", 16],
    ["fcvt.s.d", 0, "fff8000000000000", "0", "0", "ffffffff7fc00000", 0],
    ["fcvt.d.s", 0, "ffffffff00000001", "0", "0", "36a0000000000000", 0],
    ["fcvt.d.s", 0, "ffffffffff800000", "0", "0", "fff0000000000000", 0],
    ["fcvt.s.d", 0, "fff0000000000000", "0", "0", "ffffffffff800000", 0],
    ["fcvt.s.d", 0, "8000000000000000", "0", "0", "ffffffff80000000", 0],
    ["fmv.w.x", 0, "123456789abcdef0", "0", "0", "ffffffff9abcdef0", 0],
    ["fmv.d.x", 0, "7ff0000000000001", "0", "0", "7ff0000000000001", 0],
    ["fdiv.d", 0, "7ff0000000000001", "0", "0", "7ff8000000000000", 16],
    ["fsqrt.d", 0, "fff0000000000001", "0", "0", "7ff8000000000000", 16],
    ["fsqrt.s", 0, "ffffffffff800001", "0", "0", "ffffffff7fc00000", 16],
  ],
  minmax: [
    ["fmin.d", 0, "8000000000000000", "0", "0", "8000000000000000", 0],
    ["fmin.d", 0, "0", "8000000000000000", "0", "8000000000000000", 0],
    ["fmin.d", 0, "3ff0000000000000", "bff0000000000000", "0", "bff0000000000000", 0],
    ["fmin.d", 0, "fff0000000000000", "7ff0000000000000", "0", "fff0000000000000", 0],
    ["fmin.d", 0, "7ff8000000000000", "4000000000000000", "0", "4000000000000000", 0],
    ["fmin.d", 0, "4000000000000000", "7ff0000000000001", "0", "4000000000000000", 16],
    ["fmin.d", 0, "7ff0000000000001", "7ff8000000000000", "0", "7ff8000000000000", 16],
    ["fmin.d", 0, "fff8000000000001", "7ff8000000000002", "0", "7ff8000000000000", 0],
    ["fmin.d", 0, "4008000000000000", "4008000000000000", "0", "4008000000000000", 0],
    ["fmax.d", 0, "8000000000000000", "0", "0", "0", 0],
    ["fmax.d", 0, "0", "8000000000000000", "0", "0", 0],
    ["fmax.d", 0, "3ff0000000000000", "bff0000000000000", "0", "3ff0000000000000", 0],
    ["fmax.d", 0, "fff0000000000000", "7ff0000000000000", "0", "7ff0000000000000", 0],
    ["fmax.d", 0, "7ff8000000000000", "4000000000000000", "0", "4000000000000000", 0],
    ["fmax.d", 0, "4000000000000000", "7ff0000000000001", "0", "4000000000000000", 16],
    ["fmax.d", 0, "7ff0000000000001", "7ff8000000000000", "0", "7ff8000000000000", 16],
    ["fmax.d", 0, "fff8000000000001", "7ff8000000000002", "0", "7ff8000000000000", 0],
    ["fmax.d", 0, "4008000000000000", "4008000000000000", "0", "4008000000000000", 0],
    ["fmin.s", 0, "ffffffff80000000", "ffffffff00000000", "0", "ffffffff80000000", 0],
    ["fmin.s", 0, "ffffffff00000000", "ffffffff80000000", "0", "ffffffff80000000", 0],
    ["fmin.s", 0, "ffffffff3f800000", "ffffffffbf800000", "0", "ffffffffbf800000", 0],
    ["fmin.s", 0, "ffffffff7fc00000", "ffffffff40000000", "0", "ffffffff40000000", 0],
    ["fmin.s", 0, "ffffffff40000000", "ffffffff7f800001", "0", "ffffffff40000000", 16],
    ["fmin.s", 0, "ffffffff7f800001", "ffffffff7fc00000", "0", "ffffffff7fc00000", 16],
    ["fmin.s", 0, "000000003f800000", "ffffffff40a00000", "0", "ffffffff40a00000", 0],
    ["fmin.s", 0, "ffffffff40a00000", "00000000ff800001", "0", "ffffffff40a00000", 0],
    ["fmin.s", 0, "000000003f800000", "00000000ff800001", "0", "ffffffff7fc00000", 0],
    ["fmax.s", 0, "ffffffff80000000", "ffffffff00000000", "0", "ffffffff00000000", 0],
    ["fmax.s", 0, "ffffffff00000000", "ffffffff80000000", "0", "ffffffff00000000", 0],
    ["fmax.s", 0, "ffffffff3f800000", "ffffffffbf800000", "0", "ffffffff3f800000", 0],
    ["fmax.s", 0, "ffffffff7fc00000", "ffffffff40000000", "0", "ffffffff40000000", 0],
    ["fmax.s", 0, "ffffffff40000000", "ffffffff7f800001", "0", "ffffffff40000000", 16],
    ["fmax.s", 0, "ffffffff7f800001", "ffffffff7fc00000", "0", "ffffffff7fc00000", 16],
    ["fmax.s", 0, "000000003f800000", "ffffffff40a00000", "0", "ffffffff40a00000", 0],
    ["fmax.s", 0, "ffffffff40a00000", "00000000ff800001", "0", "ffffffff40a00000", 0],
    ["fmax.s", 0, "000000003f800000", "00000000ff800001", "0", "ffffffff7fc00000", 0],
  ],
  cmp: [
    ["feq.d", 0, "3ff0000000000000", "4000000000000000", "0", "0", 0],
    ["feq.d", 0, "4000000000000000", "3ff0000000000000", "0", "0", 0],
    ["feq.d", 0, "4000000000000000", "4000000000000000", "0", "1", 0],
    ["feq.d", 0, "8000000000000000", "0", "0", "1", 0],
    ["feq.d", 0, "7ff8000000000000", "3ff0000000000000", "0", "0", 0],
    ["feq.d", 0, "3ff0000000000000", "7ff0000000000001", "0", "0", 16],
    ["feq.d", 0, "7ff8000000000000", "7ff8000000000000", "0", "0", 0],
    ["feq.d", 0, "fff0000000000000", "7ff0000000000000", "0", "0", 0],
    ["flt.d", 0, "3ff0000000000000", "4000000000000000", "0", "1", 0],
    ["flt.d", 0, "4000000000000000", "3ff0000000000000", "0", "0", 0],
    ["flt.d", 0, "4000000000000000", "4000000000000000", "0", "0", 0],
    ["flt.d", 0, "8000000000000000", "0", "0", "0", 0],
    ["flt.d", 0, "7ff8000000000000", "3ff0000000000000", "0", "0", 16],
    ["flt.d", 0, "3ff0000000000000", "7ff0000000000001", "0", "0", 16],
    ["flt.d", 0, "7ff8000000000000", "7ff8000000000000", "0", "0", 16],
    ["flt.d", 0, "fff0000000000000", "7ff0000000000000", "0", "1", 0],
    ["fle.d", 0, "3ff0000000000000", "4000000000000000", "0", "1", 0],
    ["fle.d", 0, "4000000000000000", "3ff0000000000000", "0", "0", 0],
    ["fle.d", 0, "4000000000000000", "4000000000000000", "0", "1", 0],
    ["fle.d", 0, "8000000000000000", "0", "0", "1", 0],
    ["fle.d", 0, "7ff8000000000000", "3ff0000000000000", "0", "0", 16],
    ["fle.d", 0, "3ff0000000000000", "7ff0000000000001", "0", "0", 16],
    ["fle.d", 0, "7ff8000000000000", "7ff8000000000000", "0", "0", 16],
    ["fle.d", 0, "fff0000000000000", "7ff0000000000000", "0", "1", 0],
    ["feq.s", 0, "ffffffff3f800000", "ffffffff40000000", "0", "0", 0],
    ["feq.s", 0, "ffffffff40000000", "ffffffff3f800000", "0", "0", 0],
    ["feq.s", 0, "ffffffff40000000", "ffffffff40000000", "0", "1", 0],
    ["feq.s", 0, "ffffffff80000000", "ffffffff00000000", "0", "1", 0],
    ["feq.s", 0, "ffffffff7fc00000", "ffffffff3f800000", "0", "0", 0],
    ["feq.s", 0, "ffffffff3f800000", "ffffffff7f800001", "0", "0", 16],
    ["feq.s", 0, "ffffffff7fc00000", "ffffffff7fc00000", "0", "0", 0],
    ["feq.s", 0, "ffffffffff800000", "ffffffff7f800000", "0", "0", 0],
    ["flt.s", 0, "ffffffff3f800000", "ffffffff40000000", "0", "1", 0],
    ["flt.s", 0, "ffffffff40000000", "ffffffff3f800000", "0", "0", 0],
    ["flt.s", 0, "ffffffff40000000", "ffffffff40000000", "0", "0", 0],
    ["flt.s", 0, "ffffffff80000000", "ffffffff00000000", "0", "0", 0],
    ["flt.s", 0, "ffffffff7fc00000", "ffffffff3f800000", "0", "0", 16],
    ["flt.s", 0, "ffffffff3f800000", "ffffffff7f800001", "0", "0", 16],
    ["flt.s", 0, "ffffffff7fc00000", "ffffffff7fc00000", "0", "0", 16],
    ["flt.s", 0, "ffffffffff800000", "ffffffff7f800000", "0", "1", 0],
    ["fle.s", 0, "ffffffff3f800000", "ffffffff40000000", "0", "1", 0],
    ["fle.s", 0, "ffffffff40000000", "ffffffff3f800000", "0", "0", 0],
    ["fle.s", 0, "ffffffff40000000", "ffffffff40000000", "0", "1", 0],
    ["fle.s", 0, "ffffffff80000000", "ffffffff00000000", "0", "1", 0],
    ["fle.s", 0, "ffffffff7fc00000", "ffffffff3f800000", "0", "0", 16],
    ["fle.s", 0, "ffffffff3f800000", "ffffffff7f800001", "0", "0", 16],
    ["fle.s", 0, "ffffffff7fc00000", "ffffffff7fc00000", "0", "0", 16],
    ["fle.s", 0, "ffffffffff800000", "ffffffff7f800000", "0", "1", 0],
    ["feq.s", 0, "000000003f800000", "ffffffff3f800000", "0", "0", 0],
    ["flt.s", 0, "000000003f800000", "ffffffff3f800000", "0", "0", 16],
  ],
  class: [
    ["fclass.d", 0, "fff0000000000000", "0", "0", "1", 0],
    ["fclass.d", 0, "bff8000000000000", "0", "0", "2", 0],
    ["fclass.d", 0, "800fffffffffffff", "0", "0", "4", 0],
    ["fclass.d", 0, "8000000000000000", "0", "0", "8", 0],
    ["fclass.d", 0, "0000000000000000", "0", "0", "10", 0],
    ["fclass.d", 0, "0000000000000001", "0", "0", "20", 0],
    ["fclass.d", 0, "7e37e43c8800759c", "0", "0", "40", 0],
    ["fclass.d", 0, "7ff0000000000000", "0", "0", "80", 0],
    ["fclass.d", 0, "7ff0000000000001", "0", "0", "100", 0],
    ["fclass.d", 0, "7ff8000000000000", "0", "0", "200", 0],
    ["fclass.s", 0, "ffffffffff800000", "0", "0", "1", 0],
    ["fclass.s", 0, "ffffffffbfc00000", "0", "0", "2", 0],
    ["fclass.s", 0, "ffffffff807fffff", "0", "0", "4", 0],
    ["fclass.s", 0, "ffffffff80000000", "0", "0", "8", 0],
    ["fclass.s", 0, "ffffffff00000000", "0", "0", "10", 0],
    ["fclass.s", 0, "ffffffff00000001", "0", "0", "20", 0],
    ["fclass.s", 0, "ffffffff7f7fffff", "0", "0", "40", 0],
    ["fclass.s", 0, "ffffffff7f800000", "0", "0", "80", 0],
    ["fclass.s", 0, "ffffffff7fbfffff", "0", "0", "100", 0],
    ["fclass.s", 0, "ffffffff7fc00000", "0", "0", "200", 0],
  ],
  cvt: [
    ["fcvt.w.d", 0, "7ff8000000000000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "7ff0000000000000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "fff0000000000000", "0", "0", "ffffffff80000000", 16],
    ["fcvt.w.d", 0, "8000000000000000", "0", "0", "0", 0],
    ["fcvt.w.d", 0, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.w.d", 1, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.w.d", 2, "bfe0000000000000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.w.d", 3, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.w.d", 4, "bfe0000000000000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.w.d", 0, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.w.d", 1, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.w.d", 2, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.w.d", 3, "3fe0000000000000", "0", "0", "1", 1],
    ["fcvt.w.d", 4, "3fe0000000000000", "0", "0", "1", 1],
    ["fcvt.w.d", 0, "bff0000000000000", "0", "0", "ffffffffffffffff", 0],
    ["fcvt.w.d", 0, "bff8000000000000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.w.d", 1, "bff8000000000000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.w.d", 2, "bff8000000000000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.w.d", 3, "bff8000000000000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.w.d", 4, "bff8000000000000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.w.d", 0, "41dfffffffc00000", "0", "0", "7fffffff", 0],
    ["fcvt.w.d", 0, "41dfffffffe00000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 1, "41dfffffffe00000", "0", "0", "7fffffff", 1],
    ["fcvt.w.d", 2, "41dfffffffe00000", "0", "0", "7fffffff", 1],
    ["fcvt.w.d", 3, "41dfffffffe00000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 4, "41dfffffffe00000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "41e0000000000000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "c1e0000000000000", "0", "0", "ffffffff80000000", 0],
    ["fcvt.w.d", 0, "c1e0000000100000", "0", "0", "ffffffff80000000", 1],
    ["fcvt.w.d", 0, "c1e0000000200000", "0", "0", "ffffffff80000000", 16],
    ["fcvt.w.d", 0, "41efffffffe00000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "41effffffff00000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "41f0000000000000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "43e0000000000000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "c3e0000000000000", "0", "0", "ffffffff80000000", 16],
    ["fcvt.w.d", 0, "43f0000000000000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "46293e5939a08cea", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "c6293e5939a08cea", "0", "0", "ffffffff80000000", 16],
    ["fcvt.w.d", 0, "41effffffff00000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "43dfffffffffffff", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "43efffffffffffff", "0", "0", "7fffffff", 16],
    ["fcvt.w.s", 0, "ffffffff7fc00000", "0", "0", "7fffffff", 16],
    ["fcvt.w.s", 0, "ffffffff7f800000", "0", "0", "7fffffff", 16],
    ["fcvt.w.s", 0, "ffffffffff800000", "0", "0", "ffffffff80000000", 16],
    ["fcvt.w.s", 0, "ffffffff80000000", "0", "0", "0", 0],
    ["fcvt.w.s", 0, "ffffffffbf000000", "0", "0", "0", 1],
    ["fcvt.w.s", 0, "ffffffff3f000000", "0", "0", "0", 1],
    ["fcvt.w.s", 0, "ffffffffbf800000", "0", "0", "ffffffffffffffff", 0],
    ["fcvt.w.s", 0, "ffffffffbfc00000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.w.s", 0, "ffffffff4f000000", "0", "0", "7fffffff", 16],
    ["fcvt.w.s", 0, "ffffffffcf000000", "0", "0", "ffffffff80000000", 0],
    ["fcvt.w.s", 0, "ffffffff4f800000", "0", "0", "7fffffff", 16],
    ["fcvt.w.s", 0, "ffffffff5f000000", "0", "0", "7fffffff", 16],
    ["fcvt.w.s", 0, "ffffffffdf000000", "0", "0", "ffffffff80000000", 16],
    ["fcvt.w.s", 0, "ffffffff5f800000", "0", "0", "7fffffff", 16],
    ["fcvt.w.s", 0, "ffffffff7f800001", "0", "0", "7fffffff", 16],
    ["fcvt.w.s", 0, "ffffffffffc00000", "0", "0", "7fffffff", 16],
    ["fcvt.w.s", 0, "00000000bf800000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "bfeccccccccccccd", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.w.d", 2, "bfeccccccccccccd", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.w.d", 3, "bfeccccccccccccd", "0", "0", "0", 1],
    ["fcvt.w.s", 0, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.w.s", 1, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.w.s", 2, "ffffffffbe800000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.w.s", 3, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.w.s", 4, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.w.d", 0, "1", "0", "0", "0", 1],
    ["fcvt.w.s", 2, "ffffffff00000001", "0", "0", "0", 1],
    ["fcvt.w.s", 2, "ffffffff80000001", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.w.d", 0, "fff8000000000000", "0", "0", "7fffffff", 16],
    ["fcvt.w.d", 0, "41ed0ea8e0000000", "0", "0", "7fffffff", 16],
    ["fcvt.w.s", 0, "ffffffffcf32d05e", "0", "0", "ffffffff80000000", 16],
    ["fcvt.w.d", 0, "419d6f3457000000", "0", "0", "75bcd16", 1],
    ["fcvt.wu.d", 0, "7ff8000000000000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.d", 0, "7ff0000000000000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.d", 0, "fff0000000000000", "0", "0", "0", 16],
    ["fcvt.wu.d", 0, "8000000000000000", "0", "0", "0", 0],
    ["fcvt.wu.d", 0, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.wu.d", 1, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.wu.d", 2, "bfe0000000000000", "0", "0", "0", 16],
    ["fcvt.wu.d", 3, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.wu.d", 4, "bfe0000000000000", "0", "0", "0", 16],
    ["fcvt.wu.d", 0, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.wu.d", 1, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.wu.d", 2, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.wu.d", 3, "3fe0000000000000", "0", "0", "1", 1],
    ["fcvt.wu.d", 4, "3fe0000000000000", "0", "0", "1", 1],
    ["fcvt.wu.d", 0, "bff0000000000000", "0", "0", "0", 16],
    ["fcvt.wu.d", 0, "bff8000000000000", "0", "0", "0", 16],
    ["fcvt.wu.d", 1, "bff8000000000000", "0", "0", "0", 16],
    ["fcvt.wu.d", 2, "bff8000000000000", "0", "0", "0", 16],
    ["fcvt.wu.d", 3, "bff8000000000000", "0", "0", "0", 16],
    ["fcvt.wu.d", 4, "bff8000000000000", "0", "0", "0", 16],
    ["fcvt.wu.d", 0, "41dfffffffc00000", "0", "0", "7fffffff", 0],
    ["fcvt.wu.d", 0, "41dfffffffe00000", "0", "0", "ffffffff80000000", 1],
    ["fcvt.wu.d", 1, "41dfffffffe00000", "0", "0", "7fffffff", 1],
    ["fcvt.wu.d", 2, "41dfffffffe00000", "0", "0", "7fffffff", 1],
    ["fcvt.wu.d", 3, "41dfffffffe00000", "0", "0", "ffffffff80000000", 1],
    ["fcvt.wu.d", 4, "41dfffffffe00000", "0", "0", "ffffffff80000000", 1],
    ["fcvt.wu.d", 0, "41e0000000000000", "0", "0", "ffffffff80000000", 0],
    ["fcvt.wu.d", 0, "c1e0000000000000", "0", "0", "0", 16],
    ["fcvt.wu.d", 0, "c1e0000000100000", "0", "0", "0", 16],
    ["fcvt.wu.d", 0, "c1e0000000200000", "0", "0", "0", 16],
    ["fcvt.wu.d", 0, "41efffffffe00000", "0", "0", "ffffffffffffffff", 0],
    ["fcvt.wu.d", 0, "41effffffff00000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.d", 0, "41f0000000000000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.d", 0, "43e0000000000000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.d", 0, "c3e0000000000000", "0", "0", "0", 16],
    ["fcvt.wu.d", 0, "43f0000000000000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.d", 0, "46293e5939a08cea", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.d", 0, "c6293e5939a08cea", "0", "0", "0", 16],
    ["fcvt.wu.d", 0, "41effffffff00000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.d", 0, "43dfffffffffffff", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.d", 0, "43efffffffffffff", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.s", 0, "ffffffff7fc00000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.s", 0, "ffffffff7f800000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.s", 0, "ffffffffff800000", "0", "0", "0", 16],
    ["fcvt.wu.s", 0, "ffffffff80000000", "0", "0", "0", 0],
    ["fcvt.wu.s", 0, "ffffffffbf000000", "0", "0", "0", 1],
    ["fcvt.wu.s", 0, "ffffffff3f000000", "0", "0", "0", 1],
    ["fcvt.wu.s", 0, "ffffffffbf800000", "0", "0", "0", 16],
    ["fcvt.wu.s", 0, "ffffffffbfc00000", "0", "0", "0", 16],
    ["fcvt.wu.s", 0, "ffffffff4f000000", "0", "0", "ffffffff80000000", 0],
    ["fcvt.wu.s", 0, "ffffffffcf000000", "0", "0", "0", 16],
    ["fcvt.wu.s", 0, "ffffffff4f800000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.s", 0, "ffffffff5f000000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.s", 0, "ffffffffdf000000", "0", "0", "0", 16],
    ["fcvt.wu.s", 0, "ffffffff5f800000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.s", 0, "ffffffff7f800001", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.s", 0, "ffffffffffc00000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.s", 0, "00000000bf800000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.d", 0, "bfeccccccccccccd", "0", "0", "0", 16],
    ["fcvt.wu.d", 2, "bfeccccccccccccd", "0", "0", "0", 16],
    ["fcvt.wu.d", 3, "bfeccccccccccccd", "0", "0", "0", 1],
    ["fcvt.wu.s", 0, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.wu.s", 1, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.wu.s", 2, "ffffffffbe800000", "0", "0", "0", 16],
    ["fcvt.wu.s", 3, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.wu.s", 4, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.wu.d", 0, "1", "0", "0", "0", 1],
    ["fcvt.wu.s", 2, "ffffffff00000001", "0", "0", "0", 1],
    ["fcvt.wu.s", 2, "ffffffff80000001", "0", "0", "0", 16],
    ["fcvt.wu.d", 0, "fff8000000000000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.wu.d", 0, "41ed0ea8e0000000", "0", "0", "ffffffffe8754700", 0],
    ["fcvt.wu.s", 0, "ffffffffcf32d05e", "0", "0", "0", 16],
    ["fcvt.wu.d", 0, "419d6f3457000000", "0", "0", "75bcd16", 1],
    ["fcvt.l.d", 0, "7ff8000000000000", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.d", 0, "7ff0000000000000", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.d", 0, "fff0000000000000", "0", "0", "8000000000000000", 16],
    ["fcvt.l.d", 0, "8000000000000000", "0", "0", "0", 0],
    ["fcvt.l.d", 0, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.l.d", 1, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.l.d", 2, "bfe0000000000000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.l.d", 3, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.l.d", 4, "bfe0000000000000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.l.d", 0, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.l.d", 1, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.l.d", 2, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.l.d", 3, "3fe0000000000000", "0", "0", "1", 1],
    ["fcvt.l.d", 4, "3fe0000000000000", "0", "0", "1", 1],
    ["fcvt.l.d", 0, "bff0000000000000", "0", "0", "ffffffffffffffff", 0],
    ["fcvt.l.d", 0, "bff8000000000000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.l.d", 1, "bff8000000000000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.l.d", 2, "bff8000000000000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.l.d", 3, "bff8000000000000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.l.d", 4, "bff8000000000000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.l.d", 0, "41dfffffffc00000", "0", "0", "7fffffff", 0],
    ["fcvt.l.d", 0, "41dfffffffe00000", "0", "0", "80000000", 1],
    ["fcvt.l.d", 1, "41dfffffffe00000", "0", "0", "7fffffff", 1],
    ["fcvt.l.d", 2, "41dfffffffe00000", "0", "0", "7fffffff", 1],
    ["fcvt.l.d", 3, "41dfffffffe00000", "0", "0", "80000000", 1],
    ["fcvt.l.d", 4, "41dfffffffe00000", "0", "0", "80000000", 1],
    ["fcvt.l.d", 0, "41e0000000000000", "0", "0", "80000000", 0],
    ["fcvt.l.d", 0, "c1e0000000000000", "0", "0", "ffffffff80000000", 0],
    ["fcvt.l.d", 0, "c1e0000000100000", "0", "0", "ffffffff80000000", 1],
    ["fcvt.l.d", 0, "c1e0000000200000", "0", "0", "ffffffff7fffffff", 0],
    ["fcvt.l.d", 0, "41efffffffe00000", "0", "0", "ffffffff", 0],
    ["fcvt.l.d", 0, "41effffffff00000", "0", "0", "100000000", 1],
    ["fcvt.l.d", 0, "41f0000000000000", "0", "0", "100000000", 0],
    ["fcvt.l.d", 0, "43e0000000000000", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.d", 0, "c3e0000000000000", "0", "0", "8000000000000000", 0],
    ["fcvt.l.d", 0, "43f0000000000000", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.d", 0, "46293e5939a08cea", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.d", 0, "c6293e5939a08cea", "0", "0", "8000000000000000", 16],
    ["fcvt.l.d", 0, "41effffffff00000", "0", "0", "100000000", 1],
    ["fcvt.l.d", 0, "43dfffffffffffff", "0", "0", "7ffffffffffffc00", 0],
    ["fcvt.l.d", 0, "43efffffffffffff", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.s", 0, "ffffffff7fc00000", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.s", 0, "ffffffff7f800000", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.s", 0, "ffffffffff800000", "0", "0", "8000000000000000", 16],
    ["fcvt.l.s", 0, "ffffffff80000000", "0", "0", "0", 0],
    ["fcvt.l.s", 0, "ffffffffbf000000", "0", "0", "0", 1],
    ["fcvt.l.s", 0, "ffffffff3f000000", "0", "0", "0", 1],
    ["fcvt.l.s", 0, "ffffffffbf800000", "0", "0", "ffffffffffffffff", 0],
    ["fcvt.l.s", 0, "ffffffffbfc00000", "0", "0", "fffffffffffffffe", 1],
    ["fcvt.l.s", 0, "ffffffff4f000000", "0", "0", "80000000", 0],
    ["fcvt.l.s", 0, "ffffffffcf000000", "0", "0", "ffffffff80000000", 0],
    ["fcvt.l.s", 0, "ffffffff4f800000", "0", "0", "100000000", 0],
    ["fcvt.l.s", 0, "ffffffff5f000000", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.s", 0, "ffffffffdf000000", "0", "0", "8000000000000000", 0],
    ["fcvt.l.s", 0, "ffffffff5f800000", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.s", 0, "ffffffff7f800001", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.s", 0, "ffffffffffc00000", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.s", 0, "00000000bf800000", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.d", 0, "bfeccccccccccccd", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.l.d", 2, "bfeccccccccccccd", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.l.d", 3, "bfeccccccccccccd", "0", "0", "0", 1],
    ["fcvt.l.s", 0, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.l.s", 1, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.l.s", 2, "ffffffffbe800000", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.l.s", 3, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.l.s", 4, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.l.d", 0, "1", "0", "0", "0", 1],
    ["fcvt.l.s", 2, "ffffffff00000001", "0", "0", "0", 1],
    ["fcvt.l.s", 2, "ffffffff80000001", "0", "0", "ffffffffffffffff", 1],
    ["fcvt.l.d", 0, "fff8000000000000", "0", "0", "7fffffffffffffff", 16],
    ["fcvt.l.d", 0, "41ed0ea8e0000000", "0", "0", "e8754700", 0],
    ["fcvt.l.s", 0, "ffffffffcf32d05e", "0", "0", "ffffffff4d2fa200", 0],
    ["fcvt.l.d", 0, "419d6f3457000000", "0", "0", "75bcd16", 1],
    ["fcvt.lu.d", 0, "7ff8000000000000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.lu.d", 0, "7ff0000000000000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.lu.d", 0, "fff0000000000000", "0", "0", "0", 16],
    ["fcvt.lu.d", 0, "8000000000000000", "0", "0", "0", 0],
    ["fcvt.lu.d", 0, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.lu.d", 1, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.lu.d", 2, "bfe0000000000000", "0", "0", "0", 16],
    ["fcvt.lu.d", 3, "bfe0000000000000", "0", "0", "0", 1],
    ["fcvt.lu.d", 4, "bfe0000000000000", "0", "0", "0", 16],
    ["fcvt.lu.d", 0, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.lu.d", 1, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.lu.d", 2, "3fe0000000000000", "0", "0", "0", 1],
    ["fcvt.lu.d", 3, "3fe0000000000000", "0", "0", "1", 1],
    ["fcvt.lu.d", 4, "3fe0000000000000", "0", "0", "1", 1],
    ["fcvt.lu.d", 0, "bff0000000000000", "0", "0", "0", 16],
    ["fcvt.lu.d", 0, "bff8000000000000", "0", "0", "0", 16],
    ["fcvt.lu.d", 1, "bff8000000000000", "0", "0", "0", 16],
    ["fcvt.lu.d", 2, "bff8000000000000", "0", "0", "0", 16],
    ["fcvt.lu.d", 3, "bff8000000000000", "0", "0", "0", 16],
    ["fcvt.lu.d", 4, "bff8000000000000", "0", "0", "0", 16],
    ["fcvt.lu.d", 0, "41dfffffffc00000", "0", "0", "7fffffff", 0],
    ["fcvt.lu.d", 0, "41dfffffffe00000", "0", "0", "80000000", 1],
    ["fcvt.lu.d", 1, "41dfffffffe00000", "0", "0", "7fffffff", 1],
    ["fcvt.lu.d", 2, "41dfffffffe00000", "0", "0", "7fffffff", 1],
    ["fcvt.lu.d", 3, "41dfffffffe00000", "0", "0", "80000000", 1],
    ["fcvt.lu.d", 4, "41dfffffffe00000", "0", "0", "80000000", 1],
    ["fcvt.lu.d", 0, "41e0000000000000", "0", "0", "80000000", 0],
    ["fcvt.lu.d", 0, "c1e0000000000000", "0", "0", "0", 16],
    ["fcvt.lu.d", 0, "c1e0000000100000", "0", "0", "0", 16],
    ["fcvt.lu.d", 0, "c1e0000000200000", "0", "0", "0", 16],
    ["fcvt.lu.d", 0, "41efffffffe00000", "0", "0", "ffffffff", 0],
    ["fcvt.lu.d", 0, "41effffffff00000", "0", "0", "100000000", 1],
    ["fcvt.lu.d", 0, "41f0000000000000", "0", "0", "100000000", 0],
    ["fcvt.lu.d", 0, "43e0000000000000", "0", "0", "8000000000000000", 0],
    ["fcvt.lu.d", 0, "c3e0000000000000", "0", "0", "0", 16],
    ["fcvt.lu.d", 0, "43f0000000000000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.lu.d", 0, "46293e5939a08cea", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.lu.d", 0, "c6293e5939a08cea", "0", "0", "0", 16],
    ["fcvt.lu.d", 0, "41effffffff00000", "0", "0", "100000000", 1],
    ["fcvt.lu.d", 0, "43dfffffffffffff", "0", "0", "7ffffffffffffc00", 0],
    ["fcvt.lu.d", 0, "43efffffffffffff", "0", "0", "fffffffffffff800", 0],
    ["fcvt.lu.s", 0, "ffffffff7fc00000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.lu.s", 0, "ffffffff7f800000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.lu.s", 0, "ffffffffff800000", "0", "0", "0", 16],
    ["fcvt.lu.s", 0, "ffffffff80000000", "0", "0", "0", 0],
    ["fcvt.lu.s", 0, "ffffffffbf000000", "0", "0", "0", 1],
    ["fcvt.lu.s", 0, "ffffffff3f000000", "0", "0", "0", 1],
    ["fcvt.lu.s", 0, "ffffffffbf800000", "0", "0", "0", 16],
    ["fcvt.lu.s", 0, "ffffffffbfc00000", "0", "0", "0", 16],
    ["fcvt.lu.s", 0, "ffffffff4f000000", "0", "0", "80000000", 0],
    ["fcvt.lu.s", 0, "ffffffffcf000000", "0", "0", "0", 16],
    ["fcvt.lu.s", 0, "ffffffff4f800000", "0", "0", "100000000", 0],
    ["fcvt.lu.s", 0, "ffffffff5f000000", "0", "0", "8000000000000000", 0],
    ["fcvt.lu.s", 0, "ffffffffdf000000", "0", "0", "0", 16],
    ["fcvt.lu.s", 0, "ffffffff5f800000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.lu.s", 0, "ffffffff7f800001", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.lu.s", 0, "ffffffffffc00000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.lu.s", 0, "00000000bf800000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.lu.d", 0, "bfeccccccccccccd", "0", "0", "0", 16],
    ["fcvt.lu.d", 2, "bfeccccccccccccd", "0", "0", "0", 16],
    ["fcvt.lu.d", 3, "bfeccccccccccccd", "0", "0", "0", 1],
    ["fcvt.lu.s", 0, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.lu.s", 1, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.lu.s", 2, "ffffffffbe800000", "0", "0", "0", 16],
    ["fcvt.lu.s", 3, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.lu.s", 4, "ffffffffbe800000", "0", "0", "0", 1],
    ["fcvt.lu.d", 0, "1", "0", "0", "0", 1],
    ["fcvt.lu.s", 2, "ffffffff00000001", "0", "0", "0", 1],
    ["fcvt.lu.s", 2, "ffffffff80000001", "0", "0", "0", 16],
    ["fcvt.lu.d", 0, "fff8000000000000", "0", "0", "ffffffffffffffff", 16],
    ["fcvt.lu.d", 0, "41ed0ea8e0000000", "0", "0", "e8754700", 0],
    ["fcvt.lu.s", 0, "ffffffffcf32d05e", "0", "0", "0", 16],
    ["fcvt.lu.d", 0, "419d6f3457000000", "0", "0", "75bcd16", 1],
  ],
  cvtint: [
    ["fcvt.s.w", 0, "0", "0", "0", "ffffffff00000000", 0],
    ["fcvt.s.w", 0, "1", "0", "0", "ffffffff3f800000", 0],
    ["fcvt.s.w", 0, "ffffffffffffffff", "0", "0", "ffffffffbf800000", 0],
    ["fcvt.s.w", 0, "7fffffff", "0", "0", "ffffffff4f000000", 1],
    ["fcvt.s.w", 0, "ffffffff80000000", "0", "0", "ffffffffcf000000", 0],
    ["fcvt.s.w", 0, "ffffffff", "0", "0", "ffffffffbf800000", 0],
    ["fcvt.s.w", 0, "7fffffffffffffff", "0", "0", "ffffffffbf800000", 0],
    ["fcvt.s.w", 0, "8000000000000000", "0", "0", "ffffffff00000000", 0],
    ["fcvt.s.w", 0, "123456789abcdef", "0", "0", "ffffffffceeca864", 1],
    ["fcvt.s.w", 0, "ffffffff80000000", "0", "0", "ffffffffcf000000", 0],
    ["fcvt.s.wu", 0, "0", "0", "0", "ffffffff00000000", 0],
    ["fcvt.s.wu", 0, "1", "0", "0", "ffffffff3f800000", 0],
    ["fcvt.s.wu", 0, "ffffffffffffffff", "0", "0", "ffffffff4f800000", 1],
    ["fcvt.s.wu", 0, "7fffffff", "0", "0", "ffffffff4f000000", 1],
    ["fcvt.s.wu", 0, "ffffffff80000000", "0", "0", "ffffffff4f000000", 0],
    ["fcvt.s.wu", 0, "ffffffff", "0", "0", "ffffffff4f800000", 1],
    ["fcvt.s.wu", 0, "7fffffffffffffff", "0", "0", "ffffffff4f800000", 1],
    ["fcvt.s.wu", 0, "8000000000000000", "0", "0", "ffffffff00000000", 0],
    ["fcvt.s.wu", 0, "123456789abcdef", "0", "0", "ffffffff4f09abce", 1],
    ["fcvt.s.wu", 0, "ffffffff80000000", "0", "0", "ffffffff4f000000", 0],
    ["fcvt.s.l", 0, "0", "0", "0", "ffffffff00000000", 0],
    ["fcvt.s.l", 0, "1", "0", "0", "ffffffff3f800000", 0],
    ["fcvt.s.l", 0, "ffffffffffffffff", "0", "0", "ffffffffbf800000", 0],
    ["fcvt.s.l", 0, "7fffffff", "0", "0", "ffffffff4f000000", 1],
    ["fcvt.s.l", 0, "ffffffff80000000", "0", "0", "ffffffffcf000000", 0],
    ["fcvt.s.l", 0, "ffffffff", "0", "0", "ffffffff4f800000", 1],
    ["fcvt.s.l", 0, "7fffffffffffffff", "0", "0", "ffffffff5f000000", 1],
    ["fcvt.s.l", 0, "8000000000000000", "0", "0", "ffffffffdf000000", 0],
    ["fcvt.s.l", 0, "123456789abcdef", "0", "0", "ffffffff5b91a2b4", 1],
    ["fcvt.s.l", 0, "ffffffff80000000", "0", "0", "ffffffffcf000000", 0],
    ["fcvt.s.lu", 0, "0", "0", "0", "ffffffff00000000", 0],
    ["fcvt.s.lu", 0, "1", "0", "0", "ffffffff3f800000", 0],
    ["fcvt.s.lu", 0, "ffffffffffffffff", "0", "0", "ffffffff5f800000", 1],
    ["fcvt.s.lu", 0, "7fffffff", "0", "0", "ffffffff4f000000", 1],
    ["fcvt.s.lu", 0, "ffffffff80000000", "0", "0", "ffffffff5f800000", 1],
    ["fcvt.s.lu", 0, "ffffffff", "0", "0", "ffffffff4f800000", 1],
    ["fcvt.s.lu", 0, "7fffffffffffffff", "0", "0", "ffffffff5f000000", 1],
    ["fcvt.s.lu", 0, "8000000000000000", "0", "0", "ffffffff5f000000", 0],
    ["fcvt.s.lu", 0, "123456789abcdef", "0", "0", "ffffffff5b91a2b4", 1],
    ["fcvt.s.lu", 0, "ffffffff80000000", "0", "0", "ffffffff5f800000", 1],
    ["fcvt.d.w", 0, "0", "0", "0", "0", 0],
    ["fcvt.d.w", 0, "1", "0", "0", "3ff0000000000000", 0],
    ["fcvt.d.w", 0, "ffffffffffffffff", "0", "0", "bff0000000000000", 0],
    ["fcvt.d.w", 0, "7fffffff", "0", "0", "41dfffffffc00000", 0],
    ["fcvt.d.w", 0, "ffffffff80000000", "0", "0", "c1e0000000000000", 0],
    ["fcvt.d.w", 0, "ffffffff", "0", "0", "bff0000000000000", 0],
    ["fcvt.d.w", 0, "7fffffffffffffff", "0", "0", "bff0000000000000", 0],
    ["fcvt.d.w", 0, "8000000000000000", "0", "0", "0", 0],
    ["fcvt.d.w", 0, "123456789abcdef", "0", "0", "c1dd950c84400000", 0],
    ["fcvt.d.w", 0, "ffffffff80000000", "0", "0", "c1e0000000000000", 0],
    ["fcvt.d.wu", 0, "0", "0", "0", "0", 0],
    ["fcvt.d.wu", 0, "1", "0", "0", "3ff0000000000000", 0],
    ["fcvt.d.wu", 0, "ffffffffffffffff", "0", "0", "41efffffffe00000", 0],
    ["fcvt.d.wu", 0, "7fffffff", "0", "0", "41dfffffffc00000", 0],
    ["fcvt.d.wu", 0, "ffffffff80000000", "0", "0", "41e0000000000000", 0],
    ["fcvt.d.wu", 0, "ffffffff", "0", "0", "41efffffffe00000", 0],
    ["fcvt.d.wu", 0, "7fffffffffffffff", "0", "0", "41efffffffe00000", 0],
    ["fcvt.d.wu", 0, "8000000000000000", "0", "0", "0", 0],
    ["fcvt.d.wu", 0, "123456789abcdef", "0", "0", "41e13579bde00000", 0],
    ["fcvt.d.wu", 0, "ffffffff80000000", "0", "0", "41e0000000000000", 0],
    ["fcvt.d.l", 0, "0", "0", "0", "0", 0],
    ["fcvt.d.l", 0, "1", "0", "0", "3ff0000000000000", 0],
    ["fcvt.d.l", 0, "ffffffffffffffff", "0", "0", "bff0000000000000", 0],
    ["fcvt.d.l", 0, "7fffffff", "0", "0", "41dfffffffc00000", 0],
    ["fcvt.d.l", 0, "ffffffff80000000", "0", "0", "c1e0000000000000", 0],
    ["fcvt.d.l", 0, "ffffffff", "0", "0", "41efffffffe00000", 0],
    ["fcvt.d.l", 0, "7fffffffffffffff", "0", "0", "43e0000000000000", 1],
    ["fcvt.d.l", 0, "8000000000000000", "0", "0", "c3e0000000000000", 0],
    ["fcvt.d.l", 0, "123456789abcdef", "0", "0", "43723456789abcdf", 1],
    ["fcvt.d.l", 0, "ffffffff80000000", "0", "0", "c1e0000000000000", 0],
    ["fcvt.d.lu", 0, "0", "0", "0", "0", 0],
    ["fcvt.d.lu", 0, "1", "0", "0", "3ff0000000000000", 0],
    ["fcvt.d.lu", 0, "ffffffffffffffff", "0", "0", "43f0000000000000", 1],
    ["fcvt.d.lu", 0, "7fffffff", "0", "0", "41dfffffffc00000", 0],
    ["fcvt.d.lu", 0, "ffffffff80000000", "0", "0", "43effffffff00000", 0],
    ["fcvt.d.lu", 0, "ffffffff", "0", "0", "41efffffffe00000", 0],
    ["fcvt.d.lu", 0, "7fffffffffffffff", "0", "0", "43e0000000000000", 1],
    ["fcvt.d.lu", 0, "8000000000000000", "0", "0", "43e0000000000000", 0],
    ["fcvt.d.lu", 0, "123456789abcdef", "0", "0", "43723456789abcdf", 1],
    ["fcvt.d.lu", 0, "ffffffff80000000", "0", "0", "43effffffff00000", 0],
  ],
};

for (const [group, vecs] of Object.entries(VECTORS)) {
  Deno.test(`reference vectors: ${group} (${vecs.length}, static and dynamic rm)`, () => {
    checkVectors(vecs);
  });
}
