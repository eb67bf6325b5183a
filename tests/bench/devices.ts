/**
 * `deno task bench`, devices without a guest: each device is driven by a
 * synthetic driver (tests/support/synthetic_driver.ts) posting chains shaped
 * like Linux's, so the figures are the device and host side alone. Beside
 * the end-to-end guest figures (tests/bench/vs_qemu.ts) they say how much of
 * a transfer's time is the device's and how much the guest CPU's.
 *
 *   deno run -A tests/bench/devices.ts [blk|9p|net ...]
 *
 * Reports MB/s and requests/s (medians of DEMU_BENCH_RUNS), with the
 * interrupts and notifications per request.
 */
import { join } from "node:path";
import { FileBackend } from "../../backends/block/file_block.ts";
import { HostFs } from "../../backends/fs/p9_host_fs.ts";
import { UserNetwork } from "../../backends/net/user.ts";
import { ETHERTYPE_IPV4, parseEthernet, writeEthernetHeader } from "../../backends/net/ethernet.ts";
import { parseIpv4, PROTO_TCP, writeIpv4Header } from "../../backends/net/ipv4.ts";
import {
  ACK,
  buildTcp,
  FIN,
  parseTcp,
  SYN,
  TCP_CSUM_OFFSET,
  type TcpHeader,
} from "../../backends/net/tcp.ts";
import { GATEWAY_MAC, GUEST_IP, HOST_IP } from "../../backends/net/user.ts";
import { VirtioBlock } from "../../devices/virtio_blk.ts";
import { Virtio9p } from "../../devices/virtio_9p.ts";
import { NET_HDR_SIZE, VirtioNet } from "../../devices/virtio_net.ts";
import { type Buf, RAM_BASE, SyntheticDriver } from "../support/synthetic_driver.ts";
import { fakeRam } from "../support/guest_ram.ts";
import { median } from "./report.ts";

const RUNS = Number(Deno.env.get("DEMU_BENCH_RUNS") ?? 3);
const TOTAL = 128 << 20;
const PAGE = 4096;
const which = Deno.args.length ? Deno.args : ["blk", "9p", "net"];

interface Run {
  seconds: number;
  requests: number;
  irqs: number;
  notifies: number;
  bytes: number;
}

function line(name: string, runs: Run[]): void {
  const mbs = median(runs.map((r) => r.bytes / r.seconds / 1e6));
  const rps = median(runs.map((r) => r.requests / r.seconds));
  const r = runs[0];
  console.log(
    `${name.padEnd(44)} ${mbs.toFixed(0).padStart(6)} MB/s ${rps.toFixed(0).padStart(8)} req/s` +
      `  irq/req ${(r.irqs / r.requests).toFixed(2)} kick/req ${
        (r.notifies / r.requests).toFixed(2)
      }`,
  );
}

/**
 * Buffers of `seg` bytes covering [addr, addr + len), in reverse order so
 * that no two neighbours are adjacent in RAM (like the scattered pages of a
 * guest's page cache).
 */
function pages(addr: number, len: number, seg = PAGE): Buf[] {
  const out: Buf[] = [];
  for (let off = 0; off < len; off += seg) {
    out.push({ addr: addr + off, len: Math.min(seg, len - off) });
  }
  return out.reverse();
}

// --- virtio-blk ---

