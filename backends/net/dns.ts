/**
 * The DNS proxy at 10.0.2.3: one question per query, answered with the
 * host's resolver (`Deno.resolveDns`, which needs --allow-net for the
 * host's name server). A and AAAA only; other types get an empty answer.
 */

export type Resolver = (name: string, type: "A" | "AAAA") => Promise<string[]>;

export const defaultResolver: Resolver = (name, type) => Deno.resolveDns(name, type);

const TYPE_A = 1;
const TYPE_AAAA = 28;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;

export interface DnsQuestion {
  id: number;
  name: string;
  type: number;
  /** The question section as sent, echoed back in the answer. */
  question: Uint8Array;
  rd: boolean;
}

/** The query's single question, or null when the message is malformed or not a query. */
export function parseQuery(b: Uint8Array): DnsQuestion | null {
  if (b.length < 12) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const flags = v.getUint16(2);
  if (flags & 0x8000 || ((flags >> 11) & 0xf) !== 0 || v.getUint16(4) !== 1) return null;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    if (at >= b.length) return null;
    const len = b[at++];
    if (len === 0) break;
    // Compression pointers and long labels are not valid in a question.
    if (len > 63 || at + len > b.length) return null;
    labels.push(new TextDecoder().decode(b.subarray(at, at + len)));
    at += len;
    if (at - 12 > 255) return null;
  }
  if (at + 4 > b.length) return null;
  return {
    id: v.getUint16(0),
    name: labels.join("."),
    type: v.getUint16(at),
    question: b.slice(12, at + 4),
    rd: (flags & 0x0100) !== 0,
  };
}

/** Builds the answer to a question from resolved addresses (or an error code). */
export function buildAnswer(q: DnsQuestion, addrs: string[], rcode = 0): Uint8Array {
  const records: Uint8Array[] = [];
  for (const a of addrs) {
    const data = q.type === TYPE_A ? ipv4Bytes(a) : ipv6Bytes(a);
    if (!data) continue;
    const r = new Uint8Array(12 + data.length);
    const v = new DataView(r.buffer);
    v.setUint16(0, 0xc00c); // the name: a pointer to the question
    v.setUint16(2, q.type);
    v.setUint16(4, 1);
    v.setUint32(6, 60);
    v.setUint16(10, data.length);
    r.set(data, 12);
    records.push(r);
  }
  const size = 12 + q.question.length + records.reduce((n, r) => n + r.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint16(0, q.id);
  v.setUint16(2, 0x8080 | (q.rd ? 0x0100 : 0) | rcode);
  v.setUint16(4, 1);
  v.setUint16(6, records.length);
  out.set(q.question, 12);
  let at = 12 + q.question.length;
  for (const r of records) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}

/** Answers a query through `resolve`; null when the query is malformed. */
export async function answerQuery(
  query: Uint8Array,
  resolve: Resolver,
): Promise<Uint8Array | null> {
  const q = parseQuery(query);
  if (!q) return null;
  if (q.type !== TYPE_A && q.type !== TYPE_AAAA) return buildAnswer(q, [], RCODE_NOTIMP);
  try {
    return buildAnswer(q, await resolve(q.name, q.type === TYPE_A ? "A" : "AAAA"));
  } catch (e) {
    const notFound = e instanceof Deno.errors.NotFound;
    return buildAnswer(q, [], notFound ? RCODE_NXDOMAIN : RCODE_SERVFAIL);
  }
}

function ipv4Bytes(a: string): Uint8Array | null {
  const p = a.split(".").map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return null;
  return new Uint8Array(p);
}

function ipv6Bytes(a: string): Uint8Array | null {
  const halves = a.split("::");
  if (halves.length > 2) return null;
  const words = (s: string) => s === "" ? [] : s.split(":").map((w) => parseInt(w, 16));
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
  const all = [...head, ...new Array(fill).fill(0), ...tail];
  if (all.some((w) => !(w >= 0 && w <= 0xffff))) return null;
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}
