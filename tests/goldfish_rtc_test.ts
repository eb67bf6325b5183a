import assert from "node:assert/strict";
import { GoldfishRtc } from "../devices/goldfish_rtc.ts";

function setup(startNs: bigint) {
  let elapsed = 0n;
  const irq = {
    level: false,
    set(l: boolean) {
      this.level = l;
    },
  };
  const rtc = new GoldfishRtc({ irq, elapsedNs: () => elapsed, startNs });
  const time = () => {
    const lo = rtc.read(0, 4);
    return (BigInt(rtc.read(4, 4)) << 32n) | BigInt(lo);
  };
  return { rtc, irq, time, advance: (ns: bigint) => (elapsed += ns) };
}

Deno.test("rtc: reads the start time plus elapsed time, low half first latching the high half", () => {
  const start = 1_735_689_600_123_456_789n;
  const { time, advance } = setup(start);
  assert.equal(time(), start);
  advance(5_000_000_000n);
  assert.equal(time(), start + 5_000_000_000n);
});

Deno.test("rtc: the guest sets the time (high half first), and it keeps running from there", () => {
  const { rtc, time, advance } = setup(1_000n);
  const want = 0x1234_5678_9abc_def0n;
  rtc.write(4, 4, Number(want >> 32n));
  rtc.write(0, 4, Number(want & 0xffff_ffffn));
  assert.equal(time(), want);
  advance(10n);
  assert.equal(time(), want + 10n);
});

Deno.test("rtc: the alarm fires once its time comes, and the interrupt clears", () => {
  const { rtc, irq, advance } = setup(0n);
  rtc.write(0x10, 4, 1);
  rtc.write(0x0c, 4, 0);
  rtc.write(0x08, 4, 1000);
  assert.equal(rtc.read(0x18, 4), 1);
  rtc.update();
  assert.equal(irq.level, false);
  advance(1000n);
  rtc.update();
  assert.equal(irq.level, true);
  assert.equal(rtc.read(0x18, 4), 0);
  rtc.write(0x1c, 4, 1);
  assert.equal(irq.level, false);
});
