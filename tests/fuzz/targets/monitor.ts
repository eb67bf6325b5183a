/**
 * The monitor (backends/monitor/): a connection's byte stream of request
 * lines (commands well-formed or not, any JSON, not JSON, blank lines,
 * invalid UTF-8, now and then a line past the length limit) split into reads
 * anywhere, served by MonitorServer's connection loop over an in-memory
 * connection. The property: after the greeting, one reply line per request
 * line, in order, each one JSON object with exactly one of `return` and
 * `error`, the request's id echoed, a one-line error description; each
 * command reaches the machine once (stop, cont, save, ...) and nothing else
 * does; an over-long line gets one error and the connection is closed.
 */
import fc from "fast-check";
import { MAX_REQUEST_BYTES, type MonitorTarget } from "../../../backends/monitor/protocol.ts";
import { MonitorServer } from "../../../backends/monitor/monitor.ts";
import { type FuzzTarget, must, mustBeOneLine } from "../target.ts";

type Line = { kind: "request"; value: unknown } | { kind: "text"; text: string } | {
  kind: "long";
};

export interface MonitorInput {
  lines: Line[];
  /** Where the stream is cut into reads (fractions of its length). */
  cuts: number[];
  /** Line ends written as \r\n. */
  crlf: boolean;
}

const COMMANDS = ["stop", "cont", "status", "save", "system_powerdown", "quit"];

const requestArb = fc.record(
  {
    execute: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...COMMANDS) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
    ),
    arguments: fc.oneof(
      fc.record({ file: fc.oneof(fc.constantFrom("vm.snap", ""), fc.jsonValue({ maxDepth: 1 })) }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
  },
  { requiredKeys: [] },
);

const lineArb: fc.Arbitrary<Line> = fc.oneof(
  { weight: 160, arbitrary: requestArb.map((value) => ({ kind: "request" as const, value })) },
  {
    weight: 60,
    arbitrary: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      fc.string({ unit: "binary", maxLength: 30 }).map((s) => s.replaceAll("\n", " ")),
      fc.constantFrom("", "   ", "{", '{"execute":"stop"', "\u00ff\ud800", "\t"),
    ).map((text) => ({ kind: "text" as const, text })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "long" as const }) },
);

/** A connection whose reads return the given stream in the given pieces. */
class MemoryConn {
  written: number[] = [];
  closed = 0;
  private at = 0;
  constructor(private readonly stream: Uint8Array, private readonly ends: number[]) {}
  read(buf: Uint8Array): Promise<number | null> {
    if (this.at >= this.stream.length) return Promise.resolve(null);
    const end = Math.min(this.ends.find((e) => e > this.at) ?? Infinity, this.stream.length);
    const n = Math.min(end - this.at, buf.length);
    buf.set(this.stream.subarray(this.at, this.at + n));
    this.at += n;
    return Promise.resolve(n);
  }
  write(bytes: Uint8Array): Promise<number> {
    // A short write now and then, as a socket may do.
    const n = bytes.length > 1 && this.written.length % 7 === 3 ? 1 : bytes.length;
    for (let i = 0; i < n; i++) this.written.push(bytes[i]);
    return Promise.resolve(n);
  }
  close(): void {
    this.closed++;
  }
}

const encoder = new TextEncoder();
const serve = (MonitorServer.prototype as unknown as {
  serve(conn: unknown, target: MonitorTarget): Promise<void>;
}).serve;

