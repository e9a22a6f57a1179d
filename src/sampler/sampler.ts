import type { Collector, CpuTimes, RawProcess, Snapshot, SystemInfo } from '../sys/types.js';
import { readMidpointMs } from '../sys/clock.js';
import { identityKey, type IdentityKey, type ProcessRow, type SampledFrame, type TaskCounts } from './types.js';
import { programName } from './program-name.js';
import { clampPercent, SampledRow, type FrameBasis } from './sampled-row.js';
import { referenceArray } from '../util/reference-array.js';

/** What the sampler keeps of the previous snapshot's system figures. */
interface PreviousSample {
  /** The middle of its read (readMidpointMs). */
  readonly midpointMs: number;
  readonly cpuTotal: CpuTimes;
  readonly cpus: readonly CpuTimes[];
}

/**
 * A PID's latest row, updated in place each sample: a map rebuilt per sample was a third of a
 * refresh's garbage at 1,000 processes, while entries only come and go with processes.
 */
interface KeptRow {
  row: ProcessRow;
  /** The sample that last saw this PID (an entry not seen by the current one has exited). */
  seenIn: number;
}

const ZERO_CPU: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };

/** Busy share of the ticks between two readings of the system CPU counters, 0..100; idle and iowait count as idle. */
export function cpuBusyPercent(before: CpuTimes, after: CpuTimes): number {
  const total = (t: CpuTimes): number => t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
  const idle = (t: CpuTimes): number => t.idle + t.iowait;
  const totalDelta = total(after) - total(before);
  const idleDelta = idle(after) - idle(before);
  // Counters can step back (CPU hotplug, some hypervisors): report idle rather than nonsense.
  if (totalDelta <= 0) return 0;
  return clampPercent(((totalDelta - idleDelta) / totalDelta) * 100, 100);
}

/** Slots of countTasks' tally. */
const RUNNING = 0;
const SLEEPING = 1;
const STOPPED = 2;
const ZOMBIE = 3;
const UNCOUNTED = 4;

/** The header count each state letter adds to: D and I count as sleeping, like top; other letters to none. */
const STATE_TALLY: ReadonlyMap<string, number> = new Map([
  ['R', RUNNING],
  ['S', SLEEPING],
  ['D', SLEEPING],
  ['I', SLEEPING],
  ['T', STOPPED],
  ['t', STOPPED],
  ['Z', ZOMBIE],
]);

/**
 * Counts for the header; running threads come from procs_running. Every step runs the same
 * operations whatever the state (a lookup, not a chain of ifs): countTasks is inlined into the
 * refresh, and a branch first taken when a stopped or zombie process appears had no type feedback,
 * so V8 threw the whole refresh's optimized code away and compiled it again (~30-50 ms).
 */
export function countTasks(processes: readonly RawProcess[], system: Pick<SystemInfo, 'procsRunning'>): TaskCounts {
  const tally = [0, 0, 0, 0, 0];
  let kernelThreads = 0;
  let threads = 0;
  for (let i = 0; i < processes.length; i++) {
    const p = processes[i] as RawProcess;
    const slot = STATE_TALLY.get(p.state) ?? UNCOUNTED;
    tally[slot] = tally[slot]! + 1;
    kernelThreads += p.isKernelThread ? 1 : 0;
    threads += p.threads;
  }
  return {
    total: processes.length,
    running: tally[RUNNING] as number,
    runningThreads: system.procsRunning,
    sleeping: tally[SLEEPING] as number,
    stopped: tally[STOPPED] as number,
    zombie: tally[ZOMBIE] as number,
    kernelThreads,
    threads,
  };
}

/**
 * Turns consecutive snapshots into rows with CPU% (100 = one core, like top), per-CPU busy %,
 * and the identities that appeared and exited between samples. A PID reused by a new process
 * is a new identity: it starts at 0% instead of inheriting the old process's ticks.
 */
export class Sampler {
  private previous: PreviousSample | undefined;
  /** Rows of the previous sample by PID (a PID names one process per snapshot; its start time tells a reused PID apart). */
  private readonly kept = new Map<number, KeptRow>();
  private samples = 0;

  constructor(private readonly collector: Pick<Collector, 'snapshot'>) {}

