/**
 * Every device register of a whole machine (board/machine.ts: CLINT, PLIC,
 * HTIF, the test finisher, the RTC, the UART, the entropy device, the framebuffer and the VirtIO MMIO slots with a
 * disk, a 9P share, a network card and a keyboard behind them) written and
 * read with arbitrary sizes and values, as a guest's loads and stores reach
 * them, with RAM full of guest-chosen bytes so that queue addresses point at
 * garbage. No access throws, every read is a value of its size, the PLIC
 * claims only real sources, HTIF prints at most one byte per command, and
 * afterwards the machine still runs a program to its power-off.
 */
import fc from "fast-check";
import {
  CLINT_BASE,
  FINISHER_BASE,
  HTIF_BASE,
  Machine,
  PLIC_BASE,
  VIRTIO_BASE,
} from "../../../board/machine.ts";
import { RAM_BASE } from "../../../core/memory.ts";
import { FRAMEBUFFER_BASE } from "../../../devices/framebuffer.ts";
import { RTC_BASE } from "../../../devices/goldfish_rtc.ts";
import { UART_BASE } from "../../../devices/uart16550.ts";
import { RNG_BASE } from "../../../board/platform_devices.ts";
import { VirtioBlock } from "../../../devices/virtio_blk.ts";
import { Virtio9p } from "../../../devices/virtio_9p.ts";
import { VirtioNet } from "../../../devices/virtio_net.ts";
import { keyboardProfile, VirtioInput } from "../../../devices/virtio_input.ts";
import { MemoryFs } from "../../../backends/fs/p9_memory_fs.ts";
import { MemoryOverlay, SnapshotBackend } from "../../../backends/block/snapshot_block.ts";
import type { BlockBackend } from "../../../devices/block_backend.ts";
import type { EthernetBackend } from "../../../devices/ethernet_backend.ts";
import { type Stateful, StateReader, StateWriter } from "../../../core/snapshot/format.ts";
import { type FuzzTarget, must } from "../target.ts";

/** A blank base disk under the snapshot layer (the guest's writes stay in memory). */
const blankDisk = (sectors: number): BlockBackend => ({
  sectorCount: sectors,
  readOnly: true,
  read: (_s, buf) => Promise.resolve(void buf.fill(0)),
  write: () => Promise.reject(new Error("read-only")),
  flush: () => Promise.resolve(),
  close: () => Promise.resolve(),
});

/** A network that swallows frames (the user network has its own targets). */
class Sink implements EthernetBackend {
  frames = 0;
  attach(): void {}
  send(): void {
    this.frames++;
  }
}

interface Access {
  base: number;
  offset: number;
  size: 1 | 2 | 4 | 8;
  value: number;
  write: boolean;
}

const REGIONS: [number, number[]][] = [
  [CLINT_BASE, [0, 4, 0x4000, 0x4004, 0xbff8, 0xbffc, 0x8000]],
  [PLIC_BASE, [0, 4, 0x7c, 0x1000, 0x2000, 0x2080, 0x200000, 0x200004, 0x201000, 0x201004]],
  [HTIF_BASE, [0, 4, 8, 12]],
  [FINISHER_BASE, [0, 2, 4]],
  [RTC_BASE, [0, 4, 8, 0xc, 0x10, 0x14, 0x18, 0x1c]],
  [UART_BASE, [0, 1, 2, 3, 4, 5, 6, 7]],
  [RNG_BASE, [0, 0x10, 0x20, 0x30, 0x44, 0x50, 0x70, 0x80, 0x90, 0xa0]],
  [FRAMEBUFFER_BASE, [0, 4, 1020, 4092]],
  ...[0, 1, 2, 3, 4, 5].map((slot): [number, number[]] => [
    VIRTIO_BASE + slot * 0x1000,
    [
      0,
      0x10,
      0x14,
      0x20,
      0x24,
      0x30,
      0x34,
      0x38,
      0x44,
      0x50,
      0x60,
      0x64,
      0x70,
      0x80,
      0x84,
      0x90,
      0x94,
      0xa0,
      0xa4,
      0xfc,
      0x100,
      0x104,
    ],
  ]),
];

const accessArb: fc.Arbitrary<Access> = fc.record({
  region: fc.nat({ max: REGIONS.length - 1 }),
  pick: fc.nat(),
  jitter: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, fc.integer({ min: -8, max: 0x1000 })),
  size: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
  value: fc.oneof(
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.constantFrom(0, 1, 0xf, 0xb, 16, 64, 0x5555, 0x3333, 0x7777, 0x01010000),
    fc.integer({ min: 0, max: 0xffff }).map((o) => RAM_BASE + o * 16),
  ),
  write: fc.boolean(),
}).map((a) => {
  const [base, offsets] = REGIONS[a.region];
  return {
    base,
    offset: Math.max(0, offsets[a.pick % offsets.length] + a.jitter),
    size: a.size,
    value: a.value >>> 0,
    write: a.write,
  };
});

export interface MmioInput {
  ram: Uint8Array;
  accesses: Access[];
}

