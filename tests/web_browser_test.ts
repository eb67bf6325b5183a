/**
 * The web console in a real browser: demu runs as a user starts it
 * (`main.ts --web`), and headless Chromium (Debian's package, driven by
 * playwright-core in tests/browser/session.ts) opens the page, types a command
 * into the terminal and reads its output, sees the pattern the guest writes to
 * /dev/fb0 on the canvas (pixels compared), and presses a key on the canvas
 * that the guest reads from its keyboard's /dev/input/event* (and moves the
 * pointer, which the tablet's event device reports), then types a
 * command on the canvas into a shell on tty1 (the screen). A second viewer
 * and a reload see the same console and screen. The screenshot is saved to
 * test-artifacts/web-console.png.
 *
 * Chromium comes from tests/browser/install_chromium.sh (run by `deno task
 * test`); the test is skipped, saying why, only when it is not installed.
 */
import assert from "node:assert/strict";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = new URL("..", import.meta.url).pathname;
const ARTIFACTS = `${ROOT}test-artifacts`;

const haveChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!haveChromium) {
  console.log(
    `web browser test skipped: ${CHROMIUM} is not installed ` +
      `(bash tests/browser/install_chromium.sh installs it with apt)`,
  );
}

/** Starts demu with the web console on a free port; resolves with the page's URL. */
async function startDemu() {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-env=DEMU_CACHE,HOME",
      "--allow-net=127.0.0.1",
      "main.ts",
      "--default",
      "--web",
      "127.0.0.1:0",
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`demu exited before serving:\n${stderr}`);
    stderr += value;
    if (/web console at http:\/\/\S+/.test(stderr)) break;
  }
  const url = /web console at (http:\/\/\S+)/.exec(stderr)![1];
  // Keep reading, so demu never blocks on a full pipe; keep the text for failures.
  const drained = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stderr += value;
    }
  })();
  return { child, url, stderr: () => stderr, drained };
}

Deno.test({
  name: "web console in Chromium: terminal, framebuffer pixels, a key press into evdev",
  ignore: !haveChromium,
  fn: async () => {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const screenshot = `${ARTIFACTS}/web-console.png`;
    await Deno.remove(screenshot).catch(() => {});
    const demu = await startDemu();
    try {
      const session = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "tests/browser/session.ts", demu.url, screenshot],
        cwd: ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(session.stdout);
      const err = new TextDecoder().decode(session.stderr);
      assert.equal(session.code, 0, `browser session failed:\n${err}\n${out}`);
      const r = JSON.parse(out.trim().split("\n").pop()!);
      assert.equal(r.status, "connected");
      assert.ok(r.echoed, "the command's output appeared in the terminal");
      const red = [255, 0, 0, 255];
      const green = [0, 255, 0, 255];
      assert.deepEqual(r.pixels["0,500"], red);
      assert.deepEqual(r.pixels["799,519"], red);
      assert.deepEqual(r.pixels["400,530"], green);
      assert.notDeepEqual(r.pixels["400,499"], red, "the row above the pattern is untouched");
      assert.notDeepEqual(r.pixels["400,540"], green, "the row below the pattern is untouched");
      assert.match(r.device, /^\/dev\/input\/event\d$/);
      assert.equal(r.keyTails.length, 2);
      assert.match(r.keyTails[0], /^01 00 1e 00 0[01] 00 00 00$/); // EV_KEY KEY_A, press or release
      assert.equal(r.keyTails[1], "00 00 00 00 00 00 00 00"); // EV_SYN SYN_REPORT
      assert.notEqual(r.tablet, r.device);
      assert.equal(r.tabletTails.length, 3);
      assert.match(r.tabletTails[0], /^03 00 00 00 [0-9a-f]{2} [0-7][0-9a-f] 00 00$/); // ABS_X
      assert.match(r.tabletTails[1], /^03 00 01 00 [0-9a-f]{2} [0-7][0-9a-f] 00 00$/); // ABS_Y
      assert.equal(r.tabletTails[2], "00 00 00 00 00 00 00 00");
      assert.ok(r.typedOnScreen, "a command typed on the canvas ran in the shell on tty1");
      assert.ok(r.secondSawScrollback, "a second viewer gets the console so far");
      assert.deepEqual(r.secondPixel, red);
      assert.deepEqual(r.reloadPixel, green);
      assert.ok(r.firstSeesSecond, "output of one viewer's command reaches the other");
      assert.ok((await Deno.stat(screenshot)).size > 10_000, "screenshot saved");
      const status = await demu.child.status;
      assert.equal(status.code, 0, `demu after poweroff:\n${demu.stderr()}`);
    } finally {
      try {
        demu.child.kill();
      } catch {
        // already exited
      }
      await demu.drained;
    }
  },
});
