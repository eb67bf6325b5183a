/**
 * A host directory exported over 9P, confined to it.
 *
 * Deno's path-scoped permissions follow symlinks, so they do not stop an
 * escape: this backend resolves every path itself. Each component above the
 * last must be a real directory by `lstat` (a symlink there is ENOTDIR), and
 * the last component is acted on without following it: calls that would
 * follow a host symlink (open, chmod, utime, truncate) are only made after
 * `lstat` says the name is not one. (A host process swapping a directory for
 * a symlink between the check and the call could still race this; the guest
 * itself can never create a host symlink.)
 *
 * Guest symlinks are emulated: Deno refuses `symlink` under path-scoped
 * grants, and a real link would be a trap for host tools anyway. One is a
 * regular host file with the sticky bit set whose content is SYMLINK_MAGIC
 * followed by the target; the guest sees a symlink. Real host symlinks in the
 * export are shown to the guest as symlinks (their target is text the guest
 * resolves in its own namespace) and never followed on the host.
 */
import { nodeFs } from "../../core/node_builtin.ts";
import { E, P9Error } from "../../devices/p9/codec.ts";
import {
  type FsBackend,
  type FsFile,
  type FsStat,
  type FsStatfs,
  type OpenMode,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
} from "../../devices/p9/fs.ts";

/** The first bytes of an emulated symlink (after Cygwin's `!<symlink>` convention). */
export const SYMLINK_MAGIC = "!<demu-symlink>\n";
const MAGIC_BYTES = new TextEncoder().encode(SYMLINK_MAGIC);
const S_ISVTX = 0o1000;
const SYMLINK_MAX = 4095;

const ERRNO: Record<string, number> = {
  EPERM: E.EPERM,
  ENOENT: E.ENOENT,
  EIO: E.EIO,
  EBADF: E.EBADF,
  EACCES: E.EACCES,
  EBUSY: E.EBUSY,
  EEXIST: E.EEXIST,
  EXDEV: E.EXDEV,
  ENOTDIR: E.ENOTDIR,
  EISDIR: E.EISDIR,
  EINVAL: E.EINVAL,
  EFBIG: E.EFBIG,
  ENOSPC: E.ENOSPC,
  EROFS: E.EROFS,
  EMLINK: E.EMLINK,
  ENAMETOOLONG: E.ENAMETOOLONG,
  ENOTEMPTY: E.ENOTEMPTY,
  ELOOP: E.ELOOP,
  EOPNOTSUPP: E.EOPNOTSUPP,
  ENOTSUP: E.EOPNOTSUPP,
};

/** Turns a Deno error into the Linux errno the guest should see. */
export function hostErrno(e: unknown): number {
  if (e instanceof P9Error) return e.errno;
  const code = (e as { code?: string }).code;
  if (code && code in ERRNO) return ERRNO[code];
  if (e instanceof Deno.errors.NotFound) return E.ENOENT;
  if (e instanceof Deno.errors.AlreadyExists) return E.EEXIST;
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    return E.EACCES;
  }
  if (e instanceof Deno.errors.IsADirectory) return E.EISDIR;
  if (e instanceof Deno.errors.NotADirectory) return E.ENOTDIR;
  if (e instanceof Deno.errors.FilesystemLoop) return E.ELOOP;
  return E.EIO;
}

/** Runs a host call, rethrowing its failure as P9Error. */
function host<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw e instanceof P9Error ? e : new P9Error(hostErrno(e), (e as Error).message);
  }
}

export class HostFs implements FsBackend {
  /** The export's real path (symlinks in the given path resolved once, at start). */
  readonly root: string;
  private readonly canStatfs: boolean;

  constructor(dir: string, readonly readOnly = false) {
    this.root = Deno.realPathSync(dir);
    if (!Deno.lstatSync(this.root).isDirectory) throw new Error(`'${dir}' is not a directory`);
    this.canStatfs =
      Deno.permissions.querySync({ name: "sys", kind: "statfs" } as Deno.PermissionDescriptor)
        .state === "granted";
  }

