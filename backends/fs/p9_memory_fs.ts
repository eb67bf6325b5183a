/**
 * An in-memory file tree behind the 9P server, for tests and throwaway
 * shares: inodes with hard links, symlinks stored as text, POSIX-like errors.
 */
import { E, P9Error } from "../../devices/p9/codec.ts";
import {
  type FsBackend,
  type FsFile,
  type FsStat,
  type FsStatfs,
  type OpenMode,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
} from "../../devices/p9/fs.ts";

interface Inode {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  data: Uint8Array;
  size: number;
  children: Map<string, Inode> | null;
  target: string;
}

export class MemoryFs implements FsBackend {
  private nextIno = 1;
  readonly root: Inode;

  constructor(readonly readOnly = false) {
    this.root = this.inode(S_IFDIR | 0o755);
  }

  private inode(mode: number): Inode {
    const now = Date.now();
    return {
      ino: this.nextIno++,
      mode,
      uid: 0,
      gid: 0,
      nlink: 1,
      atimeMs: now,
      mtimeMs: now,
      ctimeMs: now,
      data: new Uint8Array(0),
      size: 0,
      children: (mode & S_IFMT) === S_IFDIR ? new Map() : null,
      target: "",
    };
  }

  private find(path: string[]): Inode {
    let node = this.root;
    for (const name of path) {
      if (!node.children) throw new P9Error(E.ENOTDIR);
      const next = node.children.get(name);
      if (!next) throw new P9Error(E.ENOENT);
      node = next;
    }
    return node;
  }

  private parent(path: string[]): { dir: Map<string, Inode>; name: string; node: Inode } {
    if (path.length === 0) throw new P9Error(E.EBUSY);
    const node = this.find(path.slice(0, -1));
    if (!node.children) throw new P9Error(E.ENOTDIR);
    return { dir: node.children, name: path[path.length - 1], node };
  }

  private change(): void {
    if (this.readOnly) throw new P9Error(E.EROFS);
  }

  private add(path: string[], node: Inode): void {
    const { dir, name, node: parent } = this.parent(path);
    if (dir.has(name)) throw new P9Error(E.EEXIST);
    dir.set(name, node);
    if (node.children) parent.nlink++;
    parent.mtimeMs = parent.ctimeMs = Date.now();
  }

  lstat(path: string[]): FsStat {
    return statOf(this.find(path));
  }

  readdir(path: string[]): string[] {
    const node = this.find(path);
    if (!node.children) throw new P9Error(E.ENOTDIR);
    return [...node.children.keys()];
  }

  open(path: string[], mode: OpenMode): FsFile {
    const node = this.find(path);
    if ((node.mode & S_IFMT) !== S_IFREG) throw new P9Error(E.EISDIR);
    if (mode.write || mode.truncate) this.change();
    if (mode.truncate) resize(node, 0);
    return new MemoryFile(node, mode, this.readOnly);
  }

  create(path: string[], perm: number, mode: OpenMode): FsFile {
    this.change();
    const node = this.inode(S_IFREG | perm);
    this.add(path, node);
    return new MemoryFile(node, mode, false);
  }

  mkdir(path: string[], perm: number): void {
    this.change();
    const node = this.inode(S_IFDIR | perm);
    node.nlink = 2;
    this.add(path, node);
  }

  symlink(path: string[], target: string): void {
    this.change();
    const node = this.inode(S_IFLNK | 0o777);
    node.target = target;
    node.size = new TextEncoder().encode(target).length;
    this.add(path, node);
  }

  readlink(path: string[]): string {
    const node = this.find(path);
    if ((node.mode & S_IFMT) !== S_IFLNK) throw new P9Error(E.EINVAL);
    return node.target;
  }

  link(existing: string[], path: string[]): void {
    this.change();
    const node = this.find(existing);
    if (node.children) throw new P9Error(E.EPERM);
    this.add(path, node);
    node.nlink++;
  }

  remove(path: string[], dir: boolean): void {
    this.change();
    const { dir: entries, name, node: parent } = this.parent(path);
    const node = entries.get(name);
    if (!node) throw new P9Error(E.ENOENT);
    if (dir && !node.children) throw new P9Error(E.ENOTDIR);
    if (!dir && node.children) throw new P9Error(E.EISDIR);
    if (node.children && node.children.size > 0) throw new P9Error(E.ENOTEMPTY);
    entries.delete(name);
    if (node.children) parent.nlink--;
    node.nlink--;
  }

