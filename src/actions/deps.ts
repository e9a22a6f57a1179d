import { createNativeCollector } from '../sys/collector.js';
import { loadNativeAddon } from '../sys/native-addon.js';
import { signalJs } from '../sys/js/signal.js';
import type { ProcessIdentity, RawProcess, SignalDelivery } from '../sys/types.js';
import { createFileAuditSink, type AuditSink } from './audit-log.js';
import { readSelfContext, type SelfContext } from './guards.js';
import {
  clockTicksPerSecond,
  listProcessEntries,
  readBootTimeMs,
  readExePath,
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

/** The identity-checked signaller of the best backend: native pidfd, else JS check-then-kill. */
export function createSignaller(procRoot = '/proc', backend = process.env.PROCTOP_BACKEND): Signaller {
  if (backend !== 'js') {
    const load = loadNativeAddon();
    const addon = load.addon;
    if (addon && typeof addon.sendSignal === 'function') {
      return (target, sig) => addon.sendSignal(procRoot, target.pid, target.startTime, sig);
    }
    if (backend === 'native') throw new Error(`PROCTOP_BACKEND=native but ${load.error ?? 'the addon has no sendSignal'}`);
  }
  return (target, sig) => signalJs(procRoot, target, sig);
}

function entryOf(p: RawProcess): ProcessEntry {
  return {
    pid: p.pid,
    startTime: p.startTime,
    ppid: p.ppid,
    pgid: p.pgid,
    sid: p.sid,
    state: p.state,
    comm: p.comm,
    uid: p.uid,
    cpuTicks: p.utime + p.stime,
    isKernelThread: p.isKernelThread,
  };
}

/**
 * Lists the process table through the native snapshot reader (several times faster than JS
 * /proc reads on a busy box), or the light JS stat scan when the addon is missing or not wanted.
 */
export function createProcessLister(procRoot = '/proc', backend = process.env.PROCTOP_BACKEND): () => Promise<readonly ProcessEntry[]> {
  if (backend !== 'js') {
    const native = createNativeCollector(procRoot);
    if (typeof native !== 'string') return async () => (await native.snapshot()).processes.map(entryOf);
  }
  return () => listProcessEntries(procRoot);
}

/** Real dependencies: /proc, the best signaller, the XDG audit log. */
export async function createSystemDeps(overrides: Partial<ActionDeps> = {}, procRoot = '/proc'): Promise<ActionDeps> {
  return {
    signal: overrides.signal ?? createSignaller(procRoot),
    readProcess: (pid) => readProcessEntry(procRoot, pid),
    listProcesses: overrides.listProcesses ?? createProcessLister(procRoot),
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
