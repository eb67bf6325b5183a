/**
 * VirtIO block device (device id 2, VirtIO 1.2 §5.2) over a BlockBackend.
 * Every request is answered: reads, writes, flush, get-ID, discard and write
 * zeroes are served; other types get UNSUPP; malformed requests get IOERR.
 * Reads and writes a local backend can serve synchronously complete inside
 * the notify, straight between host file and guest memory; the others run
 * concurrently and complete in whatever order the backend finishes them. A
 * FLUSH waits for the writes submitted before it (a synchronous one is
 * finished by then).
 */
import {
  quotedFromFile,
  SnapshotError,
  type StateReader,
  type StateWriter,
} from "../core/snapshot/format.ts";
import type { Chain, Virtqueue } from "./virtqueue.ts";
import { type BlockBackend, SECTOR_SIZE } from "./block_backend.ts";
import { configBytesRead, type VirtioDevice, type VirtioTransport } from "./virtio.ts";

export const VIRTIO_ID_BLOCK = 2;

export const VIRTIO_BLK_F_SIZE_MAX = 1n;
export const VIRTIO_BLK_F_SEG_MAX = 2n;
export const VIRTIO_BLK_F_RO = 5n;
export const VIRTIO_BLK_F_BLK_SIZE = 6n;
export const VIRTIO_BLK_F_FLUSH = 9n;
export const VIRTIO_BLK_F_DISCARD = 13n;
export const VIRTIO_BLK_F_WRITE_ZEROES = 14n;

export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_T_DISCARD = 11;
export const VIRTIO_BLK_T_WRITE_ZEROES = 13;

export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

/** The serial number GET_ID returns is at most this long (not NUL-terminated when full). */
export const VIRTIO_BLK_ID_BYTES = 20;
const HEADER_BYTES = 16;
const SEGMENT_BYTES = 16;
const WRITE_ZEROES_FLAG_UNMAP = 1;

/** Limits announced in the config space (the driver never exceeds them). */
export const SEG_MAX = 254; // a 256-entry queue minus header and status
export const SIZE_MAX = 1 << 20;
export const MAX_DISCARD_SECTORS = 1 << 16;
export const MAX_DISCARD_SEG = 16;
/** Longest data part of one request; longer ones (impossible for a driver honouring SEG_MAX × SIZE_MAX) get IOERR. */
export const MAX_REQUEST_BYTES = SEG_MAX * SIZE_MAX;
/** Data moves between guest RAM and the backend in pieces of this size (bounded host memory). */
const CHUNK = 1 << 20;
const ZEROES = new Uint8Array(CHUNK);

export interface VirtioBlockOptions {
  /** What GET_ID answers (/sys/block/vdX/serial); UTF-8, cut to 20 bytes. */
  serial?: string;
  /** Names the drive in host messages. */
  name?: string;
  /** Where host I/O errors go (default console.error); printed once per device. */
  log?: (message: string) => void;
}

