/**
 * Turns one configured drive into a VirtIO block device over the right
 * backend: raw file (-rw), read-only file (-ro), snapshot over a file or an
 * HTTP image (the default, TinyEMU's), optionally with an overlay file.
 * Every problem with the host side is thrown as a one-line Error that names
 * the drive and, for a missing permission, the Deno flag that grants it.
 */
import { basename } from "../host_path.ts";
import type { DriveConfig, VmConfig } from "../../board/config.ts";
import type { BlockBackend } from "../../devices/block_backend.ts";
import { VirtioBlock } from "../../devices/virtio_blk.ts";
import { FileBackend } from "./file_block.ts";
import { HttpBackend } from "./http_block.ts";
import { isUrl } from "../url.ts";
import { OverlayFile } from "./overlay_file.ts";
import { MemoryOverlay, SnapshotBackend } from "./snapshot_block.ts";
import { type DeviceKind, flagValues, type Need } from "../device_kind.ts";

export type DriveMode = "rw" | "ro" | "snapshot";

/** Command-line choices: -rw / -ro for every drive, --overlay for the first. */
export interface DriveFlags {
  rw?: boolean;
  ro?: boolean;
  overlay?: string;
}

/** Virtio disks: `driveN` in a config, `--drive FILE`, `-rw`/`-ro`, `--overlay`. */
export const driveKind: DeviceKind = {
  name: "drive",
  options: {
    drive: { type: "string", multiple: true },
    overlay: { type: "string" },
    rw: { type: "boolean" },
    ro: { type: "boolean" },
  },
  help: `  --drive FILE         add a virtio disk image (repeatable; after the config's drives)
  -rw, -ro             open every disk read-write / read-only (default: snapshot,
                       writes kept in memory and lost at exit)
  --overlay FILE       snapshot mode: keep the first disk's writes in FILE (reusable)`,
  addFromFlags(config, flags) {
    for (const file of flagValues(flags, "drive")) config.drives.push({ file });
  },
  needs: driveNeeds,
  sandbox(config, flags) {
    if (flags.rw) {
      throw new Error("--sandbox: -rw is not allowed (disks are snapshots, or read-only with -ro)");
    }
    const notes: string[] = [];
    for (const [i, drive] of config.drives.entries()) {
      if (drive.mode === "rw") {
        drive.mode = "snapshot";
        notes.push(`sandbox: drive${i} is a snapshot (the guest's writes are not kept)`);
      }
    }
    return notes;
  },
  async open(config, flags) {
    if (flags.overlay !== undefined && config.drives.length === 0) {
      throw new Error("--overlay needs a drive (--drive FILE or drive0 in the config)");
    }
    const devices = [];
    try {
      for (const [i, drive] of config.drives.entries()) {
        devices.push(await openDrive(drive, i, flags));
      }
    } catch (e) {
      for (const d of devices) await d.close();
      throw e;
    }
    return devices;
  },
  usesNetwork: () => false,
};

/** Each drive's image (or its host, for an HTTP image), written when read-write, and its overlay. */
function driveNeeds(config: VmConfig, flags: DriveFlags): Need[] {
  const needs: Need[] = [];
  for (const [i, drive] of config.drives.entries()) {
    const src = driveSource(drive, i, flags);
    if (src.url !== undefined) {
      const purpose = `reading the drive '${src.url}'`;
      needs.push({ kind: "net", value: new URL(src.url).host, purpose });
    } else {
      const rw = src.mode === "rw";
      const purpose = `opening the drive '${src.name}'${rw ? " read-write" : ""}`;
      needs.push({ kind: "read", value: src.name, purpose });
      if (rw) needs.push({ kind: "write", value: src.name, purpose });
    }
    if (src.overlay !== undefined) {
      const purpose = `opening the overlay '${src.overlay}' read-write`;
      needs.push({ kind: "read", value: src.overlay, purpose });
      needs.push({ kind: "write", value: src.overlay, purpose });
    }
  }
  return needs;
}

export interface OpenDriveOptions {
  /** Where host I/O errors during the run are printed (default console.error). */
  log?: (message: string) => void;
}

/** What one drive opens, once the command line's -rw/-ro/--overlay are applied. */
export interface DriveSource {
  /** The HTTP(S) image, when the drive is one. */
  url?: string;
  /** The URL or the file name. */
  name: string;
  mode: DriveMode;
  /** The snapshot's overlay file, if any. */
  overlay?: string;
}

