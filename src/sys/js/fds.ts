// Pure-JS reader of /proc/PID/fd: the fallback twin of native/linux/fd_list.cc (same rules, same results).
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import type { FdEntry, FdKind, FdListing, FdListingError, PipePeer, SocketInfo } from '../types.js';
import { SOCKET_TABLES, toSocketInfo } from './net.js';

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

/** Classifies a readlink target of /proc/PID/fd/N. */
export function classifyFdTarget(target: string): FdTarget {
  const bracketed = /^(socket|pipe):\[(\d+)\]$/.exec(target);
  if (bracketed) {
    const kind = bracketed[1] === 'socket' ? 'socket' : 'pipe';
    return { kind, path: target, deletedSuffix: false, memfd: false, inode: Number(bracketed[2]), anonType: null };
  }
  if (target.startsWith('anon_inode:')) {
    const anonType = target.slice('anon_inode:'.length).replace(/^\[(.*)\]$/, '$1');
    return { kind: 'anon', path: target, deletedSuffix: false, memfd: false, inode: null, anonType };
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

export interface ListFdsOptions {
  /** Scan other processes for the other end of each pipe (costs one readlink per fd on the box). */
  readonly pipePeers?: boolean;
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Maps a failure to open /proc/PID/fd to the listing error the caller shows. */
export function fdListingError(pid: number, code: string | undefined, detail: string): FdListingError {
  if (code === 'EACCES' || code === 'EPERM') return { code: 'EACCES', message: 'permission denied: run as the owner of PID or root' };
  if (code === 'ENOENT' || code === 'ESRCH') return { code: 'ENOENT', message: `process ${pid} does not exist` };
  return { code: 'OTHER', message: detail };
}

async function readFdInfo(procRoot: string, pid: number, fd: number): Promise<FdInfo> {
  try {
    return parseFdInfo(await readFile(`${procRoot}/${pid}/fdinfo/${fd}`, 'utf8'));
  } catch {
    return { mode: null, position: null };
  }
}

/**
 * Access mode from the fd link's own permission bits: the kernel sets S_IRUSR / S_IWUSR from the
 * file's FMODE_READ / FMODE_WRITE. One lstat instead of an fdinfo read (used for pipes).
 */
async function readLinkMode(procRoot: string, pid: number, fd: number): Promise<FdInfo['mode']> {
  try {
    const mode = (await lstat(`${procRoot}/${pid}/fd/${fd}`)).mode;
    const readable = (mode & 0o400) !== 0;
    const writable = (mode & 0o200) !== 0;
    return readable && writable ? 'rw' : writable ? 'w' : readable ? 'r' : null;
  } catch {
    return null;
  }
}

/** A " (deleted)" suffix is only a deletion when the file has no links left (a file may be named so). */
async function isUnlinked(procRoot: string, pid: number, fd: number): Promise<boolean> {
  try {
    return (await stat(`${procRoot}/${pid}/fd/${fd}`)).nlink === 0;
  } catch {
    return true;
  }
}

/** Reads the target's own socket tables until every wanted inode is found. */
async function resolveSockets(procRoot: string, pid: number, wanted: ReadonlySet<number>): Promise<Map<number, SocketInfo>> {
  const found = new Map<number, SocketInfo>();
  for (const table of SOCKET_TABLES) {
    if (found.size === wanted.size) break;
    let text: string;
    try {
      text = await readFile(`${procRoot}/${pid}/net/${table.file}`, 'utf8');
    } catch {
      continue;
    }
    for (const record of table.parse(text)) {
      if (wanted.has(record.inode) && !found.has(record.inode)) found.set(record.inode, toSocketInfo(record));
    }
  }
  return found;
}

async function readFdTargets(dir: string): Promise<{ fd: number; target: string }[]> {
  const names = await readdir(dir);
  const targets = await Promise.all(
    names.map(async (name) => {
      const fd = Number(name);
      if (!Number.isInteger(fd)) return null;
      try {
        return { fd, target: await readlink(`${dir}/${name}`) };
      } catch (err) {
        // The fd directory can be listable while its links are not (ptrace access check).
        if (errnoOf(err) === 'EACCES' || errnoOf(err) === 'EPERM') throw err;
        return null; // closed while we listed
      }
    }),
  );
  return targets.filter((t): t is { fd: number; target: string } => t !== null);
}

/** Finds other processes holding any of the given pipe inodes (like lsof +E). */
export async function findPipePeersJs(
  procRoot: string,
  selfPid: number,
  inodes: ReadonlySet<number>,
): Promise<{ peers: Map<number, PipePeer[]>; hiddenProcesses: number }> {
  const peers = new Map<number, PipePeer[]>();
  let hiddenProcesses = 0;
  const pids = (await readdir(procRoot)).map(Number).filter((p) => Number.isInteger(p) && p > 0 && p !== selfPid);
  pids.sort((a, b) => a - b);
  const perPid = await Promise.all(
    pids.map(async (pid) => {
      try {
        return { pid, targets: await readFdTargets(`${procRoot}/${pid}/fd`) };
      } catch (err) {
        if (errnoOf(err) === 'EACCES' || errnoOf(err) === 'EPERM') hiddenProcesses++;
        return { pid, targets: [] };
      }
    }),
  );
  for (const { pid, targets } of perPid) {
    let comm: string | null = null;
    for (const { fd, target } of targets) {
      const { kind, inode } = classifyFdTarget(target);
      if (kind !== 'pipe' || inode === null || !inodes.has(inode)) continue;
      comm ??= await readFile(`${procRoot}/${pid}/comm`, 'utf8').then((t) => t.replace(/\n$/, ''), () => '');
      const list = peers.get(inode) ?? [];
      list.push({ pid, comm, fd });
      peers.set(inode, list);
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
  let targets: { fd: number; target: string }[];
  try {
    targets = await readFdTargets(`${procRoot}/${pid}/fd`);
  } catch (err) {
    const error = fdListingError(pid, errnoOf(err), `cannot list ${procRoot}/${pid}/fd: ${(err as Error).message}`);
    return { pid, fds: [], error, warnings };
  }
  targets.sort((a, b) => a.fd - b.fd);
  const classified = targets.map(({ fd, target }) => ({ fd, ...classifyFdTarget(target) }));

  const socketInodes = new Set(classified.filter((c) => c.kind === 'socket' && c.inode !== null).map((c) => c.inode as number));
  const pipeInodes = new Set(classified.filter((c) => c.kind === 'pipe' && c.inode !== null).map((c) => c.inode as number));
  const [sockets, pipePeers] = await Promise.all([
    socketInodes.size > 0 ? resolveSockets(procRoot, pid, socketInodes) : new Map<number, SocketInfo>(),
    options.pipePeers !== false && pipeInodes.size > 0 ? findPipePeersJs(procRoot, pid, pipeInodes) : null,
  ]);
  if (pipePeers && pipePeers.hiddenProcesses > 0) warnings.push(hiddenPeersWarning(pipePeers.hiddenProcesses));

  const fds = await Promise.all(
    classified.map(async (c): Promise<FdEntry> => {
      const info =
        c.kind === 'file'
          ? await readFdInfo(procRoot, pid, c.fd)
          : { mode: c.kind === 'pipe' ? await readLinkMode(procRoot, pid, c.fd) : null, position: null };
      const unlinked = c.deletedSuffix && (await isUnlinked(procRoot, pid, c.fd));
      return {
        fd: c.fd,
        kind: c.kind,
        path: c.deletedSuffix && !unlinked ? `${c.path}${DELETED_SUFFIX}` : c.path,
        deleted: unlinked && !c.memfd,
        memfd: c.memfd,
        mode: info.mode,
        position: c.kind === 'file' ? info.position : null,
        inode: c.inode,
        anonType: c.anonType,
        socket: c.kind === 'socket' && c.inode !== null ? (sockets.get(c.inode) ?? null) : null,
        pipePeers: c.kind === 'pipe' && c.inode !== null && pipePeers ? (pipePeers.peers.get(c.inode) ?? []) : null,
      };
    }),
  );
  return { pid, fds, error: null, warnings };
}