export class VirtioBlock implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly features: bigint;
  readonly numQueues = 1;
  private readonly config = new Uint8Array(60);
  private readonly serial = new Uint8Array(VIRTIO_BLK_ID_BYTES);
  private transport: VirtioTransport | null = null;
  /** Every request not yet answered (close waits for them). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Requests that change the disk (a FLUSH waits for those submitted before it). */
  private readonly changing = new Set<Promise<void>>();
  private readonly name: string;
  private readonly log: (message: string) => void;
  private hostErrorReported = false;
  private guestErrorReported = false;
  private readonly headerBytes = new Uint8Array(HEADER_BYTES);
  private readonly headerView = new DataView(this.headerBytes.buffer);
  private readonly statusByte = new Uint8Array(1);

  constructor(readonly backend: BlockBackend, options: VirtioBlockOptions = {}) {
    this.name = options.name ?? "virtio-blk";
    this.log = options.log ?? ((m) => console.error(`demu: ${m}`));
    this.serial.set(new TextEncoder().encode(options.serial ?? "").subarray(0, 20));
    let f = (1n << VIRTIO_BLK_F_SIZE_MAX) | (1n << VIRTIO_BLK_F_SEG_MAX) |
      (1n << VIRTIO_BLK_F_BLK_SIZE) | (1n << VIRTIO_BLK_F_FLUSH);
    if (backend.readOnly) f |= 1n << VIRTIO_BLK_F_RO;
    else f |= (1n << VIRTIO_BLK_F_DISCARD) | (1n << VIRTIO_BLK_F_WRITE_ZEROES);
    this.features = f;
    const v = new DataView(this.config.buffer);
    const cap = backend.sectorCount;
    v.setUint32(0, cap % 2 ** 32, true);
    v.setUint32(4, Math.floor(cap / 2 ** 32), true);
    v.setUint32(8, SIZE_MAX, true);
    v.setUint32(12, SEG_MAX, true);
    v.setUint32(20, SECTOR_SIZE, true);
    v.setUint32(36, MAX_DISCARD_SECTORS, true);
    v.setUint32(40, MAX_DISCARD_SEG, true);
    v.setUint32(44, 4096 / SECTOR_SIZE, true); // discard granularity: the snapshot overlay's block
    v.setUint32(48, MAX_DISCARD_SECTORS, true);
    v.setUint32(52, MAX_DISCARD_SEG, true);
  }

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    return configBytesRead(this.config, offset, size);
  }

  configWrite(): void {
    // Nothing in the block config space is writable without CONFIG_WCE.
  }

  queueNotify(q: number): void {
    const vq = q === 0 ? this.transport?.queue(0) : null;
    if (!vq) return;
    for (let chain = vq.pop(); chain; chain = vq.pop()) this.start(vq, chain);
  }

  reset(): void {
    // Requests in flight finish on the host; their answers are dropped by the stale queue.
  }

  /**
   * Snapshot hooks (devices/virtio.ts): requests finish and the disk is
   * flushed first, so a file the snapshot names holds what the guest wrote;
   * the disk's state is the backend's.
   */
  async quiesce(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    await this.backend.flush();
  }

  saveState(w: StateWriter): void {
    w.f64(this.backend.sectorCount);
    w.str(this.kind);
    if (!this.backend.saveState) {
      throw new Error(`${this.name}: this kind of disk cannot be saved in a snapshot`);
    }
    this.backend.saveState(w);
  }

  loadState(r: StateReader): void {
    if (r.f64() !== this.backend.sectorCount) {
      throw new SnapshotError(`${this.name} is not the size it had in the snapshot`);
    }
    const kind = r.str();
    if (kind !== this.kind) {
      throw new SnapshotError(
        `${this.name} was ${
          quotedFromFile(kind)
        } when saved and is ${this.kind} now (--sandbox makes disks snapshots)`,
      );
    }
    if (!this.backend.loadState) {
      throw new SnapshotError(`${this.name}: this kind of disk cannot be restored`);
    }
    this.backend.loadState(r);
  }

  /** How the disk is opened, as a snapshot records it (its state's layout depends on it). */
  private get kind(): string {
    const name = this.backend.constructor.name;
    const kind = name === "SnapshotBackend"
      ? "a snapshot disk"
      : name === "HttpBackend"
      ? "an HTTP image"
      : `a ${name.replace(/Backend$/, "").toLowerCase()} disk`;
    return `${kind}${this.backend.readOnly ? " (read-only)" : ""}`;
  }

  /** Waits for every request in flight, then flushes and closes the backend. */
  async close(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    try {
      await this.backend.close();
    } catch (e) {
      this.hostError(e);
    }
  }

  /** Number of requests the device is still working on (for tests). */
  get pending(): number {
    return this.inFlight.size;
  }

  private start(vq: Virtqueue, chain: Chain): void {
    const type = chain.readLength >= 4 ? this.header(vq, chain).type : -1;
    if (
      (type === VIRTIO_BLK_T_IN || type === VIRTIO_BLK_T_OUT) && this.answerNow(vq, chain, type)
    ) {
      return;
    }
    const changes = type === VIRTIO_BLK_T_OUT || type === VIRTIO_BLK_T_DISCARD ||
      type === VIRTIO_BLK_T_WRITE_ZEROES;
    // Snapshot the writes a FLUSH must wait for before this request joins them.
    const before = type === VIRTIO_BLK_T_FLUSH ? [...this.changing] : [];
    const p = this.answer(vq, chain, before).finally(() => {
      this.inFlight.delete(p);
      this.changing.delete(p);
    });
    this.inFlight.add(p);
    if (changes) this.changing.add(p);
  }

  private header(vq: Virtqueue, chain: Chain): { type: number; sector: number } {
    const h = this.headerBytes.fill(0);
    vq.copyFrom(chain, 0, h);
    const v = this.headerView;
    const lo = v.getUint32(8, true);
    const hi = v.getUint32(12, true);
    // Sectors past 2^53 cannot be exact numbers; they are past any capacity anyway.
    return { type: v.getUint32(0, true), sector: hi < 0x200000 ? hi * 2 ** 32 + lo : Infinity };
  }

  /**
   * Serves a well-formed read or write at once when the backend can do it
   * synchronously: the data moves between the host file and the guest's
   * buffers in place, and the request completes inside the notify. False
   * leaves it to the asynchronous path (which also answers malformed ones).
   */
  private answerNow(vq: Virtqueue, chain: Chain, type: number): boolean {
    const b = this.backend;
    const read = type === VIRTIO_BLK_T_IN;
    if (read ? !b.readSync : !b.writeSync || b.readOnly) return false;
    if (chain.writeLength < 1 || chain.readLength < HEADER_BYTES) return false;
    const bytes = read ? chain.writeLength - 1 : chain.readLength - HEADER_BYTES;
    const { sector } = this.header(vq, chain);
    if (
      bytes % SECTOR_SIZE !== 0 || bytes > MAX_REQUEST_BYTES ||
      sector + bytes / SECTOR_SIZE > b.sectorCount
    ) return false;
    let status = VIRTIO_BLK_S_OK;
    try {
      const served = read
        ? b.readSync!(sector, vq.views(chain, true, 0, bytes))
        : b.writeSync!(sector, vq.views(chain, false, HEADER_BYTES, bytes));
      if (!served) return false;
    } catch (e) {
      this.hostError(e);
      status = VIRTIO_BLK_S_IOERR;
    }
    this.statusByte[0] = status;
    vq.copyTo(chain, chain.writeLength - 1, this.statusByte);
    vq.push(chain, (read && status === VIRTIO_BLK_S_OK ? bytes : 0) + 1);
    return true;
  }

  /** Serves one request and completes its chain; never rejects. */
  private async answer(vq: Virtqueue, chain: Chain, before: Promise<void>[]): Promise<void> {
    if (chain.writeLength < 1) {
      this.guestError("request without a writable status byte");
      vq.push(chain, 0);
      return;
    }
    const dataIn = chain.writeLength - 1; // bytes before the status byte
    let status: number;
    let written = 0;
    try {
      if (chain.readLength < HEADER_BYTES) {
        this.guestError(`request header of ${chain.readLength} bytes`);
        status = VIRTIO_BLK_S_IOERR;
      } else {
        const { type, sector } = this.header(vq, chain);
        const dataOut = chain.readLength - HEADER_BYTES;
        switch (type) {
          case VIRTIO_BLK_T_IN:
            [status, written] = await this.read(vq, chain, sector, dataIn);
            break;
          case VIRTIO_BLK_T_OUT:
            status = await this.write(vq, chain, sector, dataOut);
            break;
          case VIRTIO_BLK_T_FLUSH:
            await Promise.all(before);
            await this.backend.flush();
            status = VIRTIO_BLK_S_OK;
            break;
          case VIRTIO_BLK_T_GET_ID:
            written = this.copyTo(vq, chain, 0, this.serial.subarray(0, dataIn));
            status = VIRTIO_BLK_S_OK;
            break;
          case VIRTIO_BLK_T_DISCARD:
          case VIRTIO_BLK_T_WRITE_ZEROES:
            status = await this.ranges(vq, chain, type, dataOut);
            break;
          default:
            status = VIRTIO_BLK_S_UNSUPP;
        }
      }
    } catch (e) {
      this.hostError(e);
      status = VIRTIO_BLK_S_IOERR;
    }
    this.copyTo(vq, chain, dataIn, new Uint8Array([status]));
    vq.push(chain, written + 1);
  }

  /** Checks a data transfer of `bytes` at `sector`; returns a status when it is refused. */
  private refuse(sector: number, bytes: number, what: string): number | null {
    if (bytes % SECTOR_SIZE !== 0 || bytes > MAX_REQUEST_BYTES) {
      this.guestError(`${what} of ${bytes} bytes`);
      return VIRTIO_BLK_S_IOERR;
    }
    if (sector + bytes / SECTOR_SIZE > this.backend.sectorCount) {
      this.guestError(`${what} past the end of the disk (sector ${sector})`);
      return VIRTIO_BLK_S_IOERR;
    }
    return null;
  }

  private async read(
    vq: Virtqueue,
    chain: Chain,
    sector: number,
    bytes: number,
  ): Promise<[number, number]> {
    const refused = this.refuse(sector, bytes, "read");
    if (refused !== null) return [refused, 0];
    const buf = new Uint8Array(Math.min(bytes, CHUNK));
    let done = 0;
    while (done < bytes) {
      const piece = buf.subarray(0, Math.min(CHUNK, bytes - done));
      await this.backend.read(sector + done / SECTOR_SIZE, piece);
      done += this.copyTo(vq, chain, done, piece);
    }
    return [VIRTIO_BLK_S_OK, done];
  }

  private async write(vq: Virtqueue, chain: Chain, sector: number, bytes: number) {
    if (this.backend.readOnly) return VIRTIO_BLK_S_IOERR;
    const refused = this.refuse(sector, bytes, "write");
    if (refused !== null) return refused;
    let done = 0;
    while (done < bytes) {
      const piece = new Uint8Array(Math.min(CHUNK, bytes - done));
      vq.copyFrom(chain, HEADER_BYTES + done, piece);
      await this.backend.write(sector + done / SECTOR_SIZE, piece);
      done += piece.length;
    }
    return VIRTIO_BLK_S_OK;
  }

  /** DISCARD and WRITE_ZEROES: a list of {sector u64, num_sectors u32, flags u32}. */
  private async ranges(vq: Virtqueue, chain: Chain, type: number, bytes: number) {
    if (this.backend.readOnly) return VIRTIO_BLK_S_IOERR;
    const what = type === VIRTIO_BLK_T_DISCARD ? "discard" : "write-zeroes";
    if (bytes === 0 || bytes % SEGMENT_BYTES !== 0 || bytes / SEGMENT_BYTES > MAX_DISCARD_SEG) {
      this.guestError(`${what} payload of ${bytes} bytes`);
      return VIRTIO_BLK_S_IOERR;
    }
    const raw = new Uint8Array(bytes);
    vq.copyFrom(chain, HEADER_BYTES, raw);
    const v = new DataView(raw.buffer);
    const list: [number, number][] = [];
    for (let at = 0; at < bytes; at += SEGMENT_BYTES) {
      const hi = v.getUint32(at + 4, true);
      const sector = hi < 0x200000 ? hi * 2 ** 32 + v.getUint32(at, true) : Infinity;
      const count = v.getUint32(at + 8, true);
      const flags = v.getUint32(at + 12, true);
      // The unmap flag only means something for write zeroes; other bits are reserved.
      const allowed = type === VIRTIO_BLK_T_WRITE_ZEROES ? WRITE_ZEROES_FLAG_UNMAP : 0;
      if (flags & ~allowed) return VIRTIO_BLK_S_UNSUPP;
      if (count > MAX_DISCARD_SECTORS || sector + count > this.backend.sectorCount) {
        this.guestError(`${what} of ${count} sectors at ${sector}`);
        return VIRTIO_BLK_S_IOERR;
      }
      list.push([sector, count]);
    }
    for (const [sector, count] of list) {
      if (type === VIRTIO_BLK_T_DISCARD) {
        await this.backend.discard?.(sector, count);
        continue;
      }
      for (let done = 0; done < count;) {
        const n = Math.min(CHUNK / SECTOR_SIZE, count - done);
        await this.backend.write(sector + done, ZEROES.subarray(0, n * SECTOR_SIZE));
        done += n;
      }
    }
    return VIRTIO_BLK_S_OK;
  }

  /** Copies into the chain unless the driver reset the device meanwhile (its buffers may be reused). */
  private copyTo(vq: Virtqueue, chain: Chain, offset: number, data: Uint8Array): number {
    if (!vq.active || vq.broken) return 0;
    return vq.copyTo(chain, offset, data);
  }

  private hostError(e: unknown): void {
    if (this.hostErrorReported) return;
    this.hostErrorReported = true;
    const message = e instanceof Error ? e.message : String(e);
    this.log(
      `${this.name}: host I/O error, the guest gets IOERR: ${message} (further errors not printed)`,
    );
  }

  private guestError(message: string): void {
    if (this.guestErrorReported) return;
    this.guestErrorReported = true;
    this.transport?.log(`${this.name}: ${message}; further guest errors not logged`);
  }
}
