// Renice, identity-checked: the collector re-reads the start time right before and right after
// setpriority (there is no pidfd form of setpriority, so a PID recycled in between is caught and
// reported, not prevented). Every renice is audit-logged like a signal.
import { currentActor } from '../storage/audit-log.js';
import type { ActionDeps } from './deps.js';
import { refusalFor } from './guards.js';
import type { KillTarget } from './kill-many.js';
import { hasExited } from './process-tree.js';

/** Lowest and highest nice values on Linux. */
export const NICE_MIN = -20;
export const NICE_MAX = 19;

/** reniced, exited (gone), reused (PID now another process), permission (EACCES/EPERM), protected, unchanged (already at the limit), error. */
export type ReniceOutcome = 'reniced' | 'exited' | 'reused' | 'permission' | 'protected' | 'unchanged' | 'error';

export interface ReniceTargetResult {
  readonly pid: number;
  readonly startTime: number | null;
  readonly comm: string | null;
  readonly outcome: ReniceOutcome;
  /** Nice value before, when read. */
  readonly before: number | null;
  /** Nice value after, when set. */
  readonly after: number | null;
  /** Why, for every outcome but reniced. */
  readonly reason: string | null;
}

export interface ReniceResult {
  /** The nice change asked for (+ lowers priority). */
  readonly delta: number;
  /** One per target, in the order given. */
  readonly results: readonly ReniceTargetResult[];
  /** e.g. the audit log could not be written. */
  readonly warnings: readonly string[];
}

/** Moves each target's nice value by `delta` (clamped to -20..19); results in target order. */
export async function reniceMany(targets: readonly KillTarget[], delta: number, deps: ActionDeps): Promise<ReniceResult> {
  const results: ReniceTargetResult[] = [];
  const warnings: string[] = [];
  for (const target of targets) results.push(await reniceOne(target, delta, deps));
  if (deps.audit) {
    const done = results.filter((r) => r.outcome === 'reniced').length;
    const warning = await deps.audit.append({
      time: new Date().toISOString(),
      ...currentActor(),
      action: 'renice',
      signal: 0,
      killSignal: null,
      targets: results.map((r) => ({
        pid: r.pid,
        startTime: r.startTime,
        comm: r.comm,
        outcome: r.outcome,
        reason: r.outcome === 'reniced' ? `nice ${r.before} -> ${r.after}` : r.reason,
      })),
      summary: `nice ${delta > 0 ? '+' : ''}${delta}: ${done} of ${results.length} reniced`,
      warnings: [],
    });
    if (warning) warnings.push(warning);
  }
  return { delta, results, warnings };
}

async function reniceOne(target: KillTarget, delta: number, deps: ActionDeps): Promise<ReniceTargetResult> {
  const base = { pid: target.pid, startTime: target.startTime ?? null, comm: null, before: null, after: null };
  const numberRefusal = refusalFor({ pid: target.pid }, deps.self, true);
  if (numberRefusal) return { ...base, outcome: 'protected', reason: numberRefusal.reason };
  const entry = await deps.collector.readProcess(target.pid);
  if (!entry || hasExited(entry)) return { ...base, outcome: 'exited', reason: 'no such process' };
  const known = { ...base, startTime: entry.startTime, comm: entry.comm };
  if (target.startTime !== undefined && entry.startTime !== target.startTime) {
    return { ...known, startTime: target.startTime, outcome: 'reused', reason: `PID reused (start time ${entry.startTime}, expected ${target.startTime})` };
  }
  const refusal = refusalFor(entry, deps.self, true);
  if (refusal) return { ...known, outcome: 'protected', reason: refusal.reason };
  const read = await deps.collector.readPriority(target.pid);
  if (read.error !== null) return { ...known, outcome: read.error === 'ESRCH' ? 'exited' : 'error', reason: read.error };
  const before = read.nice;
  const after = Math.min(NICE_MAX, Math.max(NICE_MIN, before + delta));
  if (after === before) return { ...known, before, after, outcome: 'unchanged', reason: `already at nice ${before}` };
  const change = await deps.collector.setPriority({ pid: target.pid, startTime: entry.startTime }, after);
  switch (change.outcome) {
    case 'set':
      return { ...known, before, after, outcome: 'reniced', reason: null };
    case 'permission':
      return { ...known, before, outcome: 'permission', reason: after < before ? 'permission denied (raising priority needs root or CAP_SYS_NICE)' : 'permission denied' };
    case 'reused':
      return { ...known, before, after, outcome: 'reused', reason: change.error };
    default:
      return { ...known, before, outcome: change.outcome, reason: change.error };
  }
}
