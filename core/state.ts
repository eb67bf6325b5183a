/**
 * The hart's architectural state lives in one WebAssembly.Memory, so that code
 * translated to WebAssembly later can reach it directly (docs/architecture.md). Each
 * region is seen through several typed arrays: BigInt views for 64-bit
 * arithmetic, Int32 halves for addresses, shifts and W ops.
 */

/** Byte offsets of the state regions inside the shared memory. */
export const XREG_OFFSET = 0; // 32 × int64 integer registers
export const FREG_OFFSET = 256; // 32 × 64-bit FP registers (raw bits)
/** Translated code's exit record: next pc (i64), instructions retired (i32), helper scratch (i64). */
export const JIT_PC_OFFSET = 512;
export const JIT_RETIRED_OFFSET = 520;
export const JIT_SCRATCH_OFFSET = 528;
/**
 * fflags (byte 536) and frm (byte 537) live in the shared memory so translated
 * code reads and accrues them (one 16-bit load gives both, core/jit/codegen_fp.ts).
 */
export const FFLAGS_OFFSET = 536;
export const FRM_OFFSET = 537;
/** Set on each entry to translated code: mstatus.FS as it needs it (core/jit/codegen_fp.ts). */
export const JIT_FP_READY_OFFSET = 540;
/**
 * The LR reservation while translated code runs (int32 buffer offset, -1 for
 * none): Hart.reservation, copied in on each entry and back on exit.
 */
export const JIT_RESERVATION_OFFSET = 544;
/**
 * Where the interpreter's wasm tier (core/wasm_interp.ts) leaves the next pc
 * (i64), the instructions it retired (i32) and the LR reservation after a call.
 */
export const WASM_INTERP_PC_OFFSET = 552;
export const WASM_INTERP_RETIRED_OFFSET = 560;
export const WASM_INTERP_RESERVATION_OFFSET = 564;
/**
 * The data and fetch TLB sets' buffer offsets (int32 each) as a SYSTEM
 * instruction in translated code left them: a CSR write (mstatus.SUM) or an
 * xRET may switch sets and the region goes on with them (core/jit/system.ts).
 */
export const JIT_TLB_OFFSET = 568;
/**
 * The CSRs a kernel touches on every trap and around every interrupt mask,
 * kept here so the interpreter's wasm tier (core/wasm_interp.ts) reads and
 * writes them itself: mstatus (its low 32 bits, the rest is fixed), then
 * sscratch, sepc, scause and stval (int64 each, in CSR number order).
 */
export const CSR_MSTATUS_OFFSET = 576;
export const CSR_SSCRATCH_OFFSET = 584;
export const STATE_BYTES = 4096; // room for hot CSRs and future TLB arrays
/** Guest RAM starts at this offset in the shared memory. */
export const RAM_OFFSET = 65536;

export class HartState {
  readonly memory: WebAssembly.Memory;
  /** Integer registers: x[i] as int64. x[0] is kept at 0. */
  readonly x: BigInt64Array;
  /** Integer registers as int32 halves: low word at 2i, high word at 2i+1. */
  readonly x32: Int32Array;
  /** FP registers as raw 64-bit patterns. */
  readonly f: BigInt64Array;
  /** FP registers as doubles. */
  readonly f64: Float64Array;
  /** FP registers as int32 halves: low at 2i, high at 2i+1 (NaN boxing lives in the high half). */
  readonly f32bits: Int32Array;
  /** FP registers as floats: the single in register i is f32[2i]. */
  readonly f32: Float32Array;
  /** fflags and frm, in the shared memory. */
  private readonly fcsr: Uint8Array;
  /** mstatus's low 32 bits (CSR_MSTATUS_OFFSET). */
  readonly status: Int32Array;
  /** sscratch, sepc, scause, stval (CSR_SSCRATCH_OFFSET). */
  readonly supervisor: BigInt64Array;

  /** Accrued FP exception flags (NX=1, UF=2, OF=4, DZ=8, NV=16). */
  get fflags(): number {
    return this.fcsr[0];
  }
  set fflags(v: number) {
    this.fcsr[0] = v;
  }
  /** Dynamic rounding mode (0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM). */
  get frm(): number {
    return this.fcsr[1];
  }
  set frm(v: number) {
    this.fcsr[1] = v;
  }

  constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
    const buf = memory.buffer;
    this.x = new BigInt64Array(buf, XREG_OFFSET, 32);
    this.x32 = new Int32Array(buf, XREG_OFFSET, 64);
    this.f = new BigInt64Array(buf, FREG_OFFSET, 32);
    this.f64 = new Float64Array(buf, FREG_OFFSET, 32);
    this.f32bits = new Int32Array(buf, FREG_OFFSET, 64);
    this.f32 = new Float32Array(buf, FREG_OFFSET, 64);
    this.fcsr = new Uint8Array(buf, FFLAGS_OFFSET, 2);
    this.status = new Int32Array(buf, CSR_MSTATUS_OFFSET, 1);
    this.supervisor = new BigInt64Array(buf, CSR_SSCRATCH_OFFSET, 4);
  }
}

/** FP exception flag bits of fflags. */
export const FFLAG_NX = 1;
export const FFLAG_UF = 2;
export const FFLAG_OF = 4;
export const FFLAG_DZ = 8;
export const FFLAG_NV = 16;
