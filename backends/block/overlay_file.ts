/**
 * A snapshot overlay kept in a sparse host file, so a snapshot can be reused
 * (`--overlay FILE`). Layout: a 4 KiB header (magic, block size, the base
 * disk's sector count), a bitmap of the blocks held, then block b at
 * dataStart + b * 4096; blocks never written stay holes in the file.
 * On flush the data is made durable before the bitmap that points at it, so
 * a crash leaves at worst the previous snapshot state.
 */
import { BlockIoError } from "../../devices/block_backend.ts";
import { OVERLAY_BLOCK, type OverlayStore } from "./snapshot_block.ts";
import type { StateReader, StateWriter } from "../../core/snapshot/format.ts";
import { checkFileIdentity, saveFileIdentity } from "./disk_identity.ts";

const MAGIC = "DEMU-OVERLAY-V1\n";
const HEADER = 4096;
const PAGE = 4096;

export class OverlayFile implements OverlayStore {
  private dirtyData = false;
  /** Bitmap pages (4 KiB each) changed since the last flush. */
  private readonly dirtyPages = new Set<number>();

  private constructor(
    private readonly file: Deno.FsFile,
    private readonly path: string,
    private readonly bitmap: Uint8Array,
    private readonly dataStart: number,
  ) {}

  /**
   * Opens `path` (creating it when missing or empty) for a base disk of
   * `sectorCount` sectors. Throws a one-line Error when the file belongs to
   * another disk or is not an overlay; permission errors pass through.
   */
  static async open(path: string, sectorCount: number): Promise<OverlayFile> {
    const blocks = Math.ceil(sectorCount * 512 / OVERLAY_BLOCK);
    const bitmapBytes = Math.ceil(Math.ceil(blocks / 8) / PAGE) * PAGE;
    const dataStart = HEADER + bitmapBytes;
    const file = await Deno.open(path, { read: true, write: true, create: true });
    try {
      const size = (await file.stat()).size;
      const bitmap = new Uint8Array(bitmapBytes);
      if (size === 0) {
        const header = new Uint8Array(HEADER);
        header.set(new TextEncoder().encode(MAGIC));
        const v = new DataView(header.buffer);
        v.setUint32(16, OVERLAY_BLOCK, true);
        v.setFloat64(24, sectorCount, true);
        await writeAt(file, 0, header);
        await writeAt(file, HEADER, bitmap);
        await file.truncate(dataStart + blocks * OVERLAY_BLOCK); // sparse: no blocks yet
        await file.syncData();
      } else {
        const header = new Uint8Array(HEADER);
        if (size < dataStart || !(await readAt(file, 0, header))) {
          throw new Error(`overlay '${path}' is not a demu overlay (or was made for another disk)`);
        }
        const v = new DataView(header.buffer);
        const magic = new TextDecoder().decode(header.subarray(0, MAGIC.length));
        if (magic !== MAGIC || v.getUint32(16, true) !== OVERLAY_BLOCK) {
          throw new Error(`overlay '${path}' is not a demu overlay`);
        }
        const had = v.getFloat64(24, true);
        if (had !== sectorCount) {
          throw new Error(
            `overlay '${path}' was made for a disk of ${had} sectors, this one has ${sectorCount}`,
          );
        }
        await readAt(file, HEADER, bitmap);
      }
      return new OverlayFile(file, path, bitmap, dataStart);
    } catch (e) {
      file.close();
      throw e;
    }
  }

  has(block: number): boolean {
    return (this.bitmap[block >> 3] & (1 << (block & 7))) !== 0;
  }

  async read(block: number, buf: Uint8Array): Promise<void> {
    await this.io(async () => {
      if (!(await readAt(this.file, this.dataStart + block * OVERLAY_BLOCK, buf))) {
        throw new Error("overlay file is truncated");
      }
    });
  }

  async write(block: number, data: Uint8Array): Promise<void> {
    await this.io(() => writeAt(this.file, this.dataStart + block * OVERLAY_BLOCK, data));
    this.marked(block);
  }

  /** A block's data was written: mark it held (the bitmap page goes out at the next flush). */
  private marked(block: number): void {
    this.dirtyData = true;
    if (!this.has(block)) {
      this.bitmap[block >> 3] |= 1 << (block & 7);
      this.dirtyPages.add(Math.floor((block >> 3) / PAGE));
    }
  }

  /** Synchronous read: the snapshot calls it only while none of its asynchronous calls is running. */
  readSync(block: number, buf: Uint8Array): boolean {
    try {
      this.file.seekSync(this.dataStart + block * OVERLAY_BLOCK, Deno.SeekMode.Start);
      for (let n = 0; n < buf.length;) {
        const got = this.file.readSync(buf.subarray(n));
        if (got === null) throw new Error("overlay file is truncated");
        n += got;
      }
    } catch (e) {
      throw new BlockIoError(`${this.path}: ${(e as Error).message}`);
    }
    return true;
  }

  /** Synchronous write, under the same rule. */
  writeSync(block: number, data: Uint8Array): boolean {
    try {
      this.file.seekSync(this.dataStart + block * OVERLAY_BLOCK, Deno.SeekMode.Start);
      for (let n = 0; n < data.length;) n += this.file.writeSync(data.subarray(n));
    } catch (e) {
      throw new BlockIoError(`${this.path}: ${(e as Error).message}`);
    }
    this.marked(block);
    return true;
  }

  /** Snapshot hooks: the file is named (flushed before a save), not carried. */
  saveState(w: StateWriter): void {
    saveFileIdentity(w, this.path);
  }

  loadState(r: StateReader): void {
    checkFileIdentity(r, this.path, "overlay");
  }

  async flush(): Promise<void> {
    if (!this.dirtyData && this.dirtyPages.size === 0) return;
    await this.io(async () => {
      await this.file.syncData(); // the blocks first ...
      for (const page of [...this.dirtyPages].sort((a, b) => a - b)) {
        await writeAt(
          this.file,
          HEADER + page * PAGE,
          this.bitmap.subarray(page * PAGE, (page + 1) * PAGE),
        );
      }
      this.dirtyPages.clear();
      this.dirtyData = false;
      await this.file.syncData(); // ... then the bitmap that makes them visible
    });
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.file.close();
    }
  }

  private async io(op: () => Promise<void>): Promise<void> {
    try {
      await op();
    } catch (e) {
      throw new BlockIoError(`${this.path}: ${(e as Error).message}`);
    }
  }
}

/** Reads exactly buf.length bytes at `offset`; false at end of file. */
async function readAt(file: Deno.FsFile, offset: number, buf: Uint8Array): Promise<boolean> {
  await file.seek(offset, Deno.SeekMode.Start);
  for (let n = 0; n < buf.length;) {
    const got = await file.read(buf.subarray(n));
    if (got === null) return false;
    n += got;
  }
  return true;
}

async function writeAt(file: Deno.FsFile, offset: number, data: Uint8Array): Promise<void> {
  await file.seek(offset, Deno.SeekMode.Start);
  for (let n = 0; n < data.length;) n += await file.write(data.subarray(n));
}
