/**
 * Opens a shared host directory (`fs0: { tag, file, ro }` or `--fs tag=dir[,ro]`)
 * as a virtio-9p device, checking the directory before the machine starts.
 */
import type { FsConfig } from "../core/config.ts";
import { Virtio9p } from "../devices/virtio_9p.ts";
import { HostFs } from "./p9_host_fs.ts";

export function openShare(fs: FsConfig): Virtio9p {
  let backend: HostFs;
  try {
    backend = new HostFs(fs.file, fs.ro ?? false);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`shared directory '${fs.file}' not found`);
    }
    if (e instanceof Deno.errors.NotCapable) {
      throw new Error(
        `sharing '${fs.file}' needs --allow-read=${fs.file}` +
          (fs.ro ? "" : ` --allow-write=${fs.file}`),
      );
    }
    throw new Error(`cannot share '${fs.file}': ${(e as Error).message}`);
  }
  return new Virtio9p(fs.tag, backend);
}
