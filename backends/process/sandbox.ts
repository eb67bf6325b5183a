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
import type { VmConfig } from "../../core/config.ts";
import type { DeviceFlags } from "../attach_devices.ts";
import { isUserNetwork } from "../open_net.ts";

/** The wall-clock limit of a sandboxed run when `--timeout` is not given. */
export const SANDBOX_TIMEOUT_SECONDS = 600;

/**
 * Rewrites the config and device flags for sandbox mode. `cliNets` is how
 * many of the config's eth entries came from `--net` (they are the last ones).
 * Returns one note per change the user should know about; throws on a
 * request the sandbox refuses.
 */
export function applySandbox(
  config: VmConfig,
  flags: DeviceFlags,
  cliNets: number,
  /** False when only printing the permissions: this process's own grants do not matter then. */
  checkGrants = true,
): string[] {
  if (flags.rw) {
    throw new Error("--sandbox: -rw is not allowed (disks are snapshots, or read-only with -ro)");
  }
  const notes: string[] = [];
  const eth = config.eth ?? [];
  const fromConfig = eth.length - cliNets;
  if (fromConfig > 0) {
    notes.push(
      `sandbox: the config's network card${fromConfig > 1 ? "s are" : " is"} left out ` +
        "(give --net user to grant one)",
    );
    config.eth = eth.slice(fromConfig);
  }
  const userCard = config.eth?.some(isUserNetwork);
  if (checkGrants && userCard && Deno.permissions.querySync({ name: "net" }).state === "granted") {
    throw new Error(
      "--sandbox: a --net user guest would reach every address this process may; grant only " +
        "what it may reach (--allow-net=HOST:PORT,...) instead of all of the network",
    );
  }
  for (const [i, drive] of (config.drives ?? []).entries()) {
    if (drive.mode === "rw") {
      drive.mode = "snapshot";
      notes.push(`sandbox: drive${i} is a snapshot (the guest's writes are not kept)`);
    }
  }
  for (const share of config.fs ?? []) {
    if (!share.ro) {
      share.ro = true;
      notes.push(`sandbox: the share '${share.tag}' is read-only`);
    }
  }
  return notes;
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
