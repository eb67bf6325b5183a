/**
 * Linux mounts host directories over virtio-9p and uses them as a person
 * would; the host side is checked after each step, and escape attempts must
 * reveal nothing outside the export. One boot, two shares (one read-only).
 * Needs the images: `deno task images` (the `test` task builds them first).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { HostFs, SYMLINK_MAGIC } from "../backends/fs/p9_host_fs.ts";
import { Virtio9p } from "../devices/virtio_9p.ts";
import { bootShell } from "./support/guest_shell.ts";

const COLOR = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");
const MOUNT = "mount -t 9p -o trans=virtio,version=9p2000.L";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test("virtio-9p in the guest: files, directories, links, big files, confinement, ro", async () => {
  const base = await Deno.makeTempDir({ prefix: "demu-9p-" });
  const dir = `${base}/export`;
  const outside = `${base}/outside`;
  const roDir = `${base}/ro`;
  const secret = `TOPSECRET-${crypto.randomUUID()}`;
  await Deno.mkdir(dir);
  await Deno.mkdir(outside);
  await Deno.mkdir(roDir);
  await Deno.writeTextFile(`${dir}/hello.txt`, "hello from the host\n");
  await Deno.writeTextFile(`${outside}/secret.txt`, secret + "\n");
  await Deno.writeTextFile(`${roDir}/hello.txt`, "read only\n");
  // Host symlinks pointing out of the export: the guest must not get through them.
  await Deno.symlink(outside, `${dir}/escape`);
  await Deno.symlink(`${outside}/secret.txt`, `${dir}/escape_file`);
  const hostBig = crypto.getRandomValues(new Uint8Array(65536));
  const bigFromHost = new Uint8Array(1024 * 1024 + 123);
  for (let i = 0; i < bigFromHost.length; i += hostBig.length) {
    bigFromHost.set(hostBig.subarray(0, Math.min(hostBig.length, bigFromHost.length - i)), i);
  }
  await Deno.writeFile(`${dir}/from_host.bin`, bigFromHost);

  const shares = [
    new Virtio9p("host", new HostFs(dir)),
    new Virtio9p("rotag", new HostFs(roDir, true)),
  ];
  const g = await bootShell(shares);
  const seen: string[] = [];
  const sh = async (cmd: string) => {
    // ls colours names: drop the escape sequences.
    const out = (await g.sh(cmd)).replace(COLOR, "");
    seen.push(out);
    return out;
  };
  try {
    assert.match(await sh(`${MOUNT} host /mnt && echo mounted`), /mounted/);
    assert.match(await sh("cat /proc/mounts | grep /mnt"), /host \/mnt 9p /);
    assert.equal(shares[0].server.msize, 128 * 1024, "Linux's default msize is taken as is");
    assert.match(await sh("cat /mnt/hello.txt"), /hello from the host/);
    assert.match(await sh("ls /mnt"), /hello\.txt/);

    // echo >, append, truncate
    await sh("echo one > /mnt/new.txt && echo two >> /mnt/new.txt");
    assert.equal(await Deno.readTextFile(`${dir}/new.txt`), "one\ntwo\n");
    assert.match(await sh("cat /mnt/new.txt"), /one\ntwo/);
    await sh("truncate -s 3 /mnt/new.txt");
    assert.equal(await Deno.readTextFile(`${dir}/new.txt`), "one");

    // mkdir -p, mv across directories (a file and a directory)
    await sh("mkdir -p /mnt/a/b/c && echo deep > /mnt/a/b/c/f && mv /mnt/a/b/c/f /mnt/moved");
    await sh("mv /mnt/a/b /mnt/b2");
    assert.equal(await Deno.readTextFile(`${dir}/moved`), "deep\n");
    assert.ok((await Deno.lstat(`${dir}/b2/c`)).isDirectory);

    // hard link keeps identity; symlink works in the guest
    const links = await sh("ln /mnt/moved /mnt/hard && stat -c '%h %i' /mnt/moved /mnt/hard");
    const [l1, l2] = links.trim().split("\n");
    assert.equal(l1, l2);
    assert.match(l1, /^2 \d+/);
    assert.equal((await Deno.stat(`${dir}/hard`)).ino, (await Deno.stat(`${dir}/moved`)).ino);
    assert.match(
      await sh("ln -s moved /mnt/soft && cat /mnt/soft && readlink /mnt/soft"),
      /deep\nmoved/,
    );
    assert.match(await sh("ls -l /mnt/soft"), /^l.* \/mnt\/soft -> moved/m);

    // chmod, touch -d
    assert.match(await sh("chmod 640 /mnt/moved && stat -c %a /mnt/moved"), /^640$/m);
    assert.equal((await Deno.stat(`${dir}/moved`)).mode! & 0o777, 0o640);
    await sh("touch -d '2001-02-03 04:05:06' /mnt/moved");
    const mtime = (await Deno.stat(`${dir}/moved`)).mtime!.getTime() / 1000;
    assert.match(await sh("stat -c %Y /mnt/moved"), new RegExp(`^${mtime}$`, "m"));

    // files larger than msize, both ways, compared by hash on the host
    await sh("dd if=/dev/urandom of=/mnt/big bs=65536 count=10 2>/dev/null");
    const guestBig = (await sh("sha256sum /mnt/big")).split(" ")[0];
    assert.equal(guestBig, sha256(await Deno.readFile(`${dir}/big`)));
    assert.equal((await Deno.stat(`${dir}/big`)).size, 10 * 65536);
    assert.match(await sh("sha256sum /mnt/from_host.bin"), new RegExp(`^${sha256(bigFromHost)} `));

    // many files, find, rm -r
    await sh(
      "mkdir /mnt/tree && i=0; while [ $i -lt 300 ]; do echo $i > /mnt/tree/f$i; i=$((i+1)); done",
    );
    assert.match(await sh("find /mnt/tree -type f | wc -l"), /^300$/m);
    assert.equal([...Deno.readDirSync(`${dir}/tree`)].length, 300);
    await sh("rm -r /mnt/tree /mnt/b2 /mnt/a");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      [
        "big",
        "escape",
        "escape_file",
        "from_host.bin",
        "hard",
        "hello.txt",
        "moved",
        "new.txt",
        "soft",
      ],
    );
    assert.match(await sh("df /mnt"), /host\s+\d+\s+\d+\s+\d+\s+\d+% \/mnt/);

    // escape attempts
    await sh("ls /mnt/../..");
    await sh("ls /mnt/.. /mnt/escape/ /mnt/escape/secret.txt");
    assert.match(await sh("cat /mnt/escape_file; cat /mnt/escape/secret.txt; echo rc=$?"), /rc=1/);
    assert.match(await sh("ls -l /mnt/escape"), /escape -> /);
    await sh("ln -s /etc/passwd /mnt/pw && cat /mnt/pw; cd /mnt/escape; pwd; cd /");
    const pw = await Deno.lstat(`${dir}/pw`);
    assert.ok(pw.isFile, "a guest symlink is a marker file on the host");
    assert.ok((await Deno.readTextFile(`${dir}/pw`)).startsWith(SYMLINK_MAGIC));

    // read-only export: reads work, every change is EROFS
    await sh(`mkdir -p /ro && ${MOUNT} rotag /ro`);
    assert.match(await sh("cat /ro/hello.txt"), /read only/);
    const ro = await sh(
      "echo x > /ro/n; mkdir /ro/d; rm /ro/hello.txt; chmod 600 /ro/hello.txt; " +
        "echo y >> /ro/hello.txt; mv /ro/hello.txt /ro/h2; echo done",
    );
    assert.equal(ro.match(/Read-only file system/g)?.length, 6, ro);
    assert.deepEqual([...Deno.readDirSync(roDir)].map((e) => e.name), ["hello.txt"]);

    assert.match(await sh("umount /mnt && umount /ro && echo unmounted"), /unmounted/);
    for (const out of seen) {
      assert.ok(!out.includes(secret), `secret leaked: ${out}`);
      assert.ok(!out.includes("daemon:x:1:1"), `host /etc/passwd leaked: ${out}`);
    }
  } finally {
    await g.shutdown();
    await Deno.remove(base, { recursive: true });
  }
});
