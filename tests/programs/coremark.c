/*
 * A CoreMark-like integer benchmark, written for demu: the four kinds of work
 * that EEMBC's CoreMark times, implemented here from their description, not
 * from its source. Each iteration
 *  - builds and works a linked list of 16-bit records: searches by value and
 *    by index, reverses it, merge-sorts it by two keys;
 *  - multiplies small int16 matrices (by a constant, a vector, a matrix, and
 *    a matrix with bit-field extraction of the products), 32-bit results;
 *  - runs a state machine that classifies the tokens of a text as integers,
 *    decimals, exponent numbers or invalid, counting transitions;
 *  - folds every result into a CRC-16 (CCITT, bit by bit).
 * The seeds change with the iteration, so no work can be hoisted out of the
 * loop. Returns 0 when its checksum matches the host-computed one (-DEXPECTED).
 */
#include <stdint.h>
#include "checksum.h"

#ifndef ITERATIONS
#define ITERATIONS 400
#endif

/* ---- CRC-16/CCITT, one bit at a time (as cheap hardware would) ---- */
static uint16_t crc16_byte(uint8_t b, uint16_t crc) {
  crc ^= (uint16_t)b << 8;
  for (int k = 0; k < 8; k++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  return crc;
}
static uint16_t crc16_u16(uint16_t v, uint16_t crc) {
  return crc16_byte((uint8_t)(v >> 8), crc16_byte((uint8_t)v, crc));
}
static uint16_t crc16_u32(uint32_t v, uint16_t crc) {
  return crc16_u16((uint16_t)(v >> 16), crc16_u16((uint16_t)v, crc));
}

/* ---- linked list of records ---- */
struct record {
  struct record *next;
  int16_t value; /* low byte: payload; high byte: a tag */
  int16_t index;
};
#define RECORDS 96
static struct record pool[RECORDS];

static struct record *list_build(uint16_t seed) {
  struct record *head = 0;
  for (int i = 0; i < RECORDS; i++) {
    struct record *r = &pool[i];
    seed = (uint16_t)(seed * 25173u + 13849u);
    r->value = (int16_t)(seed & 0x7fff);
    r->index = (int16_t)i;
    r->next = head;
    head = r;
  }
  return head;
}

static struct record *list_find_value(struct record *l, int16_t v) {
  for (; l; l = l->next)
    if ((l->value & 0xff) == (v & 0xff)) return l;
  return 0;
}

static struct record *list_find_index(struct record *l, int16_t i) {
  for (; l; l = l->next)
    if (l->index == i) return l;
  return 0;
}

static struct record *list_reverse(struct record *l) {
  struct record *out = 0;
  while (l) {
    struct record *n = l->next;
    l->next = out;
    out = l;
    l = n;
  }
  return out;
}

static int by_value(const struct record *a, const struct record *b) {
  return (a->value & 0xff) - (b->value & 0xff);
}
static int by_index(const struct record *a, const struct record *b) {
  return a->index - b->index;
}

/* Bottom-up merge sort of a singly linked list: runs of 1, 2, 4... merged in place. */
static struct record *list_sort(struct record *l, int (*cmp)(const struct record *, const struct record *)) {
  for (int width = 1;; width *= 2) {
    struct record *p = l, *head = 0, *tail = 0;
    int merges = 0;
    while (p) {
      merges++;
      struct record *q = p;
      int psize = 0;
      for (int i = 0; i < width && q; i++) {
        psize++;
        q = q->next;
      }
      int qsize = width;
      while (psize > 0 || (qsize > 0 && q)) {
        struct record *e;
        if (psize == 0) {
          e = q, q = q->next, qsize--;
        } else if (qsize == 0 || !q || cmp(p, q) <= 0) {
          e = p, p = p->next, psize--;
        } else {
          e = q, q = q->next, qsize--;
        }
        if (tail) tail->next = e;
        else head = e;
        tail = e;
      }
      p = q;
    }
    tail->next = 0;
    l = head;
    if (merges <= 1) return l;
  }
}

static uint16_t list_work(uint16_t seed, uint16_t crc) {
  struct record *l = list_build(seed);
  int found = 0, missed = 0;
  for (int i = 0; i < 32; i++) {
    struct record *r = list_find_value(l, (int16_t)(seed + i * 37));
    if (r) {
      found++;
      r->value ^= (int16_t)(i << 8); /* retag */
    } else {
      missed++;
    }
    r = list_find_index(l, (int16_t)((i * 7) % RECORDS));
    if (r) crc = crc16_u16((uint16_t)r->value, crc);
  }
  l = list_reverse(l);
  l = list_sort(l, by_value);
  for (struct record *r = l; r; r = r->next) crc = crc16_u16((uint16_t)r->value, crc);
  l = list_sort(l, by_index);
  for (int i = 0; l && i < 8; i++, l = l->next) crc = crc16_u16((uint16_t)l->index, crc);
  return crc16_u16((uint16_t)(found * 256 + missed), crc);
}

/* ---- matrices ---- */
#define N 12
static int16_t ma[N][N], mb[N][N];
static int32_t mc[N][N], mv[N];

static void matrix_fill(uint16_t seed) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      seed = (uint16_t)(seed * 31421u + 6927u);
      ma[i][j] = (int16_t)((seed >> 4) & 0x3ff) - 0x200;
      mb[i][j] = (int16_t)(seed & 0x7ff) - 0x400;
    }
}

