/*
 * An integer workload in the spirit of CoreMark: CRC32, a sieve, a linked
 * list walk with inserts, an int64 matrix multiply, a state machine over a
 * string, and byte copies. Returns 0 when its checksum matches the one
 * computed natively (passed in with -DEXPECTED when known), so a wrong
 * instruction fails the benchmark instead of speeding it up.
 */
#include <stdint.h>
#include "checksum.h"
#include <stddef.h>

#ifndef ITERATIONS
#define ITERATIONS 120
#endif

static uint32_t crc32(const uint8_t *p, size_t n, uint32_t crc) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

static uint64_t xorshift(uint64_t *s) {
  uint64_t x = *s;
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  *s = x;
  return x * 0x2545f4914f6cdd1dull;
}

#define SIEVE 8192
static uint8_t sieve_buf[SIEVE];
static int sieve(void) {
  int count = 0;
  for (int i = 0; i < SIEVE; i++) sieve_buf[i] = 1;
  for (int i = 2; i < SIEVE; i++) {
    if (!sieve_buf[i]) continue;
    count++;
    for (int j = i + i; j < SIEVE; j += i) sieve_buf[j] = 0;
  }
  return count;
}

struct node { struct node *next; int64_t key; int64_t val; };
#define NODES 512
static struct node pool[NODES];
static int64_t list_work(uint64_t *seed) {
  struct node *head = NULL;
  for (int i = 0; i < NODES; i++) {
    struct node *n = &pool[i];
    n->key = (int64_t)(xorshift(seed) % 1000);
    n->val = i;
    struct node **pp = &head;
    while (*pp && (*pp)->key < n->key) pp = &(*pp)->next;
    n->next = *pp;
    *pp = n;
  }
  int64_t sum = 0;
  for (struct node *n = head; n; n = n->next) sum = sum * 31 + n->key - n->val;
  return sum;
}

#define M 24
static int64_t ma[M][M], mb[M][M], mc[M][M];
static int64_t matrix(uint64_t *seed) {
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) {
      ma[i][j] = (int64_t)(xorshift(seed) & 0xffff) - 0x8000;
      mb[i][j] = (int64_t)(xorshift(seed) & 0xffff) - 0x8000;
    }
  int64_t trace = 0;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) {
      int64_t s = 0;
      for (int k = 0; k < M; k++) s += ma[i][k] * mb[k][j];
      mc[i][j] = s;
    }
  for (int i = 0; i < M; i++) trace += mc[i][i] ^ mc[i][M - 1 - i];
  return trace;
}

static int state_machine(const char *s) {
  int state = 0, numbers = 0;
  for (; *s; s++) {
    char c = *s;
    switch (state) {
    case 0: state = (c >= '0' && c <= '9') ? 1 : (c == '-' ? 2 : 0); break;
    case 1: if (c == '.') state = 3; else if (!(c >= '0' && c <= '9')) { numbers++; state = 0; } break;
    case 2: state = (c >= '0' && c <= '9') ? 1 : 0; break;
    case 3: if (!(c >= '0' && c <= '9')) { numbers++; state = 0; } break;
    }
  }
  return numbers + state;
}

static uint8_t src[4096], dst[4096];


int main(void) {
  uint64_t seed = 88172645463325252ull;
  uint64_t acc = 0;
  static const char text[] =
      "12 apples, -7 pears and 3.25 kg of 100 plums; 42 is -0.5 of nothing 9";
  for (int it = 0; it < ITERATIONS; it++) {
    for (int i = 0; i < 4096; i++) src[i] = (uint8_t)xorshift(&seed);
    for (int i = 0; i < 4096; i++) dst[(i * 7) & 4095] = src[i];
    acc = acc * 3 + crc32(dst, sizeof dst, (uint32_t)acc);
    acc += (uint64_t)sieve();
    acc ^= (uint64_t)list_work(&seed);
    acc += (uint64_t)matrix(&seed);
    acc += (uint64_t)state_machine(text);
  }
  return report_checksum(acc);
}
