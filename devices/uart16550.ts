/**
 * An NS16550A UART (`ns16550a`, reg-shift 0, byte registers), as QEMU's virt
 * machine has one: what OpenSBI's uart8250 driver, Linux's 8250/of_serial
 * driver and `earlycon=uart8250,mmio,ADDR` drive.
 *
 * Transmission is instant (THR is always empty again at once; the THRE
 * interrupt follows every write while IER asks for it), so output is never
 * lost. Reception has a 16-byte FIFO (1 byte with FIFOs off) filled from the
 * console input router (devices/console_input.ts) only while there is room,
 * so host input waits there instead of overrunning, and only while the guest
 * has the port open (see noteOpen).
 */
import type { StateReader, StateWriter } from "../core/snapshot/format.ts";
import type { IrqLine, MmioRegion } from "../core/bus.ts";
import type { ByteOutput } from "./byte_output.ts";
import type { ConsoleInputSink } from "./console_input.ts";

/** QEMU virt's address and window size (the address Linux guides assume). */
export const UART_BASE = 0x1000_0000;
export const UART_SIZE = 0x100;
/** The input clock QEMU's virt machine declares (1.8432 MHz x 2). */
export const UART_CLOCK_HZ = 3_686_400;

const FIFO_SIZE = 16;

// Register offsets.
const RBR_THR = 0;
const IER = 1;
const IIR_FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

const IER_RDI = 0x01;
const IER_THRI = 0x02;
const IER_RLSI = 0x04;
const LCR_DLAB = 0x80;
const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;
const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const IIR_NONE = 0x01;
const IIR_RLS = 0x06;
const IIR_RDA = 0x04;
const IIR_TIMEOUT = 0x0c;
const IIR_THRE = 0x02;
const IIR_FIFO = 0xc0;
const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;
const TRIGGER_LEVELS = [1, 4, 8, 14];

export interface UartOptions {
  irq: IrqLine;
  /**
   * Where transmitted bytes go, a byte at a time: a machine's console output, which writes them
   * once per burst and in order with its other console devices (devices/byte_output.ts).
   */
  output: ByteOutput;
  /** A fresh open-stamp (ConsoleInput.stamp) and a call for when receive room opens. */
  stamp(): number;
  onRoom(): void;
}

export class Uart16550 implements MmioRegion, ConsoleInputSink {
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private dll = 0x0c;
  private dlm = 0;
  private fifoOn = false;
  private trigger = 1;
  private readonly rx = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  private overrun = false;
  /** A THRE interrupt is owed (THR emptied, or THRI was just enabled). */
  private thrPending = false;
  private opened: number | null = null;
  constructor(private readonly opts: UartOptions) {}

  /** Snapshot hooks (core/snapshot/format.ts): the registers and the receive FIFO. */
  saveState(w: StateWriter): void {
    w.f64(this.opened ?? -1); // the input router's stamp (devices/console_input.ts)
    this.opts.output.flush(); // the bytes sent before the save reach the console first
    for (const v of [this.ier, this.lcr, this.mcr, this.scr, this.dll, this.dlm, this.trigger]) {
      w.u32(v);
    }
    for (const v of [this.fifoOn, this.overrun, this.thrPending]) w.bool(v);
    w.bytes(this.rx);
    w.u32(this.rxHead);
    w.u32(this.rxCount);
  }

  loadState(r: StateReader): void {
    const opened = r.f64();
    this.opened = opened < 0 ? null : opened;
    [this.ier, this.lcr, this.mcr, this.scr, this.dll, this.dlm, this.trigger] = [
      r.u32(),
      r.u32(),
      r.u32(),
      r.u32(),
      r.u32(),
      r.u32(),
      r.u32(),
    ];
    [this.fifoOn, this.overrun, this.thrPending] = [r.bool(), r.bool(), r.bool()];
    this.rx.set(r.bytes().subarray(0, this.rx.length));
    this.rxHead = r.u32() % this.rx.length;
    this.rxCount = Math.min(r.u32(), this.rx.length);
    this.update();
  }

  activeAt(): number | null {
    return this.opened;
  }

