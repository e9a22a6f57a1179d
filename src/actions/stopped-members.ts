// Members that terminate-tree has SIGSTOPped and not yet continued. If proctop is interrupted
// (Ctrl-C, SIGTERM, SIGHUP) or exits mid-operation, its async `finally` never runs: this
// registry continues them synchronously on the way out, so no process is ever left frozen.
import { readFileSync } from 'node:fs';
import { parseStat } from '../sys/js/proc-stat.js';
import type { ProcessIdentity } from '../sys/types.js';

const INTERRUPTS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

const stopped = new Map<string, ProcessIdentity>();
const addedHandlers: NodeJS.Signals[] = [];

function startTimeNow(procRoot: string, pid: number): number | null {
  try {
    return parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'))?.startTime ?? null;
  } catch {
    return null;
  }
}

/** Sends SIGCONT to every member still recorded as stopped whose identity still matches. */
export function continueStoppedMembers(procRoot = '/proc'): void {
  for (const member of stopped.values()) {
    if (startTimeNow(procRoot, member.pid) !== member.startTime) continue;
    try {
      process.kill(member.pid, 'SIGCONT');
    } catch {
      // gone or not ours any more: nothing to continue
    }
  }
  stopped.clear();
  unhook();
}

function onInterrupt(signal: NodeJS.Signals): void {
  continueStoppedMembers();
  process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
}

function onExit(): void {
  continueStoppedMembers();
}

function hook(): void {
  if (addedHandlers.length > 0) return;
  process.on('exit', onExit);
  // Only where nobody handles the signal already (the TUI does, and exits through process.exit).
  for (const signal of INTERRUPTS) {
    if (process.listenerCount(signal) > 0) continue;
    process.on(signal, onInterrupt);
    addedHandlers.push(signal);
  }
  if (addedHandlers.length === 0) addedHandlers.push('SIGCONT'); // marks the exit hook as installed
}

function unhook(): void {
  process.off('exit', onExit);
  for (const signal of addedHandlers) process.off(signal, onInterrupt);
  addedHandlers.length = 0;
}

const keyOf = (m: ProcessIdentity): string => `${m.pid}:${m.startTime}`;

/** Records that we stopped this member. */
export function noteStopped(member: ProcessIdentity): void {
  stopped.set(keyOf(member), { pid: member.pid, startTime: member.startTime });
  hook();
}

/** Records that this member was continued (or is gone): nothing left to do for it. */
export function noteContinued(member: ProcessIdentity): void {
  stopped.delete(keyOf(member));
  if (stopped.size === 0) unhook();
}

/** Members currently recorded as stopped by us (for tests). */
export function stoppedMemberCount(): number {
  return stopped.size;
}
