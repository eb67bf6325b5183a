/**
 * The terminal as a console backend: guest output to stdout, stdin (raw when
 * it is a TTY) to the guest, QEMU/TinyEMU-style Ctrl-A escapes, and terminal
 * size changes. Works with stdin redirected or closed: EOF just stops reading.
 */
import type { CharBackend } from "../../devices/char_backend.ts";

const CTRL_A = 0x01;
const CTRL_C = 0x03;
export const ESCAPE_HELP = "\r\nC-a h    print this help\r\nC-a x    exit emulator\r\n" +
  "C-a s    save a snapshot (to the --save file)\r\nC-a C-a  send C-a\r\n";

export interface EscapeActions {
  input(bytes: Uint8Array): void;
  quit(): void;
  help(): void;
  /** C-a s: save a snapshot. */
  save?(): void;
}

/**
 * Splits host keystrokes into guest input and escape commands. Pure (no I/O),
 * so it can be tested. Ctrl-C goes to the guest unless `ctrlCQuits`.
 */
export class EscapeFilter {
  private escaped = false;

  constructor(private readonly actions: EscapeActions, private readonly ctrlCQuits = false) {}

  feed(bytes: Uint8Array): void {
    let start = 0;
    const flush = (end: number) => {
      if (end > start) this.actions.input(bytes.slice(start, end));
    };
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (this.escaped) {
        this.escaped = false;
        start = i + 1;
        if (b === CTRL_A) this.actions.input(new Uint8Array([CTRL_A]));
        else if (b === 0x78 /* x */) return this.actions.quit();
        else if (b === 0x68 /* h */) this.actions.help();
        else if (b === 0x73 /* s */) this.actions.save?.();
        // Other keys after C-a are swallowed, as in QEMU.
      } else if (b === CTRL_A || (b === CTRL_C && this.ctrlCQuits)) {
        flush(i);
        start = i + 1;
        if (b === CTRL_C) return this.actions.quit();
        this.escaped = true;
      }
    }
    flush(bytes.length);
  }
}

export interface StdioConsoleOptions {
  /** Bytes typed by the user, for the guest. */
  onInput(bytes: Uint8Array): void;
  /** The user asked to quit (C-a x, or Ctrl-C with `ctrlCQuits`). */
  onQuit(): void;
  /** C-a s: the user asked for a snapshot. */
  onSave?(): void;
  /** The terminal size changed (and once at start when known). */
  onResize?(cols: number, rows: number): void;
  /** Ctrl-C quits instead of reaching the guest (the default is TinyEMU's --ctrlc behaviour). */
  ctrlCQuits?: boolean;
}

export class StdioConsole implements CharBackend, Disposable {
  private readonly filter: EscapeFilter;
  private raw = false;
  private reading = false;
  private closed = false;
  private readonly onWinch = () => this.reportSize();
  private winchInstalled = false;
  private readonly onUnload = () => this.restore();

  constructor(private readonly opts: StdioConsoleOptions) {
    this.filter = new EscapeFilter({
      input: (b) => opts.onInput(b),
      quit: () => opts.onQuit(),
      help: () => this.write(new TextEncoder().encode(ESCAPE_HELP)),
      save: () => opts.onSave?.(),
    }, opts.ctrlCQuits ?? false);
  }

  /** Terminal size, or null when stdout is not a terminal (or reports no size). */
  size(): { cols: number; rows: number } | null {
    try {
      if (!Deno.stdout.isTerminal()) return null;
      const { columns, rows } = Deno.consoleSize();
      return columns > 0 && rows > 0 ? { cols: columns, rows } : null;
    } catch {
      return null;
    }
  }

  /** Enters raw mode (when stdin is a TTY), starts reading stdin and watching the size. */
  start(): void {
    if (this.reading || this.closed) return;
    this.reading = true;
    try {
      if (Deno.stdin.isTerminal()) {
        Deno.stdin.setRaw(true);
        this.raw = true;
        globalThis.addEventListener("unload", this.onUnload);
      }
    } catch {
      // Not a terminal after all: read it as a plain stream.
    }
    try {
      if (Deno.stdout.isTerminal()) {
        Deno.addSignalListener("SIGWINCH", this.onWinch);
        this.winchInstalled = true;
      }
    } catch {
      // No SIGWINCH on this platform.
    }
    this.reportSize();
    this.readLoop();
  }

  /** Guest output: written synchronously, all of it. */
  write(bytes: Uint8Array): void {
    let off = 0;
    try {
      while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
    } catch {
      // stdout closed: nothing to do.
    }
  }

  /** Leaves raw mode and stops watching; safe to call more than once. */
  restore(): void {
    this.closed = true;
    if (this.raw) {
      this.raw = false;
      try {
        Deno.stdin.setRaw(false);
      } catch { /* stdin already gone */ }
      globalThis.removeEventListener("unload", this.onUnload);
    }
    if (this.winchInstalled) {
      this.winchInstalled = false;
      try {
        Deno.removeSignalListener("SIGWINCH", this.onWinch);
      } catch { /* ignore */ }
    }
  }

  [Symbol.dispose](): void {
    this.restore();
  }

  private reportSize(): void {
    const s = this.size();
    if (s && this.opts.onResize) this.opts.onResize(s.cols, s.rows);
  }

  private async readLoop(): Promise<void> {
    const buf = new Uint8Array(4096);
    while (!this.closed) {
      let n: number | null;
      try {
        n = await Deno.stdin.read(buf);
      } catch {
        break; // stdin closed or unreadable
      }
      if (n === null || this.closed) break; // EOF: stop reading, nothing else
      if (n > 0) this.filter.feed(buf.subarray(0, n));
    }
    this.reading = false;
  }
}
