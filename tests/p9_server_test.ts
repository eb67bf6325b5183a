/**
 * The 9P2000.L server driven with raw messages: the protocol over the
 * in-memory tree, malformed requests (each answered with Rlerror while the
 * server keeps serving), read-only exports, locks, and confinement over a
 * real host directory with symlinks pointing out of it.
 */
import assert from "node:assert/strict";
import { E, type Qid, Reader, T, Writer } from "../devices/p9/codec.ts";
import { P9_MAX_MSIZE, P9Server } from "../devices/p9/server.ts";
import type { FsBackend } from "../devices/p9/fs.ts";
import { MemoryFs } from "../backends/fs/p9_memory_fs.ts";
import { HostFs, SYMLINK_MAGIC } from "../backends/fs/p9_host_fs.ts";
import { Virtio9p } from "../devices/virtio_9p.ts";
import { SnapshotError, StateReader, StateWriter } from "../core/snapshot/format.ts";

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_RDWR = 2;

type Field = ["u8" | "u16" | "u32" | "u64", number] | ["s", string] | ["b", Uint8Array];

function encode(type: number, tag: number, fields: Field[]): Uint8Array {
  const w = new Writer(new Uint8Array(1 << 20), 1 << 20);
  for (const [k, v] of fields) {
    if (k === "s") w.str(v as string);
    else if (k === "b") w.bytes(v as Uint8Array);
    else w[k](v as number);
  }
  return w.finish(type, tag).slice();
}

/** A test client: sends requests and decodes reply headers. */
class Client {
  tag = 1;
  constructor(readonly server: P9Server) {}

  raw(bytes: Uint8Array): { type: number; tag: number; r: Reader } {
    const reply = this.server.handle(bytes).slice();
    const v = new DataView(reply.buffer);
    assert.equal(v.getUint32(0, true), reply.length, "reply size field");
    return { type: v.getUint8(4), tag: v.getUint16(5, true), r: new Reader(reply, 7) };
  }

  /** Sends a request; returns a reader on the reply body, or the errno of Rlerror. */
  call(type: number, fields: Field[]): Reader | number {
    const tag = this.tag++ & 0xffff;
    const rep = this.raw(encode(type, tag, fields));
    assert.equal(rep.tag, tag);
    if (rep.type === T.lerror + 1) return rep.r.u32();
    assert.equal(rep.type, type + 1);
    return rep.r;
  }

  ok(type: number, fields: Field[]): Reader {
    const r = this.call(type, fields);
    if (typeof r === "number") assert.fail(`type ${type} failed with errno ${r}`);
    return r;
  }

  err(type: number, fields: Field[]): number {
    const r = this.call(type, fields);
    assert.equal(typeof r, "number", `type ${type} should fail`);
    return r as number;
  }

  qid(r: Reader): Qid {
    return { type: r.u8(), version: r.u32(), path: r.u64() };
  }

  start(msize = 128 * 1024): Qid {
    const r = this.ok(T.version, [["u32", msize], ["s", "9P2000.L"]]);
    assert.equal(r.u32(), Math.min(msize, P9_MAX_MSIZE));
    assert.equal(r.str(), "9P2000.L");
    return this.qid(this.ok(T.attach, [["u32", 0], ["u32", ~0 >>> 0], ["s", "root"], ["s", ""], [
      "u32",
      0,
    ]]));
  }

  walk(fid: number, newfid: number, ...names: string[]): Reader | number {
    return this.call(T.walk, [
      ["u32", fid],
      ["u32", newfid],
      ["u16", names.length],
      ...names.map((n): Field => ["s", n]),
    ]);
  }

  open(fid: number, flags: number): void {
    this.ok(T.lopen, [["u32", fid], ["u32", flags]]);
  }

  create(dir: number, name: string, flags = O_RDWR, mode = 0o644): void {
    this.ok(T.lcreate, [["u32", dir], ["s", name], ["u32", flags], ["u32", mode], ["u32", 0]]);
  }

