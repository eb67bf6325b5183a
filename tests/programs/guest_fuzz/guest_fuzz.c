/*
 * The guest-side fuzzer: a bare-metal M-mode program (started by crt0.S)
 * that acts as a hostile guest. Seeded, for a bounded number of iterations,
 * it writes and reads random values at every device register of demu's
 * memory map (core/machine.ts), builds random descriptor tables, rings and
 * indirect tables in an arena of its own RAM and notifies the VirtIO queues
 * at them. Faulting accesses (holes, misaligned) are skipped by its trap
 * handler. A canary region next to the arena, which no descriptor names,
 * must never change. It prints "fuzz: N" through HTIF every 1024 iterations and
 * "fuzz: done" at the end, then powers off through the test finisher, so
 * the host sees that demu still answers.
 *
 * The host sets fuzz_seed and fuzz_iterations before it runs (the test
 * harness patches the ELF or the loaded RAM at these symbols).
 */
#include <stdint.h>

volatile uint64_t fuzz_seed = 1;
volatile uint64_t fuzz_iterations = 100000;
/* Accesses that trapped (holes, misaligned): counted, skipped. */
volatile uint64_t fuzz_faults;

extern volatile uint64_t tohost;
extern volatile uint64_t fromhost;

#define CLINT 0x02000000ul
#define FINISHER 0x00100000ul
#define HTIF 0x40008000ul
#define VIRTIO 0x40010000ul
#define VIRTIO_SLOTS 8
#define PLIC 0x40100000ul
#define FRAMEBUFFER 0x41000000ul
/*
 * The arena is the last MiB of a 16 MiB machine (run with -m 16): buffers
 * that start in it and run long end past RAM, where demu refuses them. The
 * canary sits below it, out of reach of any buffer that starts in the arena.
 */
#define ARENA 0x80f00000ul
#define ARENA_SIZE 0x100000ul
#define CANARY 0x80e00000ul
#define CANARY_SIZE 0x10000ul

static uint64_t state;

static uint64_t rnd(void) {
  /* xorshift64* */
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1dull;
}

static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }

static void putc_htif(char c) {
  tohost = (1ull << 56) | (1ull << 48) | (uint8_t)c;
  while (tohost != 0) {
  }
  fromhost = 0;
}

static void puts_htif(const char *s) {
  while (*s) putc_htif(*s++);
}

static void put_dec(uint64_t n) {
  char buf[24];
  int i = 0;
  do {
    buf[i++] = (char)('0' + n % 10);
    n /= 10;
  } while (n);
  while (i) putc_htif(buf[--i]);
}

/* Skips the faulting instruction (2 or 4 bytes) of any synchronous trap. */
void __attribute__((interrupt("machine"), aligned(4))) trap(void) {
  uint64_t cause, epc;
  __asm__ volatile("csrr %0, mcause" : "=r"(cause));
  __asm__ volatile("csrr %0, mepc" : "=r"(epc));
  if ((int64_t)cause < 0) {
    __asm__ volatile("csrw mie, zero"); /* never enabled; belt and braces */
    return;
  }
  fuzz_faults++;
  uint16_t low = *(volatile uint16_t *)epc;
  epc += (low & 3) == 3 ? 4 : 2;
  __asm__ volatile("csrw mepc, %0" ::"r"(epc));
}

static void store(uint64_t addr, unsigned size, uint64_t v) {
  switch (size) {
  case 1: *(volatile uint8_t *)addr = (uint8_t)v; break;
  case 2: *(volatile uint16_t *)addr = (uint16_t)v; break;
  case 4: *(volatile uint32_t *)addr = (uint32_t)v; break;
  default: *(volatile uint64_t *)addr = v; break;
  }
}

static uint64_t load(uint64_t addr, unsigned size) {
  switch (size) {
  case 1: return *(volatile uint8_t *)addr;
  case 2: return *(volatile uint16_t *)addr;
  case 4: return *(volatile uint32_t *)addr;
  default: return *(volatile uint64_t *)addr;
  }
}

