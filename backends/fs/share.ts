/**
 * Opens a shared host directory (`fs0: { tag, file, ro }` or `--fs tag=dir[,ro]`)
 * as a virtio-9p device, checking the directory and Deno's permissions
 * before the machine starts so a mistake is one clear line.
 */
import type { FsConfig } from "../../board/config.ts";
import { Virtio9p } from "../../devices/virtio_9p.ts";
import { HostFs } from "./p9_host_fs.ts";
import { isUrl } from "../url.ts";
import { type DeviceKind, flagValues } from "../device_kind.ts";

/** Parses `--fs TAG=DIR[,ro]`. */
export function parseFsFlag(text: string): FsConfig {
  const ro = text.endsWith(",ro");
  const body = ro ? text.slice(0, -3) : text;
  const eq = body.indexOf("=");
  if (eq <= 0 || eq === body.length - 1) {
    throw new Error(`--fs: expected TAG=DIR or TAG=DIR,ro, got '${text}'`);
  }
  return { tag: body.slice(0, eq), file: body.slice(eq + 1), ...(ro ? { ro } : {}) };
}

export function openShare(fs: FsConfig): Virtio9p {
  const flags = `--allow-read=${fs.file}` + (fs.ro ? "" : ` --allow-write=${fs.file}`);
  if (isUrl(fs.file)) {
    throw new Error(`sharing '${fs.file}': only host directories can be shared over 9P`);
  }
  let backend: HostFs;
  try {
    backend = new HostFs(fs.file, fs.ro ?? false);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`shared directory '${fs.file}' not found`);
    }
    if (e instanceof Deno.errors.NotCapable) throw new Error(`sharing '${fs.file}' needs ${flags}`);
    throw new Error(`cannot share '${fs.file}': ${(e as Error).message}`);
  }
  if (!fs.ro) {
    const write = Deno.permissions.querySync({ name: "write", path: backend.root });
    if (write.state !== "granted") {
      throw new Error(`sharing '${fs.file}' needs ${flags} (or share it read-only: ,ro)`);
    }
  }
  try {
    return new Virtio9p(fs.tag, backend);
  } catch (e) {
    throw new Error(`fs '${fs.file}': ${(e as Error).message}`);
  }
}

/** Shared host folders over virtio-9p: `fsN` in a config, `--fs TAG=DIR[,ro]`. */
export const shareKind: DeviceKind = {
  name: "share",
  options: { fs: { type: "string", multiple: true } },
  help: `  --fs TAG=DIR[,ro]    share a host directory over virtio-9p (repeatable; needs
                       --allow-read=DIR, and --allow-write=DIR unless ,ro); in the
                       guest: mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt`,
  addFromFlags(config, flags) {
    for (const text of flagValues(flags, "fs")) config.fs.push(parseFsFlag(text));
  },
  needs: (config) =>
    config.fs.flatMap((share) => {
      const purpose = `sharing '${share.file}'`;
      return share.ro ? [{ kind: "read", value: share.file, purpose }] : [
        { kind: "read", value: share.file, purpose },
        { kind: "write", value: share.file, purpose },
      ];
    }),
  sandbox(config) {
    const notes: string[] = [];
    for (const share of config.fs) {
      if (!share.ro) {
        share.ro = true;
        notes.push(`sandbox: the share '${share.tag}' is read-only`);
      }
    }
    return notes;
  },
  open: (config) => Promise.resolve(config.fs.map(openShare)),
  usesNetwork: () => false,
};
