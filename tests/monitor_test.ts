/**
 * The monitor (backends/monitor/): requests and replies as a client sees
 * them over a real socket, malformed lines answered with errors on a
 * connection that keeps working, and addresses checked before listening.
 */
import assert from "node:assert/strict";
import { MonitorServer, parseMonitorAddress } from "../backends/monitor/monitor.ts";
import type { MonitorStatus, MonitorTarget } from "../backends/monitor/protocol.ts";

/** A machine stand-in that records what the monitor asked for. */
class FakeTarget implements MonitorTarget {
  calls: string[] = [];
  paused = false;
  stop() {
    this.calls.push("stop");
    this.paused = true;
  }
  cont() {
    this.calls.push("cont");
    this.paused = false;
  }
  status(): MonitorStatus {
    return {
      status: this.paused ? "paused" : "running",
      instructions: 1234,
      mips: 5.5,
      translatedRegions: 3,
    };
  }
  save(file: string) {
    this.calls.push(`save ${file}`);
    if (file.includes("/nonexistent/")) {
      return Promise.reject(new Error(`cannot save to '${file}'`));
    }
    return Promise.resolve({ file, bytes: 42 });
  }
  powerdown() {
    throw new Error("this machine has no power button");
  }
  quit() {
    this.calls.push("quit");
  }
}

/** A line-oriented client of a monitor socket. */
async function client(addr: Deno.ConnectOptions | Deno.UnixConnectOptions) {
  const conn = await Deno.connect(addr as Deno.ConnectOptions);
  const decoder = new TextDecoder();
  let buffered = "";
  const buf = new Uint8Array(4096);
  const line = async (): Promise<Record<string, unknown>> => {
    while (!buffered.includes("\n")) {
      const n = await conn.read(buf);
      if (n === null) throw new Error("monitor closed the connection");
      buffered += decoder.decode(buf.subarray(0, n));
    }
    const at = buffered.indexOf("\n");
    const text = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    return JSON.parse(text);
  };
  const send = async (text: string) => {
    await conn.write(new TextEncoder().encode(text + "\n"));
    return await line();
  };
  return { conn, line, send };
}

Deno.test("monitor over TCP: greeting, commands, ids, errors that keep the connection", async () => {
  const target = new FakeTarget();
  const server = MonitorServer.open(parseMonitorAddress("tcp:127.0.0.1:0"), target);
  try {
    const port = Number(server.address.split(":").pop());
    const c = await client({ hostname: "127.0.0.1", port });
    assert.deepEqual(await c.line(), { demu: { protocol: 1 } });
    assert.deepEqual(await c.send('{"execute":"stop","id":1}'), { return: {}, id: 1 });
    assert.deepEqual(await c.send('{"execute":"status"}'), {
      return: { status: "paused", instructions: 1234, mips: 5.5, translatedRegions: 3 },
    });
    assert.deepEqual(await c.send('{"execute":"cont"}'), { return: {} });
    assert.deepEqual(
      await c.send('{"execute":"save","arguments":{"file":"a.snap"},"id":"x"}'),
      { return: { file: "a.snap", bytes: 42 }, id: "x" },
    );
    // Malformed requests: each gets an error, and the next request still works.
    for (
      const [bad, pattern] of [
        ["this is not json", /not JSON/],
        ["[1,2]", /JSON object/],
        ['"stop"', /JSON object/],
        ["{}", /no 'execute'/],
        ['{"execute":42}', /no 'execute'/],
        ['{"execute":"frobnicate"}', /unknown command "frobnicate"/],
        ['{"execute":"save"}', /save needs arguments/],
        ['{"execute":"save","arguments":[]}', /'arguments' must be an object/],
        ['{"execute":"save","arguments":{"file":"/nonexistent/x"}}', /cannot save/],
        ['{"execute":"system_powerdown"}', /no power button/],
        ["\u0000\u00ff{", /not JSON/],
      ] as const
    ) {
      const reply = await c.send(bad);
      const err = reply.error as { desc: string } | undefined;
      assert.ok(err, `${bad} → ${JSON.stringify(reply)}`);
      assert.match(err.desc, pattern);
    }
    assert.deepEqual(await c.send('{"execute":"quit"}'), { return: {} });
    assert.deepEqual(target.calls, ["stop", "cont", "save a.snap", "save /nonexistent/x", "quit"]);
    // An endless line is cut off with an error instead of growing without bound.
    await c.conn.write(new Uint8Array(70 * 1024).fill(0x61));
    assert.match(((await c.line()).error as { desc: string }).desc, /too long/);
    c.conn.close();
  } finally {
    server.close();
  }
});

Deno.test("monitor addresses: loopback TCP or a Unix path, anything else refused", () => {
  assert.deepEqual(parseMonitorAddress("tcp:127.0.0.1:4444"), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 4444,
  });
  assert.deepEqual(parseMonitorAddress("tcp:[::1]:4444").transport, "tcp");
  assert.deepEqual(parseMonitorAddress("unix:/tmp/m.sock"), {
    transport: "unix",
    path: "/tmp/m.sock",
  });
  assert.throws(() => parseMonitorAddress("tcp:0.0.0.0:4444"), /not a loopback address/);
  assert.throws(() => parseMonitorAddress("tcp:example.org:4444"), /not a loopback address/);
  assert.throws(() => parseMonitorAddress("tcp:127.0.0.1:99999"), /out of range/);
  assert.throws(() => parseMonitorAddress("4444"), /expected unix:PATH or tcp:HOST:PORT/);
  assert.throws(() => parseMonitorAddress("unix:"), /expected/);
});
