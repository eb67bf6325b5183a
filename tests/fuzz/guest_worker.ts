/**
 * Runs the guest-side fuzzer's Machine form (tests/fuzz/guest.ts) in a
 * worker, so tests/fuzz/run.ts can stop a Machine that is stuck inside a
 * device, where nothing in its own thread would run again: the worker bumps a
 * shared counter at each progress line, and a counter that stops moving while
 * CPU time passes is a stuck demu. One worker serves run after run, so memory
 * kept from one run to the next shows in the heap it reports after each.
 */
import { type GuestRun, runMachineForm } from "./guest.ts";
import { settledHeap } from "./heap.ts";

export interface GuestJob {
  seed: number;
  iterations: number;
  /** [progress lines] */
  shared: SharedArrayBuffer;
  /** Spin forever at this progress line, as a stuck device would (tests); 0: never. */
  spinAtLine: number;
}

export interface GuestReport {
  run: GuestRun;
  /** The worker's heap after the run, the Machine gone. */
  heapBytes: number;
}

const scope = self as unknown as {
  onmessage: (e: MessageEvent<GuestJob>) => void;
  postMessage(message: GuestReport): void;
};
scope.onmessage = async (e: MessageEvent<GuestJob>) => {
  const { seed, iterations, spinAtLine } = e.data;
  const beat = new Int32Array(e.data.shared);
  const run = await runMachineForm(seed, iterations, () => {
    if (Atomics.add(beat, 0, 1) + 1 !== spinAtLine) return;
    for (;;) Atomics.load(beat, 0);
  });
  scope.postMessage({ run, heapBytes: await settledHeap() });
};
