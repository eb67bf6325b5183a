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
  receive(frame: Uint8Array): boolean;
}

/** The host side of a network interface. */
export interface EthernetBackend {
  /** Called once, when the device is created. */
  attach(port: EthernetPort): void;
  /** A frame the guest transmitted (the backend may keep it). */
  send(frame: Uint8Array): void;
  /** Closes sockets and timers; called when the machine closes. */
  close?(): Promise<void> | void;
}
