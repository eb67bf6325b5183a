/**
 * A small WebAssembly binary writer: LEB128, the opcodes the translator uses,
 * and a module with one imported memory, imported helpers and local functions.
 * One pooled buffer is reused for every module (a fresh typed array per block
 * costs ~1 µs, docs/architecture.md).
 */

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
/** Block type with no result. */
export const VOID = 0x40;

/** The opcodes used, by their text-format names. */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  br_table: 0x0e,
  return: 0x0f,
  call: 0x10,
  return_call_indirect: 0x13,
  drop: 0x1a,
  select: 0x1b,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  global_get: 0x23,
  i32_load: 0x28,
  i64_load: 0x29,
  i64_load8_s: 0x30,
  i64_load8_u: 0x31,
  i64_load16_s: 0x32,
  i64_load16_u: 0x33,
  i64_load32_s: 0x34,
  i64_load32_u: 0x35,
  i32_store: 0x36,
  i64_store: 0x37,
  i64_store8: 0x3c,
  i64_store16: 0x3d,
  i64_store32: 0x3e,
  i32_const: 0x41,
  i64_const: 0x42,
  i32_eqz: 0x45,
  i32_eq: 0x46,
  i32_ne: 0x47,
  i32_lt_s: 0x48,
  i32_lt_u: 0x49,
  i32_gt_u: 0x4b,
  i32_le_u: 0x4d,
  i64_eqz: 0x50,
  i64_eq: 0x51,
  i64_ne: 0x52,
  i64_lt_s: 0x53,
  i64_lt_u: 0x54,
  i64_ge_s: 0x59,
  i64_ge_u: 0x5a,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_div_s: 0x6d,
  i32_div_u: 0x6e,
  i32_rem_s: 0x6f,
  i32_rem_u: 0x70,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_xor: 0x73,
  i32_shl: 0x74,
  i32_shr_s: 0x75,
  i32_shr_u: 0x76,
  i64_add: 0x7c,
  i64_sub: 0x7d,
  i64_mul: 0x7e,
  i64_div_s: 0x7f,
  i64_div_u: 0x80,
  i64_rem_s: 0x81,
  i64_rem_u: 0x82,
  i64_and: 0x83,
  i64_or: 0x84,
  i64_xor: 0x85,
  i64_shl: 0x86,
  i64_shr_s: 0x87,
  i64_shr_u: 0x88,
  i32_wrap_i64: 0xa7,
  i64_extend_i32_s: 0xac,
  i64_extend_i32_u: 0xad,
  // Floating point (core/jit/codegen_fp.ts).
  i32_load8_u: 0x2d,
  i32_load16_u: 0x2f,
  f32_load: 0x2a,
  f64_load: 0x2b,
  i32_store8: 0x3a,
  f32_store: 0x38,
  f64_store: 0x39,
  f32_const: 0x43,
  f64_const: 0x44,
  i32_gt_s: 0x4a,
  i64_gt_s: 0x55,
  i64_gt_u: 0x56,
  f32_eq: 0x5b,
  f32_lt: 0x5d,
  f32_gt: 0x5e,
  f32_le: 0x5f,
  f64_eq: 0x61,
  f64_ne: 0x62,
  f64_lt: 0x63,
  f64_gt: 0x64,
  f64_le: 0x65,
  f64_ge: 0x66,
  f32_abs: 0x8b,
  f32_neg: 0x8c,
  f32_sqrt: 0x91,
  f32_add: 0x92,
  f32_sub: 0x93,
  f32_mul: 0x94,
  f32_div: 0x95,
  f64_abs: 0x99,
  f64_neg: 0x9a,
  f64_ceil: 0x9b,
  f64_floor: 0x9c,
  f64_trunc: 0x9d,
  f64_nearest: 0x9e,
  f64_sqrt: 0x9f,
  f64_add: 0xa0,
  f64_sub: 0xa1,
  f64_mul: 0xa2,
  f64_div: 0xa3,
  i32_trunc_f64_s: 0xaa,
  i32_trunc_f64_u: 0xab,
  i64_trunc_f64_s: 0xb0,
  i64_trunc_f64_u: 0xb1,
  f32_convert_i32_s: 0xb2,
  f32_convert_i32_u: 0xb3,
  f32_convert_i64_s: 0xb4,
  f32_convert_i64_u: 0xb5,
  f32_demote_f64: 0xb6,
  f64_convert_i32_s: 0xb7,
  f64_convert_i32_u: 0xb8,
  f64_convert_i64_s: 0xb9,
  f64_convert_i64_u: 0xba,
  f64_promote_f32: 0xbb,
  i32_reinterpret_f32: 0xbc,
  i64_reinterpret_f64: 0xbd,
  f32_reinterpret_i32: 0xbe,
  f64_reinterpret_i64: 0xbf,
} as const;

