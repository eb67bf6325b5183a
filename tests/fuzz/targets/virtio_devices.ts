/**
 * The console, input, net and 9P VirtIO devices behind the real MMIO
 * transport, driven by the hostile driver of tests/fuzz/virtio_driver.ts:
 * random features, config-space accesses and descriptor chains on every
 * queue (direct or indirect, buffers overlapping), then host-side traffic
 * (console input, input events, received frames). Besides the driver's
 * checks (answered at most once, exactly once where the device must drain
 * the queue, writes only in writable buffers), each device's data path is
 * checked: the console passes transmitted bytes through unchanged and hands
 * input over in order, net passes each frame after its header to the host
 * and each received frame to the guest behind a virtio-net header, input
 * answers in whole 8-byte events, 9P replies are framed and echo the tag.
 */
import fc from "fast-check";
import { setImmediate } from "node:timers";
import { VirtioConsole } from "../../../devices/virtio_console.ts";
import { keyboardProfile, tabletProfile, VirtioInput } from "../../../devices/virtio_input.ts";
import { NET_HDR_SIZE, VirtioNet } from "../../../devices/virtio_net.ts";
import { Virtio9p } from "../../../devices/virtio_9p.ts";
import { MemoryFs } from "../../../backends/fs/p9_memory_fs.ts";
import type { EthernetBackend, EthernetPort } from "../../../devices/ethernet_backend.ts";
import type { VirtioDevice } from "../../../devices/virtio.ts";
import { type FuzzTarget, must } from "../target.ts";
import { FuzzDriver, type Posted, type RequestSpec, segmentArb } from "../virtio_driver.ts";

const dataArb = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array([0])) },
);
const lenArb = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 96 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 4000 }) },
);

const requestArb = (queues: number, data = dataArb): fc.Arbitrary<RequestSpec> =>
  fc.record({
    queue: fc.integer({ min: 0, max: queues - 1 }),
    segs: fc.array(segmentArb(data, lenArb, fc.boolean()), { minLength: 1, maxLength: 4 }),
    indirect: fc.boolean(),
    notify: fc.boolean(),
  });

const configOpArb = fc.record({
  offset: fc.integer({ min: 0x100, max: 0x1ff }),
  size: fc.constantFrom(1 as const, 2 as const, 4 as const),
  value: fc.integer({ min: 0, max: 0xffffffff }),
  write: fc.boolean(),
});

interface DeviceInput {
  features: bigint;
  config: { offset: number; size: 1 | 2 | 4; value: number; write: boolean }[];
  requests: RequestSpec[];
  /** Host-side traffic: console input, events, frames. */
  host: Uint8Array[];
}

const inputArb = (queues: number, data = dataArb): fc.Arbitrary<DeviceInput> =>
  fc.record({
    features: fc.oneof(fc.constant(~0n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
    config: fc.array(configOpArb, { maxLength: 6 }),
    requests: fc.array(requestArb(queues, data), { minLength: 1, maxLength: 16 }),
    host: fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }),
  });

/** Brings the device up, posts everything, pokes the config space; returns the driver. */
function drive(dev: VirtioDevice, input: DeviceInput): FuzzDriver {
  const drv = new FuzzDriver(dev);
  drv.init(input.features | (1n << 28n));
  for (const c of input.config) {
    if (c.write) drv.transport.write(c.offset, c.size, c.value);
    else {
      const v = drv.transport.read(c.offset, c.size);
      must(Number.isInteger(v) && v >= 0 && v < 2 ** (8 * c.size), `config read gave ${v}`);
    }
  }
  for (const r of input.requests) if (!drv.post(r)) break;
  return drv;
}

const readBytes = (drv: FuzzDriver, p: Posted): Uint8Array => {
  const out = new Uint8Array(p.readable.reduce((n, r) => n + r.len, 0));
  let at = 0;
  for (const r of p.readable) {
    out.set(drv.ram.bytes.subarray(r.addr - 0x8000_0000, r.addr - 0x8000_0000 + r.len), at);
    at += r.len;
  }
  return out;
};

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

// --- console ---

