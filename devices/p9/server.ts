/**
 * A 9P2000.L server over an `FsBackend`. It owns the fid table and the path
 * rules that keep the guest inside the export: a fid's path is a list of
 * validated names below the root, `..` pops a name (and stays at the root),
 * and the backend never follows symlinks. Every request gets exactly one
 * reply; anything wrong becomes Rlerror with a Linux errno.
 *
 * Requests are handled synchronously and in order, so Tflush always finds
 * its target already answered and can reply at once.
 */
import {
  E,
  HEADER_SIZE,
  lerror,
  P9Error,
  type Qid,
  QT_DIR,
  QT_FILE,
  QT_SYMLINK,
  Reader,
  T,
  Writer,
} from "./codec.ts";
import {
  type FsBackend,
  type FsFile,
  type FsStat,
  type OpenMode,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
} from "./fs.ts";
import { LOCK_UNLCK, type LockRange, LockTable } from "./locks.ts";
import { SnapshotError, type StateReader, type StateWriter } from "../../core/snapshot/format.ts";

/** The largest msize offered (Linux 6.1 caps its own at 125 pages anyway). */
export const P9_MAX_MSIZE = 512 * 1024;
/** The smallest msize accepted from a client. */
export const P9_MIN_MSIZE = 4096;
export const P9_VERSION = "9P2000.L";
const NOTAG = 0xffff;
const MAX_WALK = 16;
const NAME_MAX = 255;
const SYMLINK_MAX = 4095;
const V9FS_MAGIC = 0x01021997;
const GETATTR_BASIC = 0x7ff;
const AT_REMOVEDIR = 0x200;

// Linux open flags as 9P2000.L sends them.
const O_ACCMODE = 3;
const O_WRONLY = 1;
const O_RDWR = 2;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;

// Tsetattr valid bits.
const SET_MODE = 0x1;
const SET_UID = 0x2;
const SET_GID = 0x4;
const SET_SIZE = 0x8;
const SET_ATIME = 0x10;
const SET_MTIME = 0x20;
const SET_ATIME_SET = 0x80;
const SET_MTIME_SET = 0x100;

const DT_DIR = 4;
const DT_REG = 8;
const DT_LNK = 10;

interface DirEntry {
  name: string;
  qid: Qid;
  type: number;
}

interface Fid {
  path: string[];
  /** Set by Tlopen/Tlcreate. */
  open: boolean;
  file: FsFile | null;
  mode: OpenMode | null;
  /** Directory listing taken when reading starts at offset 0; offsets index into it. */
  entries: DirEntry[] | null;
}

/** Longest lock owner name accepted. */
const MAX_CLIENT_ID = 255;
/** Fids one session may hold: each costs host memory, and the guest picks their numbers. */
export const P9_MAX_FIDS = 1 << 18;

export interface P9ServerOptions {
  /** Largest number of fids in use at once (default P9_MAX_FIDS). */
  maxFids?: number;
  /** Largest msize to accept (default P9_MAX_MSIZE). */
  maxMsize?: number;
  /** Called with a line about unexpected host failures. */
  log?: (message: string) => void;
}

/**
 * A reply cut short would carry a size field larger than what the guest got:
 * one that does not fit the room given is not sent at all (used length 0).
 */
function fitted(reply: Uint8Array, limit: number): Uint8Array {
  return reply.length <= limit ? reply : reply.subarray(0, 0);
}

export class P9Server {
  /** The negotiated message size (our maximum until Tversion). */
  msize: number;
  readonly maxMsize: number;
  private readonly fids = new Map<number, Fid>();
  private readonly locks = new LockTable();
  /** The reply buffer, made at the first request (a machine may never use its share). */
  private outBuffer: Uint8Array | null = null;
  private readonly log: (message: string) => void;
  private readonly maxFids: number;

  constructor(private readonly fs: FsBackend, opts: P9ServerOptions = {}) {
    this.maxFids = opts.maxFids ?? P9_MAX_FIDS;
    this.maxMsize = Math.max(P9_MIN_MSIZE, opts.maxMsize ?? P9_MAX_MSIZE);
    this.msize = this.maxMsize;
    this.log = opts.log ?? (() => {});
  }

  private get out(): Uint8Array {
    return this.outBuffer ??= new Uint8Array(this.maxMsize);
  }