  /** Takes one snapshot and derives a frame from it and the previous one. */
  async sample(): Promise<SampledFrame> {
    return this.derive(await this.collector.snapshot());
  }

  /** Derives a frame from a snapshot taken elsewhere (the TUI loop and tests feed snapshots directly). */
  derive(snapshot: Snapshot): SampledFrame {
    const { system } = snapshot;
    const previous = this.previous;
    const midpointMs = readMidpointMs(snapshot);
    const intervalMs = previous ? Math.max(0, midpointMs - previous.midpointMs) : 0;
    const intervalSeconds = intervalMs / 1000;
    const clockTicks = system.clockTicks > 0 ? system.clockTicks : 100;
    const cpuCount = Math.max(1, system.cpus.length);
    const sample = ++this.samples;

    // Arrays of references from the start: a process appearing or exiting would otherwise change
    // their map and throw away this loop's optimized code (src/util/reference-array.ts).
    const appeared = referenceArray<IdentityKey>();
    const exited = referenceArray<ProcessRow>();
    const rows: ProcessRow[] = [];
    const basis: FrameBasis = {
      clockTicks,
      uptimeSeconds: system.uptimeSeconds,
      bootTimeMs: system.bootTimeMs,
      memTotalBytes: system.memTotalBytes,
      maxPercent: cpuCount * 100,
    };
    // A plain indexed loop, not a map() callback (V8 drops the optimized code of a callback made
    // per call at each major GC) nor for-of (until V8 optimizes it, in a pane's first minute, every
    // step of an iterator is an object: garbage per process per refresh).
    const processes = snapshot.processes;
    for (let i = 0; i < processes.length; i++) {
      const p = processes[i] as RawProcess;
      const kept = this.kept.get(p.pid);
      // Only the previous sample's row counts (not one from an earlier sample kept by a duplicate PID).
      const seen = kept !== undefined && kept.seenIn === sample - 1 ? kept.row : undefined;
      // Same PID and start time = same process: reuse its key and name instead of building new ones
      // (the name changes only with comm, i.e. on exec).
      const same = seen !== undefined && seen.startTime === p.startTime ? seen : undefined;
      const key = same ? same.key : identityKey(p);
      if (!same) appeared.push(key);
      if (seen !== undefined && same === undefined) exited.push(seen); // the PID was reused
      const total = p.utime + p.stime;
      const cpuPercent =
        same && intervalSeconds > 0 ? clampPercent(((total - (same.utime + same.stime)) / clockTicks / intervalSeconds) * 100, cpuCount * 100) : 0;
      // A SampledRow points at the record and derives the rest: a refresh at 20,000 processes
      // makes 20,000 of them, so they stay five fields small.
      const row = new SampledRow(p, key, same && same.comm === p.comm && same.argv === p.argv ? same.name : programName(p), cpuPercent, basis);
      if (kept === undefined) this.kept.set(p.pid, { row, seenIn: sample });
      else {
        kept.row = row;
        kept.seenIn = sample;
      }
      rows.push(row);
    }
    // PIDs the previous sample saw and this one did not: exited (deleting while iterating a Map is safe).
    for (const kept of this.kept.values()) {
      if (kept.seenIn === sample) continue;
      if (kept.seenIn === sample - 1) exited.push(kept.row);
      this.kept.delete(kept.row.pid);
    }

    // First sample: busy share since boot, so meters show something sensible immediately.
    const cpuTotalBefore = previous?.cpuTotal ?? ZERO_CPU;
    const cpuPercentPerCpu = system.cpus.map((cpu, i) => cpuBusyPercent(previous?.cpus[i] ?? ZERO_CPU, cpu));

    this.previous = { midpointMs, cpuTotal: system.cpuTotal, cpus: system.cpus };
    return {
      timestampMs: snapshot.timestampMs,
      intervalMs,
      rows,
      system,
      cpuPercentTotal: cpuBusyPercent(cpuTotalBefore, system.cpuTotal),
      cpuPercentPerCpu,
      tasks: countTasks(snapshot.processes, snapshot.system),
      appeared,
      exited,
      warnings: snapshot.warnings,
      snapshot,
    };
  }

  /** Forgets the previous sample: the next frame starts fresh (intervalMs 0, CPU% 0). */
  reset(): void {
    this.previous = undefined;
    this.kept.clear();
  }
}
