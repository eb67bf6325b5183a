/**
 * Reads `--gdb [HOST:]PORT` and `-S` from the command line, with the
 * sandbox's rule for them (backends/process/sandbox.ts).
 */
import { checkSandboxGdb } from "../process/sandbox.ts";
import { type GdbAddress, parseGdbAddress } from "./gdb_server.ts";

export interface GdbFlags {
  gdb?: string;
  "start-paused"?: boolean;
  sandbox?: boolean;
}

/** The stub's address and whether to start paused, or undefined without --gdb. */
export function gdbFlags(values: GdbFlags): { address: GdbAddress; paused: boolean } | undefined {
  if (values.gdb === undefined) {
    if (values["start-paused"]) throw new Error("-S (start paused) needs --gdb [HOST:]PORT");
    return undefined;
  }
  const address = parseGdbAddress(values.gdb);
  if (values.sandbox) checkSandboxGdb(address.explicitHost);
  return { address, paused: values["start-paused"] ?? false };
}
