/**
 * Firmware and kernel code gets hot after 200,000 jumps while the machine
 * boots and after 20,000 once it has run `bootInstructions` (core/jit/jit.ts
 * BOOT_INSNS): a disk read's per-page kernel code runs ~16,000 times per 64
 * MiB, so with the boot's threshold it stayed interpreted for a dozen
 * transfers (docs/speed.md, "io").
 */
import assert from "node:assert/strict";
import { Jit } from "../core/jit/jit.ts";
import * as E from "../core/encode.ts";
import { bareHart, u64 } from "./support/bare_hart.ts";

/** An M-mode loop of 40,960 passes; the regions translated and the share run translated. */
function machineModeLoop(bootInstructions: number) {
  const h = bareHart([
    E.lui(2, 10), // 0: 40,960 passes
    E.addi(1, 1, 1), // 4
    E.addi(2, 2, -1), // 8
    E.branch(1)(2, 0, -8), // 12 -> 4
    E.wfi(), // 16
  ]);
  const jit = new Jit(h, h.mem);
  jit.bootInstructions = bootInstructions;
  let translated = 0;
  jit.runRegion = (e, b) => {
    const k = jit.enter(e, b);
    translated += k;
    return k;
  };
  let done = 0;
  while (!h.waiting && done < 1_000_000) done += Math.max(1, jit.run(1000));
  assert.equal(u64(h, 1), 40_960n);
  return { regions: jit.stats.regions, share: translated / done };
}

Deno.test("jit threshold: M-mode code is not translated within 40,960 jumps while booting", () => {
  assert.equal(machineModeLoop(Infinity).regions, 0);
});

Deno.test("jit threshold: after the boot, M-mode code is translated after 20,000 jumps", () => {
  const { regions, share } = machineModeLoop(1_000);
  assert.ok(regions >= 1, "the loop was translated");
  assert.ok(share > 0.4 && share < 0.6, `${(share * 100).toFixed(1)} % ran translated`);
});
