# RV64C: expansion semantics, links of 2-byte jumps, and reserved encodings
# (illegal instruction with mtval = the 16 instruction bits).
#include "macros.h"
  .text
  .globl test_main
test_main:
  .option push
  .option rvc
  li a0, 0x7fffffff
  c.addiw a0, 1
  CHECK(1, a0, 0xffffffff80000000)     // c.addiw sign-extends
  li a1, 0xffffffff
  c.addw a1, a1
  CHECK(2, a1, -2)                     // c.addw
  li a2, 1
  c.slli a2, 63
  CHECK(3, a2, 0x8000000000000000)     // c.slli shamt 63
  c.srai a2, 63
  CHECK(4, a2, -1)                     // c.srai shamt 63
  c.srli a2, 32
  CHECK(5, a2, 0xffffffff)             // c.srli shamt 32
  c.li a3, -32
  CHECK(6, a3, -32)                    // c.li negative
  c.lui a3, 0xfffe0
  CHECK(7, a3, 0xfffffffffffe0000)     // c.lui negative
  c.andi a3, -1
  c.mv a4, a3
  CHECKR(8, a4, a3)                    // c.mv
  li a4, 5
  li a5, 3
  c.sub a4, a5
  CHECK(9, a4, 2)                      // c.sub
  c.xor a4, a5
  CHECK(10, a4, 1)                     // c.xor
  c.or a4, a5
  CHECK(11, a4, 3)                     // c.or
  c.and a4, a5
  CHECK(12, a4, 3)                     // c.and
  li a4, 0x80000000
  c.subw a4, a5
  CHECK(13, a4, 0x7ffffffd)            // c.subw
  mv s0, sp
  la sp, data + 64
  c.addi16sp sp, -32
  la a4, data + 32
  CHECKR(14, sp, a4)                   // c.addi16sp
  c.addi4spn a5, sp, 8
  addi a4, a4, 8
  CHECKR(15, a5, a4)                   // c.addi4spn
  li a0, 0x1122334455667788
  c.sdsp a0, 8(sp)
  c.ldsp a1, 8(sp)
  CHECKR(16, a1, a0)                   // c.sdsp / c.ldsp
  c.swsp a0, 16(sp)
  c.lwsp a1, 16(sp)
  CHECK(17, a1, 0x55667788)            // c.swsp / c.lwsp
  la a2, data
  c.sd a0, 0(a2)
  c.lw a3, 4(a2)
  CHECK(18, a3, 0x11223344)            // c.sd / c.lw
  c.sw a0, 8(a2)
  c.ld a3, 8(a2)
  CHECK(19, a3, 0x55667788)            // c.sw / c.ld (upper word was zero)
  mv sp, s0
  # jumps: links are pc + 2
  la a0, 1f
  c.jalr a0
2:
  j fail
1:
  la a1, 2b
  CHECKR(20, ra, a1)                   // c.jalr links pc+2
  la a0, 3f
  c.jr a0
  j fail
3:
  c.j 4f
  j fail
4:
  li a0, 0
  c.beqz a0, 5f
  j fail
5:
  c.bnez a0, fail
  # reserved encodings
  .option norvc
  ARM
  .hword 0x0000                        // the all-zero halfword
  CHECK_TRAP(30, CAUSE_ILLEGAL, 0)
  ARM
  .hword 0x0008                        // c.addi4spn with nzuimm = 0
  CHECK_TRAP(31, CAUSE_ILLEGAL, 0x0008)
  ARM
  .hword 0x6101                        // c.addi16sp with nzimm = 0
  CHECK_TRAP(32, CAUSE_ILLEGAL, 0x6101)
  ARM
  .hword 0x6081                        // c.lui with nzimm = 0
  CHECK_TRAP(33, CAUSE_ILLEGAL, 0x6081)
  ARM
  .hword 0x4002                        // c.lwsp with rd = 0
  CHECK_TRAP(34, CAUSE_ILLEGAL, 0x4002)
  ARM
  .hword 0x6002                        // c.ldsp with rd = 0
  CHECK_TRAP(35, CAUSE_ILLEGAL, 0x6002)
  ARM
  .hword 0x8002                        // c.jr with rs1 = 0
  CHECK_TRAP(36, CAUSE_ILLEGAL, 0x8002)
  ARM
  .hword 0x2001                        // c.addiw with rd = 0
  CHECK_TRAP(37, CAUSE_ILLEGAL, 0x2001)
  ARM
  .hword 0x9c41                        // C1 misc-alu funct 1/11/10: reserved
  CHECK_TRAP(38, CAUSE_ILLEGAL, 0x9c41)
  ARM
  .hword 0x9c61                        // C1 misc-alu funct 1/11/11: reserved
  CHECK_TRAP(39, CAUSE_ILLEGAL, 0x9c61)
  ARM
  .hword 0x8000                        // C0 funct3 = 100: reserved
  CHECK_TRAP(40, CAUSE_ILLEGAL, 0x8000)
  # c.fld with mstatus.FS = Off: mtval is the 16-bit instruction
  li a0, MSTATUS_FS
  csrc mstatus, a0
  la a0, data
  ARM
  .hword 0x2100                        // c.fld f8, 0(a0)
  CHECK_TRAP(41, CAUSE_ILLEGAL, 0x2100)
  ARM
  .hword 0x2002                        // c.fldsp f0, 0(sp)
  CHECK_TRAP(42, CAUSE_ILLEGAL, 0x2002)
  ARM
  .hword 0xa100                        // c.fsd f8, 0(a0)
  CHECK_TRAP(43, CAUSE_ILLEGAL, 0xa100)
  # c.ebreak: breakpoint, mtval = pc
  ARM
6:
  .hword 0x9002
  CHECK(44, s10, CAUSE_BREAKPOINT)
#ifndef QEMU
  la a0, 6b
  CHECKR(45, s11, a0)                  // c.ebreak mtval = pc
#endif
  la a0, 6b + 2
  addi a0, a0, -2
  CHECKR(46, s9, a0)                   // mepc = the c.ebreak
  # HINTs execute as no-ops
  ARM
  .hword 0x0001                        // c.nop
  .hword 0x0081                        // c.addi x1, 0 (HINT)
  .hword 0x4001                        // c.li x0, 0 (HINT)
  .hword 0x0002                        // c.slli x0 (HINT)
  .hword 0x8006                        // c.mv x0, x1 (HINT)
  CHECK_NOTRAP(47)
  PASS
  .option pop

  .data
  .align 6
data: .fill 128, 1, 0
