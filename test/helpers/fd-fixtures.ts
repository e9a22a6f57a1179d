// Made-up fd listings for view tests: real FdEntry shapes, invented numbers.
import type { FdEntry, FdListing, SocketInfo } from '../../src/sys/types.js';

/** An fd entry with null/false defaults; override any field. */
export function fdEntry(fields: Partial<FdEntry> & Pick<FdEntry, 'fd' | 'kind'>): FdEntry {
  return {
    path: null,
    deleted: false,
    memfd: false,
    mode: null,
    position: null,
    inode: null,
    anonType: null,
    socket: null,
    pipePeers: null,
    ...fields,
  };
}

function socket(fields: Partial<SocketInfo> & Pick<SocketInfo, 'protocol'>): SocketInfo {
  return { localAddress: null, localPort: null, remoteAddress: null, remotePort: null, state: null, unixPath: null, netlinkProtocol: null, ...fields };
}

/** A process holding one of each interesting kind. */
export const MIXED_FDS: readonly FdEntry[] = [
  fdEntry({ fd: 0, kind: 'pipe', path: 'pipe:[123]', inode: 123, mode: 'r', pipePeers: [{ pid: 4567, comm: 'cat', fd: 1, mode: 'w' }] }),
  fdEntry({ fd: 1, kind: 'file', path: '/dev/pts/3', mode: 'rw' }),
  fdEntry({ fd: 3, kind: 'file', path: '/tmp/proctop-data.txt', mode: 'w', position: 12 }),
  fdEntry({ fd: 4, kind: 'file', path: '/tmp/gone.log', mode: 'rw', deleted: true }),
  fdEntry({ fd: 5, kind: 'socket', path: 'socket:[900]', inode: 900, mode: 'rw', socket: socket({ protocol: 'tcp', localAddress: '127.0.0.1', localPort: 5432, remoteAddress: '0.0.0.0', remotePort: 0, state: 'LISTEN' }) }),
  fdEntry({ fd: 6, kind: 'socket', path: 'socket:[901]', inode: 901, mode: 'rw', socket: socket({ protocol: 'tcp', localAddress: '127.0.0.1', localPort: 5432, remoteAddress: '10.0.0.2', remotePort: 51234, state: 'ESTABLISHED' }) }),
  fdEntry({ fd: 7, kind: 'socket', path: 'socket:[902]', inode: 902, mode: 'rw', socket: socket({ protocol: 'unix', unixPath: '/run/app.sock', state: 'LISTEN' }) }),
  fdEntry({ fd: 8, kind: 'anon', path: 'anon_inode:[eventfd]', mode: 'rw', anonType: 'eventfd' }),
  fdEntry({ fd: 9, kind: 'socket', path: 'socket:[903]', inode: 903, mode: 'rw', socket: socket({ protocol: 'udp', localAddress: '0.0.0.0', localPort: 53, remoteAddress: '0.0.0.0', remotePort: 0, state: 'UNCONN' }) }),
];

/** A successful listing of `fds`. */
export function listingOf(pid: number, fds: readonly FdEntry[] = MIXED_FDS): FdListing {
  return { pid, fds, error: null, warnings: [] };
}

/** Another user's process: the listing is refused. */
export function deniedListing(pid: number): FdListing {
  return { pid, fds: [], error: { code: 'EACCES', message: 'permission denied: run as the owner of PID or root' }, warnings: [] };
}
