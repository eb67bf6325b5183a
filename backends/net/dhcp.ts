/**
 * A DHCP server (RFC 2131) for one guest: every DISCOVER gets an OFFER and
 * every REQUEST an ACK for the same fixed lease, like QEMU's user network.
 */

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
const MAGIC = 0x63825363;
const DISCOVER = 1;
const OFFER = 2;
const REQUEST = 3;
const ACK = 5;
const LEASE_SECONDS = 86400;

export interface DhcpLease {
  guest: number;
  server: number;
  router: number;
  dns: number;
  netmask: number;
}

/** The reply (a BOOTP payload) to a client message, or null if there is none to give. */
export function dhcpReply(req: Uint8Array, lease: DhcpLease): Uint8Array | null {
  if (req.length < 240) return null;
  const v = new DataView(req.buffer, req.byteOffset, req.length);
  if (req[0] !== 1 || req[1] !== 1 || req[2] !== 6 || v.getUint32(236) !== MAGIC) return null;
  const type = findOption(req, 53);
  if (!type || type.length !== 1) return null;
  const answer = type[0] === DISCOVER ? OFFER : type[0] === REQUEST ? ACK : 0;
  if (!answer) return null;

  const out = new Uint8Array(300);
  const o = new DataView(out.buffer);
  out[0] = 2; // BOOTREPLY
  out[1] = 1;
  out[2] = 6;
  out.set(req.subarray(4, 8), 4); // xid
  out.set(req.subarray(10, 12), 10); // flags
  o.setUint32(16, lease.guest); // yiaddr
  o.setUint32(20, lease.server); // siaddr
  out.set(req.subarray(28, 44), 28); // chaddr
  o.setUint32(236, MAGIC);
  let at = 240;
  const put = (code: number, bytes: number[]) => {
    out[at++] = code;
    out[at++] = bytes.length;
    for (const b of bytes) out[at++] = b;
  };
  const ip = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  put(53, [answer]);
  put(54, ip(lease.server));
  put(51, ip(LEASE_SECONDS));
  put(1, ip(lease.netmask));
  put(3, ip(lease.router));
  put(6, ip(lease.dns));
  out[at++] = 255;
  return out;
}

/** The value of option `code`, or null; a malformed option list ends the search. */
function findOption(b: Uint8Array, code: number): Uint8Array | null {
  let at = 240;
  while (at < b.length) {
    const c = b[at];
    if (c === 255) break;
    if (c === 0) {
      at++;
      continue;
    }
    if (at + 1 >= b.length) break;
    const len = b[at + 1];
    if (at + 2 + len > b.length) break;
    if (c === code) return b.subarray(at + 2, at + 2 + len);
    at += 2 + len;
  }
  return null;
}
