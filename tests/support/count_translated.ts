import type { Jit } from "../../core/jit/jit.ts";

/**
 * Counts the instructions a translator's regions run (at privilege `priv`
 * only, when given), wrapping whatever runs them now (the lockstep checker's
 * runner too); returns the count so far.
 */
export function countTranslated(jit: Jit, priv?: number): () => number {
  let n = 0;
  const run = jit.runRegion;
  jit.runRegion = (e, b) => {
    const k = run(e, b);
    if (priv === undefined || jit.hart.priv === priv) n += k;
    return k;
  };
  return () => n;
}
