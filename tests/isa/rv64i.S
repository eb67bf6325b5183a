# RV64I: ALU, W-ops, shifts, compares, branches, jumps, loads/stores (also
# misaligned and page-crossing, which demu emulates), and reserved encodings.
#include "macros.h"
  .text
  .globl test_main
test_main:
  # ALU
  li a0, 0x7fffffffffffffff
  addi a1, a0, 1
  CHECK(1, a1, 0x8000000000000000)     // addi wraps at 2^63
  li a2, -1
  add a3, a2, a2
  CHECK(2, a3, -2)                     // add
  sub a3, zero, a0
  CHECK(3, a3, 0x8000000000000001)     // sub
  li a4, 0xff00ff00ff00ff00
  li a5, 0x0ff00ff00ff00ff0
  and a6, a4, a5
  CHECK(4, a6, 0x0f000f000f000f00)     // and
  or a6, a4, a5
  CHECK(5, a6, 0xfff0fff0fff0fff0)     // or
  xor a6, a4, a5
  CHECK(6, a6, 0xf0f0f0f0f0f0f0f0)     // xor
  andi a6, a4, -256
  CHECK(7, a6, 0xff00ff00ff00ff00)     // andi sign-extends its immediate
  ori a6, zero, -1
  CHECK(8, a6, -1)                     // ori
  xori a6, a4, -1
  CHECK(9, a6, 0x00ff00ff00ff00ff)     // xori -1 is not
  li a0, -1
  slt a1, a0, zero
  CHECK(10, a1, 1)                     // slt signed
  sltu a1, a0, zero
  CHECK(11, a1, 0)                     // sltu unsigned
  sltiu a1, zero, -1
  CHECK(12, a1, 1)                     // sltiu compares with the sign-extended immediate as unsigned
  slti a1, a0, 0
  CHECK(13, a1, 1)                     // slti
  sltu a1, zero, a0
  CHECK(14, a1, 1)                     // snez idiom
  lui a1, 0x80000
  CHECK(15, a1, 0xffffffff80000000)    // lui sign-extends
  lui a1, 0x7ffff
  CHECK(16, a1, 0x7ffff000)            // lui positive
1:
  auipc a1, 0
  la a2, 1b
  CHECKR(17, a1, a2)                   // auipc
  addi x0, x0, 5
  CHECK(18, x0, 0)                     // x0 stays zero
  # shifts
  li a0, 1
  slli a1, a0, 63
  CHECK(20, a1, 0x8000000000000000)    // slli by 63 (shamt[5] set is legal on RV64)
  srai a2, a1, 63
  CHECK(21, a2, -1)                    // srai 63
  srli a2, a1, 63
  CHECK(22, a2, 1)                     // srli 63
  li a3, 65
  sll a4, a0, a3
  CHECK(23, a4, 2)                     // sll uses rs2[5:0]
  li a3, 0x7f
  sra a4, a1, a3
  CHECK(24, a4, -1)                    // sra 63 via mask
  srl a4, a1, a3
  CHECK(25, a4, 1)                     // srl 63 via mask
  li a0, 0x123456789abcdef0
  srli a1, a0, 32
  CHECK(26, a1, 0x12345678)            // srli 32
  srai a1, a0, 4
  CHECK(27, a1, 0x0123456789abcdef)    // srai positive
  # W ops
  li a0, 0x7fffffff
  addiw a1, a0, 1
  CHECK(30, a1, 0xffffffff80000000)    // addiw sign-extends bit 31
  li a0, 0xffffffff00000001
  addiw a1, a0, 0
  CHECK(31, a1, 1)                     // sext.w ignores the upper half
  li a0, 0x80000000
  addw a1, a0, zero
  CHECK(32, a1, 0xffffffff80000000)    // addw
  li a2, 1
  subw a1, a0, a2
  CHECK(33, a1, 0x7fffffff)            // subw
  slliw a1, a2, 31
  CHECK(34, a1, 0xffffffff80000000)    // slliw into bit 31
  li a3, 0xffffffff80000000
  srliw a1, a3, 31
  CHECK(35, a1, 1)                     // srliw
  sraiw a1, a3, 31
  CHECK(36, a1, -1)                    // sraiw
  srliw a1, a3, 0
  CHECK(37, a1, 0xffffffff80000000)    // srliw 0 sign-extends
  li a4, 33
  sllw a1, a2, a4
  CHECK(38, a1, 2)                     // sllw uses rs2[4:0]
  srlw a1, a3, a4
  CHECK(39, a1, 0x40000000)            // srlw
  sraw a1, a3, a4
  CHECK(40, a1, 0xffffffffc0000000)    // sraw
  li a5, 0x100000000
  sraiw a1, a5, 1
  CHECK(41, a1, 0)                     // sraiw sees only the low word
  # branches
  li a0, -1
  li a1, 1
  li gp, 50
  blt a1, a0, fail                     // blt signed
  li gp, 51
  bltu a0, a1, fail                    // bltu unsigned
  li gp, 52
  bge a0, a1, fail                     // bge signed
  li gp, 53
  bgeu a1, a0, fail                    // bgeu unsigned
  li gp, 54
  beq a0, a1, fail                     // beq
  li gp, 55
  bne a0, a0, fail                     // bne
  bge a0, a0, 2f
  j fail
