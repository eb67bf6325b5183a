# Privileged architecture without paging: xRET stacking, ecall causes,
# delegation, TSR/TW, CSR access rules, WARL fields, counters and their
# enables, interrupt priority and vectored trap vectors.
#include "macros.h"
#define CLINT_MSIP 0x2000000
#define CLINT_MTIMECMP 0x2004000
  .text
  .globl test_main
test_main:
  li t0, CLINT_MTIMECMP                // no timer interrupt until asked for
  li t1, -1
  sd t1, 0(t0)
  la t0, s_trap
  csrw stvec, t0
  # --- mret: MIE <- MPIE, MPIE <- 1, MPP <- U, privilege <- MPP
  li t0, MSTATUS_MPP | MSTATUS_MIE
  csrc mstatus, t0
  li t0, MSTATUS_MPIE | (1 << 11)
  csrs mstatus, t0
  la t0, 1f
  csrw mepc, t0
  mret
1:
  csrr a0, sstatus                     // S-mode now (an M CSR would trap)
  BACK_TO_M(2f)
2:
  CHECK(1, s10, CAUSE_ECALL_S)         // ecall from S: cause 9
  csrci mstatus, MSTATUS_MIE
  # --- U-mode ecall, and MPRV cleared by mret to a lower mode
  li t0, MSTATUS_MPRV
  csrs mstatus, t0
  ENTER(0, 3f)
3:
  BACK_TO_M(4f)
4:
  CHECK(4, s10, CAUSE_ECALL_U)         // ecall from U: cause 8
  csrr a0, mstatus
  li t0, MSTATUS_MPRV
  and a1, a0, t0
#ifndef QEMU
  CHECK(5, a1, 0)                      // mret to U cleared MPRV (priv 1.12; not in qemu 7.2)
#endif
  csrw mstatus, zero
  # --- sret stacking and SPP
  ENTER(1, 5f)
5:
  li t0, MSTATUS_SPP | MSTATUS_SIE
  csrc sstatus, t0
  li t0, MSTATUS_SPIE
  csrs sstatus, t0
  la t0, 6f
  csrw sepc, t0
  sret                                 // to U with SIE <- 1
6:
  BACK_TO_M(7f)
7:
  CHECK(6, s10, CAUSE_ECALL_U)
  csrr a0, mstatus
  andi a1, a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP
  CHECK(7, a1, MSTATUS_SIE | MSTATUS_SPIE)  // sret: SIE <- SPIE, SPIE <- 1, SPP <- U
  # --- mret/sret from lower modes are illegal; TSR; WFI and TW
  ENTER(0, 8f)
8:
  ARM
  mret
  CHECK_TRAP(10, CAUSE_ILLEGAL, 0x30200073)  // mret in U
  ARM
  sret
  CHECK_TRAP(11, CAUSE_ILLEGAL, 0x10200073)  // sret in U
  ARM
  wfi
  CHECK_TRAP(12, CAUSE_ILLEGAL, 0x10500073)  // wfi in U
  BACK_TO_M(9f)
9:
  li t0, MSTATUS_TSR | MSTATUS_TW
  csrs mstatus, t0
#ifndef QEMU
  li t0, 2                             // SSIP pending and enabled, not delegated: an M interrupt
  csrs mie, t0
  csrs mip, t0
#endif
  ENTER(1, 10f)
10:
#ifndef QEMU
  CHECK(18, s10, INTERRUPT | 1)        // taken at once in S (M interrupts are enabled below M)
  li t0, 2
  csrs mie, t0                         // the handler masked it; it stays pending
#endif
  ARM
  mret
  CHECK_TRAP(13, CAUSE_ILLEGAL, 0x30200073)  // mret in S
  ARM
  sret
  CHECK_TRAP(14, CAUSE_ILLEGAL, 0x10200073)  // sret in S with TSR
  ARM
  wfi
  CHECK_TRAP(15, CAUSE_ILLEGAL, 0x10500073)  // wfi in S with TW
  BACK_TO_M(11f)
11:
  li t0, MSTATUS_TSR | MSTATUS_TW
  csrc mstatus, t0
