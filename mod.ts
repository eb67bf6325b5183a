/**
 * demu as a library: build a machine, give it a console, run it.
 *
 * ```ts
 * import { Machine, ScriptedConsole } from "./mod.ts";
 * const term = new ScriptedConsole();
 * const vm = new Machine({ memoryMiB: 128, bios, kernel, initrd, cmdline: "console=hvc0", console: term });
 * term.connect((bytes) => vm.typeInput(bytes));
 * vm.boot();
 * const done = vm.run();
 * await term.waitFor("~ # ");
 * term.type("poweroff\n");
 * await done; // { reason: "poweroff", code: 0 }
 * ```
 */
export { Machine, type MachineExit, type MachineOptions } from "./board/machine.ts";
export {
  readSnapshotConfig,
  type RestoreOptions,
  type SaveOptions,
  type SnapshotConfig,
  SnapshotError,
} from "./board/machine_snapshot.ts";
export type { Clock, GuestRam, InterruptTarget, IrqLine, MmioRegion } from "./core/bus.ts";
export { buildDeviceTree, type MachineDescription } from "./board/devicetree.ts";
export { parseElf } from "./board/elf.ts";
export { ConfigError, interpretConfig, parseConfigText, type VmConfig } from "./board/config.ts";
export type { CharBackend } from "./devices/char_backend.ts";
export type { VirtioDevice, VirtioTransport } from "./devices/virtio.ts";
export { type BlockBackend, BlockIoError } from "./devices/block_backend.ts";
export { VirtioBlock, type VirtioBlockOptions } from "./devices/virtio_blk.ts";
export { type DriveFlags, openDrive } from "./backends/block/drive.ts";
export type { EthernetBackend, EthernetPort } from "./devices/ethernet_backend.ts";
export { parseMac, VirtioNet, type VirtioNetOptions } from "./devices/virtio_net.ts";
export { UserNetwork, type UserNetworkOptions } from "./backends/net/user.ts";
export { type LinkSpec, openLink, parseLinkSpec } from "./backends/net/link.ts";
export {
  type InputProfile,
  keyboardProfile,
  mouseProfile,
  tabletProfile,
  VirtioInput,
} from "./devices/virtio_input.ts";
export { Framebuffer, FRAMEBUFFER_BASE, FrameScanner } from "./devices/framebuffer.ts";
export { ScriptedConsole } from "./backends/console/scripted_console.ts";
export { StdioConsole } from "./backends/console/stdio_console.ts";
export { DEFAULT_CMDLINE, defaultImagePaths } from "./backends/image/image_cache.ts";
