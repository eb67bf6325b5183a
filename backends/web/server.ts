/**
 * demu's web console: one page served with Deno.serve, holding an xterm.js
 * terminal on the virtio console and a canvas on the framebuffer, and taking
 * keyboard, mouse and tablet events back over a WebSocket. Any number of
 * viewers may watch; each new one gets the recent console output and a full
 * frame. The VM never waits for a viewer: output to a viewer whose socket is
 * backed up is skipped (frames: it gets the rows that changed meanwhile once
 * it drains) or, for the console, the viewer is closed and its page
 * reconnects.
 */
import type { CharBackend } from "../../devices/char_backend.ts";
import { type Framebuffer, FrameScanner } from "../../devices/framebuffer.ts";
import { MOUSE_BUTTONS } from "../../devices/linux_input.ts";
import { VirtioInput } from "../../devices/virtio_input.ts";
import { PAGE_ASSETS } from "./assets.ts";
import { KEYMAP } from "./keymap.ts";
import {
  type ClientMessage,
  consoleMessage,
  frameMessage,
  type Hello,
  parseClientMessage,
} from "./protocol.ts";

/** What the web console drives: console input, the input devices, the screen. */
export interface WebTarget {
  typeInput(bytes: Uint8Array): void;
  readonly framebuffer: Framebuffer | null;
  readonly virtio: readonly { readonly device: unknown }[];
}

export interface WebConsoleOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** Where log lines go (malformed messages, viewers dropped); default stderr. */
  log?: (line: string) => void;
}

/** Console output kept for viewers that connect later. */
const SCROLLBACK = 64 * 1024;
/** A viewer with more than this queued gets no frames until it drains. */
const FRAME_BACKLOG = 2 * 1024 * 1024;
/** A viewer with more than this queued is closed (its page reconnects). */
const CONSOLE_BACKLOG = 8 * 1024 * 1024;
/** Framebuffer scans per second while someone watches. */
const FRAME_HZ = 30;
/** Largest framebuffer message (a run of rows is split below it). */
const MAX_FRAME_MESSAGE = 512 * 1024;
/** Malformed messages logged per viewer before going quiet. */
const LOG_LIMIT = 5;
/** WebSocket close code for a viewer that could not keep up. */
export const CLOSE_TOO_SLOW = 4001;

class Viewer {
  /** Rows changed since this viewer was last sent them. */
  dirty: Uint8Array;
  malformed = 0;
  /** Keys this viewer holds down: a second press is the browser repeating it; released on leaving. */
  readonly keysDown = new Set<number>();
  constructor(readonly socket: WebSocket, readonly name: string, rows: number) {
    this.dirty = new Uint8Array(rows).fill(1);
  }
  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }
}

export class WebConsole implements CharBackend {
  private server: Deno.HttpServer<Deno.NetAddr> | null = null;
  private target: WebTarget | null = null;
  private readonly viewers = new Set<Viewer>();
  private readonly scrollback: Uint8Array[] = [];
  private scrollbackBytes = 0;
  private pendingOutput: Uint8Array[] = [];
  private flushScheduled = false;
  private scanner: FrameScanner | null = null;
  private scanDirty = new Uint8Array(0);
  private timer: ReturnType<typeof setInterval> | undefined;
  private keyboard?: VirtioInput;
  private mouse?: VirtioInput;
  private tablet?: VirtioInput;
  private readonly log: (line: string) => void;
  private readonly encoder = new TextEncoder();

  constructor(readonly options: WebConsoleOptions) {
    this.log = options.log ?? ((line) => console.warn(`demu web: ${line}`));
  }

  /** Connects the console to a machine: its input, input devices and framebuffer. */
  attach(target: WebTarget): void {
    this.target = target;
    for (const { device } of target.virtio) {
      if (device instanceof VirtioInput) this[device.profile.kind] = device;
    }
    if (target.framebuffer) {
      this.scanner = new FrameScanner(target.framebuffer);
      this.scanDirty = new Uint8Array(target.framebuffer.height);
    }
  }

