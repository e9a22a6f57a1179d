// Decodes the addon's packed fd listing (native/fds_binding.cc) into FdEntry objects. The addon
// hands over columns (one NUL-joined string of paths, one Float64Array of numbers) because
// building 10,000 objects here, in one loop of one shape, costs a fraction of parsing ~2 MB of
// JSON or of setting each property through N-API.
import { anonTypeOf } from './js/fds.js';
import { netlinkProtocolName } from './js/net.js';
import type { FdEntry, FdKind, FdListing, FdListingError, PipePeer, SocketInfo, SocketProtocol } from './types.js';

/** What the addon's listFds resolves to. */
export interface PackedFdListing {
  readonly pid: number;
  readonly error: FdListingError | null;
  readonly warnings: readonly string[];
  /** readlink targets joined by NUL, in fd order. */
  readonly paths: string;
  /** FD_COLUMNS numbers per fd: fd, flags, position (-1 none), inode (-1 none), socket index, pipe-peer list index (-1 none). */
  readonly fdColumns: Float64Array;
  /** SOCKET_STRINGS NUL-joined strings per socket: protocol, localAddress, remoteAddress, state, unixPath. */
  readonly socketText: string;
  /** SOCKET_COLUMNS numbers per socket: hasInet (0/1), localPort, remotePort, netlink protocol number (-1 none). */
  readonly socketColumns: Float64Array;
  /** JSON array of pipe-peer lists, indexed by the fd's pipe-peer column. */
  readonly pipePeers: string;
}

const FD_COLUMNS = 6;
const SOCKET_STRINGS = 5;
const SOCKET_COLUMNS = 4;
/** Flags layout: bits 0-2 kind (FdKind order of native/linux/fd_list.h), bits 3-4 mode + 1, bit 5 deleted, bit 6 memfd. */
const KINDS: readonly FdKind[] = ['file', 'socket', 'pipe', 'anon', 'unknown'];
const MODES: readonly FdEntry['mode'][] = [null, 'r', 'w', 'rw'];
const DELETED_BIT = 1 << 5;
const MEMFD_BIT = 1 << 6;

function decodeSockets(text: string, columns: Float64Array): SocketInfo[] {
  const count = columns.length / SOCKET_COLUMNS;
  if (count === 0) return [];
  const strings = text.split('\0');
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

/** Builds the FdListing the Collector contract promises from the addon's columns. */
export function unpackFdListing(packed: PackedFdListing): FdListing {
  const columns = packed.fdColumns;
  const count = columns.length / FD_COLUMNS;
  const fds: FdEntry[] = new Array(count);
  if (count > 0) {
    const paths = packed.paths.split('\0');
    const sockets = decodeSockets(packed.socketText, packed.socketColumns);
    const peerLists = JSON.parse(packed.pipePeers) as PipePeer[][];
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
  return { pid: packed.pid, fds, error: packed.error, warnings: packed.warnings };
}
