# Sdtrig debug triggers (debug spec 1.0 ch. 5; core/triggers.ts): tselect,
# tinfo, tcontrol.mte, mcontrol (type 2) and mcontrol6 (type 6) execute, load
# and store address triggers with their M/S/U enables and match kinds, two
# triggers at once, AMO and FP accesses, and disabling. Every trigger fires
# before its instruction: a breakpoint exception (cause 3) with tval the
# matching address, and a load or store that fired has not happened.
#include "macros.h"
#define TYPE2 (2 << 60)
#define TYPE6 (6 << 60)
#define TYPE15 (15 << 60)
#define T_LOAD 1
#define T_STORE 2
#define T_EXEC 4
#define T_U 8
#define T_S 16
#define T_M 64
#define MATCH_GE (2 << 7)
#define MATCH_NAPOT (1 << 7)
#define MCONTROL_HIT (1 << 20)
#define MTE 8
/* A breakpoint trap with tval r (qemu 7.2 leaves tval 0 for triggers). */
#ifdef QEMU
#define CHECK_BP(n, r) CHECK(n, s10, CAUSE_BREAKPOINT)
#else
#define CHECK_BP(n, r) CHECK_TRAPR(n, CAUSE_BREAKPOINT, r)
#endif
  .text
  .globl test_main
test_main:
  # --- tinfo: version 1, types 2, 6 and 15
#ifndef QEMU
  csrr a0, tinfo                       // (qemu 7.2: no version field)
  CHECK(1, a0, 0x01008044)
#endif
  # --- tselect: an index past the last trigger leaves tselect alone
  li a1, 1
  csrw tselect, a1
  csrr a0, tselect
  CHECK(2, a0, 1)
  li a1, 9
  csrw tselect, a1
  csrr a0, tselect
  CHECK(3, a0, 1)
  csrw tselect, zero
  csrr a0, tselect
  CHECK(4, a0, 0)
  # --- every trigger starts as an mcontrol that watches nothing
  csrr a0, tdata1
  srli a0, a0, 60
  CHECK(5, a0, 2)
  csrr a0, tdata3
  CHECK(6, a0, 0)
#ifndef QEMU
  # --- tcontrol: only mte and mpte exist (qemu 7.2 has no tcontrol)
  li a1, -1
  csrw tcontrol, a1
  csrr a0, tcontrol
  CHECK(7, a0, 0x88)
  li a1, MTE
  csrw tcontrol, a1
#endif

  # --- mcontrol execute trigger in M-mode: the instruction traps before it runs
  la a2, 1f
  csrw tdata2, a2
  li a1, TYPE2 | T_M | T_EXEC
  csrw tdata1, a1
  csrr a0, tdata1
  CHECKR(8, a0, a1)                    // reads back as written
  ARM
  .align 2
1:
  j fail                               // the handler skips it
  CHECK_BP(9, a2)                      // tval: the instruction's address
  CHECKR(10, s9, a2)                   // mepc: the same
#ifndef QEMU
  csrr a0, tdata1                      // (hit is optional; qemu 7.2 leaves it 0)
  li t0, MCONTROL_HIT
  and a0, a0, t0
  CHECK(11, a0, MCONTROL_HIT)          // the trigger records its hit
  csrr a0, tcontrol
  CHECK(12, a0, MTE | 0x80)            // the trap saved mte in mpte, mret restored it
  # --- with tcontrol.mte clear, M-mode triggers do not fire
  la a2, 2f
  csrw tdata2, a2
  csrw tcontrol, zero
  ARM
2:
  nop
  CHECK_NOTRAP(13)
  li a1, MTE
  csrw tcontrol, a1
#endif
  # --- a trigger for S and U only does not fire in M-mode
  la a2, 3f
  csrw tdata2, a2
  li a1, TYPE2 | T_S | T_U | T_EXEC
  csrw tdata1, a1
  ARM
3:
  nop
  CHECK_NOTRAP(14)

  # --- mcontrol load trigger: the load traps and rd keeps its value; stores pass
  la a2, data1
  li a1, TYPE2 | T_M | T_LOAD
  csrw tdata1, a1
  csrw tdata2, a2
  li a3, 0x55
  ARM
  lw a3, 0(a2)
  CHECK_BP(15, a2)
  CHECK(16, a3, 0x55)
  ARM
  li a0, 7
  sw a0, 0(a2)
  CHECK_NOTRAP(17)
#ifndef QEMU
  # --- a load at another address does not match (match 0: address equal;
  # qemu 7.2 watches the 8 bytes from tdata2)
  ARM
  lw a3, 4(a2)
  CHECK_NOTRAP(18)
#endif
  # --- mcontrol store trigger: the store traps and memory keeps its value
  li a1, TYPE2 | T_M | T_STORE
  csrw tdata1, a1
  ARM
  li a0, 9
  sd a0, 0(a2)
  CHECK_BP(19, a2)
  lw a3, 0(a2)
  CHECK(20, a3, 7)
  # --- AMOs are loads and stores
  ARM
  amoadd.w a3, a0, (a2)
  CHECK_BP(21, a2)
  lw a3, 0(a2)
  CHECK(22, a3, 7)
  # --- an unsupported match (NAPOT) reads back as 0 (equal)
  li a1, TYPE2 | MATCH_NAPOT | T_M | T_STORE
  csrw tdata1, a1
  csrr a0, tdata1
  CHECK(23, a0, TYPE2 | T_M | T_STORE)

#ifndef QEMU
  # --- a second trigger: mcontrol6 load, match >= data2; both triggers fire
  # (qemu 7.2 has no mcontrol6)
  li a1, 1
  csrw tselect, a1
  la a3, data2
  csrw tdata2, a3
  li a1, TYPE6 | MATCH_GE | T_M | T_LOAD
  csrw tdata1, a1
  csrr a0, tdata1
  CHECKR(24, a0, a1)
  ARM
  ld a4, 8(a3)                         // above data2: matches
  addi a5, a3, 8
  CHECK_BP(25, a5)
  ARM
  lw a4, 0(a2)                         // data1 is below data2
  CHECK_NOTRAP(26)
  ARM
  sw a0, 0(a2)                         // trigger 0 still fires
  CHECK_BP(27, a2)
  # --- FP loads go through the same check
  li t0, MSTATUS_FS
  csrs mstatus, t0
  ARM
  fld f1, 0(a3)
  CHECK_BP(28, a3)

  # --- mcontrol6 for U-mode only: fires in U, not in M
  li a1, TYPE6 | T_U | T_LOAD
  csrw tdata1, a1
  csrw tdata2, a3
  ARM
  lw a4, 0(a3)
  CHECK_NOTRAP(29)
  ENTER(0, 4f)
4:
  lw a4, 0(a3)                         // traps to M, which skips it; still in U
  mv s6, s10
  mv s5, s11
  BACK_TO_M(5f)
5:
  CHECK(30, s6, CAUSE_BREAKPOINT)
  CHECKR(31, s5, a3)
#endif

  # --- writing 0 disables a trigger (type 15; qemu 7.2 keeps type 2)
  csrw tdata1, zero
#ifndef QEMU
  csrr a0, tdata1
  li t0, TYPE15
  CHECKR(32, a0, t0)
#endif
  la a3, data2
  csrw tselect, zero
  csrw tdata1, zero
#ifndef QEMU
  ARM                                  // (qemu 7.2 still fires a trigger written 0)
  sw a0, 0(a2)
  lw a4, 0(a3)
  CHECK_NOTRAP(33)
#endif
  PASS

  .data
  .align 3
data1: .dword 0
  .dword 0
data2: .dword 0
  .dword 0
