import { DEFAULT_CMDLINE, defaultImagePaths } from "../../backends/image/image_cache.ts";
import { ScriptedConsole } from "../../backends/console/scripted_console.ts";
import { Machine, type MachineOptions } from "../../board/machine.ts";
import type { VirtioDevice } from "../../devices/virtio.ts";

/**
 * The translator mode of guest tests: on unless DEMU_JIT=off (so the suite
 * can be run both ways: `DEMU_JIT=off deno task test`).
 */
export const TEST_JIT = Deno.env.get("DEMU_JIT") !== "off";

/** The shell prompt of the default image. */
export const PROMPT = "~ # ";

export type DefaultImages = Pick<MachineOptions, "bios" | "kernel" | "initrd">;

/** Reads the default image (built by `deno task images`). */
export async function readDefaultImages(): Promise<DefaultImages> {
  const paths = defaultImagePaths();
  return {
    bios: await Deno.readFile(paths.bios),
    kernel: await Deno.readFile(paths.kernel),
    initrd: await Deno.readFile(paths.initrd),
  };
}

/**
 * A machine with the default image and a scripted console, booted (not yet
 * running). `extra` adds or overrides machine options; `devices` go into the
 * VirtIO slots after the console, before the device tree is written.
 */
export async function defaultMachine(
  extra: Partial<MachineOptions> = {},
  images?: DefaultImages,
  devices: VirtioDevice[] = [],
): Promise<{ machine: Machine; console: ScriptedConsole }> {
  const console = new ScriptedConsole();
  const machine = new Machine({
    memoryMiB: 128,
    ...(images ?? await readDefaultImages()),
    cmdline: DEFAULT_CMDLINE,
    console,
    jit: TEST_JIT,
    ...extra,
  });
  for (const d of devices) machine.addVirtio(d);
  console.connect((bytes) => machine.typeInput(bytes));
  machine.boot();
  return { machine, console };
}
