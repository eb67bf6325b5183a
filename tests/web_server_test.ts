/**
 * The web console's server without a browser: WebSocket clients in Deno act
 * as viewers (several at once, reconnecting, malformed, slow).
 */
import assert from "node:assert/strict";
import { CLOSE_TOO_SLOW, WebConsole, type WebTarget } from "../backends/web/server.ts";
import { parseClientMessage } from "../backends/web/protocol.ts";
import { parseWebAddress } from "../backends/web/address.ts";
import { Framebuffer } from "../devices/framebuffer.ts";
import { openInputDevices } from "../backends/web/input_devices.ts";

/** A machine stand-in: records console input and input-device calls. */
function fakeTarget(fb: Framebuffer | null = null) {
  const typed: string[] = [];
  const calls: string[] = [];
  const devices = openInputDevices();
  for (const d of devices) {
    d.key = (code, down) => calls.push(`${d.profile.kind} key ${code} ${down}`);
    d.repeatKey = (code) => calls.push(`${d.profile.kind} repeat ${code}`);
    d.relative = (dx, dy, v = 0, h = 0) =>
      calls.push(`${d.profile.kind} rel ${dx} ${dy} ${v} ${h}`);
    d.absolute = (x, y) => calls.push(`${d.profile.kind} abs ${x} ${y}`);
  }
  const target: WebTarget = {
    typeInput: (b) => typed.push(new TextDecoder().decode(b)),
    framebuffer: fb,
    virtio: devices.map((device) => ({ device })),
  };
  return { target, typed, calls };
}

async function start(target: WebTarget) {
  const logs: string[] = [];
  const web = new WebConsole({ hostname: "127.0.0.1", port: 0, log: (l) => logs.push(l) });
  web.attach(target);
  const url = await web.listen();
  return { web, url, logs };
}

/** A viewer: a WebSocket that collects what demu sends. */
class TestViewer {
  readonly ws: WebSocket;
  hello: Record<string, unknown> | null = null;
  text = "";
  frames: { y: number; rows: number; width: number; pixels: Uint8Array }[] = [];
  closed: Promise<CloseEvent>;
  opened: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(url: URL) {
    this.ws = new WebSocket(new URL("/ws", url.href.replace(/^http/, "ws")));
    this.ws.binaryType = "arraybuffer";
    this.opened = new Promise((r) => this.ws.onopen = () => r());
    this.closed = new Promise((r) => this.ws.onclose = r);
    this.ws.onmessage = (e) => {
      if (typeof e.data === "string") this.hello = JSON.parse(e.data);
      else {
        const b = new Uint8Array(e.data);
        if (b[0] === 1) this.text += new TextDecoder().decode(b.subarray(1));
        else if (b[0] === 2) {
          const v = new DataView(e.data);
          this.frames.push({
            y: v.getUint16(2, true),
            rows: v.getUint16(4, true),
            width: v.getUint16(6, true),
            pixels: b.subarray(8),
          });
        }
      }
      for (const w of this.waiters.splice(0)) w();
    };
  }

