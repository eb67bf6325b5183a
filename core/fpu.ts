/**
 * RISC-V F and D computational instructions (RV64): OP-FP and the fused
 * multiply-add opcodes. Loads and stores are the interpreter's job.
 *
 * Results are exact per the RISC-V spec (IEEE 754-2008 with canonical NaNs,
 * tininess after rounding, NaN boxing of singles). The common case runs on
 * native doubles: JS + - * / sqrt are correctly rounded to nearest-even, and
 * error-free transformations (TwoSum, Dekker's TwoProduct) give the exact
 * residual, from which we set NX and derive the directed roundings. Singles
 * are computed in double and rounded with Math.fround, which is correct for
 * + - * / sqrt (53 >= 2×24+2); fused single ops round the exact double-double
 * sum with a midpoint check. Whatever the fast path cannot prove (overflow,
 * underflow, NaN/infinity operands, subnormal edge cases, extreme exponents)
 * goes to the exact BigInt implementation in softfloat.ts.
 */

import type { HartState } from "./state.ts";
import * as SF from "./softfloat.ts";

const NX = 1;
const DZ = 8;
const NV = 16;

const RNE = 0;
const RTZ = 1;
const RDN = 2;
const RUP = 3;
const RMM = 4;

const TWO32 = 4294967296;
const TWO52 = 4503599627370496;
const TWO63 = 9223372036854775808;
const TWO64 = 18446744073709551616;
/** Veltkamp splitter 2^27 + 1. */
const SPLIT = 134217729;
const MAX_D = Number.MAX_VALUE;
const MIN_NORMAL_D = 2 ** -1022;
/** Below this an inexact double result may be tiny: take the exact path. */
const T_D = 2 ** -1000;
/** Products at least this large have representable Dekker error terms. */
const MIN_PROD = 2 ** -960;
/** Operands at most this large can be split without overflow. */
const MAX_SPLIT = 2 ** 995;
const BIG_D = 2 ** 1020;
const MAX_S = 3.4028234663852886e38;
const MIN_NORMAL_S = 2 ** -126;
const SIGN64 = 0x8000000000000000n;
const CANON_S = 0x7fc00000;
const CANON_D_HI = 0x7ff80000;

// Scratch views for bit manipulation (little-endian, like the hart state).
const scratch = new ArrayBuffer(8);
const sF64 = new Float64Array(scratch);
const sF32 = new Float32Array(scratch);
const sI32 = new Int32Array(scratch);

/**
 * Operands and results of the rounding helpers. Passing doubles to or from
 * functions V8 does not inline boxes them (a heap allocation per instruction);
 * a typed array does not. res[3] holds a NaN for the same reason: a NaN
 * literal merged with a double makes V8 box the double.
 */
const res = new Float64Array(4);
res[3] = NaN;

/** Flags accrued by the instruction being executed. */
let fx = 0;

// ---------------------------------------------------------------------------
// Native-double helpers

/** Replaces res[0] (nonzero, finite) by its neighbor toward +inf if up, else -inf. */
function stepD(up: boolean): void {
  const r = res[0];
  sF64[0] = r;
  let lo = sI32[0];
  let hi = sI32[1];
  if ((r > 0) === up) {
    lo = (lo + 1) | 0;
    if (lo === 0) hi = (hi + 1) | 0;
  } else {
    if (lo === 0) hi = (hi - 1) | 0;
    lo = (lo - 1) | 0;
  }
  sI32[0] = lo;
  sI32[1] = hi;
  res[0] = sF64[0];
}

/** Replaces the single res[0] (nonzero, finite) by its neighbor toward +inf if up. */
function stepS(up: boolean): void {
  const f = res[0];
  sF32[0] = f;
  const b = sI32[0];
  sI32[0] = (f > 0) === up ? b + 1 : b - 1;
  res[0] = sF32[0];
}

/**
 * Directed rounding (RTZ, RDN, RUP) of res[0] in place, when the exact value
 * lies strictly between res[0] and its neighbor in direction `up`.
 */
function dirRound(up: boolean, rm: number, dbl: boolean): void {
  const r = res[0];
  let pick: boolean;
  if (rm === RTZ) pick = up !== (r > 0);
  else if (rm === RDN) pick = !up;
  else pick = up;
  if (pick) {
    if (dbl) stepD(up);
    else stepS(up);
  }
}

/**
 * Rounds X = r + rh + rl (r, rh, rl in res[0..2]; exact; rh = RN(X - r) ≠ 0)
 * to a double in mode rm, when X is adjacent to r. Returns false when not
 * provable here (tiny, overflow, or X farther than one ulp away); on success
 * the result is in res[0] and NX is set.
 */
