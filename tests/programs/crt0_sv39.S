# Full-system start for benchmark programs: main() runs in S-mode with Sv39
# paging on (RAM identity-mapped by one gigapage) and a machine timer
# interrupt every millisecond, as under an operating system. The M-mode trap
# handler rearms the timer, and turns main's `ecall` (a0 = result) into the
# same HTIF exit as crt0.S.
  .equ CLINT_MTIMECMP, 0x2004000
  .equ CLINT_MTIME, 0x200bff8
  .equ TICK, 10000                # 1 ms at the 10 MHz timebase

# mtimecmp = mtime + TICK (uses t1, t2)
.macro rearm_timer
  li t1, CLINT_MTIME
  ld t2, 0(t1)
  li t1, TICK
  add t2, t2, t1
  li t1, CLINT_MTIMECMP
  sd t2, 0(t1)
.endm

  .section .text.start
  .globl _start
_start:
  la sp, __stack_top
  li t0, 0x2000                   # mstatus.FS = Initial: compiled code may use the FPU
  csrs mstatus, t0
  la t0, machine_trap
  csrw mtvec, t0
  # PMP entry 0 grants S-mode everything (NAPOT over all addresses, R W X), as
  # firmware does: a hart with PMP denies S-mode what no entry allows (QEMU's).
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  # Root page table: entry 2 maps 0x80000000.. as a gigapage, V R W X A D.
  la t0, page_table
  li t1, ((0x80000000 >> 12) << 10) | 0xcf
  sd t1, 16(t0)
  srli t0, t0, 12
  li t1, 8
  slli t1, t1, 60                 # satp.MODE = Sv39
  or t0, t0, t1
  csrw satp, t0
  sfence.vma
  rearm_timer
  li t0, 0x80                     # mie.MTIE (M interrupts are always on below M-mode)
  csrs mie, t0
  li t0, 0x1800                   # mstatus.MPP = S
  csrc mstatus, t0
  li t0, 0x0800
  csrs mstatus, t0
  la t0, supervisor_main
  csrw mepc, t0
  mret

supervisor_main:
  call main
  ecall

machine_trap:
  csrw mscratch, t0
  csrr t0, mcause
  bltz t0, timer
  addi t0, t0, -9                 # anything but main's ecall from S-mode fails the run
  beqz t0, 2f
  li a0, 127
2:
  slli a0, a0, 1                  # the ecall: exit with main's result
  ori a0, a0, 1
  la t0, tohost
1:
  sd a0, 0(t0)
  j 1b
timer:
  la t0, trap_save
  sd t1, 0(t0)
  sd t2, 8(t0)
  rearm_timer
  ld t1, 0(t0)
  ld t2, 8(t0)
  csrr t0, mscratch
  mret

#include "htif.h"

  .bss
  .align 12
page_table: .space 4096
trap_save: .space 16
