// Members that terminate-tree has SIGSTOPped and not yet continued. If proctop is interrupted
// (Ctrl-C, SIGTERM, SIGHUP) or exits mid-operation, its async `finally` never runs: this
// registry continues them synchronously on the way out. Against what cannot be caught (SIGKILL,
// a crash of the runtime), a watchdog process (Collector.startFreezeWatchdog) is told about every
// member before its SIGSTOP and continues them if proctop dies first: no process is ever left frozen.
import type { Collector, FreezeWatchdog, ProcessIdentity } from '../sys/types.js';
import { SIGNAL_NUMBERS } from './signals.js';

const INTERRUPTS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** A stopped member and the collector that stopped it (which continues it). */
interface StoppedMember {
  readonly identity: ProcessIdentity;
  readonly collector: Pick<Collector, 'signalSync'>;
}

const stopped = new Map<string, StoppedMember>();
/** The watchdog while any member is stopped (started with the first, done with the last). */
let watchdog: FreezeWatchdog | null = null;
const addedHandlers: NodeJS.Signals[] = [];

/** Sends SIGCONT to every member still recorded as stopped whose identity still matches. */
export function continueStoppedMembers(): void {
  // Synchronous and identity-checked: a member that is gone, or whose PID was reused, is left alone.
  for (const { identity, collector } of stopped.values()) collector.signalSync(identity, SIGNAL_NUMBERS.CONT);
  stopped.clear();
  finishWatchdog();
  if (recorders.size === 0) unhook();
}

function finishWatchdog(): void {
  watchdog?.done();
  watchdog = null;
}

/** What an operation under way writes when an interrupt ends it (its audit record). */
export type InterruptRecorder = (signal: NodeJS.Signals) => Promise<void>;
const recorders = new Set<InterruptRecorder>();
/** How long an interrupted operation may take to write its record before proctop exits anyway. */
const RECORD_BOUND_MS = 2000;
let interrupted = false;

/**
 * Registers an operation under way (a tree termination, a stop ladder): if SIGINT/SIGTERM/SIGHUP
 * ends proctop before it finishes, `record` is awaited (at most 2 s) so its audit record says what
 * was sent to whom and that it was interrupted. Returns the unregister function.
 */
export function recordOnInterrupt(record: InterruptRecorder): () => void {
  recorders.add(record);
  hook();
  return () => {
    recorders.delete(record);
    if (recorders.size === 0 && stopped.size === 0) unhook();
  };
}

/** True once an interrupt is being handled: operations stop sending. */
export function interruptPending(): boolean {
  return interrupted;
}

function onInterrupt(signal: NodeJS.Signals): void {
  continueStoppedMembers();
  const code = SIGNAL_EXIT_CODES[signal] ?? 1;
  // A second interrupt while records are written: exit at once.
  if (interrupted || recorders.size === 0) process.exit(code);
  interrupted = true;
  const bound = new Promise<void>((resolve) => setTimeout(resolve, RECORD_BOUND_MS).unref());
  void Promise.race([Promise.allSettled([...recorders].map((r) => r(signal))), bound]).then(() => process.exit(code));
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

/**
 * Records that we are about to stop these members (call BEFORE their SIGSTOP and await it): the
 * exit hooks and the watchdog know them from then on. Returns a warning when the watchdog could
 * not be started or did not take them in time (then a SIGKILLed proctop could leave them frozen).
 */
export async function noteStopped(members: readonly ProcessIdentity[], collector: Pick<Collector, 'signalSync' | 'startFreezeWatchdog'>): Promise<string | null> {
  let warning: string | null = null;
  if (watchdog === null) {
    const started = collector.startFreezeWatchdog();
    if (typeof started === 'string') warning = started;
    else watchdog = started;
  }
  for (const member of members) stopped.set(keyOf(member), { identity: { pid: member.pid, startTime: member.startTime }, collector });
  hook();
  if (watchdog && !(await watchdog.stopping(members))) warning = 'the freeze watchdog did not take the stopped identities in time: a proctop killed now could leave them frozen';
  return warning;
}

/** Records that this member was continued (or is gone): nothing left to do for it. */
export function noteContinued(member: ProcessIdentity): void {
  if (stopped.delete(keyOf(member))) watchdog?.continued(member);
  if (stopped.size === 0) {
    finishWatchdog();
    if (recorders.size === 0) unhook();
  }
}

/** The watchdog's pid while members are stopped (tests), else null. */
export function freezeWatchdogPid(): number | null {
  return watchdog?.pid ?? null;
}

/** Members currently recorded as stopped by us (for tests). */
export function stoppedMemberCount(): number {
  return stopped.size;
}
