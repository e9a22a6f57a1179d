// A farm of N idle processes for the benchmark. Every member dies with the farm (PDEATHSIG,
// which execve keeps), and the farm dies with the node process that started it, so nothing
// outlives the bench even after Ctrl-C or a crash. Usage: farm N [MEMBER]   (prints "ready N"
// once all members exist; closing stdin or SIGTERM ends the farm and every member).
//
// Each member execs MEMBER (bench/farm-member.c) when given, as the processes of a real box are
// exec'd programs with address spaces of their own. Forked members that only pause share every
// page of the farm, its anonymous ones included, 20,000 ways: on a kernel that samples page
// accesses (DAMON's kdamond.0, run by this VM's host to reclaim memory) each sampled shared page
// costs a walk over every member's mapping, and kdamond took ~790 ms of CPU per second with
// 20,000 forked members against ~50 ms with exec'd static ones (README, Benchmarks: session 25).
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t *members;
static int started;

static void kill_members(void) {
  for (int i = 0; i < started; i++) kill(members[i], SIGKILL);
  for (int i = 0; i < started; i++) waitpid(members[i], NULL, 0);
}

/** Waits (at most 60 s) until every member's /proc/PID/exe is `member`; false on timeout. */
static int all_exec_d(const char *member) {
  char want[PATH_MAX];
  if (realpath(member, want) == NULL) return 0;
  int waited_ms = 0;
  for (int i = 0; i < started; i++) {
    char path[64];
    char got[PATH_MAX];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)members[i]);
    for (;;) {
      ssize_t n = readlink(path, got, sizeof got - 1);
      if (n >= 0) {
        got[n] = '\0';
        if (strcmp(got, want) == 0) break;
      }
      if (waited_ms >= 60000) return 0;
      usleep(1000);
      waited_ms++;
    }
  }
  return 1;
}

static void on_term(int sig) {
  (void)sig;
  kill_members();
  _exit(0);
}

int main(int argc, char **argv) {
  int count = argc > 1 ? atoi(argv[1]) : 1000;
  const char *member = argc > 2 ? argv[2] : NULL;
  pid_t starter = getppid();
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != starter) return 1;  // the starter died before the prctl took effect
  members = calloc((size_t)count, sizeof *members);
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  signal(SIGHUP, on_term);
  pid_t farm = getpid();
  for (; started < count; started++) {
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "farm: fork failed after %d members: %s\n", started, strerror(errno));
      kill_members();
      return 1;
    }
    if (pid == 0) {
      signal(SIGTERM, SIG_DFL);
      signal(SIGINT, SIG_DFL);
      signal(SIGHUP, SIG_DFL);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != farm) _exit(0);
      // A member needs no fd: holding the farm's pipes would only add 3 fds per member for
      // every fd scanner under test (pipe-peer scans walk every process) to read.
      close(0);
      close(1);
      close(2);
      if (member != NULL) {
        execl(member, "farm-member", (char *)NULL);
        _exit(127);
      }
      for (;;) pause();
    }
    members[started] = pid;
  }
  // Ready once every member runs MEMBER (its exe link names it), so a reader never sees one mid-exec.
  if (member != NULL && !all_exec_d(member)) {
    fprintf(stderr, "farm: members had not exec'd %s after 60 s\n", member);
    kill_members();
    return 1;
  }
  printf("ready %d\n", started);
  fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof buf) > 0) {
  }
  kill_members();
  return 0;
}
