/**
 * The guest on the user-mode network: busybox udhcpc configures eth0 from
 * our DHCP server, ping reaches the virtual gateway, names resolve through
 * 10.0.2.3 (a stand-in resolver), and wget fetches a file
 * from a Deno.serve server on the host's 127.0.0.1 through 10.0.2.2.
 * Needs the default image (`deno task images`) and --allow-net=127.0.0.1.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { ScriptedConsole } from "../backends/console/scripted_console.ts";
import { UserNetwork } from "../backends/net/user.ts";
import { VirtioNet } from "../devices/virtio_net.ts";
import { defaultMachine, PROMPT } from "./support/boot.ts";

async function bootWithNet(net: UserNetwork) {
  const { machine, console } = await defaultMachine({}, undefined, [new VirtioNet(net)]);
  const running = machine.run();
  await console.waitFor(PROMPT);
  return { machine, console, running };
}

/** Runs a shell command and returns its output (up to the next prompt). */
async function sh(console: ScriptedConsole, cmd: string, timeoutMs = 60_000): Promise<string> {
  console.type(cmd + "\n");
  return await console.waitFor(PROMPT, timeoutMs);
}

Deno.test("net guest: DHCP, ping to the gateway, wget from the host's loopback, refused and denied ports", async () => {
  // 1 MiB of data that is not all one byte, so a mix-up shows in the hash.
  const file = new Uint8Array(1 << 20).map((_, i) => (i * 7 + (i >> 9)) & 0xff);
  const want = createHash("sha256").update(file).digest("hex");
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    () => new Response(file),
  );
  const port = server.addr.port;
  const logs: string[] = [];
  // Port 9 stands for a destination Deno's permissions deny (as --allow-net=127.0.0.1:PORT would).
  const net = new UserNetwork({
    log: (l) => logs.push(l),
    // A stand-in for the host's resolver: the test must not query real name servers.
    resolver: (name, type) =>
      Promise.resolve(name === "files.test" && type === "A" ? ["10.0.2.2"] : []),
    connect: (hostname, p) =>
      p === 9
        ? Promise.reject(new Deno.errors.NotCapable(`Requires net access to "${hostname}:${p}"`))
        : Deno.connect({ hostname, port: p }),
  });
  const { machine, console, running } = await bootWithNet(net);
  try {
    const dhcp = await sh(console, "udhcpc -i eth0 -q -n -t 5 2>&1; ip -4 addr show eth0");
    assert.match(dhcp, /inet 10\.0\.2\.15\/24/, dhcp);
    assert.match(await sh(console, "ip route"), /default via 10\.0\.2\.2/);
    assert.match(await sh(console, "ping -c 1 -W 5 10.0.2.2"), /1 packets received/);
    const got = await sh(
      console,
      `wget -q -O - http://10.0.2.2:${port}/file | sha256sum`,
      120_000,
    );
    assert.match(got, new RegExp(`^${want}\\s`, "m"), got);
    // DNS through 10.0.2.3 (udhcpc's script wrote resolv.conf).
    const named = await sh(console, `wget -q -O - http://files.test:${port}/file | sha256sum`);
    assert.match(named, new RegExp(`^${want}\\s`, "m"), named);
    // A refused port: the guest sees the connection refused, the VM keeps going.
    const refused = await sh(console, "wget -q -O - http://10.0.2.2:1/ 2>&1; echo rc=$?");
    assert.match(refused, /rc=1/);
    assert.equal(logs.length, 0);
    // A denied destination: refused in the guest, one host-side line naming the flag.
    const denied = await sh(console, "wget -q -O - http://10.0.2.2:9/ 2>&1; echo rc=$?");
    assert.match(denied, /rc=1/);
    assert.equal(logs.length, 1);
    assert.match(logs[0], /--allow-net=127\.0\.0\.1:9/);
    assert.match(await sh(console, "echo alive"), /^alive\r?$/m);
    console.type("poweroff\n");
    assert.deepEqual(await running, { reason: "poweroff", code: 0 });
  } finally {
    machine.stop({ reason: "quit" });
    await running;
    await machine.close();
    ac.abort();
    await server.finished;
  }
});

Deno.test("net guest: a forwarded port reaches busybox httpd; 24 MiB each way intact", async () => {
  const big = new Uint8Array(24 << 20).map((_, i) => (i * 13 + (i >> 11)) & 0xff);
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    () => new Response(big),
  );
  const net = new UserNetwork({
    log: () => {},
    forwards: [{ hostAddress: "127.0.0.1", hostPort: 0, guestPort: 80 }],
  });
  const [fwd] = net.forwardedPorts;
  const { machine, console, running } = await bootWithNet(net);
  try {
    await sh(console, "udhcpc -i eth0 -q -n -t 5");
    await sh(console, "mkdir -p /www && echo hello-from-guest > /www/index.html && httpd -h /www");
    const hello = await fetch(`http://127.0.0.1:${fwd}/index.html`);
    assert.equal(await hello.text(), "hello-from-guest\n");

    // Host to guest: wget pulls from the host's server.
    const want = createHash("md5").update(big).digest("hex");
    const url = `http://10.0.2.2:${server.addr.port}/big`;
    const pulled = await sh(console, `wget -q -O /www/big ${url} && md5sum /www/big`, 300_000);
    assert.match(pulled, new RegExp(`^${want}\\s`, "m"), pulled);

    // Guest to host: the host fetches the same file back from the guest's httpd.
    const res = await fetch(`http://127.0.0.1:${fwd}/big`);
    const back = new Uint8Array(await res.arrayBuffer());
    assert.equal(back.length, big.length);
    assert.equal(createHash("md5").update(back).digest("hex"), want);
    assert.match(await sh(console, "echo alive"), /^alive\r?$/m);
    console.type("poweroff\n");
    assert.deepEqual(await running, { reason: "poweroff", code: 0 });
  } finally {
    machine.stop({ reason: "quit" });
    await running;
    await machine.close();
    ac.abort();
    await server.finished;
  }
});
