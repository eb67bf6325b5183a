/**
 * Translated code's slow-path loads and stores, first through the TLB slot's
 * second way (core/mmu.ts `Tlb`): two hot data pages 4 MiB apart share a TLB
 * slot, and with one way each access to one evicted the other, a call into JS
 * per access. These two functions live in one small module compiled
 * once per translator; every region module imports them in place of the JS
 * helpers, so a region's code is as long as before (an inline check of the
 * second way made modules ~12 % larger, which the code cache bound and the
 * compile time pay for). A miss in both ways calls the JS helper as before.
 *
 *   ld2(lo, hi, f3, ti) -> trap: like the JS `ld` (value to the scratch slot)
 *   st2(lo, hi, f3, ti) -> status: like the JS `st` (value from the scratch slot)
 *
 * `ti` is the first way's record address the region's check computed.
 */
import { JIT_SCRATCH_OFFSET } from "../state.ts";
import { ACCESS_LOAD, ACCESS_STORE } from "../trap.ts";
import { tlbOtherEntryOffset } from "../mmu.ts";
import { ByteWriter, type FuncDef, I32, Op, writeModule } from "./wasm.ts";
import { LOAD_OPS, STORE_OPS } from "./codegen.ts";

/** The JS helpers the second way falls back to: (lo, hi, f3) -> i32, and the store log. */
export interface SlowHelpers {
  ld: (lo: number, hi: number, f3: number) => number;
  st: (lo: number, hi: number, f3: number) => number;
  log: (off: number, size: number) => void;
}

export type WayHelper = (lo: number, hi: number, f3: number, ti: number) => number;

const T_HELPER = 0, T_LOG = 1, T_WAY = 2;
const TYPES = [
  { params: [I32, I32, I32], results: [I32] },
  { params: [I32, I32], results: [] },
  { params: [I32, I32, I32, I32], results: [I32] },
];
const IMPORTS = [
  { name: "ld", type: T_HELPER },
  { name: "st", type: T_HELPER },
  { name: "log", type: T_LOG },
];
const FN_LD = 0, FN_ST = 1, FN_LOG = 2;
// Parameters and locals of both functions.
const P_LO = 0, P_HI = 1, P_F3 = 2, P_TI = 3, L_OFF = 4, L_SIZE = 5;

/**
 * Compiles the two helpers over `memory`; with `logStores` (the lockstep
 * checker) st2 reports each store's offset and size to `log` first.
 */
export function secondWayHelpers(
  memory: WebAssembly.Memory,
  table: WebAssembly.Table,
  js: SlowHelpers,
  logStores: boolean,
): { ld2: WayHelper; st2: WayHelper } {
  const instance = new WebAssembly.Instance(helperModule(logStores), {
    h: { ld: js.ld, st: js.st, log: js.log },
    m: { mem: memory, tbl: table },
  });
  return {
    ld2: instance.exports.ld2 as WayHelper,
    st2: instance.exports.st2 as WayHelper,
  };
}

/** The module, compiled once a process for each form (machines share it; ~5 ms a compile). */
const modules = new Map<boolean, WebAssembly.Module>();

function helperModule(logStores: boolean): WebAssembly.Module {
  let module = modules.get(logStores);
  if (module === undefined) {
    const funcs: FuncDef[] = [
      { type: T_WAY, locals: [[2, I32]], body: body(false, logStores), export: "ld2" },
      { type: T_WAY, locals: [[2, I32]], body: body(true, logStores), export: "st2" },
    ];
    module = new WebAssembly.Module(writeModule(new ByteWriter(), TYPES, IMPORTS, funcs));
    modules.set(logStores, module);
  }
  return module;
}

function body(store: boolean, logStores: boolean): Uint8Array {
  const w = new ByteWriter();
  const op = (...o: number[]) => o.forEach((b) => w.byte(b));
  const get = (i: number) => (op(Op.local_get), w.u32(i));
  const set = (i: number) => (op(Op.local_set), w.u32(i));
  const i32 = (v: number) => (op(Op.i32_const), w.sleb(v));
  const i64 = (v: number) => (op(Op.i64_const), w.sleb(v));
  const mem = (o: number, align: number, offset: number) => (op(o), w.u32(align), w.u32(offset));
  const other = tlbOtherEntryOffset(store ? ACCESS_STORE : ACCESS_LOAD);
  // size = 1 << (f3 & 3)
  i32(1), get(P_F3), i32(3), op(Op.i32_and, Op.i32_shl), set(L_SIZE);
  // The second way's tag against the address masked with ~4095 | (size - 1), as the region's check.
  get(P_TI), mem(Op.i64_load, 3, other);
  get(P_LO), op(Op.i64_extend_i32_u), get(P_HI), op(Op.i64_extend_i32_u), i64(32);
  op(Op.i64_shl, Op.i64_or);
  i64(-4096), get(L_SIZE), i32(1), op(Op.i32_sub, Op.i64_extend_i32_u, Op.i64_or, Op.i64_and);
  op(Op.i64_eq, Op.if, 0x40);
  get(P_LO), get(P_TI), mem(Op.i32_load, 2, other + 8), op(Op.i32_add), set(L_OFF);
  if (store) {
    if (logStores) get(L_OFF), get(L_SIZE), op(Op.call), w.u32(FN_LOG);
    // By size, the value from the scratch slot.
    for (let f3 = 0; f3 < 3; f3++) {
      get(P_F3), i32(f3), op(Op.i32_eq, Op.if, 0x40);
      get(L_OFF), i32(0), mem(Op.i64_load, 3, JIT_SCRATCH_OFFSET), mem(STORE_OPS[f3], f3, 0);
      i32(0), op(Op.return, Op.end);
    }
    get(L_OFF), i32(0), mem(Op.i64_load, 3, JIT_SCRATCH_OFFSET), mem(STORE_OPS[3], 3, 0);
    i32(0), op(Op.return, Op.end);
    get(P_LO), get(P_HI), get(P_F3), op(Op.call), w.u32(FN_ST);
    return w.take();
  }
  // By f3, the value sign- or zero-extended to the scratch slot.
  for (let f3 = 0; f3 < 7; f3++) {
    get(P_F3), i32(f3), op(Op.i32_eq, Op.if, 0x40);
    i32(0), get(L_OFF), mem(LOAD_OPS[f3], f3 & 3, 0), mem(Op.i64_store, 3, JIT_SCRATCH_OFFSET);
    i32(0), op(Op.return, Op.end);
  }
  op(Op.end);
  get(P_LO), get(P_HI), get(P_F3), op(Op.call), w.u32(FN_LD);
  return w.take();
}
