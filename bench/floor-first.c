// Floor (b): the /proc files the addon's first snapshot reads, nothing more: per pid stat,
// stat() of the pid dir (owner uid), cmdline (to EOF) and readlink of exe, plus the four
// system files. No parsing, no caching. Usage: floor-first PROCROOT RUNS
// Prints one line per run: "<wall ms> <processes> <CPU ms>".
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double clock_ms(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static char buf[65536];

static int read_file(int root_fd, const char *path) {
  int fd = openat(root_fd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n;
  // Like the addon: a short read is EOF.
  while ((n = read(fd, buf, sizeof buf)) == (ssize_t)sizeof buf) {
  }
  close(fd);
  return n < 0 ? -1 : 0;
}

static int read_first_snapshot_files(const char *root) {
  int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = fdopendir(root_fd);
  if (!dir) return -1;
  char path[300], link[4096];
  int count = 0;
  struct dirent *entry;
  struct stat st;
  while ((entry = readdir(dir))) {
    const char *name = entry->d_name;
    if (name[0] < '1' || name[0] > '9') continue;
    snprintf(path, sizeof path, "%s/stat", name);
    if (read_file(root_fd, path) < 0) continue;
    if (fstatat(root_fd, name, &st, 0) < 0) continue;
    snprintf(path, sizeof path, "%s/cmdline", name);
    read_file(root_fd, path);
    snprintf(path, sizeof path, "%s/exe", name);
    (void)readlinkat(root_fd, path, link, sizeof link);
    count++;
  }
  read_file(root_fd, "stat");
  read_file(root_fd, "meminfo");
  read_file(root_fd, "loadavg");
  read_file(root_fd, "uptime");
  closedir(dir);
  return count;
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : "/proc";
  int runs = argc > 2 ? atoi(argv[2]) : 15;
  for (int i = 0; i < runs; i++) {
    double start = clock_ms(CLOCK_MONOTONIC);
    double start_cpu = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    int count = read_first_snapshot_files(root);
    double cpu = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - start_cpu;
    printf("%.3f %d %.3f\n", clock_ms(CLOCK_MONOTONIC) - start, count, cpu);
  }
  return 0;
}
