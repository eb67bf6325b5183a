// cflags: -frounding-math -fno-math-errno
/*
 * Floating point as numeric code uses it: an n-body simulation in double
 * (sqrt, division), a single-precision matrix product with fused
 * multiply-adds (fmaf), sqrt/division chains in both precisions, and sums
 * in each static rounding mode. After each part the accrued exception flags
 * (fflags) are folded into the checksum and cleared, so the flags must match
 * the host's too. Built with -frounding-math; the host computes the same bits
 * (x86-64 SSE and RISC-V both detect tininess after rounding).
 */
#include <stdint.h>
#include "checksum.h"

#ifndef ITERATIONS
#define ITERATIONS 10
#endif

#ifdef __riscv
static unsigned read_flags(void) {
  unsigned f;
  __asm__ volatile("frflags %0" : "=r"(f));
  return f;
}
static void clear_flags(void) { __asm__ volatile("fsflags zero"); }
static void set_round(int rm) { __asm__ volatile("fsrm %0" : : "r"(rm)); }
static double min_d(double a, double b) {
  double r;
  __asm__("fmin.d %0, %1, %2" : "=f"(r) : "f"(a), "f"(b));
  return r;
}
static double max_d(double a, double b) {
  double r;
  __asm__("fmax.d %0, %1, %2" : "=f"(r) : "f"(a), "f"(b));
  return r;
}
#else
#include <math.h>
static double min_d(double a, double b) { return fmin(a, b); }
static double max_d(double a, double b) { return fmax(a, b); }
#include <fenv.h>
/* The host's flags in RISC-V's fflags order: NX, UF, OF, DZ, NV. */
static unsigned read_flags(void) {
  int e = fetestexcept(FE_ALL_EXCEPT);
  return (e & FE_INEXACT ? 1 : 0) | (e & FE_UNDERFLOW ? 2 : 0) | (e & FE_OVERFLOW ? 4 : 0) |
         (e & FE_DIVBYZERO ? 8 : 0) | (e & FE_INVALID ? 16 : 0);
}
static void clear_flags(void) { feclearexcept(FE_ALL_EXCEPT); }
static void set_round(int rm) {
  static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
  fesetround(modes[rm]);
}
#endif

static uint64_t acc;
static void fold(uint64_t v) { acc = (acc ^ v) * 0x100000001b3ull + (acc >> 29); }
static uint64_t bits(double d) {
  union { double d; uint64_t u; } v = { d };
  return v.u;
}
static uint32_t fbits(float f) {
  union { float f; uint32_t u; } v = { f };
  return v.u;
}
static void fold_flags(void) {
  fold(read_flags());
  clear_flags();
}

/* --- n-body (5 bodies, double) --- */
#define BODIES 5
static double px[BODIES], py[BODIES], pz[BODIES], vx[BODIES], vy[BODIES], vz[BODIES], mass[BODIES];

static void nbody_init(int seed) {
  for (int i = 0; i < BODIES; i++) {
    px[i] = (double)((i * 37 + seed) % 11) - 5.0;
    py[i] = (double)((i * 53 + seed) % 13) / 3.0 - 2.0;
    pz[i] = (double)((i * 71 + seed) % 7) / 7.0;
    vx[i] = (double)((i * 17 + seed) % 5) / 100.0;
    vy[i] = (double)((i * 29 + seed) % 9) / 90.0 - 0.05;
    vz[i] = 0.01 * i;
    mass[i] = 1.0 + i * 0.25;
  }
}

