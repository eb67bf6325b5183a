/**
 * RV64C expansion: each 16-bit compressed instruction maps to exactly one
 * 32-bit instruction with the same effect (RISC-V unprivileged spec, "C"
 * chapter, RV64 with D). The interpreter then only has to execute the 32-bit
 * forms; `buildCompressedTable` precomputes all 49,152 halfwords so that the
 * expansion costs one array load.
 *
 * Reserved encodings expand to 0 (an illegal instruction). HINTs expand to an
 * instruction that changes no architectural state (mostly one writing x0).
 */

const OP_LOAD = 0x03;
const OP_LOAD_FP = 0x07;
const OP_IMM = 0x13;
const OP_IMM_32 = 0x1b;
const OP_STORE = 0x23;
const OP_STORE_FP = 0x27;
const OP_OP = 0x33;
const OP_LUI = 0x37;
const OP_OP_32 = 0x3b;
const OP_BRANCH = 0x63;
const OP_JALR = 0x67;
const OP_JAL = 0x6f;

/** `addi x0, x0, 0`: what HINTs with no other x0-writing form expand to. */
const NOP = 0x00000013;
const EBREAK = 0x00100073;

// 32-bit instruction formats. Immediates are plain integers (may be negative).
function iType(imm: number, rs1: number, f3: number, rd: number, op: number): number {
  return (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
}

function sType(imm: number, rs2: number, rs1: number, f3: number, op: number): number {
  return (((imm >> 5) & 0x7f) << 25 | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
    ((imm & 0x1f) << 7) | op) >>> 0;
}

function rType(f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number {
  return ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
}

function bType(imm: number, rs2: number, rs1: number, f3: number): number {
  return (((imm >> 12) & 1) << 31 | ((imm >> 5) & 0x3f) << 25 | (rs2 << 20) | (rs1 << 15) |
    (f3 << 12) | ((imm >> 1) & 0xf) << 8 | ((imm >> 11) & 1) << 7 | OP_BRANCH) >>> 0;
}

function jType(imm: number, rd: number): number {
  return (((imm >> 20) & 1) << 31 | ((imm >> 1) & 0x3ff) << 21 | ((imm >> 11) & 1) << 20 |
    ((imm >> 12) & 0xff) << 12 | (rd << 7) | OP_JAL) >>> 0;
}

/** Bits hi..lo of h, shifted down. */
function bits(h: number, hi: number, lo: number): number {
  return (h >>> lo) & ((1 << (hi - lo + 1)) - 1);
}

/** Sign-extends the low `n` bits of v. */
function sext(v: number, n: number): number {
  const s = 32 - n;
  return (v << s) >> s;
}

/** The 6-bit signed immediate imm[5]=h[12], imm[4:0]=h[6:2] (C.ADDI, C.LI, C.ANDI...). */
function ciImm(h: number): number {
  return sext((bits(h, 12, 12) << 5) | bits(h, 6, 2), 6);
}

/** The unsigned 6-bit shift amount shamt[5]=h[12], shamt[4:0]=h[6:2]. */
function ciShamt(h: number): number {
  return (bits(h, 12, 12) << 5) | bits(h, 6, 2);
}

/** 8-byte scaled offset of C.LD/C.SD/C.FLD/C.FSD: uimm[5:3]=h[12:10], uimm[7:6]=h[6:5]. */
function clOffsetD(h: number): number {
  return (bits(h, 12, 10) << 3) | (bits(h, 6, 5) << 6);
}

/** 4-byte scaled offset of C.LW/C.SW: uimm[5:3]=h[12:10], uimm[2]=h[6], uimm[6]=h[5]. */
function clOffsetW(h: number): number {
  return (bits(h, 12, 10) << 3) | (bits(h, 6, 6) << 2) | (bits(h, 5, 5) << 6);
}

/** Registers x8..x15 named by a 3-bit field. */
function creg(h: number, lo: number): number {
  return 8 + bits(h, lo + 2, lo);
}

function quadrant0(h: number): number {
  const rdp = creg(h, 2);
  const rs1p = creg(h, 7);
  switch (bits(h, 15, 13)) {
    case 0: { // C.ADDI4SPN: nzuimm[5:4|9:6|2|3]
      const imm = (bits(h, 12, 11) << 4) | (bits(h, 10, 7) << 6) | (bits(h, 6, 6) << 2) |
        (bits(h, 5, 5) << 3);
      return imm === 0 ? 0 : iType(imm, 2, 0, rdp, OP_IMM);
    }
    case 1: // C.FLD
      return iType(clOffsetD(h), rs1p, 3, rdp, OP_LOAD_FP);
    case 2: // C.LW
      return iType(clOffsetW(h), rs1p, 2, rdp, OP_LOAD);
    case 3: // C.LD (RV64; C.FLW on RV32)
      return iType(clOffsetD(h), rs1p, 3, rdp, OP_LOAD);
    case 5: // C.FSD
      return sType(clOffsetD(h), rdp, rs1p, 3, OP_STORE_FP);
    case 6: // C.SW
      return sType(clOffsetW(h), rdp, rs1p, 2, OP_STORE);
    case 7: // C.SD (RV64; C.FSW on RV32)
      return sType(clOffsetD(h), rdp, rs1p, 3, OP_STORE);
    default: // 100 is reserved (Zcb's loads/stores are not implemented)
      return 0;
  }
}

function quadrant1(h: number): number {
  const rd = bits(h, 11, 7);
  switch (bits(h, 15, 13)) {
    case 0: // C.ADDI; rd=0 is C.NOP or a HINT, imm=0 a HINT: addi rd,rd,imm is harmless for both
      return iType(ciImm(h), rd, 0, rd, OP_IMM);
    case 1: // C.ADDIW (RV64; C.JAL on RV32); rd=0 reserved
      return rd === 0 ? 0 : iType(ciImm(h), rd, 0, rd, OP_IMM_32);
    case 2: // C.LI; rd=0 is a HINT (writes x0)
      return iType(ciImm(h), 0, 0, rd, OP_IMM);
    case 3: {
      if (rd === 2) { // C.ADDI16SP: nzimm[9|4|6|8:7|5]
        const imm = sext(
          (bits(h, 12, 12) << 9) | (bits(h, 6, 6) << 4) | (bits(h, 5, 5) << 6) |
            (bits(h, 4, 3) << 7) | (bits(h, 2, 2) << 5),
          10,
        );
        return imm === 0 ? 0 : iType(imm, 2, 0, 2, OP_IMM);
      }
      // C.LUI: nzimm=0 reserved; rd=0 with nzimm≠0 is a HINT (writes x0)
      const imm = ciImm(h);
      return imm === 0 ? 0 : (((imm << 12) | (rd << 7) | OP_LUI) >>> 0);
    }
    case 4:
      return quadrant1Arith(h);
    case 5: { // C.J: offset[11|4|9:8|10|6|7|3:1|5]
      const imm = sext(
        (bits(h, 12, 12) << 11) | (bits(h, 11, 11) << 4) | (bits(h, 10, 9) << 8) |
          (bits(h, 8, 8) << 10) | (bits(h, 7, 7) << 6) | (bits(h, 6, 6) << 7) |
          (bits(h, 5, 3) << 1) | (bits(h, 2, 2) << 5),
        12,
      );
      return jType(imm, 0);
    }
    default: { // 6 C.BEQZ, 7 C.BNEZ: offset[8|4:3] h[12:10], offset[7:6|2:1|5] h[6:2]
      const imm = sext(
        (bits(h, 12, 12) << 8) | (bits(h, 11, 10) << 3) | (bits(h, 6, 5) << 6) |
          (bits(h, 4, 3) << 1) | (bits(h, 2, 2) << 5),
        9,
      );
      return bType(imm, 0, creg(h, 7), bits(h, 15, 13) === 6 ? 0 : 1);
    }
  }
}

/** Quadrant 1, funct3 100: shifts, C.ANDI and the register-register ALU ops on x8..x15. */
function quadrant1Arith(h: number): number {
  const rd = creg(h, 7);
  const rs2 = creg(h, 2);
  switch (bits(h, 11, 10)) {
    case 0: // C.SRLI; shamt=0 is a HINT on RV64
    case 1: { // C.SRAI
      const shamt = ciShamt(h);
      if (shamt === 0) return NOP;
      const f6 = bits(h, 11, 10) === 0 ? 0 : 0x10;
      return iType((f6 << 6) | shamt, rd, 5, rd, OP_IMM);
    }
    case 2: // C.ANDI
      return iType(ciImm(h), rd, 7, rd, OP_IMM);
  }
  const f2 = bits(h, 6, 5);
  if (bits(h, 12, 12) === 0) {
    // C.SUB, C.XOR, C.OR, C.AND
    const f3 = [0, 4, 6, 7][f2];
    return rType(f2 === 0 ? 0x20 : 0, rs2, rd, f3, rd, OP_OP);
  }
  if (f2 === 0) return rType(0x20, rs2, rd, 0, rd, OP_OP_32); // C.SUBW
  if (f2 === 1) return rType(0, rs2, rd, 0, rd, OP_OP_32); // C.ADDW
  return 0; // reserved (Zcb's c.mul and friends live here)
}

function quadrant2(h: number): number {
  const rd = bits(h, 11, 7);
  const rs2 = bits(h, 6, 2);
  switch (bits(h, 15, 13)) {
    case 0: { // C.SLLI; rd=0 or shamt=0 are HINTs
      const shamt = ciShamt(h);
      return shamt === 0 ? NOP : iType(shamt, rd, 1, rd, OP_IMM);
    }
    case 1: // C.FLDSP: uimm[5] h[12], uimm[4:3] h[6:5], uimm[8:6] h[4:2]
      return iType(spOffsetD(h), 2, 3, rd, OP_LOAD_FP);
    case 2: { // C.LWSP: uimm[5] h[12], uimm[4:2] h[6:4], uimm[7:6] h[3:2]; rd=0 reserved
      const imm = (bits(h, 12, 12) << 5) | (bits(h, 6, 4) << 2) | (bits(h, 3, 2) << 6);
      return rd === 0 ? 0 : iType(imm, 2, 2, rd, OP_LOAD);
    }
    case 3: // C.LDSP; rd=0 reserved
      return rd === 0 ? 0 : iType(spOffsetD(h), 2, 3, rd, OP_LOAD);
    case 4:
      if (bits(h, 12, 12) === 0) {
        if (rs2 === 0) return rd === 0 ? 0 : iType(0, rd, 0, 0, OP_JALR); // C.JR; rs1=0 reserved
        return rType(0, rs2, 0, 0, rd, OP_OP); // C.MV; rd=0 is a HINT
      }
      if (rs2 === 0) return rd === 0 ? EBREAK : iType(0, rd, 0, 1, OP_JALR); // C.EBREAK, C.JALR
      return rType(0, rs2, rd, 0, rd, OP_OP); // C.ADD; rd=0 is a HINT
    case 5: // C.FSDSP: uimm[5:3] h[12:10], uimm[8:6] h[9:7]
      return sType(sspOffsetD(h), rs2, 2, 3, OP_STORE_FP);
    case 6: { // C.SWSP: uimm[5:2] h[12:9], uimm[7:6] h[8:7]
      const imm = (bits(h, 12, 9) << 2) | (bits(h, 8, 7) << 6);
      return sType(imm, rs2, 2, 2, OP_STORE);
    }
    default: // C.SDSP
      return sType(sspOffsetD(h), rs2, 2, 3, OP_STORE);
  }
}

function spOffsetD(h: number): number {
  return (bits(h, 12, 12) << 5) | (bits(h, 6, 5) << 3) | (bits(h, 4, 2) << 6);
}

function sspOffsetD(h: number): number {
  return (bits(h, 12, 10) << 3) | (bits(h, 9, 7) << 6);
}

/**
 * Returns the 32-bit instruction (as an unsigned number) equivalent to the
 * compressed halfword `h`, or 0 when `h` is reserved or illegal. Halfwords
 * whose low two bits are 0b11 are not compressed and also give 0.
 */
export function expandCompressed(h: number): number {
  h &= 0xffff;
  switch (h & 3) {
    case 0:
      return quadrant0(h);
    case 1:
      return quadrant1(h);
    case 2:
      return quadrant2(h);
    default:
      return 0;
  }
}

/**
 * The expansion of every halfword, indexed by the halfword. Entries are the
 * 32-bit instructions as int32 (compare with `>>> 0` or use bit operations);
 * 0 marks a reserved encoding or a halfword with low bits 0b11.
 */
export function buildCompressedTable(): Int32Array {
  const table = new Int32Array(65536);
  for (let h = 0; h < 65536; h++) {
    if ((h & 3) !== 3) table[h] = expandCompressed(h);
  }
  return table;
}

/**
 * The table, shared by the interpreter, its wasm tier and the translator, and
 * filled once per process by `fillCompressedTable` (each build is ~15-30 ms of
 * cold code: built at import by all three, it cost every start 30-60 ms, and
 * a process that only plans permissions needs it not at all).
 */
export const COMPRESSED_TABLE = new Int32Array(65536);
let tableFilled = false;

/** Fills COMPRESSED_TABLE if it is not yet; whatever reads it calls this first. */
export function fillCompressedTable(): Int32Array {
  if (!tableFilled) {
    COMPRESSED_TABLE.set(buildCompressedTable());
    tableFilled = true;
  }
  return COMPRESSED_TABLE;
}