export const virtioConsoleTarget: FuzzTarget<DeviceInput> = {
  name: "virtio-console",
  about:
    "transmitted bytes reach the host unchanged and in order; input reaches the guest in order",
  arbitrary: inputArb(2),
  check(input) {
    const out: Uint8Array[] = [];
    const dev = new VirtioConsole({ write: (b) => out.push(b.slice()) });
    const drv = drive(dev, input);
    // Transmit first: the readable bytes are exactly as the driver laid them out.
    drv.w(0x50, 1);
    const tx = drv.posted.filter((p) => p.queue === 1 && !p.malformed);
    const expected = concat(tx.map((p) => readBytes(drv, p)));
    drv.check((q) => q === 1);
    // Overlapping buffers may have been rewritten by the driver after the device read them.
    if (drv.overlapping) return;
    must(same(concat(out), expected), "console output differs from the transmitted bytes");
    // Then input: it fills receive buffers in order.
    for (const h of input.host) dev.pushInput(h);
    drv.notifyAll();
    drv.check((q) => q === 1);
    const rx = drv.posted.filter((p) => p.queue === 0 && p.used !== null)
      .sort((a, b) => a.order - b.order);
    const got = concat(rx.map((p) => drv.written(p).subarray(0, p.used!)));
    const sent = concat(input.host);
    must(same(got, sent.subarray(0, got.length)), "console input reached the guest out of order");
  },
};

// --- input ---

export const virtioInputTarget: FuzzTarget<DeviceInput & { tablet: boolean }> = {
  name: "virtio-input",
  about: "events are delivered in whole 8-byte events; status events are all consumed",
  arbitrary: fc.tuple(inputArb(2), fc.boolean()).map(([i, tablet]) => ({ ...i, tablet })),
  check(input) {
    const dev = new VirtioInput(input.tablet ? tabletProfile() : keyboardProfile([1, 2, 30, 28]));
    const drv = drive(dev, input);
    for (const h of input.host) {
      const v = new DataView(h.buffer, h.byteOffset, h.length);
      if (h.length >= 4) {
        if (input.tablet) dev.report([[h[0] & 3, h[1], v.getInt16(2, true)]]);
        else dev.key(h[0], (h[1] & 1) === 1);
      }
    }
    drv.notifyAll();
    drv.check((q) => q === 1);
    for (const p of drv.posted) {
      if (p.queue === 0 && p.used !== null) must(p.used % 8 === 0, `event of ${p.used} bytes`);
    }
  },
};

// --- net ---

class Capture implements EthernetBackend {
  frames: Uint8Array[] = [];
  port: EthernetPort | null = null;
  constructor(readonly acceptsLargeFrames: boolean) {}
  attach(port: EthernetPort): void {
    this.port = port;
  }
  send(frame: Uint8Array): void {
    this.frames.push(frame.slice());
  }
}

export const virtioNetTarget: FuzzTarget<DeviceInput & { large: boolean }> = {
  name: "virtio-net",
  about:
    "each transmitted frame reaches the host once; received frames reach the guest after a header",
  arbitrary: fc.tuple(inputArb(2), fc.boolean()).map(([i, large]) => ({ ...i, large })),
  async: true,
  async check(input) {
    const host = new Capture(input.large);
    const dev = new VirtioNet(host);
    const drv = drive(dev, input);
    drv.w(0x50, 1);
    // Transmitted chains are completed in a setImmediate (devices/virtio_net.ts): one queued
    // after it runs after it. A setTimeout(0) wait cost 1 to 3 ms and, in a fresh process, came
    // before the device's first immediate (its first inputs failed: "head 0 never answered").
    await new Promise((r) => setImmediate(r));
    drv.check((q) => q === 1);
    const tx = drv.posted.filter((p) => p.queue === 1);
    must(host.frames.length <= tx.length, `${host.frames.length} frames from ${tx.length} chains`);
    if (!drv.overlapping) {
      // In order, each chain of a header and at least an Ethernet header is one frame: the
      // bytes after the header as they are, or with the checksum the guest asked for filled in.
      let next = 0;
      for (const p of tx.filter((p) => !p.malformed).sort((a, b) => a.order - b.order)) {
        const data = readBytes(drv, p);
        if (data.length < NET_HDR_SIZE + 14) continue;
        const frame = data.subarray(NET_HDR_SIZE, NET_HDR_SIZE + 14 + 65535);
        const got = host.frames[next];
        if (data[0] & 1) {
          if (got?.length === frame.length) next++; // filled in, or dropped when it cannot be
          continue;
        }
        must(got && same(got, frame), `transmitted frame ${next} differs from the chain's bytes`);
        next++;
      }
      must(next === host.frames.length, `${host.frames.length - next} frames the guest never sent`);
    }
    for (const f of input.host) host.port!.receive(f);
    drv.notifyAll();
    await new Promise((r) => setImmediate(r));
    drv.check((q) => q === 1);
    if (drv.overlapping) return;
    const rx = drv.posted.filter((p) => p.queue === 0 && p.used !== null && p.used > 0)
      .sort((a, b) => a.order - b.order);
    // Each frame: a header whose num_buffers says how many buffers it spans, then the
    // frame; the frames arrive in the order the host sent them (some may be dropped).
    let next = 0;
    for (let i = 0; i < rx.length;) {
      const first = drv.written(rx[i]).subarray(0, rx[i].used!);
      must(first.length >= NET_HDR_SIZE, `receive buffer filled with ${first.length} bytes`);
      const n = first[10] | (first[11] << 8);
      must(n >= 1 && i + n <= rx.length, `num_buffers ${n} with ${rx.length - i} buffers used`);
      const parts = rx.slice(i, i + n).map((p) => drv.written(p).subarray(0, p.used!));
      const frame = concat(parts).subarray(NET_HDR_SIZE);
      while (next < input.host.length && !same(input.host[next], frame)) next++;
      must(next < input.host.length, "a received frame is not the next frame the host sent");
      next++;
      i += n;
    }
  },
};

