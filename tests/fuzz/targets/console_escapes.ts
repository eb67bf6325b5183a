/**
 * The terminal's Ctrl-A escapes (backends/console/stdio_console.ts,
 * EscapeFilter): keystrokes rich in C-a, C-c, x, h and s, arriving in reads
 * split anywhere, with Ctrl-C quitting or not. Compared with a reference
 * reading of the escapes, byte by byte: the guest gets exactly the bytes it
 * should, in order, and help, save and quit happen where the keys say, with
 * nothing after a quit; how the reads are split changes nothing.
 */
import fc from "fast-check";
import { EscapeFilter } from "../../../backends/console/stdio_console.ts";
import { type FuzzTarget, must } from "../target.ts";

export interface EscapesInput {
  bytes: Uint8Array;
  cuts: number[];
  ctrlCQuits: boolean;
}

/** What the keys mean, one at a time: guest bytes and the commands, until a quit. */
function reference(bytes: Uint8Array, ctrlCQuits: boolean): string[] {
  const events: string[] = [];
  let input: number[] = [];
  const flush = () => {
    if (input.length) events.push(`input ${input.join(",")}`);
    input = [];
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 3 && ctrlCQuits) {
      flush();
      events.push("quit");
      return events;
    }
    if (b !== 1) {
      input.push(b);
      continue;
    }
    if (i + 1 >= bytes.length) break; // C-a last: its command is still to come
    const c = bytes[++i];
    if (c === 1) input.push(1);
    else if (c === 0x78) {
      flush();
      events.push("quit");
      return events;
    } else if (c === 0x68 || c === 0x73) {
      flush();
      events.push(c === 0x68 ? "help" : "save");
    } // any other key after C-a is swallowed
  }
  flush();
  return events;
}

function check(input: EscapesInput): void {
  const events: string[] = [];
  let input_: number[] = [];
  const flush = () => {
    if (input_.length) events.push(`input ${input_.join(",")}`);
    input_ = [];
  };
  let quit = false;
  const filter = new EscapeFilter({
    input: (b) => {
      must(!quit, "input after quit");
      must(b.length > 0, "an empty input call");
      input_.push(...b);
    },
    quit: () => {
      must(!quit, "a second quit");
      flush();
      events.push("quit");
      quit = true;
    },
    help: () => (must(!quit, "help after quit"), flush(), events.push("help")),
    save: () => (must(!quit, "save after quit"), flush(), events.push("save")),
  }, input.ctrlCQuits);
  const { bytes } = input;
  const ends = [...input.cuts.map((f) => Math.floor(f * bytes.length)), bytes.length]
    .sort((a, b) => a - b);
  let from = 0;
  for (const end of ends) {
    // After a quit the emulator is gone: its console reads no further.
    if (quit) break;
    filter.feed(bytes.subarray(from, end));
    from = end;
  }
  flush();
  const want = reference(bytes, input.ctrlCQuits);
  must(
    JSON.stringify(events) === JSON.stringify(want),
    `events ${JSON.stringify(events)}, expected ${JSON.stringify(want)}`,
  );
}

export const consoleEscapesTarget: FuzzTarget<EscapesInput> = {
  name: "stdin-escapes",
  about:
    "Ctrl-A escapes split anywhere: the guest gets exactly the right bytes; help, save, quit " +
    "where the keys say",
  arbitrary: fc.record({
    bytes: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(1, 3, 0x78, 0x68, 0x73) },
        { weight: 2, arbitrary: fc.nat({ max: 255 }) },
      ),
      { maxLength: 40 },
    ).map((a) => new Uint8Array(a)),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }),
    ctrlCQuits: fc.boolean(),
  }),
  check,
};