2:
  bgeu a0, a0, 3f
  j fail
3:
  # jumps
  li gp, 60
  jal a0, 4f
5:
  j fail
4:
  la a1, 5b
  CHECKR(61, a0, a1)                   // jal links pc+4
  la a2, 6f
  addi a2, a2, 1
  jalr a3, -1(a2)                      // jalr clears bit 0 of the target
  j fail
6:
  la a4, 6b - 4
  CHECKR(62, a3, a4)                   // jalr link
  la a2, 7f
  jalr a2, 0(a2)                       // rd == rs1: target uses the old value
7:
  la a4, 7b
  CHECKR(63, a2, a4)                   // jalr rd==rs1 link
  # loads and stores
  la s1, data
  li a0, 0x8877665544332211
  sd a0, 0(s1)
  lb a1, 7(s1)
  CHECK(70, a1, 0xffffffffffffff88)    // lb sign-extends
  lbu a1, 7(s1)
  CHECK(71, a1, 0x88)                  // lbu
  lh a1, 6(s1)
  CHECK(72, a1, 0xffffffffffff8877)    // lh
  lhu a1, 6(s1)
  CHECK(73, a1, 0x8877)                // lhu
  lw a1, 4(s1)
  CHECK(74, a1, 0xffffffff88776655)    // lw
  lwu a1, 4(s1)
  CHECK(75, a1, 0x88776655)            // lwu
  ld a1, 0(s1)
  CHECKR(76, a1, a0)                   // ld
  sb zero, 1(s1)
  sh zero, 4(s1)
  ld a1, 0(s1)
  CHECK(77, a1, 0x8877000044330011)    // sb, sh
  sw a0, 8(s1)
  ld a1, 8(s1)
  CHECK(78, a1, 0x44332211)            // sw (upper word was zero)
  addi s2, s1, 16
  sd a0, -8(s2)
  ld a1, -8(s2)
  CHECKR(79, a1, a0)                   // negative offsets
  # misaligned accesses are emulated: the bytes as if aligned
  sd a0, 0(s1)
  sd zero, 8(s1)
  ld a1, 1(s1)
  CHECK(80, a1, 0x0088776655443322)    // misaligned ld
  lw a1, 3(s1)
  CHECK(81, a1, 0x0000000077665544)    // misaligned lw
  lh a1, 7(s1)
  CHECK(82, a1, 0x88)                  // misaligned lh
  lwu a1, 6(s1)
  CHECK(83, a1, 0x8877)                // misaligned lwu
  sd a0, 3(s1)
  ld a1, 0(s1)
  CHECK(84, a1, 0x5544332211332211)    // misaligned sd, low part
  ld a1, 8(s1)
  CHECK(85, a1, 0x0000000000887766)    // misaligned sd, high part
  sw a0, 13(s1)
  ld a1, 8(s1)
  CHECK(86, a1, 0x3322110000887766)    // misaligned sw
  sh a0, 15(s1)
  lhu a1, 15(s1)
  CHECK(87, a1, 0x2211)                // misaligned sh
  # across a page boundary (page2 is a 4 KiB-aligned symbol)
  la s3, page2
  sd a0, -4(s3)
  ld a1, -4(s3)
  CHECKR(88, a1, a0)                   // page-crossing sd/ld
  lw a1, -2(s3)
  CHECK(89, a1, 0x66554433)            // page-crossing lw
  # reserved encodings trap as illegal with the instruction bits in mtval
  ARM
  .word 0x00007003                     // LOAD funct3=7
  CHECK_TRAP(90, CAUSE_ILLEGAL, 0x00007003)
  ARM
  .word 0x00004023                     // STORE funct3=4
  CHECK_TRAP(91, CAUSE_ILLEGAL, 0x00004023)
  ARM
  .word 0x02001093                     // SLLI with imm[11:6] != 0 (funct6 = 0x00 with bit 25: legal) -> slli x1,x0,32
  CHECK_NOTRAP(92)
  ARM
  .word 0x04001093                     // SLLI funct6=1: reserved
  CHECK_TRAP(93, CAUSE_ILLEGAL, 0x04001093)
  ARM
  .word 0x0200109b                     // SLLIW with shamt[5] set: reserved
  CHECK_TRAP(94, CAUSE_ILLEGAL, 0x0200109b)
  ARM
  .word 0x0200509b                     // SRLIW with shamt[5] set: reserved
  CHECK_TRAP(95, CAUSE_ILLEGAL, 0x0200509b)
  ARM
  .word 0x00001067                     // JALR funct3=1
  CHECK_TRAP(96, CAUSE_ILLEGAL, 0x00001067)
  ARM
  .word 0x00002063                     // BRANCH funct3=2
  CHECK_TRAP(97, CAUSE_ILLEGAL, 0x00002063)
  ARM
  .word 0x0000200f                     // MISC-MEM funct3=2
  CHECK_TRAP(98, CAUSE_ILLEGAL, 0x0000200f)
  ARM
  .word 0x04000033                     // OP funct7=2: reserved
  CHECK_TRAP(99, CAUSE_ILLEGAL, 0x04000033)
  ARM
  .word 0xffffffff
  CHECK_TRAP(100, CAUSE_ILLEGAL, 0xffffffff)
  ARM
  .word 0x0000007f                     // a 64-bit-or-longer encoding prefix
  CHECK_TRAP(101, CAUSE_ILLEGAL, 0x0000007f)
  ARM
  .word 0x40001033                     // OP funct7=0x20 funct3=1: reserved
  CHECK_TRAP(102, CAUSE_ILLEGAL, 0x40001033)
  ARM
  .word 0x4000403b                     // OP-32 funct7=0x20 funct3=4: reserved
  CHECK_TRAP(103, CAUSE_ILLEGAL, 0x4000403b)
  # fences: every pred/succ and fm form executes as a fence
  ARM
  fence
  fence rw, rw
  fence.tso
  .word 0x0ff0000f                     // fence iorw, iorw
  .word 0x8330000f                     // fence.tso encoding
  .word 0x000000ff & 0x0f              // fence 0,0 (a HINT encoding)
  fence.i
  .word 0x0010100f | (5 << 15) | (7 << 7)  // fence.i with rs1, rd != 0: ignored fields
  CHECK_NOTRAP(110)
  # ecall / ebreak from M-mode
  ARM
8:
  ecall
  CHECK_TRAP(111, CAUSE_ECALL_M, 0)
  la a0, 8b
  CHECKR(112, s9, a0)                  // mepc = the ecall
  ARM
9:
  ebreak
  la a0, 9b
  CHECK(113, s10, CAUSE_BREAKPOINT)
#ifndef QEMU
  CHECKR(114, s11, a0)                 // ebreak: mtval = pc (as sail and spike; qemu 7.2 writes 0)
#endif
  ARM
  .word 0x00100073 | (1 << 7)          // ebreak with rd != 0: reserved
  CHECK(115, s10, CAUSE_ILLEGAL)
  PASS

  .data
  .align 12
data: .fill 4096, 1, 0
page2: .fill 64, 1, 0
