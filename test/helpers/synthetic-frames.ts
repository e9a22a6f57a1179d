// Made-up frames for component tests and the TUI benchmark: real shapes, invented numbers.
import { programName } from '../../src/sampler/program-name.js';
import { countTasks } from '../../src/sampler/sampler.js';
import type { CpuTimes, RawProcess, SystemInfo } from '../../src/sys/types.js';
import { identityKey, type ProcessRow, type SampledFrame } from '../../src/sampler/types.js';

const ZERO_CPU: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };

/** A system of `cpuCount` CPUs with 4 GiB of memory. */
export function syntheticSystem(cpuCount = 2): SystemInfo {
  return {
    cpuTotal: ZERO_CPU,
    cpus: Array.from({ length: cpuCount }, () => ZERO_CPU),
    memTotalBytes: 4 * 1024 ** 3,
    memAvailableBytes: 3 * 1024 ** 3,
    memFreeBytes: 2 * 1024 ** 3,
    buffersBytes: 0,
    cachedBytes: 1024 ** 3,
    swapTotalBytes: 1024 ** 3,
    swapFreeBytes: 1024 ** 3,
    loadAvg: [0.5, 0.25, 0.125],
    uptimeSeconds: 90_061,
    bootTimeMs: 1_700_000_000_000,
    clockTicks: 100,
    pageSize: 4096,
    procsRunning: 0,
  };
}

/** A row with sensible defaults; override any field. */
export function syntheticRow(fields: Partial<RawProcess> & { readonly pid: number } & Partial<ProcessRow>): ProcessRow {
  const raw: RawProcess = {
    startTime: 1000 + fields.pid,
    ppid: 1,
    pgid: fields.pid,
    sid: fields.pid,
    uid: 1000,
    user: 'alice',
    state: 'S',
    comm: `proc${fields.pid}`,
    argv: [`/usr/bin/proc${fields.pid}`, '--serve'],
    exe: `/usr/bin/proc${fields.pid}`,
    utime: 0,
    stime: 0,
    rssBytes: 10 * 1024 * 1024,
    vsizeBytes: 100 * 1024 * 1024,
    threads: 1,
    nice: 0,
    priority: 20,
    ttyNr: 0,
    isKernelThread: false,
    ...fields,
  };
  const cpuTimeSeconds = (raw.utime + raw.stime) / 100;
  return {
    cpuPercent: 0,
    cpuPercentLifetime: 0,
    memPercent: (raw.rssBytes / (4 * 1024 ** 3)) * 100,
    cpuTimeSeconds,
    startTimeMs: 1_700_000_000_000 + raw.startTime * 10,
    ageSeconds: 60,
    name: programName(raw),
    ...raw,
    ...fields,
    key: identityKey(raw),
  };
}

/** A frame holding `rows` (timestamps and CPU figures overridable). */
export function syntheticFrame(rows: readonly ProcessRow[], extra: Partial<SampledFrame> = {}): SampledFrame {
  const system = extra.system ?? syntheticSystem(2);
  const timestampMs = extra.timestampMs ?? 1_700_000_100_000;
  return {
    timestampMs,
    intervalMs: 1500,
    rows,
    system,
    cpuPercentTotal: 25,
    cpuPercentPerCpu: system.cpus.map((_, i) => (i % 2 === 0 ? 40 : 10)),
    tasks: countTasks(rows, system),
    appeared: [],
    exited: [],
    warnings: [],
    snapshot: { timestampMs, monotonicMs: 0, readStartMonotonicMs: 0, processes: rows, system, warnings: [] },
    ...extra,
  };
}

/** `count` processes in a shallow tree (parents every 10), CPU spread deterministically by `seed`. */
export function syntheticPopulation(count: number, seed = 1): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (let i = 0; i < count; i++) {
    const pid = 100 + i;
    const ppid = i === 0 ? 1 : 100 + Math.floor((i - 1) / 10);
    const cpu = ((i * 7919 + seed * 104_729) % 1000) / 10;
    rows.push(syntheticRow({ pid, ppid, cpuPercent: cpu, rssBytes: (i % 97) * 1024 * 1024, user: i % 3 === 0 ? 'root' : 'alice', utime: i * 3, stime: i }));
  }
  return rows;
}
