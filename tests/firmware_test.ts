/**
 * Stock OpenSBI (Debian's generic fw_jump) comes up on demu's device tree,
 * loaded either as a raw binary or as an ELF at its physical addresses.
 */
import assert from "node:assert/strict";
import { ScriptedConsole } from "../backends/console/scripted_console.ts";
import { Machine } from "../board/machine.ts";

const OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic";

async function firmwareBanner(file: string): Promise<string> {
  const console = new ScriptedConsole();
  const machine = new Machine({
    memoryMiB: 64,
    bios: await Deno.readFile(`${OPENSBI}/${file}`),
    console,
  });
  machine.boot();
  const running = machine.run();
  try {
    return await console.waitFor(/Boot HART MEDELEG\s*: \S+/);
  } finally {
    machine.stop({ reason: "quit" });
    await running;
  }
}

for (const file of ["fw_jump.bin", "fw_jump.elf"]) {
  Deno.test({
    name: `firmware: OpenSBI ${file} finds the console, timer, IPI and reset devices`,
    ignore: (() => {
      try {
        Deno.statSync(`${OPENSBI}/${file}`);
        return false;
      } catch {
        console.warn(`skipped: ${OPENSBI}/${file} is missing (apt-get install opensbi)`);
        return true;
      }
    })(),
    fn: async () => {
      const banner = await firmwareBanner(file);
      assert.match(banner, /Platform Console Device\s*: htif/);
      assert.match(banner, /Platform Timer Device\s*: aclint-mtimer @ 10000000Hz/);
      assert.match(banner, /Platform IPI Device\s*: aclint-mswi/);
      assert.match(banner, /Platform Shutdown Device\s*: sifive_test/);
      assert.match(banner, /Domain0 Next Address\s*: 0x0*80200000/);
      assert.match(banner, /Boot HART Base ISA\s*: rv64imafdc/);
      assert.match(banner, /Boot HART PMP Count\s*: 16/);
    },
  });
}
