/**
 * The optional device kinds, in slot order (drives, shared folders, network
 * cards, input devices), and what the rest of demu does with all of them at
 * once: add their command-line entries to a config, and open their host sides
 * (files and permissions are checked here, before the machine starts, so a
 * missing file or permission is one clear line). A new kind is one entry here.
 */
import type { VmConfig } from "../board/config.ts";
import type { VirtioDevice } from "../devices/virtio.ts";
import { driveKind } from "./block/drive.ts";
import type { DeviceFlags, DeviceKind } from "./device_kind.ts";
import { shareKind } from "./fs/share.ts";
import { netKind } from "./net/card.ts";
import { inputKind } from "./web/input_devices.ts";

export const DEVICE_KINDS: readonly DeviceKind[] = [driveKind, shareKind, netKind, inputKind];

/** Every kind's command-line options, for parseArgs. */
export const deviceOptions = () => Object.assign({}, ...DEVICE_KINDS.map((k) => k.options));

/** Every kind's lines of --help. */
export const deviceHelp = () => DEVICE_KINDS.map((k) => k.help).filter((h) => h !== "").join("\n");

/** Adds the devices the command line asks for after the config's own. */
export function addDevicesFromFlags(config: VmConfig, flags: DeviceFlags): void {
  for (const kind of DEVICE_KINDS) kind.addFromFlags(config, flags);
}

/** Opens every backend the config asks for and returns the devices to add after the console. */
export async function prepareDevices(
  config: VmConfig,
  flags: DeviceFlags,
): Promise<VirtioDevice[]> {
  const devices: VirtioDevice[] = [];
  try {
    for (const kind of DEVICE_KINDS) devices.push(...await kind.open(config, flags));
  } catch (e) {
    await closeDevices(devices); // release what was opened before the failure
    throw e;
  }
  return devices;
}

/** Closes devices in order (flushing disks). */
export async function closeDevices(devices: readonly VirtioDevice[]): Promise<void> {
  for (const d of devices) await d.close?.();
}
