/**
 * The snapshot file (core/snapshot/format.ts, board/machine_snapshot.ts):
 * a real snapshot of a small machine (a program printing through HTIF, a
 * framebuffer, and the console, 9P, keyboard and snapshot-disk devices with
 * live queues, requests answered and waiting, events and disk blocks held)
 * damaged anywhere: bytes set, fields of a section set to edge values,
 * sections dropped, doubled or swapped, the configuration rewritten, the
 * file cut or grown. Most inputs get their checksum recomputed, so the damage
 * reaches the section parsers. The property: `Machine.restore` refuses with
 * one SnapshotError line, or gives a machine whose every queue can be
 * notified and that runs 20,000 instructions without a host exception; the
 * configuration reader agrees; an undamaged file restores a machine that
 * goes on printing.
 */
import fc from "fast-check";
import { crc32 } from "node:zlib";
import { HTIF_BASE, Machine } from "../../../board/machine.ts";
import { readSnapshotConfig, SnapshotError } from "../../../board/machine_snapshot.ts";
import {
  decodeSnapshot,
  encodeSnapshot,
  type Section,
  type StateReader,
  type StateWriter,
} from "../../../core/snapshot/format.ts";
import type { BlockBackend } from "../../../devices/block_backend.ts";
import { T, Writer } from "../../../devices/p9/codec.ts";
import { Virtio9p } from "../../../devices/virtio_9p.ts";
import { VirtioBlock } from "../../../devices/virtio_blk.ts";
import { keyboardProfile, VirtioInput } from "../../../devices/virtio_input.ts";
import { MemoryFs } from "../../../backends/fs/p9_memory_fs.ts";
import { MemoryOverlay, SnapshotBackend } from "../../../backends/block/snapshot_block.ts";
import { RAM_BASE, SyntheticDriver } from "../../support/synthetic_driver.ts";
import { type FuzzTarget, must, mustBeOneLine } from "../target.ts";

/** A loop printing 'x' through HTIF (lui/addi/sw/j encoded by hand). */
function printingLoop(): Uint8Array {
  const w: number[] = [];
  const li = (rd: number, imm: number) => {
    const lo = (imm << 20) >> 20;
    const hi = (imm - lo) >>> 0;
    w.push((hi & 0xfffff000) | (rd << 7) | 0x37);
    w.push(((lo & 0xfff) << 20) | (rd << 15) | (rd << 7) | 0x13);
  };
  li(5, HTIF_BASE);
  const loop = w.length;
  li(6, 0x78); // 'x'
  w.push((6 << 20) | (5 << 15) | (2 << 12) | 0x23); // sw t1, 0(t0)
  li(6, 0x01010000);
  w.push((6 << 20) | (5 << 15) | (2 << 12) | (4 << 7) | 0x23); // sw t1, 4(t0)
  const back = (loop - w.length) * 4; // j loop
  const imm = back & 0x1fffff;
  w.push(
    ((imm >> 20) & 1) << 31 | ((imm >> 1) & 0x3ff) << 21 | ((imm >> 11) & 1) << 20 |
      ((imm >> 12) & 0xff) << 12 | 0x6f,
  );
  return new Uint8Array(new Uint32Array(w).buffer);
}