async function blk(tmp: string): Promise<void> {
  const path = join(tmp, "disk.img");
  const data = new Uint8Array(TOTAL);
  for (let i = 0; i < data.length; i += PAGE) data[i] = (i >> 12) & 0xff;
  await Deno.writeFile(path, data);
  for (
    const [kind, reqBytes, depth] of [
      ["read", 128 << 10, 4],
      ["read", 1 << 20, 2],
      ["write", 128 << 10, 4],
      ["write", 1 << 20, 2],
    ] as const
  ) {
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const file = await Deno.open(path, { read: true, write: true });
      const dev = new VirtioBlock(new FileBackend(file, TOTAL, false, path));
      const drv = new SyntheticDriver(fakeRam(64 << 20), dev);
      drv.init(1);
      const slots = Array.from({ length: depth }, () => ({
        hdr: drv.heap(PAGE),
        data: drv.heap(reqBytes),
      }));
      const bySlot = new Map<number, number>();
      let next = 0;
      let done = 0;
      let requests = 0;
      const post = (s: number) => {
        const { hdr, data } = slots[s];
        const v = drv.ram.view;
        v.setUint32(hdr - RAM_BASE, kind === "read" ? 0 : 1, true);
        v.setUint32(hdr - RAM_BASE + 8, (next / 512) >>> 0, true);
        v.setUint32(hdr - RAM_BASE + 12, 0, true);
        next += reqBytes;
        const status = { addr: hdr + 16, len: 1 };
        const body = pages(data, reqBytes, reqBytes > 128 << 10 ? 64 << 10 : PAGE);
        const head = kind === "read"
          ? drv.post(0, [{ addr: hdr, len: 16 }], [...body, status], false)
          : drv.post(0, [{ addr: hdr, len: 16 }, ...body], [status], false);
        bySlot.set(head, s);
        drv.kick(0);
      };
      const t0 = performance.now();
      for (let s = 0; s < depth; s++) post(s);
      while (done < TOTAL) {
        const got = drv.reap(0);
        if (got.length === 0) await drv.waitIrq();
        // Every reaped head first: posting may reuse their descriptors at once.
        const finished = got.map(([head]) => {
          const s = bySlot.get(head)!;
          bySlot.delete(head);
          return s;
        });
        for (const s of finished) {
          if (drv.ram.bytes[slots[s].hdr - RAM_BASE + 16] !== 0) throw new Error("blk: IOERR");
          done += reqBytes;
          requests++;
          if (next < TOTAL) post(s);
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      runs.push({ seconds, requests, irqs: drv.irqs, notifies: drv.notifies, bytes: TOTAL });
      await dev.close();
    }
    line(`blk ${kind} ${reqBytes >> 10} KiB x${depth} in flight (raw file)`, runs);
  }
}

// --- virtio-9p ---

class P9Client {
  private tag = 1;
  readonly req: number;
  readonly rep: number;
  constructor(readonly drv: SyntheticDriver, readonly msize: number) {
    this.req = drv.heap(msize);
    this.rep = drv.heap(msize);
  }
  /** Sends one message (body built by `fill` at offset 7) and returns the reply's bytes. */
  async rpc(
    type: number,
    fill: (v: DataView, at: number) => number,
    extra: Buf[] = [],
    replyBufs?: Buf[],
  ): Promise<DataView> {
    const ram = this.drv.ram;
    const v = ram.view;
    const at = this.req - RAM_BASE;
    const end = fill(v, at + 7);
    v.setUint32(at, end - at + extra.reduce((n, b) => n + b.len, 0), true);
    v.setUint8(at + 4, type);
    v.setUint16(at + 5, this.tag, true);
    this.tag = (this.tag % 0xfffe) + 1;
    this.drv.post(
      0,
      [{ addr: this.req, len: end - at }, ...extra],
      replyBufs ?? [{ addr: this.rep, len: this.msize }],
    );
    let got = this.drv.reap(0);
    while (got.length === 0) {
      await this.drv.waitIrq();
      got = this.drv.reap(0);
    }
    const r = new DataView(ram.bytes.buffer, ram.bytes.byteOffset + this.rep - RAM_BASE);
    if (r.getUint8(4) === 7) {
      throw new Error(`9p: Rlerror ${r.getUint32(7, true)} for type ${type}`);
    }
    return r;
  }
}

function putStr(v: DataView, at: number, s: string): number {
  const b = new TextEncoder().encode(s);
  v.setUint16(at, b.length, true);
  new Uint8Array(v.buffer, v.byteOffset).set(b, at + 2); // `at` counts from RAM, not the buffer
  return at + 2 + b.length;
}

async function p9(tmp: string): Promise<void> {
  const dir = join(tmp, "share");
  await Deno.mkdir(join(dir, "small"), { recursive: true });
  await Deno.writeFile(join(dir, "big"), new Uint8Array(TOTAL));
  const FILES = 300;
  for (let i = 0; i < FILES; i++) await Deno.writeTextFile(join(dir, "small", `f${i}`), `${i}\n`);
  const msize = 512000;
  const count = msize - 4096; // what Linux asks per Tread/Twrite at this msize (rsize)
  const results: Record<string, Run[]> = { read: [], write: [], meta: [] };
  for (let i = 0; i < RUNS; i++) {
    const dev = new Virtio9p("bench", new HostFs(dir));
    const drv = new SyntheticDriver(fakeRam(64 << 20), dev);
    drv.init(1);
    const c = new P9Client(drv, msize);
    await c.rpc(100, (v, at) => {
      v.setUint32(at, msize, true);
      return putStr(v, at + 4, "9P2000.L");
    });
    await c.rpc(104, (v, at) => {
      v.setUint32(at, 0, true);
      v.setUint32(at + 4, 0xffffffff, true);
      let e = putStr(v, at + 8, "root");
      e = putStr(v, e, "");
      v.setUint32(e, 0, true);
      return e + 4;
    });
    const walk = (fid: number, nfid: number, names: string[]) =>
      c.rpc(110, (v, at) => {
        v.setUint32(at, fid, true);
        v.setUint32(at + 4, nfid, true);
        v.setUint16(at + 8, names.length, true);
        let e = at + 10;
        for (const n of names) e = putStr(v, e, n);
        return e;
      });
    const lopen = (fid: number, flags: number) =>
      c.rpc(12, (v, at) => {
        v.setUint32(at, fid, true);
        v.setUint32(at + 4, flags, true);
        return at + 8;
      });
    const clunk = (fid: number) =>
      c.rpc(120, (v, at) => {
        v.setUint32(at, fid, true);
        return at + 4;
      });
    const data = drv.heap(count);
    // Read: Linux's zero-copy Tread: an 11-byte reply header, then the user's pages.
    for (const kind of ["read", "write"] as const) {
      await walk(0, 1, ["big"]);
      await lopen(1, kind === "read" ? 0 : 1);
      const t0 = performance.now();
      const irq0 = drv.irqs;
      const kick0 = drv.notifies;
      let off = 0;
      let requests = 0;
      while (off < TOTAL) {
        const n = Math.min(count, TOTAL - off);
        const body = (v: DataView, at: number) => {
          v.setUint32(at, 1, true);
          v.setUint32(at + 4, off % 2 ** 32, true);
          v.setUint32(at + 8, 0, true);
          v.setUint32(at + 12, n, true);
          return at + 16;
        };
        const r = kind === "read"
          ? await c.rpc(116, body, [], [{ addr: c.rep, len: 11 }, ...pages(data, n)])
          : await c.rpc(118, body, pages(data, n), [{ addr: c.rep, len: 11 }]);
        const got = r.getUint32(7, true);
        if (got !== n) throw new Error(`9p ${kind}: ${got} of ${n} bytes`);
        off += n;
        requests++;
      }
      results[kind].push({
        seconds: (performance.now() - t0) / 1000,
        requests,
        irqs: drv.irqs - irq0,
        notifies: drv.notifies - kick0,
        bytes: TOTAL,
      });
      await clunk(1);
    }
    // Metadata: what `ls -l` and `cat` do per file: walk, getattr, open, read, clunk.
    const t0 = performance.now();
    const irq0 = drv.irqs;
    const kick0 = drv.notifies;
    for (let f = 0; f < FILES; f++) {
      await walk(0, 2, ["small", `f${f}`]);
      await c.rpc(24, (v, at) => {
        v.setUint32(at, 2, true);
        v.setUint32(at + 4, 0x7ff, true);
        v.setUint32(at + 8, 0, true);
        return at + 12;
      });
      await lopen(2, 0);
      await c.rpc(116, (v, at) => {
        v.setUint32(at, 2, true);
        v.setUint32(at + 4, 0, true);
        v.setUint32(at + 8, 0, true);
        v.setUint32(at + 12, 4096, true);
        return at + 16;
      });
      await clunk(2);
    }
    results.meta.push({
      seconds: (performance.now() - t0) / 1000,
      requests: FILES * 5,
      irqs: drv.irqs - irq0,
      notifies: drv.notifies - kick0,
      bytes: 0,
    });
    dev.close();
  }
  line(`9p read ${count} B Tread (msize 512000)`, results.read);
  line(`9p write ${count} B Twrite (msize 512000)`, results.write);
  const files = median(results.meta.map((r) => FILES / r.seconds));
  const reqs = median(results.meta.map((r) => r.requests / r.seconds));
  console.log(
    `${"9p metadata (walk+getattr+open+read+clunk)".padEnd(44)} ${files.toFixed(0).padStart(6)}` +
      ` files/s ${reqs.toFixed(0).padStart(5)} req/s`,
  );
}

// --- virtio-net through the user-mode NAT ---

const ETH = 14;
const IP = 20;
/** The upload's payload (its bytes do not matter, only their number). */
const ZEROS = new Uint8Array(65536);

/** A guest TCP endpoint made of the synthetic driver's rx and tx queues. */
class GuestTcp {
  seq = 1000;
  ack = 0;
  private readonly tx: number;
  private readonly rxBufs = new Map<number, number>();
  readonly rxBuf = 65536 + 4096;
  received = 0;
  peerWindow = 0;
  peerShift = 0;
  peerAck = 0;
  fin = false;
  synAck = false;
  constructor(readonly drv: SyntheticDriver, readonly sport: number, readonly dport: number) {
    this.tx = drv.heap(70000);
    for (let i = 0; i < 64; i++) {
      const b = drv.heap(this.rxBuf);
      this.rxBufs.set(drv.post(0, [], [{ addr: b, len: this.rxBuf }], false), b);
    }
    drv.kick(0);
  }
  send(flags: number, payload = 0, extra: Partial<TcpHeader> = {}): void {
    const h: TcpHeader = {
      srcPort: this.sport,
      dstPort: this.dport,
      seq: this.seq,
      ack: this.ack,
      flags,
      // Like Linux: an 8 MiB window (scaled by 7) once the SYNs agreed on scaling.
      window: flags & SYN ? 65535 : (this.peerShift ? 65535 : Math.min(65535, 8 << 20)),
      ...extra,
    };
    // As Linux sends with the device's checksum offload (VIRTIO_NET_F_CSUM): the TCP checksum
    // left partial, marked NEEDS_CSUM, the frame built in place behind the virtio-net header.
    // Summing it here (and the NAT checking it) was a third of the upload's host time, which a
    // real guest never costs.
    const at = NET_HDR_SIZE + ETH + IP;
    const b = buildTcp(GUEST_IP, HOST_IP, h, ZEROS.subarray(0, payload), true, at);
    const buf = new Uint8Array(b.buffer);
    writeIpv4Header(buf.subarray(NET_HDR_SIZE + ETH), GUEST_IP, HOST_IP, PROTO_TCP, b.length);
    writeEthernetHeader(
      buf.subarray(NET_HDR_SIZE),
      GATEWAY_MAC,
      new Uint8Array([2, 0, 0, 0, 0, 1]),
      ETHERTYPE_IPV4,
    );
    const hdr = new DataView(buf.buffer, 0, NET_HDR_SIZE);
    hdr.setUint8(0, 1); // VIRTIO_NET_HDR_F_NEEDS_CSUM
    hdr.setUint16(6, ETH + IP, true); // csum_start
    hdr.setUint16(8, TCP_CSUM_OFFSET, true); // csum_offset
    this.drv.ram.bytes.set(buf, this.tx - RAM_BASE);
    const frame = buf.subarray(NET_HDR_SIZE);
    this.drv.post(1, [{ addr: this.tx, len: NET_HDR_SIZE + frame.length }], []);
    this.drv.reap(1);
    this.seq = (this.seq + payload + (flags & (SYN | FIN) ? 1 : 0)) >>> 0;
  }
  /** Takes received frames, returns how many carried data; re-posts their buffers. */
  poll(): number {
    let data = 0;
    // Every reaped buffer first: re-posting may reuse their descriptors at once.
    const got = this.drv.reap(0).map(([head, len]) => {
      const addr = this.rxBufs.get(head)!;
      this.rxBufs.delete(head);
      return [addr, len];
    });
    for (const [addr, len] of got) {
      const bytes = this.drv.ram.bytes.subarray(
        addr - RAM_BASE + NET_HDR_SIZE,
        addr - RAM_BASE + len,
      );
      const eth = parseEthernet(bytes);
      const ip = eth && parseIpv4(eth.payload);
      // The NAT vouches for its checksums (DATA_VALID): skip verifying as Linux does.
      const t = ip && ip.proto === PROTO_TCP ? parseTcp(ip.payload, ip.src, ip.dst, false) : null;
      if (t) {
        if (t.flags & SYN) {
          this.ack = (t.seq + 1) >>> 0;
          this.synAck = true;
          this.peerShift = t.wscale ?? 0;
          this.peerWindow = t.window;
        } else {
          if (t.seq === this.ack) {
            const n = t.payload.length;
            this.ack = (this.ack + n + (t.flags & FIN ? 1 : 0)) >>> 0;
            this.received += n;
            if (t.flags & FIN) this.fin = true;
            if (n) data++;
          }
          this.peerWindow = t.window * 2 ** this.peerShift;
        }
        this.peerAck = t.ack;
      }
      this.rxBufs.set(this.drv.post(0, [], [{ addr, len: this.rxBuf }], false), addr);
    }
    if (got.length) this.drv.kick(0);
    return data;
  }
}

async function net(): Promise<void> {
  const down: Run[] = [];
  const up: Run[] = [];
  const payload = new Uint8Array(1 << 20);
  for (let i = 0; i < RUNS; i++) {
    for (const dir of ["down", "up"] as const) {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      let hostGot = 0;
      const serving = (async () => {
        const conn = await listener.accept();
        if (dir === "down") {
          for (let sent = 0; sent < TOTAL;) {
            sent += await conn.write(payload.subarray(0, Math.min(payload.length, TOTAL - sent)));
          }
          conn.close();
        } else {
          const buf = new Uint8Array(1 << 20);
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) break;
            hostGot += n;
          }
          conn.close();
        }
        listener.close();
      })();
      const nat = new UserNetwork({ log: () => {} });
      const dev = new VirtioNet(nat);
      const drv = new SyntheticDriver(fakeRam(64 << 20), dev);
      drv.init(2);
      const g = new GuestTcp(drv, 40000 + i, port);
      g.send(SYN, 0, { mss: 1460, wscale: 7 });
      while (!g.synAck) {
        await drv.waitIrq(50);
        g.poll();
      }
      g.send(ACK);
      const t0 = performance.now();
      const irq0 = drv.irqs;
      const kick0 = drv.notifies;
      let requests = 0;
      if (dir === "down") {
        while (!g.fin) {
          // Poll before sleeping: an ACK's answer may already be in the ring.
          const n = g.poll();
          requests += n;
          if (n) g.send(ACK);
          else await drv.waitIrq(50);
        }
        if (g.received !== TOTAL) throw new Error(`net down: ${g.received} bytes`);
      } else {
        // 64 KiB TSO frames as far as the NAT's window allows.
        const SEG = 65535 - 40;
        let sent = 0;
        while (sent < TOTAL || hostGot < TOTAL) {
          const inFlight = (g.seq - g.peerAck) >>> 0;
          const room = g.peerWindow - inFlight;
          if (sent < TOTAL && room > 0) {
            const n = Math.min(SEG, room, TOTAL - sent);
            g.send(ACK, n);
            sent += n;
            requests++;
            continue;
          }
          if (sent >= TOTAL && hostGot >= TOTAL) break;
          await drv.waitIrq(5);
          g.poll();
          if (sent >= TOTAL && !g.fin) {
            g.send(FIN | ACK);
            g.fin = true;
          }
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      (dir === "down" ? down : up).push({
        seconds,
        requests,
        irqs: drv.irqs - irq0,
        notifies: drv.notifies - kick0,
        bytes: TOTAL,
      });
      await dev.close();
      await serving;
    }
  }
  line("net NAT download (host socket to rx queue)", down);
  line("net NAT upload (tx queue to host socket)", up);
}

const tmp = await Deno.makeTempDir({ prefix: "demu-bench-dev-" });
try {
  if (which.includes("blk")) await blk(tmp);
  if (which.includes("9p")) await p9(tmp);
  if (which.includes("net")) await net();
} finally {
  await Deno.remove(tmp, { recursive: true });
}
