/**
 * Snapshots from the command line, as a user runs demu: `C-a s` and the
 * monitor's `save` write the --save file while the VM runs on, `--restore
 * FILE` with only the permissions `--print-permissions` derives from the
 * snapshot continues at the same prompt, the monitor answers and refuses,
 * and a bad snapshot file is one line with exit status 2.
 */
import assert from "node:assert/strict";
import { parseFlags } from "../backends/process/permissions.ts";
import { SNAPSHOT_VERSION } from "../core/snapshot/format.ts";
import { runMain, runMainToEnd, withTempDir } from "./support/cli_run.ts";
import { defaultMachine, PROMPT } from "./support/boot.ts";
import { savedRun, writeSnapshotFile } from "../backends/process/snapshot_cli.ts";
import { emptyConfig } from "../board/config.ts";
import { DEFAULT_CMDLINE } from "../backends/image/image_cache.ts";

/** The flags demu derives for `args` (the planner reads, as the launcher's does). */
async function derived(args: string[]): Promise<string[]> {
  const r = await runMainToEnd(["--allow-read", "--allow-env"], [...args, "--print-permissions"]);
  assert.equal(r.code, 0, r.stderr);
  return parseFlags(r.stdout);
}

/** A loopback port nothing listens on now. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A client of the monitor: one request line, one reply line. */
async function monitor(port: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const decoder = new TextDecoder();
  let buffered = "";
  const buf = new Uint8Array(4096);
  const line = async () => {
    while (!buffered.includes("\n")) {
      const n = await conn.read(buf);
      if (n === null) throw new Error("monitor closed");
      buffered += decoder.decode(buf.subarray(0, n));
    }
    const at = buffered.indexOf("\n");
    const text = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    return JSON.parse(text);
  };
  await line(); // greeting
  return {
    send: async (request: unknown) => {
      await conn.write(new TextEncoder().encode(JSON.stringify(request) + "\n"));
      return await line();
    },
    close: () => conn.close(),
  };
}

