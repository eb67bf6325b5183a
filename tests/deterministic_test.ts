/**
 * --deterministic: time follows the instruction count, so two boots of the
 * same image print exactly the same thing, kernel timestamps included.
 */
import assert from "node:assert/strict";
import { defaultMachine, PROMPT } from "./support/boot.ts";

async function bootTranscript(): Promise<string> {
  const { machine, console } = await defaultMachine({ deterministic: true });
  const running = machine.run();
  const text = await console.waitFor(PROMPT);
  machine.stop({ reason: "quit" });
  await running;
  return text;
}

Deno.test("deterministic mode: two boots print the same transcript", async () => {
  const a = await bootTranscript();
  const b = await bootTranscript();
  assert.match(a, /\[\s+\d+\.\d{6}\] Run \/init as init process/);
  assert.equal(a, b);
});
