/**
 * `deno task bench`, network: TCP throughput between the guest and the host
 * through the user-mode NAT, in MB/s (10^6 bytes), timed on the host.
 * - host to guest: the guest's wget fetches 16 MiB from a Deno.serve server
 *   on 127.0.0.1 (via 10.0.2.2) and throws it away;
 * - guest to host: the host fetches 16 MiB from the guest's busybox httpd
 *   through a forwarded port.
 * Needs --allow-net=127.0.0.1 and the default image.
 */
import { DEFAULT_CMDLINE } from "../../backends/image_cache.ts";
import { UserNetwork } from "../../backends/net/user.ts";
import { ScriptedConsole } from "../../backends/scripted_console.ts";
import { Machine } from "../../core/machine.ts";
import { VirtioNet } from "../../devices/virtio_net.ts";
import { PROMPT, readDefaultImages } from "../support/boot.ts";

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
const con = new ScriptedConsole();
const machine = new Machine({
  memoryMiB: 128,
  ...(await readDefaultImages()),
  cmdline: DEFAULT_CMDLINE,
  console: con,
});
con.connect((b) => machine.typeInput(b));
machine.addVirtio(new VirtioNet(net));
machine.boot();
const running = machine.run();

async function sh(cmd: string): Promise<string> {
  con.type(cmd + "\n");
  return await con.waitFor(PROMPT, 600_000);
}

function report(name: string, xs: number[]): void {
  const s = [...xs].sort((a, b) => a - b);
  const med = s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  console.log(
    `${name.padEnd(34)} ${med.toFixed(1).padStart(8)} MB/s  (min ${s[0].toFixed(1)}, max ${
      s[s.length - 1].toFixed(1)
    }, ${xs.length} runs)`,
  );
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
  report("TCP host to guest (wget)", down);
  report("TCP guest to host (httpd)", up);
  con.type("poweroff\n");
  await running;
} finally {
  machine.stop({ reason: "quit" });
  await running;
  await machine.close();
  ac.abort();
  await server.finished;
}