  /** Starts serving; resolves with the page's URL. */
  listen(): Promise<URL> {
    return new Promise((resolve, reject) => {
      try {
        this.server = Deno.serve({
          hostname: this.options.hostname,
          port: this.options.port,
          onListen: (addr) => {
            const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
            resolve(new URL(`http://${host}:${addr.port}/`));
          },
          onError: (e) => {
            this.log(`request failed: ${(e as Error).message}`);
            return new Response("internal error", { status: 500 });
          },
        }, (req, info) => this.handle(req, info));
      } catch (e) {
        reject(e);
      }
    });
  }

  /** The number of viewers connected now. */
  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Guest console output: kept for late viewers and sent to every viewer after this VM slice. */
  write(bytes: Uint8Array): void {
    const copy = bytes.slice();
    this.scrollback.push(copy);
    this.scrollbackBytes += copy.length;
    while (this.scrollbackBytes - this.scrollback[0].length >= SCROLLBACK) {
      this.scrollbackBytes -= this.scrollback.shift()!.length;
    }
    if (this.viewers.size === 0) return;
    this.pendingOutput.push(copy);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => this.flushOutput(), 0);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const v of this.viewers) v.socket.close(1001, "demu stopped");
    this.viewers.clear();
    await this.server?.shutdown();
    this.server = null;
  }

  private handle(req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response {
    const url = new URL(req.url);
    const refusal = this.checkHost(req);
    if (refusal) {
      this.log(
        `refused ${req.method} ${url.pathname} from ${info.remoteAddr.hostname}: ${refusal}`,
      );
      return new Response(refusal + "\n", { status: 403 });
    }
    if (url.pathname === "/ws") return this.upgrade(req, info);
    const asset = PAGE_ASSETS.get(url.pathname);
    if (!asset || req.method !== "GET") return new Response("not found\n", { status: 404 });
    return new Response(asset.body, {
      headers: {
        "content-type": asset.type,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        // xterm.js sets inline styles; everything else comes from this server.
        "content-security-policy":
          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      },
    });
  }

  /**
   * A server on a loopback address answers only requests addressed to it by a
   * loopback name (no DNS rebinding), and a WebSocket only from its own page
   * (no other web site may type into the guest).
   */
  private checkHost(req: Request): string | null {
    const host = req.headers.get("host") ?? "";
    const port = this.server?.addr.port;
    if (isLoopback(this.options.hostname)) {
      const name = host.replace(/:\d+$/, "");
      const loopbackName = name === "localhost" || isLoopback(name.replace(/^\[|\]$/g, ""));
      if (!loopbackName || (port !== undefined && host !== name && host !== `${name}:${port}`)) {
        return `Host '${host.slice(0, 80)}' is not this loopback server`;
      }
    }
    const origin = req.headers.get("origin");
    if (origin !== null && origin !== `http://${host}`) {
      return `Origin '${origin.slice(0, 80)}' is not this page`;
    }
    return null;
  }

  private upgrade(req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade\n", { status: 400 });
    }
    // The remote address is gone once the request is upgraded.
    const name = `${info.remoteAddr.hostname}:${info.remoteAddr.port}`;
    const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 60 });
    socket.binaryType = "arraybuffer";
    const viewer = new Viewer(socket, name, this.target?.framebuffer?.height ?? 0);
    socket.onopen = () => this.welcome(viewer);
    socket.onmessage = (e) => this.receive(viewer, e.data);
    socket.onclose = () => this.forget(viewer);
    socket.onerror = () => this.forget(viewer);
    return response;
  }

  private welcome(viewer: Viewer): void {
    const fb = this.target?.framebuffer;
    const hello: Hello = {
      t: "hello",
      width: fb?.width ?? 0,
      height: fb?.height ?? 0,
      input: this.keyboard !== undefined,
      keys: this.keyboard ? [...KEYMAP.keys()] : [],
    };
    viewer.socket.send(JSON.stringify(hello));
    if (this.scrollbackBytes > 0) viewer.socket.send(consoleMessage(concat(this.scrollback)));
    this.viewers.add(viewer);
    if (this.scanner && this.timer === undefined) {
      this.timer = setInterval(() => this.sendFrames(), 1000 / FRAME_HZ);
    }
    this.sendFrames();
  }

  private forget(viewer: Viewer): void {
    // A page closed with a key held must not leave it down in the guest (unless another holds it).
    for (const code of viewer.keysDown) {
      if (!this.heldElsewhere(code, viewer)) this.keyboard?.key(code, false);
    }
    viewer.keysDown.clear();
    this.viewers.delete(viewer);
    if (this.viewers.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Another viewer holds the key down. */
  private heldElsewhere(code: number, viewer: Viewer): boolean {
    for (const v of this.viewers) if (v !== viewer && v.keysDown.has(code)) return true;
    return false;
  }

  private receive(viewer: Viewer, data: unknown): void {
    const m = parseClientMessage(data);
    if (typeof m === "string") {
      if (viewer.malformed++ < LOG_LIMIT) {
        this.log(
          `viewer ${viewer.name}: dropped a malformed message (${m})` +
            (viewer.malformed === LOG_LIMIT ? "; further ones from this viewer not logged" : ""),
        );
      }
      return;
    }
    this.apply(m, viewer);
  }

  private apply(m: ClientMessage, viewer: Viewer): void {
    switch (m.t) {
      case "tty":
        this.target?.typeInput(this.encoder.encode(m.data));
        break;
      case "key": {
        // The guest's key is down while any viewer holds it (found by tests/fuzz/targets/web_server.ts:
        // one viewer's release let go of a key another still held, whose next press was a repeat).
        const elsewhere = this.heldElsewhere(m.code, viewer);
        if (m.down && (viewer.keysDown.has(m.code) || elsewhere)) this.keyboard?.repeatKey(m.code);
        else if (m.down || !elsewhere) this.keyboard?.key(m.code, m.down);
        if (m.down) viewer.keysDown.add(m.code);
        else viewer.keysDown.delete(m.code);
        break;
      }
      case "rel":
        this.mouse?.relative(m.dx, m.dy);
        break;
      case "abs":
        this.tablet?.absolute(m.x, m.y);
        break;
      case "btn":
        this[m.dev]?.key(MOUSE_BUTTONS[m.button], m.down);
        break;
      case "wheel":
        this[m.dev]?.relative(0, 0, m.v, m.h);
        break;
    }
  }

  private flushOutput(): void {
    this.flushScheduled = false;
    const message = consoleMessage(concat(this.pendingOutput));
    this.pendingOutput = [];
    for (const v of this.viewers) {
      if (!v.open) continue;
      if (v.socket.bufferedAmount > CONSOLE_BACKLOG) {
        this.log(`viewer ${v.name} is too slow (${v.socket.bufferedAmount} bytes queued): closed`);
        this.viewers.delete(v);
        v.socket.close(CLOSE_TOO_SLOW, "viewer too slow");
        continue;
      }
      v.socket.send(message);
    }
  }

  /** Scans the framebuffer once and sends each viewer that keeps up the rows it lacks. */
  private sendFrames(): void {
    const scanner = this.scanner;
    const fb = this.target?.framebuffer;
    if (!scanner || !fb) return;
    const changed = this.scanDirty;
    if (scanner.scan(changed) > 0) {
      for (const v of this.viewers) {
        for (let y = 0; y < changed.length; y++) v.dirty[y] |= changed[y];
      }
      changed.fill(0);
    }
    const rowsPerMessage = Math.max(1, Math.floor(MAX_FRAME_MESSAGE / fb.stride));
    for (const v of this.viewers) {
      if (!v.open || v.socket.bufferedAmount > FRAME_BACKLOG) continue;
      const dirty = v.dirty;
      for (let y = 0; y < dirty.length;) {
        if (!dirty[y]) {
          y++;
          continue;
        }
        let end = y;
        while (end < dirty.length && dirty[end] && end - y < rowsPerMessage) end++;
        v.socket.send(frameMessage(fb.pixels, fb.stride, y, end - y));
        dirty.fill(0, y, end);
        y = end;
      }
    }
  }
}

/** The chunks as one array. */
function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