  /** The host path of `path`, after checking every component above the last is a real directory. */
  private resolve(path: string[]): string {
    let p = this.root;
    for (let i = 0; i < path.length; i++) {
      const name = path[i];
      if (
        name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")
      ) {
        throw new P9Error(E.EINVAL);
      }
      if (i > 0) {
        // lstat: a symlink here is not a directory, so it is never passed through.
        const info = host(() => Deno.lstatSync(p));
        if (!info.isDirectory) throw new P9Error(E.ENOTDIR);
      }
      p += "/" + name;
    }
    return p;
  }

  private change(): void {
    if (this.readOnly) throw new P9Error(E.EROFS);
  }

  /** lstat of a resolved host path, with emulated symlinks recognised. */
  private info(p: string): { info: Deno.FileInfo; link: string | null } {
    const info = host(() => Deno.lstatSync(p));
    return { info, link: info.isFile ? readMarker(p, info) : null };
  }

  lstat(path: string[]): FsStat {
    const { info, link } = this.info(this.resolve(path));
    const st = toStat(info);
    if (link !== null) {
      st.mode = S_IFLNK | 0o777;
      st.size = new TextEncoder().encode(link).length;
    }
    return st;
  }

  readdir(path: string[]): string[] {
    const p = this.resolve(path);
    if (!host(() => Deno.lstatSync(p)).isDirectory) throw new P9Error(E.ENOTDIR);
    return host(() => [...Deno.readDirSync(p)].map((e) => e.name));
  }

  /** The host path of a name that must be a plain file (not a symlink of either kind). */
  private plainFile(path: string[]): string {
    const p = this.resolve(path);
    const { info, link } = this.info(p);
    if (info.isSymlink || link !== null) throw new P9Error(E.ELOOP);
    if (info.isDirectory) throw new P9Error(E.EISDIR);
    if (!info.isFile) throw new P9Error(E.EOPNOTSUPP);
    return p;
  }

  open(path: string[], mode: OpenMode): FsFile {
    if (mode.write || mode.truncate) this.change();
    const p = this.plainFile(path);
    const write = mode.write || mode.truncate;
    const file = host(() =>
      Deno.openSync(p, { read: true, write, append: mode.append, truncate: mode.truncate })
    );
    return new HostFile(file, mode.append);
  }

  create(path: string[], perm: number, mode: OpenMode): FsFile {
    this.change();
    const p = this.resolve(path);
    const file = host(() =>
      Deno.openSync(p, { read: true, write: true, createNew: true, mode: perm & 0o777 })
    );
    // The guest already applied its umask; the host's must not apply twice.
    if ((perm & 0o7777) !== (perm & 0o755)) host(() => Deno.chmodSync(p, perm & 0o7777));
    return new HostFile(file, mode.append);
  }

  mkdir(path: string[], perm: number): void {
    this.change();
    const p = this.resolve(path);
    host(() => Deno.mkdirSync(p, { mode: perm & 0o777 }));
    if ((perm & 0o7777) !== (perm & 0o755)) host(() => Deno.chmodSync(p, perm & 0o7777));
  }

  symlink(path: string[], target: string): void {
    this.change();
    const p = this.resolve(path);
    const body = new TextEncoder().encode(SYMLINK_MAGIC + target);
    const file = host(() => Deno.openSync(p, { write: true, createNew: true, mode: 0o644 }));
    try {
      host(() => {
        let done = 0;
        while (done < body.length) done += file.writeSync(body.subarray(done));
      });
    } finally {
      file.close();
    }
    // The sticky bit marks it; chmod by name is safe: we just created a plain file there.
    host(() => Deno.chmodSync(p, 0o644 | S_ISVTX));
  }

  readlink(path: string[]): string {
    const p = this.resolve(path);
    const { info, link } = this.info(p);
    if (link !== null) return link;
    if (info.isSymlink) return host(() => Deno.readLinkSync(p));
    throw new P9Error(E.EINVAL);
  }

  link(existing: string[], path: string[]): void {
    this.change();
    const from = this.resolve(existing);
    const to = this.resolve(path);
    host(() => Deno.linkSync(from, to));
  }

  remove(path: string[], dir: boolean): void {
    this.change();
    const p = this.resolve(path);
    const info = host(() => Deno.lstatSync(p));
    if (dir && !info.isDirectory) throw new P9Error(E.ENOTDIR);
    if (!dir && info.isDirectory) throw new P9Error(E.EISDIR);
    host(() => Deno.removeSync(p));
  }

