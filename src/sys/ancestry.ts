// proctop's own place in the process tree, read once per action: its parent chain.
// Guards protect these ancestors (a signal must never hit the shell or service that runs proctop
// by accident) while siblings in the same process group stay ordinary targets.
import { readFile } from 'node:fs/promises';
import { parseStat } from './js/proc-stat.js';
import type { ProcessIdentity } from './types.js';

/** Longest parent chain followed: PID namespaces nest, but never this deep. */
const MAX_DEPTH = 4096;

/**
 * pid's ancestors, parent first, up to and including PID 1, from /proc/PID/stat. A link that
 * cannot be read (gone, hidepid) ends the chain.
 */
export async function readAncestors(pid: number, procRoot = '/proc'): Promise<ProcessIdentity[]> {
  const statOf = async (p: number) => {
    try {
      return parseStat(await readFile(`${procRoot}/${p}/stat`, 'utf8'));
    } catch {
      return null; // gone, or hidden (hidepid): the chain ends here
    }
  };
  const own = await statOf(pid);
  const ancestors: ProcessIdentity[] = [];
  const seen = new Set<number>([pid]);
  for (let next = own?.ppid ?? 0; next > 0 && !seen.has(next) && ancestors.length < MAX_DEPTH; ) {
    seen.add(next);
    const stat = await statOf(next);
    if (!stat) break;
    ancestors.push({ pid: stat.pid, startTime: stat.startTime });
    next = stat.ppid;
  }
  return ancestors;
}
