/**
 * Opens a network card (`eth0: { driver: "user" }` in a config, or
 * `--net user`) as a virtio-net device with its host backend. Forwarded
 * ports start listening here, so a port in use or a missing --allow-net is
 * one clear line before the machine starts.
 */
import type { EthConfig } from "../core/config.ts";
import { VirtioNet } from "../devices/virtio_net.ts";
import { type HostForward, parseHostForward } from "./net/hostfwd.ts";
import { UserNetwork } from "./net/user.ts";

export interface NetFlags {
  /** `--hostfwd` values, applied to the first user-mode card. */
  hostfwd?: string[];
}

/** TinyEMU's MAC scheme: 02:00:00:00:00:0N for card N-1. */
function macFor(index: number): Uint8Array {
  return new Uint8Array([0x02, 0, 0, 0, 0, (index + 1) & 0xff]);
}

export function openNet(eth: EthConfig, index: number, flags: NetFlags): VirtioNet {
  if (eth.driver !== "user") {
    throw new Error(
      `eth${index}: network driver '${eth.driver}' is not supported (demu has 'user': ` +
        `user-mode networking through Deno sockets)`,
    );
  }
  const forwards: HostForward[] = index === 0 ? (flags.hostfwd ?? []).map(parseHostForward) : [];
  return new VirtioNet(new UserNetwork({ forwards }), { mac: macFor(index) });
}
