/**
 * The web console's server (backends/web/server.ts) beyond the message
 * parser: its HTTP handler given requests of any method, path, Host and
 * Origin (as a browser, another site or a DNS-rebinding page sends them),
 * and its viewers' WebSocket messages applied to a machine's keyboard,
 * mouse, tablet and console input. The properties: a request is served
 * (200 with the page's security headers), refused (403, when the Host is not
 * this loopback server or the Origin not its page) or not found, exactly as
 * a reading of those rules says, with one-line log lines; the guest gets the
 * console bytes of the valid tty messages, in order; a viewer that leaves
 * holds no key down; malformed messages are logged at most five times a
 * viewer, each one line.
 */
import fc from "fast-check";
import { WebConsole } from "../../../backends/web/server.ts";
import { PAGE_ASSETS } from "../../../backends/web/assets.ts";
import { KEYMAP } from "../../../backends/web/keymap.ts";
import { parseClientMessage } from "../../../backends/web/protocol.ts";
import {
  keyboardProfile,
  mouseProfile,
  tabletProfile,
  VirtioInput,
} from "../../../devices/virtio_input.ts";
import { webArb } from "./files.ts";
import { type FuzzTarget, must, mustBeOneLine } from "../target.ts";

const PORT = 8123;

interface HttpRequest {
  method: string;
  path: string;
  host: string | null;
  origin: string | null;
  upgrade: string | null;
}

const hostArb = fc.oneof(
  fc.constantFrom(
    `localhost:${PORT}`,
    `127.0.0.1:${PORT}`,
    `[::1]:${PORT}`,
    "localhost",
    "127.0.0.1",
    `127.9.9.9:${PORT}`,
    `localhost:${PORT + 1}`,
    `evil.example:${PORT}`,
    "localhost.evil.example",
    `[::1]:${PORT}0`,
    "",
    "::1",
  ),
  fc.stringMatching(/^[a-z0-9.:\[\]-]{0,20}$/),
);

const requestArb: fc.Arbitrary<HttpRequest> = fc.record({
  method: fc.constantFrom("GET", "GET", "POST", "HEAD", "PUT", "OPTIONS"),
  path: fc.oneof(
    fc.constantFrom(...PAGE_ASSETS.keys(), "/ws", "/x", "/index.html/..", "//", "/%2e%2e/etc"),
    fc.stringMatching(/^\/[a-z./%]{0,12}$/),
  ),
  host: fc.option(hostArb, { freq: 8 }),
  origin: fc.option(
    fc.oneof(
      hostArb.map((h) => `http://${h}`),
      fc.constantFrom("null", "https://localhost:8123", "http://evil.example"),
    ),
    { freq: 2 },
  ),
  upgrade: fc.option(fc.constantFrom("websocket", "WebSocket", "h2c", ""), { freq: 3 }),
});

const isLoopback = (h: string) =>
  h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);

/** The server's rules, read from its comments: the status a request deserves. */
function expectedStatus(r: HttpRequest): number {
  const host = r.host ?? "";
  const name = host.replace(/:\d+$/, "");
  const loopbackName = isLoopback(name.replace(/^\[|\]$/g, ""));
  if (!loopbackName || (host !== name && host !== `${name}:${PORT}`)) return 403;
  if (r.origin !== null && r.origin !== `http://${host}`) return 403;
  const path = new URL(`http://x${r.path}`).pathname; // as the server sees it, normalised
  if (path === "/ws") return 400; // the upgrades below are not made (no real socket)
  return r.method === "GET" && PAGE_ASSETS.has(path) ? 200 : 404;
}

type Viewers = { viewer: number; data: unknown; leave: boolean }[];

export interface WebServerInput {
  requests: HttpRequest[];
  messages: Viewers;
}

const messageArb = fc.record({
  viewer: fc.nat({ max: 2 }),
  data: fc.oneof(
    { weight: 2, arbitrary: webArb },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant("key"),
        code: fc.constantFrom("KeyA", "Enter", "ShiftLeft", "Space"),
        down: fc.boolean(),
      }).map((o) => JSON.stringify(o)),
    },
    {
      weight: 1,
      arbitrary: fc.string({ unit: "binary", maxLength: 20 }).map((data) =>
        JSON.stringify({ t: "tty", data })
      ),
    },
  ),
  leave: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, fc.constant(true)),
});

interface ConsoleInternals {
  server: unknown;
  handle(req: Request, info: unknown): Response;
  receive(viewer: unknown, data: unknown): void;
  forget(viewer: unknown): void;
  viewers: Set<unknown>;
}

