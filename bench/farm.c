// A farm of N idle processes for the benchmark. Every member dies with the farm (PDEATHSIG),
// and the farm dies with the node process that started it, so nothing outlives the bench
// even after Ctrl-C or a crash. Usage: farm N   (prints "ready N" once all members exist;
// closing stdin or SIGTERM ends the farm and every member).
#define _GNU_SOURCE
#include <errno.h>
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

static void on_term(int sig) {
  (void)sig;
  kill_members();
  _exit(0);
}

int main(int argc, char **argv) {
  int count = argc > 1 ? atoi(argv[1]) : 1000;
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
      for (;;) pause();
    }
    members[started] = pid;
  }
  printf("ready %d\n", started);
  fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof buf) > 0) {
  }
  kill_members();
  return 0;
}
