// Floor (a): the least any refresh must do: read /proc/PID/stat of every process
// (opendir + readdir, then openat + one read + close per pid). Usage: floor-stat PROCROOT RUNS
// Prints one line per run: "<wall ms> <processes> <CPU ms>".
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double clock_ms(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int read_all_stats(const char *root) {
  int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = fdopendir(root_fd);
  if (!dir) return -1;
  char path[300], buf[4096];
  int count = 0;
  struct dirent *entry;
  while ((entry = readdir(dir))) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "%s/stat", entry->d_name);
    int fd = openat(root_fd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    if (read(fd, buf, sizeof buf - 1) > 0) count++;
    close(fd);
  }
  closedir(dir);
  return count;
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : "/proc";
  int runs = argc > 2 ? atoi(argv[2]) : 15;
  for (int i = 0; i < runs; i++) {
    double start = clock_ms(CLOCK_MONOTONIC);
    double start_cpu = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    int count = read_all_stats(root);
    double cpu = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - start_cpu;
    printf("%.3f %d %.3f\n", clock_ms(CLOCK_MONOTONIC) - start, count, cpu);
  }
  return 0;
}
