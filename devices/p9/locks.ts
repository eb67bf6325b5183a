/**
 * POSIX byte-range locks for Tlock/Tgetlock, kept per file (by inode) so
 * Tgetlock answers coherently with what Tlock granted. Locks never block:
 * a conflicting request gets BLOCKED and the client retries (Linux does).
 * Owners are (client id, proc id); a lock's end is exclusive, Infinity for
 * "to the end of the file" (length 0 on the wire).
 */

export const LOCK_RDLCK = 0;
export const LOCK_WRLCK = 1;
export const LOCK_UNLCK = 2;
export const LOCK_SUCCESS = 0;
export const LOCK_BLOCKED = 1;
/** The lock table is full (a guest may not grow the host's memory without bound). */
export const LOCK_ERROR = 2;
/** Byte-range locks held at once, all files together. */
export const MAX_LOCKS = 4096;

export interface LockRange {
  type: number;
  start: number;
  end: number;
  procId: number;
  clientId: string;
  /** The fid that took it: clunking the fid drops its locks. */
  fid: number;
}

export class LockTable {
  private readonly files = new Map<number, LockRange[]>();
  private count = 0;

  /** The first lock of another owner that conflicts with `want`, or null. */
  conflict(ino: number, want: LockRange): LockRange | null {
    for (const l of this.files.get(ino) ?? []) {
      if (sameOwner(l, want)) continue;
      if (l.start >= want.end || want.start >= l.end) continue;
      if (l.type === LOCK_WRLCK || want.type === LOCK_WRLCK) return l;
    }
    return null;
  }

  /** Sets or clears a range for its owner; returns LOCK_SUCCESS or LOCK_BLOCKED. */
  lock(ino: number, want: LockRange): number {
    if (want.type !== LOCK_UNLCK && this.conflict(ino, want)) return LOCK_BLOCKED;
    const kept: LockRange[] = [];
    for (const l of this.files.get(ino) ?? []) {
      if (!sameOwner(l, want) || l.start >= want.end || want.start >= l.end) {
        kept.push(l);
        continue;
      }
      // The new request replaces the overlapped part of the owner's old lock.
      if (l.start < want.start) kept.push({ ...l, end: want.start });
      if (l.end > want.end) kept.push({ ...l, start: want.end });
    }
    if (want.type !== LOCK_UNLCK) kept.push({ ...want });
    const before = this.files.get(ino)?.length ?? 0;
    if (kept.length > before && this.count - before + kept.length > MAX_LOCKS) return LOCK_ERROR;
    this.count += kept.length - before;
    if (kept.length > 0) this.files.set(ino, kept);
    else this.files.delete(ino);
    return LOCK_SUCCESS;
  }

  /** Drops every lock taken through `fid` (the file was closed). */
  dropFid(fid: number): void {
    for (const [ino, list] of this.files) {
      const kept = list.filter((l) => l.fid !== fid);
      this.count -= list.length - kept.length;
      if (kept.length > 0) this.files.set(ino, kept);
      else this.files.delete(ino);
    }
  }

  clear(): void {
    this.files.clear();
    this.count = 0;
  }

  /** Ranges held (for tests). */
  get size(): number {
    return this.count;
  }
}

function sameOwner(a: LockRange, b: LockRange): boolean {
  return a.procId === b.procId && a.clientId === b.clientId;
}
