import type { MmioRegion } from "../core/bus.ts";

/** What a write to the finisher asks for. */
export const FINISHER_FAIL = 0x3333;
export const FINISHER_PASS = 0x5555;
export const FINISHER_RESET = 0x7777;

export interface TestFinisherActions {
  /** Power off with an exit status (0 for pass, the code for fail). */
  powerOff(code: number): void;
  /** The guest asked for a reboot. */
  reset(): void;
}

/**
 * The SiFive test finisher (QEMU's virt machine has one too): a write
 * of 0x5555 powers off, 0x3333 | code << 16 powers off with a failure code,
 * 0x7777 resets. OpenSBI's generic platform uses it for SBI system reset.
 */
export class TestFinisher implements MmioRegion {
  constructor(private readonly actions: TestFinisherActions) {}

  read(): number {
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    // OpenSBI writes 16 bits (writew); a 32-bit write can carry a failure code.
    if (offset !== 0 || size === 1) return;
    switch (value & 0xffff) {
      case FINISHER_PASS:
        this.actions.powerOff(0);
        break;
      case FINISHER_FAIL:
        this.actions.powerOff((value >>> 16) || 1);
        break;
      case FINISHER_RESET:
        this.actions.reset();
        break;
    }
  }
}
