/**
 * The GDB remote protocol (backends/debug/): `gdb-packets` feeds the packet
 * decoder byte streams of framed packets, bad checksums, escapes, Ctrl-C,
 * acks, over-long packets and noise, split anywhere, and compares what it
 * finds with a reference reading of the framing written here (and every
 * packet encodePacket frames comes back unchanged). `gdb-session` sends a
 * session on a real machine any packet a client could (well-formed or not)
 * and checks that each is acknowledged once and answered by exactly one
 * well-formed packet (or by none where the protocol says so: c/s until the
 * stop, k), that memory written with M/X reads back with m, and that the
 * breakpoints a client places stay bounded.
 */
import fc from "fast-check";
import {
  encodePacket,
  type Incoming,
  MAX_PACKET,
  PacketDecoder,
} from "../../../backends/debug/gdb_packets.ts";
import { GdbSession, MAX_DEBUGGER_POINTS } from "../../../backends/debug/gdb_session.ts";
import { DebugControl } from "../../../core/debugger.ts";
import { Machine } from "../../../board/machine.ts";
import { RAM_BASE } from "../../../core/memory.ts";
import { type FuzzTarget, must } from "../target.ts";

const DOLLAR = 0x24, HASH = 0x23, ESCAPE = 0x7d;
const latin1 = (bytes: ArrayLike<number>) => String.fromCharCode(...Array.from(bytes));

// --- gdb-packets ---

/** The framing read straight from the protocol's description, over the whole stream at once. */
function referenceDecode(s: Uint8Array): Incoming[] {
  const out: Incoming[] = [];
  let i = 0;
  outside: while (i < s.length) {
    const b = s[i++];
    if (b === 0x03) out.push({ kind: "interrupt" });
    else if (b === 0x2b) out.push({ kind: "ack" });
    else if (b === 0x2d) out.push({ kind: "nack" });
    if (b !== DOLLAR) continue;
    // A packet: its body runs to '#'; a '$' before that starts it over.
    for (;;) {
      let end = i;
      while (end < s.length && s[end] !== HASH && s[end] !== DOLLAR) end++;
      if (end >= s.length) break outside; // unfinished at the end of the stream
      if (s[end] === DOLLAR) {
        i = end + 1;
        continue;
      }
      if (end + 2 >= s.length) break outside; // checksum digits not all there
      const body = s.subarray(i, end);
      let sum = 0;
      for (const c of body) sum += c;
      const digits = latin1(s.subarray(end + 1, end + 3));
      const ok = /^[0-9a-fA-F]{2}$/.test(digits) && parseInt(digits, 16) === (sum & 0xff);
      if (!ok || body.length > MAX_PACKET) out.push({ kind: "bad-checksum" });
      else {
        let data = "";
        for (let k = 0; k < body.length; k++) {
          data += String.fromCharCode(
            body[k] === ESCAPE && k + 1 < body.length ? body[++k] ^ 0x20 : body[k],
          );
        }
        out.push({ kind: "packet", data });
      }
      i = end + 3;
      continue outside;
    }
  }
  return out;
}

type Piece =
  | { kind: "packet"; data: Uint8Array; damage: number | null }
  | { kind: "noise"; bytes: Uint8Array }
  | { kind: "long"; length: number };

export interface PacketsInput {
  pieces: Piece[];
  /** Where the stream is cut into reads (fractions of its length). */
  cuts: number[];
}

const pieceArb: fc.Arbitrary<Piece> = fc.oneof(
  {
    weight: 24,
    arbitrary: fc.record({
      kind: fc.constant("packet" as const),
      data: fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 8 }).map((b) =>
          b.map((x) => [0x24, 0x23, 0x7d, 0x2a, 3][x % 5])
        ),
      ),
      damage: fc.option(fc.nat({ max: 1000 }), { freq: 4 }),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("noise" as const),
      bytes: fc.oneof(
        fc.uint8Array({ maxLength: 12 }),
        fc.array(fc.constantFrom(0x24, 0x23, 0x7d, 0x2b, 0x2d, 3, 0x30, 0x61), { maxLength: 12 })
          .map((a) => new Uint8Array(a)),
      ),
    }),
  },
  // Rarer than the rest: each costs 16 KiB of framing (still thousands per million inputs).
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("long" as const),
      length: fc.integer({ min: MAX_PACKET - 2, max: MAX_PACKET + 3 }),
    }),
  },
);

