/**
 * The one-file demu made without `deno compile` (`deno task pack`): it boots
 * Linux from an empty folder with only HOME and PATH set, its emulator
 * process holds only the permissions the machine needs (read of the default
 * image), and a second run reuses what the first unpacked.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { EXIT_POWEROFF } from "../cli/exit_status.ts";
import { pack } from "../cli/pack.ts";
import { PROMPT } from "./support/boot.ts";
import { processesWith, spawnDemu, withTempDir } from "./support/cli_run.ts";

Deno.test("pack: one file boots Linux from an empty folder with only its own permissions", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "demu");
    await pack(file);
    const home = join(dir, "home");
    const empty = join(dir, "empty");
    await Deno.mkdir(home);
    await Deno.mkdir(empty);
    const env = { HOME: home, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };

    for (const run of [1, 2]) {
      const marker = "--deterministic"; // an argument only this test's run has
      const vm = spawnDemu(file, [marker], { cwd: empty, env, clearEnv: true });
      await vm.console.waitFor(PROMPT);
      const emulator = (await processesWith(marker)).find((a) =>
        !a.includes("--print-permissions")
      );
      const unpacked = [...Deno.readDirSync(join(home, ".cache/demu/packed"))];
      assert.equal(unpacked.length, 1, `run ${run}: one unpacked folder, no leftovers`);
      const image = join(home, ".cache/demu/packed", unpacked[0].name, "images/default");
      const flags = emulator?.filter((a) => a.startsWith("--allow-"));
      assert.deepEqual(flags, [
        `--allow-read=${["fw_jump.bin", "Image", "initramfs.cpio"].map((f) => join(image, f))}`,
      ]);
      vm.console.type("uname -m\n");
      assert.match(await vm.console.waitFor(PROMPT), /riscv64/);
      vm.console.type("poweroff\n");
      const { code, stderr } = await vm.done;
      assert.equal(code, EXIT_POWEROFF, stderr);
    }
    assert.deepEqual([...Deno.readDirSync(empty)], [], "nothing was written beside the file");
  });
});
