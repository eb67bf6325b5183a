/**
 * The host side of a block device: a disk of 512-byte sectors that reads and
 * writes asynchronously. Files, snapshots and HTTP images implement it in
 * `backends/`; the VirtIO block device only ever sees this interface.
 */

import type { StateReader, StateWriter } from "../core/snapshot/format.ts";

export const SECTOR_SIZE = 512;

export interface BlockBackend {
  /** Disk size in sectors. */
  readonly sectorCount: number;
  /** Writes would be refused: the guest is told the disk is read-only. */
  readonly readOnly: boolean;
  /** Fills `buf` (a multiple of 512 bytes) from `sector` on. Rejects on a host error. */
  read(sector: number, buf: Uint8Array): Promise<void>;
  /** Writes `data` (a multiple of 512 bytes) at `sector`. Rejects on a host error. */
  write(sector: number, data: Uint8Array): Promise<void>;
  /**
   * Optional fast path: fills `parts` (consecutive pieces of one buffer, e.g.
   * guest memory views, together a multiple of 512 bytes) from `sector` on,
   * synchronously. Returns false when it cannot right now (the caller then
   * uses `read`); throws BlockIoError on a host error. Offered by backends
   * whose data is local, so a request is answered without a bounce copy or
   * a trip through the event loop.
   */
  readSync?(sector: number, parts: Uint8Array[]): boolean;
  /** The same for writes: stores `parts` at `sector`, or returns false. */
  writeSync?(sector: number, parts: Uint8Array[]): boolean;
  /** Resolves once every completed write is durable on the host (fdatasync). */
  flush(): Promise<void>;
  /** The guest no longer needs these sectors (their content becomes unspecified); optional. */
  discard?(sector: number, count: number): Promise<void>;
  /** Flushes and releases the host resources; the backend is unusable afterwards. */
  close(): Promise<void>;
  /**
   * Snapshot hooks (called with no request in flight): what identifies the
   * disk's content, e.g. a file's path, size and modification time, plus any
   * content the snapshot must carry (a snapshot disk's changed blocks).
   * `loadState` refuses, with a SnapshotError, a disk that is not the same.
   */
  saveState?(w: StateWriter): void;
  loadState?(r: StateReader): void;
}

/** A host-side failure of a backend, reported once and turned into IOERR for the guest. */
export class BlockIoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BlockIoError";
  }
}
