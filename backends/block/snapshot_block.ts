/**
 * Snapshot disks (TinyEMU's default mode): reads come from a base image,
 * writes go to an overlay of 4 KiB blocks that the base never sees. The
 * overlay lives in memory (gone at exit) or in a file (`overlay_file.ts`).
 */
import { type BlockBackend, SECTOR_SIZE } from "../../devices/block_backend.ts";
import { copyFromParts, copyIntoParts, partsLength, sliceParts } from "../../devices/byte_parts.ts";
import { SnapshotError, type StateReader, type StateWriter } from "../../core/snapshot/format.ts";
import { nodeZlib } from "../../core/node_builtin.ts";

export const OVERLAY_BLOCK = 4096;
const SPB = OVERLAY_BLOCK / SECTOR_SIZE;

/** Where overlay blocks are kept. Calls arrive one at a time. */
export interface OverlayStore {
  has(block: number): boolean;
  /** Fills `buf` (OVERLAY_BLOCK bytes) with a block that `has` reported. */
  read(block: number, buf: Uint8Array): Promise<void>;
  write(block: number, data: Uint8Array): Promise<void>;
  /** Synchronous `read`, for stores that can (the snapshot's fast path); false when it cannot now. */
  readSync?(block: number, buf: Uint8Array): boolean;
  /** Synchronous `write`; the store may keep `data` (the caller gives it up). */
  writeSync?(block: number, data: Uint8Array): boolean;
  /** Forgets a block (the disk then shows the base's data there again). */
  drop?(block: number): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Snapshot hooks: the blocks held (in memory) or the file that holds them. */
  saveState?(w: StateWriter): void;
  loadState?(r: StateReader): void;
}

/** The in-memory overlay: written blocks in a map, lost at exit. */
export class MemoryOverlay implements OverlayStore {
  private readonly blocks = new Map<number, Uint8Array>();
  has(block: number): boolean {
    return this.blocks.has(block);
  }
  read(block: number, buf: Uint8Array): Promise<void> {
    buf.set(this.blocks.get(block)!);
    return Promise.resolve();
  }
  write(block: number, data: Uint8Array): Promise<void> {
    this.blocks.set(block, data.slice());
    return Promise.resolve();
  }
  readSync(block: number, buf: Uint8Array): boolean {
    buf.set(this.blocks.get(block)!);
    return true;
  }
  writeSync(block: number, data: Uint8Array): boolean {
    this.blocks.set(block, data);
    return true;
  }
  drop(block: number): void {
    this.blocks.delete(block);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.blocks.clear();
    return Promise.resolve();
  }
  /** The changed blocks travel in the snapshot: their numbers, then their data deflated. */
  saveState(w: StateWriter): void {
    const numbers = [...this.blocks.keys()];
    const data = new Uint8Array(numbers.length * OVERLAY_BLOCK);
    numbers.forEach((b, i) => data.set(this.blocks.get(b)!, i * OVERLAY_BLOCK));
    w.u32(numbers.length);
    for (const b of numbers) w.f64(b);
    w.bytes(nodeZlib().deflateRawSync(data, { level: 1 }));
  }

  loadState(r: StateReader): void {
    const n = r.u32();
    const numbers = Array.from({ length: n }, () => r.f64());
    if (!numbers.every((b) => Number.isSafeInteger(b) && b >= 0)) {
      throw new SnapshotError("the snapshot's disk blocks are damaged");
    }
    let data: Uint8Array;
    try {
      // Bounded by the blocks the file names: a hostile file cannot inflate without limit.
      const maxOutputLength = Math.max(n * OVERLAY_BLOCK, 1);
      data = nodeZlib().inflateRawSync(r.bytes(), { maxOutputLength });
    } catch (e) {
      throw new SnapshotError(
        e instanceof RangeError
          ? "the snapshot's disk blocks hold more data than they say"
          : "the snapshot's disk blocks are damaged",
      );
    }
    if (data.length !== n * OVERLAY_BLOCK) {
      throw new SnapshotError("the snapshot's disk blocks are damaged");
    }
    this.blocks.clear();
    numbers.forEach((b, i) =>
      this.blocks.set(b, data.slice(i * OVERLAY_BLOCK, (i + 1) * OVERLAY_BLOCK))
    );
  }

  /** Blocks held (for tests). */
  get size(): number {
    return this.blocks.size;
  }
}

export class SnapshotBackend implements BlockBackend {
  readonly readOnly = false;
  readonly sectorCount: number;
  /** Operations run one at a time: a partial-block write reads, patches and stores its block. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Queued operations not yet finished: the synchronous path waits until there are none. */
  private queuedOps = 0;
  private readonly scratch = new Uint8Array(OVERLAY_BLOCK);

  constructor(private readonly base: BlockBackend, private readonly store: OverlayStore) {
    this.sectorCount = base.sectorCount;
  }

  read(sector: number, buf: Uint8Array): Promise<void> {
    return this.queued(async () => {
      const end = sector + buf.length / SECTOR_SIZE;
      for (let s = sector; s < end;) {
        const b = Math.floor(s / SPB);
        let next = Math.min((b + 1) * SPB, end);
        const out = buf.subarray((s - sector) * SECTOR_SIZE, (next - sector) * SECTOR_SIZE);
        if (this.store.has(b)) {
          await this.store.read(b, this.scratch);
          out.set(this.scratch.subarray((s - b * SPB) * SECTOR_SIZE).subarray(0, out.length));
        } else {
          // One base read for the whole run of blocks the overlay does not hold.
          while (next < end && !this.store.has(next / SPB)) next = Math.min(next + SPB, end);
          await this.base.read(
            s,
            buf.subarray((s - sector) * SECTOR_SIZE, (next - sector) * SECTOR_SIZE),
          );
        }
        s = next;
      }
    });
  }

