import assert from "node:assert/strict";
import { buildCompressedTable, expandCompressed } from "../core/compressed.ts";

// [compressed, expansion]: assembled with and without C by riscv64-linux-gnu-as.
const KNOWN: [number, number, string][] = [
  [0x0808, 0x01010513, "addi a0, sp, 16 (c.addi4spn)"],
  [0x2588, 0x0085b507, "fld fa0, 8(a1)"],
  [0x42d0, 0x0046a603, "lw a2, 4(a3)"],
  [0x7ff8, 0x0f87b703, "ld a4, 248(a5)"],
  [0xa880, 0x0084b827, "fsd fs0, 16(s1)"],
  [0xdd60, 0x06852e23, "sw s0, 124(a0)"],
  [0xe71c, 0x00f73423, "sd a5, 8(a4)"],
  [0x157d, 0xfff50513, "addi a0, a0, -1"],
  [0x25fd, 0x01f5859b, "addiw a1, a1, 31"],
  [0x5281, 0xfe000293, "li t0, -32"],
  [0x7101, 0xe0010113, "addi sp, sp, -512"],
  [0x617d, 0x1f010113, "addi sp, sp, 496"],
  [0x757d, 0xfffff537, "lui a0, 0xfffff"],
  [0x697d, 0x0001f937, "lui s2, 31"],
  [0x917d, 0x03f55513, "srli a0, a0, 63"],
  [0x8585, 0x4015d593, "srai a1, a1, 1"],
  [0x9a7d, 0xfff67613, "andi a2, a2, -1"],
  [0x8c05, 0x40940433, "sub s0, s0, s1"],
  [0x8d2d, 0x00b54533, "xor a0, a0, a1"],
  [0x8e55, 0x00d66633, "or a2, a2, a3"],
  [0x8f7d, 0x00f77733, "and a4, a4, a5"],
  [0x9d1d, 0x40f5053b, "subw a0, a0, a5"],
  [0x9ca1, 0x008484bb, "addw s1, s1, s0"],
  [0xb001, 0x801ff06f, "j . - 2048"],
  [0xaffd, 0x7fe0006f, "j . + 2046"],
  [0xd101, 0xf00500e3, "beqz a0, . - 256"],
  [0xeffd, 0x0e079f63, "bnez a5, . + 254"],
  [0x10fe, 0x03f09093, "slli ra, ra, 63"],
  [0x30fe, 0x1f813087, "fld ft1, 504(sp)"],
  [0x5dfe, 0x0fc12d83, "lw s11, 252(sp)"],
  [0x7ffe, 0x1f813f83, "ld t6, 504(sp)"],
  [0x8082, 0x00008067, "jr ra"],
  [0x852e, 0x00b00533, "mv a0, a1 (add a0, x0, a1)"],
  [0x9002, 0x00100073, "ebreak"],
  [0x9282, 0x000280e7, "jalr t0"],
  [0x931e, 0x00730333, "add t1, t1, t2"],
  [0xbfee, 0x1fb13c27, "fsd fs11, 504(sp)"],
  [0xdf82, 0x0e012e23, "sw zero, 252(sp)"],
  [0xe006, 0x00113023, "sd ra, 0(sp)"],
];

Deno.test("known encodings expand as the assembler's 32-bit forms", () => {
  for (const [c, e, what] of KNOWN) {
    assert.equal(expandCompressed(c).toString(16), e.toString(16), what);
  }
});

Deno.test("reserved encodings expand to 0", () => {
  const reserved: [number, string][] = [
    [0x0000, "all-zero halfword"],
    [0x0010, "c.addi4spn nzuimm=0, rd=x12"],
    [0x8000, "quadrant 0 funct3 100"],
    [0x2001 | (0 << 7), "c.addiw rd=0"],
    [0x6101, "c.addi16sp imm=0"],
    [0x6001, "c.lui x0, 0"],
    [0x6501, "c.lui a0, 0"],
    [0x4002, "c.lwsp rd=0"],
    [0x6002, "c.ldsp rd=0"],
    [0x8002, "c.jr rs1=0"],
    [0x9c41, "funct6 100111, funct2 10 (reserved)"],
    [0x9c61, "funct6 100111, funct2 11 (reserved)"],
    [0xfffb, "low bits 11: not compressed"],
  ];
  for (const [h, what] of reserved) assert.equal(expandCompressed(h), 0, what);
});

