/**
 * What one fuzz target is: a fast-check arbitrary of hostile inputs and a
 * check that throws when a property is broken. Adding a parser to the fuzzer
 * is one object of this shape in tests/fuzz/targets.ts.
 */
import fc from "fast-check";

// An array's or string's maxLength in a target is the length meant: fast-check's default size
// ("small") otherwise stops near 10 elements whatever maxLength says (net-tcp's 3,000-byte segments
// had at most 10 bytes, mmio's 60 accesses 12). Set before any target builds its arbitraries (they
// import this file first).
fc.configureGlobal({ ...fc.readConfigureGlobal(), defaultSizeToMaxWhenMaxSpecified: true });

export interface FuzzTarget<T = unknown> {
  /** Short name used on the command line (`deno task fuzz virtqueue`). */
  readonly name: string;
  /** The property, in one line, for the report. */
  readonly about: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** Throws when the property does not hold for `input`. */
  check(input: T): void | Promise<void>;
  /** The check returns a promise (host I/O, timers): runs as an async property. */
  readonly async?: boolean;
  /** Releases what the target keeps between inputs (a local server). */
  close?(): Promise<void>;
}

/** The outcome of one batch of generated inputs. */
export interface BatchResult {
  runs: number;
  failure: null | {
    seed: number;
    /** fast-check's replay path of the (shrunk) counterexample. */
    path: string;
    counterexample: string;
    error: string;
  };
}

/** Runs `numRuns` inputs of `target` from `seed`; `tick` is called before each input. */
export async function runBatch(
  target: FuzzTarget,
  seed: number,
  numRuns: number,
  tick: () => void = () => {},
  path?: string,
): Promise<BatchResult> {
  let runs = 0;
  const predicate = (input: unknown) => {
    runs++;
    tick();
    return target.check(input);
  };
  const params = { seed, numRuns, path, endOnFailure: false, maxSkipsPerRun: 1000 };
  const details = target.async
    ? await fc.check(fc.asyncProperty(target.arbitrary, async (x) => await predicate(x)), params)
    : fc.check(fc.property(target.arbitrary, (x) => predicate(x) as void), params);
  if (!details.failed) return { runs: details.numRuns, failure: null };
  return {
    runs: details.numRuns,
    failure: {
      seed: details.seed,
      path: details.counterexamplePath ?? "",
      counterexample: fc.stringify(details.counterexample).slice(0, 2000),
      error: String(
        details.errorInstance instanceof Error
          ? details.errorInstance.stack ?? details.errorInstance.message
          : details.errorInstance,
      ).slice(0, 2000),
    },
  };
}

/** A failed property with a message (the checks' assert). */
export function must(ok: unknown, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

/** Every message shown to a user about bad input is one line, not empty. */
export function mustBeOneLine(message: string, what: string): void {
  must(message.length > 0, `${what}: empty error message`);
  must(
    !/[\r\n]/.test(message),
    `${what}: error message is not one line: ${JSON.stringify(message)}`,
  );
}
