/** ICMP echo (RFC 792): the stack answers pings to its virtual hosts. */
import { checksum } from "./checksum.ts";

/** The echo reply for an echo request, or null for anything else or a bad checksum. */
export function echoReply(icmp: Uint8Array): Uint8Array | null {
  if (icmp.length < 8 || icmp[0] !== 8 || icmp[1] !== 0) return null;
  if (checksum(icmp) !== 0) return null;
  const reply = icmp.slice();
  reply[0] = 0;
  reply[2] = reply[3] = 0;
  const c = checksum(reply);
  reply[2] = c >> 8;
  reply[3] = c & 0xff;
  return reply;
}
