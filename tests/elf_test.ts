import assert from "node:assert/strict";
import { parseElf } from "../board/elf.ts";
import { makeElf } from "./support/tiny_elf.ts";

/**
 * Hand-builds a minimal ELF64 LE RISC-V executable: header, one PT_LOAD
 * segment of `code` (memsz = filesz + 16), and a symbol table with `tohost`.
 * Layout: ehdr 0, phdr 64, code 120, symtab, strtab, shstrtab-less sections.
 */

Deno.test("a hand-made ELF: entry, segment at p_paddr, symbols", () => {
  const elf = parseElf(makeElf());
  assert.equal(elf.entry, 0x80000000n);
  assert.equal(elf.segments.length, 1);
  const [s] = elf.segments;
  assert.equal(s.paddr, 0x80000000n);
  assert.equal(s.vaddr, 0xffffffff80000000n);
  assert.deepEqual([...s.data], [0x13, 0, 0, 0, 0x6f, 0, 0, 0]);
  assert.equal(s.memSize, 24);
  assert.equal(elf.symbols.get("tohost"), 0x80001000n);
  assert.equal(elf.symbols.get("local"), 0x80002000n);
  assert.equal(elf.symbols.size, 2);
});

Deno.test("malformed files give one-line errors", () => {
  const cases: [string, (b: Uint8Array) => Uint8Array, RegExp][] = [
    ["not ELF", () => new TextEncoder().encode("#!/bin/sh\necho hi\n"), /not an ELF file/],
    ["empty", () => new Uint8Array(0), /not an ELF file/],
    ["32-bit", (b) => (b[4] = 1, b), /not a 64-bit/],
    ["big-endian", (b) => (b[5] = 2, b), /not a little-endian/],
    ["x86-64", (b) => (b[18] = 62, b), /not a RISC-V file \(e_machine 62\)/],
    ["truncated header", (b) => b.slice(0, 40), /truncated ELF header/],
    ["truncated phdrs", (b) => b.slice(0, 100), /truncated program headers/],
    [
      "segment outside",
      (b) => (new DataView(b.buffer).setBigUint64(64 + 32, 1n << 20n, true), b),
      /segment 0 lies outside the file/,
    ],
    [
      "filesz > memsz",
      (b) => (new DataView(b.buffer).setBigUint64(64 + 40, 1n, true), b),
      /filesz > memsz/,
    ],
    [
      "huge offset",
      (b) => (new DataView(b.buffer).setBigUint64(64 + 8, 1n << 63n, true), b),
      /outside the file/,
    ],
    ["truncated shdrs", (b) => b.slice(0, b.length - 10), /truncated section headers/],
  ];
  for (const [what, mutate, re] of cases) {
    assert.throws(() => parseElf(mutate(makeElf())), (e: Error) => {
      assert.match(e.message, re, what);
      assert.ok(!e.message.includes("\n"), `${what}: one line`);
      return true;
    });
  }
});

const GCC = "riscv64-linux-gnu-gcc";
const HAVE_GCC = (() => {
  try {
    new Deno.Command(GCC, { args: ["--version"] }).outputSync();
    return true;
  } catch {
    console.warn(`${GCC} not found: skipping the compiled-ELF test`);
    return false;
  }
})();

Deno.test({ name: "an ELF built by the cross compiler", ignore: !HAVE_GCC }, async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/t.S`,
      `.section .text.init
.globl _start
_start:
  la t0, tohost
  li t1, 1
  sd t1, 0(t0)
1: j 1b
.data
.align 3
.globl tohost
tohost: .dword 0
.globl fromhost
fromhost: .dword 0
.bss
buf: .skip 4096
`,
    );
    const out = await new Deno.Command(GCC, {
      args: [
        "-nostdlib",
        "-static",
        "-march=rv64gc",
        "-mabi=lp64d",
        "-Wl,-Ttext=0x80000000",
        "-o",
        `${dir}/t.elf`,
        `${dir}/t.S`,
      ],
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const bytes = await Deno.readFile(`${dir}/t.elf`);
    const elf = parseElf(bytes);

    const nm = await new Deno.Command("riscv64-linux-gnu-nm", { args: [`${dir}/t.elf`] }).output();
    const syms = new Map(
      new TextDecoder().decode(nm.stdout).trim().split("\n").map((l) => l.split(" "))
        .map(([addr, , name]) => [name, BigInt("0x" + addr)]),
    );
    assert.equal(elf.entry, syms.get("_start"));
    assert.equal(elf.symbols.get("_start"), syms.get("_start"));
    assert.equal(elf.symbols.get("tohost"), syms.get("tohost"));
    assert.equal(elf.symbols.get("fromhost"), syms.get("tohost")! + 8n);
    const text = elf.segments.find((s) => s.paddr === 0x80000000n);
    assert.ok(text, "a segment at 0x80000000");
    // the first instruction is auipc t0, ... (la t0, tohost)
    assert.equal(text.data[0] & 0x7f, 0x17);
    // .bss makes some segment's memSize exceed its file size
    assert.ok(elf.segments.some((s) => s.memSize >= s.data.length + 4096));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
