import { execFileSync } from 'node:child_process';
import { readFile, readlink, stat } from 'node:fs/promises';
import { parseProcStat } from '../sys/js/system-info.js';
import { parseStat, PF_KTHREAD } from '../sys/js/proc-stat.js';
import type { ProcessIdentity, RawProcess } from '../sys/types.js';
import { decodeBytes } from '../sys/js/byte-text.js';

/**
 * The few facts an action needs about a process, read straight from /proc/PID/stat (plus the
 * directory owner). Cheaper than a full snapshot, so escalation loops can re-read it often.
 */
export interface ProcessEntry extends ProcessIdentity {
  readonly ppid: number;
  readonly pgid: number;
  /** Session id. */
  readonly sid: number;
  /** One-letter kernel state; Z and X mean the process has already exited. */
  readonly state: string;
  /** Kernel command name. */
  readonly comm: string;
  /** Owner uid of /proc/PID (the lead's rule for "the uid of a process"). */
  readonly uid: number;
  /** utime + stime in clock ticks (for --cpu-above). */
  readonly cpuTicks: number;
  /** PF_KTHREAD set in the stat flags. */
  readonly isKernelThread: boolean;
}

/** How a tree member was found. */
export type TreeRelation = 'root' | 'descendant' | 'group' | 'session' | 'newcomer';

/** One process of a tree to terminate, with the identity captured when it was found. */
export interface TreeMember extends ProcessEntry {
  readonly relation: TreeRelation;
}

/** Reads one process now; null when it does not exist (or its stat is unreadable). */
export async function readProcessEntry(procRoot: string, pid: number): Promise<ProcessEntry | null> {
  try {
    const [text, owner] = await Promise.all([readFile(`${procRoot}/${pid}/stat`).then(decodeBytes), stat(`${procRoot}/${pid}`)]);
    const parsed = parseStat(text);
    if (!parsed) return null;
    return {
      pid: parsed.pid,
      startTime: parsed.startTime,
      ppid: parsed.ppid,
      pgid: parsed.pgid,
      sid: parsed.sid,
      state: parsed.state,
      comm: parsed.comm,
      uid: owner.uid,
      cpuTicks: parsed.utime + parsed.stime,
      isKernelThread: (parsed.flags & PF_KTHREAD) !== 0,
    };
  } catch {
    return null;
  }
}

/** The entry of a snapshot's process record. */
export function processEntryOf(p: RawProcess): ProcessEntry {
  return {
    pid: p.pid,
    startTime: p.startTime,
    ppid: p.ppid,
    pgid: p.pgid,
    sid: p.sid,
    state: p.state,
    comm: p.comm,
    uid: p.uid,
    cpuTicks: p.utime + p.stime,
    isKernelThread: p.isKernelThread,
  };
}

/** Target of /proc/PID/exe, or null when unreadable (other user without privilege, kernel thread, gone). */
export async function readExePath(procRoot: string, pid: number): Promise<string | null> {
  try {
    return await readlink(`${procRoot}/${pid}/exe`);
  } catch {
    return null;
  }
}

/** Boot time in Unix epoch ms ("btime" of /proc/stat, one-second resolution). */
export async function readBootTimeMs(procRoot: string): Promise<number> {
  const { bootTimeMs } = parseProcStat(await readFile(`${procRoot}/stat`, 'utf8'));
  if (bootTimeMs === 0) throw new Error(`${procRoot}/stat has no btime line`);
  return bootTimeMs;
}

let ticksPerSecond: number | undefined;

/** sysconf(_SC_CLK_TCK) via getconf, once; 100 (the value on every mainstream Linux) if that fails. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim());
      ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** True when the entry is a zombie or dead: it has exited even though /proc still lists it. */
export function hasExited(entry: ProcessEntry): boolean {
  return entry.state === 'Z' || entry.state === 'X';
}

/**
 * Everything that belongs to the tree of `root` in one process table: descendants by ppid, plus
 * (when the root leads them) its process group and session, which keep orphans whose parent
 * already exited and was replaced by a subreaper. Kernel threads never belong.
 */
export function collectTree(entries: readonly ProcessEntry[], root: ProcessEntry, excluded: (entry: ProcessEntry) => boolean = () => false): TreeMember[] {
  const members = new Map<number, TreeMember>([[root.pid, { ...root, relation: 'root' }]]);
  addNewcomers(entries, root, members, 'descendant', excluded);
  return [...members.values()];
}

/**
 * Adds to `members` every process of `entries` that is a child of a member (born after it), or in
 * the root's group or session when the root leads it, repeating until nothing new is found.
 * `excluded` processes never join (nor do their children through them: proctop and its ancestors).
 * Returns the added ones.
 */
export function addNewcomers(
  entries: readonly ProcessEntry[],
  root: ProcessIdentity & { readonly pgid: number; readonly sid: number },
  members: Map<number, TreeMember>,
  relationOfChildren: TreeRelation,
  excluded: (entry: ProcessEntry) => boolean = () => false,
): TreeMember[] {
  const added: TreeMember[] = [];
  const leadsGroup = root.pgid === root.pid;
  const leadsSession = root.sid === root.pid;
  const liveByPid = new Map(entries.map((e) => [e.pid, e]));
  // A member counts as a parent only while it is alive in this table with its own start time.
  const isLiveMember = (member: TreeMember | undefined): member is TreeMember =>
    member !== undefined && liveByPid.get(member.pid)?.startTime === member.startTime;
  for (let changed = true; changed; ) {
    changed = false;
    for (const entry of entries) {
      if (entry.isKernelThread || excluded(entry)) continue;
      const known = members.get(entry.pid);
      // Same pid, different start time: the member's pid was reused; the newcomer is a stranger
      // unless the rules below adopt it on their own.
      if (known && known.startTime === entry.startTime) continue;
      const parent = members.get(entry.ppid);
      let relation: TreeRelation | null = null;
      if (isLiveMember(parent) && entry.startTime >= parent.startTime) relation = relationOfChildren;
      else if (leadsGroup && entry.pgid === root.pid) relation = relationOfChildren === 'newcomer' ? 'newcomer' : 'group';
      else if (leadsSession && entry.sid === root.pid) relation = relationOfChildren === 'newcomer' ? 'newcomer' : 'session';
      if (relation === null || known) continue;
      const member: TreeMember = { ...entry, relation };
      members.set(entry.pid, member);
      added.push(member);
      changed = true;
    }
  }
  return added;
}
