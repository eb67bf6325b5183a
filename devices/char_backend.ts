/** The host side of a character device (console): where guest output goes. */
export interface CharBackend {
  write(bytes: Uint8Array): void;
}
