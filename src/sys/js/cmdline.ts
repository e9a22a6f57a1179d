/**
 * Splits /proc/PID/cmdline on NUL; trailing NULs make no empty arguments. A process that rewrote
 * its title (postgres, redis, nginx, setproctitle) leaves its title followed by the NUL padding of
 * the old argv area: that is one title string, as ps shows it, not dozens of empty arguments
 * (native/linux/proc_snapshot.cc SplitCommandLine does the same).
 */
export function parseCmdline(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\0');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}