function fixD(rm: number): boolean {
  const r = res[0];
  const rh = res[1];
  const ar = Math.abs(r);
  if (!(ar >= T_D && ar <= MAX_D)) return false;
  sF64[0] = r;
  const hi = sI32[1];
  const lo = sI32[0];
  const up = rh > 0;
  const away = (r > 0) === up;
  // u = distance from r to its neighbor in direction up (ulp(r), or half of
  // it when stepping toward zero from a power of two).
  sI32[1] = hi & 0x7ff00000;
  sI32[0] = 0;
  let u = sF64[0] * 2.220446049250313e-16; // 2^e × 2^-52
  if (!away && (hi & 0xfffff) === 0 && lo === 0) u *= 0.5;
  const arh = Math.abs(rh);
  if (!(arh < u)) return false;
  let pick: boolean;
  if (rm === RNE || rm === RMM) {
    const h = u * 0.5;
    if (arh < h) pick = false;
    else if (arh > h) pick = true;
    else if (res[2] !== 0) pick = (res[2] > 0) === up;
    else if (rm === RMM) pick = away;
    else pick = (lo & 1) !== 0;
  } else if (rm === RTZ) {
    pick = !away;
  } else if (rm === RDN) {
    pick = !up;
  } else {
    pick = up;
  }
  if (pick) {
    const n = up ? r + u : r - u; // exactly the neighbor
    if (!(Math.abs(n) <= MAX_D)) return false;
    res[0] = n;
  }
  fx |= NX;
  return true;
}

/**
 * Rounds X = d + e (d, e in res[0..1]; exact; d = RN53(X) or e = 0) to a
 * single in mode rm. Returns false when not provable here (NaN, overflow,
 * tiny and inexact); otherwise the result is in res[0]. Exact results
 * (including zeros, infinities, subnormals) are returned as is.
 */
function fixS(rm: number): boolean {
  const d = res[0];
  const e = res[1];
  const f = Math.fround(d);
  const af = Math.abs(f);
  if (e === 0) {
    if (f === d) {
      res[0] = f;
      return true;
    }
    if (rm === RNE) {
      if (!(af > MIN_NORMAL_S && af <= MAX_S)) return false;
      fx |= NX;
      res[0] = f;
      return true;
    }
  }
  if (!(af > MIN_NORMAL_S && af <= MAX_S)) return false;
  let up: boolean;
  let nearN = false;
  let tie = false;
  if (f === d) {
    up = e > 0;
  } else {
    up = d > f;
    const g = d + (d - f);
    if (Math.fround(g) === g) {
      // d is the midpoint between f and its neighbor g.
      if (e === 0) tie = true;
      else nearN = (e > 0) === up;
    }
  }
  let pick: boolean;
  switch (rm) {
    case RNE:
      pick = nearN;
      break;
    case RMM:
      pick = tie ? up === (f > 0) : nearN;
      break;
    case RTZ:
      pick = up !== (f > 0);
      break;
    case RDN:
      pick = !up;
      break;
    default:
      pick = up;
  }
  res[0] = f;
  if (pick) {
    stepS(up);
    if (!(Math.abs(res[0]) <= MAX_S)) return false;
  }
  fx |= NX;
  return true;
}

// ---------------------------------------------------------------------------
// Register access

function isSNaNS(bits: number): boolean {
  return (bits & 0x7fc00000) === 0x7f800000 && (bits & 0x3fffff) !== 0;
}

function isSNaND(s: HartState, i: number): boolean {
  const hi = s.f32bits[2 * i + 1];
  return (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x7ffff) !== 0 || s.f32bits[2 * i] !== 0);
}

/** The single in f[i] as raw bits, the canonical NaN if not NaN-boxed. */
function bitsS(s: HartState, i: number): number {
  return s.f32bits[2 * i + 1] === -1 ? s.f32bits[2 * i] : CANON_S;
}

function bigS(s: HartState, i: number): bigint {
  return BigInt(bitsS(s, i) >>> 0);
}

function bigD(s: HartState, i: number): bigint {
  return BigInt.asUintN(64, s.f[i]);
}

function writeBitsS(s: HartState, rd: number, bits: number): void {
  s.f32bits[2 * rd] = bits;
  s.f32bits[2 * rd + 1] = -1;
}

function slowS(s: HartState, rd: number, bits: bigint): void {
  writeBitsS(s, rd, Number(bits) | 0);
  fx |= SF.sf.flags;
}

function slowD(s: HartState, rd: number, bits: bigint): void {
  s.f[rd] = BigInt.asIntN(64, bits);
  fx |= SF.sf.flags;
}

/** Writes the canonical NaN (double), raising NV if nv. */
function nanD(s: HartState, rd: number, nv: boolean): void {
  s.f32bits[2 * rd] = 0;
  s.f32bits[2 * rd + 1] = CANON_D_HI;
  if (nv) fx |= NV;
}

/** Writes the canonical NaN (single, boxed), raising NV if nv. */
function nanS(s: HartState, rd: number, nv: boolean): void {
  writeBitsS(s, rd, CANON_S);
  if (nv) fx |= NV;
}

function sNaNS(s: HartState, i: number): boolean {
  return isSNaNS(bitsS(s, i));
}

function writeX(s: HartState, rd: number, lo: number, hi: number): void {
  if (rd !== 0) {
    s.x32[2 * rd] = lo;
    s.x32[2 * rd + 1] = hi;
  }
}

// ---------------------------------------------------------------------------
// Arithmetic

