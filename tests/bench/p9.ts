/**
 * `deno task bench`, 9P part: a host directory shared over virtio-9p, used
 * from inside the guest. Reports MB/s for writing and reading one large file
 * with dd (at Linux's default msize and at the largest Linux accepts), and
 * files/s for creating many small files from the shell. Times are taken on
 * the host around each command, so they include the shell's own overhead.
 */
import { HostFs } from "../../backends/fs/p9_host_fs.ts";
import { Virtio9p } from "../../devices/virtio_9p.ts";
import { bootShell } from "../support/guest_shell.ts";
import { report } from "./report.ts";

const RUNS = Math.max(3, Math.min(Number(Deno.env.get("DEMU_BENCH_RUNS") ?? 3), 5));
const MIB = 32;
const FILES = 500;

const dir = await Deno.makeTempDir({ prefix: "demu-bench-9p-" });
const g = await bootShell([new Virtio9p("bench", new HostFs(dir))]);
const timed = async (cmd: string) => {
  const t0 = performance.now();
  await g.sh(cmd, 600_000);
  return (performance.now() - t0) / 1000;
};
try {
  for (const msize of [131072, 512000]) {
    await g.sh(`mount -t 9p -o trans=virtio,version=9p2000.L,msize=${msize} bench /mnt`);
    const w: number[] = [];
    const r: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      w.push(MIB / await timed(`dd if=/dev/zero of=/mnt/big bs=1M count=${MIB} 2>/dev/null`));
      r.push(MIB / await timed("dd if=/mnt/big of=/dev/null bs=1M 2>/dev/null"));
    }
    const size = (await Deno.stat(`${dir}/big`)).size;
    if (size !== MIB * 1024 * 1024) throw new Error(`9p bench: file is ${size} bytes`);
    const k = `${Math.round(msize / 1024)} KiB msize`;
    report(`9p write ${MIB} MiB (dd, ${k})`, "MB/s", w);
    report(`9p read ${MIB} MiB (dd, ${k})`, "MB/s", r);
    await g.sh("rm /mnt/big && umount /mnt");
  }
  await g.sh("mount -t 9p -o trans=virtio,version=9p2000.L bench /mnt");
  const c: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await g.sh(`mkdir /mnt/s${i}`);
    const s = await timed(
      `i=0; while [ $i -lt ${FILES} ]; do echo $i > /mnt/s${i}/f$i; i=$((i+1)); done`,
    );
    c.push(FILES / s);
  }
  if ([...Deno.readDirSync(`${dir}/s0`)].length !== FILES) throw new Error("9p bench: files lost");
  report(`9p create ${FILES} small files (sh)`, "files/s", c);
} finally {
  await g.shutdown();
  await Deno.remove(dir, { recursive: true });
}
