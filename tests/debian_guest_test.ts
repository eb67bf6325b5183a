/**
 * Debian trixie (systemd, Debian's kernel and initramfs) on demu, used as a
 * person would on the serial console. Opt-in, it is slow: DEMU_DEBIAN_TEST=1
 * after `deno task debian`; the boot to the root shell takes minutes (see
 * docs/debian.md for the measured time).
 */
import assert from "node:assert/strict";
import { bootDebian, debianDir } from "./support/debian.ts";

const enabled = Deno.env.get("DEMU_DEBIAN_TEST") === "1";

Deno.test({
  name: "debian: systemd boots to a root shell; python3, dpkg, date and poweroff work",
  ignore: !enabled,
  fn: async () => {
    const dir = debianDir();
    assert.ok(dir, "no Debian image: run `deno task debian` first");
    const vm = await bootDebian(dir, "demu");
    try {
      console.log(`root shell after ${vm.seconds.toFixed(0)} s`);
      const state = await vm.sh("systemctl is-system-running --wait");
      const failed = await vm.sh("systemctl --failed --no-legend --plain");
      assert.match(state, /^(running|degraded)$/m, failed);
      if (/degraded/.test(state)) console.log(`degraded; failed units:\n${failed}`);
      assert.match(await vm.sh("python3 -c 'print(6*7)'"), /^42$/m);
      assert.match(await vm.sh("dpkg -l python3 systemd | tail -n 2"), /^ii {2}python3 /m);
      assert.match(await vm.sh("date -u +%Y"), new RegExp(`^${new Date().getUTCFullYear()}$`, "m"));
      assert.match(await vm.sh("cat /proc/consoles"), /^ttyS0 /m);
      vm.console.type("poweroff\n");
      assert.equal((await vm.done).code, 0);
    } finally {
      await vm.stop();
    }
  },
});
