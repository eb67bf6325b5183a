/**
 * VirtIO entropy device (device id 4, VirtIO 1.2 §5.4): one request queue;
 * each request is a device-writable buffer that comes back filled. So Linux's
 * crng is seeded at boot and systemd, Python and getrandom() never wait.
 * Entropy comes from crypto.getRandomValues; with --deterministic from a
 * seeded generator (deterministicRandom), so runs stay reproducible.
 */
import { type VirtioDevice, type VirtioTransport } from "./virtio.ts";

export const VIRTIO_ID_RNG = 4;
const REQUESTQ = 0;
/** Bytes given per request at most (Linux asks for 64 at a time). */
const REQUEST_LIMIT = 64 * 1024;

/** A source of random bytes: fills `into` completely. */
export type EntropySource = (into: Uint8Array) => void;

/** The host's cryptographic randomness (getRandomValues takes at most 64 KiB a call). */
export const hostRandom: EntropySource = (into) => {
  for (let at = 0; at < into.length; at += 65536) {
    crypto.getRandomValues(into.subarray(at, Math.min(into.length, at + 65536)));
  }
};

/** A reproducible stream (splitmix32 steps) from `seed`; not for secrets. */
export function deterministicRandom(seed = 0x64656d75): EntropySource {
  let state = seed >>> 0;
  return (into) => {
    for (let i = 0; i < into.length; i++) {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      into[i] = (z ^ (z >>> 16)) & 0xff;
    }
  };
}

export class VirtioRng implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_RNG;
  readonly features = 0n;
  readonly numQueues = 1;
  private transport: VirtioTransport | null = null;

  constructor(private readonly entropy: EntropySource = hostRandom) {}

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  configRead(): number {
    return 0; // no config space
  }

  configWrite(): void {}

  queueNotify(q: number): void {
    const vq = this.transport?.queue(q);
    if (q !== REQUESTQ || !vq) return;
    for (let chain = vq.pop(); chain; chain = vq.pop()) {
      const bytes = new Uint8Array(Math.min(chain.writeLength, REQUEST_LIMIT));
      this.entropy(bytes);
      vq.push(chain, vq.copyTo(chain, 0, bytes));
    }
  }

  reset(): void {}
}
