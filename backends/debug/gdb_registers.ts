/**
 * The registers GDB sees, by GDB's RISC-V numbering (gdb/riscv-tdep.h): 0-31
 * x0-x31, 32 pc, 33-64 f0-f31, 65 + N the CSR numbered N (fflags, frm and fcsr
 * among them), 4161 the virtual `priv` register (the current privilege mode).
 * The target description (qXfer:features:read:target.xml) names them in the
 * standard features org.gnu.gdb.riscv.cpu, .fpu, .csr and .virtual.
 */
import { readCsr, writeCsr } from "../../core/csr.ts";
import type { Hart } from "../../core/hart.ts";
import { TRAP } from "../../core/trap.ts";
import { F_ABI_NAMES, X_ABI_NAMES } from "../../core/register_names.ts";

export const PC_REGNUM = 32;
const FIRST_FP = 33;
const FIRST_CSR = 65;
export const PRIV_REGNUM = FIRST_CSR + 4096;

// GDB's RISC-V target description calls x8 `fp` (the frame pointer), not `s0`.
const X_NAMES = X_ABI_NAMES.map((name, i) => i === 8 ? "fp" : name);
const F_NAMES = F_ABI_NAMES;

/** The CSRs offered (those demu implements that a kernel or firmware developer looks at). */
// deno-fmt-ignore
const CSRS: [string, number][] = [
  ["sstatus", 0x100], ["sie", 0x104], ["stvec", 0x105], ["scounteren", 0x106],
  ["senvcfg", 0x10a], ["sscratch", 0x140], ["sepc", 0x141], ["scause", 0x142],
  ["stval", 0x143], ["sip", 0x144], ["satp", 0x180], ["mstatus", 0x300], ["misa", 0x301],
  ["medeleg", 0x302], ["mideleg", 0x303], ["mie", 0x304], ["mtvec", 0x305],
  ["mcounteren", 0x306], ["menvcfg", 0x30a], ["mcountinhibit", 0x320], ["mscratch", 0x340],
  ["mepc", 0x341], ["mcause", 0x342], ["mtval", 0x343], ["mip", 0x344], ["pmpcfg0", 0x3a0],
  ["pmpaddr0", 0x3b0], ["tselect", 0x7a0], ["tdata1", 0x7a1], ["tdata2", 0x7a2],
  ["tdata3", 0x7a3], ["tinfo", 0x7a4], ["tcontrol", 0x7a5], ["mcycle", 0xb00],
  ["minstret", 0xb02], ["cycle", 0xc00], ["time", 0xc01], ["instret", 0xc02],
  ["mvendorid", 0xf11], ["marchid", 0xf12], ["mimpid", 0xf13], ["mhartid", 0xf14],
]; // deno-fmt-ignore
const FP_CSRS: [string, number][] = [["fflags", 1], ["frm", 2], ["fcsr", 3]];

/** The target description: one XML document with the four features. */
export function targetXml(): string {
  const reg = (name: string, regnum: number, type: string, bits = 64, group = "") =>
    `<reg name="${name}" bitsize="${bits}" regnum="${regnum}" type="${type}"${
      group ? ` group="${group}"` : ""
    }/>`;
  const cpu = X_NAMES.map((n, i) => reg(n, i, i === 1 ? "code_ptr" : i === 2 ? "data_ptr" : "int"))
    .concat(reg("pc", PC_REGNUM, "code_ptr"));
  const fpu = F_NAMES.map((n, i) => reg(n, FIRST_FP + i, "riscv_double"))
    .concat(FP_CSRS.map(([n, c]) => reg(n, FIRST_CSR + c, "int", 32, "float")));
  const csr = CSRS.map(([n, c]) => reg(n, FIRST_CSR + c, "int", 64, "csr"));
  return `<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
<architecture>riscv:rv64</architecture>
<feature name="org.gnu.gdb.riscv.cpu">
${cpu.join("\n")}
</feature>
<feature name="org.gnu.gdb.riscv.fpu">
<union id="riscv_double"><field name="float" type="ieee_single"/><field name="double" type="ieee_double"/></union>
${fpu.join("\n")}
</feature>
<feature name="org.gnu.gdb.riscv.csr">
${csr.join("\n")}
</feature>
<feature name="org.gnu.gdb.riscv.virtual">
${reg("priv", PRIV_REGNUM, "int")}
</feature>
</target>
`;
}

/** Register regnum's value and width in bytes, or null when there is no such register. */
export function readRegister(h: Hart, regnum: number): { value: bigint; bytes: number } | null {
  if (regnum >= 0 && regnum < 32) return { value: h.state.x[regnum], bytes: 8 };
  if (regnum === PC_REGNUM) return { value: BigInt(h.pc), bytes: 8 };
  if (regnum >= FIRST_FP && regnum < FIRST_FP + 32) {
    return { value: h.state.f[regnum - FIRST_FP], bytes: 8 };
  }
  if (regnum === PRIV_REGNUM) return { value: BigInt(h.priv), bytes: 8 };
  const csr = csrOf(regnum);
  if (csr === null) return null;
  const bytes = csr <= 3 ? 4 : 8;
  // FP CSRs read as zero while the FPU is off, like the rest of the state GDB may show.
  return { value: guestCsr(() => readCsr(h, csr, 0)) ?? 0n, bytes };
}

/** Sets register regnum; false when it does not exist or refuses the value. */
export function writeRegister(h: Hart, regnum: number, value: bigint): boolean {
  if (regnum > 0 && regnum < 32) h.state.x[regnum] = BigInt.asIntN(64, value);
  else if (regnum === 0) return true; // x0 stays zero
  else if (regnum === PC_REGNUM) h.pc = Number(BigInt.asIntN(64, value));
  else if (regnum >= FIRST_FP && regnum < FIRST_FP + 32) {
    h.state.f[regnum - FIRST_FP] = BigInt.asIntN(64, value);
  } else if (regnum === PRIV_REGNUM) {
    const p = Number(value);
    if (p !== 0 && p !== 1 && p !== 3) return false;
    h.priv = p;
    h.updateModes();
  } else {
    const csr = csrOf(regnum);
    if (csr === null) return false;
    return guestCsr(() => (writeCsr(h, csr, value, 0), 0n)) !== null;
  }
  return true;
}

/** The CSR number behind a regnum, if demu offers it. */
function csrOf(regnum: number): number | null {
  const csr = regnum - FIRST_CSR;
  return FP_CSRS.some(([, c]) => c === csr) || CSRS.some(([, c]) => c === csr) ? csr : null;
}

/** Runs a CSR access; a guest exception (FS off, a missing CSR) becomes null. */
function guestCsr(f: () => bigint): bigint | null {
  try {
    return f();
  } catch (e) {
    if (e === TRAP) return null;
    throw e;
  }
}
