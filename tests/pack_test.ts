/**
 * The one-file demu made without `deno compile` (`deno task pack`): it boots
 * Linux from an empty folder with only HOME and PATH set, its emulator
 * process holds only the permissions the machine needs (read of the default
 * image; net for the web console's address with --web), a second run reuses
 * what the first unpacked, and its npm code (xterm.js) comes from inside it.
 * With no arguments it restores the embedded prompt snapshot (the shell at
 * once, reading only that file); with --web it boots.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { EXIT_POWEROFF } from "../backends/process/exit_status.ts";
import { pack } from "../backends/process/pack.ts";
import { makePromptSnapshot, PROMPT_SNAPSHOT } from "../backends/process/prompt_snapshot.ts";
import { PROMPT } from "./support/boot.ts";
import { processesWith, spawnDemu, uniqueMarker, withTempDir } from "./support/cli_run.ts";

Deno.test("pack: one file boots Linux from an empty folder with only its own permissions", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "demu");
    // As `deno task pack` does: the prompt snapshot first, made by this code.
    await makePromptSnapshot();
    await pack(file);
    const home = join(dir, "home");
    const empty = join(dir, "empty");
    await Deno.mkdir(home);
    await Deno.mkdir(empty);
    const env = { HOME: home, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };

    // The second run also serves the web console, whose xterm.js comes from the packed
    // Deno cache: Deno says "Download" on stderr for anything it fetches, and never does here.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const web = `127.0.0.1:${listener.addr.port}`;
    listener.close();
    for (const [run, args] of [[1, []], [2, ["--web", web]]] as const) {
      const { args: markerArgs, marker } = uniqueMarker();
      const vm = spawnDemu(file, [...markerArgs, ...args], { cwd: empty, env, clearEnv: true });
      await vm.console.waitFor(PROMPT).catch(async (e) => {
        vm.kill("SIGKILL");
        await vm.done;
        throw e;
      });
      const emulator = (await processesWith(marker)).find((a) =>
        !a.includes("--print-permissions")
      );
      const unpacked = [...Deno.readDirSync(join(home, ".cache/demu/packed"))];
      assert.equal(unpacked.length, 1, `run ${run}: one unpacked folder, no leftovers`);
      const image = join(home, ".cache/demu/packed", unpacked[0].name, "images/default");
      const flags = emulator?.filter((a) => a.startsWith("--allow-"));
      const read = run === 1
        ? `--allow-read=${join(image, PROMPT_SNAPSHOT)}`
        : `--allow-read=${["fw_jump.bin", "Image", "initramfs.cpio"].map((f) => join(image, f))}`;
      if (run === 1) {
        assert.ok(!vm.console.output.includes("Linux version"), "restored, not booted");
      }
      assert.deepEqual(flags, run === 1 ? [read] : [read, `--allow-net=${web}`]);
      if (run === 2) {
        const page = await fetch(`http://${web}/xterm.js`);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /Terminal/);
      }
      vm.console.type("uname -m\n");
      assert.match(await vm.console.waitFor(PROMPT), /riscv64/);
      vm.console.type("poweroff\n");
      const { code, stderr } = await vm.done;
      assert.equal(code, EXIT_POWEROFF, stderr);
      assert.doesNotMatch(stderr, /Download/);
      // xterm.js came from the packed files, not through Deno's npm resolver (which makes
      // its folder but puts nothing in it).
      const npm = join(home, ".cache/demu/packed", unpacked[0].name, ".deno/npm");
      assert.deepEqual([...readDirIfAny(npm)], [], "nothing in the packed run's npm cache");
    }
    assert.deepEqual([...Deno.readDirSync(empty)], [], "nothing was written beside the file");
  });
});

function readDirIfAny(path: string): string[] {
  try {
    return [...Deno.readDirSync(path)].map((e) => e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}
