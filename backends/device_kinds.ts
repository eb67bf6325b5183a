/**
 * Turns the optional devices of a config (drives, shared folders, network,
 * display, input) into VirtIO devices with their host backends. Each kind
 * lives in its own module; this file only lists them, in slot order.
 */
import type { ConfigSupport, VmConfig } from "../board/config.ts";
import type { VirtioDevice } from "../devices/virtio.ts";
import { openDrive } from "./block/drive.ts";
import { openInputDevices } from "./web/input_devices.ts";
import { openNet } from "./net/card.ts";
import { openShare } from "./fs/share.ts";

/** The optional device kinds this build implements (the rest are reported as unsupported). */
export const SUPPORTED: ConfigSupport = {
  drive: true,
  fs: true,
  eth: true,
  display: true,
  input: true,
};

/** Command-line choices that affect devices (TinyEMU's -rw / -ro). */
export interface DeviceFlags {
  rw?: boolean;
  ro?: boolean;
  /** --overlay FILE: the first drive's snapshot is kept in this file. */
  overlay?: string;
  /** --hostfwd tcp:HOSTADDR:HOSTPORT-:GUESTPORT, for the first network card. */
  hostfwd?: string[];
}

/**
 * Opens every backend the config asks for (files are checked here, before the
 * machine starts, so a missing file or permission is one clear line) and
 * returns the devices to add to the machine after its console.
 */
export async function prepareDevices(
  config: VmConfig,
  flags: DeviceFlags,
): Promise<VirtioDevice[]> {
  const devices: VirtioDevice[] = [];
  try {
    const drives = config.drives ?? [];
    if (flags.overlay !== undefined && drives.length === 0) {
      throw new Error("--overlay needs a drive (--drive FILE or drive0 in the config)");
    }
    for (const [i, drive] of drives.entries()) devices.push(await openDrive(drive, i, flags));
    for (const share of config.fs ?? []) devices.push(openShare(share));
    if (flags.hostfwd?.length && !config.eth?.length) {
      throw new Error("--hostfwd needs a network card (--net user or eth0 in the config)");
    }
    for (const [i, eth] of (config.eth ?? []).entries()) devices.push(openNet(eth, i, flags));
    if (config.inputDevice === "virtio") devices.push(...openInputDevices());
  } catch (e) {
    // Release what was opened before the failure.
    for (const d of devices) await (d as { close?: () => Promise<void> }).close?.();
    throw e;
  }
  return devices;
}