  /**
   * Answers one request. The reply lives in a buffer reused by the next call,
   * and is at most `replyLimit` bytes (the guest's writable buffer).
   */
  handle(req: Uint8Array, replyLimit = Infinity): Uint8Array {
    const limit = Math.max(0, Math.min(replyLimit, this.msize, this.out.length));
    if (req.length < HEADER_SIZE) return fitted(lerror(this.out, NOTAG, E.EPROTO), limit);
    const head = new DataView(req.buffer, req.byteOffset, HEADER_SIZE);
    const size = head.getUint32(0, true);
    const type = head.getUint8(4);
    const tag = head.getUint16(5, true);
    try {
      if (size < HEADER_SIZE || size > req.length || size > this.msize) {
        throw new P9Error(E.EPROTO, `bad size ${size}`);
      }
      const r = new Reader(req, HEADER_SIZE, size);
      const w = new Writer(this.out, limit);
      this.dispatch(type, r, w);
      return fitted(w.finish(type + 1, tag), limit);
    } catch (e) {
      let errno: number = E.EIO;
      if (e instanceof P9Error) errno = e.errno;
      else this.log(`9p: request type ${type} failed: ${(e as Error).message}`);
      return fitted(lerror(this.out, tag, errno), limit);
    }
  }

  /** Closes every open file (the device was reset or the machine stops). */
  reset(): void {
    for (const fid of this.fids.values()) this.closeFid(fid);
    this.fids.clear();
    this.locks.clear();
    this.msize = this.maxMsize;
  }

  /**
   * Snapshot hooks (devices/virtio.ts): the session (msize) and every fid by
   * its path. Host files cannot travel in a snapshot: on restore an open fid
   * is opened again by path through the same backend (so confined as before);
   * one whose file is gone is dropped, and the guest's next use of it gets
   * EBADF. Locks are not kept (they were the old process's).
   */
  saveState(w: StateWriter): void {
    w.u32(this.msize);
    w.u32(this.fids.size);
    for (const [no, fid] of this.fids) {
      w.u32(no);
      w.json({ path: fid.path, open: fid.open, file: fid.file !== null, mode: fid.mode });
    }
  }

  loadState(r: StateReader): void {
    this.reset();
    this.msize = Math.min(Math.max(r.u32(), P9_MIN_MSIZE), this.maxMsize);
    const count = r.u32();
    // More fids than a session may hold: a damaged file (each would open a host file).
    if (count > this.maxFids) throw new SnapshotError("the snapshot's 9P state is damaged");
    for (let i = 0; i < count; i++) {
      const no = r.u32();
      const saved = r.json<
        { path: string[]; open: boolean; file: boolean; mode: OpenMode | null }
      >();
      // The same rule as a walk: names only, nothing that climbs out of the export.
      try {
        if (!Array.isArray(saved.path)) throw new Error();
        for (const name of saved.path) checkName(String(name));
      } catch {
        throw new SnapshotError("the snapshot's 9P state is damaged");
      }
      const fid = newFid(saved.path);
      if (saved.open) {
        fid.open = true;
        fid.mode = saved.mode;
        if (saved.file) {
          try {
            fid.file = this.fs.open(saved.path, { ...saved.mode!, truncate: false });
          } catch {
            continue; // gone or no longer openable: the fid is dropped
          }
        }
      }
      this.fids.set(no, fid);
    }
  }

  private dispatch(type: number, r: Reader, w: Writer): void {
    switch (type) {
      case T.version:
        return this.version(r, w);
      case T.attach:
        return this.attach(r, w);
      case T.walk:
        return this.walk(r, w);
      case T.clunk:
        return this.clunk(r);
      case T.getattr:
        return this.getattr(r, w);
      case T.setattr:
        return this.setattr(r);
      case T.lopen:
        return this.lopen(r, w);
      case T.lcreate:
        return this.lcreate(r, w);
      case T.read:
        return this.read(r, w);
      case T.write:
        return this.write(r, w);
      case T.readdir:
        return this.readdir(r, w);
      case T.mkdir:
        return this.mkdir(r, w);
      case T.unlinkat:
        return this.unlinkat(r);
      case T.renameat:
        return this.renameat(r);
      case T.rename:
        return this.renameFid(r);
      case T.remove:
        return this.remove(r);
      case T.readlink:
        return this.readlink(r, w);
      case T.symlink:
        return this.symlink(r, w);
      case T.link:
        return this.link(r);
      case T.statfs:
        return this.statfs(r, w);
      case T.fsync:
        return this.fsync(r);
      case T.flush:
        r.u16(); // Requests are answered in order: the flushed one is already done.
        return;
      case T.mknod:
        return this.mknod(r);
      case T.lock:
        return this.lock(r, w);
      case T.getlock:
        return this.getlock(r, w);
      case T.xattrwalk:
      case T.xattrcreate:
      case T.auth:
        throw new P9Error(E.EOPNOTSUPP);
      default:
        throw new P9Error(E.EOPNOTSUPP, `unknown message type ${type}`);
    }
  }

