/**
 * `--sandbox`, for guests that are not trusted: the guest keeps no host
 * change and reaches nothing it was not given on the command line.
 * - network cards come only from `--net` on the command line (a config's
 *   eth entries are left out), and reach only what --allow-net grants: a
 *   user-mode card is refused while the process holds all of the network;
 * - disks are snapshots (writes kept in RAM, or an overlay file) or read-only;
 *   `-rw` is refused and a config's `mode: "rw"` becomes a snapshot;
 * - shared folders are read-only;
 * - the run has a wall-clock limit (`--timeout`, default below) and may have
 *   an instruction limit (`--max-insns`); either ends it with EXIT_LIMIT.
 */
import type { VmConfig } from "../../board/config.ts";
import type { DeviceFlags } from "../device_kind.ts";
import { DEVICE_KINDS } from "../device_kinds.ts";

/** The wall-clock limit of a sandboxed run when `--timeout` is not given. */
export const SANDBOX_TIMEOUT_SECONDS = 600;

/**
 * Rewrites the config and device flags for sandbox mode, each device kind by
 * its own rule (backends/device_kind.ts). Returns one note per change the
 * user should know about; throws on a request the sandbox refuses.
 */
export function applySandbox(
  config: VmConfig,
  flags: DeviceFlags,
  /** False when only printing the permissions: this process's own grants do not matter then. */
  checkGrants = true,
): string[] {
  return DEVICE_KINDS.flatMap((kind) => kind.sandbox(config, flags, { checkGrants }));
}

/**
 * `--gdb` under `--sandbox`: only at an address written out in full, since
 * whoever reaches the port controls the guest and reads all of its memory.
 */
export function checkSandboxGdb(explicitHost: boolean): void {
  if (!explicitHost) {
    throw new Error(
      "--sandbox: --gdb needs its address written out (e.g. --gdb 127.0.0.1:1234): " +
        "whoever reaches the port controls the guest",
    );
  }
}