static uint32_t matrix_sum(uint32_t limit) {
  /* Sums the result, counting how often the running sum passes `limit`. */
  uint32_t sum = 0, passes = 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      sum += (uint32_t)mc[i][j];
      if (sum > limit) {
        passes += 10;
        sum = 0;
      } else {
        passes += sum > (limit >> 1);
      }
    }
  return sum + passes * 0x10001u;
}

static uint16_t matrix_work(uint16_t seed, uint16_t crc) {
  matrix_fill(seed);
  int16_t k = (int16_t)(seed & 0xf) + 3;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) mc[i][j] = (int32_t)ma[i][j] * k;
  crc = crc16_u32(matrix_sum(0x1000), crc);
  for (int i = 0; i < N; i++) {
    int32_t s = 0;
    for (int j = 0; j < N; j++) s += (int32_t)ma[i][j] * mb[j][0];
    mv[i] = s;
    crc = crc16_u32((uint32_t)s, crc);
  }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      int32_t s = 0;
      for (int t = 0; t < N; t++) s += (int32_t)ma[i][t] * mb[t][j];
      mc[i][j] = s;
    }
  crc = crc16_u32(matrix_sum(0x20000), crc);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      int32_t s = 0;
      for (int t = 0; t < N; t++) {
        int32_t p = (int32_t)ma[i][t] * mb[t][j];
        s += ((p >> 2) & 0xf) * ((p >> 5) & 0x7f);
      }
      mc[i][j] = s;
    }
  return crc16_u32(matrix_sum(0x8000), crc);
}

/* ---- state machine over a text of numbers ---- */
enum { S_START, S_SIGN, S_INT, S_POINT, S_FRAC, S_EXP, S_EXP_SIGN, S_EXP_INT, S_INVALID, S_COUNT };

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int next_state(int s, char c) {
  switch (s) {
  case S_START:
    if (is_digit(c)) return S_INT;
    if (c == '+' || c == '-') return S_SIGN;
    if (c == '.') return S_POINT;
    return S_INVALID;
  case S_SIGN:
    if (is_digit(c)) return S_INT;
    if (c == '.') return S_POINT;
    return S_INVALID;
  case S_INT:
    if (is_digit(c)) return S_INT;
    if (c == '.') return S_POINT;
    if (c == 'e' || c == 'E') return S_EXP;
    return S_INVALID;
  case S_POINT:
  case S_FRAC:
    if (is_digit(c)) return S_FRAC;
    if (c == 'e' || c == 'E') return S_EXP;
    return S_INVALID;
  case S_EXP:
    if (is_digit(c)) return S_EXP_INT;
    if (c == '+' || c == '-') return S_EXP_SIGN;
    return S_INVALID;
  case S_EXP_SIGN:
  case S_EXP_INT:
    return is_digit(c) ? S_EXP_INT : S_INVALID;
  default:
    return S_INVALID;
  }
}

static char text[256];
static const char *const tokens[] = {
    "5012", "1234", "-874", "+122", "35.54", ".1234", "-110.7", "-.3", "5.5e+3", "-6.e-99",
    "0.5E1", "2e7", "T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T", "--5", "8.", "e3", "+",
};

static void text_fill(uint16_t seed) {
  int n = 0;
  while (n < (int)sizeof text - 12) {
    seed = (uint16_t)(seed * 40503u + 1);
    const char *t = tokens[(seed >> 7) % (sizeof tokens / sizeof tokens[0])];
    while (*t && n < (int)sizeof text - 2) text[n++] = *t++;
    text[n++] = ',';
  }
  text[n] = 0;
  /* Corrupt a few characters, as CoreMark does between its runs. */
  for (int i = seed & 7; i < n; i += 29) text[i] ^= (char)(seed & 0x3);
}

static uint16_t state_work(uint16_t seed, uint16_t crc) {
  text_fill(seed);
  uint32_t finals[S_COUNT] = {0}, transitions[S_COUNT] = {0};
  int s = S_START;
  for (const char *p = text; *p; p++) {
    if (*p == ',') {
      finals[s]++;
      s = S_START;
      continue;
    }
    int n = next_state(s, *p);
    if (n != s) transitions[n]++;
    s = n;
  }
  for (int i = 0; i < S_COUNT; i++) crc = crc16_u32(finals[i] * 65536 + transitions[i], crc);
  return crc;
}

int main(void) {
  uint16_t crc = 0;
  uint64_t acc = 0;
  for (int it = 0; it < ITERATIONS; it++) {
    uint16_t seed = (uint16_t)(0x3415 + it * 0x66);
    crc = list_work(seed, crc);
    crc = matrix_work((uint16_t)(seed ^ crc), crc);
    crc = state_work((uint16_t)(seed + crc), crc);
    acc = acc * 0x10001 + crc;
  }
  return report_checksum(acc);
}
