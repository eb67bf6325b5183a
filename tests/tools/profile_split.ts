/**
 * Splits a V8 CPU profile of demu (`deno run --cpu-prof`) into where the
 * host's time went: the guest's CPU (core/: interpreter, translator and the
 * translated wasm; V8 compiling the translator's modules apart), the devices and their host side (devices/, backends/ and
 * Deno's host calls, `op_*`), the garbage collector, idle (waiting in the
 * event loop) and the rest. Used with `tests/bench/vs_qemu.ts --prof DIR`.
 *
 *   deno run -R tests/tools/profile_split.ts PROFILE.cpuprofile [...]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export type Bucket =
  | "guest cpu"
  | "wasm compile"
  | "devices"
  | "host calls"
  | "gc"
  | "idle"
  | "other";

function bucketOf(n: ProfileNode): Bucket {
  const { functionName: f, url } = n.callFrame;
  if (f === "(idle)") return "idle";
  if (f === "(garbage collector)") return "gc";
  // V8 compiling the translator's modules (core/jit): guest CPU cost too, shown apart.
  if (f === "Module" || f === "Instance") return "wasm compile";
  // Deno's ops and its runtime JavaScript (sockets, files, timers, node: modules).
  if (f.startsWith("op_") || url.startsWith("ext:") || url.startsWith("node:")) {
    return "host calls";
  }
  if (url.includes("/core/") || f.startsWith("wasm-function") || f.startsWith("js-to-wasm")) {
    return "guest cpu";
  }
  if (url.includes("/devices/") || url.includes("/backends/")) return "devices";
  return "other";
}

/** Milliseconds of self time per bucket. */
export function splitProfile(p: Profile): Record<Bucket, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, bucketOf(n)]));
  const out: Record<Bucket, number> = {
    "guest cpu": 0,
    "wasm compile": 0,
    devices: 0,
    "host calls": 0,
    gc: 0,
    idle: 0,
    other: 0,
  };
  p.samples.forEach((id, i) => out[byId.get(id) ?? "other"] += (p.timeDeltas[i] ?? 0) / 1000);
  return out;
}

if (import.meta.main) {
  for (const path of Deno.args) {
    const split = splitProfile(JSON.parse(await Deno.readTextFile(path)));
    const total = Object.values(split).reduce((a, b) => a + b, 0);
    console.log(
      `${path}: ` +
        Object.entries(split).map(([k, v]) =>
          `${k} ${v.toFixed(0)} ms (${(100 * v / total).toFixed(0)}%)`
        ).join(", "),
    );
  }
}