const info = { remoteAddr: { hostname: "127.0.0.1", port: 50000, transport: "tcp" } };

async function check(input: WebServerInput): Promise<void> {
  const logs: string[] = [];
  const wc = new WebConsole({ hostname: "127.0.0.1", port: PORT, log: (l) => logs.push(l) });
  const typed: number[] = [];
  const keyboard = new VirtioInput(keyboardProfile(KEYMAP.values()));
  /** The last state the keyboard was given for each key. */
  const keyState = new Map<number, boolean>();
  keyboard.key = (code: number, down: boolean) => void keyState.set(code, down);
  keyboard.repeatKey = (code: number) =>
    must(keyState.get(code) === true, `a repeat of key ${code}, which is not down`);
  wc.attach({
    typeInput: (b) => typed.push(...b),
    framebuffer: null,
    virtio: [{ device: keyboard }, { device: new VirtioInput(mouseProfile()) }, {
      device: new VirtioInput(tabletProfile()),
    }],
  });
  const c = wc as unknown as ConsoleInternals;
  c.server = { addr: { port: PORT }, shutdown: () => Promise.resolve() };
  for (const r of input.requests) {
    const headers = new Headers();
    if (r.host !== null) headers.set("host", r.host);
    if (r.origin !== null) headers.set("origin", r.origin);
    if (r.upgrade !== null && r.upgrade.toLowerCase() !== "websocket") {
      headers.set("upgrade", r.upgrade);
    }
    const before = logs.length;
    const res = c.handle(
      new Request(`http://127.0.0.1:${PORT}${r.path}`, {
        method: r.method,
        headers,
      }),
      info,
    );
    const want = expectedStatus(r);
    must(res.status === want, `${JSON.stringify(r)}: status ${res.status}, expected ${want}`);
    if (want === 200) {
      must(/default-src 'self'/.test(res.headers.get("content-security-policy") ?? ""), "no CSP");
      must(res.headers.get("x-content-type-options") === "nosniff", "no nosniff");
    }
    must(logs.length === before + (want === 403 ? 1 : 0), "a refusal not logged once");
    await res.body?.cancel();
  }
  // Viewers, as the socket handlers drive them.
  const viewers = [0, 1, 2].map((k) => ({
    socket: { readyState: 1, bufferedAmount: 0, send() {}, close() {} },
    name: `viewer${k}`,
    dirty: new Uint8Array(0),
    malformed: 0,
    keysDown: new Set<number>(),
    get open() {
      return true;
    },
  }));
  for (const v of viewers) c.viewers.add(v);
  const wantTyped: number[] = [];
  const encoder = new TextEncoder();
  const logsBefore = logs.length;
  for (const m of input.messages) {
    const v = viewers[m.viewer];
    if (!c.viewers.has(v)) continue; // a closed socket delivers nothing more
    if (m.leave) {
      c.forget(v);
      must(v.keysDown.size === 0, "a viewer left with keys down");
      continue;
    }
    const parsed = parseClientMessage(m.data);
    if (typeof parsed !== "string" && parsed.t === "tty") {
      wantTyped.push(...encoder.encode(parsed.data));
    }
    c.receive(v, m.data);
    // The guest holds a key down exactly while some viewer does.
    for (const [code, down] of keyState) {
      const held = viewers.some((w) => c.viewers.has(w) && w.keysDown.has(code));
      must(down === held, `key ${code} is ${down ? "down" : "up"} in the guest, held: ${held}`);
    }
  }
  for (const v of viewers) c.forget(v);
  must(
    typed.length === wantTyped.length && typed.every((b, i) => b === wantTyped[i]),
    "the guest's console input is not the tty messages' bytes",
  );
  for (const [code, down] of keyState) must(!down, `key ${code} left down after every viewer left`);
  const messageLogs = logs.slice(logsBefore);
  must(messageLogs.length <= 5 * viewers.length, `${messageLogs.length} log lines`);
  for (const l of logs) mustBeOneLine(l, "web log");
  await wc.close();
}

export const webServerTarget: FuzzTarget<WebServerInput> = {
  name: "web-server",
  about: "web console HTTP: served, 403 or 404 as its Host/Origin rules say; WebSocket messages: " +
    "the tty bytes in order, no key left down, bounded one-line logs",
  arbitrary: fc.record({
    requests: fc.array(requestArb, { maxLength: 6 }),
    messages: fc.array(messageArb, { maxLength: 16 }),
  }),
  check,
  async: true,
};
