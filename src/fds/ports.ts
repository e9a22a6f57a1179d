// `proctop ports`: which process holds which TCP/UDP port. Socket tables are read once per network
// namespace (through a member process of it), owners found by the socket inodes each process holds.
import { programName } from '../sampler/program-name.js';
import { effectiveUid } from '../sys/accounts.js';
import type { Collector, NetSocketRecord, ProcessSockets, RawProcess, Snapshot } from '../sys/types.js';

/** One (socket, owning process) pair; a socket shared by forked workers yields one row per process. */
export interface PortBinding {
  /** Transport, as the peer port-bindings schema names it. */
  readonly protocol: 'tcp' | 'udp';
  readonly family: 'ipv4' | 'ipv6';
  /** Local address ("0.0.0.0" / "::" for every address). */
  readonly localAddress: string;
  readonly localPort: number;
  /** Remote address ("0.0.0.0" / "::" when unconnected). */
  readonly remoteAddress: string;
  /** Remote port (0 when unconnected). */
  readonly remotePort: number;
  /** LISTEN, UNCONN, ESTABLISHED, ... */
  readonly state: string;
  /** The network namespace the socket lives in ("net:[4026531840]"), null when unreadable. */
  readonly netns: string | null;
  /** Socket inode ("socket:[N]"); 0 for a socket no process holds any more (TIME_WAIT). */
  readonly inode: number;
  /** Owning process, null when no visible process holds it (another user's, not running as root). */
  readonly pid: number | null;
  /** The owner's program name (comm, or argv[0]'s basename where comm is a thread name; see programName). */
  readonly processName: string | null;
  /** The owner's kernel command name. */
  readonly comm: string | null;
  /** User name of the owner. */
  readonly user: string | null;
  /** The owner's fd numbers for this socket. */
  readonly fds: readonly number[];
}

export interface PortListing {
  readonly bindings: readonly PortBinding[];
  readonly warnings: readonly string[];
}

export interface ListPortsOptions {
  /** Effective uid (default the process's): what a permission warning advises. */
  readonly euid?: number;
  /** Every TCP/UDP socket, not only listening TCP and bound, unconnected UDP. */
  readonly all?: boolean;
  /** Name owners from this snapshot (the frame on screen) instead of taking a new one. */
  readonly snapshot?: Snapshot;
}

interface OwnedSockets {
  readonly process: RawProcess;
  /** Network namespace link ("net:[4026531840]"), null when unreadable. */
  readonly namespace: string | null;
  /** socket inode → fd numbers. */
  readonly sockets: Map<number, number[]>;
  readonly denied: boolean;
}

/** The collector's socket owners joined to the processes that have a name to show. */
function ownedSockets(scanned: readonly ProcessSockets[], processes: readonly RawProcess[]): OwnedSockets[] {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const owners: OwnedSockets[] = [];
  for (const entry of scanned) {
    const process = byPid.get(entry.pid);
    if (!process || process.isKernelThread) continue; // started after the snapshot: no name to show
    const sockets = new Map<number, number[]>();
    for (const [inode, fd] of entry.sockets) sockets.set(inode, [...(sockets.get(inode) ?? []), fd]);
    owners.push({ process, namespace: entry.netns, sockets, denied: entry.denied });
  }
  return owners;
}

/** Keeps what `ss -ltu` shows: listening TCP, bound unconnected UDP. */
function isBinding(record: NetSocketRecord, all: boolean): boolean {
  if (all) return true;
  return record.protocol.startsWith('tcp') ? record.state === 'LISTEN' : record.state === 'UNCONN' && record.localPort !== 0;
}

function compareBindings(a: PortBinding, b: PortBinding): number {
  return (
    a.protocol.localeCompare(b.protocol) ||
    a.localPort - b.localPort ||
    a.family.localeCompare(b.family) ||
    a.localAddress.localeCompare(b.localAddress) ||
    (a.pid ?? 0) - (b.pid ?? 0)
  );
}