  rename(from: string[], to: string[]): void {
    this.change();
    const src = this.parent(from);
    const node = src.dir.get(src.name);
    if (!node) throw new P9Error(E.ENOENT);
    const dst = this.parent(to);
    const old = dst.dir.get(dst.name);
    if (old === node) return;
    if (old) {
      if (old.children && !node.children) throw new P9Error(E.EISDIR);
      if (!old.children && node.children) throw new P9Error(E.ENOTDIR);
      if (old.children && old.children.size > 0) throw new P9Error(E.ENOTEMPTY);
      old.nlink--;
    }
    src.dir.delete(src.name);
    dst.dir.set(dst.name, node);
    if (node.children && src.node !== dst.node) {
      src.node.nlink--;
      dst.node.nlink++;
    }
  }

  chmod(path: string[], perm: number): void {
    this.change();
    const node = this.find(path);
    node.mode = (node.mode & S_IFMT) | perm;
    node.ctimeMs = Date.now();
  }

  chown(path: string[], uid: number | null, gid: number | null): void {
    this.change();
    const node = this.find(path);
    if (uid !== null) node.uid = uid;
    if (gid !== null) node.gid = gid;
  }

  truncate(path: string[], size: number): void {
    this.change();
    const node = this.find(path);
    if (node.children) throw new P9Error(E.EISDIR);
    if ((node.mode & S_IFMT) !== S_IFREG) throw new P9Error(E.EINVAL);
    resize(node, size);
  }

  utimes(path: string[], atimeMs: number, mtimeMs: number): void {
    this.change();
    const node = this.find(path);
    node.atimeMs = atimeMs;
    node.mtimeMs = mtimeMs;
  }

  statfs(): FsStatfs {
    return {
      bsize: 4096,
      blocks: 65536,
      bfree: 65536,
      bavail: 65536,
      files: 65536,
      ffree: 65536 - this.nextIno,
      namelen: 255,
    };
  }
}

/** Files larger than this are refused (memory is the limit). */
const MAX_FILE = 256 * 1024 * 1024;

function resize(node: Inode, size: number): void {
  if (size > MAX_FILE) throw new P9Error(E.EFBIG);
  if (size > node.data.length) {
    const grown = new Uint8Array(Math.max(size, node.data.length * 2));
    grown.set(node.data.subarray(0, node.size));
    node.data = grown;
  } else if (size < node.size) node.data.fill(0, size, node.size);
  node.size = size;
  node.mtimeMs = node.ctimeMs = Date.now();
}

function statOf(n: Inode): FsStat {
  return {
    mode: n.mode,
    ino: n.ino,
    uid: n.uid,
    gid: n.gid,
    nlink: n.nlink,
    size: n.children ? 4096 : n.size,
    blocks: Math.ceil(n.size / 512),
    atimeMs: n.atimeMs,
    mtimeMs: n.mtimeMs,
    ctimeMs: n.ctimeMs,
  };
}

class MemoryFile implements FsFile {
  constructor(
    private readonly node: Inode,
    private readonly mode: OpenMode,
    private readonly readOnly: boolean,
  ) {}

  read(offset: number, buf: Uint8Array): number {
    const n = Math.max(0, Math.min(buf.length, this.node.size - offset));
    buf.set(this.node.data.subarray(offset, offset + n));
    return n;
  }

  write(offset: number, data: Uint8Array): number {
    if (this.readOnly) throw new P9Error(E.EROFS);
    const at = this.mode.append ? this.node.size : offset;
    if (at + data.length > this.node.size) resize(this.node, at + data.length);
    this.node.data.set(data, at);
    this.node.mtimeMs = this.node.ctimeMs = Date.now();
    return data.length;
  }

  stat(): FsStat {
    return statOf(this.node);
  }

  truncate(size: number): void {
    if (this.readOnly) throw new P9Error(E.EROFS);
    resize(this.node, size);
  }

  sync(): void {}

  close(): void {}
}
