/**
 * Turns the optional devices of a config (drives, shared folders, network,
 * display, input) into VirtIO devices with their host backends. Each kind
 * lives in its own module; this file only lists them, in slot order.
 */
import type { ConfigSupport, VmConfig } from "../core/config.ts";
import type { VirtioDevice } from "../devices/virtio.ts";

/** The optional device kinds this build implements (the rest are reported as unsupported). */
export const SUPPORTED: ConfigSupport = {};

/** Command-line choices that affect devices (TinyEMU's -rw / -ro). */
export interface DeviceFlags {
  rw?: boolean;
  ro?: boolean;
}

/**
 * Opens every backend the config asks for (files are checked here, before the
 * machine starts, so a missing file or permission is one clear line) and
 * returns the devices to add to the machine after its console.
 */
export function prepareDevices(_config: VmConfig, _flags: DeviceFlags): Promise<VirtioDevice[]> {
  const devices: VirtioDevice[] = [];
  return Promise.resolve(devices);
}