async function check(input: MonitorInput): Promise<void> {
  const calls: string[] = [];
  const target: MonitorTarget = {
    stop: () => void calls.push("stop"),
    cont: () => void calls.push("cont"),
    status:
      () => (calls.push("status"),
        { status: "running", instructions: 1, mips: 0, translatedRegions: 0 }),
    save: (file) => (calls.push(`save ${file}`), Promise.resolve({ file, bytes: 1 })),
    powerdown: () => {
      calls.push("system_powerdown");
      throw new Error("the guest has no power button");
    },
    quit: () => void calls.push("quit"),
  };
  const eol = input.crlf ? "\r\n" : "\n";
  let text = "";
  let longAt = -1;
  const texts: string[] = [];
  for (const l of input.lines) {
    if (l.kind === "long") {
      longAt = texts.length;
      text += "x".repeat(MAX_REQUEST_BYTES + 17 * 1024) + eol;
      break;
    }
    const t = l.kind === "request" ? JSON.stringify(l.value) : l.text;
    texts.push(t);
    text += t + eol;
  }
  const stream = encoder.encode(text);
  const ends = input.cuts.map((f) => Math.floor(f * stream.length)).sort((a, b) => a - b);
  const conn = new MemoryConn(stream, ends);
  await serve.call(null, conn, target);
  must(conn.closed === 1, `the connection was closed ${conn.closed} times`);
  const replies = new TextDecoder().decode(new Uint8Array(conn.written)).split("\n");
  must(replies.pop() === "", "the last reply does not end its line");
  must(replies.shift() === '{"demu":{"protocol":1}}', "no greeting first");
  // The requests the model expects answered: non-blank lines, up to a long one.
  const requests = texts.filter((t) => t.trim() !== "");
  const want: string[] = [];
  let r = 0;
  for (const t of requests) {
    const reply = JSON.parse(replies[r++] ?? "null");
    must(reply && typeof reply === "object", `request ${r}: reply ${replies[r - 1]}`);
    must(("return" in reply) !== ("error" in reply), `reply ${replies[r - 1]}`);
    let request: Record<string, unknown> | null = null;
    try {
      const v = JSON.parse(t.trim());
      if (v && typeof v === "object" && !Array.isArray(v)) request = v;
    } catch { /* not JSON: an error reply without id */ }
    if (request && "id" in request && request.id !== undefined) {
      must(
        JSON.stringify(reply.id) === JSON.stringify(request.id),
        `id not echoed: ${replies[r - 1]}`,
      );
    } else must(!("id" in reply), `an id in the reply to a request without one: ${replies[r - 1]}`);
    if ("error" in reply) {
      mustBeOneLine(reply.error.desc, "monitor error");
      must(typeof reply.error.class === "string", "error without class");
    }
    const a = request?.arguments;
    const argsOk = a === undefined || (typeof a === "object" && a !== null && !Array.isArray(a));
    const cmd = request?.execute;
    if (typeof cmd === "string" && argsOk && COMMANDS.includes(cmd)) {
      if (cmd === "save") {
        const file = (a as Record<string, unknown> | undefined)?.file;
        if (typeof file === "string" && file !== "") want.push(`save ${file}`);
        else must("error" in reply, "save without a file name accepted");
      } else want.push(cmd);
      if (cmd === "system_powerdown") must("error" in reply, "a failed powerdown reported done");
      else if (cmd !== "save") must("return" in reply, `${cmd} failed: ${replies[r - 1]}`);
    } else must("error" in reply, `${t.slice(0, 80)} was not refused`);
  }
  if (longAt >= 0) {
    must(r === replies.length - 1, `${replies.length - r} replies after the requests`);
    must(/request line too long/.test(replies[r]), `the long line got ${replies[r]?.slice(0, 80)}`);
  } else must(r === replies.length, `${replies.length} replies to ${requests.length} requests`);
  must(JSON.stringify(calls) === JSON.stringify(want), `calls ${calls}, expected ${want}`);
}

export const monitorTarget: FuzzTarget<MonitorInput> = {
  name: "monitor",
  about: "monitor connection: one well-formed JSON reply per request line, ids echoed, each " +
    "command run once, long lines cut off",
  arbitrary: fc.record({
    lines: fc.array(lineArb, { maxLength: 12 }),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }),
    crlf: fc.boolean(),
  }),
  check,
  async: true,
};
