/**
 * `deno task pack` and `deno task compile` run this after staging the default
 * image: it boots images/default/ to its shell prompt and saves the machine
 * as images/default/prompt.snap, which the packed file and the binary embed.
 * `demu` with no arguments then restores it and shows the prompt at once
 * (`--cold` boots from scratch). It is made anew by every pack and compile
 * (so it matches the code), and images/bundle.sh deletes it whenever it
 * stages new image files (so it never describes another image).
 *
 *   deno run --allow-read --allow-write --allow-env backends/process/prompt_snapshot.ts
 */
import { join } from "../host_path.ts";
import { DEFAULT_CMDLINE } from "../image/image_cache.ts";
import { EMBEDDED_IMAGE_DIR } from "../image/embedded_image.ts";
import { ScriptedConsole } from "../console/scripted_console.ts";
import { Machine } from "../../board/machine.ts";
import { emptyConfig } from "../../board/config.ts";
import { savedRun, writeSnapshotFile } from "./snapshot_cli.ts";

/** The prompt snapshot's name inside the default image's folder. */
export const PROMPT_SNAPSHOT = "prompt.snap";
const PROMPT = "~ # ";
/**
 * main.ts's flags that change the machine (besides the device kinds' own):
 * with any of them a run boots as asked instead.
 */
export const MACHINE_FLAGS = [
  "memory",
  "bios",
  "kernel",
  "initrd",
  "append",
  "default",
  "web",
  "deterministic",
  "elf",
  "cold",
  "gdb",
  "start-paused",
];

/**
 * The prompt snapshot to restore for a run with no config and no machine
 * flags, if the embedded default image (images/default) has one; undefined
 * otherwise. Looking needs read of that one file, as restoring it does.
 */
export function promptSnapshotFor(
  values: Record<string, unknown>,
  positionals: string[],
  deviceFlags: string[],
  imageDir = EMBEDDED_IMAGE_DIR,
): string | undefined {
  if (positionals.length > 0) return undefined;
  if ([...MACHINE_FLAGS, ...deviceFlags].some((f) => values[f] !== undefined)) return undefined;
  const path = join(imageDir, PROMPT_SNAPSHOT);
  try {
    return Deno.statSync(path).isFile ? path : undefined;
  } catch {
    return undefined;
  }
}

/** Boots the staged default image to its prompt and saves it; returns the snapshot's size. */
export async function makePromptSnapshot(dir = EMBEDDED_IMAGE_DIR): Promise<number> {
  const paths = {
    bios: join(dir, "fw_jump.bin"),
    kernel: join(dir, "Image"),
    initrd: join(dir, "initramfs.cpio"),
  };
  const console = new ScriptedConsole();
  const machine = new Machine({
    memoryMiB: 128,
    bios: await Deno.readFile(paths.bios),
    kernel: await Deno.readFile(paths.kernel),
    initrd: await Deno.readFile(paths.initrd),
    cmdline: DEFAULT_CMDLINE,
    console,
  });
  console.connect((b) => machine.typeInput(b));
  machine.boot();
  const running = machine.run();
  await console.waitFor(PROMPT);
  // The shell is at its prompt; let the guest settle into its idle loop first.
  await new Promise((r) => setTimeout(r, 500));
  // What main.ts would save for `demu` with no arguments: the default image, no devices.
  const config = { ...emptyConfig(), cmdline: DEFAULT_CMDLINE };
  const bytes = await machine.snapshot({ config: savedRun(config, {}) });
  machine.stop({ reason: "quit" });
  await running;
  await writeSnapshotFile(join(dir, PROMPT_SNAPSHOT), bytes);
  return bytes.length;
}

if (import.meta.main) {
  // Made anew on every pack or compile, so it always matches the code it is packed with.
  const size = await makePromptSnapshot();
  console.error(
    `[prompt] saved ${join(EMBEDDED_IMAGE_DIR, PROMPT_SNAPSHOT)} (${(size / 1e6).toFixed(1)} MB)`,
  );
}
