/**
 * The default kernel has all three console drivers built in; each is chosen
 * with console= and gets a working shell: typed input reaches the console
 * the guest opened (board/platform_devices.ts routes it). Also: the RTC gives
 * the host's date, the entropy device feeds /dev/hwrng, and a flood of UART
 * output arrives whole.
 */
import assert from "node:assert/strict";
import { defaultMachine, PROMPT } from "./support/boot.ts";
import { Machine } from "../board/machine.ts";
import { CONSOLE_INPUT_BUFFER } from "../devices/console_input.ts";

async function withShell(
  cmdline: string,
  body: (sh: (cmd: string, thenType?: string) => Promise<string>) => Promise<void>,
  deterministic = false,
): Promise<string> {
  const { machine, console } = await defaultMachine({ cmdline, deterministic });
  const running = machine.run();
  try {
    const boot = await console.waitFor(PROMPT, 300_000);
    await body(async (cmd, thenType) => {
      console.type(cmd + "\n");
      if (thenType !== undefined) {
        await console.waitFor(cmd, 60_000); // the shell's echo: it has the line
        await new Promise((r) => setTimeout(r, 500));
        console.type(thenType);
      }
      return (await console.waitFor(PROMPT, 120_000)).replace(/\r/g, "");
    });
    console.type("poweroff\n");
    assert.deepEqual(await running, { reason: "poweroff", code: 0 });
    return boot;
  } finally {
    machine.stop({ reason: "quit" });
    await running;
    await machine.close();
  }
}

Deno.test("consoles: the UART (console=ttyS0, earlycon on the 16550) runs the shell", async () => {
  const boot = await withShell(
    "console=ttyS0 earlycon=uart8250,mmio,0x10000000",
    async (sh) => {
      assert.match(await sh("cat /proc/consoles"), /^ttyS0 .*\(E[^)]*\)/m);
      assert.match(await sh("echo $((6 * 7))"), /^42$/m);
      // A flood of output through the UART arrives whole.
      const out = await sh("head -c 100000 /dev/zero | tr '\\0' x; echo");
      assert.equal(Math.max(...(out.match(/x+/g) ?? [""]).map((run) => run.length)), 100000);
      // A burst of typed input (40 lines, under the guest tty's 4 KiB buffer) arrives whole.
      const lines = Array.from({ length: 40 }, (_, i) => `${i}`.padEnd(69, "y") + "\n").join("");
      // Typed once cat has the terminal in canonical mode (typeahead across the shell's
      // raw-mode line editor would turn ^D into a plain byte).
      await sh(`stty -echo; cat > /tmp/in; stty echo`, `${lines}\x04`);
      assert.match(await sh("wc -c < /tmp/in; md5sum < /tmp/in"), /^2800\n/m);
    },
  );
  assert.match(boot, /OpenSBI v\d/, "OpenSBI's banner on the UART (stdout-path follows console=)");
  assert.match(boot, /earlycon: uart8250 at MMIO 0x0*10000000/);
  assert.match(boot, /ttyS0 at MMIO 0x10000000 \(irq = \d+, base_baud = \d+\) is a 16550A/);
});

Deno.test("consoles: the SBI console (console=hvc0, HTIF getchar) runs the shell", async () => {
  await withShell("console=hvc0 earlycon=sbi", async (sh) => {
    assert.match(await sh("cat /proc/consoles"), /^hvc0 /m);
    assert.match(await sh("echo $((6 * 7))"), /^42$/m);
  });
});

Deno.test("consoles: the virtio console (console=hvc1) runs the shell; RTC and entropy work", async () => {
  const year = new Date().getUTCFullYear();
  await withShell("console=hvc1 earlycon=sbi", async (sh) => {
    assert.match(await sh("cat /proc/consoles"), /^hvc1 /m);
    assert.match(await sh("date -u +%Y"), new RegExp(`^${year}$`, "m"));
    assert.match(await sh("cat /sys/class/rtc/rtc0/name"), /goldfish/);
    assert.match(await sh("cat /sys/class/misc/hw_random/rng_current"), /virtio_rng/);
    assert.match(await sh("head -c 4096 /dev/hwrng | wc -c"), /^4096$/m);
  });
});

Deno.test("consoles: --deterministic starts the RTC at its fixed epoch", async () => {
  await withShell("console=hvc1", async (sh) => {
    assert.match(await sh("date -u +%Y-%m-%d"), /^2025-01-01$/m);
  }, true);
});

Deno.test("consoles: input for a guest that never opens a console is bounded, not a hang", () => {
  const m = new Machine({ memoryMiB: 16, console: { write() {} } });
  m.typeInput(new Uint8Array(CONSOLE_INPUT_BUFFER + 1000));
  assert.equal(m.platform.input.pending, CONSOLE_INPUT_BUFFER);
  assert.equal(m.platform.input.dropped, 1000);
});
