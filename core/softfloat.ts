/**
 * Exact IEEE 754 binary32/binary64 arithmetic on raw bit patterns, with RISC-V
 * semantics: canonical NaN results, tininess detected after rounding, the five
 * RISC-V rounding modes, and the RISC-V integer-conversion saturation rules.
 *
 * Every operation works on exact values (significands as BigInt), so it is slow
 * but simple; core/fpu.ts uses it only when its native-double fast paths cannot
 * prove their result (fused ops near edge cases, overflow, underflow, NaNs…).
 *
 * Values are passed as unsigned BigInt bit patterns (32 or 64 bits wide).
 * Exception flags are OR-ed into `sf.flags` (NX=1, UF=2, OF=4, DZ=8, NV=16).
 */

export const RNE = 0;
export const RTZ = 1;
export const RDN = 2;
export const RUP = 3;
export const RMM = 4;

const NX = 1;
const UF = 2;
const OF = 4;
const DZ = 8;
const NV = 16;

/** Flags accrued by the operations in this module; the caller clears and reads it. */
export const sf = { flags: 0 };

/** An IEEE binary interchange format. */
export interface Fmt {
  /** Precision in bits, including the implicit bit. */
  readonly p: number;
  /** Minimum normal exponent. */
  readonly emin: number;
  /** Maximum exponent. */
  readonly emax: number;
  /** Total width in bits. */
  readonly w: number;
  readonly bias: number;
  readonly fracMask: bigint;
  readonly expMax: number;
  readonly signBit: bigint;
  readonly qnan: bigint;
  readonly inf: bigint;
  readonly maxFinite: bigint;
}

function makeFmt(p: number, expBits: number): Fmt {
  const w = p + expBits;
  const bias = (1 << (expBits - 1)) - 1;
  const fracMask = (1n << BigInt(p - 1)) - 1n;
  const expMax = (1 << expBits) - 1;
  const inf = BigInt(expMax) << BigInt(p - 1);
  return {
    p,
    emin: 1 - bias,
    emax: bias,
    w,
    bias,
    fracMask,
    expMax,
    signBit: 1n << BigInt(w - 1),
    qnan: inf | (1n << BigInt(p - 2)),
    inf,
    maxFinite: inf - 1n,
  };
}

export const F32: Fmt = makeFmt(24, 8);
export const F64: Fmt = makeFmt(53, 11);

// Operand classes.
const ZERO = 0;
const FINITE = 1;
const INF = 2;
const QNAN = 3;
const SNAN = 4;

/** An unpacked operand: value = (-1)^sign × sig × 2^exp for FINITE. */
interface Unpacked {
  cls: number;
  sign: number;
  sig: bigint;
  exp: number;
}

function unpack(fmt: Fmt, bits: bigint): Unpacked {
  const m = fmt.p - 1;
  const frac = bits & fmt.fracMask;
  const e = Number((bits >> BigInt(m)) & BigInt(fmt.expMax));
  const sign = Number((bits >> BigInt(fmt.w - 1)) & 1n);
  if (e === fmt.expMax) {
    if (frac === 0n) return { cls: INF, sign, sig: 0n, exp: 0 };
    return { cls: (frac >> BigInt(m - 1)) & 1n ? QNAN : SNAN, sign, sig: 0n, exp: 0 };
  }
  if (e === 0) {
    if (frac === 0n) return { cls: ZERO, sign, sig: 0n, exp: 0 };
    return { cls: FINITE, sign, sig: frac, exp: fmt.emin - m };
  }
  return { cls: FINITE, sign, sig: frac | (1n << BigInt(m)), exp: e - fmt.bias - m };
}

function isNaNCls(c: number): boolean {
  return c >= QNAN;
}

/** Number of significant bits of a positive BigInt. */
export function bitLength(v: bigint): number {
  // toString(16) is fast in V8 and exact.
  const h = v.toString(16);
  const top = parseInt(h[0], 16);
  return (h.length - 1) * 4 + (32 - Math.clz32(top));
}

function zeroBits(fmt: Fmt, sign: number): bigint {
  return sign ? fmt.signBit : 0n;
}

/** Result of roundAt: the rounded integer and whether rounding was inexact. */
let rq = 0n;
let rInexact = false;

