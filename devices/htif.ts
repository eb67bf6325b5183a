/**
 * Berkeley HTIF as TinyEMU places it: tohost at offset 0, fromhost at offset
 * 8, each 64 bits seen as two 32-bit halves; writing tohost's high half
 * (offset 4) runs the command.
 *
 * OpenSBI's driver (lib/utils/sys/htif.c) waits for tohost == 0 before each
 * command, consumes any fromhost value whose device is the console (and traps
 * on other devices), and gets characters by sending a getchar request and later
 * finding the answer in fromhost. So: tohost is cleared after every command,
 * putchar is acked in fromhost as TinyEMU does, and a getchar request stays
 * open until input exists and fromhost is free.
 *
 * Device tree: OpenSBI reads `reg` entry 0 as FROMHOST and entry 1 as TOHOST
 * (default fromhost + 8), so the node must list fromhost first:
 *   reg = <0x0 0x40008008 0x0 0x8>, <0x0 0x40008000 0x0 0x8>;
 */
import type { MmioRegion } from "../core/bus.ts";
import type { StateReader, StateWriter } from "../core/snapshot/format.ts";
import type { ConsoleInputSink } from "./console_input.ts";
import { subMerge, subRead } from "./mmio_access.ts";

const TWO32 = 0x1_0000_0000;
const INPUT_LIMIT = 4096;

export interface HtifCommand {
  device: number;
  cmd: number;
  /** The 48-bit payload (exact as a number). */
  payload: number;
}

/** Splits a tohost value given as halves into device (8 bits), command (8 bits), payload (48 bits). */
export function decodeTohost(lo: number, hi: number): HtifCommand {
  return {
    device: hi >>> 24,
    cmd: (hi >>> 16) & 0xff,
    payload: (hi & 0xffff) * TWO32 + (lo >>> 0),
  };
}

export interface HtifOptions {
  putchar(byte: number): void;
  powerOff(code: number): void;
  /**
   * For console input routing (devices/console_input.ts): guest time in
   * timebase ticks, a fresh open-stamp, and a call for when a getchar request
   * opens. Without them the console never counts as open.
   */
  ticks?(): number;
  stamp?(): number;
  onRoom?(): void;
  /** Ticks without a fromhost poll after which the SBI console counts as closed. */
  openWindow?: number;
}

/**
 * The SBI console counts as open while the firmware polls fromhost for a
 * getchar answer. OpenSBI polls only inside sbi_console_getchar, and Linux's
 * hvc_riscv_sbi calls that only while a tty has hvc0 open, at least every
 * 2 s (hvc's longest poll interval): 5 s of guest time without a poll means
 * it was closed.
 */
const DEFAULT_OPEN_WINDOW = 5 * 10_000_000;

export class Htif implements MmioRegion, ConsoleInputSink {
  private tohostLo = 0;
  private tohostHi = 0;
  private fromhostLo = 0;
  private fromhostHi = 0;
  private readonly input: number[] = [];
  private getcharWaiting = false;
  private lastPoll = -Infinity;
  private opened: number | null = null;

  constructor(private readonly opts: HtifOptions) {}

  activeAt(): number | null {
    const now = this.opts.ticks?.();
    if (now === undefined || now - this.lastPoll > (this.opts.openWindow ?? DEFAULT_OPEN_WINDOW)) {
      this.opened = null;
    }
    return this.opened;
  }

  /** Routed host input: one byte, when a getchar request is open and fromhost is free. */
  accept(bytes: Uint8Array): number {
    if (bytes.length === 0 || this.input.length > 0) return 0;
    if (!this.getcharWaiting || this.fromhostLo !== 0 || this.fromhostHi !== 0) return 0;
    this.getcharWaiting = false;
    this.setFromhost(0x01000000, bytes[0]);
    return 1;
  }

  /** Queues a host input byte for the guest's getchar (a bounded queue: excess is dropped). */
  pushInput(byte: number): void {
    if (this.input.length < INPUT_LIMIT) this.input.push(byte & 0xff);
    this.answerGetchar();
  }

  /** Snapshot hooks (core/snapshot/format.ts): the mailboxes, queued input, an open getchar. */
  saveState(w: StateWriter): void {
    w.f64(this.opened ?? -1); // the input router's stamp (devices/console_input.ts)
    w.f64(this.lastPoll);
    for (const v of [this.tohostLo, this.tohostHi, this.fromhostLo, this.fromhostHi]) w.u32(v);
    w.bytes(new Uint8Array(this.input));
    w.bool(this.getcharWaiting);
  }

  loadState(r: StateReader): void {
    const opened = r.f64();
    this.opened = opened < 0 ? null : opened;
    this.lastPoll = r.f64();
    this.tohostLo = r.u32();
    this.tohostHi = r.u32();
    this.fromhostLo = r.u32();
    this.fromhostHi = r.u32();
    this.input.splice(0, this.input.length, ...r.bytes().subarray(0, INPUT_LIMIT));
    this.getcharWaiting = r.bool();
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if ((offset & ~7) === 8) this.polled(); // the guest polls fromhost
    return subRead(this.word(offset & ~3), offset, size);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const at = offset & ~3;
    const v = subMerge(this.word(at), offset, size, value);
    switch (at) {
      case 0:
        this.tohostLo = v;
        break;
      case 4:
        this.tohostHi = v;
        this.run();
        break;
      case 8:
        this.fromhostLo = v;
        break;
      case 12:
        this.fromhostHi = v;
        break;
    }
  }

  private word(at: number): number {
    switch (at) {
      case 0:
        return this.tohostLo;
      case 4:
        return this.tohostHi;
      case 8:
        return this.fromhostLo;
      case 12:
        return this.fromhostHi;
      default:
        return 0;
    }
  }

  private run(): void {
    if (this.tohostLo === 0 && this.tohostHi === 0) return;
    const { device, cmd, payload } = decodeTohost(this.tohostLo, this.tohostHi);
    this.tohostLo = this.tohostHi = 0;
    if (device === 0 && cmd === 0 && payload % 2 === 1) {
      this.opts.powerOff(Math.floor(payload / 2));
    } else if (device === 1 && cmd === 1) {
      this.opts.putchar(payload & 0xff);
      // Written to while open: the console the user looks at now (devices/console_input.ts).
      if (this.opts.stamp && this.activeAt() !== null) this.opened = this.opts.stamp();
      // Ack as TinyEMU does, but never over an unread getchar answer.
      if (this.fromhostLo === 0 && this.fromhostHi === 0) this.setFromhost(0x01010000, 0);
    } else if (device === 1 && cmd === 0) {
      this.getcharWaiting = true;
      this.answerGetchar();
      this.opts.onRoom?.();
    }
    // Anything else (e.g. the proxy-syscall interface) is not supported: it is dropped.
  }

  /** A fromhost poll: answers from the local queue, and marks the SBI console open. */
  private polled(): void {
    this.answerGetchar();
    const now = this.opts.ticks?.();
    if (now === undefined) return;
    if (this.activeAt() === null && this.opts.stamp) this.opened = this.opts.stamp();
    this.lastPoll = now;
    this.opts.onRoom?.();
  }

  private setFromhost(hi: number, lo: number): void {
    this.fromhostHi = hi;
    this.fromhostLo = lo;
  }

  /** Puts the next input byte in fromhost if a getchar request is open and fromhost is free. */
  private answerGetchar(): void {
    if (!this.getcharWaiting || this.input.length === 0) return;
    if (this.fromhostLo !== 0 || this.fromhostHi !== 0) return;
    this.getcharWaiting = false;
    this.setFromhost(0x01000000, this.input.shift()!);
  }
}
