/**
 * Disks as a guest uses them: Linux mounts ext4 images through virtio-blk,
 * writes and reads files, powers off; the host then checks the images with
 * e2fsck and debugfs (e2fsprogs). Read-only and snapshot disks must leave
 * their host files byte-identical; an overlay file keeps the snapshot.
 * Needs the default images (`deno task images`) and e2fsprogs on the host.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { defaultImageDir } from "../backends/image/image_cache.ts";
import { prepareDevices } from "../backends/device_kinds.ts";
import { FileBackend } from "../backends/block/file_block.ts";
import { OverlayFile } from "../backends/block/overlay_file.ts";
import { SnapshotBackend } from "../backends/block/snapshot_block.ts";
import { type DriveConfig, emptyConfig, type VmConfig } from "../board/config.ts";
import { defaultMachine, PROMPT } from "./support/boot.ts";

const ROOTFS = join(defaultImageDir(), "rootfs.ext4");
const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const seq = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join("");

async function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** Boots the default initramfs with `drives`, runs `script` at the shell, powers off. */
async function withDrives(
  drives: DriveConfig[],
  flags: { rw?: boolean; ro?: boolean },
  script: (sh: (cmd: string) => Promise<string>) => Promise<void>,
): Promise<void> {
  const config: VmConfig = { ...emptyConfig(), drives };
  const devices = await prepareDevices(config, flags);
  const { machine, console } = await defaultMachine({}, undefined, devices);
  const running = machine.run();
  try {
    await console.waitFor(PROMPT);
    await script(async (cmd) => {
      console.type(cmd + "\n");
      return await console.waitFor(PROMPT);
    });
    console.type("poweroff\n");
    assert.deepEqual(await running, { reason: "poweroff", code: 0 });
  } finally {
    machine.stop({ reason: "quit" });
    await running;
    await machine.close();
  }
}

async function copyRootfs(): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".ext4" });
  await Deno.copyFile(ROOTFS, path);
  return path;
}

Deno.test("blk boot: read-write ext4 survives power-off; e2fsck clean, hashes match", async () => {
  const image = await copyRootfs();
  try {
    const content = seq(20000); // ~110 KB: a few dozen requests
    await withDrives([{ file: image, serial: "demu-test-serial" }], { rw: true }, async (sh) => {
      assert.match(await sh('echo "<$(cat /sys/block/vda/serial)>"'), /<demu-test-serial>/);
      assert.match(
        await sh("mount /dev/vda /mnt && cat /mnt/etc/demu-rootfs"),
        /demu rootfs [0-9a-f]+/,
      );
      await sh("seq 1 20000 > /mnt/seq.txt && mkdir /mnt/d && echo hello > /mnt/d/hi.txt");
      const sums = await sh("sha256sum /mnt/seq.txt /mnt/d/hi.txt");
      assert.ok(sums.includes(sha256(content)), sums);
      assert.ok(sums.includes(sha256("hello\n")), sums);
      await sh("sync && umount /mnt");
    });
    const fsck = await run("e2fsck", ["-fn", image]);
    assert.equal(fsck.code, 0, fsck.out);
    const cat = await new Deno.Command("debugfs", {
      args: ["-R", "cat /seq.txt", image],
      stdout: "piped",
      stderr: "null",
    }).output();
    assert.equal(sha256(cat.stdout), sha256(content));
    const hi = await run("debugfs", ["-R", "cat /d/hi.txt", image]);
    assert.match(hi.out, /^hello$/m);
  } finally {
    await Deno.remove(image);
  }
});

Deno.test("blk boot: read-only, snapshot, overlay and HTTP disks leave their files untouched", async () => {
  const original = sha256(await Deno.readFile(ROOTFS));
  const ro = await copyRootfs();
  const snap = await copyRootfs();
  const based = await copyRootfs();
  const overlay = join(await Deno.makeTempDir(), "snap.ovl");
  const served = await Deno.readFile(ROOTFS);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.get("range") ?? "");
    if (!m) return new Response(served);
    const from = Number(m[1]);
    const to = Math.min(Number(m[2]), served.length - 1);
    return new Response(served.slice(from, to + 1), {
      status: 206,
      headers: { "content-range": `bytes ${from}-${to}/${served.length}` },
    });
  });
  const url = `http://127.0.0.1:${server.addr.port}/rootfs.ext4`;
  try {
    const drives: DriveConfig[] = [
      { file: ro, mode: "ro" },
      { file: snap },
      { file: based, overlay },
      { url },
    ];
    await withDrives(drives, {}, async (sh) => {
      await sh("mkdir -p /tmp/a /tmp/b /tmp/c /tmp/d");
      assert.match(await sh("cat /sys/block/vda/ro /sys/block/vdb/ro"), /^1\r?\n0\r?$/m);
      assert.match(
        await sh("mount -o ro /dev/vda /tmp/a && cat /tmp/a/etc/demu-rootfs"),
        /demu rootfs/,
      );
      assert.match(
        await sh("dd if=/dev/zero of=/dev/vda bs=512 count=1 oflag=direct; echo rc=$?"),
        /rc=[1-9]/,
      );
      const sum = sha256(seq(3000));
      await sh("mount /dev/vdb /tmp/b && seq 1 3000 > /tmp/b/s.txt && sync && umount /tmp/b");
      assert.ok((await sh("mount /dev/vdb /tmp/b && sha256sum /tmp/b/s.txt")).includes(sum));
      await sh("mount /dev/vdc /tmp/c && echo kept-in-overlay > /tmp/c/note.txt && umount /tmp/c");
      assert.match(
        await sh("mount /dev/vdd /tmp/d && cat /tmp/d/etc/demu-rootfs"),
        /demu rootfs/,
      );
      assert.match(
        await sh("echo over-http > /tmp/d/h.txt && sync && cat /tmp/d/h.txt"),
        /^over-http\r?$/m,
      );
      await sh("umount /tmp/a /tmp/b /tmp/d");
    });
    for (const f of [ro, snap, based]) {
      assert.equal(sha256(await Deno.readFile(f)), original, `${f} is untouched`);
    }
    // The overlay file holds the snapshot: materialize it and look inside.
    const file = await Deno.open(based, { read: true });
    const disk = new SnapshotBackend(
      new FileBackend(file, served.length, true, based),
      await OverlayFile.open(overlay, served.length / 512),
    );
    const whole = new Uint8Array(served.length);
    await disk.read(0, whole);
    await disk.close();
    const merged = await Deno.makeTempFile({ suffix: ".ext4" });
    await Deno.writeFile(merged, whole);
    const note = await run("debugfs", ["-R", "cat /note.txt", merged]);
    await Deno.remove(merged);
    assert.match(note.out, /^kept-in-overlay$/m);
  } finally {
    await server.shutdown();
    for (const f of [ro, snap, based]) await Deno.remove(f);
    await Deno.remove(overlay);
  }
});
