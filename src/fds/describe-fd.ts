// One-line, human text for an fd: what the open-files table and `proctop fds --table` show.
import type { FdEntry, SocketInfo } from '../sys/types.js';

/** "127.0.0.1:8080", "[::1]:443" or "*:53" for the wildcard address. */
export function formatEndpoint(address: string | null, port: number | null): string {
  if (address === null || port === null) return '';
  const wildcard = address === '0.0.0.0' || address === '::';
  const host = wildcard ? '*' : address.includes(':') ? `[${address}]` : address;
  return `${host}:${port}`;
}

/** Describes a resolved socket: "tcp 127.0.0.1:5000->127.0.0.1:40000", "unix /run/x.sock". */
export function describeSocket(socket: SocketInfo): string {
  if (socket.protocol === 'unix') return `unix ${socket.unixPath ?? '(unnamed)'}`;
  if (socket.protocol === 'netlink') return socket.netlinkProtocol ? `netlink ${socket.netlinkProtocol}` : 'netlink';
  if (socket.protocol === 'other') return socket.protocol;
  const local = formatEndpoint(socket.localAddress, socket.localPort);
  const connected = socket.remotePort !== null && socket.remotePort !== 0;
  return connected ? `${socket.protocol} ${local}->${formatEndpoint(socket.remoteAddress, socket.remotePort)}` : `${socket.protocol} ${local}`;
}

/** The NAME column: path for files (marked deleted/memfd), address for sockets, peers for pipes. */
export function describeFdTarget(entry: FdEntry): string {
  switch (entry.kind) {
    case 'file':
      return entry.deleted ? `${entry.path ?? ''} (deleted)` : (entry.path ?? '');
    case 'socket':
      return entry.socket ? describeSocket(entry.socket) : (entry.path ?? 'socket');
    case 'pipe': {
      const peers = entry.pipePeers ?? [];
      if (peers.length === 0) return entry.path ?? 'pipe';
      // Each holder's fd with the end it holds, as lsof +E: "cat[12]:0r".
      return `${entry.path ?? 'pipe'} <-> ${peers.map((p) => `${p.comm}[${p.pid}]:${p.fd}${p.mode ?? ''}`).join(', ')}`;
    }
    case 'anon':
      return entry.anonType ?? entry.path ?? 'anon';
    default:
      return entry.path ?? '';
  }
}

/** The STATE column: TCP state / UNCONN / LISTEN for sockets, empty otherwise. */
export function describeFdState(entry: FdEntry): string {
  return entry.socket?.state ?? '';
}