  write(fid: number, offset: number, data: Uint8Array): number {
    return this.ok(T.write, [["u32", fid], ["u64", offset], ["u32", data.length], ["b", data]])
      .u32();
  }

  read(fid: number, offset: number, count: number): Uint8Array {
    const r = this.ok(T.read, [["u32", fid], ["u64", offset], ["u32", count]]);
    return r.take(r.u32()).slice();
  }

  clunk(fid: number): void {
    this.ok(T.clunk, [["u32", fid]]);
  }

  /** Reads a whole directory with `count`-byte Treaddir calls. */
  readdir(fid: number, count = 8192, between?: () => void): string[] {
    const names: string[] = [];
    let offset = 0;
    for (;;) {
      const r = this.ok(T.readdir, [["u32", fid], ["u64", offset], ["u32", count]]);
      const n = r.u32();
      if (n === 0) return names;
      const end = r.pos + n;
      while (r.pos < end) {
        this.qid(r);
        offset = r.u64();
        r.u8();
        names.push(r.str());
      }
      between?.();
    }
  }

  getattr(fid: number): { mode: number; size: number; nlink: number; qid: Qid; mtime: number } {
    const r = this.ok(T.getattr, [["u32", fid], ["u64", 0x7ff]]);
    r.u64();
    const qid = this.qid(r);
    const mode = r.u32();
    r.u32();
    r.u32();
    const nlink = r.u64();
    r.u64();
    const size = r.u64();
    r.u64();
    r.u64();
    r.u64();
    r.u64();
    const mtime = r.u64();
    return { mode, size, nlink, qid, mtime };
  }
}

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function session(fs: FsBackend = new MemoryFs()): Client {
  const c = new Client(new P9Server(fs));
  c.start();
  return c;
}

Deno.test("9p: version negotiates the smaller msize, never below 4096", () => {
  const c = new Client(new P9Server(new MemoryFs()));
  let r = c.ok(T.version, [["u32", 1 << 30], ["s", "9P2000.L"]]);
  assert.equal(r.u32(), P9_MAX_MSIZE);
  r = c.ok(T.version, [["u32", 8192], ["s", "9P2000.L"]]);
  assert.equal(r.u32(), 8192);
  assert.equal(c.server.msize, 8192);
  assert.equal(c.err(T.version, [["u32", 4095], ["s", "9P2000.L"]]), E.EINVAL);
  r = c.ok(T.version, [["u32", 65536], ["s", "9P2000.u"]]);
  assert.equal(r.u32(), 65536);
  assert.equal(r.str(), "unknown");
});

Deno.test("9p: create, write, read, getattr, setattr, clunk", () => {
  const c = session();
  assert.equal((c.walk(0, 1) as Reader).u16(), 0);
  c.create(1, "f.txt");
  assert.equal(c.write(1, 0, text("hello world")), 11);
  assert.equal(str(c.read(1, 6, 100)), "world");
  assert.equal(c.read(1, 11, 100).length, 0);
  assert.equal(c.getattr(1).size, 11);
  // size, mode and times through Tsetattr
  c.ok(T.setattr, [
    ["u32", 1],
    ["u32", 0x1 | 0x8 | 0x20 | 0x100],
    ["u32", 0o600],
    ["u32", 0],
    ["u32", 0],
    ["u64", 5],
    ["u64", 0],
    ["u64", 0],
    ["u64", 1_000_000_000],
    ["u64", 0],
  ]);
  const a = c.getattr(1);
  assert.equal(a.size, 5);
  assert.equal(a.mode, 0o100600);
  assert.equal(a.mtime, 1_000_000_000);
  c.clunk(1);
  assert.equal(c.err(T.clunk, [["u32", 1]]), E.EBADF);
  // read-only open refuses writes; write-only refuses reads
  c.walk(0, 2, "f.txt");
  c.open(2, O_RDONLY);
  assert.equal(str(c.read(2, 0, 100)), "hello");
  assert.equal(c.err(T.write, [["u32", 2], ["u64", 0], ["u32", 1], ["b", text("x")]]), E.EBADF);
  c.walk(0, 3, "f.txt");
  c.open(3, O_WRONLY | 0o2000);
  c.write(3, 0, text("!"));
  assert.equal(c.err(T.read, [["u32", 3], ["u64", 0], ["u32", 1]]), E.EBADF);
  assert.equal(str(c.read(2, 0, 100)), "hello!", "append writes at the end");
});

