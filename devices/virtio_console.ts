/**
 * VirtIO console (device id 3), single port: queue 0 receives host input,
 * queue 1 transmits guest output. VIRTIO_CONSOLE_F_SIZE puts cols/rows in the
 * config space and a resize raises a config-change interrupt.
 */
import type { StateReader, StateWriter } from "../core/snapshot/format.ts";
import type { CharBackend } from "./char_backend.ts";
import type { ConsoleInputSink } from "./console_input.ts";
import { configBytesRead, type VirtioDevice, type VirtioTransport } from "./virtio.ts";

export const VIRTIO_ID_CONSOLE = 3;
export const VIRTIO_CONSOLE_F_SIZE = 0n;
const RECEIVEQ = 0;
const TRANSMITQ = 1;
/** Host input kept while the guest posts no receive buffers; beyond it input is dropped. */
export const CONSOLE_INPUT_LIMIT = 64 * 1024;
/** Guest output kept for a snapshot, so a restored console can show where it was. */
const RECENT_OUTPUT = 1024;
/** Bytes taken from one transmit chain (Linux sends at most a page); the rest is dropped. */
const TRANSMIT_LIMIT = 1024 * 1024;

/** Hooks into the console input router (devices/console_input.ts). */
export interface ConsoleRouting {
  stamp(): number;
  onRoom(): void;
}

export class VirtioConsole implements VirtioDevice, ConsoleInputSink {
  readonly deviceId = VIRTIO_ID_CONSOLE;
  readonly features = 1n << VIRTIO_CONSOLE_F_SIZE;
  readonly numQueues = 2;
  /** Config: cols u16, rows u16, max_nr_ports u32, emerg_wr u32. */
  private readonly config = new Uint8Array(12);
  private input: Uint8Array[] = [];
  private inputBytes = 0;
  private transport: VirtioTransport | null = null;
  /** The last RECENT_OUTPUT bytes the guest wrote (fewer at first). */
  private recent = new Uint8Array(0);
  private opened: number | null = null;

  constructor(private readonly backend: CharBackend, private readonly routing?: ConsoleRouting) {
    this.setSize(80, 25);
  }

  /**
   * Linux's console port has no open/close message (that needs MULTIPORT)
   * and posts receive buffers whether or not a tty has it open, so the port
   * counts as open from the guest's first output on it (kernel messages when
   * it is the console, a shell's prompt) to the next reset. Input typed
   * before then waits in the router instead of filling an unread port.
   */
  activeAt(): number | null {
    return this.opened;
  }

  /** Routed host input: as much as the posted receive buffers hold. */
  accept(bytes: Uint8Array): number {
    const vq = this.transport?.queue(RECEIVEQ);
    if (!vq || this.inputBytes > 0) return 0; // pushInput's queue goes first
    let taken = 0;
    while (taken < bytes.length && vq.available() > 0) {
      const chain = vq.pop();
      if (!chain) break;
      const n = vq.copyTo(chain, 0, bytes.subarray(taken));
      taken += n;
      vq.push(chain, n);
      if (n === 0) break; // a chain with no writable bytes
    }
    return taken;
  }

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    return configBytesRead(this.config, offset, size);
  }

  configWrite(): void {
    // emerg_wr is not offered; the rest is read-only.
  }

  queueNotify(q: number): void {
    if (q === TRANSMITQ) this.transmit();
    else if (q === RECEIVEQ) {
      this.deliver();
      this.routing?.onRoom();
    }
  }

  driverOk(): void {
    // Linux reads the size only on a config-change interrupt: announce the
    // terminal size the host reported before the driver was up.
    this.transport?.notifyConfigChange();
    this.deliver();
  }

  reset(): void {
    // Queue state lives in the transport; pending host input is kept for the next driver.
    this.opened = null;
  }

  /** The guest's most recent output (e.g. its prompt, shown again after a restore). */
  get recentOutput(): Uint8Array {
    return this.recent;
  }

  /** Snapshot hooks (devices/virtio.ts): size, input not yet delivered, recent output. */
  saveState(w: StateWriter): void {
    w.f64(this.opened ?? -1); // the input router's stamp (devices/console_input.ts)
    w.bytes(this.config);
    w.bytes(this.recent);
    const pending = new Uint8Array(this.inputBytes);
    let at = 0;
    for (const chunk of this.input) {
      pending.set(chunk, at);
      at += chunk.length;
    }
    w.bytes(pending);
  }

  loadState(r: StateReader): void {
    const opened = r.f64();
    this.opened = opened < 0 ? null : opened;
    this.config.set(r.bytes().subarray(0, this.config.length));
    this.recent = r.bytes().slice(-RECENT_OUTPUT);
    const pending = r.bytes().slice(0, CONSOLE_INPUT_LIMIT);
    this.input = pending.length ? [pending] : [];
    this.inputBytes = pending.length;
  }

  /** Queues host input; it reaches the guest as soon as receive buffers are posted. */
  pushInput(bytes: Uint8Array): void {
    const room = CONSOLE_INPUT_LIMIT - this.inputBytes;
    if (room <= 0 || bytes.length === 0) return;
    const kept = bytes.slice(0, room);
    this.input.push(kept);
    this.inputBytes += kept.length;
    this.deliver();
  }

  /** The terminal changed size. */
  resize(cols: number, rows: number): void {
    this.setSize(cols, rows);
    this.transport?.notifyConfigChange();
  }

  private setSize(cols: number, rows: number): void {
    const v = new DataView(this.config.buffer);
    v.setUint16(0, Math.max(0, Math.min(cols, 0xffff)), true);
    v.setUint16(2, Math.max(0, Math.min(rows, 0xffff)), true);
  }

  private transmit(): void {
    const vq = this.transport?.queue(TRANSMITQ);
    if (!vq) return;
    for (let chain = vq.pop(); chain; chain = vq.pop()) {
      const data = vq.readAll(chain, TRANSMIT_LIMIT);
      if (data.length > 0) {
        this.backend.write(data);
        this.remember(data);
      }
      vq.push(chain, 0);
    }
    if (this.routing) {
      const first = this.opened === null;
      this.opened = this.routing.stamp(); // written to: the console the user looks at now
      if (first) this.routing.onRoom();
    }
  }

  private remember(data: Uint8Array): void {
    const keep = Math.min(RECENT_OUTPUT - data.length, this.recent.length);
    if (keep <= 0) {
      this.recent = data.slice(-RECENT_OUTPUT);
      return;
    }
    const next = new Uint8Array(keep + data.length);
    next.set(this.recent.subarray(this.recent.length - keep));
    next.set(data, keep);
    this.recent = next;
  }

  private deliver(): void {
    const vq = this.transport?.queue(RECEIVEQ);
    if (!vq) return;
    while (this.inputBytes > 0 && vq.available() > 0) {
      const chain = vq.pop();
      if (!chain) break;
      let written = 0;
      while (this.input.length > 0 && written < chain.writeLength) {
        const head = this.input[0];
        const n = vq.copyTo(chain, written, head);
        written += n;
        this.inputBytes -= n;
        if (n === head.length) this.input.shift();
        else this.input[0] = head.subarray(n);
      }
      vq.push(chain, written);
    }
  }
}