  // --- session ---

  private version(r: Reader, w: Writer): void {
    const msize = r.u32();
    const version = r.str();
    if (msize < P9_MIN_MSIZE) throw new P9Error(E.EINVAL, `msize ${msize} below ${P9_MIN_MSIZE}`);
    // A new version starts a new session: every fid is gone.
    this.reset();
    this.msize = Math.min(msize, this.maxMsize);
    w.u32(this.msize).str(version === P9_VERSION ? P9_VERSION : "unknown");
  }

  private attach(r: Reader, w: Writer): void {
    const fid = r.u32();
    r.u32(); // afid: no authentication
    r.str(); // uname
    r.str(); // aname: the export is always the root
    r.u32(); // n_uname: every operation runs as the host process
    if (this.fids.has(fid)) throw new P9Error(E.EINVAL, "fid in use");
    this.roomForFid();
    const qid = this.qid(this.fs.lstat([]));
    this.fids.set(fid, newFid([]));
    w.qid(qid);
  }

  private walk(r: Reader, w: Writer): void {
    const fidNo = r.u32();
    const newFidNo = r.u32();
    const n = r.u16();
    if (n > MAX_WALK) throw new P9Error(E.EINVAL, "too many walk elements");
    const names: string[] = [];
    for (let i = 0; i < n; i++) names.push(r.str());
    const fid = this.fid(fidNo);
    if (newFidNo !== fidNo && this.fids.has(newFidNo)) throw new P9Error(E.EINVAL, "newfid in use");
    if (newFidNo !== fidNo) this.roomForFid();
    const path = [...fid.path];
    const qids: Qid[] = [];
    for (const name of names) {
      try {
        if (name === "..") {
          // `..` never rises above the export's root.
          if (path.length > 0) path.pop();
        } else {
          checkName(name);
          // No lstat of the parent first: a backend fails a path through a non-directory
          // with ENOTDIR itself (devices/p9/fs.ts), and each lstat is a host call.
          path.push(name);
        }
        qids.push(this.qid(this.fs.lstat(path)));
      } catch (e) {
        // A failure on the first name is an error; later ones end the walk short.
        if (qids.length === 0) throw e;
        break;
      }
    }
    if (qids.length === n) {
      if (newFidNo === fidNo) {
        this.closeFid(fid);
        Object.assign(fid, newFid(path));
      } else this.fids.set(newFidNo, newFid(path));
    }
    w.u16(qids.length);
    for (const q of qids) w.qid(q);
  }

  /** A guest that never clunks must not grow the host's memory without bound. */
  private roomForFid(): void {
    if (this.fids.size >= this.maxFids) throw new P9Error(E.ENFILE, "too many fids");
  }

  /** Fids in use (for tests). */
  get fidCount(): number {
    return this.fids.size;
  }

  private clunk(r: Reader): void {
    const no = r.u32();
    const fid = this.fid(no);
    this.closeFid(fid);
    this.locks.dropFid(no);
    this.fids.delete(no);
  }

  // --- attributes ---

  private getattr(r: Reader, w: Writer): void {
    const fid = this.fid(r.u32());
    r.u64(); // request mask: everything basic is always returned
    const st = fid.file ? fid.file.stat() : this.fs.lstat(fid.path);
    const sec = (ms: number) => Math.floor(ms / 1000);
    const nsec = (ms: number) => Math.round((ms - Math.floor(ms / 1000) * 1000) * 1e6) % 1e9;
    w.u64(GETATTR_BASIC).qid(this.qid(st));
    w.u32(st.mode).u32(st.uid).u32(st.gid).u64(st.nlink).u64(0).u64(st.size);
    w.u64(4096).u64(st.blocks);
    for (const t of [st.atimeMs, st.mtimeMs, st.ctimeMs, 0]) w.u64(sec(t)).u64(nsec(t));
    w.u64(0).u64(0); // gen, data_version
  }

