/**
 * Exceptions travel from deep inside an instruction to the interpreter loop as
 * a thrown singleton: the cause and tval are parked on the hart first. Traps
 * are rare next to instructions, so this keeps every fast path free of checks.
 */

export const CAUSE_MISALIGNED_FETCH = 0;
export const CAUSE_FETCH_ACCESS = 1;
export const CAUSE_ILLEGAL_INSTRUCTION = 2;
export const CAUSE_BREAKPOINT = 3;
export const CAUSE_MISALIGNED_LOAD = 4;
export const CAUSE_LOAD_ACCESS = 5;
export const CAUSE_MISALIGNED_STORE = 6;
export const CAUSE_STORE_ACCESS = 7;
export const CAUSE_USER_ECALL = 8;
export const CAUSE_SUPERVISOR_ECALL = 9;
export const CAUSE_MACHINE_ECALL = 11;
export const CAUSE_FETCH_PAGE_FAULT = 12;
export const CAUSE_LOAD_PAGE_FAULT = 13;
export const CAUSE_STORE_PAGE_FAULT = 15;

/** What an access is for: decides permissions and which fault is raised. */
export const ACCESS_FETCH = 0;
export const ACCESS_LOAD = 1;
export const ACCESS_STORE = 2;
export type Access = 0 | 1 | 2;

/** Page-fault and access-fault causes indexed by Access. */
export const PAGE_FAULT_CAUSE = [
  CAUSE_FETCH_PAGE_FAULT,
  CAUSE_LOAD_PAGE_FAULT,
  CAUSE_STORE_PAGE_FAULT,
];
export const ACCESS_FAULT_CAUSE = [CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS];
export const MISALIGNED_CAUSE = [
  CAUSE_MISALIGNED_FETCH,
  CAUSE_MISALIGNED_LOAD,
  CAUSE_MISALIGNED_STORE,
];

/** The one object thrown for every guest exception. */
export class GuestTrap {
  cause = 0;
  tval = 0n;
}
export const TRAP = new GuestTrap();

/** Parks an exception and throws it to the interpreter loop. */
export function raise(cause: number, tval: bigint | number): never {
  TRAP.cause = cause;
  TRAP.tval = typeof tval === "bigint" ? tval : BigInt(tval);
  throw TRAP;
}
