import assert from "node:assert/strict";
import { buildDeviceTree, type MachineDescription } from "../board/devicetree.ts";

/** demu's standard machine (docs/devices.md, "The machine"). */
function machine(extra: Partial<MachineDescription> = {}): MachineDescription {
  return {
    ramBase: 0x80000000,
    ramSize: 256 * 1024 * 1024,
    isa: "rv64imafdc",
    mmuType: "riscv,sv48",
    timebaseFrequency: 10_000_000,
    clint: { base: 0x02000000, size: 0x10000 },
    plic: { base: 0x40100000, size: 0x400000, numSources: 31 },
    htif: { base: 0x40008000, size: 16 },
    virtio: [
      { base: 0x40010000, size: 0x1000, irq: 1 },
      { base: 0x40011000, size: 0x1000, irq: 2 },
    ],
    framebuffer: { base: 0x41000000, width: 800, height: 600, stride: 3200, format: "a8r8g8b8" },
    bootargs: "console=hvc0 root=/dev/vda rw",
    initrd: { start: 0x84000000, end: 0x84123456 },
    ...extra,
  };
}

/** Reads a DTB into "path:prop" → bytes (paths like /soc/plic@40100000). */
function readDtb(b: Uint8Array): Map<string, Uint8Array> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  assert.equal(v.getUint32(0), 0xd00dfeed);
  const offStruct = v.getUint32(8);
  const offStrings = v.getUint32(12);
  const str = (at: number) => {
    let end = at;
    while (b[end] !== 0) end++;
    return new TextDecoder().decode(b.subarray(at, end));
  };
  const out = new Map<string, Uint8Array>();
  const path: string[] = [];
  const here = () => "/" + path.slice(1).join("/");
  for (let p = offStruct;;) {
    const tok = v.getUint32(p);
    p += 4;
    if (tok === 1) {
      const name = str(p);
      p += (name.length + 4) & ~3;
      path.push(name);
      out.set(here(), new Uint8Array(0)); // the node itself
    } else if (tok === 3) {
      const len = v.getUint32(p);
      out.set(`${here()}:${str(offStrings + v.getUint32(p + 4))}`, b.slice(p + 8, p + 8 + len));
      p += 8 + ((len + 3) & ~3);
    } else if (tok === 2) path.pop();
    else if (tok === 9) return out;
    else throw new Error(`bad token ${tok}`);
  }
}

class Tree {
  constructor(readonly props: Map<string, Uint8Array>) {}
  raw(key: string): Uint8Array {
    const v = this.props.get(key);
    assert.ok(v, `missing ${key}`);
    return v;
  }
  cells(key: string): number[] {
    const b = this.raw(key);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return Array.from({ length: b.length / 4 }, (_, i) => v.getUint32(i * 4));
  }
  strings(key: string): string[] {
    const s = new TextDecoder().decode(this.raw(key));
    assert.ok(s.endsWith("\0"), `${key} is not NUL-terminated`);
    return s.slice(0, -1).split("\0");
  }
  string(key: string): string {
    const list = this.strings(key);
    assert.equal(list.length, 1, key);
    return list[0];
  }
  has(key: string): boolean {
    return this.props.has(key);
  }
  /** The path of the node holding `phandle = <ph>`. */
  byPhandle(ph: number): string {
    for (const [k] of this.props) {
      if (k.endsWith(":phandle") && this.cells(k)[0] === ph) return k.slice(0, -":phandle".length);
    }
    assert.fail(`no node with phandle ${ph}`);
  }
}

