// Which process holds which socket, for port ownership: the socket inodes in every /proc/PID/fd,
// and the TCP/UDP tables of a network namespace. The JS backend scans fds here; the native one
// does the same scan in the addon (native/linux/socket_owners.cc); both read tables here.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { NetSocketRecord, ProcessSockets } from '../types.js';
import { errnoCode } from './proc-files.js';
import { parseInetTable } from './net.js';
import { isKernelThread, parseStat } from './proc-stat.js';

const INET_TABLES = ['tcp', 'tcp6', 'udp', 'udp6'] as const;

function isDenied(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'EACCES' || code === 'EPERM';
}

/** A kernel thread holds no fds; its fd table is denied only because root owns it. */
function isKernelThreadPid(procRoot: string, pid: number): boolean {
  try {
    const stat = parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'latin1'));
    return stat !== null && isKernelThread(stat);
  } catch {
    return false;
  }
}

/** Socket fds of one process, read synchronously (a few microseconds per /proc call); null for a kernel thread. */
function readProcessSockets(procRoot: string, pid: number): ProcessSockets | null {
  const sockets: [number, number][] = [];
  const dir = `${procRoot}/${pid}/fd`;
  let netns: string | null = null;
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
      if (match) sockets.push([Number(match[1]), Number(name)]);
    }
    if (sockets.length > 0) netns = readlinkSync(`${procRoot}/${pid}/ns/net`);
  } catch (err) {
    if (isDenied(err) && sockets.length === 0) return isKernelThreadPid(procRoot, pid) ? null : { pid, netns, sockets: [], denied: true };
  }
  return { pid, netns, sockets, denied: false };
}

/** Every process in turn but kernel threads, yielding to the event loop every few dozen processes. */
export async function listSocketOwnersJs(procRoot: string): Promise<ProcessSockets[]> {
  const pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => a - b);
  const result: ProcessSockets[] = [];
  for (let i = 0; i < pids.length; i++) {
    const process = readProcessSockets(procRoot, pids[i] as number);
    if (process) result.push(process);
    if ((i + 1) % 32 === 0) await yieldToEventLoop();
  }
  return result;
}

/** The caller's own network namespace link, null when unreadable. */
export function readOwnNetns(procRoot: string): Promise<string | null> {
  return readlink(`${procRoot}/self/ns/net`).catch(() => null);
}

/** TCP/UDP sockets of pid's network namespace (null: the caller's own); a missing table is skipped. */
export async function readInetSockets(procRoot: string, pid: number | null): Promise<NetSocketRecord[]> {
  const netDir = pid === null ? `${procRoot}/net` : `${procRoot}/${pid}/net`;
  const records: NetSocketRecord[] = [];
  for (const table of INET_TABLES) {
    const text = await readFile(`${netDir}/${table}`, 'utf8').catch(() => null);
    if (text !== null) records.push(...parseInetTable(text, table));
  }
  return records;
}
