/**
 * The display's costs, each the median of several runs:
 * - one framebuffer scan (what the web console does 30 times a second while a
 *   viewer watches) of an unchanged 800×600 screen, and of one where every row changed;
 * - seconds from power-on to the shell prompt with the 800×600 display and the
 *   input devices that --web adds, and without them (interleaved runs).
 */
import { openInputDevices } from "../../backends/web/input_devices.ts";
import { Framebuffer, FrameScanner } from "../../devices/framebuffer.ts";
import { defaultMachine, PROMPT, readDefaultImages } from "../support/boot.ts";
import { report } from "./report.ts";

const RUNS = Number(Deno.env.get("DEMU_BENCH_RUNS") ?? 5);

function scanMs(changeEveryRow: boolean): number[] {
  const fb = new Framebuffer(new Uint8Array(800 * 600 * 4), 800, 600);
  const scanner = new FrameScanner(fb);
  const dirty = new Uint8Array(600);
  scanner.scan(dirty);
  const out: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const reps = 50;
    let total = 0;
    for (let i = 0; i < reps; i++) {
      if (changeEveryRow) { for (let y = 0; y < 600; y++) fb.pixels[y * fb.stride + 3196] ^= 1; }
      const t0 = performance.now();
      scanner.scan(dirty);
      total += performance.now() - t0;
    }
    out.push(total / reps);
  }
  return out;
}

report("framebuffer scan, 800x600 unchanged", "ms", scanMs(false), 2);
report("framebuffer scan, 800x600 all rows", "ms", scanMs(true), 2);

const images = await readDefaultImages();

async function bootSeconds(display: boolean): Promise<number> {
  const { machine, console } = display
    ? await defaultMachine({ framebuffer: { width: 800, height: 600 } }, images, openInputDevices())
    : await defaultMachine({}, images);
  const t0 = performance.now();
  const running = machine.run();
  await console.waitFor(PROMPT);
  const seconds = (performance.now() - t0) / 1000;
  machine.stop({ reason: "quit" });
  await running;
  return seconds;
}

// Interleaved, so both see the same machine load.
const plain: number[] = [];
const withDisplay: number[] = [];
for (let i = 0; i < RUNS; i++) {
  plain.push(await bootSeconds(false));
  withDisplay.push(await bootSeconds(true));
}
report("boot to prompt, no display", "s", plain, 2);
report("boot to prompt, display + input", "s", withDisplay, 2);
