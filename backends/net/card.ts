/**
 * Opens a network card (`eth0: { driver: "user" }` in a config, or
 * `--net user`; a socket link to another VM with `--net stream,...` or
 * `--net dgram,...`) as a virtio-net device with its host backend. Forwarded
 * ports start listening here, so a port in use or a missing --allow-net is
 * one clear line before the machine starts.
 */
import type { EthConfig } from "../../board/config.ts";
import { parseMac, VirtioNet } from "../../devices/virtio_net.ts";
import { type HostForward, parseHostForward } from "./hostfwd.ts";
import { openLink, parseLinkSpec } from "./link.ts";
import { UserNetwork } from "./user.ts";

export interface NetFlags {
  /** `--hostfwd` values, applied to the first user-mode card. */
  hostfwd?: string[];
}

/** TinyEMU's MAC scheme: 02:00:00:00:00:0N for card N-1. */
function macFor(index: number): Uint8Array {
  return new Uint8Array([0x02, 0, 0, 0, 0, (index + 1) & 0xff]);
}

/**
 * The driver without its `,mac=XX:XX:XX:XX:XX:XX` (any driver takes one: VMs on
 * one link need different MACs), and the MAC from there or the config's `mac` key.
 */
export function splitNetDriver(eth: EthConfig): { driver: string; macText?: string } {
  const parts = eth.driver.split(",");
  const macText = parts.find((p) => p.startsWith("mac="))?.slice(4) ?? eth.mac;
  return { driver: parts.filter((p) => !p.startsWith("mac=")).join(","), macText };
}

/** Whether a card is on demu's user-mode network (it reaches what --allow-net grants). */
export function isUserNetwork(eth: EthConfig): boolean {
  return splitNetDriver(eth).driver === "user";
}

export function openNet(eth: EthConfig, index: number, flags: NetFlags): VirtioNet {
  const { driver, macText } = splitNetDriver(eth);
  const mac = macText !== undefined ? parseMac(macText) : macFor(index);
  const link = parseLinkSpec(driver);
  if (link) return new VirtioNet(openLink(link), { mac });
  if (driver !== "user") {
    throw new Error(
      `eth${index}: network driver '${driver}' is not supported (demu has 'user', ` +
        `'stream,listen=HOST:PORT', 'stream,connect=HOST:PORT' and ` +
        `'dgram,local=HOST:PORT,remote=HOST:PORT')`,
    );
  }
  const forwards: HostForward[] = index === 0 ? (flags.hostfwd ?? []).map(parseHostForward) : [];
  return new VirtioNet(new UserNetwork({ forwards }), { mac });
}
