// The words the TUI uses for action outcomes: status-bar summaries and the tree's progress line.
// Pure functions of the engine's results.
import type { KillManyResult, KillOutcome } from '../actions/kill-many.js';
import { describeNiceChange, type ReniceResult } from '../actions/renice.js';
import { signalName } from '../actions/signals.js';
import type { Ladder } from '../actions/ladder.js';
import type { StopOutcome, StopProgress, StopResult, StopTargetResult } from '../actions/stop-many.js';
import type { MemberFate, TerminateTreeResult, TreeProgress } from '../actions/terminate-tree.js';
import type { HistoryEntry } from '../store/actions-store.js';
import { formatDuration } from '../util/duration.js';

/** "TERM" for 15 (the status bar is short; the audit log keeps SIGTERM). */
export function shortSignalName(signal: number): string {
  const name = signalName(signal);
  return name.startsWith('SIG') ? name.slice(3) : name;
}

/** Why a target was not signalled, in the status bar's words. */
export function outcomeLabel(outcome: KillOutcome | StopOutcome, reason: string | null): string {
  switch (outcome) {
    case 'exited':
      return 'gone';
    case 'reused':
      return 'PID reused';
    case 'permission':
      return 'permission denied';
    case 'protected':
      return reason ?? 'protected';
    case 'not-signalable':
      return 'kernel thread';
    case 'not-sent':
      return 'not sent';
    default:
      return reason ?? outcome;
  }
}

/** "1 process", "2 processes", "3 survivors". */
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;

/** "1 failed: permission denied (pid 123); 2 failed... " grouped by label, in target order. */
function failureText(failures: readonly { pid: number; label: string }[]): string {
  const byLabel = new Map<string, number[]>();
  for (const f of failures) byLabel.set(f.label, [...(byLabel.get(f.label) ?? []), f.pid]);
  const groups = [...byLabel].map(([label, pids]) => `${label} (pid ${pids.join(', ')})`);
  return `${failures.length} failed: ${groups.join('; ')}`;
}

/**
 * One status-bar line for a kill: "sent TERM to 2 processes", "sent TERM to 1 process; 1 failed:
 * permission denied (pid 123)", "nothing sent; 1 failed: gone (pid 5)".
 */
export function killSummary(result: KillManyResult): string {
  const name = shortSignalName(result.signal);
  const sent = result.results.filter((r) => r.outcome === 'sent').length;
  const failures = result.results.filter((r) => r.outcome !== 'sent').map((r) => ({ pid: r.pid, label: outcomeLabel(r.outcome, r.reason) }));
  const parts = [sent > 0 ? `sent ${name} to ${plural(sent, 'process')}` : `${name}: nothing sent`];
  if (failures.length > 0) parts.push(failureText(failures));
  const auditProblem = result.warnings.find((w) => w.startsWith('audit log not written'));
  if (auditProblem) parts.push(auditProblem);
  return parts.join('; ');
}

/** The tree dialog's live progress line. */
export function treeProgressText(progress: TreeProgress): string {
  switch (progress.phase) {
    case 'planned':
      return `${plural(progress.members, 'process')} in the tree`;
    case 'stopped':
      return `stopped ${progress.stopped} of ${progress.members} (SIGSTOP, so none can fork away)`;
    case 'signalled':
      return `sent ${shortSignalName(progress.signal)} to ${plural(progress.sent, 'process')}`;
    case 'waiting':
      return `${progress.escalated ? 'after the kill signal' : 'grace window'}: ${progress.remaining} still running, ${formatDuration(progress.elapsedMs)} of ${formatDuration(progress.windowMs)}`;
    case 'escalated':
      return `${progress.rung === 1 ? 'grace window' : `rung ${progress.rung}`} over: sending ${shortSignalName(progress.killSignal)} to ${plural(progress.survivors, 'survivor')}`;
    case 'done':
      return treeSummary(progress.result);
  }
}

/** The kill dialog's ladder progress line: "rung 1/2: TERM sent to 2" / "rung 1/2 (TERM): 1 still running, 1.2s of 5s". */
export function ladderProgressText(ladder: Ladder, p: Exclude<StopProgress, { phase: 'ended' }>): string {
  const head = `rung ${p.rung + 1}/${ladder.length} (${shortSignalName(ladder[p.rung]?.signal ?? 0)})`;
  if (p.phase === 'rung') return `${head}: sent to ${plural(p.sent, 'process')}`;
  return `${head}: ${p.remaining} still running, ${formatDuration(p.elapsedMs)} of ${formatDuration(p.windowMs)}`;
}

/** One target's fate in the kill dialog: "ended by TERM (rung 1) in 0.3s", "survived KILL", "gone". */
export function stopFateText(r: StopTargetResult): string {
  if (r.outcome === 'ended') return `ended by ${shortSignalName(r.endedBy ?? 0)} (rung ${(r.rung ?? 0) + 1}) in ${formatDuration(r.elapsedMs ?? 0)}`;
  if (r.outcome === 'survived') return `SURVIVED the ladder`;
  return outcomeLabel(r.outcome, r.reason);
}

