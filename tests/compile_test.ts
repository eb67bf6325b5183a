/**
 * The one-file binary: `deno task compile`'s command builds it, and it boots
 * Linux to a shell from an empty folder, with no HOME cache and no image on
 * disk: the firmware, kernel and initramfs come from inside it. Building
 * needs Deno's denort runtime (downloaded, or $DENORT_BIN); where there is
 * none, this test is skipped and says why.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { EXIT_POWEROFF } from "../backends/process/exit_status.ts";
import { PROMPT } from "./support/boot.ts";
import { spawnDemu } from "./support/cli_run.ts";
import { compileDemu } from "./support/compile.ts";

const buildDir = await Deno.makeTempDir();
const binary = join(buildDir, "demu");
const build = await compileDemu(binary);
if (!build.built) {
  console.log(`compile test skipped: ${build.reason}`);
  await Deno.remove(buildDir, { recursive: true });
}

Deno.test({
  name: "compile: the binary boots Linux from an empty folder and powers off",
  ignore: !build.built,
  fn: async () => {
    const empty = await Deno.makeTempDir();
    try {
      // A runtime that is not denort (e.g. the full deno) makes a binary that ignores its payload.
      const help = await new Deno.Command(binary, { args: ["--help"], stdin: "null" }).output();
      assert.match(new TextDecoder().decode(help.stdout), /usage: demu/, "not a demu binary");
      // HOME is an empty folder too, so no image cache can be found there.
      const home = await Deno.makeTempDir();
      const vm = spawnDemu(binary, [], { cwd: empty, env: { HOME: home }, clearEnv: true });
      await vm.console.waitFor(PROMPT);
      vm.console.type("uname -m\n");
      assert.match(await vm.console.waitFor(PROMPT), /riscv64/);
      vm.console.type("poweroff\n");
      const { code, stderr } = await vm.done;
      assert.equal(code, EXIT_POWEROFF, stderr);
      assert.deepEqual([...Deno.readDirSync(empty)], [], "the binary wrote nothing beside it");
      await Deno.remove(home, { recursive: true });
    } finally {
      await Deno.remove(empty, { recursive: true });
      await Deno.remove(buildDir, { recursive: true });
    }
  },
});
