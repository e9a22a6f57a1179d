// The cold-path half of the Collector, shared by both backends: one process's status, its parent
// chain, a link, the system figures, proctop's own context, nice values. None of these runs per
// refresh, so one TypeScript implementation serves the native and the JS collector alike.
import { realpath } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import { errnoCode, nodeProcFiles } from './js/proc-files.js';
import { isKernelThread, parseStat } from './js/proc-stat.js';
import { readSystemInfo } from './js/system-info.js';
import { UserNames } from './js/users.js';
import { loadedNativeAddon } from './native-addon.js';
import type {
  PriorityChange,
  PriorityRead,
  ProcessIdentity,
  ProcessLink,
  ProcessLinkName,
  ProcessStatus,
  SelfContext,
  SystemInfo,
} from './types.js';

const users = new UserNames(nodeProcFiles);

/** A live PID this user cannot see in /proc (hidepid): stat is missing, yet a signal-0 probe says EPERM. */
export async function isHiddenProcess(procRoot: string, pid: number): Promise<boolean> {
  if ((await readProcessStatus(procRoot, pid)) !== null) return false;
  try {
    process.kill(pid, 0);
    return false; // ours (hidepid never hides our own): it appeared after the read
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/** /proc's mount carries hidepid=1|2|noaccess|invisible and we are not root (root's CAP_SYS_PTRACE sees through it). */
export async function procHidesProcesses(procRoot: string): Promise<boolean> {
  if ((process.geteuid?.() ?? -1) === 0) return false;
  let text: string;
  try {
    text = await nodeProcFiles.readText(`${procRoot}/self/mountinfo`);
  } catch {
    return false;
  }
  // "... MOUNTPOINT OPTIONS ... - proc proc rw,hidepid=invisible": the last proc mount on procRoot wins.
  let hidden = false;
  for (const line of text.split('\n')) {
    const [left = '', right = ''] = line.split(' - ');
    const mountPoint = left.split(' ')[4];
    const [fsType, , superOptions = ''] = right.split(' ');
    if (fsType !== 'proc' || mountPoint !== procRoot) continue;
    const hidepid = /(?:^|,)hidepid=([^,]+)/.exec(superOptions)?.[1];
    hidden = hidepid !== undefined && hidepid !== '0' && hidepid !== 'off';
  }
  return hidden;
}

/** Reads one process now; null when it does not exist (or its stat is unreadable). */
export async function readProcessStatus(procRoot: string, pid: number): Promise<ProcessStatus | null> {
  try {
    const [text, uid] = await Promise.all([nodeProcFiles.readText(`${procRoot}/${pid}/stat`), nodeProcFiles.ownerUid(`${procRoot}/${pid}`)]);
    const parsed = parseStat(text);
    if (!parsed) return null;
    await users.prepare([uid]);
    return {
      pid: parsed.pid,
      startTime: parsed.startTime,
      ppid: parsed.ppid,
      pgid: parsed.pgid,
      sid: parsed.sid,
      state: parsed.state,
      comm: parsed.comm,
      uid,
      user: users.nameOf(uid),
      cpuTicks: parsed.utime + parsed.stime,
      isKernelThread: isKernelThread(parsed),
    };
  } catch {
    return null;
  }
}

// A parent chain longer than this is a loop in a fixture tree, not a real process table.
const MAX_ANCESTORS = 4096;

/** The parent chain of pid, nearest first, up to (and including) PID 1; an unreadable link ends it. */
export async function readAncestors(procRoot: string, pid: number): Promise<ProcessStatus[]> {
  const chain: ProcessStatus[] = [];
  let current = await readProcessStatus(procRoot, pid);
  while (current && current.ppid > 0 && chain.length < MAX_ANCESTORS) {
    const parent = await readProcessStatus(procRoot, current.ppid);
    if (!parent || chain.some((p) => p.pid === parent.pid)) break;
    chain.push(parent);
    current = parent;
  }
  return chain;
}

/** Reads one link of one process; never rejects. */
export async function readProcessLink(procRoot: string, pid: number, name: ProcessLinkName): Promise<ProcessLink> {
  try {
    return { path: await nodeProcFiles.readLink(`${procRoot}/${pid}/${name}`), error: null };
  } catch (err) {
    const code = errnoCode(err);
    const message = err instanceof Error ? err.message : String(err);
    if (code === 'EACCES' || code === 'EPERM') return { path: null, error: 'EACCES', message };
    if (code === 'ENOENT' || code === 'ESRCH') return { path: null, error: 'ENOENT', message };
    return { path: null, error: 'OTHER', message };
  }
}

/** realpath, or the path itself when it does not resolve. */
export function resolvePath(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

/** The system figures of a snapshot, read alone. */
export function readSystemFigures(procRoot: string): Promise<SystemInfo> {
  return readSystemInfo(nodeProcFiles, procRoot);
}

/** The calling process's pid and parent chain (a link that cannot be read, e.g. hidepid, ends it). */
export async function readSelfContext(procRoot: string): Promise<SelfContext> {
  const ancestors = (await readAncestors(procRoot, process.pid)).map(({ pid, startTime }) => ({ pid, startTime }));
  return { pid: process.pid, ancestors };
}

function errorName(error: unknown): string {
  const e = error as { code?: string; info?: { code?: string } };
  return e.info?.code ?? e.code ?? 'error';
}

/** getpriority(PRIO_PROCESS, pid). */
export async function readPriority(pid: number): Promise<PriorityRead> {
  try {
    return { nice: getPriority(pid), error: null };
  } catch (error) {
    return { nice: null, error: errorName(error) };
  }
}

/** setpriority on exactly this identity: start time checked right before and right after. */
export async function setIdentityPriority(procRoot: string, target: ProcessIdentity, nice: number): Promise<PriorityChange> {
  const before = await readProcessStatus(procRoot, target.pid);
  if (!before) return { outcome: 'exited', error: 'no such process' };
  if (before.startTime !== target.startTime) return { outcome: 'reused', error: `start time is now ${before.startTime}, expected ${target.startTime}` };
  try {
    setPriority(target.pid, nice);
  } catch (error) {
    const code = errorName(error);
    if (code === 'EACCES' || code === 'EPERM') return { outcome: 'permission', error: code };
    return { outcome: code === 'ESRCH' ? 'exited' : 'error', error: code };
  }
  // A sleeper's new nice would show in the native readers' rows only by their bound on unread
  // stats (run checks): have them read its stat next time.
  loadedNativeAddon()?.markStatDue?.(target.pid);
  const after = await readProcessStatus(procRoot, target.pid);
  if (!after || after.startTime !== target.startTime) {
    return { outcome: 'reused', error: 'the process exited while being reniced; its PID may now name another process' };
  }
  return { outcome: 'set', error: null };
}
