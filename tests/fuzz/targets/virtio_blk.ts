/**
 * virtio-blk requests from a hostile driver: arbitrary types, sectors,
 * segment layouts and status-byte sizes, posted all at once (concurrent,
 * overlapping buffers) or one at a time against a model disk, where every
 * answered read must return what the model holds and every status byte must
 * be OK, IOERR or UNSUPP as the request deserves.
 */
import fc from "fast-check";
import type { BlockBackend } from "../../../devices/block_backend.ts";
import {
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_DISCARD,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VIRTIO_BLK_T_WRITE_ZEROES,
  VirtioBlock,
} from "../../../devices/virtio_blk.ts";
import { type FuzzTarget, must } from "../target.ts";
import { FuzzDriver, type RequestSpec, type SegmentSpec, settle } from "../virtio_driver.ts";

const SECTORS = 64;

/** A RAM disk whose I/O completes on later turns of the event loop, in any order. */
class RamDisk implements BlockBackend {
  readonly sectorCount = SECTORS;
  readonly data = new Uint8Array(SECTORS * 512);
  constructor(readonly readOnly: boolean) {}
  async read(sector: number, buf: Uint8Array): Promise<void> {
    await Promise.resolve();
    buf.set(this.data.subarray(sector * 512, sector * 512 + buf.length));
  }
  async write(sector: number, data: Uint8Array): Promise<void> {
    await Promise.resolve();
    this.data.set(data, sector * 512);
  }
  async flush(): Promise<void> {}
  async discard(sector: number, count: number): Promise<void> {
    await Promise.resolve();
    this.data.fill(0x5a, sector * 512, (sector + count) * 512);
  }
  async close(): Promise<void> {}
}

interface BlkRequest {
  type: number;
  sector: bigint;
  /** Split the 16-byte header across two buffers. */
  splitHeader: boolean;
  data: number[];
  ranges: { sector: bigint; num: number; flags: number }[];
  statusLen: number;
  fill: number;
  indirect: boolean;
  wild: (number | null)[];
}

const sectorArb = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: BigInt(SECTORS + 4) }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      2n ** 32n - 1n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 64n - 1n,
      2n ** 63n,
    ),
  },
);

const requestArb: fc.Arbitrary<BlkRequest> = fc.record({
  type: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(0, 1, 4, 8, 11, 13) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
  ),
  sector: sectorArb,
  splitHeader: fc.boolean(),
  data: fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => n * 512) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 1100 }) },
    ),
    { maxLength: 3 },
  ),
  ranges: fc.array(
    fc.record({
      sector: sectorArb,
      num: fc.oneof(fc.integer({ min: 0, max: 70 }), fc.constant(0xffffffff)),
      flags: fc.integer({ min: 0, max: 3 }),
    }),
    { maxLength: 3 },
  ),
  statusLen: fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, fc.integer({ min: 0, max: 3 })),
  fill: fc.integer({ min: 0, max: 255 }),
  indirect: fc.boolean(),
  wild: fc.array(fc.option(fc.integer({ min: 0, max: 200_000 }), { freq: 6 }), {
    minLength: 6,
    maxLength: 6,
  }),
});

export interface BlkInput {
  readOnly: boolean;
  /** One request at a time against the model (else all at once). */
  sequential: boolean;
  features: bigint;
  requests: BlkRequest[];
}

function header(r: BlkRequest): Uint8Array {
  const h = new Uint8Array(16);
  const v = new DataView(h.buffer);
  v.setUint32(0, r.type, true);
  v.setBigUint64(8, r.sector, true);
  return h;
}

function layout(r: BlkRequest, sequential: boolean): RequestSpec {
  const wild = (i: number) => (sequential ? null : r.wild[i % r.wild.length]);
  const seg = (len: number, write: boolean, data: Uint8Array, i: number): SegmentSpec => ({
    len,
    write,
    data,
    wild: write || i > 0 ? wild(i) : null,
  });
  const h = header(r);
  const segs: SegmentSpec[] = r.splitHeader
    ? [seg(8, false, h.subarray(0, 8), 0), seg(8, false, h.subarray(8), 1)]
    : [seg(16, false, h, 0)];
  const isOut = r.type === VIRTIO_BLK_T_OUT || r.type === VIRTIO_BLK_T_DISCARD ||
    r.type === VIRTIO_BLK_T_WRITE_ZEROES;
  if (r.type === VIRTIO_BLK_T_DISCARD || r.type === VIRTIO_BLK_T_WRITE_ZEROES) {
    const b = new Uint8Array(16 * r.ranges.length);
    const v = new DataView(b.buffer);
    r.ranges.forEach((x, i) => {
      v.setBigUint64(16 * i, x.sector, true);
      v.setUint32(16 * i + 8, x.num, true);
      v.setUint32(16 * i + 12, x.flags, true);
    });
    if (b.length) segs.push(seg(b.length, false, b, 2));
  } else {
    r.data.forEach((len, i) => segs.push(seg(len, !isOut, new Uint8Array([r.fill + i]), 2 + i)));
  }
  if (r.statusLen > 0) segs.push(seg(r.statusLen, true, new Uint8Array(0), 5));
  return { queue: 0, segs, indirect: r.indirect, notify: true };
}

