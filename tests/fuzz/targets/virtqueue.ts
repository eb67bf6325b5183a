/**
 * The virtqueue walker (devices/virtqueue.ts) against arbitrary descriptor
 * tables, avail rings and indirect tables, checked against a reference
 * reading of VirtIO 1.2 §2.7 written here with exact (bigint) addresses:
 * the same chains are accepted with the same buffers, every consumed head is
 * answered exactly once in order, and RAM changes only in the used ring and
 * the buffers a chain names as writable. Interrupts are counted against the
 * reference too: with VIRTIO_F_EVENT_IDX (§2.7.10) one exactly when the
 * driver's used_event lies among the entries just written, and avail_event
 * names the avail index the device last read; without it, one per completion
 * unless the driver set VIRTQ_AVAIL_F_NO_INTERRUPT.
 */
import fc from "fast-check";
import {
  type Chain,
  checkQueueConfig,
  MAX_INDIRECT,
  Virtqueue,
} from "../../../devices/virtqueue.ts";
import { fuzzRam, mustWriteOnlyInside, RAM_BASE, type Range } from "../guest_memory.ts";
import { type FuzzTarget, must } from "../target.ts";

const RAM_SIZE = 64 * 1024;
const DESC = RAM_BASE;
const AVAIL = RAM_BASE + 0x1000;
const USED = RAM_BASE + 0x2000;
const INDIRECT = RAM_BASE + 0x3000;
const MAX_QUEUE = 256;

interface Desc {
  addr: bigint;
  len: number;
  flags: number;
  next: number;
}

const u16Small = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 17 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);

const addrArb: fc.Arbitrary<bigint> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.integer({ min: 0, max: RAM_SIZE - 1 }).map((o) => BigInt(RAM_BASE + o)),
  },
  // The indirect tables, so they get used.
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }).map((k) => BigInt(INDIRECT + k * 0x200)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      0n,
      BigInt(RAM_BASE - 1),
      BigInt(RAM_BASE + RAM_SIZE - 1),
      BigInt(RAM_BASE + RAM_SIZE),
      2n ** 32n - 1n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 64n - 1n,
      BigInt(RAM_BASE) + 2n ** 64n - 2n ** 32n, // wraps if computed in 64 bits
    ),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) },
);

const lenArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 96 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 64 }).map((n) => n * 16) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: RAM_SIZE + 16 }) },
  { weight: 1, arbitrary: fc.constantFrom(0xffffffff, 0x80000000, (MAX_INDIRECT + 1) * 16) },
);

const descArb: fc.Arbitrary<Desc> = fc.record({
  addr: addrArb,
  len: lenArb,
  flags: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 7 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
  ),
  next: u16Small,
});

export interface VirtqueueInput {
  size: number;
  indirect: boolean;
  noInterrupt: boolean;
  /** VIRTIO_F_EVENT_IDX negotiated. */
  eventIdx: boolean;
  /** used_event as the driver sets it before each step (cycled). */
  usedEvents: number[];
  /** Completions of each step inside one beginBatch / endBatch. */
  batch: boolean;
  table: Desc[];
  indirectTables: Desc[][];
  availIdx: number;
  ring: number[];
  /** How many bytes the device claims to have written, per popped chain (clamped by the queue). */
  written: number[];
}

const inputArb: fc.Arbitrary<VirtqueueInput> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(1, 2, 4, 8, 16) },
  { weight: 1, arbitrary: fc.constantFrom(0, 3, 256, 512, 0xffff) },
).chain((size) => {
  const n = Math.min(size, MAX_QUEUE);
  return fc.record({
    size: fc.constant(size),
    indirect: fc.boolean(),
    noInterrupt: fc.boolean(),
    eventIdx: fc.boolean(),
    usedEvents: fc.array(
      fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: n + 2 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
      ),
      { minLength: 1, maxLength: 6 },
    ),
    batch: fc.boolean(),
    table: fc.array(descArb, { minLength: n, maxLength: n }),
    indirectTables: fc.array(fc.array(descArb, { maxLength: 8 }), { minLength: 4, maxLength: 4 }),
    availIdx: fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: n + 2 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
    ),
    ring: fc.array(u16Small, { minLength: n, maxLength: n }),
    written: fc.array(fc.oneof(fc.integer({ min: -5, max: 200 }), fc.constant(0x7fffffff)), {
      maxLength: 20,
    }),
  });
});

