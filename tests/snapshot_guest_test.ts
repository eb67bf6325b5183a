/**
 * Whole-VM snapshots of the booted default image, in one process
 * (core/machine_snapshot.ts through Machine.snapshot / Machine.restore): the
 * restored shell answers with the state it had, its clock goes on, two forks
 * of one snapshot live separate lives (console and disk), a damaged snapshot
 * is refused, and in deterministic mode a restored run repeats the saving
 * run's output byte for byte.
 */
import assert from "node:assert/strict";
import { openDrive } from "../backends/block/drive.ts";
import { ScriptedConsole } from "../backends/console/scripted_console.ts";
import { Machine, type MachineExit } from "../board/machine.ts";
import { SnapshotError } from "../board/machine_snapshot.ts";
import type { VirtioDevice } from "../devices/virtio.ts";
import { openInputDevices } from "../backends/web/input_devices.ts";
import { RunControl } from "../backends/process/snapshot_cli.ts";
import { emptyConfig } from "../board/config.ts";
import { HostFs } from "../backends/fs/p9_host_fs.ts";
import { Virtio9p } from "../devices/virtio_9p.ts";
import { defaultMachine, PROMPT, TEST_JIT } from "./support/boot.ts";

/** A restored machine with its own console, running. */
function fork(bytes: Uint8Array, devices: VirtioDevice[] = []) {
  const console = new ScriptedConsole();
  const machine = Machine.restore(bytes, { console, devices, jit: TEST_JIT });
  console.connect((b) => machine.typeInput(b));
  const running = machine.run();
  return { machine, console, running };
}

async function end(machine: Machine, running: Promise<MachineExit>): Promise<void> {
  machine.stop({ reason: "quit" });
  await running;
  await machine.close();
}

/** Types a command and returns its output (the echoed line and the prompt stripped). */
async function sh(console: ScriptedConsole, command: string): Promise<string> {
  console.type(command + "\n");
  const text = await console.waitFor(PROMPT);
  return text.slice(text.indexOf("\n") + 1, -PROMPT.length).replaceAll("\r\n", "\n");
}

Deno.test("snapshot: a booted guest restored in the same process answers with its state", async () => {
  const { machine, console } = await defaultMachine();
  const running = machine.run();
  await console.waitFor(PROMPT);
  await sh(console, "echo kept > /tmp/file; x=41");
  const uptimeBefore = parseFloat(await sh(console, "cut -d' ' -f1 /proc/uptime"));
  const bytes = await machine.snapshot();
  // The saved machine runs on.
  assert.equal((await sh(console, "echo $((x + 1))")).trim(), "42");
  await end(machine, running);

  const t0 = performance.now();
  const restored = fork(bytes);
  const restoreMs = performance.now() - t0;
  assert.equal(await sh(restored.console, "cat /tmp/file; echo $((x + 1))"), "kept\n42\n");
  const uptimeAfter = parseFloat(await sh(restored.console, "cut -d' ' -f1 /proc/uptime"));
  assert.ok(uptimeAfter >= uptimeBefore, `uptime ${uptimeBefore} → ${uptimeAfter}`);
  assert.ok(uptimeAfter - uptimeBefore < 60, `no jump forward: ${uptimeBefore} → ${uptimeAfter}`);
  // The restored machine can be saved again, and that snapshot restores too.
  const again = await restored.machine.snapshot();
  await end(restored.machine, restored.running);
  const second = fork(again);
  assert.equal(await sh(second.console, "cat /tmp/file"), "kept\n");
  await end(second.machine, second.running);
  globalThis.console.log(
    `snapshot ${(bytes.length / 1e6).toFixed(1)} MB, restore ${restoreMs.toFixed(0)} ms`,
  );
});

