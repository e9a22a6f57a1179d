import { createCollector, type BackendName } from '../sys/collector.js';
import type { Collector, ProcessIdentity, SignalDelivery } from '../sys/types.js';
import { createFileAuditSink, type AuditSink } from '../storage/audit-log.js';
import { readSelfContext, type SelfContext } from './guards.js';
import {
  clockTicksPerSecond,
  readBootTimeMs,
  readExePath,
  processEntryOf,
  readProcessEntry,
  type ProcessEntry,
} from './process-tree.js';

/** Sends one identity-checked signal (the Collector's signal). Tests inject a recording fake. */
export type Signaller = (target: ProcessIdentity, signal: number) => Promise<SignalDelivery>;

/** Everything kill-many and terminate-tree touch outside themselves, injectable for tests. */
export interface ActionDeps {
  readonly signal: Signaller;
  /** One process now, or null when gone. */
  readonly readProcess: (pid: number) => Promise<ProcessEntry | null>;
  /** The whole process table now. */
  readonly listProcesses: () => Promise<readonly ProcessEntry[]>;
  /** /proc/PID/exe target or null. */
  readonly readExe: (pid: number) => Promise<string | null>;
  /** Boot time (epoch ms) and clock ticks per second, for --require-start-time-ms. */
  readonly bootTimeMs: () => Promise<number>;
  readonly clockTicks: () => number;
  /** proctop's own pid, parent and group. */
  readonly self: SelfContext;
  /** Where each action is recorded; null to keep no record. */
  readonly audit: AuditSink | null;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The identity-checked signaller of a backend (default: the same choice as createCollector). */
export function createSignaller(procRoot = '/proc', backend?: BackendName): Signaller {
  const { collector } = createCollector({ procRoot, backend });
  return (target, sig) => collector.signal(target, sig);
}

/** Lists the process table through a collector's snapshot (one /proc reader for everything). */
export function createProcessLister(collector: Collector): () => Promise<readonly ProcessEntry[]> {
  return async () => (await collector.snapshot()).processes.map(processEntryOf);
}

/** Real dependencies: /proc, the best signaller, the XDG audit log. */
export async function createSystemDeps(overrides: Partial<ActionDeps> = {}, procRoot = '/proc'): Promise<ActionDeps> {
  const { collector } = createCollector({ procRoot });
  return {
    signal: overrides.signal ?? ((target, sig) => collector.signal(target, sig)),
    readProcess: (pid) => readProcessEntry(procRoot, pid),
    listProcesses: overrides.listProcesses ?? createProcessLister(collector),
    readExe: (pid) => readExePath(procRoot, pid),
    bootTimeMs: () => readBootTimeMs(procRoot),
    clockTicks: clockTicksPerSecond,
    self: await readSelfContext(procRoot),
    audit: createFileAuditSink(),
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    ...overrides,
  };
}

/** Wraps a signaller so every call is recorded (tests prove what was, and was not, sent). */
export function recordingSignaller(inner: Signaller): Signaller & { readonly calls: { pid: number; startTime: number; signal: number }[] } {
  const calls: { pid: number; startTime: number; signal: number }[] = [];
  const wrapped = (async (target: ProcessIdentity, sig: number) => {
    calls.push({ pid: target.pid, startTime: target.startTime, signal: sig });
    return inner(target, sig);
  }) as Signaller & { calls: typeof calls };
  wrapped.calls = calls;
  return wrapped;
}
