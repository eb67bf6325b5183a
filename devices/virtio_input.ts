/**
 * VirtIO input (device id 18, VirtIO 1.2 §5.8): Linux input events handed to
 * the guest's evdev through eventq, with the config-space queries the Linux
 * driver makes at probe time (name, serial, device ids, property and event
 * bitmaps, axis ranges). Three profiles: a keyboard, a relative mouse and an
 * absolute tablet. The host side calls `key`, `relative`, `absolute`; each
 * call is one SYN_REPORT-terminated report.
 */
import { SnapshotError, type StateReader, type StateWriter } from "../core/snapshot/format.ts";
import { configBytesRead, type VirtioDevice, type VirtioTransport } from "./virtio.ts";
import {
  ABS_X,
  ABS_Y,
  BUS_VIRTUAL,
  EV_ABS,
  EV_KEY,
  EV_LED,
  EV_REL,
  EV_REP,
  EV_SYN,
  LED_CAPSL,
  LED_NUML,
  LED_SCROLLL,
  MOUSE_BUTTONS,
  REL_HWHEEL,
  REL_WHEEL,
  REL_X,
  REL_Y,
  SYN_REPORT,
} from "./linux_input.ts";

export const VIRTIO_ID_INPUT = 18;
const EVENTQ = 0;
const STATUSQ = 1;

// Config space: select u8, subsel u8, size u8, 5 reserved bytes, then a 128-byte union.
const CFG_ID_NAME = 0x01;
const CFG_ID_SERIAL = 0x02;
const CFG_ID_DEVIDS = 0x03;
const CFG_PROP_BITS = 0x10;
const CFG_EV_BITS = 0x11;
const CFG_ABS_INFO = 0x12;
const CFG_DATA = 8;
const CFG_DATA_SIZE = 128;

/** Events kept while the guest posts no buffers (before its driver is up); newer ones are dropped. */
export const INPUT_QUEUE_LIMIT = 1024;
/** The tablet's axis range, as in QEMU and TinyEMU. */
export const TABLET_MAX = 32767;

export interface AbsRange {
  min: number;
  max: number;
  fuzz?: number;
  flat?: number;
  res?: number;
}

/** What a device tells the driver about itself. */
export interface InputProfile {
  kind: "keyboard" | "mouse" | "tablet";
  name: string;
  serial: string;
  /** bustype, vendor, product, version. */
  ids: [number, number, number, number];
  props: number[];
  /** The codes the device reports, per event type (EV_KEY, EV_REL, ...). */
  events: Map<number, number[]>;
  /** Axis ranges, one per EV_ABS code. */
  abs: Map<number, AbsRange>;
  /**
   * Offer EV_REP, so the guest's input core repeats held keys by itself. The
   * keyboard does not: a release that arrives late (a loaded host, a slow
   * network) would let the guest repeat a key the user had let go; the host
   * sends its own repeats instead (`repeatKey`).
   */
  repeat?: boolean;
}

/** A keyboard reporting `keys` (KEY_* codes), with LEDs; repeats come from the host. */
export function keyboardProfile(keys: Iterable<number>): InputProfile {
  return {
    kind: "keyboard",
    name: "demu virtio keyboard",
    serial: "demu-keyboard",
    ids: [BUS_VIRTUAL, 0x0627, 1, 1],
    props: [],
    events: new Map([
      [EV_KEY, [...new Set(keys)].sort((a, b) => a - b)],
      [EV_LED, [LED_NUML, LED_CAPSL, LED_SCROLLL]],
    ]),
    abs: new Map(),
  };
}

/** A mouse with five buttons, relative motion and two wheels. */
export function mouseProfile(): InputProfile {
  return {
    kind: "mouse",
    name: "demu virtio mouse",
    serial: "demu-mouse",
    ids: [BUS_VIRTUAL, 0x0627, 2, 1],
    props: [],
    events: new Map([
      [EV_KEY, MOUSE_BUTTONS],
      [EV_REL, [REL_X, REL_Y, REL_HWHEEL, REL_WHEEL]],
    ]),
    abs: new Map(),
  };
}