function addD(s: HartState, rd: number, rs1: number, rs2: number, rm: number, neg: boolean): void {
  const a = s.f64[rs1];
  let b = s.f64[rs2];
  if (neg) b = -b;
  const r = a + b;
  if (r - r === 0) {
    const bb = r - a;
    const e = (a - (r - bb)) + (b - bb);
    if (e === 0) {
      if (r !== 0 || rm !== RDN) {
        s.f64[rd] = r;
        return;
      }
    } else if (rm === RNE) {
      if (Math.abs(r) >= T_D) {
        fx |= NX;
        s.f64[rd] = r;
        return;
      }
    } else {
      res[0] = r;
      res[1] = e;
      res[2] = 0;
      if (fixD(rm)) {
        s.f64[rd] = res[0];
        return;
      }
    }
  } else if (r === r && (a - a !== 0 || b - b !== 0)) {
    // ±inf from an infinite operand (not overflow): exact.
    s.f64[rd] = r;
    return;
  }
  if (r !== r) {
    nanD(s, rd, isSNaND(s, rs1) || isSNaND(s, rs2) || (a === a && b === b));
    return;
  }
  SF.sf.flags = 0;
  slowD(s, rd, SF.add(SF.F64, bigD(s, rs1), neg ? bigD(s, rs2) ^ SIGN64 : bigD(s, rs2), rm));
}

function mulD(s: HartState, rd: number, rs1: number, rs2: number, rm: number): void {
  const a = s.f64[rs1];
  const b = s.f64[rs2];
  const p = a * b;
  const ap = Math.abs(p);
  if (ap >= MIN_PROD && ap <= MAX_D) {
    const aa = Math.abs(a);
    const ab = Math.abs(b);
    if (aa <= MAX_SPLIT && ab <= MAX_SPLIT && aa >= MIN_NORMAL_D && ab >= MIN_NORMAL_D) {
      // Dekker's TwoProduct: a×b = p + e exactly.
      let t = SPLIT * a;
      const ah = t - (t - a);
      const al = a - ah;
      t = SPLIT * b;
      const bh = t - (t - b);
      const bl = b - bh;
      const e = al * bl - (((p - ah * bh) - al * bh) - ah * bl);
      if (e === 0) {
        s.f64[rd] = p;
        return;
      }
      if (rm === RNE) {
        fx |= NX;
        s.f64[rd] = p;
        return;
      }
      res[0] = p;
      res[1] = e;
      res[2] = 0;
      if (fixD(rm)) {
        s.f64[rd] = res[0];
        return;
      }
    }
  } else if ((p === 0 && (a === 0 || b === 0)) || (p === p && (a - a !== 0 || b - b !== 0))) {
    // Exact zero from a zero operand, or ±inf from an infinite one.
    s.f64[rd] = p;
    return;
  }
  if (p !== p) {
    nanD(s, rd, isSNaND(s, rs1) || isSNaND(s, rs2) || (a === a && b === b));
    return;
  }
  SF.sf.flags = 0;
  slowD(s, rd, SF.mul(SF.F64, bigD(s, rs1), bigD(s, rs2), rm));
}

function divD(s: HartState, rd: number, rs1: number, rs2: number, rm: number): void {
  const a = s.f64[rs1];
  const b = s.f64[rs2];
  const q = a / b;
  const aq = Math.abs(q);
  const aa = Math.abs(a);
  const ab = Math.abs(b);
  if (
    aq >= MIN_PROD && aq <= MAX_SPLIT && ab >= MIN_NORMAL_D && ab <= MAX_SPLIT &&
    aa >= MIN_PROD && aa <= BIG_D
  ) {
    // rem = a - q×b exactly (Dekker's TwoProduct of q and b).
    const pp = q * b;
    let t = SPLIT * q;
    const qh = t - (t - q);
    const ql = q - qh;
    t = SPLIT * b;
    const bh = t - (t - b);
    const bl = b - bh;
    const pe = ql * bl - (((pp - qh * bh) - ql * bh) - qh * bl);
    const rem = (a - pp) - pe;
    if (rem !== 0) {
      fx |= NX;
      if (rm !== RNE && rm !== RMM) {
        res[0] = q;
        dirRound((rem > 0) === (b > 0), rm, true);
        s.f64[rd] = res[0];
        return;
      }
    }
    s.f64[rd] = q;
    return;
  } else if (q === q && (a === 0 || a - a !== 0 || b - b !== 0 || b === 0)) {
    // Zero or infinite operands (not NaN results): exact; finite/0 is DZ.
    if (b === 0 && a - a === 0) fx |= DZ;
    s.f64[rd] = q;
    return;
  }
  if (q !== q) {
    nanD(s, rd, isSNaND(s, rs1) || isSNaND(s, rs2) || (a === a && b === b));
    return;
  }
  SF.sf.flags = 0;
  slowD(s, rd, SF.div(SF.F64, bigD(s, rs1), bigD(s, rs2), rm));
}

function sqrtD(s: HartState, rd: number, rs1: number, rm: number): void {
  const a = s.f64[rs1];
  if (a >= MIN_PROD && a <= BIG_D) {
    const r = Math.sqrt(a);
    // rem = a - r×r exactly (Dekker's TwoProduct).
    const pp = r * r;
    const t = SPLIT * r;
    const rh = t - (t - r);
    const rl = r - rh;
    const rem = (a - pp) - (rl * rl - (((pp - rh * rh) - rl * rh) - rh * rl));
    if (rem !== 0) {
      fx |= NX;
      if (rm !== RNE && rm !== RMM) {
        res[0] = r;
        dirRound(rem > 0, rm, true);
        s.f64[rd] = res[0];
        return;
      }
    }
    s.f64[rd] = r;
    return;
  } else if (a === 0) {
    s.f64[rd] = a;
    return;
  }
  if (a !== a || a < 0) {
    nanD(s, rd, a === a || isSNaND(s, rs1));
    return;
  }
  SF.sf.flags = 0;
  slowD(s, rd, SF.sqrt(SF.F64, bigD(s, rs1), rm));
}

