// Which of a process's descriptors (this one's, or a reader process's) are open on a
// /proc/PID/<file> (the native reader's kept stat handles and run checks), counted per pid asked about.
import { readdirSync, readlinkSync } from 'node:fs';

/** How many of holder's descriptors (default: this process's) are open on /proc/PID/<file>, per pid asked about (0 for none). */
export function procHandlesOf(file: 'stat' | 'schedstat', pids: readonly number[], holder: number | 'self' = 'self'): Map<number, number> {
  const counts = new Map<number, number>(pids.map((pid) => [pid, 0]));
  for (const fd of readdirSync(`/proc/${holder}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${holder}/fd/${fd}`);
    } catch {
      continue; // the listing's own descriptor, closed by now
    }
    const match = /^\/proc\/(\d+)\/(\w+)$/.exec(target);
    const pid = match && match[2] === file ? Number(match[1]) : NaN;
    const count = counts.get(pid);
    if (count !== undefined) counts.set(pid, count + 1);
  }
  return counts;
}
