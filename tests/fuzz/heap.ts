/**
 * The heap a fuzz target really keeps: read after a collection and a turn of
 * the event loop. Deno frees some objects (a Response's) only in a task after
 * they die, and a batch of checks never leaves the microtask queue: without
 * the turn the web-server target's heap grew by 300 bytes an input that a
 * running demu gets back. Needs `--v8-flags=--expose-gc` to collect.
 */
const gc = (globalThis as { gc?: () => void }).gc;

export async function settledHeap(): Promise<number> {
  gc?.();
  await new Promise((r) => setTimeout(r, 0));
  gc?.();
  return Deno.memoryUsage().heapUsed;
}
