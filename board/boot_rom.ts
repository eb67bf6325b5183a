/**
 * The reset code at 0x1000: a0 = hartid, a1 = the device tree, then a jump to
 * the firmware entry (what TinyEMU and QEMU do). The device tree follows the
 * code in the same ROM.
 */

export const BOOT_ROM_BASE = 0x1000;
/** Offset of the device tree inside the ROM. */
export const DTB_ROM_OFFSET = 0x400;

export function buildBootRom(entry: bigint, dtb: Uint8Array): Uint8Array {
  const rom = new Uint8Array(DTB_ROM_OFFSET + dtb.length);
  const view = new DataView(rom.buffer);
  const code = [
    0x00000297, // auipc t0, 0
    0x40028593, // addi  a1, t0, 0x400     (the device tree)
    0xf1402573, // csrr  a0, mhartid
    0x0182b283, // ld    t0, 24(t0)        (the entry below)
    0x00028067, // jr    t0
    0x00000013, // nop (padding)
  ];
  code.forEach((w, i) => view.setUint32(i * 4, w, true));
  view.setBigUint64(24, entry, true);
  rom.set(dtb, DTB_ROM_OFFSET);
  return rom;
}
