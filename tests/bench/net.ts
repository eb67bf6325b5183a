/**
 * `deno task bench`, network: TCP throughput between the guest and the host
 * through the user-mode NAT, in MB/s (10^6 bytes), timed on the host.
 * - host to guest: the guest's wget fetches 16 MiB from a Deno.serve server
 *   on 127.0.0.1 (via 10.0.2.2) and throws it away;
 * - guest to host: the host fetches 16 MiB from the guest's busybox httpd
 *   through a forwarded port.
 * Needs --allow-net=127.0.0.1 and the default image.
 */
import { UserNetwork } from "../../backends/net/user.ts";
import { VirtioNet } from "../../devices/virtio_net.ts";
import { defaultMachine, PROMPT } from "../support/boot.ts";
import { report } from "./report.ts";

const RUNS = Number(Deno.env.get("DEMU_BENCH_RUNS") ?? 3);
const SIZE = 16 << 20;

const payload = new Uint8Array(SIZE);
const ac = new AbortController();
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
  () => new Response(payload),
);
const net = new UserNetwork({
  forwards: [{ hostAddress: "127.0.0.1", hostPort: 0, guestPort: 80 }],
});
const { machine, console: con } = await defaultMachine({}, undefined, [new VirtioNet(net)]);
const running = machine.run();

async function sh(cmd: string): Promise<string> {
  con.type(cmd + "\n");
  return await con.waitFor(PROMPT, 600_000);
}

try {
  await con.waitFor(PROMPT);
  await sh("udhcpc -i eth0 -q -n -t 5 >/dev/null 2>&1");
  await sh(`mkdir -p /www && dd if=/dev/zero of=/www/z bs=1M count=${SIZE >> 20} 2>/dev/null`);
  await sh("httpd -h /www");
  const down: number[] = [];
  const up: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await sh(`wget -q -O /dev/null http://10.0.2.2:${server.addr.port}/`);
    down.push(SIZE / ((performance.now() - t0) / 1000) / 1e6);

    const t1 = performance.now();
    const res = await fetch(`http://127.0.0.1:${net.forwardedPorts[0]}/z`);
    const got = (await res.arrayBuffer()).byteLength;
    if (got !== SIZE) throw new Error(`guest to host: got ${got} bytes of ${SIZE}`);
    up.push(SIZE / ((performance.now() - t1) / 1000) / 1e6);
  }
  report("TCP host to guest (wget)", "MB/s", down);
  report("TCP guest to host (httpd)", "MB/s", up);
  con.type("poweroff\n");
  await running;
} finally {
  machine.stop({ reason: "quit" });
  await running;
  await machine.close();
  ac.abort();
  await server.finished;
}
