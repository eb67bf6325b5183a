/**
 * A read-only disk image served over HTTP(S), read by range requests through
 * `fetch` (so `--allow-net` scopes it) with a cache of 64 KiB blocks.
 * Neighbouring missing blocks of one read travel in one request; a failed
 * request becomes a BlockIoError (IOERR for the guest) and is not cached.
 */
import { type BlockBackend, BlockIoError, SECTOR_SIZE } from "../../devices/block_backend.ts";
import { SnapshotError, type StateReader, type StateWriter } from "../../core/snapshot/format.ts";

export const HTTP_BLOCK = 64 * 1024;
/** Blocks kept (64 MiB); the least recently used go first. */
const CACHE_BLOCKS = 1024;
const TIMEOUT_MS = 30_000;

export class HttpBackend implements BlockBackend {
  readonly readOnly = true;
  readonly sectorCount: number;
  /** Block index → its bytes (or the request bringing them); Map order is recency. */
  private readonly cache = new Map<number, Promise<Uint8Array>>();
  /** Range requests sent (for tests). */
  requests = 0;

  private constructor(readonly url: string, readonly size: number) {
    this.sectorCount = size / SECTOR_SIZE;
  }

  /**
   * Asks the server for the image size with a one-byte range request. Errors
   * (permissions, network, a server without range support) are thrown as is
   * or as one-line Errors for the caller to word.
   */
  /** Snapshot hooks: the image is named by its URL and checked by its size. */
  saveState(w: StateWriter): void {
    w.str(this.url);
    w.f64(this.size);
  }

  loadState(r: StateReader): void {
    if (r.str() !== this.url || r.f64() !== this.size) {
      throw new SnapshotError(`the drive '${this.url}' changed since the snapshot was taken`);
    }
  }

  static async open(url: string): Promise<HttpBackend> {
    const res = await fetch(url, {
      headers: { Range: "bytes=0-0" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (res.status !== 206) {
      throw new Error(
        res.ok
          ? `the server of '${url}' does not answer range requests`
          : `'${url}': HTTP ${res.status} ${res.statusText}`,
      );
    }
    const total = /\/(\d+)\s*$/.exec(res.headers.get("content-range") ?? "")?.[1];
    if (total === undefined) throw new Error(`'${url}': no image size in Content-Range`);
    const size = Number(total);
    if (!Number.isSafeInteger(size)) throw new Error(`'${url}': image size ${total} is too large`);
    if (size % SECTOR_SIZE !== 0) {
      throw new Error(`drive '${url}' is ${size} bytes, not a whole number of 512-byte sectors`);
    }
    return new HttpBackend(url, size);
  }

  async read(sector: number, buf: Uint8Array): Promise<void> {
    const start = sector * SECTOR_SIZE;
    const end = start + buf.length;
    const first = Math.floor(start / HTTP_BLOCK);
    const last = Math.floor((end - 1) / HTTP_BLOCK);
    const blocks = this.blocks(first, last);
    for (let b = first; b <= last; b++) {
      const data = await blocks[b - first];
      const from = Math.max(start, b * HTTP_BLOCK);
      const to = Math.min(end, (b + 1) * HTTP_BLOCK);
      buf.set(data.subarray(from - b * HTTP_BLOCK, to - b * HTTP_BLOCK), from - start);
    }
  }

  write(): Promise<void> {
    return Promise.reject(new BlockIoError(`${this.url} is read-only`));
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.cache.clear();
    return Promise.resolve();
  }

  /** Promises for blocks first..last, fetching each run of missing ones with one request. */
  private blocks(first: number, last: number): Promise<Uint8Array>[] {
    const out: Promise<Uint8Array>[] = [];
    for (let b = first; b <= last;) {
      const hit = this.cache.get(b);
      if (hit) {
        this.cache.delete(b); // refresh recency
        this.cache.set(b, hit);
        out.push(hit);
        b++;
        continue;
      }
      let runEnd = b + 1;
      while (runEnd <= last && !this.cache.has(runEnd)) runEnd++;
      const runStart = b; // `b` moves on before the request completes
      const run = this.fetchRange(runStart, runEnd);
      for (let i = runStart; i < runEnd; i++) {
        const at = (i - runStart) * HTTP_BLOCK;
        const p = run.then((d) => d.subarray(at, at + HTTP_BLOCK));
        // A failed block is forgotten so a later read asks again.
        p.catch(() => this.cache.get(i) === p && this.cache.delete(i));
        this.cache.set(i, p);
        out.push(p);
      }
      b = runEnd;
    }
    while (this.cache.size > CACHE_BLOCKS) this.cache.delete(this.cache.keys().next().value!);
    return out;
  }

  private async fetchRange(first: number, end: number): Promise<Uint8Array> {
    const from = first * HTTP_BLOCK;
    const to = Math.min(end * HTTP_BLOCK, this.size);
    this.requests++;
    try {
      const res = await fetch(this.url, {
        headers: { Range: `bytes=${from}-${to - 1}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (res.status !== 206) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
      }
      const data = await readExactly(res, to - from);
      if (typeof data === "string") {
        throw new Error(`range ${from}-${to - 1} came back with ${data}`);
      }
      return data;
    } catch (e) {
      throw new BlockIoError(`${this.url}: ${(e as Error).message}`);
    }
  }
}

/**
 * The body when it is exactly `length` bytes, else what came instead (reading
 * stops past `length`: a server's long body never grows host memory).
 */
async function readExactly(res: Response, length: number): Promise<Uint8Array | string> {
  const out = new Uint8Array(length);
  let got = 0;
  const reader = res.body?.getReader();
  if (!reader) return length === 0 ? out : "no body";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return got === length ? out : `${got} bytes`;
      if (got + value.length > length) return `more than ${length} bytes`;
      out.set(value, got);
      got += value.length;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