/** Lists TCP/UDP port bindings with their owning processes, across every visible network namespace. */
export async function listPorts(collector: Collector, options: ListPortsOptions = {}): Promise<PortListing> {
  const [snapshot, scanned] = await Promise.all([options.snapshot ?? collector.snapshot(), collector.listSocketOwners()]);
  const warnings = [...snapshot.warnings];
  const perProcess = ownedSockets(scanned.processes, snapshot.processes);

  // One socket-table read per namespace: the caller's own, then each namespace a process is in.
  const namespaces = new Map<string, number | null>([[scanned.ownNetns ?? 'self', null]]);
  for (const entry of perProcess) {
    const key = entry.namespace ?? `pid:${entry.process.pid}`;
    if (!namespaces.has(key) && entry.sockets.size > 0) namespaces.set(key, entry.process.pid);
  }
  // Keyed by inode, except sockets no process holds any more (TIME_WAIT: inode 0), which are
  // told apart by their endpoints and namespace, as ss lists them.
  const records = new Map<string, { record: NetSocketRecord; netns: string | null }>();
  for (const [namespace, pid] of namespaces) {
    const netns = namespace.startsWith('net:') ? namespace : null;
    for (const record of await collector.listInetSockets(pid)) {
      const key =
        record.inode !== 0
          ? String(record.inode)
          : `${namespace}|${record.protocol}|${record.localAddress}:${record.localPort}|${record.remoteAddress}:${record.remotePort}|${record.state}`;
      if (!records.has(key)) records.set(key, { record, netns });
    }
  }

  const owners = new Map<number, { process: RawProcess; fds: number[] }[]>();
  for (const entry of perProcess) {
    for (const [inode, fds] of entry.sockets) {
      const list = owners.get(inode) ?? [];
      list.push({ process: entry.process, fds: fds.sort((a, b) => a - b) });
      owners.set(inode, list);
    }
  }

  const bindings: PortBinding[] = [];
  for (const { record, netns } of records.values()) {
    if (!isBinding(record, options.all === true)) continue;
    const base = {
      protocol: record.protocol.startsWith('tcp') ? ('tcp' as const) : ('udp' as const),
      family: record.protocol.endsWith('6') ? ('ipv6' as const) : ('ipv4' as const),
      localAddress: record.localAddress ?? '',
      localPort: record.localPort ?? 0,
      remoteAddress: record.remoteAddress ?? '',
      remotePort: record.remotePort ?? 0,
      state: record.state ?? '',
      netns,
      inode: record.inode,
    };
    const holders = record.inode !== 0 ? (owners.get(record.inode) ?? []) : [];
    if (holders.length === 0) bindings.push({ ...base, pid: null, processName: null, comm: null, user: null, fds: [] });
    for (const holder of holders) {
      bindings.push({ ...base, pid: holder.process.pid, processName: programName(holder.process), comm: holder.process.comm, user: holder.process.user, fds: holder.fds });
    }
  }
  bindings.sort(compareBindings);
  const denied = perProcess.filter((p) => p.denied).length;
  if (denied > 0) {
    const some = `${denied} process${denied === 1 ? '' : 'es'} could not be inspected`;
    warnings.push(
      (options.euid ?? effectiveUid()) === 0
        ? `${some} although running as root (the kernel's ptrace access check refused them: a security module, a container boundary or a missing CAP_SYS_PTRACE): their ports show without a pid`
        : `${some} (permission denied): their ports show without a pid; run as their owner or root to see them`,
    );
  }
  if (await collector.processesHidden()) {
    const unowned = bindings.filter((b) => b.pid === null && b.inode !== 0).length;
    warnings.push(`/proc is mounted hidepid: other users' processes are hidden from this user, so ${unowned} socket${unowned === 1 ? '' : 's'} show${unowned === 1 ? 's' : ''} without a pid`);
  }
  return { bindings, warnings };
}

/** PIDs holding a socket on this local port (the TUI's ":PORT" filter). */
export function pidsHoldingPort(listing: PortListing, port: number): Set<number> {
  const pids = new Set<number>();
  for (const binding of listing.bindings) if (binding.localPort === port && binding.pid !== null) pids.add(binding.pid);
  return pids;
}
