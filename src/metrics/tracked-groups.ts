// --group-by tag|group|name: groups made of tracked processes (the registry) and their descendants.
import { identityKey } from '../sampler/types.js';
import type { RawProcess } from '../sys/types.js';

/** What the exposition needs of one registry entry (a TrackedEntry has all of it). */
export interface TrackedLabelSource {
  readonly id: number;
  readonly pid: number;
  readonly startTime: number;
  readonly name: string | null;
  readonly tags: readonly string[];
  readonly groups: readonly string[];
}

/** The group name of an entry under --group-by name: its name, or "#ID" for an unnamed entry. */
export function trackedName(entry: TrackedLabelSource): string {
  return entry.name ?? `#${entry.id}`;
}

/** An entry's groups for one registry grouping. */
function namesFor(entry: TrackedLabelSource, groupBy: 'tag' | 'group' | 'name'): readonly string[] {
  if (groupBy === 'name') return [trackedName(entry)];
  return groupBy === 'tag' ? entry.tags : entry.groups;
}

/** Longest parent chain followed (PID namespaces nest a few levels; a loop must not spin). */
const MAX_DEPTH = 128;

/**
 * Group names of every process of a snapshot under a registry grouping: a tracked process (alive
 * entry, matched by identity) and every descendant that is not tracked itself count in the
 * nearest tracked ancestor's groups, as process-exporter's -children does (a server started with
 * `track run` brings its workers). A parent younger than its child is a reused PID: the chain
 * stops there. Processes outside every tracked tree get no group. Result in snapshot order.
 */
export function trackedGroupNames(processes: readonly RawProcess[], aliveEntries: readonly TrackedLabelSource[], groupBy: 'tag' | 'group' | 'name'): (readonly string[])[] {
  const entryByKey = new Map<string, TrackedLabelSource>();
  for (const entry of aliveEntries) entryByKey.set(identityKey(entry), entry);
  const byPid = new Map<number, RawProcess>();
  for (const p of processes) byPid.set(p.pid, p);
  const resolved = new Map<number, TrackedLabelSource | null>();
  const owner = (start: RawProcess): TrackedLabelSource | null => {
    const chain: number[] = [];
    let current: RawProcess | undefined = start;
    let found: TrackedLabelSource | null = null;
    for (let depth = 0; current !== undefined && depth < MAX_DEPTH; depth++) {
      const known = resolved.get(current.pid);
      if (known !== undefined) {
        found = known;
        break;
      }
      chain.push(current.pid);
      const entry = entryByKey.get(identityKey(current));
      if (entry) {
        found = entry;
        break;
      }
      const parent = byPid.get(current.ppid);
      if (parent === undefined || parent.pid === current.pid || parent.startTime > current.startTime) break;
      current = parent;
    }
    for (const pid of chain) resolved.set(pid, found);
    return found;
  };
  return processes.map((p) => {
    const entry = owner(p);
    return entry ? namesFor(entry, groupBy) : [];
  });
}
