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
  /** The owner's start time (clock ticks after boot): with pid, its identity (`proctop kill PID:START_TICKS`). */
  readonly startTime: number | null;
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
  readonly pid: number;
  /** Network namespace link ("net:[4026531840]"), null when unreadable. */
  readonly namespace: string | null;
  /** socket inode → fd numbers. */
  readonly sockets: Map<number, number[]>;
  readonly denied: boolean;
}

/** The collector's socket owners, each socket's fds grouped by inode. */
function ownedSockets(scanned: readonly ProcessSockets[]): OwnedSockets[] {
  return scanned.map((entry) => {
    const sockets = new Map<number, number[]>();
    for (const [inode, fd] of entry.sockets) sockets.set(inode, [...(sockets.get(inode) ?? []), fd]);
    return { pid: entry.pid, namespace: entry.netns, sockets, denied: entry.denied };
  });
}

/**
 * Above this many processes holding a listed socket, one snapshot names them all more cheaply than
 * a record read each (a first snapshot of 20,000 processes takes ~450 ms here; a record ~0.1 ms).
 */
export const RECORD_READS_MAX = 256;

interface NamedHolders {
  /** pid → the process holding a listed socket, for those that have a name to show. */
  readonly byPid: ReadonlyMap<number, RawProcess>;
  /** The snapshot's warnings, when one named them. */
  readonly warnings: readonly string[];
}

/**
 * Names the processes that hold a listed socket: from the frame on screen when given, else by
 * reading each one's record (or one snapshot when there are many). A record read after the scan
 * counts only when its process started before the scan did (clock ticks after boot): a pid that
 * ended and was reused since names a process that never held the socket. Kernel threads hold none.
 */
async function nameHolders(collector: Collector, pids: ReadonlySet<number>, options: ListPortsOptions, scanFromTicks: number): Promise<NamedHolders> {
  const snapshot = options.snapshot ?? (pids.size > RECORD_READS_MAX ? await collector.snapshot() : null);
  const byPid = new Map<number, RawProcess>();
  if (snapshot) {
    for (const process of snapshot.processes) if (pids.has(process.pid) && !process.isKernelThread) byPid.set(process.pid, process);
    return { byPid, warnings: snapshot.warnings };
  }
  const records = await Promise.all([...pids].map((pid) => collector.readProcessRecord(pid)));
  for (const record of records) {
    if (record && !record.isKernelThread && record.startTime <= scanFromTicks) byPid.set(record.pid, record);
  }
  return { byPid, warnings: [] };
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

/**
 * Lists TCP/UDP port bindings with their owning processes, across every visible network namespace.
 * The fd tables are scanned first and only the processes holding a listed socket are read (a
 * snapshot of every process, with command lines, was most of `proctop ports` on a big machine).
 */
export async function listPorts(collector: Collector, options: ListPortsOptions = {}): Promise<PortListing> {
  const system = options.snapshot ? options.snapshot.system : await collector.systemInfo();
  const scanFromTicks = Math.floor(system.uptimeSeconds * system.clockTicks);
  const scanned = await collector.listSocketOwners();
  const perProcess = ownedSockets(scanned.processes);

  // One socket-table read per namespace: the caller's own, then each namespace a process is in.
  const namespaces = new Map<string, number | null>([[scanned.ownNetns ?? 'self', null]]);
  for (const entry of perProcess) {
    const key = entry.namespace ?? `pid:${entry.pid}`;
    if (!namespaces.has(key) && entry.sockets.size > 0) namespaces.set(key, entry.pid);
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
      if (!records.has(key) && isBinding(record, options.all === true)) records.set(key, { record, netns });
    }
  }

  const listed = new Set<number>();
  for (const { record } of records.values()) if (record.inode !== 0) listed.add(record.inode);
  const holdersOf = new Map<number, { pid: number; fds: number[] }[]>();
  for (const entry of perProcess) {
    for (const [inode, fds] of entry.sockets) {
      if (!listed.has(inode)) continue;
      const list = holdersOf.get(inode) ?? [];
      list.push({ pid: entry.pid, fds: fds.sort((a, b) => a - b) });
      holdersOf.set(inode, list);
    }
  }
  const named = await nameHolders(collector, new Set([...holdersOf.values()].flat().map((h) => h.pid)), options, scanFromTicks);
  const warnings = [...named.warnings];

  const bindings: PortBinding[] = [];
  for (const { record, netns } of records.values()) {
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
    const holders = record.inode !== 0 ? (holdersOf.get(record.inode) ?? []) : [];
    let shown = 0;
    for (const holder of holders) {
      const process = named.byPid.get(holder.pid);
      if (!process) continue; // ended, or started after the frame on screen: no name to show
      bindings.push({ ...base, pid: process.pid, startTime: process.startTime, processName: programName(process), comm: process.comm, user: process.user, fds: holder.fds });
      shown += 1;
    }
    if (shown === 0) bindings.push({ ...base, pid: null, startTime: null, processName: null, comm: null, user: null, fds: [] });
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
