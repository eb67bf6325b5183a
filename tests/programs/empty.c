/* Does nothing: QEMU's start-up and exit time, which tests/bench/qemu.ts takes off its figures. */
#include <stdint.h>
#include "checksum.h"

int main(void) { return report_checksum(0); }
