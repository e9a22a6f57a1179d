// Pure-JS reader of /proc/PID/fd: the fallback twin of native/linux/fd_list.cc (same rules, same results).
// /proc syscalls are a few microseconds each, far less than a promise round trip through the libuv
// pool, so the reads are synchronous in slices with a yield to the event loop between slices.
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FdEntry, FdKind, FdListing, FdListingError, ListFdsOptions, PipePeer, SocketInfo } from '../types.js';
import { SOCKET_TABLES, toSocketInfo } from './net.js';
import { decodeBytes } from './byte-text.js';

/** What a /proc/PID/fd readlink target says about the fd, before fdinfo and socket lookup. */
export interface FdTarget {
  readonly kind: FdKind;
  /** The target with a trailing " (deleted)" removed. */
  readonly path: string;
  /** The target ended in " (deleted)" (still to be confirmed by the link count). */
  readonly deletedSuffix: boolean;
  /** "/memfd:name" target. */
  readonly memfd: boolean;
  /** Inode of "socket:[N]" / "pipe:[N]". */
  readonly inode: number | null;
  /** "anon_inode:[eventfd]" → "eventfd"; "anon_inode:inotify" → "inotify". */
  readonly anonType: string | null;
}

const DELETED_SUFFIX = ' (deleted)';

/** "anon_inode:[eventfd]" → "eventfd", "anon_inode:inotify" → "inotify". */
export function anonTypeOf(target: string): string {
  return target.slice('anon_inode:'.length).replace(/^\[(.*)\]$/, '$1');
}

/** Classifies a readlink target of /proc/PID/fd/N. */
export function classifyFdTarget(target: string): FdTarget {
  const bracketed = /^(socket|pipe):\[(\d+)\]$/.exec(target);
  if (bracketed) {
    const kind = bracketed[1] === 'socket' ? 'socket' : 'pipe';
    return { kind, path: target, deletedSuffix: false, memfd: false, inode: Number(bracketed[2]), anonType: null };
  }
  if (target.startsWith('anon_inode:')) {
    return { kind: 'anon', path: target, deletedSuffix: false, memfd: false, inode: null, anonType: anonTypeOf(target) };
  }
  if (target.startsWith('/')) {
    const deletedSuffix = target.endsWith(DELETED_SUFFIX);
    const path = deletedSuffix ? target.slice(0, -DELETED_SUFFIX.length) : target;
    return { kind: 'file', path, deletedSuffix, memfd: path.startsWith('/memfd:'), inode: null, anonType: null };
  }
  // Namespace handles ("net:[4026531840]") and anything newer kernels invent.
  return { kind: 'unknown', path: target, deletedSuffix: false, memfd: false, inode: null, anonType: null };
}

/** The fdinfo fields proctop shows. */
export interface FdInfo {
  readonly mode: 'r' | 'w' | 'rw' | null;
  readonly position: number | null;
}

/** Parses /proc/PID/fdinfo/N: "pos:" (decimal) and "flags:" (octal, O_ACCMODE in the low bits). */
export function parseFdInfo(text: string): FdInfo {
  const pos = /^pos:\s*(\d+)/m.exec(text);
  const flags = /^flags:\s*([0-7]+)/m.exec(text);
  const access = flags ? Number.parseInt(flags[1] ?? '0', 8) & 3 : -1;
  return {
    mode: access === 0 ? 'r' : access === 1 ? 'w' : access === 2 ? 'rw' : null,
    position: pos ? Number(pos[1]) : null,
  };
}


/** fds handled between two yields to the event loop (a slice costs about a millisecond). */
const SLICE = 256;

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function isDenied(err: unknown): boolean {
  return errnoOf(err) === 'EACCES' || errnoOf(err) === 'EPERM';
}

/** Maps a failure to open /proc/PID/fd to the listing error the caller shows. */
export function fdListingError(pid: number, code: string | undefined, detail: string): FdListingError {
  if (code === 'EACCES' || code === 'EPERM') return { code: 'EACCES', message: 'permission denied: run as the owner of PID or root' };
  if (code === 'ENOENT' || code === 'ESRCH') return { code: 'ENOENT', message: `process ${pid} does not exist` };
  return { code: 'OTHER', message: detail };
}

