/** Shell lines that drive the guest's framebuffer and input devices with busybox. */

/** Writes `rows` rows of one colour (its 4 bytes B G R A, octal escapes) from row `y` of /dev/fb0. */
export function fillRowsCommand(octalPixel: string, y: number, rows: number, width: number) {
  // 4 bytes doubled 14 times: 64 KiB of the pixel; dd writes whole rows of it.
  return `printf '${octalPixel}' > /tmp/p; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do ` +
    `cat /tmp/p /tmp/p > /tmp/q; mv /tmp/q /tmp/p; done; ` +
    `dd if=/tmp/p of=/dev/fb0 bs=${width * 4} seek=${y} count=${rows} 2>/dev/null; echo written`;
}

/** Prints the event device whose input device name contains `word`. */
export function eventDeviceCommand(word: string) {
  return `for e in /sys/class/input/event*; do grep -q ${word} $e/device/name && ` +
    `echo /dev/input/\${e##*/}; done`;
}

/** Reads `count` input_events (24 bytes on rv64) from `device`, one hex line each. */
export function readEventsCommand(device: string, count: number) {
  return `dd if=${device} bs=24 count=${count} 2>/dev/null | hexdump -v -e '24/1 "%02x " "\\n"'`;
}

/** A hex line of one input_event; type, code and value are its last 8 bytes. */
export const EVENT_LINE = /(?:[0-9a-f]{2} ){23}[0-9a-f]{2}/g;

/** The type, code and value bytes of each event line in `text`. */
export function eventTails(text: string): string[] {
  return [...text.matchAll(EVENT_LINE)].map((m) => m[0].split(" ").slice(16).join(" "));
}