function putDesc(view: DataView, at: number, d: Desc): void {
  view.setBigUint64(at - RAM_BASE, d.addr, true);
  view.setUint32(at - RAM_BASE + 8, d.len, true);
  view.setUint16(at - RAM_BASE + 12, d.flags, true);
  view.setUint16(at - RAM_BASE + 14, d.next, true);
}

type RefChain = { readable: Range[]; writable: Range[] } | "malformed";

const inRam = (addr: bigint, len: number) =>
  addr >= BigInt(RAM_BASE) && addr + BigInt(len) <= BigInt(RAM_BASE + RAM_SIZE);

/** The reference walk: what VirtIO 1.2 §2.7.5 and §2.7.7 allow, addresses exact. */
function refWalk(view: DataView, size: number, head: number, indirectOk: boolean): RefChain {
  let table = BigInt(DESC);
  let n = size;
  let idx = head;
  let seen = 0;
  let inIndirect = false;
  const readable: Range[] = [];
  const writable: Range[] = [];
  for (;;) {
    if (idx >= n || ++seen > n) return "malformed";
    const at = Number(table) - RAM_BASE + 16 * idx;
    const addr = view.getBigUint64(at, true);
    const len = view.getUint32(at + 8, true);
    const flags = view.getUint16(at + 12, true);
    if (flags & 4) {
      const ok = indirectOk && !inIndirect && !(flags & 1) && len > 0 && len % 16 === 0 &&
        len / 16 <= MAX_INDIRECT && inRam(addr, len);
      if (!ok) return "malformed";
      table = addr;
      n = len / 16;
      idx = 0;
      seen = 0;
      inIndirect = true;
      continue;
    }
    if (len > 0) {
      if (!inRam(addr, len)) return "malformed";
      if (flags & 2) writable.push({ addr: Number(addr), len });
      else if (writable.length > 0) return "malformed";
      else readable.push({ addr: Number(addr), len });
    }
    if (!(flags & 1)) return { readable, writable };
    idx = view.getUint16(at + 14, true);
  }
}

const ram = fuzzRam(RAM_SIZE);
/**
 * RAM as the reference sees it during one pop: a copy of the guest's RAM on which the
 * reference replays the device's own writes (avail_event, the answers of malformed chains) in
 * the order the device makes them. A chain posted after a malformed one may lie over the used
 * ring, so it reads what those answers wrote (virtqueue seed 8305).
 */
const model = new Uint8Array(RAM_SIZE);
const mv = new DataView(model.buffer);
/** The used ring; with EVENT_IDX its avail_event field after the entries too. */
const USED_RING = (size: number, eventIdx: boolean): Range => ({
  addr: USED,
  len: 4 + 8 * size + (eventIdx ? 2 : 0),
});

