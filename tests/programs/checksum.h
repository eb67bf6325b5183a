/*
 * How a benchmark program ends: it publishes its checksum (the host build
 * prints it) and, built for the guest with -DEXPECTED, returns 0 only if it
 * matches, so a wrong instruction fails the run instead of speeding it up.
 */
#include <stdint.h>

uint64_t checksum;

static int report_checksum(uint64_t acc) {
  checksum = acc;
#ifdef EXPECTED
  return acc == EXPECTED ? 0 : 1;
#else
  return 0;
#endif
}
