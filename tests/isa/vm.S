# Sv39 and Sv48: A/D updates, permissions (SUM, MXR, U), superpages and
# misaligned superpages, non-canonical addresses, sfence.vma, MPRV, TVM and
# satp WARL. Page tables are built at run time; code runs from an identity
# gigapage at 0x80000000.
#include "macros.h"
#define V 1
#define R 2
#define W 4
#define X 8
#define U 16
#define A 64
#define D 128
#define SV39 (8 << 60)
#define SV48 (9 << 60)
/* Stores a PTE for physical address in register pa with flags at byte offset off of table tb. */
#define PTE(tb, off, pa, flags) srli t0, pa, 12; slli t0, t0, 10; ori t0, t0, flags; sd t0, off(tb)
#define VA_D 0x40000000
  .text
  .globl test_main
test_main:
  la t0, s_trap
  csrw stvec, t0
  li t0, (1 << CAUSE_FETCH_PAGE) | (1 << CAUSE_LOAD_PAGE) | (1 << CAUSE_STORE_PAGE)
  csrw medeleg, t0                               // page faults in S go to the S handler
  la s1, root
  la s2, l1
  la s3, l0
  la s4, pD
  la s5, pE
  li a0, 0x80000000
  PTE(s1, 2 * 8, a0, V | R | W | X | A | D)     // identity gigapage for code and data
  PTE(s1, 1 * 8, s2, V)                          // 0x40000000: l1
  PTE(s2, 0, s3, V)                              // 0x40000000: l0
  PTE(s3, 0, s4, V | R | W)                      // 0x40000000: pD, A = D = 0
  PTE(s3, 8, s4, V | R | W | X | U | A | D)      // 0x40001000: pD, user
  PTE(s3, 16, s4, V | X | A)                     // 0x40002000: pD, execute-only
  sd zero, 24(s3)                                // 0x40003000: invalid
  PTE(s3, 32, s4, V | R | A | D)                 // 0x40004000: pD, read-only
  li a0, 0x80200000
  PTE(s2, 8, a0, V | R | W | A | D)              // 0x40200000: 2 MiB page at 0x80200000
  li a0, 0x80201000
  PTE(s2, 16, a0, V | R | W | A | D)             // 0x40400000: misaligned megapage
  la s6, root48
  PTE(s6, 0, s1, V)                              // Sv48: 0 .. 512 GiB is the Sv39 tree
  PTE(s6, 8, s1, V)                              // and so is 512 GiB .. 1 TiB
  li a0, 0x80200008
  li t1, 0x1234
  sd t1, 0(a0)                                   // data behind the megapage
  li t1, 0x5555
  sd t1, 0(s4)
  li t1, 0x6666
  sd t1, 0(s5)
  li t0, SV39
  srli t1, s1, 12
  or t0, t0, t1
  csrw satp, t0
  csrr t1, satp
  CHECKR(1, t1, t0)                              // satp holds Sv39
  li a1, VA_D
  ENTER(1, 1f)
1:
  ld t1, 0(a1)
  CHECK(2, t1, 0x5555)                           // a load through three levels
  ld t1, 0(s3)
  andi t2, t1, A | D
  CHECK(3, t2, A)                                // the load set A, not D
  sd t1, 8(a1)
  ld t1, 0(s3)
  andi t2, t1, A | D
  CHECK(4, t2, A | D)                            // the store set D
  li a2, VA_D + 0x3008
  ARM
  ld t1, 0(a2)
  CHECK_TRAPR(5, CAUSE_LOAD_PAGE, a2)            // invalid PTE: load page fault, stval = va
  li a2, VA_D + 0x4010
  ARM
  sd t1, 0(a2)
  CHECK_TRAPR(6, CAUSE_STORE_PAGE, a2)           // store to a read-only page
  ARM
  amoadd.d t1, t1, 0(a2)
  CHECK_TRAPR(7, CAUSE_STORE_PAGE, a2)           // AMO to a read-only page: store fault
  li a2, VA_D + 0x1000
  ARM
  ld t1, 0(a2)
  CHECK_TRAPR(8, CAUSE_LOAD_PAGE, a2)            // S load from a U page with SUM = 0
  li t0, MSTATUS_SUM
  csrs sstatus, t0
  ARM
  ld t1, 0(a2)
  CHECK_NOTRAP(9)                                // ... allowed with SUM = 1