function readFdInfo(procRoot: string, pid: number, fd: number): FdInfo {
  try {
    return parseFdInfo(readFileSync(`${procRoot}/${pid}/fdinfo/${fd}`, 'utf8'));
  } catch {
    return { mode: null, position: null };
  }
}

/**
 * Access mode from the fd link's own permission bits: the kernel sets S_IRUSR / S_IWUSR from the
 * file's FMODE_READ / FMODE_WRITE. One lstat instead of an fdinfo read (pipes, sockets, anon inodes).
 */
function readLinkMode(procRoot: string, pid: number, fd: number): FdInfo['mode'] {
  try {
    const mode = lstatSync(`${procRoot}/${pid}/fd/${fd}`).mode;
    const readable = (mode & 0o400) !== 0;
    const writable = (mode & 0o200) !== 0;
    return readable && writable ? 'rw' : writable ? 'w' : readable ? 'r' : null;
  } catch {
    return null;
  }
}

/** A " (deleted)" suffix is only a deletion when the file has no links left (a file may be named so). */
function isUnlinked(procRoot: string, pid: number, fd: number): boolean {
  try {
    return statSync(`${procRoot}/${pid}/fd/${fd}`).nlink === 0;
  } catch {
    return true;
  }
}

/** Reads the target's own socket tables until every wanted inode is found. */
function resolveSockets(procRoot: string, pid: number, wanted: ReadonlySet<number>): Map<number, SocketInfo> {
  const found = new Map<number, SocketInfo>();
  for (const table of SOCKET_TABLES) {
    if (found.size === wanted.size) break;
    let text: string;
    try {
      text = decodeBytes(readFileSync(`${procRoot}/${pid}/net/${table.file}`));
    } catch {
      continue;
    }
    for (const record of table.parse(text)) {
      if (wanted.has(record.inode) && !found.has(record.inode)) found.set(record.inode, toSocketInfo(record));
    }
  }
  return found;
}

/** fd numbers of a /proc/PID/fd directory, ascending. Throws what readdir throws. */
function readFdNumbers(dir: string): number[] {
  return readdirSync(dir)
    .map(Number)
    .filter((fd) => Number.isInteger(fd))
    .sort((a, b) => a - b);
}

/** readlink of one fd; null when it closed meanwhile. Throws EACCES (links hidden by the ptrace check). */
function readFdTarget(dir: string, fd: number): string | null {
  try {
    return decodeBytes(readlinkSync(`${dir}/${fd}`, { encoding: 'buffer' }));
  } catch (err) {
    if (isDenied(err)) throw err;
    return null;
  }
}

/** Finds other processes holding any of the given pipe inodes (like lsof +E). */
export async function findPipePeersJs(
  procRoot: string,
  selfPid: number,
  inodes: ReadonlySet<number>,
): Promise<{ peers: Map<number, PipePeer[]>; hiddenProcesses: number }> {
  const peers = new Map<number, PipePeer[]>();
  let hiddenProcesses = 0;
  const pids = readdirSync(procRoot)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 0 && p !== selfPid)
    .sort((a, b) => a - b);
  let sinceYield = 0;
  for (const pid of pids) {
    const dir = `${procRoot}/${pid}/fd`;
    let comm: string | null = null;
    try {
      const fds = readFdNumbers(dir);
      for (const fd of fds) {
        const target = readFdTarget(dir, fd);
        if (target === null) continue;
        const { kind, inode } = classifyFdTarget(target);
        if (kind !== 'pipe' || inode === null || !inodes.has(inode)) continue;
        if (comm === null) {
          try {
            comm = decodeBytes(readFileSync(`${procRoot}/${pid}/comm`)).replace(/\n$/, '');
          } catch {
            comm = '';
          }
        }
        const list = peers.get(inode) ?? [];
        list.push({ pid, comm, fd, mode: readLinkMode(procRoot, pid, fd) });
        peers.set(inode, list);
      }
      sinceYield += fds.length + 1;
    } catch (err) {
      if (isDenied(err)) hiddenProcesses++;
      sinceYield++;
    }
    if (sinceYield >= SLICE) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
  return { peers, hiddenProcesses };
}

/** Warning shown when pipe peers may be incomplete. */
export function hiddenPeersWarning(count: number): string {
  return `pipe peers: ${count} other process${count === 1 ? '' : 'es'} could not be inspected (permission denied)`;
}

