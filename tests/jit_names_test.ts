/**
 * Translated regions carry names (core/jit/wasm.ts `names`, core/jit/jit.ts
 * `compileFns`): the page's virtual address, which V8's profiles
 * (`--perf-prof`, `--cpu-prof`) show instead of `wasm-function[6]`, so a
 * profile of a guest says whose code the time went to.
 */
import assert from "node:assert/strict";
import { Jit } from "../core/jit/jit.ts";
import { RAM_BASE } from "../core/memory.ts";
import * as E from "../core/encode.ts";
import { bareHart } from "./support/bare_hart.ts";

/** The function names of a module's name section, by function index. */
function functionNames(m: WebAssembly.Module): Map<number, string> {
  const out = new Map<number, string>();
  for (const section of WebAssembly.Module.customSections(m, "name")) {
    const b = new Uint8Array(section);
    let at = 0;
    const u32 = () => {
      let v = 0, shift = 0, byte;
      do {
        byte = b[at++];
        v |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      return v >>> 0;
    };
    while (at < b.length) {
      const id = b[at++], size = u32(), end = at + size;
      if (id === 1) {
        for (let n = u32(); n > 0; n--) {
          const index = u32(), len = u32();
          out.set(index, new TextDecoder().decode(b.subarray(at, at + len)));
          at += len;
        }
      }
      at = end;
    }
  }
  return out;
}

Deno.test("jit names: a region's function is named after its page's virtual address", () => {
  const h = bareHart([], 1 << 20);
  const put = (pa: number, words: number[]) =>
    words.forEach((w, i) => h.mem.view.setUint32(pa - RAM_BASE + i * 4, w, true));
  put(RAM_BASE, [E.jal(0, 0x1000)]);
  put(RAM_BASE + 0x1000, [E.addi(5, 0, 100), E.addi(5, 5, -1), E.branch(1)(5, 0, -4), E.wfi()]);
  const modules: WebAssembly.Module[] = [];
  const Module = WebAssembly.Module;
  const spy = function (bytes: BufferSource) {
    const m = new Module(bytes);
    modules.push(m);
    return m;
  } as unknown as typeof WebAssembly.Module;
  Object.assign(spy, { customSections: Module.customSections });
  WebAssembly.Module = spy;
  try {
    const jit = new Jit(h, h.mem);
    jit.setHotThreshold(0);
    for (let n = 0; n < 10_000 && !h.waiting;) n += Math.max(1, jit.run(1000));
  } finally {
    WebAssembly.Module = Module;
  }
  assert.ok(h.waiting, "the loop ended");
  const names = modules.flatMap((m) => [...functionNames(m).values()]);
  assert.ok(
    names.includes(`p${(RAM_BASE + 0x1000).toString(16)}`),
    `names: ${names.join(", ")}`,
  );
});