#ifndef QEMU // qemu 7.2 lets S fetch from a U page it has just read with SUM = 1
  la s8, 2f
  jr a2                                          // S fetch from a U page: never allowed
2:
  CHECK_TRAPR(10, CAUSE_FETCH_PAGE, a2)
#endif
  li t0, MSTATUS_SUM
  csrc sstatus, t0
  li a2, VA_D + 0x2000
  ARM
  ld t1, 0(a2)
  CHECK_TRAPR(11, CAUSE_LOAD_PAGE, a2)           // load from an execute-only page
  li t0, MSTATUS_MXR
  csrs sstatus, t0
  ARM
  ld t1, 0(a2)
  CHECK_NOTRAP(12)                               // ... allowed with MXR
  li t0, MSTATUS_MXR
  csrc sstatus, t0
  li a2, 0x40200008
  ld t1, 0(a2)
  CHECK(13, t1, 0x1234)                          // a 2 MiB megapage
  li a2, 0x40400000
  ARM
  ld t1, 0(a2)
  CHECK_TRAPR(14, CAUSE_LOAD_PAGE, a2)           // a misaligned megapage faults
  li a2, 0x8040000000
  ARM
  ld t1, 0(a2)
  CHECK_TRAPR(15, CAUSE_LOAD_PAGE, a2)           // not canonical for Sv39
  li a2, 0xffffffc080000000
  ld t1, 0(a2)
  CHECK_TRAPR(16, CAUSE_LOAD_PAGE, a2)           // canonical, unmapped (root[258] is empty)
  # sfence.vma makes a changed PTE visible
  ld t1, 0(a1)
  PTE(s3, 0, s5, V | R | W | A | D)              // 0x40000000 now maps pE (through the identity map)
  sfence.vma
  ld t1, 0(a1)
  CHECK(17, t1, 0x6666)
  sfence.vma a1, zero
  sfence.vma zero, a1
  BACK_TO_M(3f)
3:
  # MPRV: M-mode loads and stores translated as MPP
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, MSTATUS_MPRV | (1 << 11)
  csrs mstatus, t0
  ld t1, 0(a1)
  CHECK(20, t1, 0x6666)                          // MPRV with MPP = S translates
  li t0, MSTATUS_MPP
  csrc mstatus, t0                               // MPP = U: the S page is off limits
  ARM
  ld t1, 0(a1)
  CHECK_TRAPR(21, CAUSE_LOAD_PAGE, a1)
  li t0, MSTATUS_MPRV
  csrc mstatus, t0
  ld t1, 0(s5)
  CHECK(22, t1, 0x6666)                          // without MPRV M-mode is physical
  # TVM: satp and sfence.vma trap in S
  li t0, MSTATUS_TVM
  csrs mstatus, t0
  ENTER(1, 4f)
4:
  ARM
  csrr t1, satp
  CHECK_TRAP(23, CAUSE_ILLEGAL, 0x18002373)
  ARM
  sfence.vma
  CHECK_TRAP(24, CAUSE_ILLEGAL, 0x12000073)
  BACK_TO_M(5f)
5:
  li t0, MSTATUS_TVM
  csrc mstatus, t0
  # Sv48
  li t0, SV48
  srli t1, s6, 12
  or t0, t0, t1
  csrw satp, t0
  csrr t1, satp
  CHECKR(30, t1, t0)                             // satp holds Sv48
  ENTER(1, 6f)
6:
  ld t1, 0(a1)
  CHECK(31, t1, 0x6666)                          // four levels
  li a2, 0x8040000000
  ld t1, 0(a2)
  CHECK(32, t1, 0x6666)                          // bit 39 is an address bit in Sv48
  li a2, 0x0000800000000000
  ARM
  ld t1, 0(a2)
  CHECK_TRAPR(33, CAUSE_LOAD_PAGE, a2)           // not canonical for Sv48
  BACK_TO_M(7f)
7:
  csrw satp, zero
  PASS

  .data
  .align 12
root: .fill 4096, 1, 0
root48: .fill 4096, 1, 0
l1: .fill 4096, 1, 0
l0: .fill 4096, 1, 0
pD: .fill 4096, 1, 0
pE: .fill 4096, 1, 0
