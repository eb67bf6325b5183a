/**
 * The guest's side of the display and input devices, without a browser:
 * Linux binds simple-framebuffer to /dev/fb0 and virtio-input to
 * /dev/input/event*, a pattern written to /dev/fb0 lands in the framebuffer
 * memory the host scans, and an injected key press comes out of the
 * keyboard's event device.
 */
import assert from "node:assert/strict";
import { openInputDevices } from "../backends/input_devices.ts";
import { KEYMAP } from "../backends/web/keymap.ts";
import { FrameScanner } from "../devices/framebuffer.ts";
import { bootShell } from "./support/guest_shell.ts";

const WIDTH = 640;
const HEIGHT = 480;

/** Shell line that writes `rows` rows of one colour (bytes B G R A, octal) from row `y`. */
export function fillRowsCommand(octalPixel: string, y: number, rows: number, width: number) {
  // 4 bytes doubled 14 times: 64 KiB of the pixel, enough for the rows asked.
  return `printf '${octalPixel}' > /tmp/p; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do ` +
    `cat /tmp/p /tmp/p > /tmp/q; mv /tmp/q /tmp/p; done; ` +
    `dd if=/tmp/p of=/dev/fb0 bs=${width * 4} seek=${y} count=${rows} 2>/dev/null; echo written`;
}

/** Shell line naming the event device whose input device name contains `word`. */
export function eventDeviceCommand(word: string) {
  return `for e in /sys/class/input/event*; do grep -q ${word} $e/device/name && echo /dev/input/\${e##*/}; done`;
}

Deno.test({
  name: "guest: /dev/fb0 shows writes in framebuffer memory; a key press reaches evdev",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const inputs = openInputDevices();
    const [keyboard, , tablet] = inputs;
    const g = await bootShell(inputs, 128, { framebuffer: { width: WIDTH, height: HEIGHT } });
    try {
      assert.match(await g.sh("cat /proc/fb"), /^0 simple/m);
      assert.equal((await g.sh("cat /sys/class/graphics/fb0/virtual_size")).trim(), "640,480");
      const names = await g.sh("cat /sys/class/input/event*/device/name");
      assert.deepEqual(names.trim().split("\n").map((s) => s.trim()).sort(), [
        "demu virtio keyboard",
        "demu virtio mouse",
        "demu virtio tablet",
      ]);

      const fb = g.machine.framebuffer!;
      const scanner = new FrameScanner(fb);
      scanner.scan(new Uint8Array(HEIGHT)); // first scan: everything
      assert.match(await g.sh(fillRowsCommand("\\000\\000\\377\\000", 400, 10, WIDTH)), /written/);
      const dirty = new Uint8Array(HEIGHT);
      scanner.scan(dirty);
      for (let y = 400; y < 410; y++) assert.equal(dirty[y], 1, `row ${y} changed`);
      const px = (
        x: number,
        y: number,
      ) => [...fb.pixels.subarray(y * fb.stride + 4 * x, y * fb.stride + 4 * x + 4)];
      assert.deepEqual(px(0, 400), [0, 0, 255, 0]);
      assert.deepEqual(px(639, 409), [0, 0, 255, 0]);
      assert.notDeepEqual(px(0, 410), [0, 0, 255, 0]);

      // A key press (and an absolute move) come out of the event devices as Linux input_events.
      const kbd = (await g.sh(eventDeviceCommand("keyboard"))).trim();
      assert.match(kbd, /^\/dev\/input\/event\d$/);
      g.console.type(
        `dd if=${kbd} bs=24 count=2 2>/dev/null | hexdump -v -e '24/1 "%02x " "\\n"'\n`,
      );
      // Until dd has the device open, presses are lost: press and release until output appears.
      let down = true;
      const timer = setInterval(() => {
        keyboard.key(KEYMAP.get("KeyA")!, down);
        down = !down;
      }, 200);
      const out = await g.console.waitFor(
        /\n(?:[0-9a-f]{2} ){23}[0-9a-f]{2}\s*\n(?:[0-9a-f]{2} ){23}[0-9a-f]{2}/,
        60_000,
      )
        .finally(() => clearInterval(timer));
      const lines = out.trim().split("\n").slice(-2).map((l) => l.trim().split(" ").slice(16));
      // type EV_KEY (01 00), code KEY_A (1e 00), value 1 or 0; then EV_SYN.
      assert.match(lines[0].join(" "), /^01 00 1e 00 0[01] 00 00 00$/);
      assert.equal(lines[1].join(" "), "00 00 00 00 00 00 00 00");
      await g.console.waitFor("~ # ");

      const tab = (await g.sh(eventDeviceCommand("tablet"))).trim();
      g.console.type(
        `dd if=${tab} bs=24 count=3 2>/dev/null | hexdump -v -e '24/1 "%02x " "\\n"'\n`,
      );
      let x = 1000;
      const moves = setInterval(() => tablet.absolute(x, 20000 + x++), 200);
      const abs = await g.console.waitFor(/(?:\n(?:[0-9a-f]{2} ){23}[0-9a-f]{2}\s*){3}/, 60_000)
        .finally(() => clearInterval(moves));
      const events = abs.trim().split("\n").slice(-3).map((l) =>
        l.trim().split(" ").slice(16).join(" ")
      );
      assert.match(events[0], /^03 00 00 00 [0-9a-f]{2} 0[34] 00 00$/); // ABS_X near 1000
      assert.match(events[1], /^03 00 01 00 [0-9a-f]{2} 5[0-9a-f] 00 00$/); // ABS_Y near 21000
      assert.equal(events[2], "00 00 00 00 00 00 00 00");
      await g.console.waitFor("~ # ");
    } finally {
      await g.shutdown();
    }
  },
});
