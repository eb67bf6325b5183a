/**
 * Runs one fuzz target in a worker, so the runner (tests/fuzz/run.ts) can
 * see a hang: before each input the worker bumps a shared counter and notes
 * the batch seed and the input's index; a counter that stops moving is a
 * stuck input the runner names by seed and path.
 */
import { runBatch } from "./target.ts";
import { findTarget } from "./targets.ts";

export interface WorkerJob {
  target: string;
  /** First batch seed; batch k uses seed + k. */
  seed: number;
  /** Stop after this many milliseconds or inputs, whichever comes first. */
  timeMs: number;
  count: number;
  /** [inputs started, batch seed, index in batch] */
  shared: SharedArrayBuffer;
}

export interface WorkerReport {
  kind: "batch" | "done";
  runs: number;
  failure?: { seed: number; path: string; counterexample: string; error: string };
  heapBytes: number;
}

/** The worker's global scope (this file is type-checked with the main program's libs). */
const scope = self as unknown as {
  onmessage: (e: MessageEvent<WorkerJob>) => void;
  postMessage(message: WorkerReport): void;
};
const gc = (globalThis as { gc?: () => void }).gc;

/**
 * The heap after a collection and a turn of the event loop: Deno frees some
 * objects (a Response's) only in a task after they die, and a batch of checks
 * never leaves the microtask queue, so without the turn the web-server
 * target's heap grew by 300 bytes an input that a running demu gets back.
 */
async function heap(): Promise<number> {
  gc?.();
  await new Promise((r) => setTimeout(r, 0));
  gc?.();
  return Deno.memoryUsage().heapUsed;
}

scope.onmessage = async (e: MessageEvent<WorkerJob>) => {
  const job = e.data;
  const target = findTarget(job.target);
  const beat = new Int32Array(job.shared);
  const end = performance.now() + job.timeMs;
  let done = 0;
  let batch = 0;
  let numRuns = 50;
  while (done < job.count && performance.now() < end) {
    const seed = (job.seed + batch++) | 0;
    Atomics.store(beat, 1, seed);
    Atomics.store(beat, 2, 0);
    const want = Math.min(numRuns, job.count - done);
    const started = performance.now();
    const r = await runBatch(target, seed, want, () => {
      Atomics.add(beat, 0, 1);
      Atomics.add(beat, 2, 1);
    });
    done += r.runs;
    // Batches of about half a second: few reports, a replay stays short.
    const ms = performance.now() - started;
    numRuns = Math.max(10, Math.min(100_000, Math.round(want * (500 / Math.max(ms, 1)))));
    const report: WorkerReport = { kind: "batch", runs: r.runs, heapBytes: await heap() };
    if (r.failure) report.failure = r.failure;
    scope.postMessage(report);
  }
  await target.close?.();
  scope.postMessage({ kind: "done", runs: 0, heapBytes: await heap() } satisfies WorkerReport);
};
