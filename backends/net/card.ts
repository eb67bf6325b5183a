/**
 * Opens a network card (`eth0: { driver: "user" }` in a config, or
 * `--net user`; a socket link to another VM with `--net stream,...` or
 * `--net dgram,...`) as a virtio-net device with its host backend. Forwarded
 * ports start listening here, so a port in use or a missing --allow-net is
 * one clear line before the machine starts.
 */
import type { EthConfig, VmConfig } from "../../board/config.ts";
import { parseMac, VirtioNet } from "../../devices/virtio_net.ts";
import { type HostForward, parseHostForward } from "./hostfwd.ts";
import { openLink, parseLinkSpec } from "./link.ts";
import { UserNetwork } from "./user.ts";
import { type DeviceKind, flagValues, type Need } from "../device_kind.ts";

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

/** Network cards: `ethN` in a config, `--net`, and `--hostfwd` for the first card. */
export const netKind: DeviceKind = {
  name: "network card",
  options: {
    net: { type: "string", multiple: true },
    hostfwd: { type: "string", multiple: true },
  },
  help: `  --net user           add a network card on demu's user-mode network (repeatable):
                       guest 10.0.2.15 by DHCP, 10.0.2.2 is the host's 127.0.0.1,
                       DNS 10.0.2.3; what the guest may reach is what --allow-net
                       allows (e.g. --allow-net=127.0.0.1)
  --net stream,listen=HOST:PORT | stream,connect=HOST:PORT
  --net dgram,local=HOST:PORT,remote=HOST:PORT
                       link to another VM (demu or QEMU -netdev stream/dgram);
                       needs --allow-net for the addresses; add ,mac=02:00:00:00:00:02
                       so the VMs' MACs differ
  --hostfwd tcp:[ADDR]:HOSTPORT-:GUESTPORT
                       forward a host port (ADDR default 127.0.0.1) to the guest;
                       needs --allow-net=ADDR:HOSTPORT`,
  addFromFlags(config, flags) {
    for (const driver of flagValues(flags, "net")) config.eth.push({ driver });
  },
  needs: netNeeds,
  sandbox(config, flags, { checkGrants }) {
    const notes: string[] = [];
    // The cards --net added are the last ones; the config's come first.
    const fromConfig = config.eth.length - flagValues(flags, "net").length;
    if (fromConfig > 0) {
      notes.push(
        `sandbox: the config's network card${fromConfig > 1 ? "s are" : " is"} left out ` +
          "(give --net user to grant one)",
      );
      config.eth = config.eth.slice(fromConfig);
    }
    const userCard = config.eth.some(isUserNetwork);
    if (
      checkGrants && userCard && Deno.permissions.querySync({ name: "net" }).state === "granted"
    ) {
      throw new Error(
        "--sandbox: a --net user guest would reach every address this process may; grant only " +
          "what it may reach (--allow-net=HOST:PORT,...) instead of all of the network",
      );
    }
    return notes;
  },
  open(config, flags) {
    if (flags.hostfwd?.length && config.eth.length === 0) {
      throw new Error("--hostfwd needs a network card (--net user or eth0 in the config)");
    }
    return Promise.resolve(config.eth.map((eth, i) => openNet(eth, i, flags)));
  },
  usesNetwork: (config) => config.eth.length > 0,
};

/** A link's addresses; the first user-mode card's forwarded ports. */
function netNeeds(config: VmConfig, flags: NetFlags): Need[] {
  const needs: Need[] = [];
  const purpose = "the network link";
  for (const [i, eth] of config.eth.entries()) {
    const link = parseLinkSpec(splitNetDriver(eth).driver);
    if (link?.kind === "stream") {
      needs.push({ kind: "net", value: `${link.at.hostname}:${link.at.port}`, purpose });
    } else if (link?.kind === "dgram") {
      needs.push({ kind: "net", value: `${link.local.hostname}:${link.local.port}`, purpose });
      needs.push({ kind: "net", value: `${link.remote.hostname}:${link.remote.port}`, purpose });
    } else if (i === 0) {
      for (const text of flags.hostfwd ?? []) {
        const f = parseHostForward(text);
        const at = `${f.hostAddress}:${f.hostPort}`;
        needs.push({ kind: "net", value: at, purpose: `forwarding ${at}` });
      }
    }
  }
  return needs;
}