static double nbody(int steps, double dt) {
  for (int s = 0; s < steps; s++) {
    for (int i = 0; i < BODIES; i++)
      for (int j = i + 1; j < BODIES; j++) {
        double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
        double d2 = dx * dx + dy * dy + dz * dz + 0.01;
        double mag = dt / (d2 * __builtin_sqrt(d2));
        vx[i] -= dx * mass[j] * mag;
        vy[i] -= dy * mass[j] * mag;
        vz[i] -= dz * mass[j] * mag;
        vx[j] += dx * mass[i] * mag;
        vy[j] += dy * mass[i] * mag;
        vz[j] += dz * mass[i] * mag;
      }
    for (int i = 0; i < BODIES; i++) {
      px[i] += dt * vx[i];
      py[i] += dt * vy[i];
      pz[i] += dt * vz[i];
    }
  }
  double e = 0;
  for (int i = 0; i < BODIES; i++)
    e += 0.5 * mass[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
  return e;
}

/* --- single-precision matrix product with fused multiply-add --- */
#define M 40
static float ma[M][M], mb[M][M], mc[M][M];

static float matmul_fma(int seed) {
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) {
      ma[i][j] = (float)((i * 7 + j * 3 + seed) % 23) / 9.0f - 1.0f;
      mb[i][j] = (float)((i * 5 + j * 11 + seed) % 19) / 7.0f + 0.5f;
    }
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) {
      float s = 0.0f;
      for (int k = 0; k < M; k++) s = __builtin_fmaf(ma[i][k], mb[k][j], s);
      mc[i][j] = s;
    }
  float t = 0.0f;
  for (int i = 0; i < M; i++) t = __builtin_fmaf(mc[i][i], 0.5f, t - mc[i][M - 1 - i]);
  return t;
}

/* --- double fused multiply-add: a Horner polynomial --- */
static double horner_fma(int n) {
  double acc2 = 0;
  for (int i = 0; i < n; i++) {
    double x = (double)i / n - 0.5;
    double p = 0.0078125;
    p = __builtin_fma(p, x, -0.0416666);
    p = __builtin_fma(p, x, 0.1666666);
    p = __builtin_fma(p, x, -0.5);
    p = __builtin_fma(p, x, 1.0);
    acc2 += p;
  }
  return acc2;
}

/* --- sqrt and division chains --- */
static double chain_d(int n) {
  double x = 2.0;
  for (int i = 0; i < n; i++) x = __builtin_sqrt(x + 1.0) / (1.0 + 1.0 / (x + i));
  return x;
}
static float chain_f(int n) {
  float x = 3.0f;
  for (int i = 0; i < n; i++) x = __builtin_sqrtf(x * 1.5f + 0.25f) / (0.75f + 1.0f / (x + (float)i));
  return x;
}

/* --- each static rounding mode (set through frm, so dynamic) --- */
static volatile double third = 1.0 / 3.0;
static double rounded_sum(int rm, int n) {
  set_round(rm);
  double s = 0;
  float f = 0;
  for (int i = 1; i <= n; i++) {
    s += third * i / (i + 2);
    f += (float)s / (float)(i * 3);
  }
  set_round(0);
  return s + f;
}

/* --- conversions, compares, min/max, and the flags of rare cases --- */
static volatile double tiny = 1e-300, huge = 1e300, zero = 0.0;
static uint64_t odds(int n) {
  uint64_t h = 0;
  for (int i = 0; i < n; i++) {
    double d = (i - n / 2) * 1.37;
    int32_t w = (int32_t)d;
    int64_t l = (int64_t)(d * 1e6);
    float f = (float)l;
    h = h * 31 + (uint64_t)w + (uint64_t)l + fbits(f) + (d < 0.5) + (d <= f) + (d == w);
    h += bits(min_d(d, 1.0)) ^ bits(max_d(d, -1.0));
  }
  fold_flags();
  fold(bits(tiny * tiny)); /* underflow to zero: UF, NX */
  fold_flags();
  fold(bits(huge * huge)); /* overflow: OF, NX */
  fold_flags();
  fold(bits(1.0 / zero)); /* DZ */
  fold_flags();
  double nan = zero / zero; /* NV (NaN bits differ between hosts: not folded) */
  fold(nan != nan);
  fold_flags();
  fold(bits(tiny * 1e-10)); /* subnormal result, inexact: UF, NX */
  fold_flags();
  return h;
}

int main(void) {
  acc = 0;
  clear_flags();
  for (int it = 0; it < ITERATIONS; it++) {
    nbody_init(it);
    fold(bits(nbody(4000, 0.001)));
    fold_flags();
    fold(fbits(matmul_fma(it)));
    fold_flags();
    fold(bits(horner_fma(20000 + it)));
    fold_flags();
    fold(bits(chain_d(30000)));
    fold(fbits(chain_f(30000)));
    fold_flags();
    for (int rm = 0; rm < 4; rm++) fold(bits(rounded_sum(rm, 5000 + it)));
    fold_flags();
    fold(odds(3000));
  }
  return report_checksum(acc);
}
