# RV64M: products, high halves, division by zero and overflow, W forms.
#include "macros.h"
  .text
  .globl test_main
test_main:
  li a0, 0x8000000000000000
  li a1, -1
  li a2, 0
  li a3, 7
  li a4, -7
  mul a5, a0, a1
  CHECK(1, a5, 0x8000000000000000)     // mul overflow wraps
  mulh a5, a0, a1
  CHECK(2, a5, 0)                      // mulh (-2^63 * -1) >> 64
  mulhu a5, a0, a1
  CHECK(3, a5, 0x7fffffffffffffff)     // mulhu
  mulhsu a5, a1, a1
  CHECK(4, a5, -1)                     // mulhsu -1 * (2^64-1)
  mulhsu a5, a3, a1
  CHECK(5, a5, 6)                      // mulhsu 7 * (2^64-1)
  mulh a5, a4, a3
  CHECK(6, a5, -1)                     // mulh -49 >> 64
  div a5, a0, a1
  CHECK(10, a5, 0x8000000000000000)    // div overflow = dividend
  rem a5, a0, a1
  CHECK(11, a5, 0)                     // rem overflow = 0
  div a5, a3, a2
  CHECK(12, a5, -1)                    // div by zero = -1
  divu a5, a3, a2
  CHECK(13, a5, -1)                    // divu by zero = 2^64-1
  rem a5, a4, a2
  CHECK(14, a5, -7)                    // rem by zero = dividend
  remu a5, a4, a2
  CHECK(15, a5, -7)                    // remu by zero = dividend
  li a6, 2
  div a5, a4, a6
  CHECK(16, a5, -3)                    // div rounds toward zero
  rem a5, a4, a6
  CHECK(17, a5, -1)                    // rem has the dividend's sign
  divu a5, a4, a6
  CHECK(18, a5, 0x7ffffffffffffffc)    // divu
  remu a5, a4, a6
  CHECK(19, a5, 1)                     // remu
  # W forms: 32-bit operands, sign-extended results
  li a0, 0xffffffff80000000
  li a7, 0x12345678ffffffff            // low word -1
  mulw a5, a0, a7
  CHECK(20, a5, 0xffffffff80000000)    // mulw
  divw a5, a0, a7
  CHECK(21, a5, 0xffffffff80000000)    // divw overflow
  remw a5, a0, a7
  CHECK(22, a5, 0)                     // remw overflow
  li a6, 0x100000000                   // low word 0
  divw a5, a3, a6
  CHECK(23, a5, -1)                    // divw by zero
  divuw a5, a3, a6
  CHECK(24, a5, -1)                    // divuw by zero sign-extends 0xffffffff
  remw a5, a0, a6
  CHECK(25, a5, 0xffffffff80000000)    // remw by zero = sext(dividend)
  li a1, 0x00000000fffffff9            // low word -7
  remuw a5, a1, a6
  CHECK(26, a5, -7)                    // remuw by zero = sext(dividend)
  li a2, 2
  divuw a5, a1, a2
  CHECK(27, a5, 0x7ffffffc)            // divuw
  remuw a5, a1, a2
  CHECK(28, a5, 1)                     // remuw
  li a1, 0xffffffff
  divuw a5, a1, a2
  CHECK(29, a5, 0x7fffffff)            // divuw of 2^32-1
  li a2, 1
  divuw a5, a1, a2
  CHECK(30, a5, -1)                    // divuw result sign-extends bit 31
  li a1, 0x10000
  mulw a5, a1, a1
  CHECK(31, a5, 0)                     // mulw keeps the low word
  li a1, 0x7fffffff
  mulw a5, a1, a1
  CHECK(32, a5, 1)                     // mulw
  ARM
  .word 0x0200103b
  CHECK_TRAP(33, CAUSE_ILLEGAL, 0x0200103b)
  PASS
