import assert from "node:assert/strict";
import { openNet } from "../backends/net/card.ts";

const macOf = (dev: { configRead(offset: number, size: 1 | 2 | 4): number }) =>
  Array.from({ length: 6 }, (_, i) => dev.configRead(i, 1).toString(16).padStart(2, "0")).join(":");

Deno.test("net: a config's mac key sets the card's MAC; ,mac= on the driver wins", async () => {
  const fromKey = openNet({ driver: "user", mac: "02:00:00:00:00:07" }, 0, {});
  const fromDriver = openNet(
    { driver: "user,mac=02:00:00:00:00:09", mac: "02:00:00:00:00:07" },
    1,
    {},
  );
  const byIndex = openNet({ driver: "user" }, 2, {});
  try {
    assert.equal(macOf(fromKey), "02:00:00:00:00:07");
    assert.equal(macOf(fromDriver), "02:00:00:00:00:09");
    assert.equal(macOf(byIndex), "02:00:00:00:00:03");
    assert.throws(() => openNet({ driver: "user", mac: "zz" }, 0, {}), /bad MAC address 'zz'/);
  } finally {
    for (const d of [fromKey, fromDriver, byIndex]) await d.close?.();
  }
});
