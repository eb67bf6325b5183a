/*
 * The bare-metal program the GDB tests debug (tests/gdb_test.ts): a function
 * to break at, a global to watch, and a result checked at the end, so a
 * debugger that disturbs the run makes it fail (exit status 1).
 */
#include <stdint.h>

volatile uint64_t counter;
volatile uint64_t result;

__attribute__((noinline)) uint64_t step(uint64_t x) {
  counter = counter + x;
  return counter * 3;
}

int main(void) {
  uint64_t acc = 0;
  for (uint64_t i = 1; i <= 100; i++) acc += step(i);
  result = acc;
  return acc == 515100 ? 0 : 1; /* 3 * sum of i(i+1)/2 for i = 1..100 */
}
