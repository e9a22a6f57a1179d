// `proctop stop`: a stop ladder over several processes. Validated like kill (a bad batch sends
// nothing); then each rung's signal goes to the targets still running, which get the rung's window
// to exit before the next rung. Every signal is identity-checked; the sum of the windows bounds it.
import { currentActor } from '../storage/audit-log.js';
import type { ActionDeps } from './deps.js';
import { defaultReason, refusalText, toAuditTarget, validateBatch, type KillOutcome, type KillTarget } from './kill-many.js';
import { formatLadder, ladderProblem, type Ladder } from './ladder.js';
import { hasExited } from './process-tree.js';
import { interruptPending, recordOnInterrupt } from './stopped-members.js';
import { signalName } from './signals.js';

/**
 * What the ladder did to one target: ended (gone within a rung's window; endedBy says which),
 * survived (still running after the last rung), or a kill outcome: exited (gone before the first
 * signal), reused, permission, error, and the validation refusals (protected, not-signalable,
 * invalid, reused for a PID:START naming another process, not-sent when the batch was refused);
 * interrupted only in the audit record of a run cut short by SIGINT/SIGTERM/SIGHUP.
 */
export type StopOutcome = 'ended' | 'survived' | 'interrupted' | Exclude<KillOutcome, 'sent'>;

export interface StopTargetResult {
  readonly pid: number;
  /** Identity acted on (null when the PID never resolved to a process). */
  readonly startTime: number | null;
  readonly comm: string | null;
  readonly uid: number | null;
  /** User name of uid when known. */
  readonly user: string | null;
  readonly outcome: StopOutcome;
  /** Why, for every outcome but ended. */
  readonly reason: string | null;
  /** Signal of the rung that ended it (ended only). */
  readonly endedBy: number | null;
  /** Index of that rung in the ladder (0 = first). */
  readonly rung: number | null;
  /** From the first signal to the exit being seen (ended), or to giving up (survived). */
  readonly elapsedMs: number | null;
  /** Every signal delivered to it, in order. */
  readonly signalsSent: readonly number[];
}

export interface StopResult {
  readonly ladder: Ladder;
  /** Validation refused the batch: nothing was sent. */
  readonly refused: boolean;
  readonly refusal: string | null;
  /** One per target, in the order given. */
  readonly results: readonly StopTargetResult[];
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}

/** Live progress: a rung's signal went out, or survivors while a window runs. */
export type StopProgress =
  | { readonly phase: 'rung'; readonly rung: number; readonly signal: number; readonly sent: number }
  | { readonly phase: 'waiting'; readonly rung: number; readonly remaining: number; readonly elapsedMs: number; readonly windowMs: number }
  | { readonly phase: 'ended'; readonly result: StopTargetResult };

export interface StopManyOptions {
  /** Allow proctop's ancestors. */
  readonly force?: boolean;
  /**
   * Send nothing when any target fails validation (default true, like killMany). Off, a target
   * that fails validation keeps its outcome and the rest still climb the ladder (`track kill`).
   */
  readonly allOrNothing?: boolean;
  /** Audit action name (default "stop"). */
  readonly action?: string;
  /** How often exits are checked while a window runs (default 50 ms). */
  readonly pollIntervalMs?: number;
  readonly onProgress?: (progress: StopProgress) => void;
}

/** 0 every target ended by the ladder, 1 some (or a signal went out), 2 refused or nothing sent. */
export function stopExitCode(result: StopResult): number {
  if (result.refused) return 2;
  const ended = result.results.filter((r) => r.outcome === 'ended').length;
  if (ended > 0 && ended === result.results.length) return 0;
  return result.results.some((r) => r.signalsSent.length > 0) ? 1 : 2;
}

/** Mutable bookkeeping of one target while the ladder runs. */
interface Climb {
  result: StopTargetResult;
  done: boolean;
  readonly signalsSent: number[];
  viaPidfd: boolean;
}

