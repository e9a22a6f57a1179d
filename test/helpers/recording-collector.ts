// The actions' test seam: a collector whose signal is replaced or recorded, so tests prove what
// was, and was not, sent, while every other read still goes to the real /proc.
import { processStatusOf } from '../../src/actions/process-tree.js';
import { createCollector, createJsCollector } from '../../src/sys/collector.js';
import type { Collector, ProcessIdentity, ProcessStatus, SignalDelivery } from '../../src/sys/types.js';

/** Sends one identity-checked signal (a Collector's signal). */
export type Signaller = Collector['signal'];

/** One recorded signal call. */
export interface SignalCall {
  readonly pid: number;
  readonly startTime: number;
  readonly signal: number;
}

/** Wraps a signaller so every call is recorded. */
export function recordingSignaller(inner: Signaller): Signaller & { readonly calls: SignalCall[] } {
  const calls: SignalCall[] = [];
  const wrapped = (async (target: ProcessIdentity, sig: number) => {
    calls.push({ pid: target.pid, startTime: target.startTime, signal: sig });
    return inner(target, sig);
  }) as Signaller & { calls: SignalCall[] };
  wrapped.calls = calls;
  return wrapped;
}

/** A recording signaller that pretends every signal was sent: for targets that must never really be hit. */
export function pretendSignaller(): ReturnType<typeof recordingSignaller> {
  return recordingSignaller(async (): Promise<SignalDelivery> => ({ outcome: 'sent', error: null, viaPidfd: true, warnings: [] }));
}

/** The system's collector (or `base`) with its signal replaced by `signal`. */
export function collectorWithSignaller(signal: Signaller, base: Collector = createCollector().collector): Collector {
  return { ...base, signal };
}

/** The real signaller of the system's collector (or of the named backend). */
export function systemSignaller(backend?: 'native' | 'js'): Signaller {
  const { collector } = createCollector({ backend });
  return (target, sig) => collector.signal(target, sig);
}

/** The process table as the actions see it, read independently by the JS backend. */
export function processTable(): () => Promise<ProcessStatus[]> {
  const collector = createJsCollector('/proc');
  return async () => (await collector.snapshot()).processes.map(processStatusOf);
}
