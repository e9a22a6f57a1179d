// `proctop ports`: which process holds which TCP/UDP port. Socket tables are read once per network
// namespace (through a member process's /proc/PID/net), owners found by the socket inodes in /proc/*/fd.
import { readdirSync, readlinkSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { loadNativeAddon } from '../sys/native-addon.js';
import { parseInetTable, type NetSocketRecord } from '../sys/js/net.js';
import type { Collector, RawProcess } from '../sys/types.js';

/** One (socket, owning process) pair; a socket shared by forked workers yields one row per process. */
export interface PortBinding {
  /** Transport, as the peer port-bindings schema names it. */
  readonly protocol: 'tcp' | 'udp';
  readonly family: 'ipv4' | 'ipv6';
  /** Local address ("0.0.0.0" / "::" for every address). */
  readonly localAddress: string;
  readonly localPort: number;
  /** LISTEN, UNCONN, ESTABLISHED, ... */
  readonly state: string;
  /** Socket inode ("socket:[N]"). */
  readonly inode: number;
  /** Owning process, null when no visible process holds it (another user's, not running as root). */
  readonly pid: number | null;
  /** Kernel command name of the owner. */
  readonly processName: string | null;
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
  /** Root of the proc filesystem (fixture trees in tests). */
  readonly procRoot?: string;
  /** Every TCP/UDP socket, not only listening TCP and bound, unconnected UDP. */
  readonly all?: boolean;
}

const TABLES = ['tcp', 'tcp6', 'udp', 'udp6'] as const;

interface ProcessSockets {
  readonly process: RawProcess;
  /** Network namespace link ("net:[4026531840]"), null when unreadable. */
  readonly namespace: string | null;
  /** socket inode → fd numbers. */
  readonly sockets: Map<number, number[]>;
  readonly denied: boolean;
}

function isDenied(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

/** Socket fds of one process, read synchronously (a few microseconds per /proc call). */
function readProcessSockets(procRoot: string, process: RawProcess): ProcessSockets {
  const sockets = new Map<number, number[]>();
  const dir = `${procRoot}/${process.pid}/fd`;
  let namespace: string | null = null;
  try {
    for (const name of readdirSync(dir)) {
      let target: string;
      try {
        target = readlinkSync(`${dir}/${name}`);
      } catch (err) {
        if (isDenied(err)) throw err;
        continue; // closed meanwhile
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (!match) continue;
      const inode = Number(match[1]);
      sockets.set(inode, [...(sockets.get(inode) ?? []), Number(name)]);
    }
    if (sockets.size > 0) namespace = readlinkSync(`${procRoot}/${process.pid}/ns/net`);
  } catch (err) {
    if (isDenied(err) && sockets.size === 0) return { process, namespace, sockets: new Map(), denied: true };
  }
  return { process, namespace, sockets, denied: false };
}

/** The JS path: every process in turn, yielding to the event loop every few dozen processes. */
async function readAllProcessSockets(procRoot: string, processes: readonly RawProcess[]): Promise<ProcessSockets[]> {
  const result: ProcessSockets[] = [];
  for (let i = 0; i < processes.length; i++) {
    result.push(readProcessSockets(procRoot, processes[i] as RawProcess));
    if ((i + 1) % 32 === 0) await yieldToEventLoop();
  }
  return result;
}

/** What the addon's listSocketOwners reports per process (native/fds_binding.cc). */
interface NativeProcessSockets {
  readonly pid: number;
  readonly netns: string | null;
  readonly denied: boolean;
  /** [socket inode, fd] pairs. */
  readonly sockets: readonly (readonly [number, number])[];
}

/** The addon export ports uses; not part of the Collector contract, so looked up when present. */
interface SocketOwnersAddon {
  listSocketOwners(procRoot: string): Promise<readonly NativeProcessSockets[]>;
}

/** Socket fds of every process: one native call when the addon is in use, else per-process reads. */
async function scanSocketOwners(collector: Collector, procRoot: string, processes: readonly RawProcess[]): Promise<ProcessSockets[]> {
  const addon = collector.backend === 'native' ? (loadNativeAddon().addon as Partial<SocketOwnersAddon> | null) : null;
  if (!addon?.listSocketOwners) return readAllProcessSockets(procRoot, processes);
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const owners: ProcessSockets[] = [];
  for (const scanned of await addon.listSocketOwners(procRoot)) {
    const process = byPid.get(scanned.pid);
    if (!process) continue; // started after the snapshot: no name to show
    const sockets = new Map<number, number[]>();
    for (const [inode, fd] of scanned.sockets) sockets.set(inode, [...(sockets.get(inode) ?? []), fd]);
    owners.push({ process, namespace: scanned.netns, sockets, denied: scanned.denied });
  }
  return owners;
}

async function readTables(netDir: string): Promise<NetSocketRecord[]> {
  const records: NetSocketRecord[] = [];
  for (const table of TABLES) {
    const text = await readFile(`${netDir}/${table}`, 'utf8').catch(() => null);
    if (text !== null) records.push(...parseInetTable(text, table));
  }
  return records;
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
  const procRoot = options.procRoot ?? '/proc';
  const snapshot = await collector.snapshot();
  const warnings = [...snapshot.warnings];
  const userProcesses = snapshot.processes.filter((p) => !p.isKernelThread);
  const perProcess = await scanSocketOwners(collector, procRoot, userProcesses);

  // One socket-table read per namespace: the caller's own, then each namespace a process is in.
  const netDirs = new Map<string, string>();
  const ownNamespace = await readlink(`${procRoot}/self/ns/net`).catch(() => 'self');
  netDirs.set(ownNamespace, `${procRoot}/net`);
  for (const entry of perProcess) {
    const key = entry.namespace ?? `pid:${entry.process.pid}`;
    if (!netDirs.has(key) && entry.sockets.size > 0) netDirs.set(key, `${procRoot}/${entry.process.pid}/net`);
  }
  const records = new Map<number, NetSocketRecord>();
  for (const netDir of netDirs.values()) {
    for (const record of await readTables(netDir)) if (!records.has(record.inode)) records.set(record.inode, record);
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
  for (const record of records.values()) {
    if (!isBinding(record, options.all === true)) continue;
    const base = {
      protocol: record.protocol.startsWith('tcp') ? ('tcp' as const) : ('udp' as const),
      family: record.protocol.endsWith('6') ? ('ipv6' as const) : ('ipv4' as const),
      localAddress: record.localAddress ?? '',
      localPort: record.localPort ?? 0,
      state: record.state ?? '',
      inode: record.inode,
    };
    const holders = owners.get(record.inode) ?? [];
    if (holders.length === 0) bindings.push({ ...base, pid: null, processName: null, user: null, fds: [] });
    for (const holder of holders) {
      bindings.push({ ...base, pid: holder.process.pid, processName: holder.process.comm, user: holder.process.user, fds: holder.fds });
    }
  }
  bindings.sort(compareBindings);
  const denied = perProcess.filter((p) => p.denied).length;
  if (denied > 0) {
    warnings.push(`${denied} process${denied === 1 ? '' : 'es'} could not be inspected (permission denied): their ports show without a pid; run as root to see them`);
  }
  return { bindings, warnings };
}

/** PIDs holding a socket on this local port (the TUI's ":PORT" filter). */
export function pidsHoldingPort(listing: PortListing, port: number): Set<number> {
  const pids = new Set<number>();
  for (const binding of listing.bindings) if (binding.localPort === port && binding.pid !== null) pids.add(binding.pid);
  return pids;
}
