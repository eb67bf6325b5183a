/**
 * Guest memory in a snapshot: which 4 KiB pages are not all zero (a bitmap)
 * and those pages, deflated together. A booted guest's RAM is mostly zero
 * pages, and the rest compresses several times over.
 *
 * Saving copies the pages synchronously (the machine may run on while they
 * are compressed); zlib at its fastest level keeps a save of a booted 128 MiB
 * guest well under the time a user notices.
 */
import { nodeZlib } from "../node_builtin.ts";
import { SnapshotError, type StateReader, type StateWriter } from "./format.ts";

const PAGE = 4096;

/** The non-zero pages of `mem`, copied: a bitmap and the pages in order. */
export interface CapturedPages {
  pages: number;
  bitmap: Uint8Array;
  data: Uint8Array;
}

/** Copies the non-zero pages of `mem` (its length a multiple of 4 KiB). */
export function capturePages(mem: Uint8Array): CapturedPages {
  const pages = Math.ceil(mem.length / PAGE);
  const bitmap = new Uint8Array(Math.ceil(pages / 8));
  const words = new Int32Array(mem.buffer, mem.byteOffset, mem.length >> 2);
  let used = 0;
  // Eight words per test: most pages are all zero and are read to the end.
  const w = words;
  for (let p = 0; p < pages; p++) {
    const end = Math.min((p + 1) * (PAGE >> 2), w.length);
    let acc = 0;
    let i = p * (PAGE >> 2);
    for (; i + 8 <= end && acc === 0; i += 8) {
      acc = w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7];
    }
    if (acc === 0) { for (; i < end; i++) acc |= w[i]; }
    if (acc !== 0) {
      bitmap[p >> 3] |= 1 << (p & 7);
      used++;
    }
  }
  const data = new Uint8Array(used * PAGE);
  let at = 0;
  for (let p = 0; p < pages; p++) {
    if (!(bitmap[p >> 3] & (1 << (p & 7)))) continue;
    const start = p * PAGE;
    const end = Math.min(start + PAGE, mem.length);
    data.set(mem.subarray(start, end), at);
    at += PAGE;
  }
  return { pages, bitmap, data };
}

/** How the pages are stored. */
const STORED = 0;
const DEFLATED = 1;

/**
 * Writes captured pages, deflated unless `compress` is false (bigger, but a
 * restore is then little more than a copy: forks made in one process).
 */
export function writePages(w: StateWriter, captured: CapturedPages, compress = true): void {
  w.f64(captured.pages);
  w.bytes(captured.bitmap);
  w.f64(captured.data.length);
  w.u8(compress ? DEFLATED : STORED);
  w.bytes(compress ? nodeZlib().deflateRawSync(captured.data, { level: 1 }) : captured.data);
}

/** Fills `mem` (zero beforehand) with the pages `writePages` wrote. */
export function readPages(r: StateReader, mem: Uint8Array): void {
  const pages = r.f64();
  const bitmap = r.bytes();
  const rawLength = r.f64();
  const method = r.u8();
  const stored = r.bytes();
  if (pages !== Math.ceil(mem.length / PAGE) || bitmap.length !== Math.ceil(pages / 8)) {
    throw new SnapshotError("the snapshot's memory size does not match its machine");
  }
  if (!Number.isSafeInteger(rawLength) || rawLength < 0 || rawLength > pages * PAGE) {
    throw new SnapshotError("the snapshot's memory is damaged");
  }
  let data: Uint8Array;
  if (method === STORED) data = stored;
  else if (method === DEFLATED) {
    try {
      // Bounded by what the header promises: a hostile file cannot inflate without limit.
      data = nodeZlib().inflateRawSync(stored, { maxOutputLength: Math.max(rawLength, 1) });
    } catch {
      throw new SnapshotError("the snapshot's memory is damaged");
    }
  } else throw new SnapshotError("the snapshot's memory is damaged");
  if (data.length !== rawLength) throw new SnapshotError("the snapshot's memory is damaged");
  let at = 0;
  for (let p = 0; p < pages; p++) {
    if (!(bitmap[p >> 3] & (1 << (p & 7)))) continue;
    if (at + PAGE > data.length) throw new SnapshotError("the snapshot's memory is damaged");
    const start = p * PAGE;
    const n = Math.min(PAGE, mem.length - start);
    mem.set(data.subarray(at, at + n), start);
    at += PAGE;
  }
  if (at !== data.length) throw new SnapshotError("the snapshot's memory is damaged");
}
