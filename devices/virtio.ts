/**
 * The contract between the VirtIO MMIO transport and the devices behind it
 * (console, block, net, 9p, input), plus the shared constants.
 */
import type { GuestRam } from "../core/bus.ts";
import type { StateReader, StateWriter } from "../core/snapshot/format.ts";
import type { Virtqueue } from "./virtqueue.ts";

/** Feature bits every device gets from the transport. */
export const VIRTIO_F_RING_INDIRECT_DESC = 28n;
/** used_event / avail_event: interrupts and notifications only where the other side asks. */
export const VIRTIO_F_EVENT_IDX = 29n;
export const VIRTIO_F_VERSION_1 = 32n;

/** Device status bits. */
export const STATUS_ACKNOWLEDGE = 1;
export const STATUS_DRIVER = 2;
export const STATUS_DRIVER_OK = 4;
export const STATUS_FEATURES_OK = 8;
export const STATUS_DEVICE_NEEDS_RESET = 0x40;
export const STATUS_FAILED = 0x80;

/** InterruptStatus bits. */
export const INT_USED_BUFFER = 1;
export const INT_CONFIG_CHANGE = 2;

/** What a device sees of its transport. */
export interface VirtioTransport {
  readonly ram: GuestRam;
  /** Queue q when the driver has made it ready (and it is not broken), else null. */
  queue(q: number): Virtqueue | null;
  /** Features the driver accepted (valid once FEATURES_OK is set). */
  readonly driverFeatures: bigint;
  /** Bumps ConfigGeneration and raises the config-change interrupt. */
  notifyConfigChange(): void;
  /** Logs one line about a guest error (rate limiting is the caller's business). */
  log(message: string): void;
  /**
   * The machine runs deterministically (time follows the instruction count):
   * a device completes what it can inside the notify rather than at a turn of
   * the event loop, whose timing is the host's.
   */
  readonly deterministic?: boolean;
}

/**
 * A VirtIO device, and its life: `attach` once, `queueNotify` and `reset` as
 * the driver says, `close` when the machine stops. Requests may complete asynchronously and out of order: a
 * popped `Chain` is a handle the device passes to `Virtqueue.push` whenever
 * it is done; pushes that arrive after a reset are dropped.
 */
export interface VirtioDevice {
  readonly deviceId: number;
  /** Device-specific feature bits (the transport adds VERSION_1, INDIRECT_DESC and EVENT_IDX). */
  readonly features: bigint;
  readonly numQueues: number;
  /** Reads `size` bytes at `offset` of the config space (little-endian, 0 outside). */
  configRead(offset: number, size: 1 | 2 | 4): number;
  configWrite(offset: number, size: 1 | 2 | 4, value: number): void;
  /** Called once by the transport's constructor. */
  attach(transport: VirtioTransport): void;
  /** The driver notified queue q (which is ready). */
  queueNotify(q: number): void;
  /** Status was written with DRIVER_OK set (optional). */
  driverOk?(): void;
  /** The driver reset the device: drop all queue state (in-flight chains become stale). */
  reset(): void;
  /** The machine is done: finish requests in flight and release the host side (optional). */
  close?(): Promise<void> | void;
  /**
   * Snapshot hooks (board/machine_snapshot.ts). `quiesce` resolves once no host
   * request of the device is in flight (the guest is paused, so no new one
   * starts); a save follows. `saveState` writes the device's own state (the
   * transport saves the queues); `loadState` reads it back into a device
   * opened from the same configuration, after the transport has rebuilt its
   * queues (a chain the device held is found again with Virtqueue.chainAt).
   * A device without them has no state of its own to keep.
   */
  quiesce?(): Promise<void>;
  saveState?(w: StateWriter): void;
  loadState?(r: StateReader): void;
}

/** Reads a little-endian field of a config-space byte array (0 outside it). */
export function configBytesRead(bytes: Uint8Array, offset: number, size: 1 | 2 | 4): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) {
    const at = offset + i;
    v = v * 256 + (at >= 0 && at < bytes.length ? bytes[at] : 0);
  }
  return v;
}