function streamOf(pieces: Piece[]): { stream: Uint8Array; sent: string[] } {
  const parts: Uint8Array[] = [];
  const sent: string[] = [];
  for (const p of pieces) {
    if (p.kind === "noise") parts.push(p.bytes);
    else if (p.kind === "long") parts.push(encodePacket("A".repeat(p.length)));
    else {
      const framed = encodePacket(latin1(p.data));
      if (p.damage !== null) framed[p.damage % framed.length] ^= 1 + (p.damage >> 3) % 255;
      else sent.push(latin1(p.data));
      parts.push(framed);
    }
  }
  const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    stream.set(p, at);
    at += p.length;
  }
  return { stream, sent };
}

function checkPackets(input: PacketsInput): void {
  const { stream, sent } = streamOf(input.pieces);
  const decoder = new PacketDecoder();
  const got: Incoming[] = [];
  const cuts = input.cuts.map((f) => Math.floor(f * (stream.length + 1))).sort((a, b) => a - b);
  let from = 0;
  for (const c of [...cuts, stream.length]) {
    got.push(...decoder.push(stream.subarray(from, Math.max(from, c))));
    from = Math.max(from, c);
  }
  const want = referenceDecode(stream);
  must(
    JSON.stringify(got) === JSON.stringify(want),
    `decoded ${JSON.stringify(got).slice(0, 300)}, the reference ${
      JSON.stringify(want).slice(0, 300)
    }`,
  );
  // With no damage and no noise, every packet sent arrives unchanged.
  if (input.pieces.every((p) => p.kind === "packet" && p.damage === null)) {
    const packets = got.filter((g) => g.kind === "packet").map((g) => (g as { data: string }).data);
    must(JSON.stringify(packets) === JSON.stringify(sent), "a framed packet came back changed");
  }
}

export const gdbPacketsTarget: FuzzTarget<PacketsInput> = {
  name: "gdb-packets",
  about: "GDB packet framing split anywhere matches a reference decoder; framed packets round-trip",
  arbitrary: fc.record({
    pieces: fc.array(pieceArb, { maxLength: 8 }),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
  }),
  check: checkPackets,
};

// --- gdb-session ---

const hexArb = (maxDigits: number) =>
  fc.oneof(
    fc.bigInt({ min: 0n, max: 16n ** BigInt(maxDigits) - 1n }).map((v) => v.toString(16)),
    fc.constantFrom("", "0", "g", "-1", "1".repeat(maxDigits + 1)),
  );
const ramAddress = fc.integer({ min: -16, max: 0x2000 }).map((o) => (RAM_BASE + o).toString(16));
const address = fc.oneof(
  { weight: 4, arbitrary: ramAddress },
  { weight: 1, arbitrary: hexArb(16) },
  { weight: 1, arbitrary: fc.constantFrom("ffffffffffffffff", "0", "80000000", "40008000") },
);
const length = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 64 }).map((n) => n.toString(16)) },
  { weight: 1, arbitrary: hexArb(8) },
  { weight: 1, arbitrary: fc.constantFrom("1ff0", "2000", "ffffffff") },
);
const hexBytes = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((b) =>
    [...b].map((x) => x.toString(16).padStart(2, "0")).join("")
  );

const packetArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "?",
    "g",
    "c",
    "s",
    "C05",
    "S05",
    "D",
    "k",
    "Hg0",
    "Hc-1",
    "T01",
    "vCont?",
    "vCont;c",
    "vCont;s:1",
    "vCont;t",
    "vCont;x",
    "vKill;1",
    "vMustReplyEmpty",
    "qSupported:multiprocess+;swbreak+",
    "QStartNoAckMode",
    "qAttached",
    "qC",
    "qfThreadInfo",
    "qsThreadInfo",
    "qSymbol::",
    "qOffsets",
    "",
  ),
  fc.tuple(hexArb(3), hexBytes(9)).map(([r, v]) => `P${r}=${v}`),
  hexArb(3).map((r) => `p${r}`),
  hexBytes(300).map((h) => `G${h}`),
  fc.tuple(address, length).map(([a, l]) => `m${a},${l}`),
  fc.tuple(address, fc.uint8Array({ maxLength: 32 })).map(([a, b]) =>
    `M${a},${b.length.toString(16)}:${[...b].map((x) => x.toString(16).padStart(2, "0")).join("")}`
  ),
  fc.tuple(address, length, hexBytes(8)).map(([a, l, h]) => `M${a},${l}:${h}`),
  fc.tuple(address, fc.uint8Array({ maxLength: 32 })).map(([a, b]) =>
    `X${a},${b.length.toString(16)}:${latin1(b)}`
  ),
  fc.tuple(fc.constantFrom("Z", "z"), fc.integer({ min: 0, max: 5 }), address, length).map(
    ([z, t, a, l]) => `${z}${t},${a},${l}`,
  ),
  fc.tuple(fc.constantFrom("c", "s", "C05;", "S05;"), address).map(([c, a]) => c + a),
  fc.tuple(fc.constantFrom("target.xml", "other.xml"), hexArb(4), hexArb(4)).map(([f, o, l]) =>
    `qXfer:features:read:${f}:${o},${l}`
  ),
  fc.constantFrom("info", "reset", "help", "", "frobnicate\n", "x".repeat(300)).map((c) =>
    `qRcmd,${[...new TextEncoder().encode(c)].map((x) => x.toString(16).padStart(2, "0")).join("")}`
  ),
  fc.string({ maxLength: 20 }).map((s) => `qRcmd,${s}`),
  fc.string({ maxLength: 30 }),
);