/** Lists /proc/PID/fd. Never rejects for permission or a vanished process: see FdListing.error. */
export async function listFdsJs(procRoot: string, pid: number, options: ListFdsOptions = {}): Promise<FdListing> {
  const warnings: string[] = [];
  const dir = `${procRoot}/${pid}/fd`;
  const classified: (FdTarget & { fd: number })[] = [];
  try {
    const fds = readFdNumbers(dir);
    for (let i = 0; i < fds.length; i++) {
      const fd = fds[i] as number;
      const target = readFdTarget(dir, fd);
      if (target !== null) classified.push({ fd, ...classifyFdTarget(target) });
      if ((i + 1) % SLICE === 0) await yieldToEventLoop();
    }
  } catch (err) {
    const error = fdListingError(pid, errnoOf(err), `cannot list ${dir}: ${(err as Error).message}`);
    return { pid, fds: [], error, warnings };
  }

  const fds: FdEntry[] = [];
  for (let i = 0; i < classified.length; i++) {
    const c = classified[i] as FdTarget & { fd: number };
    const info =
      c.kind === 'file' ? readFdInfo(procRoot, pid, c.fd) : { mode: c.kind === 'unknown' ? null : readLinkMode(procRoot, pid, c.fd), position: null };
    const unlinked = c.deletedSuffix && isUnlinked(procRoot, pid, c.fd);
    fds.push({
      fd: c.fd,
      kind: c.kind,
      path: c.deletedSuffix && !unlinked ? `${c.path}${DELETED_SUFFIX}` : c.path,
      deleted: unlinked && !c.memfd,
      memfd: c.memfd,
      mode: info.mode,
      position: c.kind === 'file' ? info.position : null,
      inode: c.inode,
      anonType: c.anonType,
      socket: null,
      pipePeers: null,
    });
    if ((i + 1) % SLICE === 0) await yieldToEventLoop();
  }

  const socketInodes = new Set(classified.filter((c) => c.kind === 'socket' && c.inode !== null).map((c) => c.inode as number));
  const pipeInodes = new Set(classified.filter((c) => c.kind === 'pipe' && c.inode !== null).map((c) => c.inode as number));
  const sockets = socketInodes.size > 0 ? resolveSockets(procRoot, pid, socketInodes) : new Map<number, SocketInfo>();
  const pipePeers = options.pipePeers !== false && pipeInodes.size > 0 ? await findPipePeersJs(procRoot, pid, pipeInodes) : null;
  if (pipePeers && pipePeers.hiddenProcesses > 0) warnings.push(hiddenPeersWarning(pipePeers.hiddenProcesses));

  const completed = fds.map(
    (entry): FdEntry => ({
      ...entry,
      socket: entry.kind === 'socket' && entry.inode !== null ? (sockets.get(entry.inode) ?? null) : null,
      pipePeers: entry.kind === 'pipe' && entry.inode !== null && pipePeers ? (pipePeers.peers.get(entry.inode) ?? []) : null,
    }),
  );
  return withOwnPipeEnds(procRoot, { pid, fds: completed, error: null, warnings });
}

/**
 * Adds, to each pipe's peers, the listed process's own other fds on the same pipe (its other end,
 * as lsof +E lists it: a parent holding both ends of a pipe to its children). Both backends.
 */
export function withOwnPipeEnds(procRoot: string, listing: FdListing): FdListing {
  const byInode = new Map<number, FdEntry[]>();
  for (const entry of listing.fds) {
    if (entry.kind !== 'pipe' || entry.inode === null || entry.pipePeers === null) continue;
    const same = byInode.get(entry.inode) ?? [];
    same.push(entry);
    byInode.set(entry.inode, same);
  }
  if (![...byInode.values()].some((same) => same.length > 1)) return listing;
  let comm = '';
  try {
    comm = decodeBytes(readFileSync(`${procRoot}/${listing.pid}/comm`)).replace(/\n$/, '');
  } catch {
    // gone meanwhile: its own ends are still its own
  }
  const fds = listing.fds.map((entry) => {
    const same = entry.inode !== null ? byInode.get(entry.inode) : undefined;
    if (!same || same.length < 2 || entry.pipePeers === null) return entry;
    const own = same.filter((other) => other.fd !== entry.fd).map((other): PipePeer => ({ pid: listing.pid, comm, fd: other.fd, mode: other.mode }));
    return { ...entry, pipePeers: [...own, ...entry.pipePeers] };
  });
  return { ...listing, fds };
}