const F64_SCRATCH = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64_SCRATCH.buffer);

/** A growable byte buffer with LEB128 writers. */
export class ByteWriter {
  buf = new Uint8Array(1 << 16);
  len = 0;

  reset(): void {
    this.len = 0;
  }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    if (this.len >= this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^32. */
  u32(v: number): void {
    v >>>= 0;
    do {
      const b = v & 0x7f;
      v >>>= 7;
      this.byte(v === 0 ? b : b | 0x80);
    } while (v !== 0);
  }

  /** Signed LEB128 of any integer a double holds exactly (i32 and i64 immediates). */
  sleb(v: number): void {
    if (v >= -0x80000000 && v <= 0x7fffffff) {
      v |= 0;
      for (;;) {
        const b = v & 0x7f;
        v >>= 7;
        if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
          this.byte(b);
          return;
        }
        this.byte(b | 0x80);
      }
    }
    for (;;) {
      const b = ((v % 128) + 128) % 128;
      v = (v - b) / 128;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }

  /** A double's 8 bytes, little-endian (f64.const's immediate). */
  f64(v: number): void {
    F64_SCRATCH[0] = v;
    this.bytes(F64_BYTES);
  }

  /** A string as a length-prefixed name (ASCII only). */
  name(s: string): void {
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }

  /** Reserves 5 bytes for a u32 written later (section and body sizes). */
  reserve(): number {
    const at = this.len;
    this.grow(5);
    this.len += 5;
    return at;
  }

  /** Fills a reserved slot with the byte count since the slot (padded LEB128). */
  patchSize(at: number): void {
    let v = this.len - at - 5;
    for (let i = 0; i < 5; i++) {
      this.buf[at + i] = (v & 0x7f) | (i < 4 ? 0x80 : 0);
      v >>>= 7;
    }
  }

  /** A copy of the written bytes (what WebAssembly.Module is given). */
  take(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.len);
  }
}

/** A function signature. */
export interface FuncType {
  params: number[];
  results: number[];
}

/** An imported function: module "h", field `name`. */
export interface ImportFunc {
  name: string;
  type: number;
}

/** A defined function: its signature index, extra local groups, body (without the final end). */
export interface FuncDef {
  type: number;
  locals: [count: number, type: number][];
  body: Uint8Array;
  export?: string;
  /** Its name in the name section: what V8's profiles (`--perf-prof`, `--cpu-prof`) show. */
  name?: string;
  /**
   * Branch hints: pairs of an `if` or `br_if`'s offset in `body` and 1
   * (likely taken) or 0 (unlikely), in increasing offset order.
   */
  hints?: number[];
}

/**
 * Writes a module: types, imports (functions from "h", the memory as
 * "m.mem", a funcref table as "m.tbl"), functions, exports and code.
 * Function indices: imports first, in order.
 */
