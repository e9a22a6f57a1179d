// A memory cgroup of the test's own (root only), to make the kernel reclaim the pages of a process
// without waking it: cgroup v1's memory.force_empty or cgroup v2's memory.reclaim.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const V1 = '/sys/fs/cgroup/memory';
const V2 = '/sys/fs/cgroup';

export interface MemoryCgroup {
  /** Moves pid into the cgroup: pages it faults in from now on are charged to it. */
  add(pid: number): void;
  /** Has the kernel reclaim as much of the cgroup's memory as it can (its processes do not run for it). */
  reclaim(): void;
  /** Removes the cgroup (its processes must have exited). */
  remove(): void;
}

/** Which cgroup interface can make one here: null when neither (not root, no memory controller). */
function hierarchy(): 'v1' | 'v2' | null {
  if (process.getuid?.() !== 0) return null;
  if (existsSync(join(V1, 'memory.limit_in_bytes'))) return 'v1';
  try {
    if (readFileSync(join(V2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory')) return 'v2';
  } catch {
    // no cgroup v2 at /sys/fs/cgroup
  }
  return null;
}

export const memoryCgroupAvailable = hierarchy() !== null;

export function createMemoryCgroup(name: string): MemoryCgroup {
  const kind = hierarchy();
  if (kind === null) throw new Error('no memory cgroup can be made here');
  const base = kind === 'v1' ? V1 : V2;
  // Enabled for the test's cgroup only if it was not already, and given back as found on remove.
  const enabled = kind === 'v2' && !readFileSync(join(V2, 'cgroup.subtree_control'), 'utf8').includes('memory');
  if (enabled) writeFileSync(join(V2, 'cgroup.subtree_control'), '+memory');
  const dir = join(base, `${name}-${process.pid}`);
  mkdirSync(dir);
  return {
    add: (pid) => writeFileSync(join(dir, 'cgroup.procs'), String(pid)),
    reclaim: () => {
      if (kind === 'v1') {
        writeFileSync(join(dir, 'memory.force_empty'), '0');
        return;
      }
      try {
        writeFileSync(join(dir, 'memory.reclaim'), readFileSync(join(dir, 'memory.current'), 'utf8').trim());
      } catch (error) {
        // EAGAIN: less than all of it could be reclaimed (what could be, was).
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
    },
    remove: () => {
      rmdirSync(dir);
      if (!enabled) return;
      try {
        writeFileSync(join(V2, 'cgroup.subtree_control'), '-memory');
      } catch {
        // another cgroup enabled it meanwhile and uses it: left on
      }
    },
  };
}
