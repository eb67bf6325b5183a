/**
 * A raw disk image in a host file, read-write or read-only. Deno's file API
 * has no positional read, so seek+read pairs run one at a time through a
 * queue; requests still overlap from the guest's point of view.
 */
import { type BlockBackend, BlockIoError, SECTOR_SIZE } from "../../devices/block_backend.ts";
import type { StateReader, StateWriter } from "../../core/snapshot/format.ts";
import { checkFileIdentity, saveFileIdentity } from "./disk_identity.ts";

export class FileBackend implements BlockBackend {
  readonly sectorCount: number;
  private tail: Promise<unknown> = Promise.resolve();
  /** Written since the last fdatasync. */
  private dirty = false;
  private closed = false;

  /** `file` must be open for reading (and writing unless `readOnly`); `size` a multiple of 512. */
  constructor(
    private readonly file: Deno.FsFile,
    size: number,
    readonly readOnly: boolean,
    private readonly path: string,
  ) {
    this.sectorCount = size / SECTOR_SIZE;
  }

  read(sector: number, buf: Uint8Array): Promise<void> {
    return this.queued(async () => {
      await this.file.seek(sector * SECTOR_SIZE, Deno.SeekMode.Start);
      for (let n = 0; n < buf.length;) {
        const got = await this.file.read(buf.subarray(n));
        if (got === null) throw new Error("the image is shorter than when it was opened");
        n += got;
      }
    });
  }

  write(sector: number, data: Uint8Array): Promise<void> {
    if (this.readOnly) return Promise.reject(new BlockIoError(`${this.path} is read-only`));
    return this.queued(async () => {
      this.dirty = true;
      await this.file.seek(sector * SECTOR_SIZE, Deno.SeekMode.Start);
      for (let n = 0; n < data.length;) n += await this.file.write(data.subarray(n));
    });
  }

  flush(): Promise<void> {
    return this.queued(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      await this.file.syncData();
    });
  }

  /** Snapshot hooks: the file is named, not carried (backends/disk_identity.ts). */
  saveState(w: StateWriter): void {
    saveFileIdentity(w, this.path);
  }

  loadState(r: StateReader): void {
    checkFileIdentity(r, this.path, "drive");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      this.file.close();
    }
  }

  /** Runs host operations one after another; failures name the file. */
  private queued(op: () => Promise<void>): Promise<void> {
    const p = this.tail.then(op).catch((e) => {
      throw new BlockIoError(`${this.path}: ${(e as Error).message}`);
    });
    this.tail = p.catch(() => {});
    return p;
  }
}
