/*
 * A floating-point workload: a Mandelbrot set, a double matrix multiply, a
 * single-precision polynomial and integer/float conversions. No sqrt or libm,
 * and no fused multiply-add (built with -ffp-contract=off), so the host
 * computes the same bits and the checksum checks every result.
 */
#include <stdint.h>

#ifndef ITERATIONS
#define ITERATIONS 6
#endif

static uint64_t bits(double d) {
  union { double d; uint64_t u; } v = { d };
  return v.u;
}

static int mandelbrot(int size, int limit) {
  int inside = 0;
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++) {
      double cr = 2.5 * x / size - 2.0, ci = 2.0 * y / size - 1.0;
      double zr = 0, zi = 0;
      int k = 0;
      while (k < limit && zr * zr + zi * zi <= 4.0) {
        double t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        k++;
      }
      inside += k == limit;
    }
  return inside;
}

#define N 32
static double a[N][N], b[N][N], c[N][N];
static double matrix(int seed) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      a[i][j] = (double)((i * 31 + j * 17 + seed) % 97) / 7.0;
      b[i][j] = (double)((i * 13 + j * 29 + seed) % 89) / 3.0 - 10.0;
    }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      double s = 0;
      for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
      c[i][j] = s;
    }
  double trace = 0;
  for (int i = 0; i < N; i++) trace += c[i][i] - c[i][N - 1 - i] / 3.0;
  return trace;
}

static float poly(int n) {
  float acc = 0.0f;
  for (int i = 0; i < n; i++) {
    float x = (float)i / (float)n;
    acc += ((0.5f * x - 1.25f) * x + 3.0f) * x - 0.125f;
  }
  return acc;
}

uint64_t checksum;

int main(void) {
  uint64_t acc = 0;
  for (int it = 0; it < ITERATIONS; it++) {
    acc = acc * 31 + (uint64_t)mandelbrot(64, 200);
    acc ^= bits(matrix(it));
    union { float f; uint32_t u; } p = { poly(5000 + it) };
    acc = acc * 7 + p.u;
    acc += (uint64_t)(int64_t)(matrix(it + 1) * 1000.0);
  }
  checksum = acc;
#ifdef EXPECTED
  return acc == EXPECTED ? 0 : 1;
#else
  return 0;
#endif
}