function check(input: VirtqueueInput): void {
  const { size } = input;
  const v = ram.view;
  ram.bytes.fill(0);
  input.table.forEach((d, i) => putDesc(v, DESC + 16 * i, d));
  input.indirectTables.forEach((t, k) =>
    t.forEach((d, i) => putDesc(v, INDIRECT + k * 0x200 + 16 * i, d))
  );
  v.setUint16(AVAIL - RAM_BASE, input.noInterrupt ? 1 : 0, true);
  v.setUint16(AVAIL - RAM_BASE + 2, input.availIdx, true);
  input.ring.forEach((h, i) => v.setUint16(AVAIL - RAM_BASE + 4 + 2 * i, h, true));
  let interrupts = 0;
  const config = {
    ram,
    index: 0,
    size,
    maxSize: MAX_QUEUE,
    desc: DESC,
    avail: AVAIL,
    used: USED,
    indirect: input.indirect,
    eventIdx: input.eventIdx,
    interrupt: () => interrupts++,
    log: () => {},
  };
  const problem = checkQueueConfig(config);
  const validSize = size >= 1 && size <= MAX_QUEUE && (size & (size - 1)) === 0;
  must((problem === null) === validSize, `checkQueueConfig(${size}) said ${problem}`);
  if (!validSize) return;
  const vq = new Virtqueue(config);
  const before = ram.bytes.slice();
  const beforeView = new DataView(before.buffer);
  const allowed: Range[] = [USED_RING(size, input.eventIdx)];
  const usedEventAt = AVAIL - RAM_BASE + 4 + 2 * size;
  const availEventAt = USED - RAM_BASE + 4 + 8 * size;

  // The reference queue state, advanced in step with the device.
  let lastAvail = 0;
  let usedIdx = 0;
  let broken = false;
  let expectedInterrupts = 0;
  /** The used index at a batch's first completion (null: none in this batch yet). */
  let batchFrom: number | null = null;
  let batching = false;
  /** §2.7.10: does the driver want an interrupt for the used entries [from, usedIdx)? */
  const wants = (from: number) => {
    if (broken) return false;
    // avail.flags as RAM has it now: a writable buffer over the avail ring may have changed it.
    if (!input.eventIdx) return (v.getUint16(AVAIL - RAM_BASE, true) & 1) === 0;
    const event = v.getUint16(usedEventAt, true);
    // used_event is one of from, from + 1, ..., usedIdx - 1 (modulo 2^16).
    for (let i = from; i !== usedIdx; i = (i + 1) & 0xffff) if (i === event) return true;
    return false;
  };
  const expectUsed = (head: number, len: number) => {
    const slot = USED - RAM_BASE + 4 + 8 * (usedIdx % size);
    const from = usedIdx;
    usedIdx = (usedIdx + 1) & 0xffff;
    if (batching) batchFrom ??= from;
    else if (wants(from)) expectedInterrupts++;
    must(v.getUint32(slot, true) === head, `used id ${v.getUint32(slot, true)}, expected ${head}`);
    must(
      v.getUint32(slot + 4, true) === len,
      `used len ${v.getUint32(slot + 4, true)}, expected ${len}`,
    );
  };
  const expectUsedIdx = () =>
    must(v.getUint16(USED - RAM_BASE + 2, true) === usedIdx, "used.idx is not one per answer");
  for (let step = 0; step <= size + 1; step++) {
    // The driver moves used_event between steps, as a driver reaping entries does.
    const usedEvent = input.usedEvents[step % input.usedEvents.length];
    v.setUint16(usedEventAt, usedEvent, true);
    beforeView.setUint16(usedEventAt, usedEvent, true); // the driver's write, not the device's
    batching = input.batch;
    if (batching) vq.beginBatch();
    // What the reference expects from the next pop, on RAM as it is now.
    const brokenBefore = broken;
    let expected: { head: number; chain: RefChain } | null = null;
    const malformedHeads: number[] = [];
    model.set(ram.bytes);
    let modelUsedIdx = usedIdx;
    for (;;) {
      if (broken) break;
      const seenIdx = mv.getUint16(AVAIL - RAM_BASE + 2, true);
      // Each look at the avail ring writes avail_event (below) before the chain is walked.
      if (input.eventIdx) mv.setUint16(availEventAt, seenIdx, true);
      const avail = (seenIdx - lastAvail) & 0xffff;
      if (avail === 0) break;
      if (avail > size) {
        broken = true;
        break;
      }
      const head = mv.getUint16(AVAIL - RAM_BASE + 4 + 2 * (lastAvail % size), true);
      lastAvail = (lastAvail + 1) & 0xffff;
      if (head >= size) {
        broken = true;
        break;
      }
      const chain = refWalk(mv, size, head, input.indirect);
      if (chain === "malformed") {
        malformedHeads.push(head);
        // Answered at once with length 0: the next walk reads RAM with this answer in it.
        const slot = USED - RAM_BASE + 4 + 8 * (modelUsedIdx % size);
        mv.setUint32(slot, head, true);
        mv.setUint32(slot + 4, 0, true);
        modelUsedIdx = (modelUsedIdx + 1) & 0xffff;
        mv.setUint16(USED - RAM_BASE + 2, modelUsedIdx, true);
        continue;
      }
      expected = { head, chain };
      break;
    }
    const availIdx = v.getUint16(AVAIL - RAM_BASE + 2, true);
    const got: Chain | null = vq.pop();
    // The pop wrote exactly what the reference replayed (the used ring is all it may write).
    const ring = USED_RING(size, input.eventIdx);
    for (let i = ring.addr - RAM_BASE; i < ring.addr - RAM_BASE + ring.len; i++) {
      must(
        ram.bytes[i] === model[i],
        `used ring byte at 0x${(RAM_BASE + i).toString(16)} is ${ram.bytes[i]} after the pop, ` +
          `the reference wrote ${model[i]}`,
      );
    }
    // The malformed heads are answered before a later bad head breaks the queue.
    const brokenAfter: boolean = broken;
    broken = brokenBefore;
    for (const h of malformedHeads) expectUsed(h, 0);
    broken = brokenAfter;
    expectUsedIdx();
    must(vq.broken === broken, `queue broken=${vq.broken}, reference says ${broken}`);
    if (input.eventIdx && !brokenBefore) {
      // Whenever the device looks at the avail ring it asks to hear of the chain after these.
      must(
        v.getUint16(availEventAt, true) === availIdx,
        `avail_event ${v.getUint16(availEventAt, true)}, the device read avail.idx ${availIdx}`,
      );
    }
    const endBatch = () => {
      if (!batching) return;
      vq.endBatch();
      batching = false;
      if (batchFrom !== null && wants(batchFrom)) expectedInterrupts++;
      batchFrom = null;
    };
    if (!expected) {
      must(got === null, `device popped head ${got?.head}, reference found no chain`);
      endBatch();
      must(
        interrupts === expectedInterrupts,
        `${interrupts} interrupts, expected ${expectedInterrupts}`,
      );
      break;
    }
    must(got !== null, `device found no chain, reference found head ${expected.head}`);
    const ref = expected.chain as { readable: Range[]; writable: Range[] };
    must(got.head === expected.head, `popped head ${got.head}, expected ${expected.head}`);
    must(
      JSON.stringify([got.readable, got.writable]) === JSON.stringify([ref.readable, ref.writable]),
      `head ${got.head}: buffers ${JSON.stringify([got.readable, got.writable])}, expected ${
        JSON.stringify([ref.readable, ref.writable])
      }`,
    );
    // The device answers: fills what it claims to have written, then completes.
    const claim = input.written[step % Math.max(1, input.written.length)] ?? 0;
    const n = Math.max(0, Math.min(claim | 0, got.writeLength));
    must(vq.copyTo(got, 0, new Uint8Array(n).fill(0xa5)) === n, "copyTo short of the chain's room");
    allowed.push(...got.writable);
    vq.push(got, claim);
    vq.push(got, claim); // a second completion of the same chain is ignored
    expectUsed(got.head, n);
    expectUsedIdx();
    endBatch();
    must(
      interrupts === expectedInterrupts,
      `${interrupts} interrupts, expected ${expectedInterrupts}`,
    );
  }
  mustWriteOnlyInside(ram, before, allowed);
}

export const virtqueueTarget: FuzzTarget<VirtqueueInput> = {
  name: "virtqueue",
  about: "descriptor walker matches a reference reading of the spec; each head answered once; " +
    "writes only in used ring and writable buffers",
  arbitrary: inputArb,
  check,
};
