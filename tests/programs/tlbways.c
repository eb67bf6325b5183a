/*
 * Two hot data pages 4 MiB apart, as ASLR places a program's heap and stack
 * now and then: they share a slot of the direct-mapped data TLB (core/mmu.ts
 * `dataTlbIndex`), so each access evicts the other's entry unless the slot's
 * second way holds it. Integer and floating-point loads and stores alternate
 * between the two; the checksum makes a wrong access fail the run.
 */
#include <stdint.h>
#include "checksum.h"

#ifndef ROUNDS
#define ROUNDS 100
#endif
#define HALF (1 << 19) /* 4 MiB of 8-byte elements */

static uint64_t words[2 * HALF];
/* 8 MiB and four pages: its two pages (2 KiB from each half a round) take a slot of their
   own beside words', wherever the linker puts one after the other. */
static double reals[2 * HALF + 2048];

int main(void) {
  uint64_t acc = 1;
  double sum = 0.5;
  for (int r = 0; r < ROUNDS; r++) {
    for (int i = 0; i < 256; i++) {
      words[i] += acc;                  /* page p */
      acc ^= words[i + HALF] + (uint64_t)r; /* page p + 4 MiB: the same slot */
      words[i + HALF] = acc >> 3;
      acc = acc * 6364136223846793005ull + 1;
      reals[1024 + i] = reals[1024 + i + HALF] * 0.5 + (double)(acc & 1023);
      reals[1024 + i + HALF] += reals[1024 + i] * 0.25;
      sum += reals[1024 + i + HALF];
    }
  }
  return report_checksum(acc ^ (uint64_t)(sum * 1024.0));
}