function fmaD(
  s: HartState,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
  negP: boolean,
  negC: boolean,
): void {
  let a = s.f64[rs1];
  const b = s.f64[rs2];
  let c = s.f64[rs3];
  if (negP) a = -a;
  if (negC) c = -c;
  const p = a * b;
  const ap = Math.abs(p);
  if (ap >= MIN_PROD && ap <= BIG_D && Math.abs(c) <= BIG_D) {
    const aa = Math.abs(a);
    const ab = Math.abs(b);
    if (aa <= MAX_SPLIT && ab <= MAX_SPLIT && aa >= MIN_NORMAL_D && ab >= MIN_NORMAL_D) {
      // Dekker's TwoProduct: a×b = p + pe exactly.
      let bb = SPLIT * a;
      const ah = bb - (bb - a);
      const al = a - ah;
      bb = SPLIT * b;
      const bh = bb - (bb - b);
      const bl = b - bh;
      const pe = al * bl - (((p - ah * bh) - al * bh) - ah * bl);
      // X = p + pe + c exactly. s1 + e1 = p + c.
      const s1 = p + c;
      bb = s1 - p;
      const e1 = (p - (s1 - bb)) + (c - bb);
      // t + e3 = e1 + pe.
      const t = e1 + pe;
      bb = t - e1;
      const e3 = (e1 - (t - bb)) + (pe - bb);
      // r + e4 = s1 + t, so X = r + e4 + e3.
      const r = s1 + t;
      bb = r - s1;
      const e4 = (s1 - (r - bb)) + (t - bb);
      // rh + rl = e4 + e3 = X - r exactly.
      const rh = e4 + e3;
      bb = rh - e4;
      const rl = (e4 - (rh - bb)) + (e3 - bb);
      if (rh === 0) {
        if (r !== 0) {
          s.f64[rd] = r;
          return;
        }
      } else {
        res[0] = r;
        res[1] = rh;
        res[2] = rl;
        if (fixD(rm)) {
          s.f64[rd] = res[0];
          return;
        }
      }
    }
  } else if (p === 0 && (a === 0 || b === 0) && c - c === 0) {
    const r = p + c;
    if (r !== 0 || rm !== RDN) {
      s.f64[rd] = r;
      return;
    }
  } else if (a - a !== 0 || b - b !== 0 || c - c !== 0) {
    // An infinite operand: ±inf unless invalid (NaN), exact.
    const r = p + c;
    if (r === r && r - r !== 0) {
      s.f64[rd] = r;
      return;
    }
  }
  if (a !== a || b !== b || c !== c || p !== p) {
    // NaN operand, or ∞×0 (invalid even when c is a quiet NaN).
    nanD(
      s,
      rd,
      isSNaND(s, rs1) || isSNaND(s, rs2) || isSNaND(s, rs3) || (p !== p && a === a && b === b),
    );
    return;
  }
  SF.sf.flags = 0;
  let ba = bigD(s, rs1);
  let bc = bigD(s, rs3);
  if (negP) ba ^= SIGN64;
  if (negC) bc ^= SIGN64;
  slowD(s, rd, SF.fma(SF.F64, ba, bigD(s, rs2), bc, rm));
}

function addS(s: HartState, rd: number, rs1: number, rs2: number, rm: number, neg: boolean): void {
  const a = s.f32bits[2 * rs1 + 1] === -1 ? s.f32[2 * rs1] : res[3];
  let b = s.f32bits[2 * rs2 + 1] === -1 ? s.f32[2 * rs2] : res[3];
  if (neg) b = -b;
  const d = a + b;
  const bb = d - a;
  const e = (a - (d - bb)) + (b - bb);
  if (d !== 0 || rm !== RDN) {
    res[0] = d;
    res[1] = e;
    if (fixS(rm)) {
      s.f32[2 * rd] = res[0];
      s.f32bits[2 * rd + 1] = -1;
      return;
    }
    // Singles cannot overflow a double: ±inf comes from an infinite operand.
    if (d === Infinity || d === -Infinity) {
      s.f32[2 * rd] = d;
      s.f32bits[2 * rd + 1] = -1;
      return;
    }
  }
  if (d !== d) {
    nanS(s, rd, sNaNS(s, rs1) || sNaNS(s, rs2) || (a === a && b === b));
    return;
  }
  SF.sf.flags = 0;
  const b2 = bigS(s, rs2);
  slowS(s, rd, SF.add(SF.F32, bigS(s, rs1), neg ? b2 ^ 0x80000000n : b2, rm));
}

function mulS(s: HartState, rd: number, rs1: number, rs2: number, rm: number): void {
  const a = s.f32bits[2 * rs1 + 1] === -1 ? s.f32[2 * rs1] : res[3];
  const b = s.f32bits[2 * rs2 + 1] === -1 ? s.f32[2 * rs2] : res[3];
  const p = a * b;
  res[0] = p;
  res[1] = 0;
  if (fixS(rm)) {
    s.f32[2 * rd] = res[0];
    s.f32bits[2 * rd + 1] = -1;
    return;
  }
  if (p !== p) {
    nanS(s, rd, sNaNS(s, rs1) || sNaNS(s, rs2) || (a === a && b === b));
    return;
  }
  SF.sf.flags = 0;
  slowS(s, rd, SF.mul(SF.F32, bigS(s, rs1), bigS(s, rs2), rm));
}