type Event = { kind: "packet"; data: string } | { kind: "raw"; bytes: Uint8Array };

export interface SessionInput {
  events: Event[];
}

/** Between packets a client may send Ctrl-C, acks, a packet with a bad checksum, or noise ('$' aside). */
const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 8, arbitrary: packetArb.map((data) => ({ kind: "packet" as const, data })) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant(new Uint8Array([3])),
      fc.constant(new TextEncoder().encode("$g#00")),
      fc.constant(new TextEncoder().encode("+-")),
      fc.uint8Array({ maxLength: 6 }).map((b) => b.filter((x) => x !== DOLLAR)),
    ).map((bytes) => ({ kind: "raw" as const, bytes })),
  },
);

/** The bytes a session wrote as '+', '-' and packets, each packet checked well-formed. */
function parseOutput(bytes: number[]): { acks: string; packets: string[] } {
  let acks = "";
  const packets: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === 0x2b || b === 0x2d) {
      acks += String.fromCharCode(b);
      i++;
      continue;
    }
    must(b === DOLLAR, `stray byte 0x${b.toString(16)} in the session's output`);
    let end = i + 1;
    while (end < bytes.length && bytes[end] !== HASH) end++;
    must(end + 2 < bytes.length, "a reply packet without its checksum");
    const body = bytes.slice(i + 1, end);
    const sum = body.reduce((n, c) => n + c, 0);
    must(!body.includes(DOLLAR), "an unescaped '$' inside a reply");
    let data = "";
    for (let k = 0; k < body.length; k++) {
      data += String.fromCharCode(body[k] === ESCAPE ? body[++k] ^ 0x20 : body[k]);
    }
    const digits = String.fromCharCode(bytes[end + 1], bytes[end + 2]);
    must(/^[0-9a-f]{2}$/.test(digits), `reply checksum '${digits}'`);
    must(parseInt(digits, 16) === (sum & 0xff), "a reply with a wrong checksum");
    must(body.length <= 2 * MAX_PACKET, `a reply of ${body.length} bytes`);
    packets.push(data);
    i = end + 3;
  }
  return { acks, packets };
}

const RAM_BYTES = 1 << 20;
const machine = new Machine({ memoryMiB: 1, console: { write: () => {} }, jit: false });
machine.boot();
const control = new DebugControl(machine.hart, () => machine.wake());
machine.debug = control;

const isHex = (s: string | undefined) => s !== undefined && /^[0-9a-fA-F]{1,16}$/.test(s);

/** What a packet should get, read from the protocol: one reply now, none until the stop, or the end. */
function expected(p: string): "reply" | "go" | "end" | "monitor" {
  switch (p[0]) {
    case "k":
    case "D":
      return "end";
    case "c":
    case "s":
      return p.length === 1 || isHex(p.slice(1)) ? "go" : "reply";
    case "C":
    case "S": {
      const a = p.split(";")[1];
      return !a || isHex(a) ? "go" : "reply";
    }
    case "v": {
      if (p.startsWith("vKill")) return "end";
      if (!p.startsWith("vCont;")) return "reply";
      const action = p.slice(6).split(";")[0].split(":")[0];
      return action === "c" || action === "s" || action[0] === "C" || action[0] === "S"
        ? "go"
        : "reply";
    }
    default:
      return p.startsWith("qRcmd,") ? "monitor" : "reply";
  }
}

