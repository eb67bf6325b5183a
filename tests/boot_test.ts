/**
 * Boots the default image (OpenSBI + Linux 6.1 + busybox) to a shell and uses
 * it as a person would: runs commands, checks their output, powers off.
 * Needs the images: `deno task images` (the `test` task builds them first).
 */
import assert from "node:assert/strict";
import { defaultMachine, PROMPT } from "./support/boot.ts";

Deno.test("boot: Linux reaches a shell, runs commands, powers off cleanly", async () => {
  const { machine, console } = await defaultMachine();
  const running = machine.run();
  try {
    const boot = await console.waitFor(PROMPT);
    assert.match(boot, /OpenSBI v\d/, "OpenSBI's banner through HTIF");
    assert.match(boot, /Linux version 6\.1\./, "the kernel's banner");

    console.type("uname -a\n");
    const uname = await console.waitFor(PROMPT);
    assert.match(uname, /Linux demu 6\.1\.\S+ .*riscv64/);

    console.type("cat /proc/cpuinfo\n");
    const cpuinfo = await console.waitFor(PROMPT);
    assert.match(cpuinfo, /isa\s*: rv64imafdc/);
    assert.match(cpuinfo, /mmu\s*: sv(39|48)/);

    console.type("echo $((6 * 7)) > /tmp/x && cat /tmp/x\n");
    assert.match(await console.waitFor(PROMPT), /^42\r?$/m);

    console.type("poweroff\n");
    const exit = await running;
    assert.deepEqual(exit, { reason: "poweroff", code: 0 });
  } finally {
    machine.stop({ reason: "quit" });
    await running;
  }
});