// --- 9P transport ---

/** The file tree's calls that change nothing (devices/p9/fs.ts); open works only on files. */
const FS_READS = new Set(["lstat", "readdir", "open", "readlink", "statfs"]);

/**
 * One 9P device for every input: a new one allocates two 512 KiB buffers (devices/virtio_9p.ts),
 * which was most of this target's time. The driver's status 0 resets it as a guest does (its
 * fids, locks and msize; devices/p9/server.ts), and after an input that called anything on the
 * file tree other than FS_READS, the next input gets a new device and a new empty tree, so every
 * input meets what a fresh device would give it.
 */
let shared9p: { dev: Virtio9p; changed: boolean } | null = null;

function device9p(): Virtio9p {
  if (shared9p && !shared9p.changed) return shared9p.dev;
  const fs = new MemoryFs();
  const s = { dev: null as unknown as Virtio9p, changed: false };
  const watched = new Proxy(fs, {
    get(target, key) {
      const v = Reflect.get(target, key, target);
      if (typeof v !== "function") return v;
      if (FS_READS.has(String(key))) return v.bind(target);
      return (...args: unknown[]) => {
        s.changed = true;
        return v.apply(target, args);
      };
    },
  });
  s.dev = new Virtio9p("fuzz", watched);
  shared9p = s;
  return s.dev;
}

export const virtio9pTarget: FuzzTarget<DeviceInput> = {
  name: "virtio-9p",
  about:
    "every chain answered once; a non-empty reply is framed (size = used length) and echoes the tag",
  arbitrary: inputArb(
    1,
    fc.oneof(
      dataArb,
      fc.tuple(
        fc.constantFrom(100, 104, 110, 120, 116, 118, 24),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ maxLength: 40 }),
      )
        .map(([type, tag, body]) => {
          const m = new Uint8Array(7 + body.length);
          new DataView(m.buffer).setUint32(0, m.length, true);
          m[4] = type;
          m[5] = tag & 0xff;
          m[6] = tag >> 8;
          m.set(body, 7);
          return m;
        }),
    ),
  ),
  check(input) {
    const dev = device9p();
    const drv = drive(dev, input);
    drv.notifyAll();
    drv.check(() => true);
    if (drv.overlapping) return;
    for (const p of drv.posted) {
      if (!p.used) continue;
      const reply = drv.written(p).subarray(0, p.used);
      const v = new DataView(reply.buffer, reply.byteOffset, reply.length);
      must(reply.length >= 7, `9P reply of ${reply.length} bytes`);
      must(v.getUint32(0, true) === p.used, "9P reply size field differs from the used length");
      const req = readBytes(drv, p);
      if (req.length >= 7) must(v.getUint16(5, true) === (req[5] | (req[6] << 8)), "9P reply tag");
    }
  },
};
