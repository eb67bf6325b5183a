# PMP: NAPOT, TOR and catch-all entries for S and U; M-mode ignores unlocked
# entries; locked entries bind M and cannot be rewritten; S/U accesses that
# match no entry fail; pmp writes flush cached translations.
#include "macros.h"
#define CFG(i, v) ((v) << (8 * (i)))
  .text
  .globl test_main
test_main:
  la t0, s_trap
  csrw stvec, t0
  csrw pmpcfg0, zero
  la a0, pA
  srli t0, a0, 2
  ori t0, t0, 0x1ff                    // NAPOT 4 KiB at pA
  csrw pmpaddr0, t0
  la a1, pB
  srli t0, a1, 2
  csrw pmpaddr1, t0                    // TOR bottom (entry 1 off)
  addi t0, t0, 1024
  csrw pmpaddr2, t0                    // TOR top: pB + 4 KiB
  li t0, -1
  csrw pmpaddr7, t0                    // everything (NAPOT)
  li t0, CFG(0, 0x19) | CFG(2, 0x08) | CFG(7, 0x1f)
  csrw pmpcfg0, t0
  csrr t1, pmpcfg0
  CHECKR(1, t1, t0)                    // pmpcfg0 reads back
  # S-mode
  ENTER(1, 1f)
1:
  ARM
  lw t2, 0(a0)
  CHECK_NOTRAP(2)                      // S load from the R-only NAPOT page
  ARM
  sw t2, 8(a0)
  addi t3, a0, 8
  CHECK_TRAPR(3, CAUSE_STORE_ACCESS, t3)  // S store to it: store access fault, tval = address
  ARM
  lw t2, 4(a1)
  addi t3, a1, 4
  CHECK_TRAPR(4, CAUSE_LOAD_ACCESS, t3)   // S load from the no-permission TOR range
  ARM
  la t3, pC
  lw t2, 0(t3)
  CHECK_NOTRAP(5)                      // just above the TOR range: the catch-all entry
  lw t2, -4(a1)
  CHECK_NOTRAP(6)                      // just below it
  BACK_TO_M(2f)
2:
  # U-mode
  ENTER(0, 3f)
3:
  ARM
  sd t2, 0(a1)
  CHECK_TRAPR(7, CAUSE_STORE_ACCESS, a1)  // U store to the TOR range
  BACK_TO_M(4f)
4:
  # M-mode ignores unlocked entries
  ARM
  sw t2, 8(a0)
  lw t2, 0(a1)
  CHECK_NOTRAP(8)
  # a change to PMP applies at once, even to pages S used before
  ENTER(1, 5f)
5:
  lw t2, 0(a0)                         // cached for S now
  BACK_TO_M(6f)
6:
  li t0, CFG(0, 0x18) | CFG(2, 0x08) | CFG(7, 0x1f)
  csrw pmpcfg0, t0                     // pA: no permissions
  ENTER(1, 7f)
7:
  ARM
  lw t2, 0(a0)
  CHECK_TRAPR(9, CAUSE_LOAD_ACCESS, a0)  // the cached translation was dropped
  BACK_TO_M(8f)
8:
  # S/U accesses matching no entry fail: drop the catch-all; S fetch faults
  li t0, CFG(0, 0x18) | CFG(2, 0x08)
  csrw pmpcfg0, t0
  la s8, 9f
  ENTER(1, 10f)
10:
  j fail
9:
  CHECK(10, s10, CAUSE_FETCH_ACCESS)
  la t0, 10b
  CHECKR(11, s11, t0)                  // tval = the fetch address
  # locked entries bind M-mode and ignore writes
  li t0, CFG(0, 0x99) | CFG(2, 0x08) | CFG(7, 0x1f)
  csrw pmpcfg0, t0
  ARM
  lw t2, 0(a0)
  CHECK_NOTRAP(12)                     // M load from a locked R entry
  ARM
  sw t2, 0(a0)
  CHECK_TRAPR(13, CAUSE_STORE_ACCESS, a0)  // M store to a locked R entry
  csrr t1, pmpaddr0
  csrw pmpaddr0, zero
  csrr t2, pmpaddr0
  CHECKR(14, t1, t2)                   // a locked pmpaddr ignores writes
  li t0, CFG(0, 0x1f) | CFG(2, 0x08) | CFG(7, 0x1f)
  csrw pmpcfg0, t0
  csrr t1, pmpcfg0
  andi t1, t1, 0xff
  CHECK(15, t1, 0x99)                  // a locked pmpcfg byte ignores writes
  csrr t1, pmpcfg0
  srli t1, t1, 16
  andi t1, t1, 0xff
  CHECK(16, t1, 0x08)                  // its unlocked neighbours still change
  li t0, CFG(0, 0x99) | CFG(2, 0x08) | CFG(7, 0x1f) | CFG(3, 0x02)
  csrw pmpcfg0, t0
  csrr t1, pmpcfg0
  srli t1, t1, 24
  andi t1, t1, 0xff
#ifndef QEMU
  CHECK(17, t1, 0)                     // W without R is reserved: R and W both cleared (qemu 7.2 keeps them)
#endif
  PASS

  .data
  .align 12
pA: .fill 4096, 1, 0
pB: .fill 4096, 1, 0
pC: .fill 4096, 1, 0