  private setattr(r: Reader): void {
    const fid = this.fid(r.u32());
    const valid = r.u32();
    const mode = r.u32();
    const uid = r.u32();
    const gid = r.u32();
    const size = r.u64();
    const atime = r.u64() * 1000 + r.u64() / 1e6;
    const mtime = r.u64() * 1000 + r.u64() / 1e6;
    if (valid === 0) return;
    this.writable();
    if (valid & SET_MODE) this.fs.chmod(fid.path, mode & 0o7777);
    if (valid & (SET_UID | SET_GID)) {
      this.fs.chown(fid.path, valid & SET_UID ? uid : null, valid & SET_GID ? gid : null);
    }
    if (valid & SET_SIZE) {
      if (fid.file) fid.file.truncate(size);
      else this.fs.truncate(fid.path, size);
    }
    if (valid & (SET_ATIME | SET_MTIME)) {
      const now = Date.now();
      const st = this.fs.lstat(fid.path);
      const a = valid & SET_ATIME ? (valid & SET_ATIME_SET ? atime : now) : st.atimeMs;
      const m = valid & SET_MTIME ? (valid & SET_MTIME_SET ? mtime : now) : st.mtimeMs;
      this.fs.utimes(fid.path, a, m);
    }
  }

  // --- files ---

  private lopen(r: Reader, w: Writer): void {
    const fid = this.fid(r.u32());
    const flags = r.u32();
    if (fid.open) throw new P9Error(E.EINVAL, "fid already open");
    const st = this.fs.lstat(fid.path);
    const mode = openMode(flags);
    const kind = st.mode & S_IFMT;
    if (kind === S_IFDIR) {
      if (mode.write) throw new P9Error(E.EISDIR);
    } else if (kind === S_IFLNK) {
      throw new P9Error(E.ELOOP);
    } else if (kind !== S_IFREG) {
      throw new P9Error(E.EOPNOTSUPP);
    } else {
      if (mode.write || mode.truncate) this.writable();
      fid.file = this.fs.open(fid.path, mode);
    }
    fid.open = true;
    fid.mode = mode;
    w.qid(this.qid(st)).u32(0);
  }

  private lcreate(r: Reader, w: Writer): void {
    const fid = this.fid(r.u32());
    const name = r.str();
    const flags = r.u32();
    const perm = r.u32();
    r.u32(); // gid: the host decides ownership
    if (fid.open) throw new P9Error(E.EINVAL, "fid already open");
    this.writable();
    checkName(name);
    const path = [...fid.path, name];
    const mode = openMode(flags);
    const file = this.fs.create(path, perm & 0o7777, mode);
    // The fid now stands for the new, open file.
    Object.assign(fid, { path, open: true, file, mode, entries: null });
    w.qid(this.qid(file.stat())).u32(0);
  }

  private read(r: Reader, w: Writer): void {
    const fid = this.fid(r.u32());
    const offset = r.u64();
    const count = r.u32();
    if (!fid.open || !fid.mode?.read) throw new P9Error(E.EBADF);
    if (!fid.file) throw new P9Error(E.EISDIR);
    const at = w.pos;
    w.u32(0);
    const buf = w.reserve(Math.max(0, Math.min(count, w.free)));
    const n = fid.file.read(offset, buf);
    w.patchU32(at, n);
    w.pos = at + 4 + n;
  }

  private write(r: Reader, w: Writer): void {
    const fid = this.fid(r.u32());
    const offset = r.u64();
    const count = r.u32();
    const data = r.take(count);
    if (!fid.open || !fid.mode?.write || !fid.file) throw new P9Error(E.EBADF);
    this.writable();
    w.u32(fid.file.write(offset, data));
  }

  private readdir(r: Reader, w: Writer): void {
    const fid = this.fid(r.u32());
    const offset = r.u64();
    const count = r.u32();
    if (!fid.open) throw new P9Error(E.EBADF);
    if (fid.file) throw new P9Error(E.ENOTDIR);
    // Offset k means "after the k-th entry" of the listing taken at offset 0,
    // so offsets stay valid while the guest deletes entries (rm -r).
    if (offset === 0 || !fid.entries) fid.entries = this.listDir(fid.path);
    const entries = fid.entries;
    const at = w.pos;
    w.u32(0);
    const start = w.pos;
    const end = Math.min(w.free, count) + start;
    let i = Math.min(offset, entries.length);
    for (; i < entries.length; i++) {
      const e = entries[i];
      const need = 13 + 8 + 1 + 2 + new TextEncoder().encode(e.name).length;
      if (w.pos + need > end) break;
      w.qid(e.qid).u64(i + 1).u8(e.type).str(e.name);
    }
    if (i === Math.min(offset, entries.length) && i < entries.length) {
      throw new P9Error(E.EINVAL, "readdir count too small for one entry");
    }
    w.patchU32(at, w.pos - start);
  }

