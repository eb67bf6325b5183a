# Start-up, pass/fail and the generic trap handlers shared by every ISA test.
#include "macros.h"

  .section .text.init, "ax", @progbits
  .globl _start
_start:
  la t0, m_trap
  csrw mtvec, t0
  # PMP entry 0: all of memory RWX for S and U (as riscv-tests' reset does).
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  li gp, 0
  li s7, 0
  li s8, 0
  j test_main

  .globl pass
pass:
  fence
  li a0, 1
  la t0, tohost
1:
  sd a0, 0(t0)
  j 1b

  .globl fail
fail:
  fence
  slli a0, gp, 1
  ori a0, a0, 1
  la t0, tohost
1:
  sd a0, 0(t0)
  j 1b

# M-mode handler: record, then resume at s8 in M-mode or skip the instruction.
  .align 6
  .globl m_trap
m_trap:
  csrr s10, mcause
  csrr s11, mtval
  csrr s9, mepc
  addi s7, s7, 1
  bnez s8, 3f
  bltz s10, 4f
  # Read the instruction's first halfword physically (MPRV off for the read).
  li t5, MSTATUS_MPRV
  csrrc t5, mstatus, t5
  lhu t6, 0(s9)
  csrw mstatus, t5
  andi t6, t6, 3
  li t5, 3
  addi t4, s9, 2
  bne t6, t5, 1f
  addi t4, s9, 4
1:
  csrw mepc, t4
  mret
3: # resume at s8 in M-mode
  csrw mepc, s8
  li s8, 0
  li t5, MSTATUS_MPP
  csrs mstatus, t5
  mret
4: # an interrupt: mask them all and return
  csrw mie, zero
  mret

# S-mode handler: the same with the supervisor CSRs.
  .align 6
  .globl s_trap
s_trap:
  csrr s10, scause
  csrr s11, stval
  csrr s9, sepc
  addi s7, s7, 1
  bnez s8, 3f
  bltz s10, 4f
  lhu t6, 0(s9)
  andi t6, t6, 3
  li t5, 3
  addi t4, s9, 2
  bne t6, t5, 1f
  addi t4, s9, 4
1:
  csrw sepc, t4
  sret
3:
  csrw sepc, s8
  li s8, 0
  li t5, MSTATUS_SPP
  csrs sstatus, t5
  sret
4:
  csrw sie, zero
  sret

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .size tohost, 8
  .align 6
  .globl fromhost
fromhost: .dword 0
  .size fromhost, 8
