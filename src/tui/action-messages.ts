// The words the TUI uses for action outcomes: status-bar summaries and the tree's progress line.
// Pure functions of the engine's results.
import type { KillManyResult, KillOutcome } from '../actions/kill-many.js';
import { describeNiceChange, type ReniceResult } from '../actions/renice.js';
import { signalName } from '../actions/signals.js';
import type { MemberFate, TerminateTreeResult, TreeProgress } from '../actions/terminate-tree.js';
import type { HistoryEntry } from '../store/actions-store.js';
import { formatDuration } from '../util/duration.js';

/** "TERM" for 15 (the status bar is short; the audit log keeps SIGTERM). */
export function shortSignalName(signal: number): string {
  const name = signalName(signal);
  return name.startsWith('SIG') ? name.slice(3) : name;
}

/** Why a target was not signalled, in the status bar's words. */
export function outcomeLabel(outcome: KillOutcome, reason: string | null): string {
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
      return `grace window over: sending ${shortSignalName(progress.killSignal)} to ${plural(progress.survivors, 'survivor')}`;
    case 'done':
      return treeSummary(progress.result);
  }
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
