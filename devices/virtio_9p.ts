/**
 * VirtIO 9P transport (device id 9): one request queue, each chain one 9P
 * message in its readable buffers and room for the reply in its writable
 * ones. The mount tag sits in the config space (VIRTIO_9P_F_MOUNT_TAG). The
 * protocol itself is `P9Server`'s business.
 */
import type { StateReader, StateWriter } from "../core/snapshot/format.ts";
import type { FsBackend } from "./p9/fs.ts";
import { P9Server, type P9ServerOptions } from "./p9/server.ts";
import { configBytesRead, type VirtioDevice, type VirtioTransport } from "./virtio.ts";

export const VIRTIO_ID_9P = 9;
export const VIRTIO_9P_F_MOUNT_TAG = 0n;
/** Linux reads the tag into a buffer it sizes from tag_len; keep it reasonable. */
export const MAX_TAG_BYTES = 255;
const REQUESTQ = 0;

export class Virtio9p implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_9P;
  readonly features = 1n << VIRTIO_9P_F_MOUNT_TAG;
  readonly numQueues = 1;
  readonly server: P9Server;
  /** Config: tag_len u16, then the tag (not NUL-terminated). */
  private readonly config: Uint8Array;
  /** Where a request is copied out of the guest's buffers, made at the first request. */
  private scratchBuffer: Uint8Array | null = null;
  private transport: VirtioTransport | null = null;

  constructor(readonly tag: string, fs: FsBackend, opts: P9ServerOptions = {}) {
    const bytes = new TextEncoder().encode(tag);
    if (bytes.length === 0 || bytes.length > MAX_TAG_BYTES) {
      throw new Error(`9p mount tag must be 1..${MAX_TAG_BYTES} bytes: '${tag}'`);
    }
    this.config = new Uint8Array(2 + bytes.length);
    new DataView(this.config.buffer).setUint16(0, bytes.length, true);
    this.config.set(bytes, 2);
    this.server = new P9Server(fs, {
      ...opts,
      log: opts.log ?? ((m) => this.transport?.log(m)),
    });
  }

  private get scratch(): Uint8Array {
    return this.scratchBuffer ??= new Uint8Array(this.server.maxMsize);
  }

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    return configBytesRead(this.config, offset, size);
  }

  configWrite(): void {
    // The config space is read-only.
  }

  queueNotify(q: number): void {
    if (q !== REQUESTQ) return;
    const vq = this.transport?.queue(REQUESTQ);
    if (!vq) return;
    for (let chain = vq.pop(); chain; chain = vq.pop()) {
      // A request longer than msize is refused by the server from its header;
      // only the bytes it may look at are copied.
      const n = Math.min(chain.readLength, this.scratch.length);
      vq.copyFrom(chain, 0, this.scratch.subarray(0, n));
      const reply = this.server.handle(this.scratch.subarray(0, n), chain.writeLength);
      vq.push(chain, vq.copyTo(chain, 0, reply));
    }
  }

  reset(): void {
    this.server.reset();
  }

  /** Snapshot hooks (devices/virtio.ts): requests are answered at once; the fids are the server's. */
  saveState(w: StateWriter): void {
    this.server.saveState(w);
  }

  loadState(r: StateReader): void {
    this.server.loadState(r);
  }

  close(): void {
    this.server.reset();
  }
}
