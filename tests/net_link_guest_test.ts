/**
 * Two VMs in one process, their network cards joined by a dgram link on
 * 127.0.0.1: they ping each other and move a file with httpd and wget.
 * Needs the default image (`deno task images`).
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { DEFAULT_CMDLINE } from "../backends/image/image_cache.ts";
import { openLink, parseLinkSpec } from "../backends/net/link.ts";
import { ScriptedConsole } from "../backends/console/scripted_console.ts";
import { Machine, type MachineExit } from "../board/machine.ts";
import { VirtioNet } from "../devices/virtio_net.ts";
import { PROMPT, readDefaultImages } from "./support/boot.ts";

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Vm {
  machine: Machine;
  console: ScriptedConsole;
  running: Promise<MachineExit>;
}

async function sh(vm: Vm, cmd: string, timeoutMs = 120_000): Promise<string> {
  vm.console.type(cmd + "\n");
  return await vm.console.waitFor(PROMPT, timeoutMs);
}

Deno.test("link guest: two VMs on a dgram link ping each other and move a file", async () => {
  const images = await readDefaultImages();
  const [p1, p2] = [await freeUdpPort(), await freeUdpPort()];
  const specs = [
    `dgram,local=127.0.0.1:${p1},remote=127.0.0.1:${p2}`,
    `dgram,local=127.0.0.1:${p2},remote=127.0.0.1:${p1}`,
  ];
  const vms: Vm[] = specs.map((spec, i) => {
    const console = new ScriptedConsole();
    const machine = new Machine({ memoryMiB: 128, ...images, cmdline: DEFAULT_CMDLINE, console });
    console.connect((bytes) => machine.typeInput(bytes));
    const mac = new Uint8Array([2, 0, 0, 0, 0, i + 1]);
    machine.addVirtio(new VirtioNet(openLink(parseLinkSpec(spec)!), { mac }));
    machine.boot();
    return { machine, console, running: machine.run() };
  });
  try {
    await Promise.all(vms.map((vm) => vm.console.waitFor(PROMPT)));
    for (const [i, vm] of vms.entries()) {
      await sh(vm, `ip addr add 192.168.7.${i + 1}/24 dev eth0 && ip link set eth0 up`);
    }
    assert.match(await sh(vms[0], "ping -c 2 -W 5 192.168.7.2"), /2 packets received/);
    assert.match(await sh(vms[1], "ping -c 1 -W 5 192.168.7.1"), /1 packets received/);

    const made = await sh(
      vms[1],
      "mkdir -p /www && dd if=/dev/urandom of=/www/f bs=1k count=512 2>/dev/null && " +
        "md5sum /www/f && httpd -h /www",
    );
    const want = /^([0-9a-f]{32})\s/m.exec(made)?.[1];
    assert.ok(want, made);
    const got = await sh(vms[0], "wget -q -O - http://192.168.7.2/f | md5sum");
    assert.match(got, new RegExp(`^${want}\\s`, "m"), got);
    for (const vm of vms) vm.console.type("poweroff\n");
    for (const vm of vms) assert.deepEqual(await vm.running, { reason: "poweroff", code: 0 });
  } finally {
    for (const vm of vms) {
      vm.machine.stop({ reason: "quit" });
      await vm.running;
      await vm.machine.close();
    }
  }
});
