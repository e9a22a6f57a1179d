import type { SelfContext } from '../sys/types.js';
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
 * Guards one target. PID 0/1, invalid numbers and proctop itself are always refused; its parent
 * and members of its own process group only without `force`; kernel threads are not signalable.
 */
export function refusalFor(
  target: { readonly pid: number; readonly pgid?: number; readonly isKernelThread?: boolean },
  self: SelfContext,
  force: boolean,
): Refusal | null {
  const numberProblem = pidNumberProblem(target.pid);
  if (numberProblem !== null) return { outcome: 'protected', reason: numberProblem };
  if (target.pid === 1) return { outcome: 'protected', reason: 'PID 1 (init) is protected' };
  if (target.pid === self.pid) return { outcome: 'protected', reason: 'this is proctop itself' };
  if (target.isKernelThread) return { outcome: 'not-signalable', reason: 'kernel thread: signals do not apply' };
  if (force) return null;
  if (target.pid === self.ppid) return { outcome: 'protected', reason: "proctop's parent process (use --force)" };
  if (target.pid === self.pgid || target.pgid === self.pgid) {
    return { outcome: 'protected', reason: "in proctop's own process group (use --force)" };
  }
  return null;
}
