/** ARP for IPv4 over Ethernet (RFC 826): the stack answers requests for its virtual hosts. */

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

export interface ArpPacket {
  op: number;
  senderMac: Uint8Array;
  senderIp: number;
  targetMac: Uint8Array;
  targetIp: number;
}

export function parseArp(b: Uint8Array): ArpPacket | null {
  if (b.length < 28) return null;
  const v = new DataView(b.buffer, b.byteOffset, 28);
  // Ethernet hardware, IPv4 protocol, address sizes 6 and 4.
  if (v.getUint16(0) !== 1 || v.getUint16(2) !== 0x0800 || b[4] !== 6 || b[5] !== 4) return null;
  return {
    op: v.getUint16(6),
    senderMac: b.slice(8, 14),
    senderIp: v.getUint32(14),
    targetMac: b.slice(18, 24),
    targetIp: v.getUint32(24),
  };
}

export function buildArp(p: ArpPacket): Uint8Array {
  const b = new Uint8Array(28);
  const v = new DataView(b.buffer);
  v.setUint16(0, 1);
  v.setUint16(2, 0x0800);
  b[4] = 6;
  b[5] = 4;
  v.setUint16(6, p.op);
  b.set(p.senderMac, 8);
  v.setUint32(14, p.senderIp);
  b.set(p.targetMac, 18);
  v.setUint32(24, p.targetIp);
  return b;
}
