// Members that terminate-tree has SIGSTOPped and not yet continued. If proctop is interrupted
// (Ctrl-C, SIGTERM, SIGHUP) or exits mid-operation, its async `finally` never runs: this
// registry continues them synchronously on the way out, so no process is ever left frozen.
import type { Collector, ProcessIdentity } from '../sys/types.js';
import { SIGNAL_NUMBERS } from './signals.js';

const INTERRUPTS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** A stopped member and the collector that stopped it (which continues it). */
interface StoppedMember {
  readonly identity: ProcessIdentity;
  readonly collector: Pick<Collector, 'signalSync'>;
}

const stopped = new Map<string, StoppedMember>();
const addedHandlers: NodeJS.Signals[] = [];

/** Sends SIGCONT to every member still recorded as stopped whose identity still matches. */
export function continueStoppedMembers(): void {
  // Synchronous and identity-checked: a member that is gone, or whose PID was reused, is left alone.
  for (const { identity, collector } of stopped.values()) collector.signalSync(identity, SIGNAL_NUMBERS.CONT);
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

/** Records that we stopped this member through `collector`, which continues it on the way out. */
export function noteStopped(member: ProcessIdentity, collector: Pick<Collector, 'signalSync'>): void {
  stopped.set(keyOf(member), { identity: { pid: member.pid, startTime: member.startTime }, collector });
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
