import type { ProcessIdentity, ProcessStatus, RawProcess } from '../sys/types.js';

/** How a tree member was found. */
export type TreeRelation = 'root' | 'descendant' | 'group' | 'session' | 'newcomer';

/** One process of a tree to terminate, with the identity captured when it was found. */
export interface TreeMember extends ProcessStatus {
  readonly relation: TreeRelation;
}

/** The status of a snapshot's process record. */
export function processStatusOf(p: RawProcess): ProcessStatus {
  return {
    pid: p.pid,
    startTime: p.startTime,
    ppid: p.ppid,
    pgid: p.pgid,
    sid: p.sid,
    state: p.state,
    comm: p.comm,
    uid: p.uid,
    user: p.user,
    cpuTicks: p.utime + p.stime,
    isKernelThread: p.isKernelThread,
  };
}

/** True when the entry is a zombie or dead: it has exited even though the kernel still lists it. */
export function hasExited(entry: ProcessStatus): boolean {
  return entry.state === 'Z' || entry.state === 'X';
}

/**
 * Everything that belongs to the tree of `root` in one process table: descendants by ppid, plus
 * (when the root leads them) its process group and session, which keep orphans whose parent
 * already exited and was replaced by a subreaper. Kernel threads never belong.
 */
export function collectTree(entries: readonly ProcessStatus[], root: ProcessStatus, excluded: (entry: ProcessStatus) => boolean = () => false): TreeMember[] {
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
  entries: readonly ProcessStatus[],
  root: ProcessIdentity & { readonly pgid: number; readonly sid: number },
  members: Map<number, TreeMember>,
  relationOfChildren: TreeRelation,
  excluded: (entry: ProcessStatus) => boolean = () => false,
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
