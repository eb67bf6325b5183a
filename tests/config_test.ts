import assert from "node:assert/strict";
import { ConfigError, interpretConfig, parseConfigText } from "../board/config.ts";
import { PhysicalMemory } from "../core/memory.ts";

/** TinyEMU's own example style: comments, unquoted keys, trailing commas. */
const TINYEMU_CONFIG = `/* VM configuration file */
{
    version: 1,
    machine: "riscv64",
    memory_size: 256, // MiB
    bios: "bbl64.bin",
    kernel: "kernel-riscv64.bin",
    cmdline: "console=hvc0 root=/dev/vda rw TZ=\${TZ}",
    drive0: { file: "root-riscv64.bin" },
    fs0: { file: "/tmp/share" },
    fs1: { file: "https://vfsync.org/u/os/buildroot-riscv64", tag: "web" },
    eth0: { driver: "user" },
}
`;

function expectConfigError(f: () => unknown, re: RegExp): ConfigError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${caught}`);
  assert.match(caught.message, re);
  return caught;
}

Deno.test("relaxed JSON: comments, unquoted keys, trailing commas, hex, escapes", () => {
  const v = parseConfigText(`// leading comment
  { a: 1, "b c": [1, 2, 3,], /* inline */ hex: 0x1F, neg: -0x10, f: 1.5e3,
    s: "q\\"\\\\\\n\\u0041", t: true, n: null, nested: { x: false, }, }`);
  assert.deepEqual(v, {
    a: 1,
    "b c": [1, 2, 3],
    hex: 31,
    neg: -16,
    f: 1500,
    s: 'q"\\\nA',
    t: true,
    n: null,
    nested: { x: false },
  });
});

Deno.test("syntax errors name the line and column", () => {
  const e = expectConfigError(
    () => parseConfigText('{\n  version: 1,\n  machine: "riscv64"\n  memory_size: 128\n}'),
    /^config line 4, column 3: expected ',' or '}'$/,
  );
  assert.equal(e.line, 4);
  assert.equal(e.column, 3);
  expectConfigError(() => parseConfigText('{ a: "x\n" }'), /line 1, column 6: unterminated string/);
  expectConfigError(() => parseConfigText("{ a: 1 /* never closed"), /unterminated \/\* comment/);
  expectConfigError(() => parseConfigText("{ a: riscv64 }"), /strings need double quotes/);
  expectConfigError(() => parseConfigText("{ a: 1, a: 2 }"), /line 1, column 9: duplicate key 'a'/);
  expectConfigError(() => parseConfigText("{ a: 1 } x"), /unexpected text after/);
  expectConfigError(() => parseConfigText("[1]"), /must be an object/);
  expectConfigError(() => parseConfigText("{ a: 12abc }"), /bad number/);
  expectConfigError(() => parseConfigText("{ a: "), /unexpected end of file/);
  expectConfigError(() => parseConfigText('{ a: "\\q" }'), /bad escape/);
});

Deno.test("TinyEMU's example config: paths, defaults and devices", () => {
  const c = interpretConfig(parseConfigText(TINYEMU_CONFIG), {
    baseDir: "/vm/images/",
    utcOffsetMinutes: 60,
  });
  assert.equal(c.memoryMiB, 256);
  assert.equal(c.bios, "/vm/images/bbl64.bin");
  assert.equal(c.kernel, "/vm/images/kernel-riscv64.bin");
  assert.equal(c.initrd, undefined);
  assert.equal(c.cmdline, "console=hvc0 root=/dev/vda rw TZ=UTC-01:00");
  assert.deepEqual(c.drives, [{
    file: "/vm/images/root-riscv64.bin",
    device: undefined,
    mode: undefined,
  }]);
  assert.deepEqual(c.fs, [
    { file: "/tmp/share", tag: "/dev/root" },
    { file: "https://vfsync.org/u/os/buildroot-riscv64", tag: "web" },
  ]);
  assert.deepEqual(c.eth, [{ driver: "user", ifname: undefined }]);
  assert.equal(c.rtcLocalTime, false);
});