  async until(check: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  send(m: unknown) {
    this.ws.send(typeof m === "string" ? m : JSON.stringify(m));
  }

  async close() {
    if (this.ws.readyState !== WebSocket.CLOSED) {
      this.ws.close();
      await this.closed;
    }
  }
}

const encode = (s: string) => new TextEncoder().encode(s);

Deno.test("web: the page and its assets are served; foreign Host and Origin are refused", async () => {
  const { web, url, logs } = await start(fakeTarget().target);
  try {
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type")!, /text\/html/);
    assert.match(await page.text(), /<canvas id="screen"/);
    for (
      const [path, type] of [["/xterm.js", /javascript/], ["/xterm.css", /css/], [
        "/demu.js",
        /javascript/,
      ]] as const
    ) {
      const r = await fetch(new URL(path, url));
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get("content-type")!, type);
      assert.ok((await r.text()).length > 100);
    }
    const missing = await fetch(new URL("/etc/passwd", url));
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    // DNS rebinding: a name that resolves to us but is not a loopback name.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(url.port) });
    await conn.write(
      encode(`GET / HTTP/1.1\r\nHost: evil.example:${url.port}\r\nConnection: close\r\n\r\n`),
    );
    const reply = new Uint8Array(4096);
    const n = await conn.read(reply);
    conn.close();
    assert.match(new TextDecoder().decode(reply.subarray(0, n ?? 0)), /^HTTP\/1.1 403/);
    // Another web site's page may not open the WebSocket.
    const r = await fetch(new URL("/ws", url), { headers: { origin: "http://evil.example" } });
    assert.equal(r.status, 403);
    await r.body?.cancel();
    assert.ok(logs.some((l) => /Host 'evil.example/.test(l)));
    assert.ok(logs.some((l) => /Origin 'http:\/\/evil.example' is not this page/.test(l)));
  } finally {
    await web.close();
  }
});

Deno.test("web: several viewers see the console; a reconnecting viewer gets the recent output", async () => {
  const { target, typed } = fakeTarget();
  const { web, url } = await start(target);
  const a = new TestViewer(url);
  const b = new TestViewer(url);
  try {
    await Promise.all([a.opened, b.opened]);
    await a.until(() => a.hello !== null && web.viewerCount === 2, "hello");
    assert.deepEqual(a.hello!.input, true);
    assert.ok((a.hello!.keys as string[]).includes("KeyA"));
    web.write(encode("first line\r\n"));
    web.write(encode("~ # "));
    await a.until(() => a.text.endsWith("~ # "), "output at viewer a");
    await b.until(() => b.text.endsWith("~ # "), "output at viewer b");
    assert.equal(a.text, "first line\r\n~ # ");
    a.send({ t: "tty", data: "ls\r" });
    b.send({ t: "tty", data: "pwd\r" });
    await a.until(() => typed.length === 2, "typed input");
    assert.deepEqual(typed.sort(), ["ls\r", "pwd\r"]);
    await a.close();
    const again = new TestViewer(url);
    await again.until(() => again.text === "first line\r\n~ # ", "scrollback replay");
    await again.close();
  } finally {
    await a.close();
    await b.close();
    await web.close();
  }
});

Deno.test("web: key, mouse, tablet, button and wheel messages reach the right device", async () => {
  const { target, calls } = fakeTarget();
  const { web, url } = await start(target);
  const v = new TestViewer(url);
  try {
    await v.opened;
    v.send({ t: "key", code: "KeyA", down: true });
    v.send({ t: "key", code: "Enter", down: false });
    v.send({ t: "rel", dx: 5, dy: -7 });
    v.send({ t: "abs", x: 16384, y: 32767 });
    v.send({ t: "btn", dev: "tablet", button: 0, down: true });
    v.send({ t: "btn", dev: "mouse", button: 1, down: false });
    v.send({ t: "wheel", dev: "mouse", v: -1, h: 0 });
    await v.until(() => calls.length === 7, "seven input calls");
    assert.deepEqual(calls, [
      "keyboard key 30 true",
      "keyboard key 28 false",
      "mouse rel 5 -7 0 0",
      "tablet abs 16384 32767",
      "tablet key 272 true",
      "mouse key 273 false",
      "mouse rel 0 0 -1 0",
    ]);
  } finally {
    await v.close();
    await web.close();
  }
});

Deno.test("web: a held key's repeats are repeat events; a viewer leaving releases its keys", async () => {
  const { target, calls } = fakeTarget();
  const { web, url } = await start(target);
  const v = new TestViewer(url);
  try {
    await v.opened;
    v.send({ t: "key", code: "KeyB", down: true });
    v.send({ t: "key", code: "KeyB", down: true });
    v.send({ t: "key", code: "KeyB", down: false });
    v.send({ t: "key", code: "ShiftLeft", down: true });
    await v.until(() => calls.length === 4, "four key calls");
    await v.close();
    await v.until(() => calls.length === 5, "the release on leaving");
    assert.deepEqual(calls, [
      "keyboard key 48 true",
      "keyboard repeat 48",
      "keyboard key 48 false",
      "keyboard key 42 true",
      "keyboard key 42 false",
    ]);
  } finally {
    await v.close();
    await web.close();
  }
});

Deno.test("web: malformed messages are dropped with a log line, and the viewer keeps working", async () => {
  const { target, typed, calls } = fakeTarget();
  const { web, url, logs } = await start(target);
  const v = new TestViewer(url);
  try {
    await v.opened;
    v.send("not json {");
    v.ws.send(new Uint8Array([1, 2, 3]));
    v.send({ t: "abs", x: 40000, y: 1 });
    v.send({ t: "key", code: "NoSuchKey", down: true });
    v.send({ t: "explode" });
    v.send("x".repeat(20_000));
    v.send({ t: "tty", data: "still here\r" });
    await v.until(() => typed.length === 1, "the good message");
    assert.deepEqual(typed, ["still here\r"]);
    assert.deepEqual(calls, []);
    assert.equal(logs.length, 5, logs.join("\n"));
    assert.match(logs[0], /viewer 127\.0\.0\.1:\d+: dropped a malformed message \(not JSON\)/);
    assert.match(logs[1], /binary message/);
    assert.match(logs[2], /abs: x\/y outside 0..32767/);
    assert.match(logs[3], /key: unknown code "NoSuchKey"/);
    assert.match(logs[4], /unknown type "explode".*further ones from this viewer not logged/);
  } finally {
    await v.close();
    await web.close();
  }
});

Deno.test("web: parseClientMessage checks every field", () => {
  assert.deepEqual(parseClientMessage('{"t":"wheel","dev":"tablet","v":1,"h":-1}'), {
    t: "wheel",
    dev: "tablet",
    v: 1,
    h: -1,
  });
  assert.match(parseClientMessage('{"t":"rel","dx":1.5,"dy":0}') as string, /bad dx/);
  assert.match(
    parseClientMessage('{"t":"btn","dev":"tablet","button":5,"down":true}') as string,
    /0..4/,
  );
  assert.match(
    parseClientMessage('{"t":"btn","dev":"pen","button":0,"down":true}') as string,
    /bad dev/,
  );
  assert.match(parseClientMessage("[1,2]") as string, /not a JSON object/);
  assert.match(parseClientMessage('{"t":"tty","data":7}') as string, /tty: bad data/);
});

Deno.test("web: --web addresses", () => {
  assert.deepEqual(parseWebAddress(""), { hostname: "127.0.0.1", port: 8080 });
  assert.deepEqual(parseWebAddress("9000"), { hostname: "127.0.0.1", port: 9000 });
  assert.deepEqual(parseWebAddress("0.0.0.0:80"), { hostname: "0.0.0.0", port: 80 });
  assert.deepEqual(parseWebAddress("[::1]:8080"), { hostname: "::1", port: 8080 });
  assert.throws(() => parseWebAddress("localhost:99999"), /is not HOST:PORT/);
  assert.throws(() => parseWebAddress("vm.cfg"), /'vm.cfg' is not HOST:PORT/);
});

/** Pixel (x, y) of a framebuffer as [B, G, R, A]. */
const fill = (fb: Framebuffer, y0: number, y1: number, bgra: number[]) => {
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < fb.width; x++) fb.pixels.set(bgra, y * fb.stride + 4 * x);
  }
};

