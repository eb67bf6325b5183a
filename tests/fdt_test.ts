import assert from "node:assert/strict";
import { Fdt, u64Cells } from "../board/fdt.ts";

function sampleTree(): Fdt {
  const fdt = new Fdt();
  fdt.bootCpuidPhys = 3;
  const root = fdt.root.setU32("#address-cells", 2).setU32("#size-cells", 2);
  root.setStrings("compatible", ["acme,board", "simple"]).setString("model", "x");
  const intc = root.addChild("intc");
  const ph = fdt.allocPhandle();
  intc.setEmpty("interrupt-controller").setPhandle(ph).setU32("#interrupt-cells", 1)
    .setU32("#address-cells", 0);
  const dev = root.addChild("dev@10000000");
  dev.setCells("reg", [...u64Cells(0x10000000), ...u64Cells(0x1000)]);
  dev.setCells("interrupts-extended", [ph, 7]).setU64("big", 0x123456789abcdefn);
  dev.setBytes("raw", new Uint8Array([1, 2, 3])).setString("model", "y"); // "model" shared
  return fdt;
}

interface Decoded {
  header: number[];
  nodes: string[];
  props: Map<string, Uint8Array>;
}

/** A minimal reader for the round trip: full paths of nodes and props. */
function decode(b: Uint8Array): Decoded {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const header = Array.from({ length: 10 }, (_, i) => v.getUint32(i * 4));
  const [, , offStruct, offStrings] = header;
  const str = (at: number) => {
    let end = at;
    while (b[end] !== 0) end++;
    return new TextDecoder().decode(b.subarray(at, end));
  };
  const nodes: string[] = [];
  const props = new Map<string, Uint8Array>();
  const path: string[] = [];
  let p = offStruct;
  for (;;) {
    const tok = v.getUint32(p);
    p += 4;
    if (tok === 1) {
      const name = str(p);
      p += (name.length + 4) & ~3;
      path.push(name);
      nodes.push(path.join("/") || "/");
    } else if (tok === 3) {
      const len = v.getUint32(p);
      const name = str(offStrings + v.getUint32(p + 4));
      props.set(`${path.join("/") || "/"}:${name}`, b.slice(p + 8, p + 8 + len));
      p += 8 + ((len + 3) & ~3);
    } else if (tok === 2) path.pop();
    else if (tok === 9) break;
    else throw new Error(`bad token ${tok} at ${p - 4}`);
  }
  return { header, nodes, props };
}

Deno.test("header fields, alignment and string deduplication", () => {
  const b = sampleTree().toBytes();
  const { header, nodes, props } = decode(b);
  const [
    magic,
    total,
    offStruct,
    offStrings,
    offRsv,
    version,
    lastComp,
    boot,
    sizeStr,
    sizeStruct,
  ] = header;
  assert.equal(magic, 0xd00dfeed);
  assert.equal(total, b.length);
  assert.equal(offRsv % 8, 0);
  assert.equal(offStruct % 4, 0);
  assert.deepEqual(b.subarray(offRsv, offRsv + 16), new Uint8Array(16), "empty reservation map");
  assert.equal(offStruct + sizeStruct, offStrings);
  assert.equal(offStrings + sizeStr, total);
  assert.equal(version, 17);
  assert.equal(lastComp, 16);
  assert.equal(boot, 3);
  const strings = new TextDecoder().decode(b.subarray(offStrings, total)).split("\0");
  assert.equal(strings.filter((s) => s === "model").length, 1, "names stored once");
  assert.deepEqual(nodes, ["/", "/intc", "/dev@10000000"]);
  assert.deepEqual([...props.get("/dev@10000000:big")!], [
    0x01,
    0x23,
    0x45,
    0x67,
    0x89,
    0xab,
    0xcd,
    0xef,
  ]);
  assert.deepEqual([...props.get("/dev@10000000:raw")!], [1, 2, 3]);
  assert.equal(props.get("/intc:interrupt-controller")!.length, 0);
  assert.equal(new TextDecoder().decode(props.get("/:compatible")), "acme,board\0simple\0");
});

Deno.test("cells outside 32 bits are rejected", () => {
  const fdt = new Fdt();
  assert.throws(() => fdt.root.setCells("x", [2 ** 32]), /not a 32-bit integer/);
  assert.throws(() => fdt.root.setCells("x", [1.5]), /not a 32-bit integer/);
});

/** Decodes a DTB to source text with dtc (which must not warn), or undefined without dtc. */
async function dtcDecode(dtb: Uint8Array): Promise<string | undefined> {
  let child;
  try {
    child = new Deno.Command("dtc", {
      args: ["-I", "dtb", "-O", "dts", "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch {
    return undefined;
  }
  const w = child.stdin.getWriter();
  await w.write(dtb);
  await w.close();
  const out = await child.output();
  const err = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `dtc failed: ${err}`);
  assert.equal(err.trim(), "", `dtc warnings: ${err}`);
  return new TextDecoder().decode(out.stdout);
}

Deno.test("dtc decodes the tree", async () => {
  const dts = await dtcDecode(sampleTree().toBytes());
  if (dts === undefined) {
    console.warn("dtc (device-tree-compiler) not installed: skipping the dtc decode check");
    return;
  }
  assert.match(dts, /compatible = "acme,board\\0simple";/);
  assert.match(dts, /reg = <0x00 0x10000000 0x00 0x1000>;/);
  assert.match(dts, /interrupts-extended = <0x01 0x07>;/);
  assert.match(dts, /big = <0x1234567 0x89abcdef>;/);
  assert.match(dts, /raw = \[01 02 03\];/);
  assert.match(dts, /interrupt-controller;/);
  assert.match(dts, /phandle = <0x01>;/);
});
