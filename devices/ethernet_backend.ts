/**
 * The contract between the virtio-net device and a host network (user-mode
 * NAT, a socket link to another VM). Frames are whole Ethernet frames with
 * no virtio header and no FCS.
 */

/** The guest side as a backend sees it. */
export interface EthernetPort {
  /** The guest's MAC address. */
  readonly mac: Uint8Array;
  /**
   * Hands a frame to the guest. Returns false when it was dropped because
   * the device's bounded receive queue is full.
   */
  receive(frame: Uint8Array, offload?: ReceiveOffload): boolean;
  /**
   * True while the guest's driver takes TCP/IPv4 frames larger than the MTU
   * (a `gsoSize` offload): one large frame then costs the guest one packet.
   */
  readonly largeTcp?: boolean;
  /**
   * True while the guest's driver takes frames whose TCP/UDP checksum is left
   * partial (`partialChecksum` offload: it trusts or completes it itself), so
   * the host never sums the payload.
   */
  readonly partialChecksum?: boolean;
}

/** What the host side vouches for on a frame it hands to the guest. */
export interface ReceiveOffload {
  /** Its IPv4 and TCP/UDP checksums are correct: the guest need not verify them. */
  checksummed?: boolean;
  /** A TCP/IPv4 frame larger than the MTU, made of segments of this many payload bytes. */
  gsoSize?: number;
  /**
   * The transport checksum is partial: the pseudo-header sum at `offset`
   * bytes past `start` (the transport header's place in the frame), the rest
   * left to the guest. Only for a port whose `partialChecksum` is true.
   */
  partialChecksum?: { start: number; offset: number };
}

/** What the guest side says about a frame it sends. */
export interface TransmitOffload {
  /**
   * Its TCP/IPv4 checksum was left to the host and never computed: the frame
   * came straight from guest memory, so a backend that terminates TCP need
   * not verify it. Only for a backend with `acceptsPartialChecksum`.
   */
  checksumLeftToHost?: boolean;
}

/** The host side of a network interface. */
export interface EthernetBackend {
  /** Called once, when the device is created. */
  attach(port: EthernetPort): void;
  /**
   * True when the backend takes TCP/IPv4 frames larger than the MTU from the
   * guest (the user-mode NAT does; a link to another VM does not).
   */
  readonly acceptsLargeFrames?: boolean;
  /**
   * True when the backend takes TCP/IPv4 frames whose checksum the guest left
   * to the host without it being computed (the user-mode NAT, which ends
   * every TCP connection itself); others get completed checksums.
   */
  readonly acceptsPartialChecksum?: boolean;
  /** A frame the guest transmitted (the backend may keep it). */
  send(frame: Uint8Array, offload?: TransmitOffload): void;
  /** Closes sockets and timers; called when the machine closes. */
  close?(): Promise<void> | void;
}
