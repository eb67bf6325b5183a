/**
 * Guest RAM for the fuzz targets, and the check that a device wrote only
 * where the guest allowed it: the buffers a request names as writable and
 * the used rings.
 */
import { Buffer } from "node:buffer";
import type { GuestRam } from "../../core/bus.ts";
import { must } from "./target.ts";
import { fakeRam, RAM_BASE } from "../support/guest_ram.ts";

export { fakeRam as fuzzRam, RAM_BASE };

/** A guest-physical range [addr, addr + len). */
export interface Range {
  addr: number;
  len: number;
}

/** Throws naming the first byte that changed between `before` and `ram` outside `allowed`. */
export function mustWriteOnlyInside(ram: GuestRam, before: Uint8Array, allowed: Range[]): void {
  const now = ram.bytes;
  // Word compares first: RAM sizes here are multiples of 4.
  const a = new Int32Array(now.buffer, now.byteOffset, now.length >> 2);
  const b = new Int32Array(before.buffer, before.byteOffset, before.length >> 2);
  for (let w = 0; w < a.length; w++) {
    // Whole 4 KiB blocks by a native compare first: most of RAM is unchanged (the fuzzers'
    // costliest line before).
    if ((w & 1023) === 0) {
      const at = 4 * w;
      const end = Math.min(at + 4096, now.length);
      if (Buffer.compare(now.subarray(at, end), before.subarray(at, end)) === 0) {
        w += 1023;
        continue;
      }
    }
    if (a[w] === b[w]) continue;
    for (let i = 4 * w; i < 4 * w + 4; i++) {
      if (now[i] === before[i]) continue;
      const addr = RAM_BASE + i;
      const ok = allowed.some((r) => addr >= r.addr && addr < r.addr + r.len);
      must(ok, `guest RAM at 0x${addr.toString(16)} written outside every named buffer`);
    }
  }
}
