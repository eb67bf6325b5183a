/**
 * One hart's record in a snapshot: pc, privilege, every CSR, the integer and
 * FP registers and the FP status. CSRs are saved by field name, taken from the
 * hart itself (every own number, bigint or boolean field and every numeric
 * array, less the run loop's scratch and what is derived from the rest, and
 * the CSRs kept in the shared memory behind accessors), so a
 * CSR added to core/hart.ts is saved without touching this file. What is
 * derived (TLBs with their address-space sets, the fetch page, the decoded
 * PMP ranges, SUM/MXR) is rebuilt after loading; the translator's caches are
 * not saved at all.
 */
import { type Hart, SHARED_MEMORY_CSRS } from "../hart.ts";
import { PRIV_M, PRIV_S, PRIV_U } from "../csr.ts";
import { SATP_BARE, SATP_SV39, SATP_SV48 } from "../mmu.ts";
import { quotedFromFile, SnapshotError, type StateReader, type StateWriter } from "./format.ts";

/** Hart fields that are not architectural state: the run loop's and the translator's. */
const TRANSIENT = new Set([
  "endSlice",
  "haltRequested",
  "jitExit",
  "jitHot",
  "jitKernelStep",
  "codePages",
  "sliceNow",
  "sliceCredited",
  "fetchBase",
  "fetchOffset",
  "sum",
  "mxr",
  "leafShift",
  "spaceClock",
]);

const enum Kind {
  Number = 1,
  BigInt = 2,
  Boolean = 3,
  Bytes = 4,
  Numbers = 5,
  BigInts = 6,
}

type Fields = Record<string, unknown>;

/** Writes the hart's architectural state. */
export function saveHart(w: StateWriter, hart: Hart): void {
  w.f64(hart.mhartid);
  const s = hart.state;
  for (let i = 0; i < 32; i++) w.u64(s.x[i]);
  for (let i = 0; i < 32; i++) w.u64(s.f[i]);
  w.u32(s.fflags);
  w.u32(s.frm);
  const fields = [
    ...Object.entries(hart as unknown as Fields).filter(([name]) => !TRANSIENT.has(name)),
    ...SHARED_MEMORY_CSRS.map((name) => [name, hart[name]] as const),
  ];
  const saved: [string, Kind, unknown][] = [];
  for (const [name, v] of fields) {
    if (typeof v === "number") saved.push([name, Kind.Number, v]);
    else if (typeof v === "bigint") saved.push([name, Kind.BigInt, v]);
    else if (typeof v === "boolean") saved.push([name, Kind.Boolean, v]);
    else if (v instanceof Uint8Array) saved.push([name, Kind.Bytes, v]);
    else if (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === "bigint")) {
      saved.push([name, Kind.BigInts, v]);
    } else if (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === "number")) {
      saved.push([name, Kind.Numbers, v]);
    }
  }
  w.u32(saved.length);
  for (const [name, kind, v] of saved) {
    w.str(name);
    w.u8(kind);
    switch (kind) {
      case Kind.Number:
        w.f64(v as number);
        break;
      case Kind.BigInt:
        w.u64(v as bigint);
        break;
      case Kind.Boolean:
        w.bool(v as boolean);
        break;
      case Kind.Bytes:
        w.bytes(v as Uint8Array);
        break;
      case Kind.Numbers:
        w.u32((v as number[]).length);
        for (const e of v as number[]) w.f64(e);
        break;
      case Kind.BigInts:
        w.u32((v as bigint[]).length);
        for (const e of v as bigint[]) w.u64(e);
        break;
    }
  }
}

/**
 * Loads a record written by saveHart into a hart of the same build. A field
 * the snapshot has and this hart lacks (or with another type) is refused.
 */
export function loadHart(r: StateReader, hart: Hart): void {
  const id = r.f64();
  if (id !== hart.mhartid) throw new SnapshotError(`the snapshot's hart ${id} does not fit`);
  const s = hart.state;
  for (let i = 0; i < 32; i++) s.x[i] = r.i64();
  for (let i = 0; i < 32; i++) s.f[i] = r.i64();
  s.x[0] = 0n;
  s.fflags = r.u32() & 31;
  s.frm = r.u32() & 7;
  const fields = hart as unknown as Fields;
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const name = r.str();
    const kind = r.u8() as Kind;
    const current = fields[name];
    const shown = quotedFromFile(name);
    const mismatch = () =>
      new SnapshotError(`the snapshot's hart field '${shown}' does not fit this demu`);
    if (TRANSIENT.has(name) || !(name in fields)) throw mismatch();
    switch (kind) {
      case Kind.Number: {
        if (typeof current !== "number") throw mismatch();
        const v = r.f64();
        fields[name] = v;
        // A field kept in 32 bits (mstatus) must hold the value as it was saved.
        if (!Object.is(fields[name], v)) throw damaged(shown);
        break;
      }
      case Kind.BigInt:
        if (typeof current !== "bigint") throw mismatch();
        fields[name] = r.i64();
        break;
      case Kind.Boolean:
        if (typeof current !== "boolean") throw mismatch();
        fields[name] = r.bool();
        break;
      case Kind.Bytes: {
        const bytes = r.bytes();
        if (!(current instanceof Uint8Array) || current.length !== bytes.length) throw mismatch();
        current.set(bytes);
        break;
      }
      case Kind.Numbers:
      case Kind.BigInts: {
        const n = r.u32();
        if (!Array.isArray(current) || current.length !== n) throw mismatch();
        for (let k = 0; k < n; k++) current[k] = kind === Kind.Numbers ? r.f64() : r.i64();
        if (kind === Kind.BigInts && current.some((e) => typeof e !== "bigint")) throw mismatch();
        break;
      }
      default:
        throw mismatch();
    }
  }
  checkLoaded(hart);
  // Rebuild what is derived from the loaded CSRs.
  hart.pmpChanged();
  hart.flushTlb();
  hart.updateModes();
  hart.haltRequested = false;
}

function damaged(name: string): SnapshotError {
  return new SnapshotError(`the snapshot's hart field '${name}' is damaged`);
}

/**
 * What a running hart can never hold, a damaged file can: a fractional pc, a
 * privilege level 2, a satp whose decoded fields disagree with it. Each would
 * throw inside the interpreter later, so it is refused here (found by the
 * snapshot fuzz target, tests/fuzz/targets/snapshot.ts).
 */
function checkLoaded(hart: Hart): void {
  const fields = hart as unknown as Fields;
  for (const [name, v] of Object.entries(fields)) {
    if (TRANSIENT.has(name)) continue; // not from the file (fetchBase is NaN between fetches)
    // reservation is NaN when no LR is outstanding.
    const ok = typeof v !== "number" || Number.isSafeInteger(v) ||
      (name === "reservation" && Number.isNaN(v));
    if (!ok) throw damaged(name);
  }
  const mode = Number(BigInt.asUintN(64, hart.satp) >> 60n);
  const satpOk = (mode === SATP_BARE || mode === SATP_SV39 || mode === SATP_SV48) &&
    hart.satpMode === mode &&
    hart.satpRoot === Number(BigInt.asUintN(64, hart.satp) & ((1n << 44n) - 1n)) * 4096;
  const privOk = hart.priv === PRIV_U || hart.priv === PRIV_S || hart.priv === PRIV_M;
  const pmpOk = hart.pmpcfg.every((c) => Number.isInteger(c) && c >= 0 && c <= 0xff);
  if (!satpOk || !privOk || !pmpOk) throw new SnapshotError("the snapshot's hart is damaged");
}
