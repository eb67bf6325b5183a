/**
 * How a snapshot names a host file it does not carry (a read-write disk, a
 * snapshot disk's base image, an overlay file): by path, size and
 * modification time. Restoring onto a file that changed since the save would
 * show the guest a disk that no longer matches its page cache, so it is
 * refused.
 */
import { SnapshotError, type StateReader, type StateWriter } from "../../core/snapshot/format.ts";

export function saveFileIdentity(w: StateWriter, path: string): void {
  const st = Deno.statSync(path);
  w.str(path);
  w.f64(st.size);
  w.f64(st.mtime?.getTime() ?? 0);
}

export function checkFileIdentity(r: StateReader, path: string, what: string): void {
  const savedPath = r.str();
  const size = r.f64();
  const mtime = r.f64();
  const st = Deno.statSync(path);
  if (savedPath !== path || st.size !== size || (st.mtime?.getTime() ?? 0) !== mtime) {
    throw new SnapshotError(
      `the ${what} '${path}' changed since the snapshot was taken (size or modification time)`,
    );
  }
}
