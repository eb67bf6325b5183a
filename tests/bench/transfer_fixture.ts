/**
 * The host side of the device transfers that tests/bench/vs_qemu.ts and
 * tests/tools/io_profile.ts run in a guest: the files (a disk image and a 9P
 * share with one large file and many small ones) and the HTTP payload.
 *
 * Run as a program, it serves the payload and a TCP sink on 127.0.0.1 in a
 * process of its own and prints their ports as one line of JSON:
 *
 *   deno run --allow-net=127.0.0.1 tests/bench/transfer_fixture.ts MiB
 */
import { join } from "node:path";

/** Writes `dir`/disk.img and `dir`/share/{big, small/f0..} (`size` bytes each for the large ones). */
export async function writeTransferFiles(
  dir: string,
  size: number,
  smallFiles: number,
): Promise<{ share: string; disk: string }> {
  const share = join(dir, "share");
  await Deno.mkdir(join(share, "small"), { recursive: true });
  const big = new Uint8Array(size);
  for (let i = 0; i < big.length; i += 4096) big[i] = i >> 12;
  await Deno.writeFile(join(share, "big"), big);
  for (let i = 0; i < smallFiles; i++) {
    await Deno.writeTextFile(join(share, "small", `f${i}`), `file ${i}\n`);
  }
  const disk = join(dir, "disk.img");
  await Deno.writeFile(disk, big);
  return { share, disk };
}

/**
 * `size` bytes streamed in 1 MiB pieces. A `Response` of one 64 MiB array
 * took 0.2-0.4 s to its first byte (measured with a plain client on the
 * host), which every download paid, whichever emulator ran it.
 */
export function payloadResponse(size: number): Response {
  const piece = new Uint8Array(1 << 20);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= size) return c.close();
      const n = Math.min(piece.length, size - sent);
      sent += n;
      c.enqueue(piece.slice(0, n));
    },
  }, { highWaterMark: 0 });
  return new Response(body, { headers: { "content-length": String(size) } });
}

if (import.meta.main) {
  const size = Number(Deno.args[0] ?? 64) << 20;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => payloadResponse(size),
  );
  const sink = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(JSON.stringify({ http: server.addr.port, sink: sink.addr.port }));
  for await (const conn of sink) {
    (async () => {
      const buf = new Uint8Array(1 << 20);
      try {
        while ((await conn.read(buf)) !== null) { /* counted by nobody: a sink */ }
      } catch { /* the guest reset it */ }
      try {
        conn.close();
      } catch { /* closed */ }
    })();
  }
}
