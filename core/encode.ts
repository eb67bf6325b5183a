/** A tiny RV64 instruction encoder: for the interpreter warm-up and unit tests. Registers are numbers 0..31. */

export const R = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number) =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
export const I = (imm: number, rs1: number, f3: number, rd: number, op: number) =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
export const S = (imm: number, rs2: number, rs1: number, f3: number, op: number) =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) |
    op) >>> 0;
export const B = (imm: number, rs2: number, rs1: number, f3: number) =>
  ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
    (f3 << 12) | (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;
export const J = (imm: number, rd: number) =>
  ((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) |
    (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;

export const addi = (rd: number, rs1: number, imm: number) => I(imm, rs1, 0, rd, 0x13);
export const slli = (rd: number, rs1: number, sh: number) => I(sh, rs1, 1, rd, 0x13);
export const srli = (rd: number, rs1: number, sh: number) => I(sh, rs1, 5, rd, 0x13);
export const srai = (rd: number, rs1: number, sh: number) => I(0x400 | sh, rs1, 5, rd, 0x13);
export const addiw = (rd: number, rs1: number, imm: number) => I(imm, rs1, 0, rd, 0x1b);
export const lui = (rd: number, imm20: number) =>
  (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0;
export const auipc = (rd: number, imm20: number) =>
  (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x17) >>> 0;
export const add = (rd: number, a: number, b: number) => R(0, b, a, 0, rd, 0x33);
export const sub = (rd: number, a: number, b: number) => R(0x20, b, a, 0, rd, 0x33);
export const op = (f7: number, f3: number) => (rd: number, a: number, b: number) =>
  R(f7, b, a, f3, rd, 0x33);
export const op32 = (f7: number, f3: number) => (rd: number, a: number, b: number) =>
  R(f7, b, a, f3, rd, 0x3b);
export const ld = (rd: number, rs1: number, imm: number) => I(imm, rs1, 3, rd, 0x03);
export const lw = (rd: number, rs1: number, imm: number) => I(imm, rs1, 2, rd, 0x03);
export const lbu = (rd: number, rs1: number, imm: number) => I(imm, rs1, 4, rd, 0x03);
export const sd = (rs2: number, rs1: number, imm: number) => S(imm, rs2, rs1, 3, 0x23);
export const sw = (rs2: number, rs1: number, imm: number) => S(imm, rs2, rs1, 2, 0x23);
export const csrrw = (rd: number, csr: number, rs1: number) => I(csr, rs1, 1, rd, 0x73);
export const csrrs = (rd: number, csr: number, rs1: number) => I(csr, rs1, 2, rd, 0x73);
export const ecall = () => 0x00000073;
export const mret = () => 0x30200073;
export const sret = () => 0x10200073;
export const wfi = () => 0x10500073;
export const jal = (rd: number, imm: number) => J(imm, rd);
export const beq = (a: number, b: number, imm: number) => B(imm, b, a, 0);
export const bltu = (a: number, b: number, imm: number) => B(imm, b, a, 6);
export const amo = (f5: number, wide: boolean) => (rd: number, rs1: number, rs2: number) =>
  R(f5 << 2, rs2, rs1, wide ? 3 : 2, rd, 0x2f);
export const csrrc = (rd: number, csr: number, rs1: number) => I(csr, rs1, 3, rd, 0x73);
export const csrrwi = (rd: number, csr: number, imm: number) => I(csr, imm, 5, rd, 0x73);
export const csrrsi = (rd: number, csr: number, imm: number) => I(csr, imm, 6, rd, 0x73);
export const csrrci = (rd: number, csr: number, imm: number) => I(csr, imm, 7, rd, 0x73);
export const load = (f3: number) => (rd: number, rs1: number, imm: number) =>
  I(imm, rs1, f3, rd, 0x03);
export const store = (f3: number) => (rs2: number, rs1: number, imm: number) =>
  S(imm, rs2, rs1, f3, 0x23);
export const opImm = (f3: number) => (rd: number, rs1: number, imm: number) =>
  I(imm, rs1, f3, rd, 0x13);
export const opImm32 = (f3: number, f7 = 0) => (rd: number, rs1: number, sh: number) =>
  I((f7 << 5) | sh, rs1, f3, rd, 0x1b);
export const branch = (f3: number) => (a: number, b: number, imm: number) => B(imm, b, a, f3);
export const jalr = (rd: number, rs1: number, imm: number) => I(imm, rs1, 0, rd, 0x67);
export const fence = () => 0x0ff0000f;
export const fenceI = () => 0x0000100f;
export const sfenceVma = () => 0x12000073;
/** FP: OP-FP with funct7, rs2 field and rm (7 = dynamic). */
export const fop = (f7: number, rs2: number, f3 = 7) => (rd: number, rs1: number, b = rs2) =>
  R(f7, b, rs1, f3, rd, 0x53);
export const fmaddD = (rd: number, a: number, b: number, c: number) =>
  ((c << 27) | (1 << 25) | (b << 20) | (a << 15) | (7 << 12) | (rd << 7) | 0x43) >>> 0;
export const fld = (rd: number, rs1: number, imm: number) => I(imm, rs1, 3, rd, 0x07);
export const flw = (rd: number, rs1: number, imm: number) => I(imm, rs1, 2, rd, 0x07);
export const fsd = (rs2: number, rs1: number, imm: number) => S(imm, rs2, rs1, 3, 0x27);
export const fsw = (rs2: number, rs1: number, imm: number) => S(imm, rs2, rs1, 2, 0x27);
