// The floor for listing open fds: opendir /proc/PID/fd, readlinkat every entry, nothing else.
// Usage: floor-fds PID RUNS → prints {"median_ms": M, "median_cpu_ms": C, "fds": N}: wall and CPU
// time, timed in-process (no exec cost).
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double clock_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int compare(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s PID RUNS\n", argv[0]);
    return 2;
  }
  char dir_path[64];
  snprintf(dir_path, sizeof dir_path, "/proc/%s/fd", argv[1]);
  int runs = atoi(argv[2]);
  double* times = calloc((size_t)runs, sizeof *times);
  double* cpu = calloc((size_t)runs, sizeof *cpu);
  long count = 0;
  char target[4096];
  for (int r = 0; r < runs; r++) {
    double start = clock_ms(CLOCK_MONOTONIC);
    double cpu_start = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    DIR* dir = opendir(dir_path);
    if (!dir) {
      perror(dir_path);
      return 1;
    }
    count = 0;
    struct dirent* entry;
    while ((entry = readdir(dir)) != NULL) {
      if (entry->d_name[0] == '.') continue;
      if (readlinkat(dirfd(dir), entry->d_name, target, sizeof target) > 0) count++;
    }
    closedir(dir);
    times[r] = clock_ms(CLOCK_MONOTONIC) - start;
    cpu[r] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
  }
  qsort(times, (size_t)runs, sizeof *times, compare);
  qsort(cpu, (size_t)runs, sizeof *cpu, compare);
  printf("{\"median_ms\": %.3f, \"median_cpu_ms\": %.3f, \"fds\": %ld}\n", times[runs / 2], cpu[runs / 2], count);
  return 0;
}