/** Runs `ladder` over `targets` (validated first, all-or-nothing unless told otherwise) and audits the whole action. */
export async function stopMany(targets: readonly KillTarget[], ladder: Ladder, deps: ActionDeps, options: StopManyOptions = {}): Promise<StopResult> {
  const problem = ladderProblem(ladder);
  if (problem) throw new Error(problem);
  const started = deps.now();
  const pollMs = options.pollIntervalMs ?? 50;
  const warnings: string[] = [];
  const { validated, refusing } = await validateBatch(targets, deps, options.force ?? false);
  const refused = (options.allOrNothing ?? true) && refusing > 0;
  const climbs: Climb[] = validated.map(({ result: r }) => {
    const base: StopTargetResult = { pid: r.pid, startTime: r.startTime, comm: r.comm, uid: r.uid, user: r.user, outcome: 'not-sent', reason: null, endedBy: null, rung: null, elapsedMs: null, signalsSent: [] };
    if (r.outcome !== 'not-sent') return { result: { ...base, outcome: r.outcome as StopOutcome, reason: r.reason }, done: true, signalsSent: [], viaPidfd: false };
    return { result: refused ? { ...base, reason: 'not sent: the batch was refused' } : base, done: refused, signalsSent: [], viaPidfd: false };
  });
  const pending = (): Climb[] => climbs.filter((c) => !c.done);
  const settle = (c: Climb, patch: Partial<StopTargetResult>): void => {
    c.done = true;
    c.result = { ...c.result, ...patch, signalsSent: [...c.signalsSent] };
    options.onProgress?.({ phase: 'ended', result: c.result });
  };

  const last = ladder[ladder.length - 1]!;
  const auditRun = async (results: readonly StopTargetResult[], summary: string): Promise<void> => {
    if (!deps.audit) return;
    const auditWarning = await deps.audit.append({
      time: new Date().toISOString(),
      ...currentActor(),
      action: options.action ?? 'stop',
      signal: ladder[0]!.signal,
      killSignal: ladder.length > 1 ? last.signal : null,
      targets: results.map((r) => toAuditTarget({ ...r, reason: r.outcome === 'ended' ? `ended by ${signalName(r.endedBy ?? 0)} after ${r.elapsedMs} ms` : r.reason })),
      summary,
      warnings: [...warnings],
    });
    if (auditWarning) warnings.push(auditWarning);
  };
  // Interrupted before the end: the record still says what was sent to whom, and that it was cut short.
  const stopRecording = refused
    ? () => undefined
    : recordOnInterrupt(async (interruptSignal) => {
        const partial = climbs.map((c) => (c.done ? c.result : { ...c.result, outcome: 'interrupted' as const, reason: `interrupted by ${interruptSignal}`, signalsSent: [...c.signalsSent] }));
        await auditRun(partial, `interrupted by ${interruptSignal}: ladder ${formatLadder(ladder)}, signals sent to ${partial.filter((r) => r.signalsSent.length > 0).length} of ${partial.length}`);
      });

  try {
    for (let index = 0; index < ladder.length && pending().length > 0 && !interruptPending(); index++) {
      const rung = ladder[index]!;
      let sent = 0;
      for (const c of pending()) {
        if (interruptPending()) break; // nothing more goes out while the record is written
        const delivery = await deps.collector.signal({ pid: c.result.pid, startTime: c.result.startTime! }, rung.signal);
        for (const w of delivery.warnings) if (!warnings.includes(w)) warnings.push(w);
        if (delivery.outcome === 'sent') {
          c.signalsSent.push(rung.signal);
          c.viaPidfd = delivery.viaPidfd;
          sent++;
        } else if (delivery.outcome === 'exited' && index > 0) {
          // Gone between the last check of the previous window and this rung: that rung ended it.
          settle(c, { outcome: 'ended', endedBy: ladder[index - 1]!.signal, rung: index - 1, elapsedMs: Math.round(deps.now() - started) });
        } else {
          settle(c, { outcome: delivery.outcome, reason: delivery.error ?? defaultReason(delivery.outcome) });
        }
      }
      options.onProgress?.({ phase: 'rung', rung: index, signal: rung.signal, sent });
      const windowStart = deps.now();
      for (;;) {
        for (const c of pending()) {
          const now = await deps.collector.readProcess(c.result.pid);
          if (!now || now.startTime !== c.result.startTime || hasExited(now)) {
            settle(c, { outcome: 'ended', endedBy: rung.signal, rung: index, elapsedMs: Math.round(deps.now() - started) });
          }
        }
        const elapsed = deps.now() - windowStart;
        options.onProgress?.({ phase: 'waiting', rung: index, remaining: pending().length, elapsedMs: Math.round(elapsed), windowMs: rung.windowMs });
        if (pending().length === 0 || elapsed >= rung.windowMs) break;
        await deps.sleep(Math.max(1, Math.min(pollMs, rung.windowMs - elapsed)));
      }
    }
  } finally {
    stopRecording();
  }
  for (const c of pending()) {
    settle(c, { outcome: 'survived', reason: `still running ${Math.round(deps.now() - started)} ms after the last rung (${signalName(last.signal)})`, elapsedMs: Math.round(deps.now() - started) });
  }

  const results = climbs.map((c) => c.result);
  const ended = results.filter((r) => r.outcome === 'ended').length;
  await auditRun(results, refused ? `refused: nothing sent (${refusalText(validated)})` : `ladder ${formatLadder(ladder)}: ${ended} of ${results.length} ended`);
  return { ladder, refused, refusal: refused ? refusalText(validated) : null, results, warnings, elapsedMs: Math.round(deps.now() - started) };
}
