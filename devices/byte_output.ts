import type { CharBackend } from "./char_backend.ts";

/** Bytes gathered before they are written whatever happens (a guest printing without pause). */
const BATCH = 4096;

/**
 * A machine's console output as its devices write to it: the devices that print
 * a byte per register write (HTIF's putchar, the UART's transmit register) `put`
 * them, and they are gathered and written in one call per burst, when the run
 * loop yields to the event loop, instead of one allocation and (on a terminal)
 * one system call each. Any other write (the virtio console's) goes through at
 * once, after the bytes gathered before it, so output keeps its order.
 */
export class ByteOutput implements CharBackend {
  private readonly bytes = new Uint8Array(BATCH);
  private length = 0;
  private scheduled = false;

  constructor(private readonly backend: CharBackend) {}

  /** One byte, written later (at the latest when the current task ends). */
  put(byte: number): void {
    this.bytes[this.length++] = byte;
    if (this.length === BATCH) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  write(bytes: Uint8Array): void {
    this.flush();
    this.backend.write(bytes);
  }

  /** Writes the gathered bytes now. */
  flush(): void {
    if (this.length === 0) return;
    const out = this.bytes.slice(0, this.length);
    this.length = 0;
    this.backend.write(out);
  }
}
