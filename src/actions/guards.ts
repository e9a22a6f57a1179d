import type { ProcessIdentity, SelfContext } from '../sys/types.js';
import { quoted } from '../output/sanitize.js';

/** PID_MAX_LIMIT of 64-bit Linux: no PID can be larger. */
export const PID_LIMIT = 4_194_304;

/** Why a target is refused before any signal; null means it may be signalled. */
export interface Refusal {
  /** protected: never (or not without --force); not-signalable: kernel threads. */
  readonly outcome: 'protected' | 'not-signalable';
  /** One line for people, e.g. "PID 1 (init) is protected". */
  readonly reason: string;
}

/** The ancestor of proctop this target is (matching its start time when the target has one), or null. */
export function ancestorOf(target: { readonly pid: number; readonly startTime?: number }, self: SelfContext): ProcessIdentity | null {
  const found = self.ancestors.find((a) => a.pid === target.pid);
  if (!found || (target.startTime !== undefined && target.startTime !== found.startTime)) return null;
  return found;
}

/** True for proctop itself and its ancestors: never members of a tree proctop terminates. */
export function isSelfOrAncestor(target: { readonly pid: number; readonly startTime?: number }, self: SelfContext): boolean {
  return target.pid === self.pid || ancestorOf(target, self) !== null;
}

/** The problem with a PID number itself (not an integer, 0, negative, too large), or null. */
export function pidNumberProblem(pid: number): string | null {
  if (!Number.isSafeInteger(pid)) return `${pid} is not an integer PID`;
  if (pid === 0) return 'PID 0 is the kernel scheduler (and would mean "my process group")';
  if (pid < 0) return `negative PID ${pid} (would mean a process group)`;
  if (pid > PID_LIMIT) return `PID ${pid} is above the kernel limit ${PID_LIMIT}`;
  return null;
}

/**
 * Parses one PID argument strictly: decimal digits only, 1..PID_LIMIT. Returns the number or a
 * message naming the problem.
 */
export function parsePidArgument(text: string): number | string {
  if (!/^-?\d+$/.test(text.trim())) return `PID must be a positive integer, got ${quoted(text)}`;
  const pid = Number(text.trim());
  const problem = pidNumberProblem(pid);
  return problem === null ? pid : `invalid PID ${quoted(text)}: ${problem}`;
}

/**
 * Guards one target. PID 0/1, invalid numbers and proctop itself are always refused; proctop's
 * ancestors (its parent chain) only without `force`; kernel threads are not signalable. Members
 * of proctop's process group that are not its ancestors are ordinary targets.
 */
export function refusalFor(
  target: { readonly pid: number; readonly startTime?: number; readonly isKernelThread?: boolean },
  self: SelfContext,
  force: boolean,
): Refusal | null {
  const numberProblem = pidNumberProblem(target.pid);
  if (numberProblem !== null) return { outcome: 'protected', reason: numberProblem };
  if (target.pid === 1) return { outcome: 'protected', reason: 'PID 1 (init) is protected' };
  if (target.pid === self.pid) return { outcome: 'protected', reason: 'this is proctop itself' };
  if (target.isKernelThread) return { outcome: 'not-signalable', reason: 'kernel thread: signals do not apply' };
  if (force || ancestorOf(target, self) === null) return null;
  const isParent = self.ancestors[0]?.pid === target.pid;
  return { outcome: 'protected', reason: isParent ? "proctop's parent process (use --force)" : 'an ancestor of proctop (use --force)' };
}