Deno.test("9p: walk keeps to the export: '..' at the root, bad names, partial walks", () => {
  const c = session();
  const root = c.getattr(0).qid;
  c.ok(T.mkdir, [["u32", 0], ["s", "d"], ["u32", 0o755], ["u32", 0]]);
  let r = c.walk(0, 1, "..", "..", "d", "..", "..") as Reader;
  assert.equal(r.u16(), 5);
  assert.deepEqual(c.getattr(1).qid, root);
  for (const bad of ["", ".", "a/b", "/", "x\0y"]) {
    assert.equal(c.walk(0, 2, bad), E.EINVAL, JSON.stringify(bad));
  }
  assert.equal(c.walk(0, 2, "x".repeat(256)), E.ENAMETOOLONG);
  // NAME_MAX counts UTF-8 bytes: 86 three-byte characters are 258, 85 are 255.
  assert.equal(c.walk(0, 2, "\u20ac".repeat(86)), E.ENAMETOOLONG);
  assert.equal(c.walk(0, 2, "\u20ac".repeat(85)), E.ENOENT);
  assert.equal(c.walk(0, 2, "missing"), E.ENOENT);
  // A later failure answers with the qids so far and creates no fid.
  r = c.walk(0, 2, "d", "missing", "more") as Reader;
  assert.equal(r.u16(), 1);
  assert.equal(c.err(T.getattr, [["u32", 2], ["u64", 0]]), E.EBADF);
  assert.equal(c.walk(0, 1, "d"), E.EINVAL, "newfid in use");
  assert.equal(c.walk(0, 3, ...Array(17).fill("d")), E.EINVAL, "more than 16 names");
  // Names that climb are refused wherever a name is created.
  for (const bad of ["..", ".", "a/b", ""]) {
    assert.equal(c.err(T.mkdir, [["u32", 0], ["s", bad], ["u32", 0o755], ["u32", 0]]), E.EINVAL);
    assert.equal(
      c.err(T.lcreate, [["u32", 0], ["s", bad], ["u32", 2], ["u32", 0o644], ["u32", 0]]),
      E.EINVAL,
    );
    assert.equal(c.err(T.symlink, [["u32", 0], ["s", bad], ["s", "t"], ["u32", 0]]), E.EINVAL);
    assert.equal(
      c.err(T.renameat, [["u32", 0], ["s", "d"], ["u32", 0], ["s", bad]]),
      E.EINVAL,
    );
  }
});