Deno.test("snapshot: two VMs forked from one snapshot have their own console and disk", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const disk = `${dir}/disk.img`;
    await Deno.writeFile(disk, new Uint8Array(1 << 20));
    const drive = () => openDrive({ file: disk }, 0);
    const { machine, console } = await defaultMachine({}, undefined, [await drive()]);
    const running = machine.run();
    await console.waitFor(PROMPT);
    const write = (text: string) =>
      `printf ${text} | dd of=/dev/vda bs=512 conv=sync,fsync 2>/dev/null`;
    const read = "dd if=/dev/vda bs=512 count=1 iflag=direct 2>/dev/null | head -c 4; echo";
    await sh(console, write("base"));
    await sh(console, "who=parent");
    const bytes = await machine.snapshot();
    await end(machine, running);

    const a = fork(bytes, [await drive()]);
    const b = fork(bytes, [await drive()]);
    await sh(a.console, write("AAAA"));
    await sh(a.console, "who=a");
    assert.equal(await sh(b.console, read), "base\n");
    assert.equal(await sh(a.console, read), "AAAA\n");
    assert.equal(await sh(b.console, "echo $who"), "parent\n");
    assert.equal(await sh(a.console, "echo $who"), "a\n");
    assert.ok(!b.console.output.includes("AAAA"), "b's console shows nothing of a's");
    await end(a.machine, a.running);
    await end(b.machine, b.running);
    // Snapshot disks never write the host file.
    assert.deepEqual(await Deno.readFile(disk), new Uint8Array(1 << 20));
    // A fork needs the devices the snapshot had.
    assert.throws(
      () => Machine.restore(bytes, { console: new ScriptedConsole() }),
      /virtio devices \[2\]/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("snapshot: a damaged snapshot is refused before anything runs", async () => {
  const { machine, console } = await defaultMachine();
  const running = machine.run();
  await console.waitFor(PROMPT);
  const bytes = await machine.snapshot();
  await end(machine, running);
  const damaged = bytes.slice();
  damaged[Math.floor(damaged.length / 2)] ^= 1;
  for (const bad of [damaged, bytes.subarray(0, bytes.length - 100), bytes.subarray(0, 20)]) {
    assert.throws(() => Machine.restore(bad, { console: new ScriptedConsole() }), SnapshotError);
  }
});

/** The console output of a restored deterministic run fed `input` before it starts. */
async function deterministicRun(bytes: Uint8Array, input: string, until: string): Promise<string> {
  const console = new ScriptedConsole();
  const machine = Machine.restore(bytes, { console, jit: TEST_JIT });
  console.connect((b) => machine.typeInput(b));
  console.type(input);
  const running = machine.run();
  await console.waitFor(until);
  await end(machine, running);
  return console.output.slice(0, console.output.indexOf(until) + until.length);
}

Deno.test("snapshot: deterministic runs from a snapshot repeat the saving run byte for byte", async () => {
  const { machine, console } = await defaultMachine({ deterministic: true });
  const running = machine.run();
  await console.waitFor(PROMPT);
  const input = "cat /proc/uptime; dmesg | tail -n 2; echo marker-$((6 * 7))\n";
  const until = "marker-42\r\n";
  // Pause, save, type and go on: the input arrives at the very instruction a restore starts at.
  machine.pause();
  const bytes = await machine.snapshot();
  const start = console.output.length;
  console.type(input);
  machine.resume();
  await console.waitFor(until);
  await end(machine, running);
  const original = console.output.slice(start, console.output.indexOf(until, start) + until.length);
  const first = await deterministicRun(bytes, input, until);
  const second = await deterministicRun(bytes, input, until);
  assert.match(first, /marker-42/);
  assert.equal(first, second);
  assert.equal(first, original);
});

Deno.test("monitor: system_powerdown is Ctrl-Alt-Del on the virtio keyboard, init shuts down", async () => {
  const { machine, console } = await defaultMachine({}, undefined, openInputDevices());
  const running = machine.run();
  await console.waitFor(PROMPT);
  const control = new RunControl({}, { config: emptyConfig(), flags: {} }, () => {});
  control.attach(machine);
  control.powerdown();
  // busybox init's ctrlaltdel action (images/inittab): an orderly reboot, which ends demu.
  assert.deepEqual(await running, { reason: "reset" });
  assert.match(console.output, /The system is going down NOW!/);
  await machine.close();
});

Deno.test("snapshot: 9P files open at the save are opened again by path; a gone one answers an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/kept.txt`, "alpha\n");
    await Deno.writeTextFile(`${dir}/gone.txt`, "beta\n");
    const share = () => new Virtio9p("share", new HostFs(dir));
    const { machine, console } = await defaultMachine({}, undefined, [share()]);
    const running = machine.run();
    await console.waitFor(PROMPT);
    await sh(console, "mkdir -p /mnt && mount -t 9p -o trans=virtio,version=9p2000.L share /mnt");
    // Descriptors the shell keeps open across the save: fids with open host files behind them.
    await sh(console, "exec 3</mnt/kept.txt 4</mnt/gone.txt");
    const bytes = await machine.snapshot();
    await end(machine, running);
    await Deno.remove(`${dir}/gone.txt`);

    const restored = fork(bytes, [share()]);
    assert.equal(await sh(restored.console, "cat <&3"), "alpha\n");
    assert.match(await sh(restored.console, "cat <&4; echo status=$?"), /status=1/);
    assert.equal(await sh(restored.console, "ls /mnt | cat"), "kept.txt\n");
    await end(restored.machine, restored.running);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("snapshot: a read-write disk is named, and a restore onto a changed file is refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const disk = `${dir}/rw.img`;
    await Deno.writeFile(disk, new Uint8Array(1 << 20));
    const drive = () => openDrive({ file: disk, mode: "rw" }, 0);
    const { machine, console } = await defaultMachine({}, undefined, [await drive()]);
    const running = machine.run();
    await console.waitFor(PROMPT);
    await sh(console, "printf saved | dd of=/dev/vda bs=512 conv=sync,fsync 2>/dev/null");
    const bytes = await machine.snapshot();
    await end(machine, running);
    const same = fork(bytes, [await drive()]);
    assert.equal(
      await sh(
        same.console,
        "dd if=/dev/vda bs=512 count=1 iflag=direct 2>/dev/null | head -c 5; echo",
      ),
      "saved\n",
    );
    await end(same.machine, same.running);
    // Opened another way (what --sandbox does to a read-write disk): refused, saying so.
    const asSnapshot = await openDrive({ file: disk }, 0);
    assert.throws(
      () => Machine.restore(bytes, { console: new ScriptedConsole(), devices: [asSnapshot] }),
      /was a file disk when saved and is a snapshot disk now/,
    );
    await asSnapshot.close();
    // Written since (its modification time differs): refused before anything runs.
    const file = await Deno.open(disk, { write: true });
    await file.write(new TextEncoder().encode("other"));
    file.close();
    await Deno.utime(disk, new Date(), new Date(Date.now() + 5000));
    const changed = await drive();
    assert.throws(
      () => Machine.restore(bytes, { console: new ScriptedConsole(), devices: [changed] }),
      /changed since the snapshot was taken/,
    );
    await changed.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
