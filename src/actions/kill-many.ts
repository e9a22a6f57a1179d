import type { ActionDeps } from './deps.js';
import type { AuditTarget } from '../storage/audit-log.js';
import { currentActor } from '../storage/audit-log.js';
import { refusalFor } from './guards.js';
import { hasExited } from './process-tree.js';
import { signalName } from './signals.js';

/** A process to signal. With startTime it is that exact identity; without, whatever has the PID now. */
export interface KillTarget {
  readonly pid: number;
  /** Identity captured earlier (e.g. when the TUI dialog opened); checked before sending. */
  readonly startTime?: number;
}

/**
 * What happened to one target. sent, exited (already gone), reused (PID now someone else),
 * permission (EPERM), protected / not-signalable (refused by a guard), not-sent (valid, but held
 * back because another target was refused), error (anything else, see reason).
 */
export type KillOutcome = 'sent' | 'exited' | 'reused' | 'permission' | 'protected' | 'not-signalable' | 'not-sent' | 'error';

export interface KillTargetResult {
  readonly pid: number;
  /** Identity signalled (or last known); null when the PID never resolved to a process. */
  readonly startTime: number | null;
  /** Kernel command name when known. */
  readonly comm: string | null;
  readonly uid: number | null;
  /** User name of uid when known. */
  readonly user: string | null;
  readonly outcome: KillOutcome;
  /** Why, for every outcome but sent. */
  readonly reason: string | null;
  /** True when the signal went through a pidfd. */
  readonly viaPidfd: boolean;
}

export interface KillManyResult {
  readonly signal: number;
  /** True when validation refused a target and, all-or-nothing, nothing was sent. */
  readonly refused: boolean;
  /** One per target, in the order given. */
  readonly results: readonly KillTargetResult[];
  readonly warnings: readonly string[];
}

/** Live progress for a dialog: called once after validation and once per target signalled. */
export type KillProgress =
  | { readonly phase: 'validated'; readonly total: number; readonly refused: number }
  | { readonly phase: 'signalled'; readonly done: number; readonly total: number; readonly result: KillTargetResult };

export interface KillManyOptions {
  /** Allow proctop's parent and members of its own process group. */
  readonly force?: boolean;
  /** Send nothing when any target fails validation (default true: one bad target sends nothing). */
  readonly allOrNothing?: boolean;
  readonly onProgress?: (progress: KillProgress) => void;
  /** Audit action name (default "kill"). */
  readonly action?: string;
}

/** kill-many succeeded for every target / some / none: 0, 1, 2 (the CLI's exit code). */
export function killExitCode(result: KillManyResult): number {
  const sent = result.results.filter((r) => r.outcome === 'sent').length;
  if (result.refused || sent === 0) return 2;
  return sent === result.results.length ? 0 : 1;
}

/**
 * Validates every target first (number, existence, identity, guards), then, unless validation
 * refused something under all-or-nothing, signals each identity through deps.signal and records
 * the whole action in the audit log.
 */
export async function killMany(
  targets: readonly KillTarget[],
  signal: number,
  deps: ActionDeps,
  options: KillManyOptions = {},
): Promise<KillManyResult> {
  const allOrNothing = options.allOrNothing ?? true;
  const warnings: string[] = [];
  const seen = new Set<number>();
  const validated: KillTargetResult[] = [];
  for (const target of targets) {
    validated.push(await validateTarget(target, deps, options.force ?? false, seen));
  }
  const refusedCount = validated.filter((r) => r.outcome !== 'not-sent').length;
  const refused = allOrNothing && refusedCount > 0;
  options.onProgress?.({ phase: 'validated', total: targets.length, refused: refusedCount });

  const results: KillTargetResult[] = [];
  for (const candidate of validated) {
    let result = candidate;
    if (candidate.outcome === 'not-sent' && !refused && candidate.startTime !== null) {
      const delivery = await deps.collector.signal({ pid: candidate.pid, startTime: candidate.startTime }, signal);
      for (const w of delivery.warnings) if (!warnings.includes(w)) warnings.push(w);
      result = {
        ...candidate,
        outcome: delivery.outcome,
        reason: delivery.outcome === 'sent' ? null : (delivery.error ?? defaultReason(delivery.outcome)),
        viaPidfd: delivery.viaPidfd,
      };
      options.onProgress?.({ phase: 'signalled', done: results.length + 1, total: validated.length, result });
    } else if (candidate.outcome === 'not-sent') {
      result = { ...candidate, reason: 'not sent: another target was refused' };
    }
    results.push(result);
  }

  if (deps.audit) {
    const auditWarning = await deps.audit.append({
      time: new Date().toISOString(),
      ...currentActor(),
      action: options.action ?? 'kill',
      signal,
      killSignal: null,
      targets: results.map(toAuditTarget),
      summary: refused ? `refused: nothing sent (${refusedCount} invalid target(s))` : `${signalName(signal)} sent to ${results.filter((r) => r.outcome === 'sent').length} of ${results.length}`,
      warnings,
    });
    if (auditWarning) warnings.push(auditWarning);
  }
  return { signal, refused, results, warnings };
}

function defaultReason(outcome: KillOutcome): string {
  switch (outcome) {
    case 'exited':
      return 'already exited';
    case 'reused':
      return 'PID reused by another process';
    case 'permission':
      return 'permission denied';
    default:
      return outcome;
  }
}

// Outcome "not-sent" here means "valid so far": the send phase replaces it.
async function validateTarget(target: KillTarget, deps: ActionDeps, force: boolean, seen: Set<number>): Promise<KillTargetResult> {
  const base = { pid: target.pid, startTime: target.startTime ?? null, comm: null, uid: null, user: null, viaPidfd: false };
  // Bad numbers, PID 1 and proctop itself are refused before the process is even read.
  const numberRefusal = refusalFor({ pid: target.pid }, deps.self, true);
  if (numberRefusal) return { ...base, outcome: numberRefusal.outcome, reason: numberRefusal.reason };
  if (seen.has(target.pid)) return { ...base, outcome: 'error', reason: 'duplicate target' };
  seen.add(target.pid);
  const entry = await deps.collector.readProcess(target.pid);
  if (!entry) return { ...base, outcome: 'exited', reason: 'no such process' };
  const known = { ...base, startTime: entry.startTime, comm: entry.comm, uid: entry.uid, user: entry.user };
  if (target.startTime !== undefined && entry.startTime !== target.startTime) {
    return { ...known, startTime: target.startTime, outcome: 'reused', reason: `PID reused (start time ${entry.startTime}, expected ${target.startTime})` };
  }
  if (hasExited(entry)) return { ...known, outcome: 'exited', reason: 'zombie: exited, not yet reaped by its parent' };
  const refusal = refusalFor(entry, deps.self, force);
  if (refusal) return { ...known, outcome: refusal.outcome, reason: refusal.reason };
  return { ...known, outcome: 'not-sent', reason: null };
}

export function toAuditTarget(r: { pid: number; startTime: number | null; comm: string | null; outcome: string; reason: string | null }): AuditTarget {
  return { pid: r.pid, startTime: r.startTime, comm: r.comm, outcome: r.outcome, reason: r.reason };
}