  /** The synchronous read, when base and store both have one and nothing is queued. */
  readSync(sector: number, parts: Uint8Array[]): boolean {
    if (this.queuedOps > 0 || !this.base.readSync || !this.store.readSync) return false;
    const end = sector + partsLength(parts) / SECTOR_SIZE;
    for (let s = sector; s < end;) {
      const b = Math.floor(s / SPB);
      let next = Math.min((b + 1) * SPB, end);
      const from = (s - sector) * SECTOR_SIZE;
      if (this.store.has(b)) {
        if (!this.store.readSync(b, this.scratch)) return this.partial();
        const at = (s - b * SPB) * SECTOR_SIZE;
        copyIntoParts(parts, from, this.scratch.subarray(at, at + (next - s) * SECTOR_SIZE));
      } else {
        while (next < end && !this.store.has(next / SPB)) next = Math.min(next + SPB, end);
        const piece = sliceParts(parts, from, (next - sector) * SECTOR_SIZE);
        if (!this.base.readSync(s, piece)) return this.partial();
      }
      s = next;
    }
    return true;
  }

  /** The synchronous write, under the same conditions. */
  writeSync(sector: number, parts: Uint8Array[]): boolean {
    if (this.queuedOps > 0 || !this.base.readSync || !this.store.writeSync) return false;
    if (!this.store.readSync) return false;
    const end = sector + partsLength(parts) / SECTOR_SIZE;
    for (let s = sector; s < end;) {
      const b = Math.floor(s / SPB);
      const next = Math.min((b + 1) * SPB, end);
      const block = new Uint8Array(OVERLAY_BLOCK);
      const whole = s === b * SPB && next >= Math.min((b + 1) * SPB, this.sectorCount);
      if (!whole) {
        const ok = this.store.has(b) ? this.store.readSync(b, block) : this.base.readSync(b * SPB, [
          block.subarray(0, Math.min(SPB, this.sectorCount - b * SPB) * SECTOR_SIZE),
        ]);
        if (!ok) return this.partial();
      }
      const at = (s - b * SPB) * SECTOR_SIZE;
      copyFromParts(
        parts,
        (s - sector) * SECTOR_SIZE,
        block.subarray(at, at + (next - s) * SECTOR_SIZE),
      );
      if (!this.store.writeSync(b, block)) return this.partial();
      s = next;
    }
    return true;
  }

  /** A store or base that offered a synchronous call and then refused it midway: a bug, not a guest error. */
  private partial(): never {
    throw new Error("snapshot: a synchronous read or write was refused halfway");
  }

  write(sector: number, data: Uint8Array): Promise<void> {
    return this.queued(async () => {
      const end = sector + data.length / SECTOR_SIZE;
      for (let s = sector; s < end;) {
        const b = Math.floor(s / SPB);
        const next = Math.min((b + 1) * SPB, end);
        const block = new Uint8Array(OVERLAY_BLOCK);
        const whole = s === b * SPB && next >= Math.min((b + 1) * SPB, this.sectorCount);
        if (!whole) await this.current(b, block);
        block.set(
          data.subarray((s - sector) * SECTOR_SIZE, (next - sector) * SECTOR_SIZE),
          (s - b * SPB) * SECTOR_SIZE,
        );
        await this.store.write(b, block);
        s = next;
      }
    });
  }

  discard(sector: number, count: number): Promise<void> {
    return this.queued(() => {
      // Only blocks wholly inside the range can go; their content becomes the base's.
      if (this.store.drop) {
        for (let b = Math.ceil(sector / SPB); (b + 1) * SPB <= sector + count; b++) {
          this.store.drop(b);
        }
      }
      return Promise.resolve();
    });
  }

  flush(): Promise<void> {
    return this.queued(() => this.store.flush());
  }

  /** Snapshot hooks: the base image's identity, then the overlay's blocks or file. */
  saveState(w: StateWriter): void {
    if (!this.base.saveState || !this.store.saveState) {
      throw new Error("this snapshot disk cannot be saved in a snapshot");
    }
    this.base.saveState(w);
    this.store.saveState(w);
  }

  loadState(r: StateReader): void {
    if (!this.base.loadState || !this.store.loadState) {
      throw new SnapshotError("this snapshot disk cannot be restored");
    }
    this.base.loadState(r);
    this.store.loadState(r);
  }

  async close(): Promise<void> {
    await this.queued(() => this.store.close());
    await this.base.close();
  }

  /** The block as the guest sees it now (the last block of an odd-sized disk is zero-padded). */
  private async current(b: number, block: Uint8Array): Promise<void> {
    if (this.store.has(b)) return await this.store.read(b, block);
    const sectors = Math.min(SPB, this.sectorCount - b * SPB);
    await this.base.read(b * SPB, block.subarray(0, sectors * SECTOR_SIZE));
  }

  private queued(op: () => Promise<void>): Promise<void> {
    this.queuedOps++;
    const p = this.tail.then(op).finally(() => this.queuedOps--);
    this.tail = p.catch(() => {});
    return p;
  }
}