static const uint32_t virtio_regs[] = {0x000, 0x010, 0x014, 0x020, 0x024, 0x030, 0x034, 0x038,
                                       0x044, 0x050, 0x060, 0x064, 0x070, 0x080, 0x084, 0x090,
                                       0x094, 0x0a0, 0x0a4, 0x0fc, 0x100, 0x104, 0x108, 0x10c};
static const uint32_t plic_regs[] = {0x0, 0x4, 0x8, 0x7c, 0x1000, 0x2000, 0x2080, 0x200000,
                                     0x200004, 0x201000, 0x201004, 0x3ffffc};
static const uint32_t clint_regs[] = {0x0, 0x4, 0x4000, 0x4004, 0xbff8, 0xbffc, 0x8000};

/* A value a driver might write: small numbers, flags, addresses in the arena, or noise. */
static uint64_t value(void) {
  switch (below(6)) {
  case 0: return below(16);
  case 1: return 1ull << below(64);
  case 2: return ARENA + (below(ARENA_SIZE) & ~15ull);
  case 3: return below(0x10000);
  default: return rnd();
  }
}

static unsigned width(void) { return 1u << below(4); }

/* One access to a random device register (or near one). */
static void poke_device(void) {
  uint64_t base, off;
  switch (below(6)) {
  case 0:
    base = CLINT;
    off = clint_regs[below(sizeof clint_regs / 4)];
    break;
  case 1:
    base = PLIC;
    off = plic_regs[below(sizeof plic_regs / 4)] + (below(4) == 0 ? below(0x100) : 0);
    break;
  case 2:
    /* fromhost only: a random tohost would be an HTIF power-off or putchar storm. */
    base = HTIF;
    off = 8 + 4 * below(2);
    break;
  case 3:
    base = FRAMEBUFFER;
    off = below(0x2000);
    break;
  case 4:
    /* Unmapped holes and a register range nothing claims (below HTIF at 0x40008000:
     * a random tohost would be an HTIF power-off, which the guest did not mean). */
    base = below(2) ? 0x40000000ul : 0x10000000ul;
    off = below(0x8000);
    break;
  default:
    base = VIRTIO + 0x1000 * below(VIRTIO_SLOTS);
    off = virtio_regs[below(sizeof virtio_regs / 4)] + (below(8) == 0 ? below(4) : 0);
    break;
  }
  unsigned w = width();
  uint64_t v = value();
  if (base >= VIRTIO && off >= 0x80 && off < 0xa8) {
    /* Queue addresses stay in the arena: rings elsewhere would let the
     * devices overwrite this program's own code, a guest hurting only itself. */
    w = 4;
    v = (off & 4) ? 0 : ARENA + (v & (ARENA_SIZE - 0x4000 - 1));
    off &= ~3ull;
  }
  if (below(3) == 0) (void)load(base + off, w);
  else store(base + off, w, v);
}

/* Random descriptors, avail ring and indirect tables for a queue of `num` entries at `desc`. */
static void fill_queue(uint64_t desc, uint64_t avail, unsigned num) {
  for (unsigned i = 0; i < num; i++) {
    volatile uint64_t *d = (volatile uint64_t *)(desc + 16 * i);
    uint64_t addr = below(16) == 0 ? rnd() : ARENA + below(ARENA_SIZE);
    uint32_t len = below(8) == 0 ? (uint32_t)rnd() : (uint32_t)below(4096);
    uint16_t flags = below(8) == 0 ? (uint16_t)rnd() : (uint16_t)below(8);
    uint16_t next = below(8) == 0 ? (uint16_t)rnd() : (uint16_t)below(num);
    if ((flags & 4) && below(2)) len = 16 * (1 + (uint32_t)below(16));
    d[0] = addr;
    d[1] = len | ((uint64_t)flags << 32) | ((uint64_t)next << 48);
  }
  volatile uint16_t *a = (volatile uint16_t *)avail;
  a[0] = (uint16_t)below(2);
  for (unsigned i = 0; i < num; i++) a[2 + i] = below(8) == 0 ? (uint16_t)rnd() : (uint16_t)below(num);
  a[1] = (uint16_t)(a[1] + (below(8) == 0 ? rnd() : below(num + 1)));
}