function divS(s: HartState, rd: number, rs1: number, rs2: number, rm: number): void {
  const a = s.f32bits[2 * rs1 + 1] === -1 ? s.f32[2 * rs1] : res[3];
  const b = s.f32bits[2 * rs2 + 1] === -1 ? s.f32[2 * rs2] : res[3];
  const q = a / b;
  const f = Math.fround(q);
  const af = Math.abs(f);
  if (af > MIN_NORMAL_S && af <= MAX_S) {
    const t = f * b;
    if (t === a) {
      s.f32[2 * rd] = f;
      s.f32bits[2 * rd + 1] = -1;
      return;
    }
    if (rm === RNE || rm === RMM) {
      fx |= NX;
      s.f32[2 * rd] = f;
      s.f32bits[2 * rd + 1] = -1;
      return;
    }
    res[0] = f;
    dirRound((a > t) === (b > 0), rm, false);
    if (Math.abs(res[0]) <= MAX_S) {
      fx |= NX;
      s.f32[2 * rd] = res[0];
      s.f32bits[2 * rd + 1] = -1;
      return;
    }
  } else if (q === q && (a === 0 || a - a !== 0 || b - b !== 0 || b === 0)) {
    // Zero or infinite operands (not NaN results): exact; finite/0 is DZ.
    if (b === 0 && a - a === 0) fx |= DZ;
    s.f32[2 * rd] = q;
    s.f32bits[2 * rd + 1] = -1;
    return;
  }
  if (q !== q) {
    nanS(s, rd, sNaNS(s, rs1) || sNaNS(s, rs2) || (a === a && b === b));
    return;
  }
  SF.sf.flags = 0;
  slowS(s, rd, SF.div(SF.F32, bigS(s, rs1), bigS(s, rs2), rm));
}

function sqrtS(s: HartState, rd: number, rs1: number, rm: number): void {
  const a = s.f32bits[2 * rs1 + 1] === -1 ? s.f32[2 * rs1] : res[3];
  if (a > 0 && a <= MAX_S) {
    const f = Math.fround(Math.sqrt(a));
    const t = f * f;
    if (t !== a) {
      fx |= NX;
      if (rm !== RNE && rm !== RMM) {
        res[0] = f;
        dirRound(a > t, rm, false);
        s.f32[2 * rd] = res[0];
        s.f32bits[2 * rd + 1] = -1;
        return;
      }
    }
    s.f32[2 * rd] = f;
    s.f32bits[2 * rd + 1] = -1;
    return;
  } else if (a === 0) {
    s.f32[2 * rd] = a;
    s.f32bits[2 * rd + 1] = -1;
    return;
  }
  if (a !== a || a < 0) {
    nanS(s, rd, a === a || sNaNS(s, rs1));
    return;
  }
  SF.sf.flags = 0;
  slowS(s, rd, SF.sqrt(SF.F32, bigS(s, rs1), rm));
}

function fmaS(
  s: HartState,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
  negP: boolean,
  negC: boolean,
): void {
  const a = s.f32bits[2 * rs1 + 1] === -1 ? s.f32[2 * rs1] : res[3];
  const b = s.f32bits[2 * rs2 + 1] === -1 ? s.f32[2 * rs2] : res[3];
  let p = a * b;
  let c = s.f32bits[2 * rs3 + 1] === -1 ? s.f32[2 * rs3] : res[3];
  if (negP) p = -p;
  if (negC) c = -c;
  const d = p + c;
  const bb = d - p;
  const e = (p - (d - bb)) + (c - bb);
  if (d !== 0 || rm !== RDN) {
    res[0] = d;
    res[1] = e;
    if (fixS(rm)) {
      s.f32[2 * rd] = res[0];
      s.f32bits[2 * rd + 1] = -1;
      return;
    }
    // Singles cannot overflow a double: ±inf comes from an infinite operand.
    if (d === Infinity || d === -Infinity) {
      s.f32[2 * rd] = d;
      s.f32bits[2 * rd + 1] = -1;
      return;
    }
  }
  if (a !== a || b !== b || c !== c || p !== p) {
    // NaN operand, or ∞×0 (invalid even when c is a quiet NaN).
    nanS(
      s,
      rd,
      sNaNS(s, rs1) || sNaNS(s, rs2) || sNaNS(s, rs3) || (p !== p && a === a && b === b),
    );
    return;
  }
  SF.sf.flags = 0;
  let ba = bigS(s, rs1);
  let bc = bigS(s, rs3);
  if (negP) ba ^= 0x80000000n;
  if (negC) bc ^= 0x80000000n;
  slowS(s, rd, SF.fma(SF.F32, ba, bigS(s, rs2), bc, rm));
}

// ---------------------------------------------------------------------------
// Conversions

