/* The HTIF mailboxes every program's start-up file places (riscv-tests convention). */
  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .size tohost, 8                 # QEMU's HTIF checks the symbols' sizes
  .align 6
  .globl fromhost
fromhost: .dword 0
  .size fromhost, 8
