# F/D smoke: mstatus.FS Off traps and Dirty tracking, fcsr fields, rounding
# modes (static, dynamic, invalid), fflags, NaN boxing, conversions.
#include "macros.h"
  .text
  .globl test_main
test_main:
  # FS = Off: FP instructions and fcsr accesses are illegal
  li a0, MSTATUS_FS
  csrc mstatus, a0
  ARM
  fadd.d f0, f1, f2
  CHECK(1, s10, CAUSE_ILLEGAL)         // FP op with FS off
  ARM
  csrr a1, fcsr
  CHECK(2, s10, CAUSE_ILLEGAL)         // fcsr read with FS off
  ARM
  fmv.x.d a1, f0
  CHECK(3, s10, CAUSE_ILLEGAL)         // fmv.x.d with FS off
  # FS = Initial, then an FP write makes it Dirty (and SD set)
  li a0, 0x2000
  csrs mstatus, a0
  csrr a1, mstatus
  srli a2, a1, 13
  andi a2, a2, 3
  CHECK(4, a2, 1)                      // FS = Initial
  bltz a1, fail
  fcvt.d.w f1, zero
  csrr a1, mstatus
  srli a2, a1, 13
  andi a2, a2, 3
  CHECK(5, a2, 3)                      // an FP write makes FS Dirty
  srli a2, a1, 63
  CHECK(6, a2, 1)                      // mstatus.SD follows FS = Dirty
  csrr a1, sstatus
  srli a2, a1, 63
  CHECK(7, a2, 1)                      // sstatus.SD too
  li a0, MSTATUS_FS
  csrc mstatus, a0
  li a0, 0x2000
  csrs mstatus, a0
  csrwi fflags, 0
  csrr a1, mstatus
  srli a2, a1, 13
  andi a2, a2, 3
  CHECK(8, a2, 3)                      // writing fflags makes FS Dirty
  # fcsr layout
  li a0, 0xff
  csrw fcsr, a0
  csrr a1, frm
  CHECK(9, a1, 7)                      // frm = fcsr[7:5]
  csrr a1, fflags
  CHECK(10, a1, 0x1f)                  // fflags = fcsr[4:0]
  li a0, -1
  csrw fcsr, a0
  csrr a1, fcsr
  CHECK(11, a1, 0xff)                  // fcsr upper bits read zero
  # invalid rounding modes
  csrwi frm, 5
  ARM
  fadd.d f0, f1, f1                    // dyn with frm = 5
  CHECK(12, s10, CAUSE_ILLEGAL)
  csrwi frm, 0
  ARM
  .word 0x021050d3                     // fadd.d f1, f0, f1 with rm = 5
  CHECK_TRAP(13, CAUSE_ILLEGAL, 0x021050d3)
  ARM
  .word 0x021060d3                     // rm = 6
  CHECK_TRAP(14, CAUSE_ILLEGAL, 0x021060d3)
  # rounding: 1 + 2^-53 in every mode (static), and via frm (dynamic)
  li a0, 0x3ff0000000000000
  fmv.d.x f1, a0
  li a0, 0x3ca0000000000001            // just above half an ulp of 1.0
  fmv.d.x f2, a0
  csrwi fflags, 0
  fadd.d f3, f1, f2, rne
  fmv.x.d a1, f3
  CHECK(20, a1, 0x3ff0000000000001)    // RNE rounds up past the half
  csrr a2, fflags
  CHECK(21, a2, 1)                     // NX
  fadd.d f3, f1, f2, rtz
  fmv.x.d a1, f3
  CHECK(22, a1, 0x3ff0000000000000)    // RTZ
  fadd.d f3, f1, f2, rdn
  fmv.x.d a1, f3
  CHECK(23, a1, 0x3ff0000000000000)    // RDN
  fadd.d f3, f1, f2, rup
  fmv.x.d a1, f3
  CHECK(24, a1, 0x3ff0000000000001)    // RUP
  li a0, 0x3ca0000000000000            // exactly half an ulp
  fmv.d.x f2, a0
  fadd.d f3, f1, f2, rmm
  fmv.x.d a1, f3
  CHECK(25, a1, 0x3ff0000000000001)    // RMM ties away
  fadd.d f3, f1, f2, rne
  fmv.x.d a1, f3
  CHECK(26, a1, 0x3ff0000000000000)    // RNE ties to even
  csrwi frm, 3
  fadd.d f3, f1, f2
  fmv.x.d a1, f3
  CHECK(27, a1, 0x3ff0000000000001)    // dynamic RUP
  csrwi frm, 0
  # fflags: DZ, NV, OF, UF
  csrwi fflags, 0
  fcvt.d.w f4, zero
  fdiv.d f5, f1, f4
  csrr a2, fflags
  CHECK(30, a2, 8)                     // DZ
  csrwi fflags, 0
  fdiv.d f5, f4, f4
  csrr a2, fflags
  CHECK(31, a2, 16)                    // NV for 0/0
  fmv.x.d a1, f5
  CHECK(32, a1, 0x7ff8000000000000)    // canonical NaN
  li a0, 0x7fefffffffffffff
  fmv.d.x f6, a0
  csrwi fflags, 0
  fmul.d f7, f6, f6
  csrr a2, fflags
  CHECK(33, a2, 5)                     // OF | NX
  li a0, 0x0010000000000000
  fmv.d.x f6, a0
  li a0, 0x3fe0000000000001
  fmv.d.x f8, a0
  csrwi fflags, 0
  fmul.d f7, f6, f8
  csrr a2, fflags
  CHECK(34, a2, 3)                     // UF | NX (tiny and inexact)
  # NaN boxing
  li a0, 0x3f800000
  fmv.w.x f9, a0
  fmv.x.d a1, f9
  CHECK(40, a1, 0xffffffff3f800000)    // singles are NaN-boxed
  la a3, data
  sw a0, 0(a3)
  flw f10, 0(a3)
  fmv.x.d a1, f10
  CHECK(41, a1, 0xffffffff3f800000)    // flw NaN-boxes
  fmv.d.x f11, a0                      // upper half zero: not a valid single
  fadd.s f12, f11, f9
  fmv.x.w a1, f12
  CHECK(42, a1, 0x7fc00000)            // an unboxed input is the canonical NaN
  fsw f11, 4(a3)
  lwu a1, 4(a3)
  CHECK(43, a1, 0x3f800000)            // fsw stores the low bits unchanged
  li a0, 0xbf800000
  fmv.w.x f9, a0
  fmv.x.w a1, f9
  CHECK(44, a1, 0xffffffffbf800000)    // fmv.x.w sign-extends
  fsgnj.d f13, f9, f9
  fmv.x.d a1, f13
  CHECK(45, a1, 0xffffffffbf800000)    // fsgnj.d moves the boxed bits
  # conversions saturate
  li a0, 0x7ff0000000000000
  fmv.d.x f14, a0
  csrwi fflags, 0
  fcvt.w.d a1, f14
  CHECK(50, a1, 0x7fffffff)            // fcvt.w.d +inf
  csrr a2, fflags
  CHECK(51, a2, 16)                    // NV
  fcvt.wu.d a1, f5
  CHECK(52, a1, -1)                    // fcvt.wu.d NaN = 2^32-1, sign-extended
  li a0, 0xbff0000000000000
  fmv.d.x f15, a0
  fcvt.lu.d a1, f15
  CHECK(53, a1, 0)                     // fcvt.lu.d -1 = 0
  fcvt.l.d a1, f5
  CHECK(54, a1, 0x7fffffffffffffff)    // fcvt.l.d NaN
  li a0, 0xbfe8000000000000            // -0.75
  fmv.d.x f15, a0
  fcvt.w.d a1, f15, rmm
  CHECK(55, a1, -1)                    // rmm
  fcvt.w.d a1, f15, rtz
  CHECK(56, a1, 0)                     // rtz
  # fclass, fmin/fmax
  fclass.d a1, f5
  CHECK(60, a1, 0x200)                 // quiet NaN
  fclass.d a1, f14
  CHECK(61, a1, 0x80)                  // +inf
  li a0, 0x7ff0000000000001
  fmv.d.x f16, a0
  csrwi fflags, 0
  fmin.d f17, f16, f1
  fmv.x.d a1, f17
  CHECK(62, a1, 0x3ff0000000000000)    // fmin with a signaling NaN returns the number
  csrr a2, fflags
  CHECK(63, a2, 16)                    // ...and raises NV
  fmax.d f17, f5, f5
  fmv.x.d a1, f17
  CHECK(64, a1, 0x7ff8000000000000)    // both NaN: canonical NaN
  fmv.d.x f18, zero
  fneg.d f19, f18
  fmin.d f17, f18, f19
  fmv.x.d a1, f17
  CHECK(65, a1, 0x8000000000000000)    // fmin(+0, -0) = -0
  # fused multiply-add rounds once
  li a0, 0x3ff0000000000001            // 1 + 2^-52
  fmv.d.x f20, a0
  li a0, 0xbff0000000000002            // -(1 + 2^-51)
  fmv.d.x f21, a0
  fmadd.d f22, f20, f20, f21
  fmv.x.d a1, f22
  CHECK(70, a1, 0x3970000000000000)    // 2^-104 survives
  PASS

  .data
  .align 6
data: .fill 64, 1, 0
