/**
 * VirtIO network device (device id 1): queue 0 receives frames for the
 * guest, queue 1 transmits the guest's frames to an EthernetBackend. Offers
 * MAC, STATUS (link state) and MRG_RXBUF; no checksum or segmentation
 * offload, so every frame is a plain, fully checksummed Ethernet frame.
 */
import type { EthernetBackend, EthernetPort } from "./ethernet_backend.ts";
import { configBytesRead, type VirtioDevice, type VirtioTransport } from "./virtio.ts";
import type { Chain } from "./virtqueue.ts";

export const VIRTIO_ID_NET = 1;
export const VIRTIO_NET_F_MAC = 5n;
export const VIRTIO_NET_F_MRG_RXBUF = 15n;
export const VIRTIO_NET_F_STATUS = 16n;
const STATUS_LINK_UP = 1;
const RECEIVEQ = 0;
const TRANSMITQ = 1;
/** virtio_net_hdr with num_buffers: its size whenever VERSION_1 is negotiated. */
export const NET_HDR_SIZE = 12;
/** Largest frame accepted either way (no GSO offered: one MTU plus headers, with slack). */
export const MAX_FRAME = 65535;
/** Frames kept while the guest posts no receive buffers; beyond these, frames are dropped. */
export const RX_QUEUE_FRAMES = 512;
export const RX_QUEUE_BYTES = 1024 * 1024;

export const DEFAULT_MAC = new Uint8Array([0x02, 0, 0, 0, 0, 0x01]);

/** Parses "02:00:00:00:00:01"; throws on anything else. */
export function parseMac(text: string): Uint8Array {
  const parts = text.split(":");
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new Error(`bad MAC address '${text}' (expected six hex pairs like 02:00:00:00:00:01)`);
  }
  return new Uint8Array(parts.map((p) => parseInt(p, 16)));
}

export interface VirtioNetOptions {
  mac?: Uint8Array;
}

export class VirtioNet implements VirtioDevice, EthernetPort {
  readonly deviceId = VIRTIO_ID_NET;
  readonly features = (1n << VIRTIO_NET_F_MAC) | (1n << VIRTIO_NET_F_STATUS) |
    (1n << VIRTIO_NET_F_MRG_RXBUF);
  readonly numQueues = 2;
  readonly mac: Uint8Array;
  /** Config: mac[6], status u16. */
  private readonly config = new Uint8Array(8);
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Receive chains popped for a frame that did not fit yet (mergeable buffers). */
  private held: Chain[] = [];
  private transport: VirtioTransport | null = null;
  /** Frames dropped because the receive queue was full (for tests and diagnostics). */
  dropped = 0;

  constructor(private readonly backend: EthernetBackend, options: VirtioNetOptions = {}) {
    this.mac = (options.mac ?? DEFAULT_MAC).slice(0, 6);
    this.config.set(this.mac, 0);
    this.config[6] = STATUS_LINK_UP;
    backend.attach(this);
  }

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    return configBytesRead(this.config, offset, size);
  }

  configWrite(): void {
    // The MAC is writable only with legacy drivers; everything here is read-only.
  }

  /** Carrier state: the guest sees the link go up or down. */
  setLink(up: boolean): void {
    this.config[6] = up ? STATUS_LINK_UP : 0;
    this.transport?.notifyConfigChange();
  }

  queueNotify(q: number): void {
    if (q === TRANSMITQ) this.transmit();
    else if (q === RECEIVEQ) this.deliver();
  }

  driverOk(): void {
    this.deliver();
  }

  reset(): void {
    // Held chains belong to the old queues; frames still waiting go to the next driver.
    this.held = [];
  }

  close(): Promise<void> | void {
    return this.backend.close?.();
  }

  receive(frame: Uint8Array): boolean {
    if (frame.length < 14 || frame.length > MAX_FRAME) return false;
    if (
      this.pending.length >= RX_QUEUE_FRAMES ||
      this.pendingBytes + frame.length > RX_QUEUE_BYTES
    ) {
      this.dropped++;
      return false;
    }
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    this.deliver();
    return true;
  }

  /** Frames waiting for guest receive buffers. */
  get queued(): number {
    return this.pending.length;
  }

  private transmit(): void {
    const vq = this.transport?.queue(TRANSMITQ);
    if (!vq) return;
    for (let chain = vq.pop(); chain; chain = vq.pop()) {
      const data = vq.readAll(chain, NET_HDR_SIZE + MAX_FRAME);
      vq.push(chain, 0);
      if (data.length >= NET_HDR_SIZE + 14) this.backend.send(data.slice(NET_HDR_SIZE));
    }
  }

  private deliver(): void {
    const vq = this.transport?.queue(RECEIVEQ);
    if (!vq) return;
    const mergeable = (this.transport!.driverFeatures & (1n << VIRTIO_NET_F_MRG_RXBUF)) !== 0n;
    while (this.pending.length > 0) {
      const frame = this.pending[0];
      const need = NET_HDR_SIZE + frame.length;
      let have = this.held.reduce((n, c) => n + c.writeLength, 0);
      while (have < need && (mergeable || this.held.length === 0)) {
        const c = vq.pop();
        if (!c) return; // wait for more buffers; the frame stays queued
        if (c.writeLength < NET_HDR_SIZE) {
          vq.push(c, 0);
          continue;
        }
        this.held.push(c);
        have += c.writeLength;
      }
      this.pending.shift();
      this.pendingBytes -= frame.length;
      const chains = this.held;
      this.held = [];
      if (have < need) {
        // A single non-mergeable buffer too small for the frame: drop the frame, not the buffer.
        this.held = chains;
        this.dropped++;
        continue;
      }
      const hdr = new Uint8Array(NET_HDR_SIZE);
      new DataView(hdr.buffer).setUint16(10, chains.length, true);
      const bytes = new Uint8Array(need);
      bytes.set(hdr, 0);
      bytes.set(frame, NET_HDR_SIZE);
      let off = 0;
      for (const c of chains) {
        const n = vq.copyTo(c, 0, bytes.subarray(off));
        off += n;
        vq.push(c, n);
      }
    }
  }
}
