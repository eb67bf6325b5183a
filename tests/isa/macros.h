/*
 * demu ISA tests: the check macros (riscv-tests convention, own code).
 * gp holds the current test number; a failed check jumps to `fail`, which
 * writes (gp << 1) | 1 to tohost; `pass` writes 1. t6 is the checks' scratch.
 * The trap handlers in common.S record the last trap in s10 (cause),
 * s11 (tval), s9 (epc) and count traps in s7. With s8 = 0 they skip the
 * trapping instruction; with s8 != 0 they resume at s8 in the handler's mode.
 */
#define MSTATUS_SIE 0x2
#define MSTATUS_MIE 0x8
#define MSTATUS_SPIE 0x20
#define MSTATUS_MPIE 0x80
#define MSTATUS_SPP 0x100
#define MSTATUS_MPP 0x1800
#define MSTATUS_FS 0x6000
#define MSTATUS_MPRV 0x20000
#define MSTATUS_SUM 0x40000
#define MSTATUS_MXR 0x80000
#define MSTATUS_TVM 0x100000
#define MSTATUS_TW 0x200000
#define MSTATUS_TSR 0x400000

#define CAUSE_ILLEGAL 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_MISALIGNED_LOAD 4
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS 7
#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_S 9
#define CAUSE_ECALL_M 11
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_FETCH_PAGE 12
#define CAUSE_LOAD_PAGE 13
#define CAUSE_STORE_PAGE 15
#define INTERRUPT (1 << 63)

#define NO_TRAP 0x7ff

/* Fails test n unless register r equals the constant v. */
#define CHECK(n, r, v) li gp, n; li t6, v; beq r, t6, 77777f; j fail; 77777:
/* Fails test n unless registers a and b are equal. */
#define CHECKR(n, a, b) li gp, n; beq a, b, 77777f; j fail; 77777:
/* Clears the trap record before an instruction that may trap. */
#define ARM li s10, NO_TRAP; li s11, NO_TRAP; li s8, 0
/* Fails test n unless the last trap had this cause and tval. */
#define CHECK_TRAP(n, cause, tval) CHECK(n, s10, cause); CHECK(n, s11, tval)
/* The same with the expected tval in a register. */
#define CHECK_TRAPR(n, cause, r) CHECK(n, s10, cause); CHECKR(n, s11, r)
/* Fails test n if anything trapped since ARM. */
#define CHECK_NOTRAP(n) CHECK(n, s10, NO_TRAP)

/* Leaves M-mode for privilege mode (0 U, 1 S, 3 M) at label. */
#define ENTER(mode, label) \
  li t0, MSTATUS_MPP; csrc mstatus, t0; li t0, (mode) << 11; csrs mstatus, t0; \
  la t0, label; csrw mepc, t0; mret
/* From a lower mode: back to M-mode at label through the M handler (ecall). */
#define BACK_TO_M(label) la s8, label; ecall

#define PASS j pass
