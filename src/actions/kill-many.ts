import type { ActionDeps } from './deps.js';
import type { AuditTarget } from '../storage/audit-log.js';
import { currentActor } from '../storage/audit-log.js';
import { pidNumberProblem, refusalFor } from './guards.js';
import { hasExited } from './process-tree.js';
import { signalName } from './signals.js';

/** A process to signal. With startTime it is that exact identity; without, whatever has the PID now. */
export interface KillTarget {
  readonly pid: number;
  /** Identity captured earlier (e.g. when the TUI dialog opened); checked before sending. */
  readonly startTime?: number;
}

/**
 * What happened to one target. sent; exited (gone, or a zombie), reused (PID now someone else),
 * permission (EPERM), error (anything else, see reason): per-target outcomes, the rest of the
 * batch still goes. protected / not-signalable (a guard), invalid (a bad PID number, a duplicate)
 * and reused for a PID:START naming another process are validation failures: the whole batch is
 * refused. not-sent: valid, but held back because the batch was refused.
 */
export type KillOutcome = 'sent' | 'exited' | 'reused' | 'permission' | 'protected' | 'not-signalable' | 'invalid' | 'not-sent' | 'error';

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
  /** Why the batch was refused (null when it was not). */
  readonly refusal: string | null;
  /** One per target, in the order given. */
  readonly results: readonly KillTargetResult[];
  readonly warnings: readonly string[];
}

/** Live progress for a dialog: called once after validation and once per target signalled. */
export type KillProgress =
  | { readonly phase: 'validated'; readonly total: number; readonly refused: number }
  | { readonly phase: 'signalled'; readonly done: number; readonly total: number; readonly result: KillTargetResult };

export interface KillManyOptions {
  /** Allow proctop's ancestors (its parent chain). */
  readonly force?: boolean;
  /**
   * Send nothing when any target fails validation (default true: one invalid or protected target
   * sends nothing). Off, guarded targets are skipped and the rest still goes (the TUI's dialog,
   * which names them before Enter).
   */
  readonly allOrNothing?: boolean;
  readonly onProgress?: (progress: KillProgress) => void;
  /** Audit action name (default "kill"). */
  readonly action?: string;
}

/** 0 every target signalled, 1 some, 2 none or refused (the CLI's exit code): 2 only when nothing was sent. */
export function killExitCode(result: KillManyResult): number {
  const sent = result.results.filter((r) => r.outcome === 'sent').length;
  if (result.refused || sent === 0) return 2;
  return sent === result.results.length ? 0 : 1;
}

/** One target after validation: its result so far, and whether it refuses the whole batch. */
export interface Validated {
  readonly result: KillTargetResult;
  /** A validation failure (bad number, guard, a PID:START naming another process). */
  readonly refuses: boolean;
}

/**
 * Validates every target first (number, guards, identity), refusing the whole batch when one
 * fails validation (all-or-nothing); then signals each identity through deps.collector, where a
 * target that exited, was reused or is not ours is its own outcome and the rest still goes; and
 * records the whole action in the audit log.
 */
export async function killMany(
  targets: readonly KillTarget[],
  signal: number,
  deps: ActionDeps,
  options: KillManyOptions = {},
): Promise<KillManyResult> {
  const allOrNothing = options.allOrNothing ?? true;
  const warnings: string[] = [];
  const { validated, refusing } = await validateBatch(targets, deps, options.force ?? false);
  const refused = allOrNothing && refusing > 0;
  const refusal = refused ? refusalText(validated) : null;
  options.onProgress?.({ phase: 'validated', total: targets.length, refused: refusing });

  const results: KillTargetResult[] = [];
  for (const { result: candidate } of validated) {
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
      result = { ...candidate, reason: 'not sent: the batch was refused' };
    }
    results.push(result);
  }

  const sentCount = results.filter((r) => r.outcome === 'sent').length;
  if (deps.audit) {
    const auditWarning = await deps.audit.append({
      time: new Date().toISOString(),
      ...currentActor(),
      action: options.action ?? 'kill',
      signal,
      killSignal: null,
      targets: results.map(toAuditTarget),
      summary: refused ? `refused: nothing sent (${refusal})` : `${signalName(signal)} sent to ${sentCount} of ${results.length}`,
      warnings,
    });
    if (auditWarning) warnings.push(auditWarning);
  }
  return { signal, refused, refusal, results, warnings };
}

