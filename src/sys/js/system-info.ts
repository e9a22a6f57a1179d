import type { CpuTimes, SystemInfo } from '../types.js';
import type { ProcFiles } from './proc-files.js';

/** sysconf figures the /proc files do not carry. */
export interface SysconfFigures {
  /** sysconf(_SC_CLK_TCK). */
  readonly clockTicks: number;
  /** sysconf(_SC_PAGESIZE). */
  readonly pageSize: number;
}

const DEFAULT_SYSCONF: SysconfFigures = { clockTicks: 100, pageSize: 4096 };

/** Runs getconf; node:child_process is loaded here, not at start (~1 ms, with net and dgram). */
async function getconf(name: string): Promise<number | null> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('getconf', [name], { timeout: 5000 }, (err, stdout) => {
      const value = Number(String(stdout).trim());
      resolve(!err && Number.isInteger(value) && value > 0 ? value : null);
    });
  });
}

let sysconfOnce: Promise<SysconfFigures> | undefined;

/** Asks getconf once per process (JS cannot call sysconf); falls back to Linux's usual 100 / 4096. */
export function readSysconf(): Promise<SysconfFigures> {
  sysconfOnce ??= Promise.all([getconf('CLK_TCK'), getconf('PAGESIZE')]).then(([clockTicks, pageSize]) => ({
    clockTicks: clockTicks ?? DEFAULT_SYSCONF.clockTicks,
    pageSize: pageSize ?? DEFAULT_SYSCONF.pageSize,
  }));
  return sysconfOnce;
}

function cpuTimesFrom(values: readonly number[]): CpuTimes {
  const at = (i: number): number => values[i] ?? 0;
  return { user: at(0), nice: at(1), system: at(2), idle: at(3), iowait: at(4), irq: at(5), softirq: at(6), steal: at(7) };
}

/** CPU lines and boot time of /proc/stat. */
export interface ProcStatFigures {
  readonly cpuTotal: CpuTimes;
  readonly cpus: readonly CpuTimes[];
  readonly bootTimeMs: number;
  /** "procs_running": runnable threads system-wide. */
  readonly procsRunning: number;
}

/** Parses /proc/stat: the "cpu" line, every "cpuN" line in N order, "btime" and "procs_running". */
export function parseProcStat(text: string): ProcStatFigures {
  let cpuTotal = cpuTimesFrom([]);
  const cpus: { index: number; times: CpuTimes }[] = [];
  let bootTimeMs = 0;
  let procsRunning = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu')) {
      const [name = '', ...rest] = line.trim().split(/\s+/);
      const times = cpuTimesFrom(rest.map(Number));
      if (name === 'cpu') cpuTotal = times;
      else cpus.push({ index: Number(name.slice(3)), times });
    } else if (line.startsWith('btime ')) {
      bootTimeMs = Number(line.slice(6).trim()) * 1000;
    } else if (line.startsWith('procs_running ')) {
      procsRunning = Number(line.slice(14).trim());
    }
  }
  cpus.sort((a, b) => a.index - b.index);
  return { cpuTotal, cpus: cpus.map((c) => c.times), bootTimeMs, procsRunning };
}

/** /proc/meminfo as bytes per key ("MemTotal" → bytes). */
export function parseMeminfo(text: string): ReadonlyMap<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([^:]+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (match?.[1] && match[2]) values.set(match[1], Number(match[2]) * (line.endsWith('kB') ? 1024 : 1));
  }
  return values;
}

/** First three fields of /proc/loadavg. */
export function parseLoadAvg(text: string): readonly [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = text.trim().split(/\s+/).map(Number);
  return [one, five, fifteen];
}

/** First field of /proc/uptime, seconds since boot. */
export function parseUptime(text: string): number {
  return Number(text.trim().split(/\s+/)[0] ?? 0);
}

/** Reads the system-wide figures of one snapshot. */
export async function readSystemInfo(files: ProcFiles, procRoot: string): Promise<SystemInfo> {
  const [statText, meminfoText, loadavgText, uptimeText, sysconf] = await Promise.all([
    files.readText(`${procRoot}/stat`),
    files.readText(`${procRoot}/meminfo`),
    files.readText(`${procRoot}/loadavg`),
    files.readText(`${procRoot}/uptime`),
    readSysconf(),
  ]);
  const stat = parseProcStat(statText);
  const mem = parseMeminfo(meminfoText);
  const kb = (key: string): number => mem.get(key) ?? 0;
  // MemAvailable exists since Linux 3.14; estimate it the old way before that.
  const memAvailableBytes = mem.get('MemAvailable') ?? kb('MemFree') + kb('Buffers') + kb('Cached');
  return {
    cpuTotal: stat.cpuTotal,
    cpus: stat.cpus,
    memTotalBytes: kb('MemTotal'),
    memAvailableBytes,
    memFreeBytes: kb('MemFree'),
    buffersBytes: kb('Buffers'),
    cachedBytes: kb('Cached'),
    swapTotalBytes: kb('SwapTotal'),
    swapFreeBytes: kb('SwapFree'),
    loadAvg: parseLoadAvg(loadavgText),
    uptimeSeconds: parseUptime(uptimeText),
    bootTimeMs: stat.bootTimeMs,
    clockTicks: sysconf.clockTicks,
    pageSize: sysconf.pageSize,
    procsRunning: stat.procsRunning,
  };
}