/**
 * Rounds sig × 2^exp (+ a nonzero amount below 2^exp when sticky) to an
 * integer multiple of 2^lsb. Sets rq (the multiple count) and rInexact.
 * When sticky is set, lsb - exp must be >= 2 (callers keep guard bits).
 */
function roundAt(
  sig: bigint,
  exp: number,
  sticky: boolean,
  lsb: number,
  sign: number,
  rm: number,
): void {
  const shift = lsb - exp;
  if (shift <= 0) {
    rq = sig << BigInt(-shift);
    rInexact = sticky;
    return;
  }
  const bs = BigInt(shift);
  let q = sig >> bs;
  const rem = sig & ((1n << bs) - 1n);
  const half = 1n << (bs - 1n);
  const inexact = rem !== 0n || sticky;
  let up = false;
  switch (rm) {
    case RNE:
      up = rem > half || (rem === half && (sticky || (q & 1n) === 1n));
      break;
    case RMM:
      up = rem >= half;
      break;
    case RTZ:
      up = false;
      break;
    case RDN:
      up = inexact && sign === 1;
      break;
    case RUP:
      up = inexact && sign === 0;
      break;
  }
  if (up) q += 1n;
  rq = q;
  rInexact = inexact;
}

function overflowResult(fmt: Fmt, sign: number, rm: number): bigint {
  sf.flags |= OF | NX;
  let toInf: boolean;
  switch (rm) {
    case RTZ:
      toInf = false;
      break;
    case RDN:
      toInf = sign === 1;
      break;
    case RUP:
      toInf = sign === 0;
      break;
    default:
      toInf = true;
  }
  const mag = toInf ? fmt.inf : fmt.maxFinite;
  return sign ? mag | fmt.signBit : mag;
}

/**
 * Rounds the exact value (-1)^sign × (sig + ε) × 2^exp to the format, where
 * 0 < ε < 1 if sticky and ε = 0 otherwise. sig must be > 0. Sets flags.
 */
export function roundPack(
  fmt: Fmt,
  sign: number,
  sig: bigint,
  exp: number,
  sticky: boolean,
  rm: number,
): bigint {
  const p = fmt.p;
  let len = bitLength(sig);
  if (sticky && len < p + 2) {
    const k = p + 2 - len;
    sig <<= BigInt(k);
    exp -= k;
    len += k;
  }
  const E = exp + len - 1; // exponent of the leading bit
  // Rounding with unbounded exponent range.
  roundAt(sig, exp, sticky, E - p + 1, sign, rm);
  let q = rq;
  let E1 = E;
  if (q >> BigInt(p) !== 0n) {
    q >>= 1n;
    E1 = E + 1;
  }
  if (E1 > fmt.emax) return overflowResult(fmt, sign, rm);
  if (E >= fmt.emin) {
    if (rInexact) sf.flags |= NX;
    const bits = (BigInt(E1 + fmt.bias) << BigInt(p - 1)) | (q & fmt.fracMask);
    return sign ? bits | fmt.signBit : bits;
  }
  // Subnormal range: tiny if the unbounded-exponent rounding is below 2^emin.
  const tiny = E1 < fmt.emin;
  roundAt(sig, exp, sticky, fmt.emin - p + 1, sign, rm);
  if (rInexact) {
    sf.flags |= NX;
    if (tiny) sf.flags |= UF;
  }
  // rq <= 2^(p-1); 2^(p-1) carries into the exponent field: min normal.
  return sign ? rq | fmt.signBit : rq;
}

function nanResult(fmt: Fmt, invalid: boolean): bigint {
  if (invalid) sf.flags |= NV;
  return fmt.qnan;
}

/** Rounds an exact signed sum A×2^e (A ≠ 0 or exact zero) with the IEEE zero-sign rule. */
function packSum(fmt: Fmt, sum: bigint, e: number, sa: number, sb: number, rm: number): bigint {
  if (sum === 0n) return zeroBits(fmt, sa === sb ? sa : rm === RDN ? 1 : 0);
  if (sum < 0n) return roundPack(fmt, 1, -sum, e, false, rm);
  return roundPack(fmt, 0, sum, e, false, rm);
}

