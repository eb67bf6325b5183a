/**
 * --deterministic: time follows the instruction count, so two boots of the
 * same image print exactly the same thing, kernel timestamps included.
 */
import assert from "node:assert/strict";
import { DEFAULT_CMDLINE, defaultImagePaths } from "../backends/image_cache.ts";
import { ScriptedConsole } from "../backends/scripted_console.ts";
import { Machine } from "../core/machine.ts";

async function bootTranscript(): Promise<string> {
  const paths = defaultImagePaths();
  const console = new ScriptedConsole();
  const machine = new Machine({
    memoryMiB: 128,
    bios: await Deno.readFile(paths.bios),
    kernel: await Deno.readFile(paths.kernel),
    initrd: await Deno.readFile(paths.initrd),
    cmdline: DEFAULT_CMDLINE,
    console,
    deterministic: true,
  });
  console.connect((b) => machine.typeInput(b));
  machine.boot();
  const running = machine.run();
  const text = await console.waitFor("~ # ");
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
