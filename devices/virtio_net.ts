/**
 * VirtIO network device (device id 1): queue 0 receives frames for the
 * guest, queue 1 transmits the guest's frames to an EthernetBackend. Offers
 * MAC, STATUS (link state) and MRG_RXBUF, and on the receive side GUEST_CSUM
 * and GUEST_TSO4: a backend may hand over frames whose checksums it vouches
 * for or leaves partial for the guest (NEEDS_CSUM), and large TCP frames
 * (one guest packet instead of dozens, which is what an interpreted guest
 * pays for). With a backend that takes them, the guest may send large TCP
 * frames with the checksum left to the host (CSUM, HOST_TSO4); a backend
 * that ends TCP itself gets those unsummed, others get them completed.
 *
 * Transmitted frames go to the backend at once, but their chains are
 * completed (and the guest interrupted) once the emulator yields to the event
 * loop: until then Linux sees its earlier frames still queued in the device,
 * and its TCP gathers the program's next writes into one large frame
 * (autocorking) instead of sending each 8 KiB write as a frame of its own.
 * A deterministic machine has them completed at once (the event loop's
 * timing is the host's).
 */
import type { EthernetBackend, EthernetPort, ReceiveOffload } from "./ethernet_backend.ts";
import { configBytesRead, type VirtioDevice, type VirtioTransport } from "./virtio.ts";
import type { Chain, Virtqueue } from "./virtqueue.ts";
import { SnapshotError, type StateReader, type StateWriter } from "../core/snapshot/format.ts";

/** How long the link stays down after a restore, so the guest notices the new host side. */
const RESTORE_LINK_DOWN_MS = 500;

export const VIRTIO_ID_NET = 1;
export const VIRTIO_NET_F_CSUM = 0n;
export const VIRTIO_NET_F_GUEST_CSUM = 1n;
export const VIRTIO_NET_F_HOST_TSO4 = 11n;
export const VIRTIO_NET_F_GUEST_TSO4 = 7n;
export const VIRTIO_NET_F_MAC = 5n;
export const VIRTIO_NET_F_MRG_RXBUF = 15n;
export const VIRTIO_NET_F_STATUS = 16n;
const STATUS_LINK_UP = 1;
const HDR_F_NEEDS_CSUM = 1;
const HDR_F_DATA_VALID = 2;
const HDR_GSO_TCPV4 = 1;
const RECEIVEQ = 0;
const TRANSMITQ = 1;
/** virtio_net_hdr with num_buffers: its size whenever VERSION_1 is negotiated. */
export const NET_HDR_SIZE = 12;
/** Largest frame accepted either way: an Ethernet header and the largest IPv4 packet. */
export const MAX_FRAME = 14 + 65535;
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

/**
 * Fills in a checksum left partial (VIRTIO_NET_HDR_F_NEEDS_CSUM): the ones'
 * complement sum from `start` to the end, stored at start + offset. False
 * when those offsets do not fit the frame.
 */
