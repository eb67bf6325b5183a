import assert from "node:assert/strict";
import dgram from "node:dgram";
import type { EthernetPort } from "../devices/ethernet_backend.ts";
import { frameForStream, FrameReader, openLink, parseLinkSpec } from "../backends/net/link.ts";

class Port implements EthernetPort {
  readonly mac = new Uint8Array([2, 0, 0, 0, 0, 9]);
  got: Uint8Array[] = [];
  receive(frame: Uint8Array): boolean {
    this.got.push(frame);
    return true;
  }
}

const frame = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** Sends `f` through `send` until `port` has received something (links drop while unconnected). */
async function deliver(send: (f: Uint8Array) => void, f: Uint8Array, port: Port): Promise<void> {
  for (let i = 0; i < 100 && port.got.length === 0; i++) {
    send(f);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

Deno.test("link: stream framing splits and joins frames, refuses impossible lengths", () => {
  const r = new FrameReader();
  const a = frameForStream(frame(60, 1));
  const b = frameForStream(frame(100, 2));
  const both = new Uint8Array([...a, ...b]);
  assert.deepEqual(r.push(both.subarray(0, 3)), []);
  assert.deepEqual(r.push(both.subarray(3, 70)), [frame(60, 1)]);
  assert.deepEqual(r.push(both.subarray(70)), [frame(100, 2)]);
  assert.equal(new FrameReader().push(new Uint8Array([0xff, 0, 0, 0, 1])), null);
});

Deno.test("link: specs", () => {
  assert.deepEqual(parseLinkSpec("stream,listen=127.0.0.1:5555"), {
    kind: "stream",
    mode: "listen",
    at: { hostname: "127.0.0.1", port: 5555 },
  });
  assert.equal(parseLinkSpec("dgram,local=127.0.0.1:1,remote=127.0.0.1:2")?.kind, "dgram");
  assert.equal(parseLinkSpec("user"), null);
  assert.throws(() => parseLinkSpec("stream,listen=127.0.0.1"), /HOST:PORT/);
  assert.throws(() => parseLinkSpec("stream,listen=a:1,connect=b:2"), /expected stream/);
  assert.throws(() => parseLinkSpec("dgram,local=127.0.0.1:1"), /expected dgram/);
});

Deno.test("link: two stream ends carry frames both ways", async () => {
  const server = openLink(parseLinkSpec("stream,listen=127.0.0.1:0")!);
  const port = await server.port;
  const client = openLink(parseLinkSpec(`stream,connect=127.0.0.1:${port}`)!);
  const a = new Port();
  const b = new Port();
  server.attach(a);
  client.attach(b);
  try {
    await deliver((f) => client.send(f), frame(60, 7), a);
    assert.deepEqual(a.got[0], frame(60, 7));
    await deliver((f) => server.send(f), frame(1514, 8), b);
    assert.deepEqual(b.got[0], frame(1514, 8));
  } finally {
    await client.close?.();
    await server.close?.();
  }
});

Deno.test("link: two dgram ends carry frames both ways", async () => {
  const [p1, p2] = [await freeUdpPort(), await freeUdpPort()];
  const one = openLink(parseLinkSpec(`dgram,local=127.0.0.1:${p1},remote=127.0.0.1:${p2}`)!);
  const two = openLink(parseLinkSpec(`dgram,local=127.0.0.1:${p2},remote=127.0.0.1:${p1}`)!);
  const a = new Port();
  const b = new Port();
  one.attach(a);
  two.attach(b);
  try {
    await Promise.all([one.port, two.port]);
    await deliver((f) => one.send(f), frame(60, 3), b);
    assert.deepEqual(b.got[0], frame(60, 3));
    await deliver((f) => two.send(f), frame(1000, 4), a);
    assert.deepEqual(a.got[0], frame(1000, 4));
  } finally {
    await one.close?.();
    await two.close?.();
  }
});