#ifndef QEMU
  csrci mstatus, MSTATUS_MIE
  li t0, 2
  csrw mie, t0
  ARM
  wfi                                  // a pending, enabled interrupt: wfi completes in M (MIE = 0)
  CHECK_NOTRAP(16)
  csrw mip, zero
  csrw mie, zero
#endif
  # --- CSR access rules
  ENTER(0, 14f)
14:
  ARM
  csrr a0, sstatus
  CHECK_TRAP(20, CAUSE_ILLEGAL, 0x10002573)  // S CSR from U
  BACK_TO_M(15f)
15:
  ENTER(1, 16f)
16:
  ARM
  csrr a0, mstatus
  CHECK_TRAP(21, CAUSE_ILLEGAL, 0x30002573)  // M CSR from S
  BACK_TO_M(17f)
17:
  ARM
  csrw mvendorid, zero
  CHECK_TRAP(22, CAUSE_ILLEGAL, 0xf1101073)  // write to a read-only CSR
  ARM
  csrrs a0, mvendorid, zero
  csrrsi a0, mhartid, 0
  csrrci a0, marchid, 0
  CHECK_NOTRAP(23)                     // csrrs/c with x0/uimm 0 do not write
  ARM
  csrrs a0, 0x7ff, zero
  CHECK_TRAP(24, CAUSE_ILLEGAL, 0x7ff02573)  // a CSR that does not exist
  ARM
  csrrw a0, 0x3a1, zero
  CHECK_TRAP(25, CAUSE_ILLEGAL, 0x3a101573)  // pmpcfg1 does not exist on RV64
  ARM
  .word 0x00004073                     // SYSTEM funct3 = 4
  CHECK_TRAP(26, CAUSE_ILLEGAL, 0x00004073)
  ARM
  csrr a0, cycleh
  CHECK_TRAP(27, CAUSE_ILLEGAL, 0xc8002573)  // cycleh is RV32-only
  # --- WARL and read-only fields
  csrr a0, misa
  srli a1, a0, 62
  CHECK(30, a1, 2)                     // misa.MXL = 64
  li a1, 0x14112d                      // I M A F D C S U
  and a2, a0, a1
  CHECKR(31, a2, a1)
  csrr a0, mstatus
  srli a1, a0, 32
  andi a1, a1, 0xf
  CHECK(32, a1, 0xa)                   // UXL = SXL = 64
#ifndef QEMU
  li t0, 3
  csrw mepc, t0
  csrr a0, mepc
  CHECK(33, a0, 2)                     // mepc[0] is zero (qemu 7.2 keeps it)
  csrw sepc, t0
  csrr a0, sepc
  CHECK(34, a0, 2)                     // sepc[0] is zero
#endif
  la t0, m_trap
  csrr a2, mtvec
  addi t1, t0, 64 + 2
  csrw mtvec, t1
  csrr a0, mtvec
  CHECKR(35, a0, a2)                   // a reserved mtvec mode leaves mtvec unchanged
  csrw mtvec, t0
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, 2 << 11
  csrs mstatus, t0
  csrr a0, mstatus
  li t0, MSTATUS_MPP
  and a0, a0, t0
  li t1, 2 << 11
#ifndef QEMU
  beq a0, t1, fail_36                  // MPP never holds the reserved value 2 (qemu 7.2 keeps it)
#endif
  csrw satp, zero
  li t0, (1 << 60) | 5
  csrw satp, t0
  csrr a0, satp
  CHECK(37, a0, 0)                     // satp: an unsupported mode ignores the write
  li t0, -1
  csrw mideleg, t0
  csrr a0, mideleg
#ifndef QEMU
  CHECK(38, a0, 0x222)                 // only S interrupts are delegable (qemu adds LCOFI)
#endif
  csrw mideleg, zero
  csrci mstatus, MSTATUS_MIE
  csrw mie, t0
  csrr a0, mie
#ifndef QEMU
  CHECK(39, a0, 0xaaa)                 // mie: the implemented interrupts (qemu adds LCOFI)
#endif
  csrw mie, zero
  csrw mip, t0
  csrr a0, mip
  andi a0, a0, 0x222
  CHECK(40, a0, 0x222)                 // mip: SSIP, STIP, SEIP writable from M
  csrw mip, zero
  csrw mcountinhibit, t0
  csrr a0, mcountinhibit
  andi a0, a0, 7