export function completeChecksum(frame: Uint8Array, start: number, offset: number): boolean {
  const at = start + offset;
  if (start >= frame.length || at + 2 > frame.length) return false;
  let sum = 0;
  const n = frame.length;
  let i = start;
  for (; i + 1 < n; i += 2) sum += (frame[i] << 8) | frame[i + 1];
  if (i < n) sum += frame[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  const c = ~sum & 0xffff;
  frame[at] = c >> 8;
  frame[at + 1] = c & 0xff;
  return true;
}

/** True when a partial checksum is a TCP/IPv4 one at its usual place. */
function isTcpChecksum(frame: Uint8Array, start: number, offset: number): boolean {
  return frame.length >= 34 && frame[12] === 8 && frame[13] === 0 && frame[23] === 6 &&
    start === 14 + (frame[14] & 0xf) * 4 && offset === 16;
}

export interface VirtioNetOptions {
  mac?: Uint8Array;
}

export class VirtioNet implements VirtioDevice, EthernetPort {
  readonly deviceId = VIRTIO_ID_NET;
  readonly features: bigint;
  readonly numQueues = 2;
  readonly mac: Uint8Array;
  /** Config: mac[6], status u16. */
  private readonly config = new Uint8Array(8);
  private pending: { frame: Uint8Array; hdr: Uint8Array }[] = [];
  private pendingBytes = 0;
  /** Receive chains popped for a frame that did not fit yet (mergeable buffers). */
  private held: Chain[] = [];
  /** Raises the link again after a restore (loadState). */
  private linkTimer: ReturnType<typeof setTimeout> | undefined;
  /** Transmitted chains not yet completed (at most a queue's worth: see transmit). */
  private sent: Chain[] = [];
  private transport: VirtioTransport | null = null;
  /** Frames dropped because the receive queue was full (for tests and diagnostics). */
  dropped = 0;

  constructor(private readonly backend: EthernetBackend, options: VirtioNetOptions = {}) {
    this.mac = (options.mac ?? DEFAULT_MAC).slice(0, 6);
    this.config.set(this.mac, 0);
    this.config[6] = STATUS_LINK_UP;
    this.features = (1n << VIRTIO_NET_F_MAC) | (1n << VIRTIO_NET_F_STATUS) |
      (1n << VIRTIO_NET_F_MRG_RXBUF) | (1n << VIRTIO_NET_F_GUEST_CSUM) |
      (1n << VIRTIO_NET_F_GUEST_TSO4);
    // Transmit offload: the guest leaves the TCP/UDP checksum to us (we fill it in) and may send
    // TCP frames up to 64 KiB, which only a backend that takes large frames can use.
    if (backend.acceptsLargeFrames) {
      this.features |= (1n << VIRTIO_NET_F_CSUM) | (1n << VIRTIO_NET_F_HOST_TSO4);
    }
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
    // Held and sent chains belong to the old queues; frames still waiting go to the next driver.
    this.held = [];
    this.sent = [];
  }

  /** Snapshot hook: the transmitted chains are completed before the queues are saved. */
  quiesce(): Promise<void> {
    this.completeSent();
    return Promise.resolve();
  }

  close(): Promise<void> | void {
    clearTimeout(this.linkTimer); // a machine closed just after a restore leaves no timer behind
    return this.backend.close?.();
  }

  get partialChecksum(): boolean {
    const f = this.transport?.driverFeatures ?? 0n;
    return (f & (1n << VIRTIO_NET_F_GUEST_CSUM)) !== 0n;
  }

  /**
   * Snapshot hooks (devices/virtio.ts): the receive buffers held for a frame.
   * Frames not yet delivered belong to host connections, which cannot be
   * saved: they are dropped, and on restore the link goes down and comes back
   * up, so the guest renews what it knows of the new host side (its own
   * address stays; its TCP connections are reset by the new NAT).
   */
  saveState(w: StateWriter): void {
    w.u32(this.held.length);
    for (const c of this.held) w.u32(c.head);
  }

  loadState(r: StateReader): void {
    const n = r.u32();
    const vq = this.transport?.queue(RECEIVEQ);
    // A device holds each receive chain at most once: more than the queue has is a damaged file.
    if (vq && n > vq.size) {
      throw new SnapshotError("the snapshot's held receive buffers are damaged");
    }
    this.held = [];
    const heads = new Set<number>();
    for (let i = 0; i < n; i++) {
      const head = r.u32();
      if (heads.has(head)) {
        throw new SnapshotError("the snapshot's held receive buffers are damaged");
      }
      heads.add(head);
      if (vq) this.held.push(vq.chainAt(head));
    }
    this.setLink(false);
    clearTimeout(this.linkTimer);
    this.linkTimer = setTimeout(() => this.setLink(true), RESTORE_LINK_DOWN_MS);
  }

  get largeTcp(): boolean {
    const f = this.transport?.driverFeatures ?? 0n;
    return (f & (1n << VIRTIO_NET_F_GUEST_TSO4)) !== 0n &&
      (f & (1n << VIRTIO_NET_F_MRG_RXBUF)) !== 0n;
  }

  receive(frame: Uint8Array, offload: ReceiveOffload = {}): boolean {
    if (frame.length < 14 || frame.length > MAX_FRAME) return false;
    const hdr = this.header(frame, offload);
    if (!hdr) return false;
    if (
      this.pending.length >= RX_QUEUE_FRAMES ||
      this.pendingBytes + frame.length > RX_QUEUE_BYTES
    ) {
      this.dropped++;
      return false;
    }
    this.pending.push({ frame, hdr });
    this.pendingBytes += frame.length;
    this.deliver();
    return true;
  }

  /** The virtio_net_hdr for a frame (num_buffers filled in later), or null if it cannot go. */
  private header(frame: Uint8Array, offload: ReceiveOffload): Uint8Array | null {
    const hdr = new Uint8Array(NET_HDR_SIZE);
    const v = new DataView(hdr.buffer);
    const f = this.transport?.driverFeatures ?? 0n;
    const guestCsum = (f & (1n << VIRTIO_NET_F_GUEST_CSUM)) !== 0n;
    const partial = offload.partialChecksum;
    if (partial) {
      if (guestCsum) {
        hdr[0] = HDR_F_NEEDS_CSUM;
        v.setUint16(6, partial.start, true);
        v.setUint16(8, partial.offset, true);
      } else if (!completeChecksum(frame, partial.start, partial.offset)) return null;
    } else if (offload.checksummed && guestCsum) {
      hdr[0] = HDR_F_DATA_VALID;
    }
    if (offload.gsoSize && frame.length > 1514) {
      // Only an IPv4/TCP frame with a driver that takes large frames.
      const ihl = (frame[14] & 0xf) * 4;
      if (!this.largeTcp || frame[12] !== 8 || frame[13] !== 0 || frame[23] !== 6) return null;
      const hdrLen = 14 + ihl + (frame[14 + ihl + 12] >> 4) * 4;
      if (!partial) hdr[0] = HDR_F_DATA_VALID;
      hdr[1] = HDR_GSO_TCPV4;
      v.setUint16(2, hdrLen, true);
      v.setUint16(4, offload.gsoSize, true);
    }
    return hdr;
  }

  /** Frames waiting for guest receive buffers. */
  get queued(): number {
    return this.pending.length;
  }

  private transmit(): void {
    const vq = this.transport?.queue(TRANSMITQ);
    if (!vq) return;
    for (let chain = vq.pop(); chain; chain = vq.pop()) {
      // One copy out of guest memory; the frame is a view of it (the backend may keep it).
      const data = vq.readAll(chain, NET_HDR_SIZE + MAX_FRAME);
      // More than a queue's worth waiting means the guest reuses descriptors it was never given
      // back: those waiting are completed now, so a flood of notifies holds no more than that.
      if (this.sent.length >= vq.size) this.completeSent();
      if (this.transport!.deterministic) vq.push(chain, 0);
      else if (this.sent.push(chain) === 1) setImmediate(() => this.completeSent());
      if (data.length < NET_HDR_SIZE + 14) continue;
      const frame = data.subarray(NET_HDR_SIZE);
      if (data[0] & HDR_F_NEEDS_CSUM) {
        const v = new DataView(data.buffer, data.byteOffset, NET_HDR_SIZE);
        const start = v.getUint16(6, true);
        const offset = v.getUint16(8, true);
        if (this.backend.acceptsPartialChecksum && isTcpChecksum(frame, start, offset)) {
          this.backend.send(frame, { checksumLeftToHost: true });
          continue;
        }
        if (!completeChecksum(frame, start, offset)) continue;
      }
      this.backend.send(frame);
    }
  }

  /** Completes the transmitted chains, in order, with one interrupt for all of them. */
  private completeSent(): void {
    const chains = this.sent;
    if (chains.length === 0) return;
    this.sent = [];
    // Each on its own queue (a driver may have set the queue up anew meanwhile).
    const queues = new Set(chains.map((c) => c.queue));
    for (const q of queues) q.beginBatch();
    for (const c of chains) c.queue.push(c, 0);
    for (const q of queues) q.endBatch();
  }

  private deliver(): void {
    const vq = this.transport?.queue(RECEIVEQ);
    if (!vq) return;
    // Every frame placed in this call costs the guest one interrupt at most.
    vq.beginBatch();
    try {
      this.fill(vq);
    } finally {
      vq.endBatch();
    }
  }

  private fill(vq: Virtqueue): void {
    const mergeable = (this.transport!.driverFeatures & (1n << VIRTIO_NET_F_MRG_RXBUF)) !== 0n;
    while (this.pending.length > 0) {
      const { frame, hdr } = this.pending[0];
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
      new DataView(hdr.buffer).setUint16(10, chains.length, true);
      // Header and frame go straight into the guest's buffers, spread over the chains.
      let off = 0; // bytes of header + frame placed so far
      for (const c of chains) {
        let n = 0;
        if (off < NET_HDR_SIZE) n += vq.copyTo(c, 0, hdr.subarray(off));
        n += vq.copyTo(c, n, frame.subarray(off + n - NET_HDR_SIZE));
        off += n;
        vq.push(c, n);
      }
    }
  }
}