/** Resolves a drive's source, mode and overlay, refusing combinations that cannot work. */
export function driveSource(
  drive: DriveConfig,
  index: number,
  flags: DriveFlags = {},
): DriveSource {
  if (flags.rw && flags.ro) throw new Error("-rw and -ro cannot be used together");
  const url = drive.url ?? (drive.file !== undefined && isUrl(drive.file) ? drive.file : undefined);
  const name = url ?? drive.file;
  if (name === undefined) throw new Error(`drive${index} has neither a file nor a url`);
  const mode: DriveMode = flags.rw
    ? "rw"
    : flags.ro
    ? "ro"
    : (drive.mode as DriveMode) ?? "snapshot";
  if (mode !== "rw" && mode !== "ro" && mode !== "snapshot") {
    throw new Error(`drive${index}: unknown mode '${mode}' (rw, ro or snapshot)`);
  }
  const overlay = drive.overlay ?? (index === 0 ? flags.overlay : undefined);
  if (overlay !== undefined && mode !== "snapshot") {
    throw new Error(`drive${index}: an overlay file needs snapshot mode, not ${mode}`);
  }
  if (url !== undefined && mode === "rw") {
    throw new Error(`drive${index}: the HTTP image '${url}' cannot be opened read-write`);
  }
  return { url, name, mode, ...(overlay !== undefined ? { overlay } : {}) };
}

export async function openDrive(
  drive: DriveConfig,
  index: number,
  flags: DriveFlags = {},
  options: OpenDriveOptions = {},
): Promise<VirtioBlock> {
  const { url, name, mode, overlay } = driveSource(drive, index, flags);
  let backend: BlockBackend = url !== undefined
    ? await openHttp(url)
    : await openFile(name, mode === "rw");
  try {
    if (mode === "snapshot") {
      const store = overlay === undefined
        ? new MemoryOverlay()
        : await openOverlay(overlay, backend.sectorCount);
      backend = new SnapshotBackend(backend, store);
    }
  } catch (e) {
    await backend.close();
    throw e;
  }
  const serial = drive.serial ?? basename(url !== undefined ? new URL(url).pathname : name);
  return new VirtioBlock(backend, { name: `drive${index} (${name})`, serial, log: options.log });
}

async function openFile(path: string, write: boolean): Promise<FileBackend> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write });
  } catch (e) {
    throw hostFileError(e, path, "drive", write);
  }
  try {
    const st = await file.stat();
    if (!st.isFile) throw new Error(`drive '${path}' is not a regular file`);
    if (st.size % 512 !== 0) {
      throw new Error(
        `drive '${path}' is ${st.size} bytes, not a whole number of 512-byte sectors` +
          ` (pad it, e.g. truncate -s ${Math.ceil(st.size / 512) * 512} '${path}')`,
      );
    }
    return new FileBackend(file, st.size, !write, path);
  } catch (e) {
    file.close();
    throw e;
  }
}

async function openOverlay(path: string, sectorCount: number): Promise<OverlayFile> {
  try {
    return await OverlayFile.open(path, sectorCount);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw hostFileError(e, path, "overlay", true);
    }
    throw e;
  }
}

async function openHttp(url: string): Promise<HttpBackend> {
  try {
    return await HttpBackend.open(url);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) {
      throw new Error(`reading the drive '${url}' needs --allow-net=${new URL(url).host}`);
    }
    if (e instanceof TypeError || (e as Error).name === "TimeoutError") {
      const cause = (e as Error).cause instanceof Error
        ? ` (${((e as Error).cause as Error).message})`
        : "";
      throw new Error(`cannot reach the drive '${url}': ${(e as Error).message}${cause}`);
    }
    throw e;
  }
}

/** One line for a failed open, naming the missing Deno permission when that is the cause. */
function hostFileError(e: unknown, path: string, what: string, write: boolean): Error {
  if (e instanceof Deno.errors.NotCapable) {
    const needWrite = write &&
      Deno.permissions.querySync({ name: "write", path }).state !== "granted";
    const needRead = Deno.permissions.querySync({ name: "read", path }).state !== "granted";
    const flags = [needRead && "--allow-read", needWrite && "--allow-write"].filter(Boolean);
    return new Error(
      `opening the ${what} '${path}'${write ? " read-write" : ""} needs ${
        flags.join(" and ") || "--allow-read"
      }`,
    );
  }
  if (e instanceof Deno.errors.NotFound) return new Error(`${what} '${path}' not found`);
  if (e instanceof Deno.errors.PermissionDenied) {
    return new Error(`cannot open the ${what} '${path}': permission denied by the host`);
  }
  if (e instanceof Deno.errors.IsADirectory) return new Error(`${what} '${path}' is a directory`);
  return new Error(`cannot open the ${what} '${path}': ${(e as Error).message}`);
}
