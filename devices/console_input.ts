/**
 * Host keystrokes for the guest's consoles. A guest may have several (the SBI
 * console through HTIF, the virtio console, the 16550 UART) and reads from
 * whichever it opened; input goes to the console, among those it has open,
 * that it opened or wrote to last (where the user sees the prompt: a distribution
 * may run a shell on one console and a login prompt on another), the virtio
 * console being always "open" once its driver is up. What the guest is not
 * reading yet waits here, up to CONSOLE_INPUT_BUFFER bytes (the rest is
 * dropped and counted), so typing while the guest is busy loses nothing
 * below that bound.
 */

import type { StateReader, StateWriter } from "../core/snapshot/format.ts";

/** Host input kept while no console can take it; beyond it bytes are dropped. */
export const CONSOLE_INPUT_BUFFER = 64 * 1024;

/** One console as the input router sees it. */
export interface ConsoleInputSink {
  /**
   * When the guest opened this console or last wrote to it while open (a
   * monotonic counter value from `ConsoleInput.stamp()`), or null while it has
   * it closed.
   */
  activeAt(): number | null;
  /** Takes a prefix of `bytes` (as much as it has room for); returns how many. */
  accept(bytes: Uint8Array): number;
}

export class ConsoleInput {
  private readonly sinks: ConsoleInputSink[] = [];
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private counter = 0;
  private draining = false;
  /** Bytes dropped because the buffer was full. */
  dropped = 0;

  constructor(private readonly limit = CONSOLE_INPUT_BUFFER) {}

  /** Snapshot hooks (core/snapshot/format.ts): the stamp counter and the input not yet taken. */
  saveState(w: StateWriter): void {
    w.f64(this.counter);
    const all = new Uint8Array(this.queued);
    let at = 0;
    for (const q of this.queue) {
      all.set(q, at);
      at += q.length;
    }
    w.bytes(all);
  }

  loadState(r: StateReader): void {
    this.counter = r.f64();
    const all = r.bytes().slice(0, this.limit);
    this.queue.splice(0, this.queue.length, ...(all.length ? [all] : []));
    this.queued = all.length;
  }

  /** A fresh, increasing number: sinks stamp the moment the guest opens them or writes to them. */
  stamp(): number {
    return ++this.counter;
  }

  add(sink: ConsoleInputSink): void {
    this.sinks.push(sink);
  }

  /** Bytes waiting for a console. */
  get pending(): number {
    return this.queued;
  }

  /** Host input: queued, then handed to the console the guest reads. */
  push(bytes: Uint8Array): void {
    const room = this.limit - this.queued;
    const kept = Math.min(room, bytes.length);
    this.dropped += bytes.length - kept;
    if (kept > 0) {
      this.queue.push(bytes.slice(0, kept));
      this.queued += kept;
    }
    this.drain();
  }

  /** The open console the guest opened or wrote to last, or null when it has none open. */
  target(): ConsoleInputSink | null {
    let best: ConsoleInputSink | null = null;
    let bestAt = -1;
    for (const s of this.sinks) {
      const at = s.activeAt();
      if (at !== null && at > bestAt) {
        best = s;
        bestAt = at;
      }
    }
    return best;
  }

  /** Moves queued input into the target console while it has room (sinks call this when room opens). */
  drain(): void {
    if (this.draining) return; // a sink's accept may call back here
    this.draining = true;
    try {
      while (this.queued > 0) {
        const sink = this.target();
        if (!sink) return;
        const head = this.queue[0];
        const n = sink.accept(head);
        if (n <= 0) return;
        this.queued -= n;
        if (n >= head.length) this.queue.shift();
        else this.queue[0] = head.subarray(n);
      }
    } finally {
      this.draining = false;
    }
  }
}