Deno.test("9p: a walk through a regular file fails with ENOTDIR, in memory and on the host", async () => {
  const base = await Deno.makeTempDir({ prefix: "demu-9p-walk-" });
  try {
    for (const fs of [new MemoryFs(), new HostFs(base)]) {
      const c = session(fs);
      c.ok(T.mkdir, [["u32", 0], ["s", "d"], ["u32", 0o755], ["u32", 0]]);
      c.walk(0, 1, "d");
      c.create(1, "f");
      c.clunk(1);
      const what = fs.constructor.name;
      // From the root, through the file: the names so far, then the walk stops short.
      assert.equal((c.walk(0, 2, "d", "f", "x") as Reader).u16(), 2, what);
      assert.equal(c.err(T.getattr, [["u32", 2], ["u64", 0]]), E.EBADF, `${what}: no fid`);
      // From a fid standing for the file: ENOTDIR (not ENOENT), and no fid either.
      c.walk(0, 3, "d", "f");
      assert.equal(c.walk(3, 4, "x"), E.ENOTDIR, what);
      assert.equal(c.walk(3, 4, "f"), E.ENOTDIR, `${what}: whatever the name`);
      assert.equal(c.err(T.getattr, [["u32", 4], ["u64", 0]]), E.EBADF, `${what}: no fid`);
      // '..' from the file is still fine: it only climbs.
      assert.equal((c.walk(3, 5, "..") as Reader).u16(), 1, what);
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("9p: readdir offsets stay valid while entries are removed", () => {
  const c = session();
  c.ok(T.mkdir, [["u32", 0], ["s", "d"], ["u32", 0o755], ["u32", 0]]);
  c.walk(0, 1, "d");
  const made: string[] = [];
  for (let i = 0; i < 100; i++) {
    c.walk(1, 2);
    c.create(2, `file-${i}`);
    c.clunk(2);
    made.push(`file-${i}`);
  }
  c.walk(0, 3, "d");
  c.open(3, O_RDONLY);
  // Small counts force many calls; each batch is deleted before the next call (rm -r).
  const seen = c.readdir(3, 200, () => {
    for (const n of made.splice(0, 10)) {
      c.call(T.unlinkat, [["u32", 1], ["s", n], ["u32", 0]]);
    }
  });
  assert.deepEqual(seen.slice(0, 2), [".", ".."]);
  assert.equal(seen.length, 102);
  assert.equal(new Set(seen).size, 102);
  c.walk(0, 4, "d");
  c.open(4, O_RDONLY);
  assert.equal(c.readdir(4).length, 2, "all removed");
  assert.equal(c.err(T.readdir, [["u32", 1], ["u64", 0], ["u32", 100]]), E.EBADF, "not open");
});

Deno.test("9p: links, symlinks, renames keep identity; unlinkat and remove", () => {
  const c = session();
  c.walk(0, 1);
  c.create(1, "a");
  const ino = c.getattr(1).qid.path;
  c.ok(T.link, [["u32", 0], ["u32", 1], ["s", "b"]]);
  assert.equal(c.getattr(1).nlink, 2);
  c.walk(0, 2, "b");
  assert.equal(c.getattr(2).qid.path, ino);
  c.ok(T.mkdir, [["u32", 0], ["s", "d"], ["u32", 0o755], ["u32", 0]]);
  c.walk(0, 3, "d");
  c.ok(T.renameat, [["u32", 0], ["s", "b"], ["u32", 3], ["s", "c"]]);
  assert.equal(c.getattr(2).qid.path, ino, "the fid follows the rename");
  c.ok(T.rename, [["u32", 2], ["u32", 0], ["s", "top"]]);
  assert.equal((c.walk(0, 4, "top") as Reader).u16(), 1);
  assert.equal(
    c.err(T.renameat, [["u32", 0], ["s", "d"], ["u32", 3], ["s", "inside"]]),
    E.EINVAL,
    "a directory cannot move into itself",
  );
  const q = c.qid(c.ok(T.symlink, [["u32", 0], ["s", "ln"], ["s", "/etc/passwd"], ["u32", 0]]));
  assert.equal(q.type, 0x02);
  c.walk(0, 5, "ln");
  assert.equal(c.ok(T.readlink, [["u32", 5]]).str(), "/etc/passwd");
  assert.equal(c.err(T.lopen, [["u32", 5], ["u32", 0]]), E.ELOOP, "never opened through");
  assert.equal(c.walk(5, 6, "x"), E.ENOTDIR, "never walked through");
  assert.equal(c.err(T.readlink, [["u32", 4]]), E.EINVAL);
  assert.equal(c.err(T.link, [["u32", 0], ["u32", 3], ["s", "dl"]]), E.EPERM, "no dir links");
  assert.equal(c.err(T.unlinkat, [["u32", 0], ["s", "d"], ["u32", 0]]), E.EISDIR);
  assert.equal(c.err(T.unlinkat, [["u32", 0], ["s", "top"], ["u32", 0x200]]), E.ENOTDIR);
  c.walk(0, 7, "d");
  c.walk(0, 8, "top");
  c.ok(T.remove, [["u32", 8]]);
  assert.equal(c.err(T.getattr, [["u32", 8], ["u64", 0]]), E.EBADF, "Tremove clunks");
  c.ok(T.unlinkat, [["u32", 0], ["s", "d"], ["u32", 0x200]]);
  assert.equal(c.getattr(1).nlink, 1);
});

Deno.test("9p: malformed requests get Rlerror and the server keeps serving", () => {
  const c = session();
  const alive = () => assert.equal(c.getattr(0).qid.type, 0x80);
  const cases: [string, Uint8Array, number][] = [];
  const good = encode(T.getattr, 9, [["u32", 0], ["u64", 0]]);
  const withSize = (size: number) => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(0, size, true);
    return b;
  };
  cases.push(["size larger than the message", withSize(good.length + 10), E.EPROTO]);
  cases.push(["size below the header", withSize(3), E.EPROTO]);
  cases.push(["size above msize", withSize(0xffffffff), E.EPROTO]);
  cases.push(["truncated body", withSize(10).slice(0, 10), E.EPROTO]);
  cases.push([
    "string longer than the message",
    encode(T.walk, 9, [
      ["u32", 0],
      ["u32", 1],
      ["u16", 1],
      ["u16", 500],
    ]),
    E.EPROTO,
  ]);
  cases.push([
    "write count past the data",
    encode(T.write, 9, [
      ["u32", 0],
      ["u64", 0],
      ["u32", 1000],
    ]),
    E.EPROTO,
  ]);
  cases.push(["unknown type", encode(200, 9, [["u32", 0]]), E.EOPNOTSUPP]);
  cases.push(["legacy Topen", encode(112, 9, [["u32", 0], ["u8", 0]]), E.EOPNOTSUPP]);
  cases.push(["unknown fid", encode(T.getattr, 9, [["u32", 77], ["u64", 0]]), E.EBADF]);
  cases.push([
    "read on an unopened fid",
    encode(T.read, 9, [
      ["u32", 0],
      ["u64", 0],
      ["u32", 10],
    ]),
    E.EBADF,
  ]);
  cases.push(["read on a directory", encode(T.lopen, 9, [["u32", 0], ["u32", O_RDWR]]), E.EISDIR]);
  cases.push([
    "xattrwalk",
    encode(T.xattrwalk, 9, [["u32", 0], ["u32", 5], ["s", "user.x"]]),
    E.EOPNOTSUPP,
  ]);
  cases.push([
    "auth",
    encode(T.auth, 9, [["u32", 5], ["s", "u"], ["s", ""], ["u32", 0]]),
    E.EOPNOTSUPP,
  ]);
  cases.push([
    "mknod",
    encode(T.mknod, 9, [
      ["u32", 0],
      ["s", "fifo"],
      ["u32", 0o10644],
      ["u32", 0],
      ["u32", 0],
      ["u32", 0],
    ]),
    E.EPERM,
  ]);
  cases.push([
    "attach to a fid in use",
    encode(T.attach, 9, [
      ["u32", 0],
      ["u32", ~0 >>> 0],
      ["s", ""],
      ["s", ""],
      ["u32", 0],
    ]),
    E.EINVAL,
  ]);
  for (const [what, bytes, errno] of cases) {
    const rep = c.raw(bytes);
    assert.equal(rep.type, T.lerror + 1, what);
    assert.equal(rep.tag, 9, what);
    assert.equal(rep.r.u32(), errno, what);
    alive();
  }
  // Shorter than a header: no tag to echo, still an Rlerror.
  const rep = c.raw(new Uint8Array([1, 2, 3]));
  assert.equal(rep.type, T.lerror + 1);
  assert.equal(rep.tag, 0xffff);
  alive();
  // Tflush is answered at once: requests complete in order.
  c.ok(T.flush, [["u16", 3]]);
  alive();
});

Deno.test("9p: a reply never exceeds msize or the guest's buffer", () => {
  const c = new Client(new P9Server(new MemoryFs()));
  c.start(4096);
  c.walk(0, 1);
  c.create(1, "big");
  c.write(1, 0, new Uint8Array(4000).fill(7));
  c.write(1, 4000, new Uint8Array(4000).fill(8));
  const data = c.read(1, 0, 1 << 20);
  assert.equal(data.length, 4096 - 11);
  const small = c.server.handle(encode(T.read, 5, [["u32", 1], ["u64", 0], ["u32", 4096]]), 111);
  assert.equal(small.length, 111);
  assert.equal(new DataView(small.buffer, small.byteOffset).getUint32(7, true), 100);
});

Deno.test("9p: a read-only export refuses every change with EROFS", () => {
  const mem = new MemoryFs();
  const w = session(mem);
  w.walk(0, 1);
  w.create(1, "f");
  w.write(1, 0, text("data"));
  const c = session(new ReadOnlyView(mem));
  c.walk(0, 1, "f");
  c.walk(0, 2);
  const rofs: [number, Field[]][] = [
    [T.lopen, [["u32", 1], ["u32", O_RDWR]]],
    [T.lcreate, [["u32", 2], ["s", "n"], ["u32", O_RDWR], ["u32", 0o644], ["u32", 0]]],
    [T.mkdir, [["u32", 0], ["s", "d"], ["u32", 0o755], ["u32", 0]]],
    [T.symlink, [["u32", 0], ["s", "s"], ["s", "f"], ["u32", 0]]],
    [T.link, [["u32", 0], ["u32", 1], ["s", "h"]]],
    [T.unlinkat, [["u32", 0], ["s", "f"], ["u32", 0]]],
    [T.renameat, [["u32", 0], ["s", "f"], ["u32", 0], ["s", "g"]]],
    [T.rename, [["u32", 1], ["u32", 0], ["s", "g"]]],
    [T.mknod, [["u32", 0], ["s", "m"], ["u32", 0o10644], ["u32", 0], ["u32", 0], ["u32", 0]]],
    [T.setattr, [
      ["u32", 1],
      ["u32", 1],
      ["u32", 0o777],
      ["u32", 0],
      ["u32", 0],
      ["u64", 0],
      ["u64", 0],
      ["u64", 0],
      ["u64", 0],
      ["u64", 0],
    ]],
  ];
  for (const [type, fields] of rofs) assert.equal(c.err(type, fields), E.EROFS, `type ${type}`);
  c.walk(0, 3, "f");
  assert.equal(c.err(T.remove, [["u32", 3]]), E.EROFS);
  c.open(1, O_RDONLY);
  assert.equal(str(c.read(1, 0, 10)), "data");
  assert.deepEqual(mem.readdir([]), ["f"]);
});

/** A read-only view of another backend (as `HostFs(dir, true)` is of a directory). */
class ReadOnlyView extends MemoryFs {
  constructor(private readonly inner: MemoryFs) {
    super(true);
  }
  override lstat(p: string[]) {
    return this.inner.lstat(p);
  }
  override readdir(p: string[]) {
    return this.inner.readdir(p);
  }
  override open(p: string[], m: Parameters<MemoryFs["open"]>[1]) {
    return this.inner.open(p, m);
  }
}

Deno.test("9p: Tlock and Tgetlock agree", () => {
  const c = session();
  c.walk(0, 1);
  c.create(1, "f");
  const lock = (type: number, start: number, len: number, proc: number) =>
    c.ok(T.lock, [
      ["u32", 1],
      ["u8", type],
      ["u32", 0],
      ["u64", start],
      ["u64", len],
      ["u32", proc],
      ["s", "guest"],
    ]).u8();
  const getlock = (type: number, start: number, len: number, proc: number) => {
    const r = c.ok(T.getlock, [
      ["u32", 1],
      ["u8", type],
      ["u64", start],
      ["u64", len],
      ["u32", proc],
      ["s", "guest"],
    ]);
    return { type: r.u8(), start: r.u64(), len: r.u64(), proc: r.u32() };
  };
  assert.equal(lock(1, 0, 100, 10), 0, "write lock granted");
  assert.deepEqual(getlock(0, 50, 10, 20), { type: 1, start: 0, len: 100, proc: 10 });
  assert.equal(getlock(1, 50, 10, 10).type, 2, "own locks never conflict");
  assert.equal(lock(0, 10, 1, 20), 1, "another owner is blocked");
  assert.equal(lock(2, 0, 50, 10), 0, "unlock the first half");
  assert.equal(lock(0, 10, 1, 20), 0, "now free");
  assert.deepEqual(getlock(1, 60, 0, 30), { type: 1, start: 50, len: 50, proc: 10 });
  c.clunk(1);
  c.walk(0, 2, "f");
  c.open(2, O_RDONLY);
  assert.equal(
    c.ok(T.getlock, [["u32", 2], ["u8", 1], ["u64", 0], ["u64", 0], ["u32", 40], ["s", "g"]]).u8(),
    2,
    "clunk released the fid's locks",
  );
});

Deno.test("9p over a host directory: symlinks never lead out of the export", async () => {
  const base = await Deno.makeTempDir({ prefix: "demu-9p-unit-" });
  try {
    await Deno.mkdir(`${base}/export/sub`, { recursive: true });
    await Deno.mkdir(`${base}/outside`);
    await Deno.writeTextFile(`${base}/outside/secret`, "secret");
    await Deno.symlink(`${base}/outside`, `${base}/export/out`);
    await Deno.symlink("../outside/secret", `${base}/export/sub/rel`);
    const c = session(new HostFs(`${base}/export`));
    // Walking through a host symlink fails; the link itself is only a link.
    assert.equal((c.walk(0, 1, "out", "secret") as Reader).u16(), 1, "stops at the link");
    assert.equal(c.err(T.getattr, [["u32", 1], ["u64", 0]]), E.EBADF, "no fid from a short walk");
    assert.equal((c.walk(0, 1, "out") as Reader).u16(), 1);
    assert.equal(c.getattr(1).qid.type, 0x02);
    assert.equal(c.ok(T.readlink, [["u32", 1]]).str(), `${base}/outside`);
    assert.equal(c.err(T.lopen, [["u32", 1], ["u32", 0]]), E.ELOOP);
    assert.equal(c.walk(1, 9, "secret"), E.ENOTDIR);
    c.walk(0, 6);
    c.create(6, "plain");
    for (
      const [type, fields] of [
        [T.lcreate, [["u32", 1], ["s", "x"], ["u32", 2], ["u32", 0o644], ["u32", 0]]],
        [T.mkdir, [["u32", 1], ["s", "x"], ["u32", 0o755], ["u32", 0]]],
        [T.symlink, [["u32", 1], ["s", "x"], ["s", "t"], ["u32", 0]]],
        [T.link, [["u32", 1], ["u32", 6], ["s", "x"]]],
        [T.renameat, [["u32", 0], ["s", "sub"], ["u32", 1], ["s", "x"]]],
        [T.unlinkat, [["u32", 1], ["s", "secret"], ["u32", 0]]],
      ] as [number, Field[]][]
    ) {
      assert.equal(c.err(type, fields), E.ENOTDIR, `type ${type} through the link`);
    }
    c.walk(0, 2, "sub", "rel");
    assert.equal(c.err(T.lopen, [["u32", 2], ["u32", 0]]), E.ELOOP);
    // '..' from inside stays inside; the root's parent is the root.
    c.walk(0, 3, "sub", "..", "..", "..");
    assert.deepEqual(c.getattr(3).qid, c.getattr(0).qid);
    // chmod/utime/truncate do not follow a host symlink to its target.
    const before = (await Deno.stat(`${base}/outside/secret`)).mode;
    c.call(T.setattr, [
      ["u32", 1],
      ["u32", 0x1 | 0x8 | 0x20 | 0x100],
      ["u32", 0o777],
      ["u32", 0],
      ["u32", 0],
      ["u64", 0],
      ["u64", 0],
      ["u64", 0],
      ["u64", 5],
      ["u64", 0],
    ]);
    assert.equal((await Deno.stat(`${base}/outside/secret`)).mode, before);
    assert.equal(await Deno.readTextFile(`${base}/outside/secret`), "secret");
    // Guest symlinks are marker files on the host, links in the guest.
    c.ok(T.symlink, [["u32", 0], ["s", "pw"], ["s", "/etc/passwd"], ["u32", 0]]);
    const info = await Deno.lstat(`${base}/export/pw`);
    assert.ok(info.isFile);
    assert.equal(await Deno.readTextFile(`${base}/export/pw`), SYMLINK_MAGIC + "/etc/passwd");
    c.walk(0, 4, "pw");
    assert.equal(c.getattr(4).mode, 0o120777);
    assert.equal(c.getattr(4).size, "/etc/passwd".length);
    assert.equal(c.ok(T.readlink, [["u32", 4]]).str(), "/etc/passwd");
    assert.equal(c.err(T.lopen, [["u32", 4], ["u32", 0]]), E.ELOOP);
    // qid.path is the host inode: hard links share it.
    c.walk(0, 5, "sub");
    c.create(5, "file");
    c.clunk(6);
    c.ok(T.link, [["u32", 0], ["u32", 5], ["s", "hard"]]);
    assert.equal(c.getattr(5).qid.path, (await Deno.stat(`${base}/export/hard`)).ino);
    const ro = session(new HostFs(`${base}/export`, true));
    ro.walk(0, 1);
    assert.equal(
      ro.err(T.lcreate, [["u32", 1], ["s", "n"], ["u32", 2], ["u32", 0o644], ["u32", 0]]),
      E.EROFS,
    );
    const st = ro.ok(T.statfs, [["u32", 0]]);
    assert.equal(st.u32(), 0x01021997);
    assert.ok(st.u32() > 0);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("virtio-9p device: mount tag in the config space", () => {
  const d = new Virtio9p("share0", new MemoryFs());
  assert.equal(d.deviceId, 9);
  assert.equal(d.features & 1n, 1n);
  assert.equal(d.configRead(0, 2), 6);
  const tag = Array.from({ length: 6 }, (_, i) => d.configRead(2 + i, 1));
  assert.equal(String.fromCharCode(...tag), "share0");
  assert.throws(() => new Virtio9p("", new MemoryFs()));
  assert.throws(() => new Virtio9p("x".repeat(256), new MemoryFs()));
});

Deno.test("9p snapshot: more fids than a session may hold is a damaged file", () => {
  const state = (count: number) => {
    const w = new StateWriter();
    w.u32(8192);
    w.u32(count);
    for (let i = 0; i < count; i++) {
      w.u32(i);
      w.bytes(new TextEncoder().encode(JSON.stringify({ path: [], open: false, file: false })));
    }
    return new StateReader(w.finish());
  };
  const s = new P9Server(new MemoryFs(), { maxFids: 8 });
  s.loadState(state(8));
  assert.equal(s.fidCount, 8);
  assert.throws(() => s.loadState(state(9)), SnapshotError);
});
