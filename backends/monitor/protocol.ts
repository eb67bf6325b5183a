/**
 * The monitor's protocol, modelled on QEMU's QMP but smaller: one JSON object
 * per line each way. On connecting, the client gets a greeting:
 *
 *   {"demu":{"protocol":1}}
 *
 * A request names a command and may carry arguments and an id, echoed back:
 *
 *   {"execute":"save","arguments":{"file":"vm.snap"},"id":7}
 *   {"return":{"file":"vm.snap","bytes":5242880},"id":7}
 *
 * A request that cannot be served gets an error and the connection stays:
 *
 *   {"error":{"class":"CommandNotFound","desc":"unknown command \"frobnicate\""}}
 *
 * Commands: stop, cont, status, save {file}, system_powerdown, quit. Pure
 * (no I/O): `MonitorServer` (monitor.ts) carries lines to and from it.
 */

export const MONITOR_PROTOCOL = 1;
/** Longest request line accepted; a longer one is answered with an error and dropped. */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** What the monitor can do to the machine (main.ts wires it to the running machine). */
export interface MonitorTarget {
  stop(): void;
  cont(): void;
  status(): MonitorStatus;
  /** Writes a snapshot to `file` (the temp-and-rename write of backends/process/snapshot_cli.ts). */
  save(file: string): Promise<{ file: string; bytes: number }>;
  /** Asks the guest to shut down, as a power button would; throws when there is no way to. */
  powerdown(): void;
  quit(): void;
}

export interface MonitorStatus {
  status: "running" | "paused";
  instructions: number;
  /** Millions of instructions per second since the previous status request (or the start). */
  mips: number;
  /** Regions the translator has compiled (0 without it). */
  translatedRegions: number;
}

type Reply = Record<string, unknown>;

function error(desc: string, id: unknown, cls = "GenericError"): Reply {
  return id === undefined ? { error: { class: cls, desc } } : { error: { class: cls, desc }, id };
}

export function greeting(): Reply {
  return { demu: { protocol: MONITOR_PROTOCOL } };
}

/** Answers one request line; never throws (a failed command is an error reply). */
export async function answer(line: string, target: MonitorTarget): Promise<Reply> {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch {
    return error("the request is not JSON", undefined, "JSONParsing");
  }
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    return error("the request must be a JSON object", undefined);
  }
  const { execute, arguments: args, id } = request as Record<string, unknown>;
  if (typeof execute !== "string") return error("the request has no 'execute' string", id);
  if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) {
    return error("'arguments' must be an object", id);
  }
  const a = (args ?? {}) as Record<string, unknown>;
  const ok = (
    value: unknown = {},
  ) => (id === undefined ? { return: value } : { return: value, id });
  try {
    switch (execute) {
      case "stop":
        target.stop();
        return ok();
      case "cont":
        target.cont();
        return ok();
      case "status":
        return ok(target.status());
      case "save": {
        if (typeof a.file !== "string" || a.file === "") {
          return error('save needs arguments {"file": "NAME"}', id);
        }
        return ok(await target.save(a.file));
      }
      case "system_powerdown":
        target.powerdown();
        return ok();
      case "quit":
        target.quit();
        return ok();
      default:
        // Quoted as JSON (and cut short): the client's text cannot make the description two lines.
        return error(
          `unknown command ${JSON.stringify(execute.slice(0, 64))}`,
          id,
          "CommandNotFound",
        );
    }
  } catch (e) {
    return error((e as Error).message, id);
  }
}