/* Brings a queue of a random slot up at arena addresses (some steps skipped or wrong) and kicks it. */
static void drive_queue(void) {
  uint64_t slot = VIRTIO + 0x1000 * below(VIRTIO_SLOTS);
  volatile uint32_t *r = (volatile uint32_t *)slot;
  unsigned q = (unsigned)below(4);
  unsigned num = 1u << below(9);
  uint64_t desc = ARENA + (below(ARENA_SIZE - 0x4000) & ~15ull);
  uint64_t avail = desc + 16 * num + (below(4) == 0 ? below(64) : 0);
  uint64_t used = (avail + 6 + 2 * num + 3) & ~3ull;
  if (below(4)) {
    r[0x70 / 4] = 0;
    r[0x70 / 4] = 3;
    for (unsigned sel = 0; sel < 2; sel++) {
      r[0x14 / 4] = sel;
      uint32_t offered = r[0x10 / 4];
      r[0x24 / 4] = sel;
      r[0x20 / 4] = below(4) ? offered : (uint32_t)rnd();
    }
    r[0x70 / 4] = 0xb;
  }
  r[0x30 / 4] = q;
  r[0x44 / 4] = 0;
  r[0x38 / 4] = below(8) ? num : (uint32_t)rnd();
  r[0x80 / 4] = (uint32_t)desc;
  r[0x84 / 4] = below(16) ? 0 : (uint32_t)rnd();
  r[0x90 / 4] = (uint32_t)avail;
  r[0x94 / 4] = 0;
  r[0xa0 / 4] = (uint32_t)used;
  r[0xa4 / 4] = 0;
  fill_queue(desc, avail, num);
  r[0x44 / 4] = 1;
  if (below(4)) r[0x70 / 4] = 0xf;
  for (unsigned k = 0; k < 1 + below(3); k++) {
    r[0x50 / 4] = below(8) ? q : (uint32_t)rnd();
    (void)r[0x60 / 4];
    r[0x64 / 4] = (uint32_t)rnd();
    if (below(2)) fill_queue(desc, avail, num);
  }
}

static void scribble_arena(void) {
  volatile uint64_t *p = (volatile uint64_t *)(ARENA + (below(ARENA_SIZE) & ~7ull));
  uint64_t n = below(512);
  while (n-- && (uint64_t)p < ARENA + ARENA_SIZE) *p++ = rnd();
}

static int canary_intact(void) {
  for (uint64_t a = CANARY; a < CANARY + CANARY_SIZE; a += 8) {
    if (*(volatile uint64_t *)a != (a ^ 0x5a5a5a5a5a5a5a5aull)) return 0;
  }
  return 1;
}

int main(void) {
  __asm__ volatile("csrw mtvec, %0" ::"r"(&trap));
  __asm__ volatile("csrw mie, zero");
  state = fuzz_seed ? fuzz_seed : 1;
  for (uint64_t a = CANARY; a < CANARY + CANARY_SIZE; a += 8) {
    *(volatile uint64_t *)a = a ^ 0x5a5a5a5a5a5a5a5aull;
  }
  puts_htif("fuzz: seed ");
  put_dec(fuzz_seed);
  puts_htif("\n");
  uint64_t n = fuzz_iterations;
  for (uint64_t i = 0; i < n; i++) {
    switch (below(8)) {
    case 0: case 1: case 2: case 3: poke_device(); break;
    case 4: case 5: drive_queue(); break;
    default: scribble_arena(); break;
    }
    if ((i & 255) == 255) {
      if (!canary_intact()) {
        puts_htif("fuzz: CANARY CHANGED at iteration ");
        put_dec(i);
        puts_htif("\n");
        return 3;
      }
    }
    if ((i & 1023) == 1023) {
      puts_htif("fuzz: ");
      put_dec(i + 1);
      puts_htif("\n");
    }
  }
  if (!canary_intact()) {
    puts_htif("fuzz: CANARY CHANGED at the end\n");
    return 3;
  }
  puts_htif("fuzz: done ");
  put_dec(n);
  puts_htif(" faults ");
  put_dec(fuzz_faults);
  puts_htif("\n");
  /* Power off through the test finisher: the path OpenSBI uses. */
  *(volatile uint32_t *)FINISHER = 0x5555;
  for (;;) {
  }
}