/** "stopped 2 of 2 (TERM:5s,KILL:2s) in 0.4s; 1 failed: ..." for the status bar. */
export function stopSummary(result: StopResult): string {
  const ended = result.results.filter((r) => r.outcome === 'ended').length;
  const ladderText = result.ladder.map((r) => `${shortSignalName(r.signal)}:${formatDuration(r.windowMs)}`).join(',');
  const parts = [`stopped ${ended} of ${result.results.length} (${ladderText}) in ${formatDuration(result.elapsedMs)}`];
  const failures = result.results.filter((r) => r.outcome !== 'ended').map((r) => ({ pid: r.pid, label: stopFateText(r) }));
  if (failures.length > 0) parts.push(failureText(failures));
  const auditProblem = result.warnings.find((w) => w.startsWith('audit log not written'));
  if (auditProblem) parts.push(auditProblem);
  return parts.join('; ');
}

/** How each fate is written in the member list. */
export function fateLabel(fate: MemberFate): string {
  switch (fate) {
    case 'exited-after-signal':
      return 'exited';
    case 'killed':
      return 'killed';
    case 'already-gone':
      return 'already gone';
    case 'reused':
      return 'PID reused';
    case 'failed':
      return 'FAILED';
    case 'protected':
      return 'spared';
  }
}

const GONE: ReadonlySet<MemberFate> = new Set(['exited-after-signal', 'killed', 'already-gone', 'reused']);

/** "tree of PID 123: 3 of 3 gone (TERM then KILL) in 5.2s; 1 failed: ..." */
export function treeSummary(result: TerminateTreeResult): string {
  const rootText = result.root ? `PID ${result.root.pid} (${result.root.comm})` : 'the tree';
  if (result.refusal !== null) return `tree of ${rootText} not terminated: ${result.refusal}`;
  const gone = result.members.filter((m) => GONE.has(m.fate)).length;
  const signals = `${shortSignalName(result.signal)}${result.escalated ? ` then ${shortSignalName(result.killSignal)}` : ''}`;
  const parts = [`tree of ${rootText}: ${gone} of ${result.members.length} gone (${signals}) in ${formatDuration(result.elapsedMs)}`];
  const failures = result.members.filter((m) => m.fate === 'failed').map((m) => ({ pid: m.pid, label: m.reason ?? 'failed' }));
  if (failures.length > 0) parts.push(failureText(failures));
  const auditProblem = result.warnings.find((w) => w.startsWith('audit log not written'));
  if (auditProblem) parts.push(auditProblem);
  return parts.join('; ');
}

/** Targets listed under one history entry before "… N more". */
const HISTORY_TARGETS_SHOWN = 8;

/** "2026-11-21 20:55:08" in local time. */
export function formatLocalTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
}

/**
 * The history view's lines, newest action first: one line per action, then its targets
 * (pid, command name, outcome and reason) and warnings, indented.
 */
export function historyLines(entries: readonly HistoryEntry[]): string[] {
  const lines: string[] = [];
  for (const { record, thisSession } of [...entries].reverse()) {
    const who = record.sudoUser ? `${record.user} via sudo from ${record.sudoUser}` : record.user;
    lines.push(`${formatLocalTime(record.time)}  ${record.action}  ${record.summary}  (${who}${thisSession ? ', this session' : ''})`);
    for (const t of record.targets.slice(0, HISTORY_TARGETS_SHOWN)) {
      lines.push(`    ${String(t.pid).padStart(7)} ${(t.comm ?? '?').padEnd(15)} ${t.outcome}${t.reason ? `: ${t.reason}` : ''}`);
    }
    if (record.targets.length > HISTORY_TARGETS_SHOWN) lines.push(`    … ${record.targets.length - HISTORY_TARGETS_SHOWN} more`);
    for (const w of record.warnings) lines.push(`    warning: ${w}`);
  }
  return lines;
}

/** "PID 123: nice 0 → 1", "reniced 2 processes (nice +1)", with failures like killSummary's. */
export function reniceSummary(result: ReniceResult): string {
  const done = result.results.filter((r) => r.outcome === 'reniced');
  const failures = result.results
    .filter((r) => r.outcome !== 'reniced')
    .map((r) => ({ pid: r.pid, label: r.outcome === 'exited' ? 'gone' : r.outcome === 'reused' ? 'PID reused' : (r.reason ?? r.outcome) }));
  const only = done[0];
  const parts: string[] = [];
  if (done.length === 1 && only && result.results.length === 1) parts.push(`PID ${only.pid}: nice ${only.before} → ${only.after}`);
  else if (done.length > 0) parts.push(`reniced ${plural(done.length, 'process')} (nice ${describeNiceChange(result.change)})`);
  else parts.push('nothing reniced');
  if (failures.length > 0) parts.push(failureText(failures));
  const auditProblem = result.warnings.find((w) => w.startsWith('audit log not written'));
  if (auditProblem) parts.push(auditProblem);
  return parts.join('; ');
}