function addUnpacked(fmt: Fmt, a: Unpacked, b: Unpacked, rm: number): bigint {
  const e = Math.min(a.exp, b.exp);
  let A = a.sig << BigInt(a.exp - e);
  let B = b.sig << BigInt(b.exp - e);
  if (a.sign) A = -A;
  if (b.sign) B = -B;
  return packSum(fmt, A + B, e, a.sign, b.sign, rm);
}

export function add(fmt: Fmt, abits: bigint, bbits: bigint, rm: number): bigint {
  const a = unpack(fmt, abits);
  const b = unpack(fmt, bbits);
  if (isNaNCls(a.cls) || isNaNCls(b.cls)) return nanResult(fmt, a.cls === SNAN || b.cls === SNAN);
  if (a.cls === INF) {
    if (b.cls === INF && a.sign !== b.sign) return nanResult(fmt, true);
    return abits;
  }
  if (b.cls === INF) return bbits;
  if (a.cls === ZERO && b.cls === ZERO) {
    return zeroBits(fmt, a.sign === b.sign ? a.sign : rm === RDN ? 1 : 0);
  }
  if (a.cls === ZERO) return bbits;
  if (b.cls === ZERO) return abits;
  return addUnpacked(fmt, a, b, rm);
}

export function sub(fmt: Fmt, abits: bigint, bbits: bigint, rm: number): bigint {
  return add(fmt, abits, bbits ^ fmt.signBit, rm);
}

export function mul(fmt: Fmt, abits: bigint, bbits: bigint, rm: number): bigint {
  const a = unpack(fmt, abits);
  const b = unpack(fmt, bbits);
  if (isNaNCls(a.cls) || isNaNCls(b.cls)) return nanResult(fmt, a.cls === SNAN || b.cls === SNAN);
  const sign = a.sign ^ b.sign;
  if (a.cls === INF || b.cls === INF) {
    if (a.cls === ZERO || b.cls === ZERO) return nanResult(fmt, true);
    return sign ? fmt.inf | fmt.signBit : fmt.inf;
  }
  if (a.cls === ZERO || b.cls === ZERO) return zeroBits(fmt, sign);
  return roundPack(fmt, sign, a.sig * b.sig, a.exp + b.exp, false, rm);
}

export function div(fmt: Fmt, abits: bigint, bbits: bigint, rm: number): bigint {
  const a = unpack(fmt, abits);
  const b = unpack(fmt, bbits);
  if (isNaNCls(a.cls) || isNaNCls(b.cls)) return nanResult(fmt, a.cls === SNAN || b.cls === SNAN);
  const sign = a.sign ^ b.sign;
  if (a.cls === INF) {
    if (b.cls === INF) return nanResult(fmt, true);
    return sign ? fmt.inf | fmt.signBit : fmt.inf;
  }
  if (b.cls === INF) return zeroBits(fmt, sign);
  if (b.cls === ZERO) {
    if (a.cls === ZERO) return nanResult(fmt, true);
    sf.flags |= DZ;
    return sign ? fmt.inf | fmt.signBit : fmt.inf;
  }
  if (a.cls === ZERO) return zeroBits(fmt, sign);
  const la = bitLength(a.sig);
  const lb = bitLength(b.sig);
  const k = Math.max(0, fmt.p + 3 + lb - la);
  const n = a.sig << BigInt(k);
  const q = n / b.sig;
  const r = n - q * b.sig;
  return roundPack(fmt, sign, q, a.exp - b.exp - k, r !== 0n, rm);
}

