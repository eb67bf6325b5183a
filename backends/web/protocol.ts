/**
 * The WebSocket protocol between demu and its web page.
 *
 * Page to demu: one JSON object per text message.
 *   {t:"tty", data}                       console input (at most 4096 characters)
 *   {t:"key", code, down}                 a key (KeyboardEvent.code) pressed or released;
 *                                         a press of a key held down is a repeat
 *   {t:"rel", dx, dy}                     mouse motion (integers, |d| <= 4096)
 *   {t:"abs", x, y}                       tablet position, 0..32767 on each axis
 *   {t:"btn", dev, button, down}          button 0..4 (left, right, middle, side, extra)
 *   {t:"wheel", dev, v, h}                wheel steps (v > 0: up, h > 0: right; |n| <= 64)
 * where dev is "mouse" or "tablet". Anything else is malformed: `parseClientMessage`
 * says why and the server drops it.
 *
 * demu to page: a JSON hello (text) on connect, then binary messages whose
 * first byte says what follows:
 *   1: console output bytes
 *   2: framebuffer rows: u16 y, u16 rows, u16 width (little-endian, from byte 2),
 *      then rows × width pixels of 4 bytes B, G, R, A (the guest's a8r8g8b8)
 */
import { TABLET_MAX } from "../../devices/virtio_input.ts";
import { KEYMAP } from "./keymap.ts";

export const MSG_CONSOLE = 1;
export const MSG_FRAME = 2;
export const FRAME_HEADER = 8;
/** Largest text message accepted from a page. */
export const MAX_CLIENT_MESSAGE = 16 * 1024;
const MAX_TTY = 4096;
const MAX_REL = 4096;
const MAX_WHEEL = 64;
const BUTTONS = 5;

export type Pointer = "mouse" | "tablet";

export type ClientMessage =
  | { t: "tty"; data: string }
  | { t: "key"; code: number; down: boolean }
  | { t: "rel"; dx: number; dy: number }
  | { t: "abs"; x: number; y: number }
  | { t: "btn"; dev: Pointer; button: number; down: boolean }
  | { t: "wheel"; dev: Pointer; v: number; h: number };

/** What demu tells a page when it connects. */
export interface Hello {
  t: "hello";
  /** Screen size, or 0 × 0 when the machine has no display. */
  width: number;
  height: number;
  /** The machine has virtio keyboard, mouse and tablet. */
  input: boolean;
  /** The KeyboardEvent.code names the keyboard takes (others would be dropped). */
  keys: string[];
}

const isInt = (v: unknown, limit: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && Math.abs(v) <= limit;

/** A page's message, or the reason it is malformed. */
export function parseClientMessage(data: unknown): ClientMessage | string {
  if (typeof data !== "string") return "binary message (expected JSON text)";
  if (data.length > MAX_CLIENT_MESSAGE) return `message of ${data.length} characters is too long`;
  let m: unknown;
  try {
    m = JSON.parse(data);
  } catch {
    return "not JSON";
  }
  if (typeof m !== "object" || m === null || Array.isArray(m)) return "not a JSON object";
  const o = m as Record<string, unknown>;
  const dev = o.dev === "mouse" || o.dev === "tablet" ? o.dev : null;
  switch (o.t) {
    case "tty":
      if (typeof o.data !== "string" || o.data.length > MAX_TTY) return "tty: bad data";
      return { t: "tty", data: o.data };
    case "key": {
      if (typeof o.down !== "boolean") return "key: bad down";
      const code = typeof o.code === "string" ? KEYMAP.get(o.code) : undefined;
      if (code === undefined) return `key: unknown code ${JSON.stringify(o.code)?.slice(0, 40)}`;
      return { t: "key", code, down: o.down };
    }
    case "rel":
      if (!isInt(o.dx, MAX_REL) || !isInt(o.dy, MAX_REL)) return "rel: bad dx/dy";
      return { t: "rel", dx: o.dx, dy: o.dy };
    case "abs":
      if (!isInt(o.x, TABLET_MAX) || !isInt(o.y, TABLET_MAX) || o.x < 0 || o.y < 0) {
        return "abs: x/y outside 0..32767";
      }
      return { t: "abs", x: o.x, y: o.y };
    case "btn":
      if (!dev || typeof o.down !== "boolean") return "btn: bad dev/down";
      if (!isInt(o.button, BUTTONS - 1) || o.button < 0) return "btn: button outside 0..4";
      return { t: "btn", dev, button: o.button, down: o.down };
    case "wheel":
      if (!dev || !isInt(o.v, MAX_WHEEL) || !isInt(o.h, MAX_WHEEL)) return "wheel: bad dev/v/h";
      return { t: "wheel", dev, v: o.v, h: o.h };
    default:
      return `unknown type ${JSON.stringify(o.t)?.slice(0, 40)}`;
  }
}

/** A binary console-output message. */
export function consoleMessage(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + bytes.length);
  out[0] = MSG_CONSOLE;
  out.set(bytes, 1);
  return out;
}

/** A binary framebuffer message with rows [y, y + rows) of `pixels` (`stride` bytes a row). */
export function frameMessage(
  pixels: Uint8Array,
  stride: number,
  y: number,
  rows: number,
): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER + rows * stride);
  const v = new DataView(out.buffer);
  out[0] = MSG_FRAME;
  v.setUint16(2, y, true);
  v.setUint16(4, rows, true);
  v.setUint16(6, stride / 4, true);
  out.set(pixels.subarray(y * stride, (y + rows) * stride), FRAME_HEADER);
  return out;
}
