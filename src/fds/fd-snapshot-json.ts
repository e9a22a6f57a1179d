// The `proctop fds --json` document: the peer fd-snapshot shape, extended, in snake_case.
import { platformName, schemaId } from '../output/json-envelope.js';
import type { FdEntry, FdListing, PipePeer, SocketInfo } from '../sys/types.js';

/** snake_case socket record of the JSON output. */
export interface SocketJson {
  readonly protocol: SocketInfo['protocol'];
  readonly local_addr: string | null;
  readonly local_port: number | null;
  readonly remote_addr: string | null;
  readonly remote_port: number | null;
  readonly state: string | null;
  readonly unix_path: string | null;
  readonly netlink_protocol: string | null;
}

/** One fd of the JSON output: the peer's {fd, kind, path} plus proctop's fields. */
export interface FdJson {
  readonly fd: number;
  readonly kind: FdEntry['kind'];
  readonly path: string | null;
  readonly deleted: boolean;
  readonly memfd: boolean;
  readonly mode: FdEntry['mode'];
  readonly position: number | null;
  readonly inode: number | null;
  readonly anon_type: string | null;
  readonly socket: SocketJson | null;
  readonly pipe_peers: readonly { readonly pid: number; readonly comm: string; readonly fd: number; readonly mode: PipePeer['mode'] }[] | null;
}

export interface FdSnapshotJson {
  readonly schema_id: string;
  readonly timestamp: string;
  readonly platform: string;
  readonly pid: number;
  readonly fds: readonly FdJson[];
  readonly warnings: readonly string[];
}

function socketJson(socket: SocketInfo): SocketJson {
  return {
    protocol: socket.protocol,
    local_addr: socket.localAddress,
    local_port: socket.localPort,
    remote_addr: socket.remoteAddress,
    remote_port: socket.remotePort,
    state: socket.state,
    unix_path: socket.unixPath,
    netlink_protocol: socket.netlinkProtocol,
  };
}

/** Converts one FdEntry to its JSON record. */
export function fdJson(entry: FdEntry): FdJson {
  return {
    fd: entry.fd,
    kind: entry.kind,
    path: entry.path,
    deleted: entry.deleted,
    memfd: entry.memfd,
    mode: entry.mode,
    position: entry.position,
    inode: entry.inode,
    anon_type: entry.anonType,
    socket: entry.socket ? socketJson(entry.socket) : null,
    pipe_peers: entry.pipePeers ? entry.pipePeers.map((p) => ({ pid: p.pid, comm: p.comm, fd: p.fd, mode: p.mode })) : null,
  };
}

/** Builds the fd-snapshot document for a successful listing (entries already filtered). */
export function fdSnapshotJson(listing: FdListing, entries: readonly FdEntry[], now = new Date()): FdSnapshotJson {
  return {
    schema_id: schemaId('fds'),
    timestamp: now.toISOString(),
    platform: platformName(),
    pid: listing.pid,
    fds: entries.map(fdJson),
    warnings: [...listing.warnings],
  };
}
