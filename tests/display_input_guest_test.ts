/**
 * The guest's side of the display and input devices, without a browser:
 * Linux binds simple-framebuffer to /dev/fb0 and virtio-input to
 * /dev/input/event*, a pattern written to /dev/fb0 lands in the framebuffer
 * memory the host scans, and an injected key press comes out of the
 * keyboard's event device.
 */
import assert from "node:assert/strict";
import { openInputDevices } from "../backends/web/input_devices.ts";
import { KEYMAP } from "../backends/web/keymap.ts";
import { FrameScanner } from "../devices/framebuffer.ts";
import { bootShell } from "./support/guest_shell.ts";
import {
  eventDeviceCommand,
  eventTails,
  fillRowsCommand,
  readEventsCommand,
} from "./support/guest_devices.ts";

const WIDTH = 640;
const HEIGHT = 480;

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
      // Until dd has the device open, events are lost: keep sending until dd has its fill.
      const keyEvents = g.sh(readEventsCommand(kbd, 2));
      let down = true;
      const presses = setInterval(() => {
        keyboard.key(KEYMAP.get("KeyA")!, down);
        down = !down;
      }, 200);
      const keyTails = eventTails(await keyEvents.finally(() => clearInterval(presses)));
      // type EV_KEY (01 00), code KEY_A (1e 00), value 1 or 0; then EV_SYN.
      assert.equal(keyTails.length, 2);
      assert.match(keyTails[0], /^01 00 1e 00 0[01] 00 00 00$/);
      assert.equal(keyTails[1], "00 00 00 00 00 00 00 00");

      const tab = (await g.sh(eventDeviceCommand("tablet"))).trim();
      const absEvents = g.sh(readEventsCommand(tab, 3));
      let x = 1000;
      const moves = setInterval(() => tablet.absolute(x, 20000 + x++), 200);
      const absTails = eventTails(await absEvents.finally(() => clearInterval(moves)));
      assert.equal(absTails.length, 3);
      assert.match(absTails[0], /^03 00 00 00 [0-9a-f]{2} 0[34] 00 00$/); // ABS_X near 1000
      assert.match(absTails[1], /^03 00 01 00 [0-9a-f]{2} 5[0-9a-f] 00 00$/); // ABS_Y near 21000
      assert.equal(absTails[2], "00 00 00 00 00 00 00 00");
    } finally {
      await g.shutdown();
    }
  },
});
