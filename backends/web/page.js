// demu's web page: an xterm.js terminal on the guest console, a canvas on the
// guest framebuffer, and keyboard/mouse/tablet events sent back to demu over
// one WebSocket (the protocol is described in protocol.ts). Reconnects on its own.

const MSG_CONSOLE = 1;
const MSG_FRAME = 2;
const TABLET_MAX = 32767;
// Browser MouseEvent.button (0 left, 1 middle, 2 right, 3 back, 4 forward)
// to demu's button index (0 left, 1 right, 2 middle, 3 side, 4 extra).
const BUTTON_INDEX = [0, 2, 1, 3, 4];

const statusEl = document.getElementById("status");
const hintEl = document.getElementById("hint");
const screenPane = document.getElementById("screen-pane");
const canvas = document.getElementById("screen");
const ctx = canvas.getContext("2d");
const captureButton = document.getElementById("capture");

// 80 columns: the size the guest assumes for the virtio console when demu runs without a terminal.
const term = new globalThis.Terminal({ cols: 80, rows: 32, cursorBlink: true, scrollback: 5000 });
term.open(document.getElementById("terminal"));
term.focus();

let socket = null;
/** Key names the guest keyboard knows (from the hello). */
let keys = new Set();
let hasInput = false;
const pressedKeys = new Set();
const pressedButtons = new Map(); // button index -> device

function send(message) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function setStatus(state, text) {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

term.onData((data) => send({ t: "tty", data }));

function hello(h) {
  term.reset();
  keys = new Set(h.keys ?? []);
  hasInput = h.input;
  screenPane.hidden = h.width === 0;
  if (canvas.width !== h.width || canvas.height !== h.height) {
    canvas.width = Math.max(1, h.width);
    canvas.height = Math.max(1, h.height);
  }
  hintEl.textContent = hasInput
    ? "type in the terminal for the console; click the screen to use the guest keyboard and tablet"
    : "";
  captureButton.hidden = !hasInput;
}

/** Paints framebuffer rows: guest pixels are B, G, R, A bytes; the canvas wants R, G, B, A. */
function drawRows(buffer) {
  const v = new DataView(buffer);
  const y = v.getUint16(2, true);
  const rows = v.getUint16(4, true);
  const width = v.getUint16(6, true);
  if (rows === 0 || width !== canvas.width) return;
  const src = new Uint32Array(buffer, 8, width * rows);
  const image = ctx.createImageData(width, rows);
  const dst = new Uint32Array(image.data.buffer);
  for (let i = 0; i < src.length; i++) {
    const s = src[i];
    dst[i] = 0xff000000 | (s & 0xff00) | ((s >>> 16) & 0xff) | ((s & 0xff) << 16);
  }
  ctx.putImageData(image, 0, y);
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws`);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => setStatus("open", "connected");
  ws.onmessage = (e) => {
    if (typeof e.data === "string") {
      hello(JSON.parse(e.data));
      return;
    }
    const kind = new Uint8Array(e.data, 0, 1)[0];
    if (kind === MSG_CONSOLE) term.write(new Uint8Array(e.data, 1));
    else if (kind === MSG_FRAME) drawRows(e.data);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    pressedKeys.clear();
    pressedButtons.clear();
    setStatus("closed", "disconnected: reconnecting…");
    setTimeout(connect, 1000);
  };
  socket = ws;
}

// --- the guest keyboard: keys typed while the canvas has focus
canvas.addEventListener("keydown", (e) => {
  if (!hasInput) return;
  e.preventDefault();
  if (!keys.has(e.code)) return;
  // The browser's own repeats are sent too (as another press): the guest does not repeat keys.
  pressedKeys.add(e.code);
  send({ t: "key", code: e.code, down: true });
});
canvas.addEventListener("keyup", (e) => {
  if (!hasInput) return;
  e.preventDefault();
  if (pressedKeys.delete(e.code)) send({ t: "key", code: e.code, down: false });
});

/** Releases whatever is held, so no key or button stays down in the guest. */
function releaseAll() {
  for (const code of pressedKeys) send({ t: "key", code, down: false });
  pressedKeys.clear();
  for (const [button, dev] of pressedButtons) send({ t: "btn", dev, button, down: false });
  pressedButtons.clear();
}
canvas.addEventListener("blur", releaseAll);

// --- pointer: the tablet (absolute) normally, the mouse (relative) when captured
const captured = () => document.pointerLockElement === canvas;
const pointerDevice = () => (captured() ? "mouse" : "tablet");

function tabletPosition(e) {
  const r = canvas.getBoundingClientRect();
  const clamp = (n) => Math.min(TABLET_MAX, Math.max(0, Math.round(n * TABLET_MAX)));
  return { x: clamp((e.clientX - r.left) / r.width), y: clamp((e.clientY - r.top) / r.height) };
}

canvas.addEventListener("pointermove", (e) => {
  if (!hasInput) return;
  if (captured()) {
    if (e.movementX || e.movementY) send({ t: "rel", dx: e.movementX, dy: e.movementY });
  } else {
    send({ t: "abs", ...tabletPosition(e) });
  }
});
canvas.addEventListener("pointerdown", (e) => {
  canvas.focus();
  if (!hasInput) return;
  e.preventDefault();
  const button = BUTTON_INDEX[e.button];
  if (button === undefined) return;
  const dev = pointerDevice();
  if (dev === "tablet") send({ t: "abs", ...tabletPosition(e) });
  pressedButtons.set(button, dev);
  send({ t: "btn", dev, button, down: true });
});
canvas.addEventListener("pointerup", (e) => {
  if (!hasInput) return;
  const button = BUTTON_INDEX[e.button];
  const dev = pressedButtons.get(button);
  if (dev === undefined) return;
  pressedButtons.delete(button);
  send({ t: "btn", dev, button, down: false });
});
canvas.addEventListener("contextmenu", (e) => e.preventDefault());
canvas.addEventListener("wheel", (e) => {
  if (!hasInput) return;
  e.preventDefault();
  send({ t: "wheel", dev: pointerDevice(), v: -Math.sign(e.deltaY), h: Math.sign(e.deltaX) });
}, { passive: false });
captureButton.addEventListener("click", () => canvas.requestPointerLock());

connect();