/** A tablet: absolute X/Y in 0..32767 over the whole screen, buttons and wheels. */
export function tabletProfile(): InputProfile {
  const range = { min: 0, max: TABLET_MAX };
  return {
    kind: "tablet",
    name: "demu virtio tablet",
    serial: "demu-tablet",
    ids: [BUS_VIRTUAL, 0x0627, 3, 1],
    props: [],
    events: new Map([
      [EV_KEY, MOUSE_BUTTONS],
      [EV_REL, [REL_HWHEEL, REL_WHEEL]],
      [EV_ABS, [ABS_X, ABS_Y]],
    ]),
    abs: new Map([[ABS_X, range], [ABS_Y, range]]),
  };
}

/** A bitmap with bit n set for each code n, trimmed after its last non-zero byte. */
function bitmap(codes: Iterable<number>): Uint8Array {
  const bits = new Uint8Array(CFG_DATA_SIZE);
  let size = 0;
  for (const c of codes) {
    bits[c >> 3] |= 1 << (c & 7);
    size = Math.max(size, (c >> 3) + 1);
  }
  return bits.slice(0, size);
}

export class VirtioInput implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_INPUT;
  readonly features = 0n;
  readonly numQueues = 2;
  private readonly config = new Uint8Array(CFG_DATA + CFG_DATA_SIZE);
  /** Pending events, 8 bytes each (le16 type, le16 code, le32 value). */
  private pending: Uint8Array[] = [];
  private dropped = 0;
  private transport: VirtioTransport | null = null;
  /** Which codes each event type may carry, for checking injected events. */
  private readonly allowed = new Map<number, Set<number>>();

  constructor(readonly profile: InputProfile) {
    for (const [type, codes] of profile.events) this.allowed.set(type, new Set(codes));
    if (profile.name.length > CFG_DATA_SIZE || profile.serial.length > CFG_DATA_SIZE) {
      throw new Error("virtio-input: name and serial are at most 128 bytes");
    }
  }

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    return configBytesRead(this.config, offset, size);
  }

  configWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    // Only select (byte 0) and subsel (byte 1) are writable.
    let changed = false;
    for (let i = 0; i < size; i++) {
      const at = offset + i;
      if (at === 0 || at === 1) {
        this.config[at] = (value >>> (8 * i)) & 0xff;
        changed = true;
      }
    }
    if (changed) this.select(this.config[0], this.config[1]);
  }

  queueNotify(q: number): void {
    if (q === EVENTQ) this.deliver();
    else if (q === STATUSQ) this.drainStatus();
  }

  reset(): void {
    // Events queued for the old driver mean nothing to the next one.
    this.pending = [];
    this.config.fill(0);
  }

  /** Snapshot hooks (devices/virtio.ts): the config-space selection and undelivered events. */
  saveState(w: StateWriter): void {
    w.bytes(this.config);
    w.u32(this.pending.length);
    for (const e of this.pending) w.bytes(e);
  }

  loadState(r: StateReader): void {
    this.config.set(r.bytes().subarray(0, this.config.length));
    const n = r.u32();
    // More events than the queue holds, or one not 8 bytes (never delivered): a damaged file.
    if (n > INPUT_QUEUE_LIMIT) throw new SnapshotError("the snapshot's input events are damaged");
    const pending: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const e = r.bytes();
      if (e.length !== 8) throw new SnapshotError("the snapshot's input events are damaged");
      pending.push(e.slice());
    }
    this.pending = pending;
  }

  /** A key or button press (down) or release. */
  key(code: number, down: boolean): void {
    this.report([[EV_KEY, code, down ? 1 : 0]]);
  }

  /** The host's autorepeat of a held key (value 2, as Linux's own repeats). */
  repeatKey(code: number): void {
    this.report([[EV_KEY, code, 2]]);
  }

  /** Relative motion and wheel steps (mouse; the tablet takes only the wheels). */
  relative(dx: number, dy: number, wheel = 0, hwheel = 0): void {
    const events: [number, number, number][] = [];
    if (dx) events.push([EV_REL, REL_X, dx]);
    if (dy) events.push([EV_REL, REL_Y, dy]);
    if (wheel) events.push([EV_REL, REL_WHEEL, wheel]);
    if (hwheel) events.push([EV_REL, REL_HWHEEL, hwheel]);
    if (events.length) this.report(events);
  }

  /** An absolute position in the profile's axis ranges (tablet). */
  absolute(x: number, y: number): void {
    this.report([[EV_ABS, ABS_X, x], [EV_ABS, ABS_Y, y]]);
  }

  /** True when the device reports this code for this event type. */
  reports(type: number, code: number): boolean {
    return this.allowed.get(type)?.has(code) ?? false;
  }

  /**
   * Queues one report, followed by SYN_REPORT. Events the device does not
   * advertise are left out (the guest would drop them anyway); a report that
   * does not fit in the queue is dropped whole, so the guest never sees half.
   */
  report(events: [type: number, code: number, value: number][]): void {
    const kept = events.filter(([type, code]) => this.reports(type, code));
    if (kept.length === 0) return;
    if (this.pending.length + kept.length + 1 > INPUT_QUEUE_LIMIT) {
      if (this.dropped++ === 0) {
        this.transport?.log("input queue full (the guest reads no events): dropping input");
      }
      return;
    }
    for (const [type, code, value] of [...kept, [EV_SYN, SYN_REPORT, 0]]) {
      const e = new Uint8Array(8);
      const v = new DataView(e.buffer);
      v.setUint16(0, type, true);
      v.setUint16(2, code, true);
      v.setInt32(4, value, true);
      this.pending.push(e);
    }
    this.deliver();
  }

  /** Fills the config union for a (select, subsel) query and sets its size (0: nothing there). */
  private select(sel: number, subsel: number): void {
    const p = this.profile;
    let data: Uint8Array = new Uint8Array(0);
    if (sel === CFG_ID_NAME && subsel === 0) data = new TextEncoder().encode(p.name);
    else if (sel === CFG_ID_SERIAL && subsel === 0) data = new TextEncoder().encode(p.serial);
    else if (sel === CFG_ID_DEVIDS && subsel === 0) {
      data = new Uint8Array(8);
      const v = new DataView(data.buffer);
      p.ids.forEach((id, i) => v.setUint16(2 * i, id, true));
    } else if (sel === CFG_PROP_BITS && subsel === 0) data = bitmap(p.props);
    else if (sel === CFG_EV_BITS) {
      if (subsel === EV_REP) data = new Uint8Array(p.repeat ? 1 : 0);
      else data = bitmap(p.events.get(subsel) ?? []);
    } else if (sel === CFG_ABS_INFO) {
      const r = p.abs.get(subsel);
      if (r) {
        data = new Uint8Array(20);
        const v = new DataView(data.buffer);
        [r.min, r.max, r.fuzz ?? 0, r.flat ?? 0, r.res ?? 0].forEach((x, i) =>
          v.setUint32(4 * i, x >>> 0, true)
        );
      }
    }
    // Anything else (CFG_UNSET, an unknown select): size 0 says "nothing here".
    this.config.fill(0, 2);
    this.config[2] = data.length;
    this.config.set(data, CFG_DATA);
  }

  /** Moves queued events into the guest's eventq buffers, one event per buffer. */
  private deliver(): void {
    const vq = this.transport?.queue(EVENTQ);
    if (!vq) return;
    while (this.pending.length > 0) {
      const chain = vq.pop();
      if (!chain) break;
      const n = vq.copyTo(chain, 0, this.pending[0]);
      // A buffer too small for an event is answered empty and the event is kept.
      if (n === 8) this.pending.shift();
      vq.push(chain, n === 8 ? 8 : 0);
    }
    if (this.pending.length === 0) this.dropped = 0;
  }

  /** LED and other status events from the guest: taken and completed (nothing to light here). */
  private drainStatus(): void {
    const vq = this.transport?.queue(STATUSQ);
    if (!vq) return;
    for (let chain = vq.pop(); chain; chain = vq.pop()) vq.push(chain, 0);
  }
}