export function writeModule(
  w: ByteWriter,
  types: FuncType[],
  imports: ImportFunc[],
  funcs: FuncDef[],
): Uint8Array<ArrayBuffer> {
  w.reset();
  w.bytes(HEADER);
  section(w, 1, () => {
    w.u32(types.length);
    for (const t of types) {
      w.byte(0x60);
      w.u32(t.params.length);
      for (const p of t.params) w.byte(p);
      w.u32(t.results.length);
      for (const r of t.results) w.byte(r);
    }
  });
  section(w, 2, () => {
    w.u32(imports.length + 2);
    for (const f of imports) {
      w.name("h");
      w.name(f.name);
      w.byte(0x00);
      w.u32(f.type);
    }
    w.name("m");
    w.name("mem");
    w.byte(0x02);
    w.byte(0x00); // no maximum: any size matches
    w.u32(1);
    w.name("m");
    w.name("tbl");
    w.byte(0x01);
    w.byte(0x70); // funcref
    w.byte(0x00);
    w.u32(0);
  });
  section(w, 3, () => {
    w.u32(funcs.length);
    for (const f of funcs) w.u32(f.type);
  });
  const exported = funcs.map((f, i) => ({ f, i })).filter((e) => e.f.export !== undefined);
  section(w, 7, () => {
    w.u32(exported.length);
    for (const { f, i } of exported) {
      w.name(f.export!);
      w.byte(0x00);
      w.u32(imports.length + i);
    }
  });
  branchHints(w, imports.length, funcs);
  section(w, 10, () => {
    w.u32(funcs.length);
    for (const f of funcs) {
      const at = w.reserve();
      writeLocals(w, f);
      w.bytes(f.body);
      w.byte(Op.end);
      w.patchSize(at);
    }
  });
  names(w, imports.length, funcs);
  return w.take();
}

/** The name section's function names (after the code section, where V8 reads it). */
function names(w: ByteWriter, base: number, funcs: FuncDef[]): void {
  const named = funcs.map((f, i) => ({ f, i })).filter((e) => e.f.name !== undefined);
  if (named.length === 0) return;
  section(w, 0, () => {
    w.name("name");
    w.byte(1); // function names
    const at = w.reserve();
    w.u32(named.length);
    for (const { f, i } of named) {
      w.u32(base + i);
      w.name(f.name!);
    }
    w.patchSize(at);
  });
}

/**
 * The branch-hinting proposal's custom section (before the code section, as
 * V8 reads it): V8 lays out an unlikely arm out of line as deferred code, and
 * its register allocator puts spills and reloads for calls made there (a TLB
 * miss's helper, a region's exits) in that arm instead of on the hot path.
 * Offsets count from the start of the function body (its local declarations).
 */
function branchHints(w: ByteWriter, base: number, funcs: FuncDef[]): void {
  const hinted = funcs.map((f, i) => ({ f, i })).filter((e) => (e.f.hints?.length ?? 0) > 0);
  if (hinted.length === 0) return;
  section(w, 0, () => {
    w.name("metadata.code.branch_hint");
    w.u32(hinted.length);
    for (const { f, i } of hinted) {
      LOCALS_SCRATCH.reset();
      writeLocals(LOCALS_SCRATCH, f);
      const locals = LOCALS_SCRATCH.len;
      const hints = f.hints!;
      w.u32(base + i);
      w.u32(hints.length / 2);
      for (let k = 0; k < hints.length; k += 2) {
        w.u32(locals + hints[k]);
        w.u32(1);
        w.byte(hints[k + 1]);
      }
    }
  });
}

/** Where branchHints measures a body's local declarations. */
const LOCALS_SCRATCH = new ByteWriter();

/** A function body's local declarations, as the code section writes them first. */
function writeLocals(w: ByteWriter, f: FuncDef): void {
  w.u32(f.locals.length);
  for (const [n, t] of f.locals) {
    w.u32(n);
    w.byte(t);
  }
}

const HEADER = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

function section(w: ByteWriter, id: number, body: () => void): void {
  w.byte(id);
  const at = w.reserve();
  body();
  w.patchSize(at);
}
