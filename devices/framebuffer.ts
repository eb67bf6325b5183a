/**
 * A linear framebuffer for Linux's simple-framebuffer driver: 32-bit
 * a8r8g8b8 pixels (bytes B, G, R, A in memory) at TinyEMU's address. The
 * memory is plain RAM-like memory the guest writes with ordinary stores (no
 * per-store hook); a viewer learns what changed by `FrameScanner.scan`, which
 * compares the rows with a shadow copy.
 */

export const FRAMEBUFFER_BASE = 0x4100_0000;
export const FRAMEBUFFER_FORMAT = "a8r8g8b8";
export const BYTES_PER_PIXEL = 4;
/** Largest width and height accepted (a 4096×4096 screen is 64 MiB). */
export const MAX_DIMENSION = 4096;

export class Framebuffer {
  readonly stride: number;
  /** The whole screen, `stride` bytes per row, top row first. */
  readonly pixels: Uint8Array;

  /** `memory` is the framebuffer's memory (at least stride × height bytes, 4-byte aligned). */
  constructor(memory: Uint8Array, readonly width: number, readonly height: number) {
    checkGeometry(width, height);
    this.stride = width * BYTES_PER_PIXEL;
    if (memory.length < this.stride * height || memory.byteOffset % 4 !== 0) {
      throw new Error("framebuffer: memory too small or misaligned");
    }
    this.pixels = memory.subarray(0, this.stride * height);
  }

  /** Bytes of memory a screen of this size needs. */
  static bytesFor(width: number, height: number): number {
    checkGeometry(width, height);
    return width * height * BYTES_PER_PIXEL;
  }
}

function checkGeometry(width: number, height: number): void {
  for (const [what, n] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_DIMENSION) {
      throw new Error(`framebuffer ${what} must be 1..${MAX_DIMENSION}, not ${n}`);
    }
  }
}

/**
 * Finds the rows that changed since the previous scan by comparing each row
 * with a shadow copy (as 32-bit words; a changed row is copied to the shadow).
 * The first scan reports every row.
 */
export class FrameScanner {
  private readonly current: Int32Array;
  private readonly shadow: Int32Array;
  private readonly words: number;
  private first = true;

  constructor(readonly fb: Framebuffer) {
    const p = fb.pixels;
    this.current = new Int32Array(p.buffer, p.byteOffset, p.length / 4);
    this.shadow = new Int32Array(this.current.length);
    this.words = fb.stride / 4;
  }

  /** Marks in `dirty` (one flag per row) each row that changed; returns how many did. */
  scan(dirty: Uint8Array): number {
    const { current, shadow, words } = this;
    let changed = 0;
    for (let y = 0, start = 0; y < this.fb.height; y++, start += words) {
      const end = start + words;
      let i = start;
      if (!this.first) { while (i < end && current[i] === shadow[i]) i++; }
      if (i < end) {
        shadow.set(current.subarray(i, end), i);
        dirty[y] = 1;
        changed++;
      }
    }
    this.first = false;
    return changed;
  }
}