Deno.test("the tree holds every node and property OpenSBI and Linux read", () => {
  const t = new Tree(readDtb(buildDeviceTree(machine())));
  assert.deepEqual(t.cells("/:#address-cells"), [2]);
  assert.deepEqual(t.cells("/:#size-cells"), [2]);
  assert.ok(t.strings("/:compatible").includes("ucbbar,riscvemu-bar_dev"));
  assert.equal(t.string("/:model"), "demu-riscv64");

  // cpus
  assert.deepEqual(t.cells("/cpus:#address-cells"), [1]);
  assert.deepEqual(t.cells("/cpus:#size-cells"), [0]);
  assert.deepEqual(t.cells("/cpus:timebase-frequency"), [10_000_000]);
  const cpu = "/cpus/cpu@0";
  assert.equal(t.string(`${cpu}:device_type`), "cpu");
  assert.deepEqual(t.cells(`${cpu}:reg`), [0]);
  assert.equal(t.string(`${cpu}:status`), "okay");
  assert.equal(t.string(`${cpu}:compatible`), "riscv");
  assert.equal(t.string(`${cpu}:riscv,isa`), "rv64imafdc");
  assert.equal(t.string(`${cpu}:mmu-type`), "riscv,sv48");
  assert.ok(t.has(`${cpu}:clock-frequency`));
  const intcPath = `${cpu}/interrupt-controller`;
  assert.deepEqual(t.cells(`${intcPath}:#interrupt-cells`), [1]);
  assert.equal(t.string(`${intcPath}:compatible`), "riscv,cpu-intc");
  assert.equal(t.raw(`${intcPath}:interrupt-controller`).length, 0);
  const intc = t.cells(`${intcPath}:phandle`)[0];

  // memory
  assert.equal(t.string("/memory@80000000:device_type"), "memory");
  assert.deepEqual(t.cells("/memory@80000000:reg"), [0, 0x80000000, 0, 0x10000000]);

  // soc
  assert.deepEqual(t.strings("/soc:compatible"), ["simple-bus"]);
  assert.equal(t.raw("/soc:ranges").length, 0, "identity ranges");
  assert.deepEqual(t.cells("/soc:#address-cells"), [2]);
  assert.deepEqual(t.cells("/soc:#size-cells"), [2]);

  const clint = "/soc/clint@2000000";
  assert.deepEqual(t.strings(`${clint}:compatible`), ["sifive,clint0", "riscv,clint0"]);
  assert.deepEqual(t.cells(`${clint}:interrupts-extended`), [intc, 3, intc, 7]);
  assert.deepEqual(t.cells(`${clint}:reg`), [0, 0x02000000, 0, 0x10000]);

  const plicPath = "/soc/plic@40100000";
  assert.deepEqual(t.strings(`${plicPath}:compatible`), ["sifive,plic-1.0.0", "riscv,plic0"]);
  assert.deepEqual(t.cells(`${plicPath}:#interrupt-cells`), [1]);
  assert.deepEqual(t.cells(`${plicPath}:#address-cells`), [0]);
  assert.equal(t.raw(`${plicPath}:interrupt-controller`).length, 0);
  assert.deepEqual(t.cells(`${plicPath}:riscv,ndev`), [31]);
  assert.deepEqual(t.cells(`${plicPath}:interrupts-extended`), [intc, 11, intc, 9]);
  assert.deepEqual(t.cells(`${plicPath}:reg`), [0, 0x40100000, 0, 0x400000]);
  const plic = t.cells(`${plicPath}:phandle`)[0];
  assert.equal(t.byPhandle(intc), intcPath);
  assert.equal(t.byPhandle(plic), plicPath);

  for (const [i, base] of [0x40010000, 0x40011000].entries()) {
    const v = `/soc/virtio_mmio@${base.toString(16)}`;
    assert.equal(t.string(`${v}:compatible`), "virtio,mmio");
    assert.deepEqual(t.cells(`${v}:reg`), [0, base, 0, 0x1000]);
    assert.deepEqual(t.cells(`${v}:interrupt-parent`), [plic]);
    assert.deepEqual(t.cells(`${v}:interrupts`), [i + 1]);
  }

  // HTIF: reg[0] = fromhost (base + 8), reg[1] = tohost (base), as OpenSBI reads them.
  const htif = "/soc/htif@40008008";
  assert.equal(t.string(`${htif}:compatible`), "ucb,htif0");
  assert.deepEqual(t.cells(`${htif}:reg`), [0, 0x40008008, 0, 8, 0, 0x40008000, 0, 8]);

  const fb = "/soc/framebuffer@41000000";
  assert.equal(t.string(`${fb}:compatible`), "simple-framebuffer");
  assert.deepEqual(t.cells(`${fb}:reg`), [0, 0x41000000, 0, 3200 * 600]);
  assert.deepEqual(t.cells(`${fb}:width`), [800]);
  assert.deepEqual(t.cells(`${fb}:height`), [600]);
  assert.deepEqual(t.cells(`${fb}:stride`), [3200]);
  assert.equal(t.string(`${fb}:format`), "a8r8g8b8");

  assert.equal(t.string("/chosen:bootargs"), "console=hvc0 root=/dev/vda rw");
  assert.deepEqual(t.cells("/chosen:linux,initrd-start"), [0, 0x84000000]);
  assert.deepEqual(t.cells("/chosen:linux,initrd-end"), [0, 0x84123456]);
  assert.equal(t.string("/chosen:stdout-path"), htif);
});

Deno.test("optional parts are left out when absent", () => {
  const t = new Tree(readDtb(buildDeviceTree(machine({
    htif: undefined,
    framebuffer: undefined,
    initrd: undefined,
    virtio: [],
  }))));
  const keys = [...t.props.keys()];
  assert.ok(!keys.some((k) => /htif|framebuffer|virtio|initrd|stdout-path/.test(k)), keys.join());
  const s = new Tree(readDtb(buildDeviceTree(machine({ stdoutPath: "/soc/other" }))));
  assert.equal(s.string("/chosen:stdout-path"), "/soc/other");
});

Deno.test("bad descriptions are refused", () => {
  assert.throws(() => buildDeviceTree(machine({ isa: "RV64IMAFDC" })), /rv64/);
  assert.throws(() => buildDeviceTree(machine({ isa: "rv32imac" })), /rv64/);
  assert.throws(
    () => buildDeviceTree(machine({ virtio: [{ base: 0x40010000, size: 0x1000, irq: 40 }] })),
    /IRQ 40/,
  );
});

Deno.test("dtc decodes the tree without warnings", async () => {
  let child;
  try {
    child = new Deno.Command("dtc", {
      args: ["-I", "dtb", "-O", "dts", "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch {
    console.warn("dtc (device-tree-compiler) not installed: skipping the dtc decode check");
    return;
  }
  const w = child.stdin.getWriter();
  await w.write(buildDeviceTree(machine()));
  await w.close();
  const out = await child.output();
  const err = new TextDecoder().decode(out.stderr).trim();
  assert.ok(out.success, err);
  assert.equal(err, "", "dtc warnings");
  const dts = new TextDecoder().decode(out.stdout);
  for (
    const node of [
      "cpus {",
      "cpu@0 {",
      "interrupt-controller {",
      "memory@80000000 {",
      "soc {",
      "clint@2000000 {",
      "plic@40100000 {",
      "virtio_mmio@40010000 {",
      "htif@40008008 {",
      "framebuffer@41000000 {",
      "chosen {",
    ]
  ) assert.ok(dts.includes(node), `dtc output lacks ${node}`);
  assert.match(dts, /riscv,isa = "rv64imafdc";/);
  assert.match(dts, /stdout-path = "\/soc\/htif@40008008";/);
});
