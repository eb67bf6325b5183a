/**
 * What other hosts send: the server of a disk image given by URL
 * (backends/block/http_block.ts), played by a local server on 127.0.0.1 that
 * answers with the status, Content-Range and body length the input says, and
 * another VM's frame stream on a network link (backends/net/link.ts).
 * http-disk: opening either yields a disk whose size the server announced
 * (a whole number of sectors, an exact integer) or one line of error; every
 * read either returns the image's true bytes or fails as a one-line
 * BlockIoError, and a body longer than asked is refused, not buffered.
 * link-frames: any split of a stream of frames gives back exactly those
 * frames; garbage gives frames or a refusal, with bounded buffering.
 */
import fc from "fast-check";
import { Buffer } from "node:buffer";
import { HttpBackend } from "../../../backends/block/http_block.ts";
import { frameForStream, FrameReader } from "../../../backends/net/link.ts";
import { BlockIoError } from "../../../devices/block_backend.ts";
import { type FuzzTarget, must, mustBeOneLine } from "../target.ts";

/** The image's byte at `offset`: what an honest server sends. */
const imageByte = (offset: number) => (offset * 31 + (offset >> 9)) & 0xff;

/** The image's bytes computed once and grown on demand (a byte loop per body was a third of the time). */
let image: Uint8Array<ArrayBuffer> = new Uint8Array(0);

function imageBytes(from: number, length: number): Uint8Array<ArrayBuffer> {
  if (from + length > image.length) {
    const grown = new Uint8Array(Math.max(from + length, image.length * 2));
    grown.set(image);
    for (let i = image.length; i < grown.length; i++) grown[i] = imageByte(i);
    image = grown;
  }
  return image.subarray(from, from + length);
}

interface Answer {
  status: number;
  /** The Content-Range total: honest, or a lie. */
  total: string | null;
  /** Body length: the asked length plus this (negative: short; large: a flood). */
  extra: number;
}

interface HttpInput {
  size: number;
  answers: Answer[];
  reads: { sector: number; sectors: number }[];
}

const answerArb: fc.Arbitrary<Answer> = fc.record({
  status: fc.oneof(
    { weight: 6, arbitrary: fc.constant(206) },
    fc.constantFrom(200, 404, 500, 416, 301),
  ),
  total: fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    fc.constantFrom("", "*", "abc", "99999999999999999999999", "513", "-512", "1e6", "0"),
    fc.nat().map(String),
  ),
  extra: fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    fc.integer({ min: -100, max: 100 }),
    fc.constant(4 * 1024 * 1024),
  ),
});

const httpArb: fc.Arbitrary<HttpInput> = fc.record({
  size: fc.integer({ min: 0, max: 600 }).map((n) => n * 512),
  answers: fc.array(answerArb, { minLength: 1, maxLength: 6 }),
  reads: fc.array(
    fc.record({ sector: fc.nat({ max: 700 }), sectors: fc.integer({ min: 1, max: 300 }) }),
    {
      maxLength: 4,
    },
  ),
});

/** The server's script for the current input: each request takes the next answer. */
let script: { size: number; answers: Answer[]; next: number } = { size: 0, answers: [], next: 0 };
let server: { url: string; shutdown(): Promise<void> } | null = null;

function serve(): { url: string } {
  if (server) return server;
  const s = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const a = script.answers[script.next++ % script.answers.length];
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.get("range") ?? "");
    const from = m ? Number(m[1]) : 0;
    const to = m ? Math.min(Number(m[2]) + 1, script.size) : script.size;
    const length = Math.max(0, to - from + a.extra);
    const body = imageBytes(from, length);
    const total = a.total ?? String(script.size);
    // The image's bytes as they are, in a stream: a Uint8Array body is copied by the Response (a
    // copy of each 4 MiB flood was most of this target's time). The Content-Length Deno gives a
    // Uint8Array body is given here, so the bytes on the wire are the same (Deno.serve then sends
    // a stream with it, not chunked).
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        if (body.length > 0) c.enqueue(body);
        c.close();
      },
    });
    return new Response(stream, {
      status: a.status,
      headers: {
        "content-range": `bytes ${from}-${Math.max(from, to - 1)}/${total}`,
        "content-length": String(body.length),
      },
    });
  });
  const port = (s.addr as Deno.NetAddr).port;
  server = { url: `http://127.0.0.1:${port}/disk.img`, shutdown: () => s.shutdown() };
  return server;
}