  private listDir(path: string[]): DirEntry[] {
    const self = this.fs.lstat(path);
    const parent = this.fs.lstat(path.slice(0, -1));
    const out: DirEntry[] = [
      { name: ".", qid: this.qid(self), type: DT_DIR },
      { name: "..", qid: this.qid(parent), type: DT_DIR },
    ];
    for (const name of this.fs.readdir(path)) {
      let st: FsStat;
      try {
        st = this.fs.lstat([...path, name]);
      } catch {
        continue; // Gone since the listing, or a name the guest could not use.
      }
      const kind = st.mode & S_IFMT;
      const type = kind === S_IFDIR ? DT_DIR : kind === S_IFLNK ? DT_LNK : DT_REG;
      out.push({ name, qid: this.qid(st), type });
    }
    return out;
  }

  // --- names ---

  private mkdir(r: Reader, w: Writer): void {
    const fid = this.fid(r.u32());
    const name = r.str();
    const perm = r.u32();
    r.u32(); // gid
    this.writable();
    checkName(name);
    const path = [...fid.path, name];
    this.fs.mkdir(path, perm & 0o7777);
    w.qid(this.qid(this.fs.lstat(path)));
  }

  private symlink(r: Reader, w: Writer): void {
    const fid = this.fid(r.u32());
    const name = r.str();
    const target = r.str();
    r.u32(); // gid
    this.writable();
    checkName(name);
    if (target === "" || target.includes("\0")) throw new P9Error(E.EINVAL);
    if (new TextEncoder().encode(target).length > SYMLINK_MAX) throw new P9Error(E.ENAMETOOLONG);
    const path = [...fid.path, name];
    // The target is only text for the guest to resolve: the server never follows it.
    this.fs.symlink(path, target);
    w.qid(this.qid(this.fs.lstat(path)));
  }

  private readlink(r: Reader, w: Writer): void {
    const fid = this.fid(r.u32());
    const st = this.fs.lstat(fid.path);
    if ((st.mode & S_IFMT) !== S_IFLNK) throw new P9Error(E.EINVAL);
    w.str(this.fs.readlink(fid.path));
  }

  private link(r: Reader): void {
    const dir = this.fid(r.u32());
    const fid = this.fid(r.u32());
    const name = r.str();
    this.writable();
    checkName(name);
    if ((this.fs.lstat(fid.path).mode & S_IFMT) === S_IFDIR) throw new P9Error(E.EPERM);
    this.fs.link(fid.path, [...dir.path, name]);
  }

  private unlinkat(r: Reader): void {
    const dir = this.fid(r.u32());
    const name = r.str();
    const flags = r.u32();
    this.writable();
    checkName(name);
    this.fs.remove([...dir.path, name], (flags & AT_REMOVEDIR) !== 0);
  }

  private remove(r: Reader): void {
    const no = r.u32();
    const fid = this.fid(no);
    // Tremove clunks the fid whatever happens.
    this.closeFid(fid);
    this.locks.dropFid(no);
    this.fids.delete(no);
    this.writable();
    if (fid.path.length === 0) throw new P9Error(E.EBUSY);
    const st = this.fs.lstat(fid.path);
    this.fs.remove(fid.path, (st.mode & S_IFMT) === S_IFDIR);
  }

  private renameFid(r: Reader): void {
    const fid = this.fid(r.u32());
    const dir = this.fid(r.u32());
    const name = r.str();
    this.writable();
    checkName(name);
    this.rename(fid.path, [...dir.path, name]);
  }

  private renameat(r: Reader): void {
    const oldDir = this.fid(r.u32());
    const oldName = r.str();
    const newDir = this.fid(r.u32());
    const newName = r.str();
    this.writable();
    checkName(oldName);
    checkName(newName);
    this.rename([...oldDir.path, oldName], [...newDir.path, newName]);
  }

