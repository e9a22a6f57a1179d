// Renice, identity-checked: the start time is re-read right before and right after setpriority
// (there is no pidfd form of setpriority, so a PID recycled in between is caught and reported,
// not prevented). Every renice is audit-logged like a signal.
import { getPriority, setPriority } from 'node:os';
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

/** The OS calls renice makes; tests may inject their own. */
export interface PriorityOps {
  get(pid: number): number;
  set(pid: number, nice: number): void;
}

export const OS_PRIORITY: PriorityOps = { get: getPriority, set: setPriority };

function errorCode(error: unknown): string {
  const e = error as { code?: string; info?: { code?: string } };
  return e.info?.code ?? e.code ?? 'error';
}

/** Moves each target's nice value by `delta` (clamped to -20..19); results in target order. */
export async function reniceMany(targets: readonly KillTarget[], delta: number, deps: ActionDeps, ops: PriorityOps = OS_PRIORITY): Promise<ReniceResult> {
  const results: ReniceTargetResult[] = [];
  const warnings: string[] = [];
  for (const target of targets) results.push(await reniceOne(target, delta, deps, ops));
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

async function reniceOne(target: KillTarget, delta: number, deps: ActionDeps, ops: PriorityOps): Promise<ReniceTargetResult> {
  const base = { pid: target.pid, startTime: target.startTime ?? null, comm: null, before: null, after: null };
  const numberRefusal = refusalFor({ pid: target.pid }, deps.self, true);
  if (numberRefusal) return { ...base, outcome: 'protected', reason: numberRefusal.reason };
  const entry = await deps.readProcess(target.pid);
  if (!entry || hasExited(entry)) return { ...base, outcome: 'exited', reason: 'no such process' };
  const known = { ...base, startTime: entry.startTime, comm: entry.comm };
  if (target.startTime !== undefined && entry.startTime !== target.startTime) {
    return { ...known, startTime: target.startTime, outcome: 'reused', reason: `PID reused (start time ${entry.startTime}, expected ${target.startTime})` };
  }
  const refusal = refusalFor(entry, deps.self, true);
  if (refusal) return { ...known, outcome: 'protected', reason: refusal.reason };
  let before: number;
  try {
    before = ops.get(target.pid);
  } catch (error) {
    return { ...known, outcome: errorCode(error) === 'ESRCH' ? 'exited' : 'error', reason: errorCode(error) };
  }
  const after = Math.min(NICE_MAX, Math.max(NICE_MIN, before + delta));
  if (after === before) return { ...known, before, after, outcome: 'unchanged', reason: `already at nice ${before}` };
  try {
    ops.set(target.pid, after);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EACCES' || code === 'EPERM') {
      return { ...known, before, outcome: 'permission', reason: after < before ? 'permission denied (raising priority needs root or CAP_SYS_NICE)' : 'permission denied' };
    }
    return { ...known, before, outcome: code === 'ESRCH' ? 'exited' : 'error', reason: code };
  }
  // Re-check: if the PID was recycled between the check and setpriority, say so.
  const now = await deps.readProcess(target.pid);
  if (!now || now.startTime !== entry.startTime) {
    return { ...known, before, after, outcome: 'reused', reason: 'the process exited while being reniced; its PID may now name another process' };
  }
  return { ...known, before, after, outcome: 'reniced', reason: null };
}
