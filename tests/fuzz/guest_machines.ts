/**
 * The guest-side fuzzer's Machine form run after run in a worker
 * (tests/fuzz/guest_worker.ts), watched from this thread.
 */
import { type GuestRun, ownCpuMs as cpuMs, stuckWhy } from "./guest.ts";
import type { GuestJob, GuestReport } from "./guest_worker.ts";

/**
 * The Machine form's runs, one after another in a worker
 * (tests/fuzz/guest_worker.ts). A worker whose progress lines stop while CPU
 * time passes (once warm: 4 lines), or for a minute of any time, holds a
 * stuck demu: it is ended and the next run gets a new one.
 */
export class GuestMachines {
  private worker: Worker | null = null;
  /** The current worker's heap after each of its runs. */
  heaps: number[] = [];

  /** spinAtLine: the worker spins forever at that progress line, as a stuck device would (tests). */
  run(seed: number, iterations: number, spinAtLine = 0): Promise<GuestRun> {
    if (!this.worker) {
      this.worker = new Worker(new URL("./guest_worker.ts", import.meta.url).href, {
        type: "module",
      });
      this.heaps = [];
    }
    const worker = this.worker;
    const beat = new Int32Array(new SharedArrayBuffer(4));
    const started = performance.now();
    return new Promise<GuestRun>((resolve) => {
      let lines = 0;
      let since = performance.now();
      let cpuSince = cpuMs();
      const fail = (why: string) => {
        clearInterval(watch);
        worker.terminate();
        this.worker = null;
        resolve({
          form: "machine",
          seed,
          iterations,
          ok: false,
          problem: why,
          seconds: (performance.now() - started) / 1000,
          maxSilenceMs: performance.now() - since,
          maxSilenceCpuMs: cpuMs() - cpuSince,
          logLines: 0,
          heapGrowthBytes: 0,
          stuck: why,
          output: "",
        });
      };
      const watch = setInterval(() => {
        const now = Atomics.load(beat, 0);
        const where = `after ${now * 1024} iterations`;
        if (now !== lines) {
          lines = now;
          since = performance.now();
          cpuSince = cpuMs();
          return;
        }
        // The process's CPU time: this thread idles meanwhile. Warm after 4 lines.
        const why = stuckWhy(performance.now() - since, cpuMs() - cpuSince, now >= 4);
        if (why) fail(`${why} ${where}`);
      }, 50);
      worker.onmessage = (e: MessageEvent<GuestReport>) => {
        clearInterval(watch);
        this.heaps.push(e.data.heapBytes);
        resolve(e.data.run);
      };
      worker.onerror = (e) => {
        e.preventDefault();
        fail(`the worker crashed: ${e.message}`);
      };
      worker.postMessage({ seed, iterations, shared: beat.buffer, spinAtLine } as GuestJob);
    });
  }

  close(): void {
    this.worker?.terminate();
  }
}