  private rename(from: string[], to: string[]): void {
    if (from.length === 0 || to.length === 0) throw new P9Error(E.EBUSY);
    if (samePath(from, to)) return;
    if (to.length > from.length && samePath(from, to.slice(0, from.length))) {
      throw new P9Error(E.EINVAL, "cannot move a directory into itself");
    }
    this.fs.rename(from, to);
    // Fids below the old name follow it, as their host files did.
    for (const fid of this.fids.values()) {
      if (fid.path.length >= from.length && samePath(from, fid.path.slice(0, from.length))) {
        fid.path = [...to, ...fid.path.slice(from.length)];
      }
    }
  }

  private mknod(r: Reader): void {
    this.fid(r.u32());
    r.str();
    this.writable();
    // Device nodes and FIFOs are not created on the host.
    throw new P9Error(E.EPERM);
  }

  // --- misc ---

  private statfs(r: Reader, w: Writer): void {
    this.fid(r.u32());
    const s = this.fs.statfs();
    w.u32(V9FS_MAGIC).u32(s.bsize).u64(s.blocks).u64(s.bfree).u64(s.bavail);
    w.u64(s.files).u64(s.ffree).u64(0).u32(s.namelen);
  }

  private fsync(r: Reader): void {
    const fid = this.fid(r.u32());
    fid.file?.sync();
  }

  private lockRange(fidNo: number, r: Reader, withFlags: boolean): LockRange {
    const type = r.u8();
    if (withFlags) r.u32();
    const start = r.u64();
    const length = r.u64();
    const procId = r.u32();
    const clientId = r.str();
    // Each held lock keeps its owner's name: Linux sends the host name (64 bytes at most).
    if (type > LOCK_UNLCK || clientId.length > MAX_CLIENT_ID) throw new P9Error(E.EINVAL);
    const end = length === 0 ? Infinity : start + length;
    return { type, start, end, procId, clientId, fid: fidNo };
  }

  private lock(r: Reader, w: Writer): void {
    const no = r.u32();
    const fid = this.fid(no);
    const want = this.lockRange(no, r, true);
    if (!fid.open) throw new P9Error(E.EBADF);
    const ino = this.fs.lstat(fid.path).ino;
    w.u8(this.locks.lock(ino, want));
  }

  private getlock(r: Reader, w: Writer): void {
    const no = r.u32();
    const fid = this.fid(no);
    const want = this.lockRange(no, r, false);
    const ino = this.fs.lstat(fid.path).ino;
    const held = want.type === LOCK_UNLCK ? null : this.locks.conflict(ino, want);
    const l = held ?? { ...want, type: LOCK_UNLCK };
    w.u8(l.type).u64(l.start).u64(l.end === Infinity ? 0 : l.end - l.start);
    w.u32(l.procId).str(l.clientId);
  }

  // --- helpers ---

  private fid(no: number): Fid {
    const fid = this.fids.get(no);
    if (!fid) throw new P9Error(E.EBADF, `unknown fid ${no}`);
    return fid;
  }

  private writable(): void {
    if (this.fs.readOnly) throw new P9Error(E.EROFS);
  }

  private closeFid(fid: Fid): void {
    try {
      fid.file?.close();
    } catch {
      // Closing cannot fail in a way the guest could act on.
    }
    fid.file = null;
    fid.open = false;
    fid.entries = null;
  }

  private qid(st: FsStat): Qid {
    const kind = st.mode & S_IFMT;
    const type = kind === S_IFDIR ? QT_DIR : kind === S_IFLNK ? QT_SYMLINK : QT_FILE;
    return { type, version: 0, path: st.ino };
  }
}

function newFid(path: string[]): Fid {
  return { path, open: false, file: null, mode: null, entries: null };
}

/** A name the guest may create or walk to: one component, nothing that climbs. */
function checkName(name: string): void {
  if (
    name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0") ||
    name.includes("\uFFFD")
  ) {
    throw new P9Error(E.EINVAL, `bad name ${JSON.stringify(name)}`);
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: most names need no encoding to be measured.
  if (name.length * 3 > NAME_MAX && utf8.encode(name).length > NAME_MAX) {
    throw new P9Error(E.ENAMETOOLONG);
  }
}

const utf8 = new TextEncoder();

function openMode(flags: number): OpenMode {
  const acc = flags & O_ACCMODE;
  return {
    read: acc !== O_WRONLY,
    write: acc === O_WRONLY || acc === O_RDWR,
    append: (flags & O_APPEND) !== 0,
    truncate: (flags & O_TRUNC) !== 0,
  };
}

function samePath(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}
