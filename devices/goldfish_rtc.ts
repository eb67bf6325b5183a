/**
 * The Goldfish real-time clock (`google,goldfish-rtc`), as QEMU's virt
 * machine has one: a 64-bit count of nanoseconds since the Unix epoch, with
 * an alarm interrupt. Linux reads it at boot (RTC_HCTOSYS), so `date` in the
 * guest shows the host's time; with --deterministic the clock starts at a
 * fixed epoch and follows guest time, so runs stay reproducible.
 *
 * Registers (32-bit): TIME_LOW (reading it latches the high half for
 * TIME_HIGH; writing it sets the time from the high half written before),
 * TIME_HIGH, ALARM_LOW (writing it arms the alarm), ALARM_HIGH,
 * IRQ_ENABLED, CLEAR_ALARM, ALARM_STATUS, CLEAR_INTERRUPT.
 */
import type { IrqLine, MmioRegion } from "../core/bus.ts";

/** QEMU virt's address (demu's map has it free: the test finisher ends at 0x10_1000). */
export const RTC_BASE = 0x10_1000;
export const RTC_SIZE = 0x1000;
/** The time a deterministic run starts at: 2025-01-01T00:00:00Z. */
export const DETERMINISTIC_EPOCH_NS = 1_735_689_600n * 1_000_000_000n;

const TIME_LOW = 0x00;
const TIME_HIGH = 0x04;
const ALARM_LOW = 0x08;
const ALARM_HIGH = 0x0c;
const IRQ_ENABLED = 0x10;
const CLEAR_ALARM = 0x14;
const ALARM_STATUS = 0x18;
const CLEAR_INTERRUPT = 0x1c;
const MASK32 = 0xffff_ffffn;

export interface GoldfishRtcOptions {
  irq: IrqLine;
  /** Guest time in nanoseconds since the machine started. */
  elapsedNs(): bigint;
  /** Wall-clock time at the machine's start, in nanoseconds since the epoch. */
  startNs: bigint;
}

export class GoldfishRtc implements MmioRegion {
  /** What the guest set minus what the clock said then (0 until it sets the time). */
  private offset = 0n;
  private latchedHigh = 0;
  private writtenHigh = 0;
  private alarmHigh = 0;
  private alarm: bigint | null = null;
  private irqEnabled = false;
  private fired = false;

  constructor(private readonly opts: GoldfishRtcOptions) {}

  /** Nanoseconds since the epoch, as the guest sees them. */
  now(): bigint {
    return this.opts.startNs + this.opts.elapsedNs() + this.offset;
  }

  /** Fires the alarm once its time has come (the machine calls this as time passes). */
  update(): void {
    if (this.alarm !== null && this.now() >= this.alarm) {
      this.alarm = null;
      this.fired = true;
    }
    this.opts.irq.set(this.fired && this.irqEnabled);
  }

  read(offset: number, size: 1 | 2 | 4): number {
    // A narrower load gets its bytes of the register, as the bus promises (core/bus.ts):
    // an lbu of TIME_LOW gave the whole 32-bit value (found by tests/fuzz/targets/mmio.ts).
    const shift = 8 * (offset & 3);
    return size === 4
      ? this.register(offset)
      : (this.register(offset) >>> shift) & (2 ** (8 * size) - 1);
  }

  private register(offset: number): number {
    switch (offset & ~3) {
      case TIME_LOW: {
        const t = this.now();
        this.latchedHigh = Number((t >> 32n) & MASK32);
        return Number(t & MASK32);
      }
      case TIME_HIGH:
        return this.latchedHigh;
      case ALARM_LOW:
        return this.alarm === null ? 0 : Number(this.alarm & MASK32);
      case ALARM_HIGH:
        return this.alarm === null ? 0 : Number((this.alarm >> 32n) & MASK32);
      case IRQ_ENABLED:
        return this.irqEnabled ? 1 : 0;
      case ALARM_STATUS:
        return this.alarm !== null ? 1 : 0;
      default:
        return 0;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    const v = value >>> 0;
    switch (offset & ~3) {
      case TIME_LOW: {
        const want = (BigInt(this.writtenHigh) << 32n) | BigInt(v);
        this.offset += want - this.now();
        break;
      }
      case TIME_HIGH:
        this.writtenHigh = v;
        break;
      case ALARM_LOW:
        this.alarm = (BigInt(this.alarmHigh) << 32n) | BigInt(v);
        break;
      case ALARM_HIGH:
        this.alarmHigh = v;
        break;
      case IRQ_ENABLED:
        this.irqEnabled = (v & 1) !== 0;
        break;
      case CLEAR_ALARM:
        this.alarm = null;
        break;
      case CLEAR_INTERRUPT:
        this.fired = false;
        break;
    }
    this.update();
  }
}
