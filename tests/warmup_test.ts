import assert from "node:assert/strict";
import { runWarmUpProgram } from "../core/warmup.ts";

Deno.test("the interpreter warm-up program runs to its end through M, S and U mode", () => {
  const r = runWarmUpProgram();
  assert.ok(r.finished, `did not reach its end after ${r.executed} instructions`);
  assert.deepEqual([...r.modes].sort(), [0, 1, 3]);
});
