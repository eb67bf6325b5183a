/**
 * `deno task bench`, disks: sequential MB/s inside the guest with direct I/O
 * (dd bs=1M), so the figures measure the virtio-blk path and the backend,
 * not the guest's page cache. One boot of the default image with a
 * read-only copy of rootfs.ext4 (vda), a 64 MiB scratch disk opened
 * read-write (vdb) and a snapshot of the same size (vdc, memory overlay).
 */
import { join } from "node:path";
import { defaultImageDir } from "../../backends/image/image_cache.ts";
import { prepareDevices } from "../../backends/device_kinds.ts";
import { emptyConfig, type VmConfig } from "../../board/config.ts";
import { defaultMachine, PROMPT } from "../support/boot.ts";
import { report } from "./report.ts";

const RUNS = Number(Deno.env.get("DEMU_BENCH_RUNS") ?? 3);

const dir = await Deno.makeTempDir();
const root = join(dir, "rootfs.ext4");
const scratch = join(dir, "scratch.img");
await Deno.copyFile(join(defaultImageDir(), "rootfs.ext4"), root);
await Deno.writeFile(scratch, new Uint8Array(0));
await Deno.truncate(scratch, 64 << 20);

const config: VmConfig = {
  ...emptyConfig(),
  drives: [{ file: root, mode: "ro" }, { file: scratch, mode: "rw" }, { file: scratch }],
};
const { machine, console: con } = await defaultMachine(
  {},
  undefined,
  await prepareDevices(config, {}),
);
const running = machine.run();
await con.waitFor(PROMPT);

/** Runs a dd command; MB/s (10^6 bytes) from the byte count and seconds it reports. */
async function dd(cmd: string): Promise<number> {
  con.type(cmd + "\n");
  const out = await con.waitFor(PROMPT, 600_000);
  const m = /(\d+) bytes \([^)]*\) copied, ([\d.]+) seconds/.exec(out);
  if (!m) throw new Error(`dd said: ${out}`);
  return Number(m[1]) / Number(m[2]) / 1e6;
}

const cases: [string, string][] = [
  ["disk read, raw file (direct)", "dd if=/dev/vda of=/dev/null bs=1M iflag=direct"],
  ["disk write, raw file (direct)", "dd if=/dev/zero of=/dev/vdb bs=1M count=64 oflag=direct"],
  [
    "disk write + fsync, raw file",
    "dd if=/dev/zero of=/dev/vdb bs=1M count=64 oflag=direct conv=fsync",
  ],
  ["disk write, snapshot (direct)", "dd if=/dev/zero of=/dev/vdc bs=1M count=64 oflag=direct"],
  ["disk read, snapshot (direct)", "dd if=/dev/vdc of=/dev/null bs=1M iflag=direct"],
];
try {
  for (const [name, cmd] of cases) {
    const xs: number[] = [];
    for (let i = 0; i < RUNS; i++) xs.push(await dd(cmd));
    report(name, "MB/s", xs);
  }
  con.type("poweroff\n");
  await running;
} finally {
  machine.stop({ reason: "quit" });
  await running;
  await machine.close();
  await Deno.remove(dir, { recursive: true });
}
