/**
 * VirtIO MMIO transport, version 2 (VirtIO 1.2 §4.2.2). It owns the queues'
 * registers and the interrupt line, and drives one VirtioDevice. Exceptions
 * from the device are caught here and logged, so a device bug or a hostile
 * guest cannot stop the CPU loop.
 */
import type { GuestRam, IrqLine, MmioRegion } from "../core/bus.ts";
import { SnapshotError, StateReader, StateWriter } from "../core/snapshot/format.ts";
import { subMerge, subRead } from "./mmio_access.ts";
import { checkQueueConfig, Virtqueue } from "./virtqueue.ts";
import {
  INT_CONFIG_CHANGE,
  INT_USED_BUFFER,
  STATUS_DEVICE_NEEDS_RESET,
  STATUS_DRIVER_OK,
  STATUS_FEATURES_OK,
  VIRTIO_F_EVENT_IDX,
  VIRTIO_F_RING_INDIRECT_DESC,
  VIRTIO_F_VERSION_1,
  type VirtioDevice,
  type VirtioTransport,
} from "./virtio.ts";

export const VIRTIO_MMIO_MAGIC = 0x74726976;
export const VIRTIO_VENDOR_ID = 0xffff;
export const QUEUE_SIZE_MAX = 256;
/** Size of one transport's register window. */
export const VIRTIO_MMIO_SIZE = 0x1000;

const R = {
  MAGIC: 0x000,
  VERSION: 0x004,
  DEVICE_ID: 0x008,
  VENDOR_ID: 0x00c,
  DEVICE_FEATURES: 0x010,
  DEVICE_FEATURES_SEL: 0x014,
  DRIVER_FEATURES: 0x020,
  DRIVER_FEATURES_SEL: 0x024,
  QUEUE_SEL: 0x030,
  QUEUE_NUM_MAX: 0x034,
  QUEUE_NUM: 0x038,
  QUEUE_READY: 0x044,
  QUEUE_NOTIFY: 0x050,
  INTERRUPT_STATUS: 0x060,
  INTERRUPT_ACK: 0x064,
  STATUS: 0x070,
  QUEUE_DESC_LOW: 0x080,
  QUEUE_DESC_HIGH: 0x084,
  QUEUE_DRIVER_LOW: 0x090,
  QUEUE_DRIVER_HIGH: 0x094,
  QUEUE_DEVICE_LOW: 0x0a0,
  QUEUE_DEVICE_HIGH: 0x0a4,
  SHM_SEL: 0x0ac,
  SHM_LEN_LOW: 0x0b0,
  SHM_LEN_HIGH: 0x0b4,
  SHM_BASE_LOW: 0x0b8,
  SHM_BASE_HIGH: 0x0bc,
  CONFIG_GENERATION: 0x0fc,
  CONFIG: 0x100,
} as const;

const TWO32 = 0x1_0000_0000;
/** Guest-error lines one device may print: a hostile guest must not flood the host's terminal. */
export const MAX_LOG_LINES = 20;

/** The driver-written registers of one queue. */
class QueueRegs {
  num = QUEUE_SIZE_MAX;
  ready = 0;
  desc = [0, 0];
  driver = [0, 0];
  device = [0, 0];
  vq: Virtqueue | null = null;
}

export interface VirtioMmioOptions {
  /** Where guest-error lines go (default console.warn). */
  log?: (message: string) => void;
  /** The machine runs deterministically (devices/virtio.ts, VirtioTransport.deterministic). */
  deterministic?: boolean;
}

export class VirtioMmio implements MmioRegion, VirtioTransport {
  readonly ram: GuestRam;
  private readonly irqLine: IrqLine;
  readonly device: VirtioDevice;
  private readonly logFn: (message: string) => void;
  private readonly offered: bigint;
  readonly deterministic: boolean;
  private queues: QueueRegs[] = [];
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private driverFeatureWords = [0, 0, 0, 0];
  private queueSel = 0;
  private interruptStatus = 0;
  private status = 0;
  private generation = 0;
  private logged = 0;

