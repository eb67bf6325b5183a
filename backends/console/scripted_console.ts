import type { CharBackend } from "../../devices/char_backend.ts";

/**
 * A console driven by a program instead of a person: it records the guest's
 * output, waits for text to appear, and types input. Boot checks and library
 * users script a VM through it.
 */
export class ScriptedConsole implements CharBackend {
  private readonly decoder = new TextDecoder();
  private text = "";
  private cursor = 0;
  private waiters: (() => void)[] = [];
  private sink: ((bytes: Uint8Array) => void) | null = null;
  /** Also copy guest output here (e.g. to stdout while debugging). */
  echo: ((bytes: Uint8Array) => void) | null = null;

  write(bytes: Uint8Array): void {
    this.text += this.decoder.decode(bytes, { stream: true });
    this.echo?.(bytes);
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  /** Everything the guest has printed so far. */
  get output(): string {
    return this.text;
  }

  /** Where typed input goes (the machine's console input). */
  connect(sink: (bytes: Uint8Array) => void): void {
    this.sink = sink;
  }

  /** Types text into the guest console. */
  type(text: string): void {
    if (!this.sink) throw new Error("ScriptedConsole is not connected to a machine");
    this.sink(new TextEncoder().encode(text));
  }

  /**
   * Resolves with the output between the previous match and the end of this one,
   * once `pattern` appears after the previous match. Rejects after `timeoutMs`
   * with the tail of the output, so a failed boot shows what the guest said.
   */
  waitFor(pattern: string | RegExp, timeoutMs = 120_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${String(pattern)}; ` +
              `console tail:\n${this.text.slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        const rest = this.text.slice(this.cursor);
        let end = -1;
        if (typeof pattern === "string") {
          const at = rest.indexOf(pattern);
          if (at >= 0) end = at + pattern.length;
        } else {
          const m = pattern.exec(rest);
          if (m) end = m.index + m[0].length;
        }
        if (end < 0) {
          this.waiters.push(check);
          return;
        }
        clearTimeout(timer);
        this.cursor += end;
        resolve(rest.slice(0, end));
      };
      check();
    });
  }
}
