// Renice, identity-checked: the collector re-reads the start time right before and right after
// setpriority (there is no pidfd form of setpriority, so a PID recycled in between is caught and
// reported, not prevented). Every renice is audit-logged like a signal.
import { currentActor } from '../storage/audit-log.js';
import type { ActionDeps } from './deps.js';
import { refusalText, validateBatch, type KillTarget } from './kill-many.js';
import type { ProcessIdentity } from '../sys/types.js';
import { hasExited } from './process-tree.js';

/** Lowest and highest nice values on Linux. */
export const NICE_MIN = -20;
export const NICE_MAX = 19;

/**
 * reniced, unchanged (already there, or at the limit), exited (gone), reused (PID now another
 * process), permission (EACCES/EPERM: lowering the nice value needs root or CAP_SYS_NICE), error;
 * and, as kill's validation refusals that refuse the whole batch: protected, not-signalable
 * (kernel thread), invalid, not-sent (held back because the batch was refused).
 */
export type ReniceOutcome = 'reniced' | 'exited' | 'reused' | 'permission' | 'protected' | 'not-signalable' | 'invalid' | 'not-sent' | 'unchanged' | 'error';

/** A nice change: move by a delta (+ lowers priority), or set a value. */
export type NiceChange = { readonly by: number } | { readonly to: number };

/** "+1", "-5", "= 10": the change as people read it. */
export function describeNiceChange(change: NiceChange): string {
  if ('to' in change) return `= ${change.to}`;
  return `${change.by > 0 ? '+' : ''}${change.by}`;
}

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
  /** The nice change asked for. */
  readonly change: NiceChange;
  /** Validation refused the batch (a protected target, a PID:START naming another process): nothing changed. */
  readonly refused: boolean;
  readonly refusal: string | null;
  /** One per target, in the order given. */
  readonly results: readonly ReniceTargetResult[];
  /** e.g. the audit log could not be written. */
  readonly warnings: readonly string[];
}

/** Options of reniceMany. */
export interface ReniceOptions {
  /** Allow proctop's ancestors (default false). */
  readonly force?: boolean;
  /** Change nothing when a target fails validation (default true, as kill); off, refused targets are skipped. */
  readonly allOrNothing?: boolean;
}

/** 0 every target at the asked value, 1 some, 2 refused or none (the CLI's exit code). */
export function reniceExitCode(result: ReniceResult): number {
  if (result.refused) return 2;
  const done = result.results.filter((r) => r.outcome === 'reniced' || r.outcome === 'unchanged').length;
  if (done > 0 && done === result.results.length) return 0;
  return result.results.some((r) => r.outcome === 'reniced') ? 1 : 2;
}

/**
 * Moves each target's nice value by a delta, or sets it (clamped to -20..19; a bare number is a
 * delta), validated first like kill; results in target order, audited.
 */
export async function reniceMany(
  targets: readonly KillTarget[],
  changeGiven: number | NiceChange,
  deps: ActionDeps,
  options: ReniceOptions = {},
): Promise<ReniceResult> {
  const change: NiceChange = typeof changeGiven === 'number' ? { by: changeGiven } : changeGiven;
  const { validated, refusing } = await validateBatch(targets, deps, options.force ?? false);
  const refused = (options.allOrNothing ?? true) && refusing > 0;
  const results: ReniceTargetResult[] = [];
  const warnings: string[] = [];
  for (const { result: v, refuses } of validated) {
    const base = { pid: v.pid, startTime: v.startTime, comm: v.comm, before: null, after: null };
    if (refuses || v.outcome !== 'not-sent') results.push({ ...base, outcome: v.outcome as ReniceOutcome, reason: v.reason });
    else if (refused) results.push({ ...base, outcome: 'not-sent', reason: 'not changed: the batch was refused' });
    else results.push(await reniceOne({ pid: v.pid, startTime: v.startTime! }, change, deps));
  }
  const refusal = refused ? refusalText(validated) : null;
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
      summary: refused ? `refused: nothing changed (${refusal})` : `nice ${describeNiceChange(change)}: ${done} of ${results.length} reniced`,
      warnings: [],
    });
    if (warning) warnings.push(warning);
  }
  return { change, refused, refusal, results, warnings };
}

// The target passed validation (guards, identity) just before: only the nice value is left.
async function reniceOne(target: ProcessIdentity, change: NiceChange, deps: ActionDeps): Promise<ReniceTargetResult> {
  const entry = await deps.collector.readProcess(target.pid);
  const base = { pid: target.pid, startTime: target.startTime, comm: entry?.comm ?? null, before: null, after: null };
  if (!entry || hasExited(entry)) return { ...base, outcome: 'exited', reason: 'no such process' };
  const known = { ...base, startTime: entry.startTime, comm: entry.comm };
  if (entry.startTime !== target.startTime) {
    return { ...known, startTime: target.startTime, outcome: 'reused', reason: `PID reused (start time ${entry.startTime}, expected ${target.startTime})` };
  }
  const read = await deps.collector.readPriority(target.pid);
  if (read.error !== null) return { ...known, outcome: read.error === 'ESRCH' ? 'exited' : 'error', reason: read.error };
  const before = read.nice;
  const after = Math.min(NICE_MAX, Math.max(NICE_MIN, 'to' in change ? change.to : before + change.by));
  if (after === before) return { ...known, before, after, outcome: 'unchanged', reason: `already at nice ${before}` };
  const set = await deps.collector.setPriority({ pid: target.pid, startTime: entry.startTime }, after);
  switch (set.outcome) {
    case 'set':
      return { ...known, before, after, outcome: 'reniced', reason: null };
    case 'permission':
      return { ...known, before, outcome: 'permission', reason: after < before ? 'permission denied (raising priority needs root or CAP_SYS_NICE)' : 'permission denied' };
    case 'reused':
      return { ...known, before, after, outcome: 'reused', reason: set.error };
    default:
      return { ...known, before, outcome: set.outcome, reason: set.error };
  }
}