Deno.test("display, input, accel and rtc_local_time are read", () => {
  const obj = parseConfigText(`{ version: 1, machine: "riscv64", memory_size: 64,
    drive0: { file: "a.img", device: "virtio", mode: "snapshot" },
    display0: { device: "simplefb", width: 800, height: 600 },
    input_device: "virtio", accel: "auto", rtc_local_time: true }`);
  const c = interpretConfig(obj);
  assert.deepEqual(c.drives, [{ file: "a.img", device: "virtio", mode: "snapshot" }]);
  assert.deepEqual(c.display, { device: "simplefb", width: 800, height: 600, vgaBios: undefined });
  assert.equal(c.inputDevice, "virtio");
  assert.equal(c.accel, "auto");
  assert.equal(c.rtcLocalTime, true);
});

Deno.test("bad values and unknown keys name the key and its line", () => {
  const base = 'version: 1, machine: "riscv64", memory_size: 128';
  const bad = (body: string) => () => interpretConfig(parseConfigText(`{ ${body} }`));
  expectConfigError(
    () => interpretConfig(parseConfigText(`{\n ${base},\n  frobnicate: 1\n}`)),
    /^config line 3: unknown key 'frobnicate'$/,
  );
  expectConfigError(
    bad(`${base}, drive0: { file: "x", colour: 1 }`),
    /unknown key 'drive0.colour'/,
  );
  expectConfigError(bad(`${base}, drive0: { device: "virtio" }`), /missing 'drive0.file'/);
  expectConfigError(bad(`${base}, drive1: { file: "x" }`), /'drive1' follows a gap/);
  expectConfigError(bad(`${base}, drive0: "x.img"`), /'drive0' must be an object/);
  expectConfigError(bad(`${base}, drive0: { file: "x", device: "ide" }`), /drive device 'ide'/);
  expectConfigError(bad(`${base}, eth0: { driver: "tap" }`), /missing 'eth0.ifname'/);
  expectConfigError(
    bad(`${base}, display0: { device: "simplefb", width: 800 }`),
    /missing 'display0.height'/,
  );
  expectConfigError(
    bad(`${base}, display0: { device: "vga", width: 800, height: 600 }`),
    /display0 device 'vga' is unknown \(only 'simplefb'\)/,
  );
  expectConfigError(
    bad(`${base}, display0: { device: "simplefb", width: 800, height: 0 }`),
    /display0.height must be 1..4096, not 0/,
  );
  expectConfigError(bad(`${base}, input_device: "ps2"`), /input_device 'ps2' is unknown/);
  expectConfigError(bad(`${base}, accel: "kvm"`), /unsupported 'accel' value 'kvm'/);
  expectConfigError(bad(`${base}, rtc_local_time: 1`), /must be true or false/);
  expectConfigError(bad(`${base}, kernel: 5`), /'kernel' must be a string/);
  expectConfigError(bad('machine: "riscv64", memory_size: 128'), /missing 'version'/);
  expectConfigError(
    bad('version: 2, machine: "riscv64", memory_size: 128'),
    /version 2 is not supported/,
  );
  expectConfigError(bad("version: 1, memory_size: 128"), /missing 'machine'/);
  expectConfigError(
    bad('version: 1, machine: "riscv32", memory_size: 128'),
    /'riscv32' is not supported/,
  );
  expectConfigError(
    bad('version: 1, machine: "riscv128", memory_size: 128'),
    /'riscv128' is not supported/,
  );
  expectConfigError(
    bad('version: 1, machine: "riscv", memory_size: 128'),
    /unknown machine name 'riscv'/,
  );
  expectConfigError(bad('version: 1, machine: "riscv64"'), /missing 'memory_size'/);
});