#ifndef QEMU
  CHECK(41, a0, 5)                     // mcountinhibit.TM is read-only zero (not in qemu 7.2)
#endif
  csrw mcountinhibit, zero
  # sstatus is a view of mstatus
  li t0, MSTATUS_SUM
  csrs sstatus, t0
  csrr a0, mstatus
  and a0, a0, t0
  CHECKR(42, a0, t0)
  csrc mstatus, t0
  li t0, MSTATUS_MPP | MSTATUS_MIE | MSTATUS_TVM
  csrs mstatus, t0
  csrr a0, sstatus
  and a0, a0, t0
  CHECK(43, a0, 0)                     // sstatus hides M fields
  li t0, MSTATUS_MIE | MSTATUS_TVM
  csrc mstatus, t0
  # sie/sip are masked by mideleg
  li t0, 0x222
  csrw mideleg, t0
  li t0, -1
  csrw mie, zero
  csrs sie, t0
  csrr a0, mie
  CHECK(44, a0, 0x222)                 // sie writes reach mie's delegated bits
  csrw mideleg, zero
  csrr a0, sie
  CHECK(45, a0, 0)                     // sie reads zero for undelegated bits
  csrw mie, zero
  # --- counters
  csrw mcounteren, zero
  csrw scounteren, zero
  ENTER(1, 20f)
20:
  ARM
  rdcycle a0
  CHECK_TRAP(50, CAUSE_ILLEGAL, 0xc0002573)  // cycle from S with mcounteren.CY = 0
  ARM
  rdtime a0
  CHECK(51, s10, CAUSE_ILLEGAL)        // time with mcounteren.TM = 0
  BACK_TO_M(21f)
21:
  li t0, 7
  csrw mcounteren, t0
  ENTER(0, 22f)
22:
  ARM
  rdinstret a0
  CHECK(52, s10, CAUSE_ILLEGAL)        // instret from U with scounteren.IR = 0
  BACK_TO_M(23f)
23:
  li t0, 7
  csrw scounteren, t0
  ENTER(0, 24f)
24:
  ARM
  rdinstret a0
  rdcycle a1
#ifndef QEMU
  rdtime a2                            // (qemu's spike machine has no time CSR)
#endif
  CHECK_NOTRAP(53)                     // U may read them when both enables are set
  BACK_TO_M(25f)
25:
#ifndef QEMU // qemu's minstret is not instruction-exact without -icount
  csrr a0, minstret
  csrr a1, minstret
  sub a2, a1, a0
  CHECK(54, a2, 1)                     // minstret counts each retired instruction
  li t0, 100
  csrw minstret, t0
  csrr a0, minstret
  CHECK(55, a0, 100)                   // a write replaces the count (the csrw itself does not count)
  csrwi mcountinhibit, 4
  csrr a0, minstret
  nop
  csrr a1, minstret
  CHECKR(56, a0, a1)                   // mcountinhibit.IR stops minstret
  csrwi mcountinhibit, 0
#endif
  csrr a0, mhpmcounter3
  CHECK(57, a0, 0)                     // unimplemented hpm counters read zero
  # --- exception delegation
  li t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL)
  csrw medeleg, t0
  ENTER(0, 26f)
26:
  ARM
  .word 0                              // illegal in U -> S handler
  CHECK(60, s10, CAUSE_ILLEGAL)
  csrr a0, mcause                      // reading mcause from U: illegal again (to S)
  CHECK(61, s11, 0x34202573)           // stval = the instruction bits
  la s8, 27f
  ecall                                // delegated: S handler resumes at 27 in S
27:
  CHECK(62, s10, CAUSE_ECALL_U)        // went to S
  ARM
  .word 0                              // illegal in S: delegated too (S handler)
  CHECK(63, s10, CAUSE_ILLEGAL)
  BACK_TO_M(28f)                       // ecall from S is not delegated
28:
  CHECK(64, s10, CAUSE_ECALL_S)
  csrw medeleg, zero
  li t0, -1
  csrw medeleg, t0
  csrr a0, medeleg
  li t1, 1 << 11
  and a1, a0, t1
#ifndef QEMU
  CHECK(65, a1, 0)                     // ecall from M cannot be delegated