/**
 * Validates every target of a batch (numbers, guards, identity) before anything is sent: the
 * first phase of kill and of stop ladders. `refusing` counts the targets that refuse the batch.
 */
export async function validateBatch(targets: readonly KillTarget[], deps: ActionDeps, force: boolean): Promise<{ validated: Validated[]; refusing: number }> {
  const seen = new Set<number>();
  const validated: Validated[] = [];
  for (const target of targets) validated.push(await validateTarget(target, deps, force, seen));
  return { validated, refusing: validated.filter((v) => v.refuses).length };
}

/** Why a batch was refused, naming each refused target. */
export function refusalText(validated: readonly Validated[]): string {
  return validated
    .filter((v) => v.refuses)
    .map((v) => `PID ${v.result.pid}: ${v.result.reason ?? v.result.outcome}`)
    .join('; ');
}

export function defaultReason(outcome: KillOutcome): string {
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
async function validateTarget(target: KillTarget, deps: ActionDeps, force: boolean, seen: Set<number>): Promise<Validated> {
  const base = { pid: target.pid, startTime: target.startTime ?? null, comm: null, uid: null, user: null, viaPidfd: false };
  const refuse = (result: KillTargetResult): Validated => ({ result, refuses: true });
  const pass = (result: KillTargetResult): Validated => ({ result, refuses: false });
  const numberProblem = pidNumberProblem(target.pid);
  if (numberProblem !== null) return refuse({ ...base, outcome: 'invalid', reason: numberProblem });
  // PID 1 and proctop itself are refused before the process is even read.
  const early = refusalFor({ pid: target.pid }, deps.self, true);
  if (early) return refuse({ ...base, outcome: early.outcome, reason: early.reason });
  if (seen.has(target.pid)) return refuse({ ...base, outcome: 'invalid', reason: 'duplicate target' });
  seen.add(target.pid);
  const entry = await deps.collector.readProcess(target.pid);
  if (!entry) {
    // With /proc mounted hidepid another user's live process is simply not listed: the kernel would
    // say "not permitted", so do we, instead of calling it gone.
    if (await deps.collector.isHiddenProcess(target.pid)) {
      return pass({ ...base, outcome: 'permission', reason: 'not permitted: the process is hidden from this user (/proc is mounted hidepid)' });
    }
    return pass({ ...base, outcome: 'exited', reason: 'no such process' });
  }
  const known = { ...base, startTime: entry.startTime, comm: entry.comm, uid: entry.uid, user: entry.user };
  if (target.startTime !== undefined && entry.startTime !== target.startTime) {
    // The caller named another process than the one that has this PID now: a wrong batch, not a race.
    return refuse({ ...known, startTime: target.startTime, outcome: 'reused', reason: `PID reused: ${target.pid} is another process now (start time ${entry.startTime}, expected ${target.startTime})` });
  }
  const refusal = refusalFor(entry, deps.self, force);
  if (refusal) return refuse({ ...known, outcome: refusal.outcome, reason: refusal.reason });
  if (hasExited(entry)) return pass({ ...known, outcome: 'exited', reason: 'zombie: exited, not yet reaped by its parent' });
  return pass({ ...known, outcome: 'not-sent', reason: null });
}

export function toAuditTarget(r: { pid: number; startTime: number | null; comm: string | null; outcome: string; reason: string | null }): AuditTarget {
  return { pid: r.pid, startTime: r.startTime, comm: r.comm, outcome: r.outcome, reason: r.reason };
}