const inputArb: fc.Arbitrary<BlkInput> = fc.record({
  readOnly: fc.boolean(),
  sequential: fc.boolean(),
  features: fc.oneof(fc.constant(~0n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
  requests: fc.array(requestArb, { minLength: 1, maxLength: 12 }),
});

async function check(input: BlkInput): Promise<void> {
  const disk = new RamDisk(input.readOnly);
  const dev = new VirtioBlock(disk, { log: () => {}, serial: "fuzz" });
  const drv = new FuzzDriver(dev);
  drv.init(input.features | (1n << 28n));
  const model = disk.data.slice();
  const known = new Uint8Array(SECTORS).fill(1);
  for (const r of input.requests) {
    const spec = layout(r, input.sequential);
    if (!drv.post(spec)) break;
    if (!input.sequential) continue;
    await settle(() => dev.pending === 0);
    const p = drv.posted.at(-1)!;
    drv.check(() => true);
    if (p.writeLength === 0) continue;
    const out = drv.written(p);
    const status = out[p.writeLength - 1];
    must(
      status === VIRTIO_BLK_S_OK || status === VIRTIO_BLK_S_IOERR || status === VIRTIO_BLK_S_UNSUPP,
      `status byte ${status}`,
    );
    const dataLen = p.readable.reduce((n, x) => n + x.len, 0) - 16;
    const inRange = (bytes: number) =>
      bytes % 512 === 0 && r.sector + BigInt(bytes / 512) <= BigInt(SECTORS);
    const known16 = p.readable.reduce((n, x) => n + x.len, 0) >= 16;
    if (!known16) {
      must(status === VIRTIO_BLK_S_IOERR, `short header answered ${status}`);
      continue;
    }
    switch (r.type) {
      case VIRTIO_BLK_T_IN: {
        const want = p.writeLength - 1;
        must(
          status === (inRange(want) ? 0 : 1),
          `read of ${want} at ${r.sector}: status ${status}`,
        );
        if (status === 0) {
          const s = Number(r.sector);
          for (let i = 0; i < want; i++) {
            if (!known[s + (i >> 9)]) continue;
            must(
              out[i] === model[s * 512 + i],
              `read byte ${i} at sector ${s} differs from the model`,
            );
          }
          must(p.used === want + 1, `read used len ${p.used}, expected ${want + 1}`);
        }
        break;
      }
      case VIRTIO_BLK_T_OUT: {
        const ok = !input.readOnly && inRange(dataLen);
        must(status === (ok ? 0 : 1), `write of ${dataLen} at ${r.sector}: status ${status}`);
        if (ok) {
          const data = new Uint8Array(dataLen);
          let at = 0;
          for (const x of p.readable) {
            const b = drv.ram.bytes.subarray(x.addr - 0x8000_0000, x.addr - 0x8000_0000 + x.len);
            const skip = Math.max(0, 16 - at);
            if (skip < b.length) data.set(b.subarray(skip), Math.max(0, at - 16));
            at += b.length;
          }
          model.set(data, Number(r.sector) * 512);
          known.fill(1, Number(r.sector), Number(r.sector) + dataLen / 512);
        }
        break;
      }
      case VIRTIO_BLK_T_FLUSH:
        must(status === 0, `flush status ${status}`);
        break;
      case VIRTIO_BLK_T_GET_ID:
        must(status === 0, `get-id status ${status}`);
        break;
      case VIRTIO_BLK_T_DISCARD:
      case VIRTIO_BLK_T_WRITE_ZEROES:
        if (input.readOnly) {
          must(status !== 0, "discard/write-zeroes on a read-only disk succeeded");
        }
        // Whatever it did, those sectors are now whatever the device says.
        for (const x of r.ranges) {
          if (x.sector < BigInt(SECTORS)) known.fill(0, Number(x.sector), Number(x.sector) + x.num);
        }
        break;
      default:
        must(status === VIRTIO_BLK_S_UNSUPP, `unknown type ${r.type} answered ${status}`);
    }
  }
  if (!input.sequential) drv.notifyAll();
  await settle(() => dev.pending === 0);
  must(dev.pending === 0, `${dev.pending} requests still pending after 2 s`);
  drv.check(() => true);
  await dev.close();
}

export const virtioBlkTarget: FuzzTarget<BlkInput> = {
  name: "virtio-blk",
  about: "every request answered once with a valid status; reads match a model disk; " +
    "writes only in writable buffers",
  arbitrary: inputArb,
  check,
  async: true,
};
