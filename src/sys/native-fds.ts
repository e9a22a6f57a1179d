// Decodes the fds binding's columns (native/fds_binding.cc) into FdListing and ProcessSockets
// records. The addon hands over columns (numbers in Float64Arrays, text as NUL-ended pieces)
// because building 10,000 objects here, in one loop of one shape, costs a fraction of parsing
// ~2 MB of JSON or of setting each property through N-API.
import { anonTypeOf } from './js/fds.js';
import { netlinkProtocolName } from './js/net.js';
import { numberColumn, textColumn, type PackedColumns } from './native-columns.js';
import type { FdEntry, FdKind, FdListing, FdListingError, PipePeer, ProcessSockets, SocketInfo, SocketProtocol } from './types.js';

/** Numbers per fd in "fds": fd, flags, position (-1 none), inode (-1 none), socket index, pipe-peer list index (-1 none). */
const FD_COLUMNS = 6;
/** Text pieces per socket in "socketText": protocol, localAddress, remoteAddress, state, unixPath. */
const SOCKET_STRINGS = 5;
/** Numbers per socket in "sockets": hasInet (0/1), localPort, remotePort, netlink protocol number (-1 none). */
const SOCKET_COLUMNS = 4;
/** Numbers per pipe peer in "peers": list index, pid, fd, mode (-1 unknown, 0 r, 1 w, 2 rw); its comm in "peerComms". */
const PEER_COLUMNS = 4;
/** Flags layout: bits 0-2 kind (FdKind order of native/linux/fd_list.h), bits 3-4 mode + 1, bit 5 deleted, bit 6 memfd. */
const KINDS: readonly FdKind[] = ['file', 'socket', 'pipe', 'anon', 'unknown'];
const MODES: readonly FdEntry['mode'][] = [null, 'r', 'w', 'rw'];
const PEER_MODES: readonly PipePeer['mode'][] = ['r', 'w', 'rw'];
const DELETED_BIT = 1 << 5;
const MEMFD_BIT = 1 << 6;
const ERROR_CODES: ReadonlySet<string> = new Set<FdListingError['code']>(['EACCES', 'ENOENT', 'OTHER']);

function decodeSockets(packed: PackedColumns): SocketInfo[] {
  const columns = numberColumn(packed, 'sockets');
  const count = columns.length / SOCKET_COLUMNS;
  if (count === 0) return [];
  const strings = textColumn(packed, 'socketText');
  const sockets: SocketInfo[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const s = i * SOCKET_STRINGS;
    const inet = columns[i * SOCKET_COLUMNS] === 1;
    const state = strings[s + 3] as string;
    const unixPath = strings[s + 4] as string;
    const netlink = columns[i * SOCKET_COLUMNS + 3] as number;
    sockets[i] = {
      protocol: strings[s] as SocketProtocol,
      localAddress: inet ? (strings[s + 1] as string) : null,
      localPort: inet ? (columns[i * SOCKET_COLUMNS + 1] as number) : null,
      remoteAddress: inet ? (strings[s + 2] as string) : null,
      remotePort: inet ? (columns[i * SOCKET_COLUMNS + 2] as number) : null,
      state: state === '' ? null : state,
      unixPath: unixPath === '' ? null : unixPath,
      netlinkProtocol: netlink >= 0 ? netlinkProtocolName(netlink) : null,
    };
  }
  return sockets;
}

/** The pipe-peer lists ("peerLists": how many; "peers" rows name the list each peer is in). */
function decodePeerLists(packed: PackedColumns): PipePeer[][] {
  const lists: PipePeer[][] = Array.from({ length: numberColumn(packed, 'peerLists')[0] ?? 0 }, () => []);
  const peers = numberColumn(packed, 'peers');
  const comms = textColumn(packed, 'peerComms');
  for (let i = 0; i < peers.length / PEER_COLUMNS; i++) {
    const p = i * PEER_COLUMNS;
    lists[peers[p] as number]?.push({ pid: peers[p + 1] as number, comm: comms[i] as string, fd: peers[p + 2] as number, mode: PEER_MODES[peers[p + 3] as number] ?? null });
  }
  return lists;
}

function decodeError(packed: PackedColumns): FdListingError | null {
  const [code, message = ''] = textColumn(packed, 'error');
  if (code === undefined) return null;
  return { code: (ERROR_CODES.has(code) ? code : 'OTHER') as FdListingError['code'], message };
}

/** Builds the FdListing the Collector contract promises from the addon's columns. */
export function unpackFdListing(packed: PackedColumns): FdListing {
  const columns = numberColumn(packed, 'fds');
  const count = columns.length / FD_COLUMNS;
  const fds: FdEntry[] = new Array(count);
  if (count > 0) {
    const paths = textColumn(packed, 'paths');
    const sockets = decodeSockets(packed);
    const peerLists = decodePeerLists(packed);
    const anonTypes = new Map<string, string>();
    for (let i = 0; i < count; i++) {
      const c = i * FD_COLUMNS;
      const flags = columns[c + 1] as number;
      const kind = KINDS[flags & 7] ?? 'unknown';
      const path = paths[i] as string;
      const position = columns[c + 2] as number;
      const inode = columns[c + 3] as number;
      const socket = columns[c + 4] as number;
      const peers = columns[c + 5] as number;
      let anonType: string | null = null;
      if (kind === 'anon') {
        anonType = anonTypes.get(path) ?? null;
        if (anonType === null) {
          anonType = anonTypeOf(path);
          anonTypes.set(path, anonType);
        }
      }
      fds[i] = {
        fd: columns[c] as number,
        kind,
        path,
        deleted: (flags & DELETED_BIT) !== 0,
        memfd: (flags & MEMFD_BIT) !== 0,
        mode: MODES[(flags >> 3) & 3] ?? null,
        position: position < 0 ? null : position,
        inode: inode < 0 ? null : inode,
        anonType,
        socket: socket < 0 ? null : (sockets[socket] ?? null),
        pipePeers: peers < 0 ? null : (peerLists[peers] ?? null),
      };
    }
  }
  return { pid: numberColumn(packed, 'listing')[0] as number, fds, error: decodeError(packed), warnings: textColumn(packed, 'warnings') };
}

/** Numbers per process in "processes": pid, denied (0/1), how many of the "sockets" rows (inode, fd) are its; netns in "netns" ('' = unreadable). */
const OWNER_COLUMNS = 3;

/** Builds listSocketOwners' records from the addon's columns. */
export function unpackSocketOwners(packed: PackedColumns): ProcessSockets[] {
  const processes = numberColumn(packed, 'processes');
  const sockets = numberColumn(packed, 'sockets');
  const netns = textColumn(packed, 'netns');
  const owners: ProcessSockets[] = [];
  let next = 0;
  for (let i = 0; i < processes.length / OWNER_COLUMNS; i++) {
    const p = i * OWNER_COLUMNS;
    const held: [number, number][] = [];
    for (let k = 0; k < (processes[p + 2] as number); k++, next++) held.push([sockets[next * 2] as number, sockets[next * 2 + 1] as number]);
    const ns = netns[i] as string;
    owners.push({ pid: processes[p] as number, netns: ns === '' ? null : ns, denied: processes[p + 1] === 1, sockets: held });
  }
  return owners;
}