async function checkHttp(input: HttpInput): Promise<void> {
  const { url } = serve();
  script = { size: input.size, answers: input.answers, next: 0 };
  let disk: HttpBackend;
  try {
    disk = await HttpBackend.open(url);
  } catch (e) {
    must(e instanceof Error && e.constructor === Error, `open threw ${(e as Error)?.name}`);
    return mustBeOneLine(e.message, "http open");
  }
  must(Number.isSafeInteger(disk.size) && disk.size % 512 === 0, `accepted size ${disk.size}`);
  for (const r of input.reads) {
    if (r.sector + r.sectors > disk.sectorCount) continue; // the device refuses these first
    const buf = new Uint8Array(r.sectors * 512);
    try {
      await disk.read(r.sector, buf);
      // Only an honest size lets the bytes be checked against the image.
      if (disk.size === input.size) {
        const want = imageBytes(r.sector * 512, buf.length);
        // A native compare first (up to 150 KiB a read); the loop only names the byte.
        if (Buffer.compare(buf, want) !== 0) {
          for (let i = 0; i < buf.length; i++) {
            if (buf[i] !== want[i]) must(false, `byte ${i} of a read at sector ${r.sector}`);
          }
        }
      }
    } catch (e) {
      must(e instanceof BlockIoError, `read threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
      mustBeOneLine(e.message, "http read");
    }
  }
  await disk.close();
}

export const httpDiskTarget: FuzzTarget<HttpInput> = {
  name: "http-disk",
  about: "a hostile image server: a disk of the announced size with true bytes, or one-line errors",
  arbitrary: httpArb,
  check: checkHttp,
  async: true,
  async close() {
    await server?.shutdown();
    server = null;
  },
};

// --- link frames ---

const MAX_LINK_FRAME = 65536;

interface LinkInput {
  frames: Uint8Array[];
  garbage: Uint8Array | null;
  cuts: number[];
}

export const linkFramesTarget: FuzzTarget<LinkInput> = {
  name: "link-frames",
  about: "a VM link's byte stream, split anywhere: exactly the frames sent; garbage is bounded",
  arbitrary: fc.record({
    frames: fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }),
    garbage: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { freq: 4 }),
    cuts: fc.array(fc.nat({ max: 3000 }), { maxLength: 8 }),
  }),
  check(input) {
    const parts = input.frames.map(frameForStream);
    if (input.garbage) parts.push(input.garbage);
    const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      stream.set(p, at);
      at += p.length;
    }
    const cuts = [...new Set(input.cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
    const r = new FrameReader();
    const got: Uint8Array[] = [];
    let prev = 0;
    let refused = false;
    for (const c of [...cuts, stream.length]) {
      const out = r.push(stream.subarray(prev, c));
      prev = c;
      if (out === null) {
        refused = true;
        break;
      }
      got.push(...out);
      const held = (r as unknown as { buf: Uint8Array }).buf.length;
      must(held <= MAX_LINK_FRAME + 4 + stream.length, `${held} bytes held`);
    }
    const n = input.frames.length;
    must(!refused || input.garbage !== null, "an honest stream was refused");
    for (let i = 0; i < Math.min(n, got.length); i++) {
      const a = got[i];
      const b = input.frames[i];
      must(a.length === b.length && a.every((x, k) => x === b[k]), `frame ${i} differs`);
    }
    if (!input.garbage) must(got.length === n, `${got.length} frames of ${n}`);
    else must(refused || got.length >= n, "frames before the garbage were lost");
  },
};
