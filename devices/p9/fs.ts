/**
 * What the 9P server needs from a file system: the host directory
 * (backends/fs/p9_host_fs.ts) and the in-memory tree (backends/fs/p9_memory_fs.ts)
 * implement it. Calls are synchronous: local file operations take
 * microseconds, and one 9P message per call keeps ordering trivial.
 *
 * Paths are arrays of names relative to the export's root. The server
 * guarantees every name is valid (non-empty, no '/', no NUL, not '.' or '..'),
 * so a path can only go down from the root. A backend must never follow a
 * symlink while resolving a path: an intermediate component that is not a
 * real directory fails with ENOTDIR, and operations on the final component
 * act on the link itself. Failures throw `P9Error(errno)`.
 */

/** S_IFMT bits of `FsStat.mode`. */
export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export interface FsStat {
  /** Type and permission bits, as st_mode. */
  mode: number;
  /** Identity: stable across renames, shared by hard links. */
  ino: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  /** 512-byte blocks. */
  blocks: number;
  /** Milliseconds since the epoch. */
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
}

export interface FsStatfs {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  namelen: number;
}

/** An open regular file. */
export interface FsFile {
  /** Reads at `offset` into `buf`; returns the count (0 at the end). */
  read(offset: number, buf: Uint8Array): number;
  /** Writes at `offset` (at the end when opened for append); returns the count. */
  write(offset: number, data: Uint8Array): number;
  /** The open file's attributes (works after the name is unlinked). */
  stat(): FsStat;
  truncate(size: number): void;
  sync(): void;
  close(): void;
}

export interface OpenMode {
  read: boolean;
  write: boolean;
  append: boolean;
  truncate: boolean;
}

export interface FsBackend {
  /** Every change is refused with EROFS (the server checks too). */
  readonly readOnly: boolean;
  lstat(path: string[]): FsStat;
  /** Names in a directory (without '.' and '..'). */
  readdir(path: string[]): string[];
  /** Opens an existing regular file. */
  open(path: string[], mode: OpenMode): FsFile;
  /** Creates a new regular file (EEXIST if the name exists) and opens it. */
  create(path: string[], perm: number, mode: OpenMode): FsFile;
  mkdir(path: string[], perm: number): void;
  symlink(path: string[], target: string): void;
  readlink(path: string[]): string;
  link(existing: string[], path: string[]): void;
  /** Removes a name; `dir` says the caller expects a directory (rmdir). */
  remove(path: string[], dir: boolean): void;
  rename(from: string[], to: string[]): void;
  chmod(path: string[], perm: number): void;
  chown(path: string[], uid: number | null, gid: number | null): void;
  truncate(path: string[], size: number): void;
  /** Sets times in ms since the epoch. */
  utimes(path: string[], atimeMs: number, mtimeMs: number): void;
  statfs(): FsStatfs;
}
