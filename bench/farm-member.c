// A member of the benchmark's farm (bench/farm.c): exec'd by each forked member so that it has an
// address space of its own, then sleeps until the farm kills it. Built static where the C
// library allows (bench/compile.mjs), so members share no C library pages either.
#include <unistd.h>

int main(void) {
  for (;;) pause();
}