  /** Host input: as much as the receive FIFO has room for. */
  accept(bytes: Uint8Array): number {
    if (this.mcr & MCR_LOOP) return 0; // loopback: the line is disconnected from the host
    const room = this.capacity() - this.rxCount;
    const n = Math.min(room, bytes.length);
    for (let i = 0; i < n; i++) this.receive(bytes[i]);
    if (n > 0) this.update();
    return n;
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    switch (offset & 7) {
      case RBR_THR:
        return this.lcr & LCR_DLAB ? this.dll : this.readRbr();
      case IER:
        return this.lcr & LCR_DLAB ? this.dlm : this.ier;
      case IIR_FCR:
        return this.readIir();
      case LCR:
        return this.lcr;
      case MCR:
        return this.mcr;
      case LSR:
        return this.readLsr();
      case MSR:
        return this.msr();
      default:
        return this.scr;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    const v = value & 0xff;
    switch (offset & 7) {
      case RBR_THR:
        if (this.lcr & LCR_DLAB) this.dll = v;
        else this.transmit(v);
        break;
      case IER:
        if (this.lcr & LCR_DLAB) this.dlm = v;
        else {
          // Turning THRI on while THR is empty owes an interrupt at once (8250 semantics).
          if ((v & IER_THRI) && !(this.ier & IER_THRI)) this.thrPending = true;
          this.ier = v & 0x0f;
          this.noteOpen();
        }
        break;
      case IIR_FCR:
        this.writeFcr(v);
        break;
      case LCR:
        this.lcr = v;
        break;
      case MCR:
        this.mcr = v & 0x1f;
        this.noteOpen();
        break;
      case SCR:
        this.scr = v;
        break;
      default:
        return; // LSR and MSR are read-only
    }
    this.update();
  }

  private capacity(): number {
    return this.fifoOn ? FIFO_SIZE : 1;
  }

  private receive(byte: number): void {
    if (this.rxCount >= this.capacity()) {
      this.overrun = true; // only loopback can get here: host input waits for room
      return;
    }
    this.rx[(this.rxHead + this.rxCount) % FIFO_SIZE] = byte;
    this.rxCount++;
  }

  private readRbr(): number {
    if (this.rxCount === 0) return 0;
    const b = this.rx[this.rxHead];
    this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
    this.rxCount--;
    this.update();
    this.opts.onRoom();
    return b;
  }

  private readLsr(): number {
    let lsr = LSR_THRE | LSR_TEMT;
    if (this.rxCount > 0) lsr |= LSR_DR;
    if (this.overrun) lsr |= LSR_OE;
    // Reading LSR clears the error bits.
    if (this.overrun) {
      this.overrun = false;
      this.update();
    }
    return lsr;
  }

  private readIir(): number {
    const fifo = this.fifoOn ? IIR_FIFO : 0;
    const id = this.interruptId();
    // Reading IIR while it names THRE acknowledges that interrupt.
    if (id === IIR_THRE) {
      this.thrPending = false;
      this.update();
    }
    return fifo | id;
  }

  /** The highest-priority pending interrupt, as IIR encodes it. */
  private interruptId(): number {
    if ((this.ier & IER_RLSI) && this.overrun) return IIR_RLS;
    if ((this.ier & IER_RDI) && this.rxCount > 0) {
      // Below the trigger level a real FIFO raises a timeout interrupt a few
      // character times later; here the line is idle at once.
      return this.fifoOn && this.rxCount < this.trigger ? IIR_TIMEOUT : IIR_RDA;
    }
    if ((this.ier & IER_THRI) && this.thrPending) return IIR_THRE;
    return IIR_NONE;
  }

  /** Modem status: the host side is always ready; in loopback the outputs come back. */
  private msr(): number {
    if (this.mcr & MCR_LOOP) {
      return ((this.mcr & MCR_RTS) ? 0x10 : 0) | ((this.mcr & MCR_DTR) ? 0x20 : 0) |
        ((this.mcr & MCR_OUT1) ? 0x40 : 0) | ((this.mcr & MCR_OUT2) ? 0x80 : 0);
    }
    return 0xb0; // CTS, DSR and DCD asserted
  }

  private writeFcr(v: number): void {
    // A real 16550 also empties its FIFOs when the enable bit changes; here
    // received bytes stay: they came from the host's queue, not a wire, and
    // Linux enables the receive interrupt (so the port takes input) just
    // before it switches the FIFO on. Bit 1 clears them, as on hardware.
    this.fifoOn = (v & FCR_ENABLE) !== 0;
    if (v & FCR_CLEAR_RX) this.rxHead = this.rxCount = 0;
    this.trigger = TRIGGER_LEVELS[v >> 6];
    this.opts.onRoom();
  }

  private transmit(byte: number): void {
    if (this.mcr & MCR_LOOP) this.receive(byte);
    else {
      // Written to while open: the console the user looks at now (devices/console_input.ts).
      if (this.opened !== null) this.opened = this.opts.stamp();
      this.opts.output.put(byte);
    }
    this.thrPending = true;
  }

  /**
   * Tracks whether the guest has the port open: from the receive interrupt's
   * first enabling (Linux enables it last when a tty opens ttyS0, after
   * reading RBR to discard stale bytes) while OUT2 stays on (the interrupt
   * itself goes off for a moment on every console write and on throttling).
   */
  private noteOpen(): void {
    const open = (this.ier & IER_RDI) !== 0 ||
      (this.opened !== null && (this.mcr & MCR_OUT2) !== 0);
    if (open && this.opened === null) {
      this.opened = this.opts.stamp();
      this.opts.onRoom();
    } else if (!open) this.opened = null;
  }

  private update(): void {
    this.opts.irq.set(this.interruptId() !== IIR_NONE);
  }
}
