/**
 * Every fuzz target, by name. A new parser (snapshot, monitor, gdb packets)
 * joins the fuzzer by adding its target here.
 */
import type { FuzzTarget } from "./target.ts";
import { virtqueueTarget } from "./targets/virtqueue.ts";
import { virtioBlkTarget } from "./targets/virtio_blk.ts";
import { p9HostTarget, p9ModelTarget, p9RawTarget } from "./targets/p9.ts";
import { netFramesTarget, netTcpTarget } from "./targets/net.ts";
import {
  configJsonTarget,
  configMeaningTarget,
  configTextTarget,
  elfTarget,
  webMessageTarget,
} from "./targets/files.ts";
import { mmioTarget } from "./targets/mmio.ts";
import { snapshotTarget } from "./targets/snapshot.ts";
import { monitorTarget } from "./targets/monitor.ts";
import { consoleEscapesTarget } from "./targets/console_escapes.ts";
import { webServerTarget } from "./targets/web_server.ts";
import { gdbPacketsTarget, gdbSessionTarget } from "./targets/gdb.ts";
import { httpDiskTarget, linkFramesTarget } from "./targets/remote.ts";
import {
  virtio9pTarget,
  virtioConsoleTarget,
  virtioInputTarget,
  virtioNetTarget,
} from "./targets/virtio_devices.ts";

// deno-lint-ignore no-explicit-any
export const TARGETS: FuzzTarget<any>[] = [
  virtqueueTarget,
  virtioBlkTarget,
  p9ModelTarget,
  p9RawTarget,
  p9HostTarget,
  netFramesTarget,
  netTcpTarget,
  virtioConsoleTarget,
  virtioInputTarget,
  virtioNetTarget,
  virtio9pTarget,
  configTextTarget,
  configJsonTarget,
  configMeaningTarget,
  elfTarget,
  webMessageTarget,
  mmioTarget,
  httpDiskTarget,
  linkFramesTarget,
  snapshotTarget,
  gdbPacketsTarget,
  gdbSessionTarget,
  monitorTarget,
  consoleEscapesTarget,
  webServerTarget,
];

export function findTarget(name: string): FuzzTarget {
  const t = TARGETS.find((t) => t.name === name);
  if (!t) {
    throw new Error(`no fuzz target '${name}' (targets: ${TARGETS.map((t) => t.name).join(", ")})`);
  }
  return t;
}