#endif
  csrw medeleg, zero
  # --- interrupts: priority, delegation and vectoring
  csrci mstatus, MSTATUS_MIE
#ifndef QEMU // qemu 7.2 does not let M-mode software raise STIP/SEIP in mip
  li t0, 0x222
  csrw mie, t0
  csrw mip, t0                         // SEIP, STIP, SSIP pending
  li s7, 0
  csrsi mstatus, MSTATUS_MIE
  nop
  CHECK(70, s10, INTERRUPT | 9)        // SEI first
  li t0, 1 << 9
  csrc mip, t0
  li t0, 0x222
  csrw mie, t0
  nop
  CHECK(71, s10, INTERRUPT | 1)        // then SSI
  li t0, 1 << 1
  csrc mip, t0
  li t0, 0x222
  csrw mie, t0
  nop
  CHECK(72, s10, INTERRUPT | 5)        // then STI
  csrw mip, zero
  csrci mstatus, MSTATUS_MIE
  # M-level: MSI (CLINT msip) before MTI before SEI
  li t0, CLINT_MSIP
  li t1, 1
  sw t1, 0(t0)
  li t0, CLINT_MTIMECMP
  sd zero, 0(t0)
  li t0, 1 << 9
  csrw mip, t0
  li t0, 0xaaa
  csrw mie, t0
  csrsi mstatus, MSTATUS_MIE
  nop
  CHECK(73, s10, INTERRUPT | 3)        // MSI
  li t0, CLINT_MSIP
  sw zero, 0(t0)
  li t0, 0xaaa
  csrw mie, t0
  nop
  CHECK(74, s10, INTERRUPT | 7)        // MTI
  li t0, CLINT_MTIMECMP
  li t1, -1
  sd t1, 0(t0)
  li t0, 0xaaa
  csrw mie, t0
  nop
  CHECK(75, s10, INTERRUPT | 9)        // SEI
  csrw mip, zero
  csrci mstatus, MSTATUS_MIE
#endif
  # delegated interrupts: not taken in M, taken in S with SIE, and always in U
  li t0, 1 << 1
  csrw mideleg, t0
  csrw mie, t0
  csrw mip, t0
  csrsi mstatus, MSTATUS_MIE
  ARM
  nop
  CHECK_NOTRAP(76)                     // a delegated interrupt never traps to M
  csrci mstatus, MSTATUS_MIE | MSTATUS_SIE
  ENTER(1, 29f)
29:
  nop
  CHECK_NOTRAP(77)                     // in S with SIE = 0: not taken
  csrsi sstatus, MSTATUS_SIE
  nop
  CHECK(78, s10, INTERRUPT | 1)        // in S with SIE = 1: taken by S
  csrci sstatus, MSTATUS_SIE
  li t0, 2
  csrs sie, t0
  # M-destined STI beats S-destined SSI even though SSI ranks above STI
  BACK_TO_M(30f)
30:
  csrci mstatus, MSTATUS_MIE
  li t0, 0x22
  csrw mie, t0
  csrw mip, t0                         // SSIP (to S) and STIP (to M)
  ARM
  ENTER(1, 31f)
31:
  nop
  CHECK(79, s10, INTERRUPT | 5)        // STI to M first
  BACK_TO_M(32f)
32:
  csrw mip, zero
  csrw mie, zero
  csrw mideleg, zero
  # vectored mtvec: interrupts go to base + 4 * cause, exceptions to base
  la t0, vectors
  ori t0, t0, 1
  csrw mtvec, t0
  li t3, -1
  ecall
  CHECK(80, t3, 0)                     // an exception uses the base
  li t0, 1 << 5
  csrw mie, t0
  csrw mip, t0
  csrsi mstatus, MSTATUS_MIE
  nop
  CHECK(81, t3, 5)                     // STI: slot 5
  csrci mstatus, MSTATUS_MIE
  csrw mip, zero
  la t0, m_trap
  csrw mtvec, t0
  PASS

fail_36:
  li gp, 36
  j fail

  .align 6
  .option norvc                        // 4-byte slots
vectors:
  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
  j vec\n
  .endr
  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
vec\n: li t3, \n
  j m_trap
  .endr