Deno.test("HINTs expand to instructions with no effect", () => {
  // c.addi x0 / c.li x0 / c.lui x0 / c.mv x0 / c.add x0 / c.slli x0 write x0 only.
  for (const h of [0x0001, 0x0005, 0x4005, 0x6005, 0x802e, 0x902e, 0x0006]) {
    const e = expandCompressed(h);
    assert.notEqual(e, 0, h.toString(16));
    assert.equal((e >>> 7) & 31, 0, `0x${h.toString(16)} must write x0`);
  }
  // Shifts by 0 on RV64 are HINTs: a plain nop.
  assert.equal(expandCompressed(0x8001), 0x13, "c.srli64");
  assert.equal(expandCompressed(0x8401), 0x13, "c.srai64");
  assert.equal(expandCompressed(0x0002), 0x13, "c.slli64 x0");
  assert.equal(expandCompressed(0x0502), 0x13, "c.slli64 a0");
});

Deno.test("the table matches expandCompressed and holds only 32-bit instructions", () => {
  const t = buildCompressedTable();
  assert.equal(t.length, 65536);
  let legal = 0;
  for (let h = 0; h < 65536; h++) {
    if ((h & 3) === 3) {
      assert.equal(t[h], 0);
      continue;
    }
    assert.equal(t[h] >>> 0, expandCompressed(h));
    if (t[h] !== 0) {
      assert.equal(t[h] & 3, 3, `0x${h.toString(16)}`);
      legal++;
    }
  }
  assert.equal(legal, 46743);
});

/** Disassembles raw little-endian bytes, one text line per instruction. */
async function objdump(bytes: Uint8Array, dir: string): Promise<string[]> {
  const file = `${dir}/code.bin`;
  await Deno.writeFile(file, bytes);
  const out = await new Deno.Command("riscv64-linux-gnu-objdump", {
    args: ["-D", "-b", "binary", "-m", "riscv:rv64", "-M", "numeric", file],
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).split("\n")
    .filter((l) => /^\s+[0-9a-f]+:/.test(l))
    .map((l) =>
      l.replace(/^\s*[0-9a-f]+:\s+[0-9a-f]+\s+/, "").replace(/\s+#.*$/, "").replace(/\s+/g, " ")
    );
}

/**
 * Folds objdump's spellings of compressed forms and HINTs onto its spelling of
 * the 32-bit forms (for a compressed halfword, "mv" is c.mv, i.e. an add).
 */
function normalize(s: string): string {
  return s
    .replace(/^c\.(slli|srli|srai)64\b.*/, "nop")
    .replace(/^c\.nop (\S+)$/, "li x0,$1")
    .replace(/^c\.slli (x\d+),(\S+)$/, "sll $1,$1,$2")
    .replace(/^c\.add (x\d+),(\S+)$/, "add $1,$1,$2")
    .replace(/^c\.mv (x\d+),(\S+)$/, "add $1,x0,$2")
    .replace(/^c\./, "")
    .replace(/^mv (x\d+),(x\d+)$/, "add $1,x0,$2")
    .replace(/^add (x\d+),\1,0$/, "mv $1,$1")
    .replace(/^li x0,0$/, "nop");
}

const HAVE_OBJDUMP = (() => {
  try {
    new Deno.Command("riscv64-linux-gnu-objdump", { args: ["--version"] }).outputSync();
    return true;
  } catch {
    console.warn("riscv64-linux-gnu-objdump not found: skipping the disassembler cross-check");
    return false;
  }
})();

Deno.test({
  name: "every legal halfword disassembles like its expansion (objdump)",
  ignore: !HAVE_OBJDUMP,
}, async () => {
  const hs: number[] = [];
  for (let h = 0; h < 65536; h++) if ((h & 3) !== 3 && expandCompressed(h) !== 0) hs.push(h);
  // Pad each halfword with c.nop so both streams have the same addresses (pc-relative targets).
  const c = new DataView(new ArrayBuffer(hs.length * 4));
  const e = new DataView(new ArrayBuffer(hs.length * 4));
  hs.forEach((h, i) => {
    c.setUint16(i * 4, h, true);
    c.setUint16(i * 4 + 2, 1, true);
    e.setUint32(i * 4, expandCompressed(h), true);
  });
  const dir = await Deno.makeTempDir();
  try {
    const cl = (await objdump(new Uint8Array(c.buffer), dir)).filter((_, i) => i % 2 === 0);
    const el = await objdump(new Uint8Array(e.buffer), dir);
    assert.equal(cl.length, hs.length);
    assert.equal(el.length, hs.length);
    const bad: string[] = [];
    hs.forEach((h, i) => {
      if (normalize(cl[i]) !== el[i].replace(/^li x0,0$/, "nop")) {
        bad.push(`${h.toString(16)}: ${cl[i]} / ${el[i]}`);
      }
    });
    assert.deepEqual(bad.slice(0, 10), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
