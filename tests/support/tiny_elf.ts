/**
 * A tiny RV64 ELF for tests: one PT_LOAD at 0x8000_0000 (`code`, by default
 * `nop; j .`, a guest that spins forever) and a symbol table with a global
 * `tohost` at 0x8000_1000 and a local symbol, as riscv-tests programs have.
 */
export function makeElf(code = new Uint8Array([0x13, 0, 0, 0, 0x6f, 0, 0, 0])): Uint8Array {
  const strtab = new TextEncoder().encode("\0tohost\0local\0");
  const codeOff = 120;
  const symOff = (codeOff + code.length + 7) & ~7;
  const nsyms = 3; // null, tohost (global), local (local)
  const strOff = symOff + nsyms * 24;
  const shOff = (strOff + strtab.length + 7) & ~7;
  const shnum = 3; // null, .symtab, .strtab
  const b = new Uint8Array(shOff + shnum * 64);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 243, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, 0x80000000n, true);
  v.setBigUint64(32, 64n, true);
  v.setBigUint64(40, BigInt(shOff), true);
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, 1, true);
  v.setUint16(58, 64, true);
  v.setUint16(60, shnum, true);
  // PT_LOAD
  v.setUint32(64, 1, true);
  v.setUint32(68, 5, true);
  v.setBigUint64(64 + 8, BigInt(codeOff), true);
  v.setBigUint64(64 + 16, 0xffffffff80000000n, true); // vaddr differs from paddr
  v.setBigUint64(64 + 24, 0x80000000n, true);
  v.setBigUint64(64 + 32, BigInt(code.length), true);
  v.setBigUint64(64 + 40, BigInt(code.length + 16), true);
  b.set(code, codeOff);
  // symbols: tohost global at 0x80001000, local at 0x80002000
  v.setUint32(symOff + 24, 1, true);
  b[symOff + 24 + 4] = 0x11; // STB_GLOBAL, STT_OBJECT
  v.setUint16(symOff + 24 + 6, 1, true);
  v.setBigUint64(symOff + 24 + 8, 0x80001000n, true);
  v.setUint32(symOff + 48, 8, true);
  b[symOff + 48 + 4] = 0x00;
  v.setUint16(symOff + 48 + 6, 1, true);
  v.setBigUint64(symOff + 48 + 8, 0x80002000n, true);
  b.set(strtab, strOff);
  // section headers: [1] symtab (link 2), [2] strtab
  const sh = (i: number, type: number, off: number, size: number, link: number) => {
    const s = shOff + i * 64;
    v.setUint32(s + 4, type, true);
    v.setBigUint64(s + 24, BigInt(off), true);
    v.setBigUint64(s + 32, BigInt(size), true);
    v.setUint32(s + 40, link, true);
    v.setBigUint64(s + 56, type === 2 ? 24n : 0n, true);
  };
  sh(1, 2, symOff, nsyms * 24, 2);
  sh(2, 3, strOff, strtab.length, 0);
  return b;
}