Deno.test("web: a viewer gets the whole screen, then only the rows that change", async () => {
  const fb = new Framebuffer(new Uint8Array(64 * 48 * 4), 64, 48);
  fill(fb, 0, 48, [10, 20, 30, 0]);
  const { web, url } = await start(fakeTarget(fb).target);
  const v = new TestViewer(url);
  try {
    await v.until(() => v.frames.reduce((n, f) => n + f.rows, 0) === 48, "the full frame");
    assert.deepEqual(v.hello, {
      t: "hello",
      width: 64,
      height: 48,
      input: true,
      keys: v.hello!.keys,
    });
    assert.equal(v.frames[0].width, 64);
    assert.deepEqual([...v.frames[0].pixels.subarray(0, 4)], [10, 20, 30, 0]);
    v.frames = [];
    fill(fb, 20, 22, [0, 0, 255, 0]);
    await v.until(() => v.frames.length > 0, "the changed rows");
    await new Promise((r) => setTimeout(r, 100)); // nothing else changed: nothing else comes
    assert.deepEqual(v.frames.map((f) => [f.y, f.rows]), [[20, 2]]);
    assert.deepEqual([...v.frames[0].pixels.subarray(4 * 63, 4 * 64)], [0, 0, 255, 0]);
  } finally {
    await v.close();
    await web.close();
  }
});

Deno.test("web: a viewer that reads nothing cannot stall the VM or the other viewers", async () => {
  const fb = new Framebuffer(new Uint8Array(640 * 480 * 4), 640, 480);
  const { web, url, logs } = await start(fakeTarget(fb).target);
  // The slow viewer: a WebSocket handshake over raw TCP, then it never reads again.
  const slow = await Deno.connect({ hostname: "127.0.0.1", port: Number(url.port) });
  await slow.write(encode(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${url.port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
      `Sec-WebSocket-Version: 13\r\n\r\n`,
  ));
  const good = new TestViewer(url);
  try {
    await good.until(() => web.viewerCount === 2, "both viewers");
    // The guest keeps drawing and printing; each step returns at once.
    const chunk = encode("x".repeat(64 * 1024 - 2) + "\r\n");
    let sent = 0;
    for (let i = 0; i < 240; i++) {
      fill(fb, (i * 7) % 480, (i * 7) % 480 + 1, [i & 255, 1, 2, 0]);
      web.write(chunk);
      sent += chunk.length;
      await new Promise((r) => setTimeout(r, 1));
    }
    await good.until(
      () => good.text.length === sent,
      "all console output at the good viewer",
      20_000,
    );
    await good.until(() => logs.some((l) => /too slow/.test(l)), "the slow viewer dropped", 20_000);
    assert.equal(web.viewerCount, 1);
  } finally {
    slow.close();
    await good.close();
    await web.close();
  }
  assert.equal(CLOSE_TOO_SLOW, 4001);
});
