/**
 * A raw disk image in a host file, read-write or read-only. I/O is
 * positional (pread/pwrite through node:fs, which Deno's FsFile lacks), so
 * requests need no shared seek position: the fast path reads and writes
 * straight between the file and guest memory, synchronously (a page-cache
 * hit costs microseconds, less than a trip through the event loop), and the
 * asynchronous path runs on Deno's thread pool for callers that want it.
 */
import type * as Fs from "node:fs";
import { nodeFs } from "../../core/node_builtin.ts";
import { type BlockBackend, BlockIoError, SECTOR_SIZE } from "../../devices/block_backend.ts";
import { copyFromParts, copyIntoParts, partsLength } from "../../devices/byte_parts.ts";
import type { StateReader, StateWriter } from "../../core/snapshot/format.ts";
import { checkFileIdentity, saveFileIdentity } from "./disk_identity.ts";

/** Requests in several pieces up to this size go through one host call and a copy. */
const GATHER_BYTES = 1 << 20;

export class FileBackend implements BlockBackend {
  readonly sectorCount: number;
  private readonly fs: typeof Fs = nodeFs();
  private readonly fd: number;
  /** Written since the last fdatasync. */
  private dirty = false;
  private closed = false;
  private gatherBuf: Uint8Array | null = null;

  /**
   * `file` must be open for reading (and writing unless `readOnly`); `size` a
   * multiple of 512. A positional descriptor is opened on `path` next to it,
   * and refused unless it is the same file.
   */
  constructor(
    private readonly file: Deno.FsFile,
    size: number,
    readonly readOnly: boolean,
    private readonly path: string,
  ) {
    this.sectorCount = size / SECTOR_SIZE;
    this.fd = this.fs.openSync(path, readOnly ? "r" : "r+");
    const a = file.statSync();
    const b = this.fs.fstatSync(this.fd);
    if (a.ino !== null && (a.ino !== b.ino || a.dev !== b.dev)) {
      this.fs.closeSync(this.fd);
      throw new Error(`drive '${path}' changed while it was being opened`);
    }
  }

  readSync(sector: number, parts: Uint8Array[]): boolean {
    let pos = sector * SECTOR_SIZE;
    try {
      if (parts.length > 1 && partsLength(parts) <= GATHER_BYTES) {
        // One host call and a copy beat a call per piece (a host call costs more than 4 KiB of copy).
        const buf = this.gather.subarray(0, partsLength(parts));
        this.preadFully(buf, pos);
        copyIntoParts(parts, 0, buf);
        return true;
      }
      for (const p of parts) {
        this.preadFully(p, pos);
        pos += p.length;
      }
    } catch (e) {
      throw this.failure(e);
    }
    return true;
  }

  writeSync(sector: number, parts: Uint8Array[]): boolean {
    if (this.readOnly) throw new BlockIoError(`${this.path} is read-only`);
    let pos = sector * SECTOR_SIZE;
    this.dirty = true;
    try {
      if (parts.length > 1 && partsLength(parts) <= GATHER_BYTES) {
        const buf = this.gather.subarray(0, partsLength(parts));
        copyFromParts(parts, 0, buf);
        this.pwriteFully(buf, pos);
        return true;
      }
      for (const p of parts) {
        this.pwriteFully(p, pos);
        pos += p.length;
      }
    } catch (e) {
      throw this.failure(e);
    }
    return true;
  }

  private preadFully(p: Uint8Array, pos: number): void {
    for (let n = 0; n < p.length;) {
      const got = this.fs.readSync(this.fd, p, n, p.length - n, pos + n);
      if (got === 0) throw new Error("the image is shorter than when it was opened");
      n += got;
    }
  }

  private pwriteFully(p: Uint8Array, pos: number): void {
    for (let n = 0; n < p.length;) n += this.fs.writeSync(this.fd, p, n, p.length - n, pos + n);
  }

  async read(sector: number, buf: Uint8Array): Promise<void> {
    const pos = sector * SECTOR_SIZE;
    try {
      for (let n = 0; n < buf.length;) {
        const got = await new Promise<number>((resolve, reject) =>
          this.fs.read(
            this.fd,
            buf,
            n,
            buf.length - n,
            pos + n,
            (e, count) => e ? reject(e) : resolve(count),
          )
        );
        if (got === 0) throw new Error("the image is shorter than when it was opened");
        n += got;
      }
    } catch (e) {
      throw this.failure(e);
    }
  }

  async write(sector: number, data: Uint8Array): Promise<void> {
    if (this.readOnly) throw new BlockIoError(`${this.path} is read-only`);
    const pos = sector * SECTOR_SIZE;
    this.dirty = true;
    try {
      for (let n = 0; n < data.length;) {
        n += await new Promise<number>((resolve, reject) =>
          this.fs.write(
            this.fd,
            data,
            n,
            data.length - n,
            pos + n,
            (e, count) => e ? reject(e) : resolve(count),
          )
        );
      }
    } catch (e) {
      throw this.failure(e);
    }
  }

  /** fdatasync when anything was written since the last one: writes completed before the call are durable after it. */
  async flush(): Promise<void> {
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    try {
      await new Promise<void>((resolve, reject) =>
        this.fs.fdatasync(this.fd, (e) => e ? reject(e) : resolve())
      );
    } catch (e) {
      this.dirty = true;
      throw this.failure(e);
    }
  }

  /** Snapshot hooks: the file is named, not carried (backends/block/disk_identity.ts). */
  saveState(w: StateWriter): void {
    saveFileIdentity(w, this.path);
  }

  loadState(r: StateReader): void {
    checkFileIdentity(r, this.path, "drive");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.fs.closeSync(this.fd);
      this.file.close();
    }
  }

  /** The gather buffer, made on first use (read-only disks of short sessions never need it). */
  private get gather(): Uint8Array {
    return this.gatherBuf ??= new Uint8Array(GATHER_BYTES);
  }

  private failure(e: unknown): BlockIoError {
    return e instanceof BlockIoError
      ? e
      : new BlockIoError(`${this.path}: ${(e as Error).message}`);
  }
}