  constructor(ram: GuestRam, irq: IrqLine, device: VirtioDevice, opts: VirtioMmioOptions = {}) {
    this.ram = ram;
    this.irqLine = irq;
    this.device = device;
    this.logFn = opts.log ?? ((m) => console.warn(`virtio(${device.deviceId}): ${m}`));
    this.deterministic = opts.deterministic ?? false;
    this.offered = device.features | (1n << VIRTIO_F_VERSION_1) |
      (1n << VIRTIO_F_RING_INDIRECT_DESC) | (1n << VIRTIO_F_EVENT_IDX);
    this.resetState();
    device.attach(this);
  }

  get driverFeatures(): bigint {
    const w = this.driverFeatureWords;
    return BigInt(w[0]) | (BigInt(w[1]) << 32n) | (BigInt(w[2]) << 64n) | (BigInt(w[3]) << 96n);
  }

  queue(q: number): Virtqueue | null {
    const vq = this.queues[q]?.vq;
    return vq && !vq.broken ? vq : null;
  }

  notifyConfigChange(): void {
    this.generation = (this.generation + 1) >>> 0;
    if (this.status & STATUS_DRIVER_OK) this.raise(INT_CONFIG_CHANGE);
  }

  log(message: string): void {
    if (this.logged > MAX_LOG_LINES) return;
    this.logged++;
    this.logFn(
      this.logged > MAX_LOG_LINES ? "further guest errors on this device are not logged" : message,
    );
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset >= R.CONFIG) {
      return this.guard(() => this.device.configRead(offset - R.CONFIG, size), 0);
    }
    return subRead(this.readReg(offset & ~3), offset, size);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset >= R.CONFIG) {
      this.guard(() => this.device.configWrite(offset - R.CONFIG, size, value), undefined);
      return;
    }
    // Registers are 32-bit; a narrower write is merged into the current value.
    const at = offset & ~3;
    this.writeReg(at, size === 4 ? value >>> 0 : subMerge(this.readReg(at), offset, size, value));
  }

  private readReg(at: number): number {
    const q = this.queues[this.queueSel];
    switch (at) {
      case R.MAGIC:
        return VIRTIO_MMIO_MAGIC;
      case R.VERSION:
        return 2;
      case R.DEVICE_ID:
        return this.device.deviceId;
      case R.VENDOR_ID:
        return VIRTIO_VENDOR_ID;
      case R.DEVICE_FEATURES:
        return this.deviceFeaturesSel < 4
          ? Number((this.offered >> BigInt(32 * this.deviceFeaturesSel)) & 0xffffffffn)
          : 0;
      case R.QUEUE_NUM_MAX:
        return q ? QUEUE_SIZE_MAX : 0;
      case R.QUEUE_NUM:
        return q ? q.num : 0;
      case R.QUEUE_READY:
        return q ? q.ready : 0;
      case R.QUEUE_DESC_LOW:
        return q ? q.desc[0] : 0;
      case R.QUEUE_DESC_HIGH:
        return q ? q.desc[1] : 0;
      case R.QUEUE_DRIVER_LOW:
        return q ? q.driver[0] : 0;
      case R.QUEUE_DRIVER_HIGH:
        return q ? q.driver[1] : 0;
      case R.QUEUE_DEVICE_LOW:
        return q ? q.device[0] : 0;
      case R.QUEUE_DEVICE_HIGH:
        return q ? q.device[1] : 0;
      case R.INTERRUPT_STATUS:
        return this.interruptStatus;
      case R.STATUS:
        return this.status;
      case R.SHM_LEN_LOW:
      case R.SHM_LEN_HIGH:
      case R.SHM_BASE_LOW:
      case R.SHM_BASE_HIGH:
        return 0xffffffff; // no shared memory regions
      case R.CONFIG_GENERATION:
        return this.generation;
      default:
        return 0;
    }
  }

  private writeReg(at: number, v: number): void {
    const q = this.queues[this.queueSel];
    switch (at) {
      case R.DEVICE_FEATURES_SEL:
        this.deviceFeaturesSel = v;
        break;
      case R.DRIVER_FEATURES_SEL:
        this.driverFeaturesSel = v;
        break;
      case R.DRIVER_FEATURES:
        if (this.driverFeaturesSel < 4 && !(this.status & STATUS_FEATURES_OK)) {
          this.driverFeatureWords[this.driverFeaturesSel] = v;
        }
        break;
      case R.QUEUE_SEL:
        this.queueSel = v;
        break;
      case R.QUEUE_NUM:
        if (q && !q.ready) q.num = v;
        break;
      case R.QUEUE_READY:
        if (q) this.setReady(this.queueSel, q, v & 1);
        break;
      case R.QUEUE_DESC_LOW:
      case R.QUEUE_DESC_HIGH:
        if (q && !q.ready) q.desc[(at - R.QUEUE_DESC_LOW) >> 2] = v;
        break;
      case R.QUEUE_DRIVER_LOW:
      case R.QUEUE_DRIVER_HIGH:
        if (q && !q.ready) q.driver[(at - R.QUEUE_DRIVER_LOW) >> 2] = v;
        break;
      case R.QUEUE_DEVICE_LOW:
      case R.QUEUE_DEVICE_HIGH:
        if (q && !q.ready) q.device[(at - R.QUEUE_DEVICE_LOW) >> 2] = v;
        break;
      case R.QUEUE_NOTIFY:
        this.notify(v & 0xffff);
        break;
      case R.INTERRUPT_ACK:
        this.interruptStatus &= ~v;
        this.irqLine.set(this.interruptStatus !== 0);
        break;
      case R.STATUS:
        this.writeStatus(v & 0xff);
        break;
    }
  }

  private writeStatus(v: number): void {
    if (v === 0) {
      this.resetState();
      this.guard(() => this.device.reset(), undefined);
      return;
    }
    const before = this.status;
    if ((v & STATUS_FEATURES_OK) && !(before & STATUS_FEATURES_OK)) {
      // Refuse features we did not offer, and legacy drivers: FEATURES_OK then reads back clear.
      const f = this.driverFeatures;
      if ((f & ~this.offered) !== 0n || !(f & (1n << VIRTIO_F_VERSION_1))) {
        this.log(`driver accepted unsupported features 0x${f.toString(16)}`);
        v &= ~STATUS_FEATURES_OK;
      }
    }
    this.status = v | (before & STATUS_DEVICE_NEEDS_RESET);
    if ((v & STATUS_DRIVER_OK) && !(before & STATUS_DRIVER_OK) && this.device.driverOk) {
      this.guard(() => this.device.driverOk!(), undefined);
    }
  }

  /**
   * Snapshot hooks: the registers, each queue's addresses and ring positions,
   * then the device's own state (devices/virtio.ts) as one nested record.
   */
  saveState(w: StateWriter): void {
    w.u32(this.device.deviceId);
    for (const v of [this.deviceFeaturesSel, this.driverFeaturesSel, ...this.driverFeatureWords]) {
      w.u32(v);
    }
    for (const v of [this.queueSel, this.interruptStatus, this.status, this.generation]) w.u32(v);
    w.u32(this.queues.length);
    for (const q of this.queues) {
      for (const v of [q.num, q.ready, ...q.desc, ...q.driver, ...q.device]) w.u32(v);
      w.bool(q.vq !== null);
      q.vq?.saveState(w);
    }
    const own = new StateWriter();
    this.device.saveState?.(own);
    w.bytes(own.finish());
  }

  loadState(r: StateReader): void {
    const id = r.u32();
    if (id !== this.device.deviceId) {
      throw new SnapshotError(
        `the snapshot has virtio device ${id} where this machine has ${this.device.deviceId}`,
      );
    }
    this.deviceFeaturesSel = r.u32();
    this.driverFeaturesSel = r.u32();
    this.driverFeatureWords = [r.u32(), r.u32(), r.u32(), r.u32()];
    this.queueSel = r.u32();
    this.interruptStatus = r.u32();
    this.status = r.u32();
    this.generation = r.u32();
    if (r.u32() !== this.queues.length) {
      throw new SnapshotError(`the snapshot's virtio device ${id} has another number of queues`);
    }
    for (const [index, q] of this.queues.entries()) {
      q.num = r.u32();
      const ready = r.u32();
      q.desc = [r.u32(), r.u32()];
      q.driver = [r.u32(), r.u32()];
      q.device = [r.u32(), r.u32()];
      const live = r.bool();
      q.ready = 0;
      q.vq = null;
      if (live) {
        this.setReady(index, q, ready);
        if (!q.vq) throw new SnapshotError(`the snapshot's virtqueue ${index} is not usable`);
        (q.vq as Virtqueue).loadState(r);
      } else q.ready = ready;
    }
    this.irqLine.set(this.interruptStatus !== 0);
    const own = r.bytes();
    if (own.length > 0) {
      if (!this.device.loadState) {
        throw new SnapshotError(`virtio device ${id} cannot load the snapshot's state`);
      }
      this.device.loadState(new StateReader(own, `virtio device ${id}`));
    }
  }

  private setReady(index: number, q: QueueRegs, ready: number): void {
    if (ready === q.ready) return;
    q.ready = ready;
    if (q.vq) q.vq.active = false;
    q.vq = null;
    if (!ready) return;
    const config = {
      ram: this.ram,
      index,
      size: q.num,
      maxSize: QUEUE_SIZE_MAX,
      desc: q.desc[1] * TWO32 + q.desc[0],
      avail: q.driver[1] * TWO32 + q.driver[0],
      used: q.device[1] * TWO32 + q.device[0],
      indirect: (this.driverFeatures & (1n << VIRTIO_F_RING_INDIRECT_DESC)) !== 0n,
      eventIdx: (this.driverFeatures & (1n << VIRTIO_F_EVENT_IDX)) !== 0n,
      interrupt: () => this.raise(INT_USED_BUFFER),
      log: (m: string) => this.log(m),
    };
    const problem = checkQueueConfig(config);
    if (problem) {
      this.log(`queue ${index} not usable: ${problem}`);
      this.needsReset();
      return;
    }
    q.vq = new Virtqueue(config);
  }

  private notify(index: number): void {
    // Like QEMU, notifies before DRIVER_OK are served: a driver may kick from its probe.
    if (!this.queue(index)) return;
    // Whatever the device completes during the notify, on any queue, costs one interrupt.
    const vqs = this.queues.map((q) => q.vq);
    for (const vq of vqs) vq?.beginBatch();
    this.guard(() => this.device.queueNotify(index), undefined);
    for (const vq of vqs) vq?.endBatch();
    if (this.queues[index].vq?.broken) this.needsReset();
  }

  private raise(bit: number): void {
    this.interruptStatus |= bit;
    this.irqLine.set(true);
  }

  /** The device is in an error state: tell the driver (VirtIO 1.2 §2.1.2). */
  private needsReset(): void {
    if (this.status & STATUS_DEVICE_NEEDS_RESET) return;
    this.status |= STATUS_DEVICE_NEEDS_RESET;
    if (this.status & STATUS_DRIVER_OK) this.raise(INT_CONFIG_CHANGE);
  }

  private resetState(): void {
    for (const q of this.queues) if (q.vq) q.vq.active = false;
    this.queues = Array.from({ length: this.device.numQueues }, () => new QueueRegs());
    this.deviceFeaturesSel = this.driverFeaturesSel = this.queueSel = 0;
    this.driverFeatureWords = [0, 0, 0, 0];
    this.status = 0;
    this.interruptStatus = 0;
    this.irqLine.set(false);
  }

  /** Runs a device callback; an exception is logged and marks the device as needing reset. */
  private guard<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      this.log(`device error: ${e instanceof Error ? e.message : String(e)}`);
      this.needsReset();
      return fallback;
    }
  }
}