  rename(from: string[], to: string[]): void {
    this.change();
    const a = this.resolve(from);
    const b = this.resolve(to);
    host(() => Deno.renameSync(a, b));
  }

  chmod(path: string[], perm: number): void {
    this.change();
    const p = this.resolve(path);
    const { info, link } = this.info(p);
    // Symlink modes mean nothing (Linux has no lchmod); never follow one.
    if (info.isSymlink || link !== null) return;
    host(() => Deno.chmodSync(p, perm & 0o7777));
  }

  chown(path: string[], uid: number | null, gid: number | null): void {
    this.change();
    const p = this.resolve(path);
    // Deno's chown follows symlinks: a host symlink keeps its owner.
    if (host(() => Deno.lstatSync(p)).isSymlink) return;
    host(() => Deno.chownSync(p, uid, gid));
  }

  truncate(path: string[], size: number): void {
    this.change();
    const p = this.plainFile(path);
    host(() => Deno.truncateSync(p, size));
  }

  utimes(path: string[], atimeMs: number, mtimeMs: number): void {
    this.change();
    const p = this.resolve(path);
    // Deno's utime follows symlinks and there is no lutime: a host symlink keeps its times.
    if (host(() => Deno.lstatSync(p)).isSymlink) return;
    host(() => Deno.utimeSync(p, atimeMs / 1000, mtimeMs / 1000));
  }

  statfs(): FsStatfs {
    if (this.canStatfs) {
      const s = host(() => nodeFs().statfsSync(this.root));
      return { ...s, namelen: 255 };
    }
    // Without --allow-sys=statfs: a plausible, roomy file system (df works).
    const g = 1024 * 1024 * 1024 / 4096;
    return {
      bsize: 4096,
      blocks: 64 * g,
      bfree: 32 * g,
      bavail: 32 * g,
      files: 1 << 24,
      ffree: 1 << 23,
      namelen: 255,
    };
  }
}

/** The target of an emulated symlink at `p`, or null for an ordinary file. */
function readMarker(p: string, info: Deno.FileInfo): string | null {
  if (((info.mode ?? 0) & S_ISVTX) === 0) return null;
  if (info.size < MAGIC_BYTES.length || info.size > MAGIC_BYTES.length + SYMLINK_MAX) return null;
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(p);
  } catch {
    return null;
  }
  for (let i = 0; i < MAGIC_BYTES.length; i++) if (bytes[i] !== MAGIC_BYTES[i]) return null;
  return new TextDecoder().decode(bytes.subarray(MAGIC_BYTES.length));
}

function toStat(info: Deno.FileInfo): FsStat {
  const ms = (d: Date | null) => d?.getTime() ?? 0;
  let mode = info.mode ?? 0;
  if ((mode & S_IFMT) === 0) {
    mode |= info.isDirectory ? 0o040000 : info.isSymlink ? S_IFLNK : S_IFREG;
  }
  return {
    mode,
    ino: info.ino ?? 0,
    uid: info.uid ?? 0,
    gid: info.gid ?? 0,
    nlink: info.nlink ?? 1,
    size: info.size,
    blocks: info.blocks ?? Math.ceil(info.size / 512),
    atimeMs: ms(info.atime),
    mtimeMs: ms(info.mtime),
    ctimeMs: ms(info.ctime ?? info.mtime),
  };
}

class HostFile implements FsFile {
  constructor(private readonly file: Deno.FsFile, private readonly append: boolean) {}

  read(offset: number, buf: Uint8Array): number {
    return host(() => {
      this.file.seekSync(offset, Deno.SeekMode.Start);
      let done = 0;
      while (done < buf.length) {
        const n = this.file.readSync(buf.subarray(done));
        if (n === null || n === 0) break;
        done += n;
      }
      return done;
    });
  }

  write(offset: number, data: Uint8Array): number {
    return host(() => {
      // An append-mode descriptor writes at the end whatever the position.
      if (!this.append) this.file.seekSync(offset, Deno.SeekMode.Start);
      let done = 0;
      while (done < data.length) done += this.file.writeSync(data.subarray(done));
      return done;
    });
  }

  stat(): FsStat {
    return toStat(host(() => this.file.statSync()));
  }

  truncate(size: number): void {
    host(() => this.file.truncateSync(size));
  }

  sync(): void {
    host(() => this.file.syncSync());
  }

  close(): void {
    this.file.close();
  }
}
