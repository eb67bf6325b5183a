/**
 * Node built-ins, loaded on first use. A static `import ... from "node:zlib"`
 * (or fs, dgram) makes Deno load its Node compatibility scripts before demu's
 * first line runs, ~50 ms of wall time even for `--help` (docs/speed.md,
 * "start, 2026-12-06, session 11"); through here they load only when a
 * snapshot, a file-backed disk, 9P or the network is used. The modules are
 * Node's own, so what they compute (CRC-32, deflate) is unchanged.
 */
import type * as Dgram from "node:dgram";
import type * as Fs from "node:fs";
import type * as Zlib from "node:zlib";

interface NodeProcess {
  getBuiltinModule(id: string): unknown;
}

function onFirstUse<T>(id: string): () => T {
  let module: T | undefined;
  return () =>
    module ??= (globalThis as unknown as { process: NodeProcess }).process.getBuiltinModule(
      id,
    ) as T;
}

export const nodeZlib: () => typeof Zlib = onFirstUse("node:zlib");
export const nodeFs: () => typeof Fs = onFirstUse("node:fs");
export const nodeDgram: () => typeof Dgram = onFirstUse("node:dgram");