/** FCVT.{W,WU,L,LU}.fmt of the value in res[0] (NaN for any NaN) into x[rd]. */
function cvtToInt(s: HartState, rd: number, rm: number, kind: number): void {
  const v = res[0];
  let r: number;
  switch (rm) {
    case RNE: {
      const av = Math.abs(v);
      if (av < TWO52) {
        const t = av + TWO52 - TWO52;
        r = v < 0 ? -t : t;
      } else r = v;
      break;
    }
    case RTZ:
      r = Math.trunc(v);
      break;
    case RDN:
      r = Math.floor(v);
      break;
    case RUP:
      r = Math.ceil(v);
      break;
    default:
      r = Math.trunc(v);
      if (Math.abs(v - r) >= 0.5) r = v < 0 ? r - 1 : r + 1;
  }
  let lo: number;
  let hi: number;
  let ok: boolean;
  switch (kind) {
    case 0: // W
      ok = r >= -2147483648 && r <= 2147483647;
      if (ok) lo = r | 0;
      else lo = v < 0 ? -2147483648 : 2147483647;
      hi = lo >> 31;
      break;
    case 1: // WU
      ok = r >= 0 && r <= 4294967295;
      if (ok) lo = r | 0;
      else lo = v < 0 ? 0 : -1;
      hi = lo >> 31;
      break;
    case 2: // L
      ok = r >= -TWO63 && r < TWO63;
      if (ok) {
        const h = Math.floor(r / TWO32);
        lo = (r - h * TWO32) | 0;
        hi = h | 0;
      } else if (v < 0) {
        lo = 0;
        hi = -2147483648;
      } else {
        lo = -1;
        hi = 2147483647;
      }
      break;
    default: // LU
      ok = r >= 0 && r < TWO64;
      if (ok) {
        const h = Math.floor(r / TWO32);
        lo = (r - h * TWO32) | 0;
        hi = h | 0;
      } else {
        lo = hi = v < 0 ? 0 : -1;
      }
  }
  if (!ok) fx |= NV;
  else if (r !== v) fx |= NX;
  writeX(s, rd, lo, hi);
}

/** FCVT.fmt.{W,WU,L,LU}: x[rs1] to a single (dbl false) or double in f[rd]. */
function cvtFromInt(
  s: HartState,
  rd: number,
  rs1: number,
  rm: number,
  kind: number,
  dbl: boolean,
): void {
  const lo = s.x32[2 * rs1];
  let d: number;
  let e = 0;
  if (kind === 0) d = lo;
  else if (kind === 1) d = lo >>> 0;
  else {
    const hi = s.x32[2 * rs1 + 1];
    const h = (kind === 2 ? hi : hi >>> 0) * TWO32;
    const l = lo >>> 0;
    d = h + l;
    const bb = d - h;
    e = (h - (d - bb)) + (l - bb);
  }
  if (dbl) {
    if (e === 0) {
      s.f64[rd] = d;
      return;
    }
    res[0] = d;
    res[1] = e;
    res[2] = 0;
    if (fixD(rm)) {
      s.f64[rd] = res[0];
      return;
    }
  } else {
    res[0] = d;
    res[1] = e;
    if (fixS(rm)) {
      s.f32[2 * rd] = res[0];
      s.f32bits[2 * rd + 1] = -1;
      return;
    }
  }
  // Not reached in practice; kept for safety.
  let v: bigint;
  if (kind === 0) v = BigInt(lo);
  else if (kind === 1) v = BigInt(lo >>> 0);
  else if (kind === 2) v = s.x[rs1];
  else v = BigInt.asUintN(64, s.x[rs1]);
  SF.sf.flags = 0;
  if (dbl) slowD(s, rd, SF.fromInt(SF.F64, v, rm));
  else slowS(s, rd, SF.fromInt(SF.F32, v, rm));
}

// ---------------------------------------------------------------------------
// Non-arithmetic

function classify(
  sign: boolean,
  expAllOnes: boolean,
  expZero: boolean,
  mantZero: boolean,
  quiet: boolean,
): number {
  if (expAllOnes) {
    if (mantZero) return sign ? 1 : 1 << 7;
    return quiet ? 1 << 9 : 1 << 8;
  }
  if (expZero) {
    if (mantZero) return sign ? 1 << 3 : 1 << 4;
    return sign ? 1 << 2 : 1 << 5;
  }
  return sign ? 1 << 1 : 1 << 6;
}

function classS(bits: number): number {
  const e = (bits >>> 23) & 0xff;
  return classify(bits < 0, e === 0xff, e === 0, (bits & 0x7fffff) === 0, (bits & 0x400000) !== 0);
}

function classD(hi: number, lo: number): number {
  const e = (hi >>> 20) & 0x7ff;
  return classify(
    hi < 0,
    e === 0x7ff,
    e === 0,
    (hi & 0xfffff) === 0 && lo === 0,
    (hi & 0x80000) !== 0,
  );
}

/** FMIN/FMAX.S (isMax) per the RISC-V 2.2 rules. */
function minMaxS(s: HartState, rd: number, rs1: number, rs2: number, isMax: boolean): void {
  const ba = bitsS(s, rs1);
  const bb = bitsS(s, rs2);
  sI32[0] = ba;
  const a = sF32[0];
  sI32[0] = bb;
  const b = sF32[0];
  let r: number;
  if (a !== a || b !== b) {
    if (isSNaNS(ba) || isSNaNS(bb)) fx |= NV;
    if (a !== a && b !== b) r = CANON_S;
    else r = a !== a ? bb : ba;
  } else if (a < b) r = isMax ? bb : ba;
  else if (b < a) r = isMax ? ba : bb;
  else r = (ba < 0) !== isMax ? ba : bb; // equal: min prefers -0, max prefers +0
  writeBitsS(s, rd, r);
}