/** A snapshot disk's base: 64 KiB of a pattern, read-only, named by a fixed identity. */
class PatternDisk implements BlockBackend {
  readonly sectorCount = 128;
  readonly readOnly = true;
  private fill(sector: number, parts: Uint8Array[]): void {
    let at = sector * 512;
    for (const p of parts) for (let i = 0; i < p.length; i++, at++) p[i] = (at * 7) >> 9;
  }
  read(sector: number, buf: Uint8Array): Promise<void> {
    this.fill(sector, [buf]);
    return Promise.resolve();
  }
  readSync(sector: number, parts: Uint8Array[]): boolean {
    this.fill(sector, parts);
    return true;
  }
  write(): Promise<void> {
    return Promise.reject(new Error("the pattern disk is read-only"));
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  saveState(w: StateWriter): void {
    w.str("pattern disk");
  }
  loadState(r: StateReader): void {
    if (r.str() !== "pattern disk") throw new SnapshotError("the pattern disk is another disk");
  }
}

/** The devices after the console; a restore gets new ones of the same kinds. */
export const snapshotDevices = () => [
  new Virtio9p("fuzz", new MemoryFs()),
  new VirtioInput(keyboardProfile([1, 2])),
  new VirtioBlock(new SnapshotBackend(new PatternDisk(), new MemoryOverlay()), {
    log: () => {},
  }),
];

const quiet = { write: () => {} };

/**
 * Brings every VirtIO device up from the host side, as a guest driver would
 * (rings and buffers in RAM above the program), and leaves each with work
 * done and work waiting: console input delivered and a transmit answered,
 * a 9P version exchanged and a request posted unnotified, keyboard events
 * delivered and more held for want of buffers, a disk block written to the
 * overlay and a read posted unnotified.
 */
async function driveDevices(m: Machine): Promise<void> {
  const [console, p9, input, disk] = m.virtio.map((t, k) =>
    new SyntheticDriver(m.mem, t, [], {
      rings: RAM_BASE + 0x10000 + k * 0x10000,
      heap: RAM_BASE + 0x60000 + k * 0x8000,
    })
  );
  const put = (d: SyntheticDriver, bytes: Uint8Array) => {
    const at = d.heap(bytes.length);
    m.mem.bytes.set(bytes, at - RAM_BASE);
    return { addr: at, len: bytes.length };
  };
  const room = (d: SyntheticDriver, len: number) => ({ addr: d.heap(len), len });

  console.init(2, 0n, 16);
  console.post(0, [], [room(console, 64)]);
  m.console.pushInput(new TextEncoder().encode("hi\n"));
  console.post(1, [put(console, new TextEncoder().encode("out"))], []);

  p9.init(1, 0n, 16);
  const tversion = new Writer(new Uint8Array(64), 64).u32(8192).str("9P2000.L")
    .finish(T.version, 0xffff); // msize 8192, NOTAG
  p9.post(0, [put(p9, tversion)], [room(p9, 8192)]);
  p9.post(0, [put(p9, tversion)], [room(p9, 8192)], false);

  input.init(2, 0n, 16);
  input.post(0, [], [room(input, 8)]);
  input.post(0, [], [room(input, 8)]);
  const keyboard = m.virtio[2].device as VirtioInput;
  keyboard.key(1, true);
  keyboard.key(2, true);

  disk.init(1, 0n, 16);
  const header = (type: number, sector: number) => {
    const h = new Uint8Array(16);
    new DataView(h.buffer).setUint32(0, type, true);
    new DataView(h.buffer).setUint32(8, sector, true);
    return h;
  };
  const block = new Uint8Array(4096).fill(0x5a);
  disk.post(0, [put(disk, header(1, 8)), put(disk, block)], [room(disk, 1)]);
  for (let i = 0; i < 100 && disk.reap(0).length === 0; i++) {
    await new Promise((r) => setTimeout(r, 1));
  }
  disk.post(0, [put(disk, header(0, 16))], [room(disk, 4096), room(disk, 1)], false);
}

async function baseSnapshots(): Promise<Uint8Array[]> {
  const m = new Machine({
    memoryMiB: 1,
    bios: printingLoop(),
    console: quiet,
    framebuffer: { width: 8, height: 4 },
    jit: false,
    deterministic: true,
  });
  for (const d of snapshotDevices()) m.addVirtio(d);
  m.boot();
  m.hart.run(3000);
  m.framebuffer!.pixels.fill(7, 0, 40);
  await driveDevices(m);
  return [await m.snapshot(), await m.snapshot({ compress: false })];
}
const BASES = await baseSnapshots();
const BASE_SECTIONS = BASES.map(decodeSnapshot);

/** Where the nth section with a tag is in the undamaged file (inputs name sections by index). */
export function baseSectionIndex(tag: string, compressed: boolean, nth = 0): number {
  const sections = BASE_SECTIONS[compressed ? 0 : 1];
  return sections.map((s, i) => s.tag === tag ? i : -1).filter((i) => i >= 0)[nth] ?? -1;
}

/** Eight-byte patterns written over a field: edge u32s and f64s, little-endian. */
const PATTERNS: Uint8Array[] = (() => {
  const out: Uint8Array[] = [];
  const f64 = (v: number) => new Uint8Array(new Float64Array([v]).buffer);
  const u32 = (v: number) => new Uint8Array(new Uint32Array([v, 0]).buffer);
  for (const v of [NaN, Infinity, -Infinity, -1, 0.5, 2 ** 53, 2 ** 31, 1e300, 4097, 256]) {
    out.push(f64(v));
  }
  for (const v of [0, 1, 2, 0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 4096, 2047, 2048]) {
    out.push(u32(v));
  }
  return out;
})();

type SectionEdit =
  | { kind: "patch"; section: number; at: number; pattern: number; width: 1 | 2 | 4 | 8 }
  | { kind: "byte"; section: number; at: number; value: number }
  | { kind: "drop" | "double"; section: number }
  | { kind: "swap"; section: number; other: number }
  | { kind: "retag"; section: number; tag: string }
  | { kind: "cut"; section: number; at: number }
  | { kind: "conf"; key: string; value: unknown };

type FileEdit =
  | { kind: "set"; at: number; value: number }
  | { kind: "cut"; at: number }
  | { kind: "grow"; bytes: Uint8Array };

export interface SnapshotInput {
  compressed: boolean;
  sections: SectionEdit[];
  file: FileEdit[];
  /** Recompute the checksum after the file edits (else they must be refused). */
  fixChecksum: boolean;
}

/** A position given as a fraction of whatever it indexes. */
const uniform = fc.noBias(fc.nat({ max: 2 ** 30 - 1 })).map((n) => n / 2 ** 30);
/** Within a section: often near its start (the fields a parser reads first), else anywhere. */
const frac = fc.oneof(fc.nat({ max: 2 ** 30 - 1 }).map((n) => n / 2 ** 30), uniform);
const index = (f: number, n: number) => Math.floor(f * n);

const confValue = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, 1.5, 2047, 2048, 4096, 1e9, 2 ** 53, NaN, null, "1", true),
  fc.constantFrom([], [1, 9], [
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
    3,
  ]),
  fc.record({
    width: fc.integer({ min: -2, max: 70000 }),
    height: fc.integer({ min: -2, max: 70000 }),
  }),
  fc.string({ maxLength: 40 }),
  fc.jsonValue({ maxDepth: 2 }),
);

