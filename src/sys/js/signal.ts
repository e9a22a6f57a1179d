import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseStat } from './proc-stat.js';
import type { ProcessIdentity, SignalDelivery } from '../types.js';

/** The warning every check-then-kill delivery carries (same words as the native fallback). */
export const CHECK_THEN_KILL_WARNING =
  'pidfd unavailable (JS backend): used check-then-kill, which cannot exclude a PID reused between the check and the kill';

function delivery(outcome: SignalDelivery['outcome'], error: string | null): SignalDelivery {
  return { outcome, error, viaPidfd: false, warnings: [CHECK_THEN_KILL_WARNING] };
}

/** Check (the stat text read just now, null when unreadable), then kill. */
function checkThenKill(statText: string | null, target: ProcessIdentity, signal: number): SignalDelivery {
  const stat = statText === null ? null : parseStat(statText);
  if (!stat) return delivery('exited', null);
  if (stat.startTime !== target.startTime) {
    return delivery('reused', `start time is now ${stat.startTime}, expected ${target.startTime}`);
  }
  if (stat.state === 'Z' || stat.state === 'X') return delivery('exited', 'zombie: exited, not yet reaped by its parent');
  try {
    process.kill(target.pid, signal);
    return delivery('sent', null);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    if (code === 'ESRCH') return delivery('exited', null);
    if (code === 'EPERM') return delivery('permission', 'EPERM');
    return delivery('error', code);
  }
}

/**
 * The JS fallback of identity-checked signalling: confirm the start time, then process.kill.
 * Node has no pidfd API, so a PID recycled between the two steps cannot be excluded: say so.
 */
export async function signalJs(procRoot: string, target: ProcessIdentity, signal: number): Promise<SignalDelivery> {
  const text = await readFile(`${procRoot}/${target.pid}/stat`, 'utf8').catch(() => null);
  return checkThenKill(text, target, signal);
}

/** signalJs without a promise, for exit handlers (both backends use it there). */
export function signalJsSync(procRoot: string, target: ProcessIdentity, signal: number): SignalDelivery {
  let text: string | null;
  try {
    text = readFileSync(`${procRoot}/${target.pid}/stat`, 'utf8');
  } catch {
    text = null;
  }
  return checkThenKill(text, target, signal);
}