function minMaxD(s: HartState, rd: number, rs1: number, rs2: number, isMax: boolean): void {
  const a = s.f64[rs1];
  const b = s.f64[rs2];
  let src: number;
  if (a !== a || b !== b) {
    if (isSNaND(s, rs1) || isSNaND(s, rs2)) fx |= NV;
    if (a !== a && b !== b) {
      s.f32bits[2 * rd] = 0;
      s.f32bits[2 * rd + 1] = CANON_D_HI;
      return;
    }
    src = a !== a ? rs2 : rs1;
  } else if (a < b) src = isMax ? rs2 : rs1;
  else if (b < a) src = isMax ? rs1 : rs2;
  else src = (s.f32bits[2 * rs1 + 1] < 0) !== isMax ? rs1 : rs2;
  const lo = s.f32bits[2 * src];
  const hi = s.f32bits[2 * src + 1];
  s.f32bits[2 * rd] = lo;
  s.f32bits[2 * rd + 1] = hi;
}

/** FEQ (op 2), FLT (1), FLE (0) of f[rs1], f[rs2]; returns 0 or 1. */
function compare(s: HartState, rs1: number, rs2: number, op: number, dbl: boolean): number {
  let a: number;
  let b: number;
  if (dbl) {
    a = s.f64[rs1];
    b = s.f64[rs2];
  } else {
    a = s.f32bits[2 * rs1 + 1] === -1 ? s.f32[2 * rs1] : res[3];
    b = s.f32bits[2 * rs2 + 1] === -1 ? s.f32[2 * rs2] : res[3];
  }
  if (a !== a || b !== b) {
    // FEQ is quiet (NV only for signaling NaNs); FLT and FLE signal on any NaN.
    if (op !== 2) fx |= NV;
    else if (dbl ? isSNaND(s, rs1) || isSNaND(s, rs2) : sNaNS(s, rs1) || sNaNS(s, rs2)) fx |= NV;
    return 0;
  }
  if (op === 2) return a === b ? 1 : 0;
  if (op === 1) return a < b ? 1 : 0;
  return a <= b ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Decoder

/** Resolves the rm field (7 = dynamic frm); -1 if reserved. */
function resolveRm(s: HartState, rm: number): number {
  if (rm === 7) rm = s.frm;
  return rm <= 4 && rm >= 0 ? rm : -1;
}

/**
 * Executes one F/D computational instruction (major opcodes OP-FP 0x53, MADD
 * 0x43, MSUB 0x47, NMSUB 0x4b, NMADD 0x4f), 32-bit encoding. Returns false if
 * the encoding is illegal (reserved funct, bad fmt, invalid rounding mode in rm
 * field or in frm when rm=7) so the caller raises an illegal-instruction
 * exception; in that case nothing has been modified. On success it has written
 * rd (an f or x register; never x0) and accrued fflags.
 */
export function executeFp(s: HartState, insn: number): boolean {
  const opcode = insn & 0x7f;
  const rd = (insn >>> 7) & 31;
  const rs1 = (insn >>> 15) & 31;
  const rs2 = (insn >>> 20) & 31;
  const f3 = (insn >>> 12) & 7;
  fx = 0;
  if (opcode !== 0x53) {
    // R4-type fused multiply-add.
    const fmt = (insn >>> 25) & 3;
    if (fmt > 1) return false;
    if (opcode !== 0x43 && opcode !== 0x47 && opcode !== 0x4b && opcode !== 0x4f) return false;
    const rm = resolveRm(s, f3);
    if (rm < 0) return false;
    const rs3 = insn >>> 27;
    const negP = opcode >= 0x4b; // FNMSUB, FNMADD
    const negC = opcode === 0x47 || opcode === 0x4f; // FMSUB, FNMADD
    if (fmt === 0) fmaS(s, rd, rs1, rs2, rs3, rm, negP, negC);
    else fmaD(s, rd, rs1, rs2, rs3, rm, negP, negC);
    if (fx !== 0) s.fflags |= fx;
    return true;
  }
  const funct7 = insn >>> 25;
  let rm: number;
  switch (funct7) {
    case 0x00: // FADD.S
    case 0x04: // FSUB.S
      if ((rm = resolveRm(s, f3)) < 0) return false;
      addS(s, rd, rs1, rs2, rm, funct7 === 0x04);
      break;
    case 0x01: // FADD.D
    case 0x05: // FSUB.D
      if ((rm = resolveRm(s, f3)) < 0) return false;
      addD(s, rd, rs1, rs2, rm, funct7 === 0x05);
      break;
    case 0x08: // FMUL.S
      if ((rm = resolveRm(s, f3)) < 0) return false;
      mulS(s, rd, rs1, rs2, rm);
      break;
    case 0x09: // FMUL.D
      if ((rm = resolveRm(s, f3)) < 0) return false;
      mulD(s, rd, rs1, rs2, rm);
      break;
    case 0x0c: // FDIV.S
      if ((rm = resolveRm(s, f3)) < 0) return false;
      divS(s, rd, rs1, rs2, rm);
      break;
    case 0x0d: // FDIV.D
      if ((rm = resolveRm(s, f3)) < 0) return false;
      divD(s, rd, rs1, rs2, rm);
      break;
    case 0x2c: // FSQRT.S
      if (rs2 !== 0 || (rm = resolveRm(s, f3)) < 0) return false;
      sqrtS(s, rd, rs1, rm);
      break;
    case 0x2d: // FSQRT.D
      if (rs2 !== 0 || (rm = resolveRm(s, f3)) < 0) return false;
      sqrtD(s, rd, rs1, rm);
      break;
    case 0x10: { // FSGNJ[N|X].S
      if (f3 > 2) return false;
      const a = bitsS(s, rs1);
      const b = bitsS(s, rs2);
      const sign = f3 === 0 ? b : f3 === 1 ? ~b : a ^ b;
      writeBitsS(s, rd, (a & 0x7fffffff) | (sign & 0x80000000));
      break;
    }
    case 0x11: { // FSGNJ[N|X].D
      if (f3 > 2) return false;
      const lo = s.f32bits[2 * rs1];
      const a = s.f32bits[2 * rs1 + 1];
      const b = s.f32bits[2 * rs2 + 1];
      const sign = f3 === 0 ? b : f3 === 1 ? ~b : a ^ b;
      s.f32bits[2 * rd] = lo;
      s.f32bits[2 * rd + 1] = (a & 0x7fffffff) | (sign & 0x80000000);
      break;
    }
    case 0x14: // FMIN.S / FMAX.S
      if (f3 > 1) return false;
      minMaxS(s, rd, rs1, rs2, f3 === 1);
      break;
    case 0x15: // FMIN.D / FMAX.D
      if (f3 > 1) return false;
      minMaxD(s, rd, rs1, rs2, f3 === 1);
      break;
    case 0x20: { // FCVT.S.D
      if (rs2 !== 1 || (rm = resolveRm(s, f3)) < 0) return false;
      res[0] = s.f64[rs1];
      res[1] = 0;
      if (fixS(rm)) {
        s.f32[2 * rd] = res[0];
        s.f32bits[2 * rd + 1] = -1;
      } else if (res[0] !== res[0]) nanS(s, rd, isSNaND(s, rs1));
      else {
        SF.sf.flags = 0;
        slowS(s, rd, SF.cvtFF(SF.F64, SF.F32, bigD(s, rs1), rm));
      }
      break;
    }
    case 0x21: { // FCVT.D.S
      if (rs2 !== 0 || (rm = resolveRm(s, f3)) < 0) return false;
      const v = s.f32bits[2 * rs1 + 1] === -1 ? s.f32[2 * rs1] : res[3];
      if (v === v) s.f64[rd] = v;
      else nanD(s, rd, sNaNS(s, rs1));
      break;
    }
    case 0x50: { // FLE.S / FLT.S / FEQ.S
      if (f3 > 2) return false;
      writeX(s, rd, compare(s, rs1, rs2, f3, false), 0);
      break;
    }
    case 0x51: { // FLE.D / FLT.D / FEQ.D
      if (f3 > 2) return false;
      writeX(s, rd, compare(s, rs1, rs2, f3, true), 0);
      break;
    }
    case 0x60: // FCVT.{W,WU,L,LU}.S
      if (rs2 > 3 || (rm = resolveRm(s, f3)) < 0) return false;
      res[0] = s.f32bits[2 * rs1 + 1] === -1 ? s.f32[2 * rs1] : res[3];
      cvtToInt(s, rd, rm, rs2);
      break;
    case 0x61: // FCVT.{W,WU,L,LU}.D
      if (rs2 > 3 || (rm = resolveRm(s, f3)) < 0) return false;
      res[0] = s.f64[rs1];
      cvtToInt(s, rd, rm, rs2);
      break;
    case 0x68: // FCVT.S.{W,WU,L,LU}
      if (rs2 > 3 || (rm = resolveRm(s, f3)) < 0) return false;
      cvtFromInt(s, rd, rs1, rm, rs2, false);
      break;
    case 0x69: // FCVT.D.{W,WU,L,LU}
      if (rs2 > 3 || (rm = resolveRm(s, f3)) < 0) return false;
      cvtFromInt(s, rd, rs1, rm, rs2, true);
      break;
    case 0x70: // FMV.X.W / FCLASS.S
      if (rs2 !== 0 || f3 > 1) return false;
      if (f3 === 0) {
        const v = s.f32bits[2 * rs1];
        writeX(s, rd, v, v >> 31);
      } else {
        writeX(s, rd, classS(bitsS(s, rs1)), 0);
      }
      break;
    case 0x71: // FMV.X.D / FCLASS.D
      if (rs2 !== 0 || f3 > 1) return false;
      if (f3 === 0) writeX(s, rd, s.f32bits[2 * rs1], s.f32bits[2 * rs1 + 1]);
      else writeX(s, rd, classD(s.f32bits[2 * rs1 + 1], s.f32bits[2 * rs1]), 0);
      break;
    case 0x78: // FMV.W.X
      if (rs2 !== 0 || f3 !== 0) return false;
      writeBitsS(s, rd, s.x32[2 * rs1]);
      break;
    case 0x79: { // FMV.D.X
      if (rs2 !== 0 || f3 !== 0) return false;
      const lo = s.x32[2 * rs1];
      const hi = s.x32[2 * rs1 + 1];
      s.f32bits[2 * rd] = lo;
      s.f32bits[2 * rd + 1] = hi;
      break;
    }
    default:
      return false;
  }
  if (fx !== 0) s.fflags |= fx;
  return true;
}
