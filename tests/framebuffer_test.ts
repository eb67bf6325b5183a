import assert from "node:assert/strict";
import { Framebuffer, FRAMEBUFFER_BASE, FrameScanner } from "../devices/framebuffer.ts";
import { PhysicalMemory } from "../core/memory.ts";
import { Machine } from "../board/machine.ts";

Deno.test("frame scanner: first scan reports every row, later scans only changed rows", () => {
  const fb = new Framebuffer(new Uint8Array(16 * 8 * 4), 16, 8);
  const scanner = new FrameScanner(fb);
  const dirty = new Uint8Array(8);
  assert.equal(scanner.scan(dirty), 8);
  dirty.fill(0);
  assert.equal(scanner.scan(dirty), 0);
  fb.pixels[3 * fb.stride + 15 * 4 + 2] = 0xff; // last pixel of row 3, red
  fb.pixels[6 * fb.stride] = 1;
  assert.equal(scanner.scan(dirty), 2);
  assert.deepEqual([...dirty], [0, 0, 0, 1, 0, 0, 1, 0]);
  dirty.fill(0);
  assert.equal(scanner.scan(dirty), 0, "the shadow caught up");
});

Deno.test("framebuffer geometry is checked", () => {
  assert.throws(() => Framebuffer.bytesFor(0, 10), /width must be 1..4096, not 0/);
  assert.throws(() => Framebuffer.bytesFor(10, 5000), /height must be 1..4096, not 5000/);
  assert.equal(Framebuffer.bytesFor(800, 600), 800 * 600 * 4);
});

Deno.test("video memory is RAM-like at its own address, after RAM in the buffer", () => {
  const mem = new PhysicalMemory(1 << 20, { base: FRAMEBUFFER_BASE, size: 100_000 });
  const off = mem.offsetOf(FRAMEBUFFER_BASE);
  assert.ok(off > 0 && mem.isRamOffset(off));
  assert.equal(mem.offsetOf(FRAMEBUFFER_BASE + 4096), off + 4096);
  assert.equal(mem.offsetOf(FRAMEBUFFER_BASE + 131072), -1, "rounded up to 64 KiB, no further");
  assert.ok(mem.pageCacheable(FRAMEBUFFER_BASE));
  assert.ok(!mem.contains(FRAMEBUFFER_BASE, 4), "no DMA into video memory");
  assert.throws(
    () => new PhysicalMemory(2045 * 1024 * 1024, { base: FRAMEBUFFER_BASE, size: 1 << 20 }),
    /2045 MiB of RAM and 1 MiB of video memory do not fit below 2 GiB: at most 2044 MiB of RAM with this screen; give less memory with -m$/,
  );
});

Deno.test("a machine with a display describes a simple-framebuffer over its video memory", () => {
  const m = new Machine({
    memoryMiB: 16,
    console: { write: () => {} },
    framebuffer: { width: 320, height: 200 },
  });
  assert.deepEqual(m.describe().framebuffer, {
    base: FRAMEBUFFER_BASE,
    width: 320,
    height: 200,
    stride: 1280,
    format: "a8r8g8b8",
  });
  // A guest store at the framebuffer's address is a plain memory write the host sees.
  m.mem.u8[m.mem.offsetOf(FRAMEBUFFER_BASE + 1280)] = 0x7f;
  assert.equal(m.framebuffer!.pixels[1280], 0x7f);
  assert.equal(new Machine({ memoryMiB: 16, console: { write: () => {} } }).framebuffer, null);
});