/** A program that prints "ok" through HTIF and powers off with code 0 (test finisher). */
function okProgram(): Uint8Array {
  const w: number[] = [];
  const li = (rd: number, imm: number) => {
    // lui + addi for a 32-bit immediate
    const lo = (imm << 20) >> 20;
    const hi = (imm - lo) >>> 0;
    w.push((hi & 0xfffff000) | (rd << 7) | 0x37);
    w.push(((lo & 0xfff) << 20) | (rd << 15) | (rd << 7) | 0x13);
  };
  const sw = (rs2: number, rs1: number) => w.push((rs2 << 20) | (rs1 << 15) | (2 << 12) | 0x23);
  li(5, HTIF_BASE);
  for (const c of "ok") {
    li(6, c.charCodeAt(0));
    sw(6, 5); // tohost low
    li(6, 0x01010000);
    w.push((6 << 20) | (5 << 15) | (2 << 12) | (4 << 7) | 0x23); // sw t1, 4(t0)
  }
  li(5, FINISHER_BASE);
  li(6, 0x5555);
  sw(6, 5);
  w.push(0x0000006f); // j .
  return new Uint8Array(new Uint32Array(w).buffer);
}
const OK_PROGRAM = okProgram();

/**
 * One machine serves every input (building one costs more than an input's accesses): between
 * inputs each VirtIO transport and device is reset as a driver resets it (status 0), and
 * CLINT, PLIC and HTIF are put back to their power-on state with their snapshot hooks.
 */
function buildMachine() {
  const out: number[] = [];
  const vm = new Machine({
    memoryMiB: 1,
    console: { write: (b) => out.push(...b) },
    framebuffer: { width: 16, height: 16 },
    jit: false,
    deterministic: true,
  });
  const disk = new VirtioBlock(new SnapshotBackend(blankDisk(64), new MemoryOverlay()), {
    log: () => {},
  });
  vm.addVirtio(disk);
  vm.addVirtio(new Virtio9p("fuzz", new MemoryFs()));
  vm.addVirtio(new VirtioNet(new Sink()));
  vm.addVirtio(new VirtioInput(keyboardProfile([1, 2, 30])));
  for (const t of [...vm.virtio, vm.platform.rng]) {
    (t as unknown as { logFn: (m: string) => void }).logFn = () => {};
  }
  const parts: Stateful[] = [vm.clint, vm.plic, vm.htif];
  const pristine = parts.map((p) => {
    const w = new StateWriter();
    p.saveState(w);
    return w.finish().slice();
  });
  const reset = () => {
    for (const t of [...vm.virtio, vm.platform.rng]) t.write(0x70, 4, 0); // status 0: a reset
    parts.forEach((p, i) => p.loadState(new StateReader(pristine[i])));
    vm.hart.haltRequested = false;
    vm.output.flush();
    out.length = 0;
  };
  return { vm, disk, out, reset };
}
let shared: ReturnType<typeof buildMachine> | null = null;

async function check(input: MmioInput): Promise<void> {
  shared ??= buildMachine();
  const { vm, disk, out } = shared;
  shared.reset();
  // RAM is the guest's bytes repeated: copied once, then doubled (a few calls, not thousands).
  const ram = vm.mem.bytes;
  ram.set(input.ram.subarray(0, Math.min(input.ram.length, vm.mem.size)));
  for (let n = input.ram.length; n < vm.mem.size; n *= 2) {
    ram.copyWithin(n, 0, Math.min(n, vm.mem.size - n));
  }
  let htifCommands = 0;
  for (const a of input.accesses) {
    const pa = a.base + a.offset;
    const m = vm.mem.findMmio(pa);
    if (!m || pa % a.size !== 0 || pa + a.size > m.base + m.size) continue; // an access fault
    const at = pa - m.base;
    if (a.write) {
      if (a.base === HTIF_BASE) htifCommands++;
      if (a.size === 8) {
        m.region.write(at, 4, a.value);
        m.region.write(at + 4, 4, 0);
      } else m.region.write(at, a.size, a.value & (2 ** (8 * a.size) - 1));
    } else {
      const sizes = a.size === 8 ? [4, 4] as const : [a.size];
      sizes.forEach((s, k) => {
        const v = m.region.read(at + 4 * k, s);
        must(
          Number.isInteger(v) && v >= 0 && v < 2 ** (8 * s),
          `read of ${s} at 0x${(pa + 4 * k).toString(16)} gave ${v}`,
        );
        if (a.base === PLIC_BASE && (at & ~0xfff) >= 0x200000 && (at & 0xfff) === 4) {
          must(v <= 31, `PLIC claimed source ${v}`);
        }
      });
    }
  }
  vm.output.flush(); // HTIF's bytes wait for the event loop (devices/byte_output.ts)
  must(out.length <= htifCommands, `${out.length} console bytes from ${htifCommands} HTIF writes`);
  // Block requests may still be in flight on the host side.
  for (let i = 0; i < 50 && disk.pending > 0; i++) await Promise.resolve();
  // The same machine still works: a program prints through HTIF and powers off.
  vm.hart.haltRequested = false;
  const printed = out.length;
  vm.mem.loadRam(RAM_BASE, OK_PROGRAM, "program");
  vm.hart.pc = RAM_BASE;
  vm.hart.run(200);
  vm.output.flush();
  must(
    String.fromCharCode(...out.slice(printed)) === "ok",
    "the program's output after the accesses",
  );
  must(vm.hart.haltRequested, "the program's power-off did not stop the machine");
}

export const mmioTarget: FuzzTarget<MmioInput> = {
  name: "mmio",
  about:
    "every device register of a full machine: no throw, reads in range, PLIC claims real sources",
  arbitrary: fc.record({
    ram: fc.uint8Array({ minLength: 64, maxLength: 4096 }),
    accesses: fc.array(accessArb, { minLength: 1, maxLength: 60 }),
  }),
  check,
  async: true,
};
