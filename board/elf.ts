/**
 * A reader for the ELF64 little-endian RISC-V executables that demu loads
 * (firmware, kernels, test programs): the loadable segments at their physical
 * addresses, and the symbol table so that `tohost`/`fromhost` can be found.
 * The input is untrusted, so every offset is checked against the file size.
 */

export interface ElfSegment {
  /** Physical load address (p_paddr). */
  paddr: bigint;
  vaddr: bigint;
  /** The file bytes (a view into the input); the rest up to memSize is zero. */
  data: Uint8Array;
  memSize: number;
}

export interface ElfImage {
  entry: bigint;
  segments: ElfSegment[];
  /** Defined symbols by name; a global definition wins over a local one. */
  symbols: Map<string, bigint>;
}

const EM_RISCV = 243;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const STB_GLOBAL = 1;
const SHN_UNDEF = 0;

export function parseElf(bytes: Uint8Array): ElfImage {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (
    bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c ||
    bytes[3] !== 0x46
  ) {
    throw new Error("ELF: not an ELF file (bad magic)");
  }
  if (bytes.length < EHDR_SIZE) throw new Error("ELF: truncated ELF header");
  if (bytes[4] !== 2) throw new Error("ELF: not a 64-bit ELF file");
  if (bytes[5] !== 1) throw new Error("ELF: not a little-endian ELF file");
  const machine = v.getUint16(18, true);
  if (machine !== EM_RISCV) throw new Error(`ELF: not a RISC-V file (e_machine ${machine})`);

  const entry = v.getBigUint64(24, true);
  const phoff = offset(v.getBigUint64(32, true));
  const shoff = offset(v.getBigUint64(40, true));
  const phentsize = v.getUint16(54, true);
  const phnum = v.getUint16(56, true);
  const shentsize = v.getUint16(58, true);
  const shnum = v.getUint16(60, true);

  const segments: ElfSegment[] = [];
  if (phnum > 0) {
    if (phentsize !== PHDR_SIZE) throw new Error(`ELF: bad program header size ${phentsize}`);
    within(bytes, phoff, phnum * PHDR_SIZE, "truncated program headers");
  }
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * PHDR_SIZE;
    if (v.getUint32(p, true) !== PT_LOAD) continue;
    const fileOff = offset(v.getBigUint64(p + 8, true));
    const fileSize = offset(v.getBigUint64(p + 32, true));
    const memSize = offset(v.getBigUint64(p + 40, true));
    within(bytes, fileOff, fileSize, `segment ${i} lies outside the file`);
    if (fileSize > memSize) throw new Error(`ELF: segment ${i} has filesz > memsz`);
    segments.push({
      paddr: v.getBigUint64(p + 24, true),
      vaddr: v.getBigUint64(p + 16, true),
      data: bytes.subarray(fileOff, fileOff + fileSize),
      memSize,
    });
  }

  const symbols = new Map<string, bigint>();
  if (shnum > 0 && shoff !== 0) {
    if (shentsize !== SHDR_SIZE) throw new Error(`ELF: bad section header size ${shentsize}`);
    within(bytes, shoff, shnum * SHDR_SIZE, "truncated section headers");
    for (let i = 0; i < shnum; i++) {
      const s = shoff + i * SHDR_SIZE;
      if (v.getUint32(s + 4, true) === SHT_SYMTAB) readSymbols(bytes, v, shoff, shnum, s, symbols);
    }
  }
  return { entry, segments, symbols };
}

/** Adds the defined symbols of the symbol table whose header is at `s`. */
function readSymbols(
  bytes: Uint8Array,
  v: DataView,
  shoff: number,
  shnum: number,
  s: number,
  out: Map<string, bigint>,
): void {
  const symOff = offset(v.getBigUint64(s + 24, true));
  const symSize = offset(v.getBigUint64(s + 32, true));
  within(bytes, symOff, symSize, "symbol table lies outside the file");
  const link = v.getUint32(s + 40, true);
  if (link >= shnum) throw new Error("ELF: symbol table names a missing string table");
  const str = shoff + link * SHDR_SIZE;
  const strOff = offset(v.getBigUint64(str + 24, true));
  const strSize = offset(v.getBigUint64(str + 32, true));
  within(bytes, strOff, strSize, "string table lies outside the file");
  const strtab = bytes.subarray(strOff, strOff + strSize);
  const decoder = new TextDecoder();

  for (let at = symOff; at + SYM_SIZE <= symOff + symSize; at += SYM_SIZE) {
    const nameOff = v.getUint32(at, true);
    const global = bytes[at + 4] >> 4 === STB_GLOBAL;
    if (nameOff === 0 || v.getUint16(at + 6, true) === SHN_UNDEF) continue;
    if (nameOff >= strtab.length) throw new Error("ELF: symbol name outside the string table");
    const end = strtab.indexOf(0, nameOff);
    const name = decoder.decode(strtab.subarray(nameOff, end < 0 ? strtab.length : end));
    if (global || !out.has(name)) out.set(name, v.getBigUint64(at + 8, true));
  }
}

/** A file offset or size as a number; anything past 2^53 cannot be in the file anyway. */
function offset(x: bigint): number {
  return x > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(x);
}

function within(bytes: Uint8Array, off: number, len: number, what: string): void {
  if (off + len > bytes.length) throw new Error(`ELF: ${what}`);
}