async function waitForFile(path: string, timeoutMs = 60_000): Promise<Deno.FileInfo> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await Deno.stat(path);
    } catch {
      if (Date.now() > end) throw new Error(`${path} did not appear`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

Deno.test("snapshot CLI: C-a s and the monitor save, --restore continues at the prompt", async () => {
  await withTempDir(async (dir) => {
    const snap = `${dir}/vm.snap`;
    const port = freePort();
    const args = ["--cold", "--save", snap, "--monitor", `tcp:127.0.0.1:${port}`];
    const flags = await derived(args);
    assert.ok(
      flags.some((f) => f.startsWith("--allow-write=") && f.includes(`${snap}.tmp`)),
      String(flags),
    );
    assert.ok(flags.includes(`--allow-net=127.0.0.1:${port}`), String(flags));
    const vm = runMain(flags, args);
    await vm.console.waitFor(PROMPT);
    vm.console.type("x=41; echo set\n");
    await vm.console.waitFor(PROMPT);
    vm.console.type("\x01s"); // C-a s
    const first = await waitForFile(snap);
    assert.ok(first.size > 1e6, `snapshot of ${first.size} bytes`);

    const m = await monitor(port);
    const status = await m.send({ execute: "status" });
    assert.equal(status.return.status, "running");
    assert.ok(status.return.instructions > 1e6, JSON.stringify(status));
    assert.deepEqual(await m.send({ execute: "stop", id: 1 }), { return: {}, id: 1 });
    assert.equal((await m.send({ execute: "status" })).return.status, "paused");
    // Saving elsewhere needs a permission this run was not given: an error, not a crash.
    const denied = await m.send({ execute: "save", arguments: { file: `${dir}/other.snap` } });
    assert.match(denied.error.desc, /needs --allow-read=.* --allow-write=/);
    const saved = await m.send({ execute: "save", arguments: { file: snap } });
    assert.equal(saved.return.file, snap);
    assert.ok(saved.return.bytes > 1e6);
    assert.match((await m.send({ foo: 1 })).error.desc, /no 'execute'/);
    assert.deepEqual(await m.send({ execute: "cont" }), { return: {} });
    vm.console.type("echo still-$((x + 1))\n");
    await vm.console.waitFor("still-42");
    assert.deepEqual(await m.send({ execute: "quit" }), { return: {} });
    m.close();
    const end = await vm.done;
    assert.equal(end.code, 0, end.stderr);
    assert.match(end.stderr, /snapshot saved to/);
    await assert.rejects(Deno.stat(`${snap}.tmp`)); // no temp file left

    // The restore needs only what the snapshot says: read of the snapshot, nothing to boot.
    const restoreFlags = await derived(["--restore", snap]);
    assert.deepEqual(restoreFlags, [`--allow-read=${snap}`]);
    const restored = runMain(restoreFlags, ["--restore", snap]);
    await restored.console.waitFor(PROMPT); // its last line, shown again
    restored.console.type("echo back-$((x + 1))\n");
    await restored.console.waitFor("back-42");
    restored.console.type("\x01x");
    const r = await restored.done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!restored.console.output.includes("Linux version"), "no boot on restore");
  });
});

Deno.test("snapshot CLI: bad snapshot files are one line and exit status 2", async () => {
  await withTempDir(async (dir) => {
    const good = new Uint8Array(64);
    good.set(new TextEncoder().encode("DEMUSNAP"));
    const cases: [string, Uint8Array | null, RegExp][] = [
      ["missing.snap", null, /snapshot '.*missing.snap' not found/],
      ["foreign.snap", new TextEncoder().encode("#!/bin/sh\nexit 0\n"), /not a demu snapshot/],
      ["short.snap", good.subarray(0, 12), /truncated/],
      ["damaged.snap", good, /damaged|truncated/],
    ];
    const other = good.slice();
    new DataView(other.buffer).setUint32(8, SNAPSHOT_VERSION + 1, true);
    cases.push(["version.snap", other, new RegExp(`format version ${SNAPSHOT_VERSION + 1}`)]);
    for (const [name, bytes, pattern] of cases) {
      const path = `${dir}/${name}`;
      if (bytes) await Deno.writeFile(path, bytes);
      const r = await runMainToEnd([`--allow-read=${dir}`], ["--restore", path]);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.equal(r.stderr.split("\n").length, 1, `${name}: one line: ${r.stderr}`);
      assert.match(r.stderr, pattern, name);
      if (bytes) assert.deepEqual(await Deno.readFile(path), bytes, `${name} untouched`);
    }
    // The machine comes from the snapshot: nothing of it can be added on the command line.
    const r = await runMainToEnd(["--allow-read"], ["--restore", `${dir}/x.snap`, "--drive", "d"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not found|cannot be added/);
  });
});

Deno.test("snapshot CLI: a deterministic restore fed the same input prints the same bytes", async () => {
  await withTempDir(async (dir) => {
    // The saving run: deterministic, paused at its prompt, saved, then given the input.
    const { machine, console } = await defaultMachine({ deterministic: true });
    const running = machine.run();
    await console.waitFor(PROMPT);
    const input = "cat /proc/uptime; echo marker-$((6 * 7))\n";
    const until = "marker-42\r\n";
    machine.pause();
    const file = `${dir}/det.snap`;
    const config = { ...emptyConfig(), cmdline: DEFAULT_CMDLINE };
    await writeSnapshotFile(file, await machine.snapshot({ config: savedRun(config, {}) }));
    const start = console.output.length;
    console.type(input);
    machine.resume();
    await console.waitFor(until);
    machine.stop({ reason: "quit" });
    await running;
    const original = console.output.slice(
      start,
      console.output.indexOf(until, start) + until.length,
    );

    const flags = await derived(["--restore", file]);
    const outputs: string[] = [];
    for (let run = 0; run < 2; run++) {
      const vm = runMain(flags, ["--restore", file]);
      vm.console.type(input); // in the pipe before demu reads it: there before the guest runs
      await vm.console.waitFor(until).catch(async (e) => {
        vm.kill("SIGKILL");
        throw new Error(`${(e as Error).message}\nstderr: ${(await vm.done).stderr}`);
      });
      vm.console.type("\x01x");
      assert.equal((await vm.done).code, 0);
      const out = vm.console.output;
      // The restore first shows the saved last line (the prompt) again.
      assert.ok(out.startsWith(PROMPT), JSON.stringify(out.slice(0, 40)));
      outputs.push(out.slice(PROMPT.length, out.indexOf(until) + until.length));
    }
    assert.match(outputs[0], /marker-42/);
    assert.equal(outputs[0], outputs[1]);
    assert.equal(outputs[0], original);
  });
});