const sectionEditArb: fc.Arbitrary<SectionEdit> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("patch" as const),
      section: fc.nat(),
      at: frac,
      pattern: fc.nat({ max: PATTERNS.length - 1 }),
      width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("byte" as const),
      section: fc.nat(),
      at: frac,
      value: fc.nat({ max: 255 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom("drop" as const, "double" as const),
      section: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("swap" as const),
      section: fc.nat(),
      other: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("retag" as const),
      section: fc.nat(),
      tag: fc.constantFrom("CONF", "HART", "RAM ", "VRAM", "VIRT", "ROM ", "CLCK", "XXXX"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("cut" as const), section: fc.nat(), at: frac }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("conf" as const),
      key: fc.constantFrom(
        "memoryMiB",
        "cmdline",
        "deterministic",
        "framebuffer",
        "virtio",
        "harts",
        "app",
      ),
      value: confValue,
    }),
  },
);

const fileEditArb: fc.Arbitrary<FileEdit> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("set" as const),
      at: frac,
      value: fc.nat({ max: 255 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cut" as const), at: frac }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("grow" as const),
      bytes: fc.uint8Array({ maxLength: 64 }),
    }),
  },
);

const inputArb: fc.Arbitrary<SnapshotInput> = fc.record({
  compressed: fc.boolean(),
  sections: fc.array(sectionEditArb, { maxLength: 4 }),
  file: fc.oneof(
    { weight: 4, arbitrary: fc.constant<FileEdit[]>([]) },
    { weight: 1, arbitrary: fc.array(fileEditArb, { minLength: 1, maxLength: 3 }) },
  ),
  fixChecksum: fc.oneof({ weight: 7, arbitrary: fc.constant(true) }, fc.constant(false)),
});