Deno.test("memory_size must be a whole number of MiB from 1 to 2045", () => {
  const mem = (v: string) => () =>
    interpretConfig(parseConfigText(`{ version: 1, machine: "riscv64", memory_size: ${v} }`));
  for (const v of ["0", "-1", "4096", "2049", "2047", "2046"]) {
    expectConfigError(mem(v), new RegExp(`memory_size must be 1\\.\\.2045 \\(MiB\\), not ${v}$`));
  }
  expectConfigError(mem("1.5"), /'memory_size' must be an integer/);
  expectConfigError(mem('"128"'), /'memory_size' must be an integer/);
  // 2045 MiB and the machine's tables fit in the one buffer below 2 GiB (core/memory.ts).
  const most = interpretConfig(
    parseConfigText(`{ version: 1, machine: "riscv64", memory_size: 2045 }`),
  );
  assert.equal(most.memoryMiB, 2045);
  assert.equal(new PhysicalMemory(most.memoryMiB * 2 ** 20).size, 2045 * 2 ** 20);
  // A screen takes room from RAM: a 4096x4096 one is 64 MiB.
  const screen = (m: number) => () =>
    interpretConfig(parseConfigText(
      `{ version: 1, machine: "riscv64", memory_size: ${m}, ` +
        `display0: { device: "simplefb", width: 4096, height: 4096 } }`,
    ));
  expectConfigError(
    screen(2000),
    /line 1: memory_size 2000 \(MiB\) and a 4096x4096 display0 do not fit below 2 GiB: at most 1981 MiB with this screen$/,
  );
  assert.equal(screen(1981)().memoryMiB, 1981);
  assert.equal(
    interpretConfig(parseConfigText(`{ version: 1, machine: "riscv64", memory_size: 0x80 }`))
      .memoryMiB,
    128,
  );
});

Deno.test("relative paths resolve against baseDir; absolute paths and URLs stay", () => {
  const c = interpretConfig(
    parseConfigText(`{ version: 1, machine: "riscv64", memory_size: 64,
      bios: "fw/fw_jump.bin", kernel: "/boot/Image", initrd: "http://example.org/initrd",
      display0: { device: "simplefb", width: 1, height: 1, vga_bios: "vga.bin" } }`),
    { baseDir: "cfg" },
  );
  assert.equal(c.bios, "cfg/fw/fw_jump.bin");
  assert.equal(c.kernel, "/boot/Image");
  assert.equal(c.initrd, "http://example.org/initrd");
  assert.equal(c.display?.vgaBios, "cfg/vga.bin");
  const noBase = interpretConfig(
    parseConfigText(`{ version: 1, machine: "riscv64", memory_size: 64, bios: "a.bin" }`),
  );
  assert.equal(noBase.bios, "a.bin");
});

Deno.test("cmdline variables: TZ for negative offsets, unknown ones vanish", () => {
  const c = interpretConfig(
    parseConfigText(
      `{ version: 1, machine: "riscv64", memory_size: 64, cmdline: "a \${TZ} \${X}b" }`,
    ),
    { utcOffsetMinutes: -(5 * 60 + 30) },
  );
  assert.equal(c.cmdline, "a UTC+05:30 b");
});

Deno.test("a __proto__ key stays a plain key", () => {
  const v = parseConfigText(`{ "__proto__": { polluted: 1 } }`);
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.ok(Object.hasOwn(v, "__proto__"));
  expectConfigError(
    () => interpretConfig(v),
    /unknown key '__proto__'/,
  );
});

Deno.test("fs entries: ro is a boolean, absent by default", () => {
  const c = interpretConfig(
    parseConfigText(`{ version: 1, machine: "riscv64", memory_size: 64,
      fs0: { file: "/share", tag: "s", ro: true }, fs1: { file: "/other" } }`),
  );
  assert.deepEqual(c.fs, [
    { file: "/share", tag: "s", ro: true },
    { file: "/other", tag: "/dev/root1" },
  ]);
  expectConfigError(
    () =>
      interpretConfig(parseConfigText(`{ version: 1, machine: "riscv64", memory_size: 64,
      fs0: { file: "/share", ro: "yes" } }`)),
    /ro/,
  );
});

Deno.test("eth entries take a mac key", () => {
  const cfg = interpretConfig(
    parseConfigText(
      `{ version: 1, machine: "riscv64", memory_size: 64, eth0: { driver: "user", mac: "02:00:00:00:00:07" } }`,
    ),
  );
  assert.equal(cfg.eth[0].mac, "02:00:00:00:00:07");
});
