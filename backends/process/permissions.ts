/**
 * Least privilege: the Deno permissions a machine needs, derived from its
 * config (images to read, rw drives and shares to write, hosts and ports to
 * reach), checked before anything starts so a missing one is one line naming
 * the flag, printed as flags by `--print-permissions`, and the kinds it does
 * not need at all dropped once its devices are open.
 */
import type { VmConfig } from "../../board/config.ts";
import type { DeviceFlags, Need, NeedKind } from "../device_kind.ts";
import { DEVICE_KINDS } from "../device_kinds.ts";
import { isUrl } from "../url.ts";

export { formatFlags, parseFlags } from "./flag_line.ts";

export type { Need, NeedKind };

/** Everything besides the config that decides what a run touches. */
export interface RunInputs {
  /** The config file (path or URL), when there is one. */
  configFile?: string;
  /** The default image came from the build cache (found through DEMU_CACHE/HOME). */
  imageFromCache?: boolean;
  /** The ELF program of bare-metal mode. */
  elf?: string;
  /** --web: the `host:port` the web console listens on. */
  web?: string;
  /** --gdb: the `host:port` the GDB stub listens on. */
  gdb?: string;
}

/** `host` or `host:port` of a URL, as --allow-net takes it. */
const urlHost = (url: string) => new URL(url).host;

/** A file the machine reads, on the host or over HTTP(S). */
function input(needs: Need[], file: string | undefined, what: string): void {
  if (file === undefined) return;
  if (isUrl(file)) {
    needs.push({ kind: "net", value: urlHost(file), purpose: `reading the ${what} '${file}'` });
  } else needs.push({ kind: "read", value: file, purpose: `reading the ${what} '${file}'` });
}

/** The permissions a run needs, in the order the machine touches them. */
export function machineNeeds(config: VmConfig, flags: DeviceFlags, inputs: RunInputs = {}): Need[] {
  const needs: Need[] = [];
  input(needs, inputs.configFile, "config file");
  if (inputs.imageFromCache) {
    for (const variable of ["DEMU_CACHE", "HOME"]) {
      needs.push({ kind: "env", value: variable, purpose: "finding the image cache" });
    }
  }
  input(needs, inputs.elf, "ELF program");
  if (inputs.web !== undefined) {
    needs.push({ kind: "net", value: inputs.web, purpose: `the web console on ${inputs.web}` });
  }
  if (inputs.gdb !== undefined) {
    needs.push({ kind: "net", value: inputs.gdb, purpose: `the GDB stub on ${inputs.gdb}` });
  }
  input(needs, config.bios, "firmware");
  input(needs, config.kernel, "kernel");
  input(needs, config.initrd, "initrd");
  for (const kind of DEVICE_KINDS) needs.push(...kind.needs(config, flags));
  return withRealPaths(needs);
}

/**
 * Each host path also under its real name when a symlink leads to it: Deno
 * checks some calls on an open file (its stat, say) against the resolved path,
 * so a disk named through a linked folder would be refused mid-open.
 */
function withRealPaths(needs: Need[]): Need[] {
  return needs.flatMap((need) => {
    if (need.kind !== "read" && need.kind !== "write") return [need];
    let real: string;
    try {
      real = Deno.realPathSync(need.value);
    } catch {
      return [need]; // missing yet (created later) or not ours to resolve: as named
    }
    return real === need.value ? [need] : [need, { ...need, value: real, alsoGrant: true }];
  });
}

function granted(need: Need): boolean {
  const desc: Deno.PermissionDescriptor = need.kind === "net"
    ? { name: "net", host: need.value }
    : need.kind === "env"
    ? { name: "env", variable: need.value }
    : { name: need.kind, path: need.value };
  return Deno.permissions.querySync(desc).state === "granted";
}

/** The flag that grants `values` of one kind, e.g. `--allow-read=/a,/b`. */
function flag(kind: NeedKind, values: string[]): string {
  return `--allow-${kind}=${[...new Set(values)].join(",")}`;
}

/** The Deno flags for a set of needs, one per kind (read, write, net, env). */
export function permissionFlags(needs: Need[]): string[] {
  const kinds: NeedKind[] = ["read", "write", "net", "env"];
  return kinds
    .map((kind) => needs.filter((n) => n.kind === kind).map((n) => n.value))
    .map((values, i) => values.length ? flag(kinds[i], values) : "")
    .filter((f) => f !== "");
}

/**
 * The first purpose whose permissions are not all granted, as one line naming
 * every flag it lacks; undefined when everything is granted.
 */
export function missingPermission(needs: Need[]): string | undefined {
  const missing = needs.filter((n) => !n.alsoGrant && !granted(n));
  if (missing.length === 0) return undefined;
  const purpose = missing[0].purpose;
  const lacking = missing.filter((n) => n.purpose === purpose);
  return `${purpose} needs ${permissionFlags(lacking).join(" ")}`;
}

/** What a running machine keeps using after its devices are open. */
export interface KeepOptions {
  /** It has a network card: the guest's connections are checked against --allow-net. */
  network: boolean;
}

/**
 * Revokes every permission kind the machine will not use (Deno can drop a
 * whole kind at run time, not narrow a path list): run and ffi
 * always; sys unless a share wants statfs; write when nothing is written;
 * net and env when there is no network card and nothing is fetched. Returns
 * the kinds dropped.
 */
export function dropUnneeded(needs: Need[], keep: KeepOptions): Deno.PermissionName[] {
  const uses = (kind: NeedKind) => needs.some((n) => n.kind === kind);
  const drop: Deno.PermissionName[] = ["run", "ffi"];
  if (!needs.some((n) => n.purpose.startsWith("sharing"))) drop.push("sys");
  if (!uses("write")) drop.push("write");
  if (!uses("net") && !keep.network) drop.push("net", "env");
  for (const name of drop) Deno.permissions.revokeSync({ name });
  return drop;
}
