// The sampler thread's side: the collector, the exporter and (when it samples on its own) the
// sampling loop run here, on a worker thread, so a snapshot being decoded or the extras being read
// never hold up the thread that answers scrapes. It reports rendered samples, never raw data.
import type { MessagePort } from 'node:worker_threads';
import type { CollectorChoice } from '../sys/collector.js';
import type { RawProcess, Snapshot, SystemInfo } from '../sys/types.js';
import { MetricsExporter } from './exporter.js';
import type { RenderedSample } from './exposition.js';
import type { GroupBy } from './grouping.js';
import { MetricsLoop } from './metrics-loop.js';
import { registryTrackedSource } from './registry-source.js';

/** What the sampler thread is started with (its workerData). */
export interface SamplerSettings {
  /** 'sample': read /proc every intervalMs; 'fed': sum the snapshots it is sent (the --watch pane's). */
  readonly mode: 'sample' | 'fed';
  readonly groupBy: GroupBy;
  /** Time between samples in 'sample' mode. */
  readonly intervalMs: number;
  /** Read smaps_rollup for proportional memory. */
  readonly proportional: boolean;
  /** Tags and groups as labels of proctop_tracked_up. */
  readonly trackedLabels: boolean;
}

/** Sampler thread → serving thread. */
export type SamplerReport =
  /** The collector and exporter are up; `notice` says the JS fallback backend is in use. */
  | { readonly type: 'started'; readonly notice: string | null }
  /** A sample is in, rendered in both formats. */
  | { readonly type: 'sample'; readonly sample: RenderedSample }
  /** A sample failed (counted in proctop_sample_errors_total); the last good one is still served. */
  | { readonly type: 'sample-error'; readonly message: string }
  /** Something to tell the user once (a registry problem). */
  | { readonly type: 'warning'; readonly message: string };

/** Serving thread → sampler thread. */
export type SamplerOrder =
  /** 'fed' mode: sum this snapshot; `readMs` is how long reading it took. */
  | { readonly type: 'snapshot'; readonly snapshot: PackedSnapshot; readonly readMs: number }
  /** Stop sampling, let a sample in flight finish, then let the thread end. */
  | { readonly type: 'stop' };

/** Numeric fields of a process that travel to the sampler thread (what the exporter and the registry read). */
const PACKED_NUMBERS = ['pid', 'startTime', 'ppid', 'pgid', 'sid', 'uid', 'utime', 'stime', 'rssBytes', 'vsizeBytes', 'threads', 'nice', 'priority', 'ttyNr'] as const satisfies readonly (keyof RawProcess)[];
/** Numbers per process: the fields above, then isKernelThread as 0/1. */
const PACKED_WIDTH = PACKED_NUMBERS.length + 1;

/**
 * A snapshot on its way to the sampler thread, in columns. Posting 5,000 process objects costs
 * the sending thread (the pane's) a structured clone of 100 ms and more; one transferred
 * Float64Array and three joined strings cost about a millisecond. argv and exe stay behind: the
 * exporter does not read them.
 */
export interface PackedSnapshot {
  readonly timestampMs: number;
  readonly monotonicMs: number;
  readonly readStartMonotonicMs: number;
  readonly system: SystemInfo;
  readonly warnings: readonly string[];
  /** PACKED_WIDTH numbers per process, in snapshot order. */
  readonly numbers: Float64Array;
  /** Every process's comm, user and state, each list joined by NUL (no kernel or passwd name holds one). */
  readonly comms: string;
  readonly users: string;
  readonly states: string;
}

/** Packs a snapshot for postMessage (transfer `numbers.buffer`). */
export function packSnapshot(snapshot: Snapshot): PackedSnapshot {
  const processes = snapshot.processes;
  const numbers = new Float64Array(processes.length * PACKED_WIDTH);
  const comms: string[] = new Array<string>(processes.length);
  const users: string[] = new Array<string>(processes.length);
  const states: string[] = new Array<string>(processes.length);
  // Plain loops: this runs on the pane's thread for every process of every frame.
  for (let i = 0; i < processes.length; i++) {
    const p = processes[i] as RawProcess;
    const at = i * PACKED_WIDTH;
    for (let f = 0; f < PACKED_NUMBERS.length; f++) numbers[at + f] = p[PACKED_NUMBERS[f] as (typeof PACKED_NUMBERS)[number]];
    numbers[at + PACKED_NUMBERS.length] = p.isKernelThread ? 1 : 0;
    comms[i] = p.comm;
    users[i] = p.user;
    states[i] = p.state;
  }
  return {
    timestampMs: snapshot.timestampMs,
    monotonicMs: snapshot.monotonicMs,
    readStartMonotonicMs: snapshot.readStartMonotonicMs,
    system: snapshot.system,
    warnings: snapshot.warnings,
    numbers,
    comms: comms.join('\0'),
    users: users.join('\0'),
    states: states.join('\0'),
  };
}

/** The snapshot again, on the sampler thread: every process with empty argv and no exe. */
export function unpackSnapshot(packed: PackedSnapshot): Snapshot {
  const count = packed.numbers.length / PACKED_WIDTH;
  const split = (joined: string): string[] => (count === 0 ? [] : joined.split('\0'));
  const comms = split(packed.comms);
  const users = split(packed.users);
  const states = split(packed.states);
  const processes: RawProcess[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * PACKED_WIDTH;
    const p: Record<string, unknown> = { comm: comms[i], user: users[i], state: states[i], argv: [], exe: null, isKernelThread: packed.numbers[at + PACKED_NUMBERS.length] === 1 };
    for (let f = 0; f < PACKED_NUMBERS.length; f++) p[PACKED_NUMBERS[f] as string] = packed.numbers[at + f];
    processes.push(p as unknown as RawProcess);
  }
  return { timestampMs: packed.timestampMs, monotonicMs: packed.monotonicMs, readStartMonotonicMs: packed.readStartMonotonicMs, system: packed.system, warnings: packed.warnings, processes };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs the sampler on `port` until told to stop. `choice` is the collector this thread made for
 * itself (the native addon loads once per thread). Resolves when sampling has stopped.
 */
export async function runSamplerWorker(port: MessagePort, settings: SamplerSettings, choice: CollectorChoice): Promise<void> {
  const report = (message: SamplerReport): void => port.postMessage(message);
  const collector = choice.collector;
  const tracked = await registryTrackedSource(collector, (message) => report({ type: 'warning', message }));
  const exporter = new MetricsExporter(
    { groupBy: settings.groupBy, baseline: 'first-sample', proportional: settings.proportional, trackedLabels: settings.trackedLabels },
    collector,
    tracked,
  );
  const stopped = new Promise<void>((resolve) => {
    port.on('message', (order: SamplerOrder) => {
      if (order.type === 'stop') resolve();
      else void ingest(unpackSnapshot(order.snapshot), order.readMs);
    });
  });
  const ingest = async (snapshot: Snapshot, readMs: number): Promise<void> => {
    try {
      report({ type: 'sample', sample: await exporter.ingest(snapshot, performance.now() - readMs) });
    } catch (error) {
      exporter.recordSampleError();
      report({ type: 'sample-error', message: messageOf(error) });
    }
  };
  report({ type: 'started', notice: choice.notice });
  if (settings.mode === 'fed') {
    await stopped;
  } else {
    const loop = new MetricsLoop(collector, exporter, settings.intervalMs, {
      onSample: (sample) => report({ type: 'sample', sample }),
      onError: (error) => report({ type: 'sample-error', message: messageOf(error) }),
    });
    void loop.start();
    await stopped;
    await loop.stop();
  }
  port.close();
}