/** The damaged file an input describes. */
export function damaged(input: SnapshotInput): Uint8Array {
  const sections: Section[] = BASE_SECTIONS[input.compressed ? 0 : 1].map((s) => ({
    tag: s.tag,
    payload: s.payload.slice(),
  }));
  for (const e of input.sections) {
    if (sections.length === 0) break;
    const i = e.kind === "conf"
      ? sections.findIndex((s) => s.tag === "CONF")
      : e.section % sections.length;
    if (i < 0) continue;
    const s = sections[i];
    switch (e.kind) {
      case "patch": {
        if (s.payload.length === 0) break;
        const at = index(e.at, s.payload.length);
        const p = PATTERNS[e.pattern].subarray(0, Math.min(e.width, s.payload.length - at));
        s.payload.set(p, at);
        break;
      }
      case "byte":
        if (s.payload.length > 0) s.payload[index(e.at, s.payload.length)] = e.value;
        break;
      case "drop":
        sections.splice(i, 1);
        break;
      case "double":
        sections.splice(i, 0, { tag: s.tag, payload: s.payload.slice() });
        break;
      case "swap": {
        const j = e.other % sections.length;
        [sections[i], sections[j]] = [sections[j], sections[i]];
        break;
      }
      case "retag":
        s.tag = e.tag;
        break;
      case "cut":
        s.payload = s.payload.slice(0, index(e.at, s.payload.length));
        break;
      case "conf": {
        const text = new TextDecoder().decode(s.payload.subarray(8));
        let conf: Record<string, unknown>;
        try {
          conf = JSON.parse(text);
        } catch {
          break; // already damaged by an earlier edit
        }
        conf[e.key] = e.value;
        const json = new TextEncoder().encode(JSON.stringify(conf));
        const payload = new Uint8Array(8 + json.length);
        new DataView(payload.buffer).setFloat64(0, json.length, true);
        payload.set(json, 8);
        s.payload = payload;
        break;
      }
    }
  }
  let bytes = encodeSnapshot(sections);
  for (const e of input.file) {
    if (e.kind === "set") bytes[index(e.at, bytes.length)] = e.value;
    else if (e.kind === "cut") bytes = bytes.slice(0, index(e.at, bytes.length));
    else {
      const grown = new Uint8Array(bytes.length + e.bytes.length);
      grown.set(bytes);
      grown.set(e.bytes, bytes.length);
      bytes = grown;
    }
  }
  if (input.file.length > 0 && input.fixChecksum && bytes.length >= 4) {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    v.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)) >>> 0, true);
  }
  return bytes;
}

function refusal(e: unknown, what: string): void {
  must(
    e instanceof SnapshotError,
    `${what} threw ${(e as Error)?.name}, not a SnapshotError: ${(e as Error)?.message}`,
  );
  mustBeOneLine(e.message, what);
}

/** Restores a fuzzed snapshot as the target does: with the devices it may hold, interpreted. */
export function restoreFuzzed(
  bytes: Uint8Array,
  write: (b: Uint8Array) => void = () => {},
): Machine {
  return Machine.restore(bytes, { console: { write }, devices: snapshotDevices(), jit: false });
}

function check(input: SnapshotInput): void {
  const bytes = damaged(input);
  let configOk = true;
  try {
    readSnapshotConfig(bytes);
  } catch (e) {
    refusal(e, "readSnapshotConfig");
    configOk = false;
  }
  let out = 0;
  let machine: Machine;
  try {
    machine = restoreFuzzed(bytes, (b) => void (out += b.length));
  } catch (e) {
    refusal(e, "restore");
    return;
  }
  must(configOk, "the configuration was refused but the machine restored");
  // A guest notifies its queues after a restore: each device then walks what the file holds.
  for (const t of machine.virtio) {
    for (let q = 0; q < t.device.numQueues; q++) t.write(0x50, 4, q);
  }
  // The restored machine runs as the run loop drives it (board/machine.ts), synchronously.
  for (let slice = 0; slice < 4 && !machine.hart.haltRequested; slice++) {
    machine.clint.update();
    machine.platform.update();
    const n = machine.hart.run(5000);
    machine.executed += n;
    machine.clock.advance(n);
  }
  machine.output.flush(); // HTIF's bytes wait for the event loop (devices/byte_output.ts)
  const untouched = input.sections.length === 0 && input.file.length === 0;
  if (untouched) {
    must(out > 100, `an undamaged snapshot restored a machine that printed ${out} bytes`);
  }
}

export const snapshotTarget: FuzzTarget<SnapshotInput> = {
  name: "snapshot",
  about: "a snapshot damaged anywhere is refused with one SnapshotError line or restores a " +
    "machine that runs; an undamaged one goes on printing",
  arbitrary: inputArb,
  check,
};
