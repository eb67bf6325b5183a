/**
 * What demu knows about one kind of optional device (drives, shared folders,
 * network cards, input): how the command line adds one, which host resources
 * it needs, what `--sandbox` changes, and how its host side is opened. The
 * config parser (board/config.ts), main.ts, the permission planner and the
 * sandbox all read these descriptors, listed in slot order in
 * backends/device_kinds.ts, so a new kind is its device, its descriptor and
 * its config keys.
 */
import type { FlagSpec } from "./process/parse_args.ts";
import type { VmConfig } from "../board/config.ts";
import type { VirtioDevice } from "../devices/virtio.ts";

export type NeedKind = "read" | "write" | "net" | "env";

/** One host resource the machine uses. */
export interface Need {
  kind: NeedKind;
  /** A path, a `host` or `host:port`, or an environment variable. */
  value: string;
  /** What it is for, worded to start an error line ("opening the drive 'x' read-write"). */
  purpose: string;
  /**
   * Granted when flags are printed or derived, but not required to start: the
   * real name of a path reached through a symlink (backends/process/permissions.ts).
   */
  alsoGrant?: boolean;
}

/** The command line's device options, as backends/process/parse_args.ts returns them. */
export interface DeviceFlags {
  /** -rw / -ro: every drive read-write / read-only. */
  rw?: boolean;
  ro?: boolean;
  /** --overlay FILE: the first drive's snapshot is kept in this file. */
  overlay?: string;
  /** --hostfwd tcp:HOSTADDR:HOSTPORT-:GUESTPORT, for the first network card. */
  hostfwd?: string[];
  /** The repeatable flags that add devices (--drive, --fs, --net). */
  [flag: string]: string | string[] | boolean | undefined;
}

export interface SandboxContext {
  /** False when only printing permissions: this process's own grants do not matter then. */
  checkGrants: boolean;
}

export interface DeviceKind {
  /** The kind's name in messages. */
  readonly name: string;
  /** Its command-line options (backends/process/parse_args.ts) and their lines in --help. */
  readonly options: Record<string, FlagSpec>;
  readonly help: string;
  /** Adds what its flags ask for to the config (after the config file's entries). */
  addFromFlags(config: VmConfig, flags: DeviceFlags): void;
  /** The host resources its entries need, in the order they are opened. */
  needs(config: VmConfig, flags: DeviceFlags): Need[];
  /** `--sandbox`: rewrites the config; returns notes for the user; throws on a refused request. */
  sandbox(config: VmConfig, flags: DeviceFlags, context: SandboxContext): string[];
  /** Opens the host side of every entry (one clear Error line on a problem). */
  open(config: VmConfig, flags: DeviceFlags): Promise<VirtioDevice[]>;
  /** Whether the running machine still reaches the network through these devices. */
  usesNetwork(config: VmConfig): boolean;
}

/** A repeatable flag's values (none when it was not given). */
export function flagValues(flags: DeviceFlags, name: string): string[] {
  const values = flags[name];
  return Array.isArray(values) ? values : [];
}
