/**
 * Runs one fuzz target in a worker, so the runner (tests/fuzz/run.ts) can
 * see a hang: before each input the worker bumps a shared counter and notes
 * the batch seed and the input's index; a counter that stops moving is a
 * stuck input the runner names by seed and path.
 */
import { runBatch } from "./target.ts";
import { findTarget } from "./targets.ts";
import { settledHeap } from "./heap.ts";

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
    const report: WorkerReport = { kind: "batch", runs: r.runs, heapBytes: await settledHeap() };
    if (r.failure) report.failure = r.failure;
    scope.postMessage(report);
  }
  await target.close?.();
  scope.postMessage(
    { kind: "done", runs: 0, heapBytes: await settledHeap() } satisfies WorkerReport,
  );
};