function checkSession(input: SessionInput): void {
  const out: number[] = [];
  let closed = 0;
  const session = new GdbSession(machine, control, {
    send: (b) => out.push(...b),
    close: () => closed++,
  });
  const decoder = new PacketDecoder();
  let noAck = false;
  let running = false;
  let ended = false;
  /** Bytes of RAM this input wrote with M or X, by address: m must read them back. */
  const written = new Map<number, number>();
  for (const e of input.events) {
    out.length = 0;
    const items = decoder.push(e.kind === "packet" ? encodePacket(e.data) : e.bytes);
    session.receive(items);
    const { acks, packets } = parseOutput(out);
    if (ended) {
      must(out.length === 0, "the session wrote after it ended");
      continue;
    }
    if (e.kind === "raw") {
      // Acks are not answered; a bad checksum is nacked; Ctrl-C stops a running machine.
      const bad = items.filter((i) => i.kind === "bad-checksum").length;
      must(acks === (noAck ? "" : "-".repeat(bad)), `noise: acks '${acks}'`);
      if (running && items.some((i) => i.kind === "interrupt")) {
        must(packets.length === 1 && /^T02/.test(packets[0]), `Ctrl-C while running: ${packets}`);
        running = false;
      } else must(packets.length === 0, `a reply to noise: ${JSON.stringify(packets)}`);
      continue;
    }
    must(
      items.length === 1 && items[0].kind === "packet" && items[0].data === e.data,
      `a framed packet decoded as ${JSON.stringify(items).slice(0, 200)}`,
    );
    const p = e.data;
    must(acks === (noAck ? "" : "+"), `packet ${JSON.stringify(p)}: acks '${acks}'`);
    const what = `packet ${JSON.stringify(p.slice(0, 60))}`;
    switch (expected(p)) {
      case "reply": {
        must(packets.length === 1, `${what}: ${packets.length} replies`);
        const r = packets[0];
        if (p === "QStartNoAckMode") noAck = true;
        if (p === "g") must(/^[0-9a-f]{528}$/.test(r), `${what}: g reply ${r.slice(0, 40)}`);
        const mem = /^m([0-9a-fA-F]{1,16}),([0-9a-fA-F]{1,8})$/.exec(p);
        if (mem && r !== "E01" && r !== "E14") {
          const addr = Number(BigInt.asIntN(64, BigInt("0x" + mem[1])));
          const len = parseInt(mem[2], 16);
          must(r.length === 2 * len && /^[0-9a-f]*$/.test(r), `${what}: ${r.length / 2} bytes`);
          for (let k = 0; k < len; k++) {
            const want = written.get(addr + k);
            const have = parseInt(r.slice(2 * k, 2 * k + 2), 16);
            must(want === undefined || want === have, `${what}: byte ${k} is ${have}, not ${want}`);
          }
        }
        const wr = /^([MX])([0-9a-fA-F]{1,16}),([0-9a-fA-F]{1,8}):([\s\S]*)$/.exec(p);
        if (wr && r === "OK") {
          const addr = Number(BigInt.asIntN(64, BigInt("0x" + wr[2])));
          const data = wr[1] === "X"
            ? Array.from(wr[4], (c) => c.charCodeAt(0))
            : wr[4].match(/../g)?.map((h) => parseInt(h, 16)) ?? [];
          data.forEach((b, k) => {
            const a = addr + k;
            if (a >= RAM_BASE && a < RAM_BASE + RAM_BYTES) written.set(a, b);
          });
        }
        break;
      }
      case "go":
        // No reply until the machine stops, or E01 for a bad address.
        if (packets.length === 0) running = true;
        else must(packets.length === 1 && packets[0] === "E01", `${what}: ${packets}`);
        break;
      case "monitor":
        must(packets.length >= 1, `${what}: no reply`);
        must(/^(OK|E01)$/.test(packets.at(-1)!), `${what}: ends with ${packets.at(-1)}`);
        for (const o of packets.slice(0, -1)) must(/^O([0-9a-f]{2})+$/.test(o), `${what}: ${o}`);
        written.clear(); // monitor reset reloads RAM
        break;
      case "end": {
        const ok = p[0] === "k"
          ? packets.length === 0
          : packets.length === 1 && packets[0] === "OK";
        must(ok, `${what}: ${JSON.stringify(packets)}`);
        must(closed === 1, `${what}: the connection closed ${closed} times`);
        ended = true;
      }
    }
    must(
      machine.hart.triggers.debuggerRules.length <= MAX_DEBUGGER_POINTS,
      `${machine.hart.triggers.debuggerRules.length} break/watch points held`,
    );
  }
  // The client goes away: its points are dropped and the machine may run.
  session.disconnected();
  must(machine.hart.triggers.debuggerRules.length === 0, "points left after the client went");
  must(!control.paused, "the machine stays paused after the client went");
}

export const gdbSessionTarget: FuzzTarget<SessionInput> = {
  name: "gdb-session",
  about: "every GDB packet acknowledged once and answered by one well-formed reply (none for " +
    "c/s until the stop); m reads what M/X wrote; points bounded",
  arbitrary: fc.record({ events: fc.array(eventArb, { minLength: 1, maxLength: 24 }) }),
  check: checkSession,
};