/** floor(sqrt(n)) for n >= 0. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  const approx = Math.sqrt(Number(n));
  let x: bigint;
  if (approx < 1e300) {
    const est = BigInt(Math.floor(approx));
    x = est + (est >> 40n) + 2n;
  } else {
    x = 1n << BigInt((bitLength(n) >> 1) + 1);
  }
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  // x is now floor(sqrt(n)) provided the start was >= it; correct any residue.
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

export function sqrt(fmt: Fmt, abits: bigint, rm: number): bigint {
  const a = unpack(fmt, abits);
  if (isNaNCls(a.cls)) return nanResult(fmt, a.cls === SNAN);
  if (a.cls === ZERO) return abits;
  if (a.sign) return nanResult(fmt, true);
  if (a.cls === INF) return abits;
  const la = bitLength(a.sig);
  let k = Math.max(0, 2 * (fmt.p + 3) - la);
  if (((a.exp - k) & 1) !== 0) k++;
  const n = a.sig << BigInt(k);
  const r = isqrt(n);
  return roundPack(fmt, 0, r, (a.exp - k) / 2, r * r !== n, rm);
}

/** a×b + c with a single rounding (negations are applied by the caller to the bits). */
export function fma(fmt: Fmt, abits: bigint, bbits: bigint, cbits: bigint, rm: number): bigint {
  const a = unpack(fmt, abits);
  const b = unpack(fmt, bbits);
  const c = unpack(fmt, cbits);
  const abNaN = isNaNCls(a.cls) || isNaNCls(b.cls);
  const infTimesZero = !abNaN &&
    ((a.cls === INF && b.cls === ZERO) || (a.cls === ZERO && b.cls === INF));
  if (abNaN || isNaNCls(c.cls)) {
    return nanResult(fmt, a.cls === SNAN || b.cls === SNAN || c.cls === SNAN || infTimesZero);
  }
  if (infTimesZero) return nanResult(fmt, true);
  const sp = a.sign ^ b.sign;
  if (a.cls === INF || b.cls === INF) {
    if (c.cls === INF && c.sign !== sp) return nanResult(fmt, true);
    return sp ? fmt.inf | fmt.signBit : fmt.inf;
  }
  if (c.cls === INF) return cbits;
  if (a.cls === ZERO || b.cls === ZERO) {
    if (c.cls === ZERO) return zeroBits(fmt, sp === c.sign ? sp : rm === RDN ? 1 : 0);
    return cbits;
  }
  const prod: Unpacked = { cls: FINITE, sign: sp, sig: a.sig * b.sig, exp: a.exp + b.exp };
  if (c.cls === ZERO) return roundPack(fmt, sp, prod.sig, prod.exp, false, rm);
  return addUnpacked(fmt, prod, c, rm);
}

/** Converts between formats (F32 <-> F64), rounding if narrowing. */
export function cvtFF(from: Fmt, to: Fmt, abits: bigint, rm: number): bigint {
  const a = unpack(from, abits);
  if (isNaNCls(a.cls)) return nanResult(to, a.cls === SNAN);
  if (a.cls === INF) return a.sign ? to.inf | to.signBit : to.inf;
  if (a.cls === ZERO) return zeroBits(to, a.sign);
  return roundPack(to, a.sign, a.sig, a.exp, false, rm);
}

/**
 * Converts to an integer of `width` (32 or 64) bits, signed or unsigned, with
 * RISC-V saturation. Returns the value as it is written to the 64-bit x
 * register (32-bit results sign-extended), as a signed BigInt.
 */
export function toInt(fmt: Fmt, abits: bigint, rm: number, width: number, signed: boolean): bigint {
  const a = unpack(fmt, abits);
  const W = BigInt(width);
  const max = signed ? (1n << (W - 1n)) - 1n : (1n << W) - 1n;
  const min = signed ? -(1n << (W - 1n)) : 0n;
  const out = (v: bigint) => BigInt.asIntN(width, v);
  if (isNaNCls(a.cls)) {
    sf.flags |= NV;
    return out(max);
  }
  if (a.cls === INF) {
    sf.flags |= NV;
    return out(a.sign ? min : max);
  }
  if (a.cls === ZERO) return 0n;
  let mag: bigint;
  let inexact = false;
  if (a.exp >= 0) {
    if (a.exp + bitLength(a.sig) > width + 1) {
      sf.flags |= NV;
      return out(a.sign ? min : max);
    }
    mag = a.sig << BigInt(a.exp);
  } else {
    roundAt(a.sig, a.exp, false, 0, a.sign, rm);
    mag = rq;
    inexact = rInexact;
  }
  const v = a.sign ? -mag : mag;
  if (v > max || v < min) {
    sf.flags |= NV;
    return out(a.sign ? min : max);
  }
  if (inexact) sf.flags |= NX;
  return out(v);
}

/** Converts an integer (given as its exact BigInt value) to the format. */
export function fromInt(fmt: Fmt, v: bigint, rm: number): bigint {
  if (v === 0n) return 0n;
  if (v < 0n) return roundPack(fmt, 1, -v, 0, false, rm);
  return roundPack(fmt, 0, v, 0, false, rm);
}
