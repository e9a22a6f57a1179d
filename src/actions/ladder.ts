// Stop ladders (the process-library seed's graceful shutdown): a list of (signal, window) rungs.
// Each rung's signal goes only to the survivors of the rungs before it; the sum of the windows
// bounds the whole run.
import { quoted } from '../output/sanitize.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { parseSignal, signalName, SIGNAL_NUMBERS } from './signals.js';

/** One step of a ladder: send `signal`, then give the process `windowMs` to exit. */
export interface LadderRung {
  /** Signal number (never 0, STOP or CONT: a ladder ends processes). */
  readonly signal: number;
  /** How long a process gets to exit after this signal before the next rung. */
  readonly windowMs: number;
}

export type Ladder = readonly LadderRung[];

/** TERM, then KILL for whoever is left after 5 s; 2 s for KILL to take. */
export const DEFAULT_LADDER: Ladder = [
  { signal: SIGNAL_NUMBERS.TERM, windowMs: 5000 },
  { signal: SIGNAL_NUMBERS.KILL, windowMs: 2000 },
];

/** Longest window of one rung: nothing waits forever. */
export const MAX_RUNG_WINDOW_MS = 60 * 60_000;
/** Most rungs in one ladder. */
export const MAX_RUNGS = 8;

/** Why a signal cannot be a rung, or null. STOP/CONT/0 do not end anything (and trees are frozen around rungs). */
export function unusableRungSignal(signal: number): string | null {
  if (signal === 0 || signal === SIGNAL_NUMBERS.STOP || signal === SIGNAL_NUMBERS.CONT) {
    return `${signalName(signal)} cannot be a rung: a ladder ends processes (use kill for ${signalName(signal)})`;
  }
  return null;
}

/** The problem with a ladder (empty, too long, a bad rung), or null. */
export function ladderProblem(ladder: Ladder): string | null {
  if (ladder.length === 0) return 'a ladder needs at least one rung';
  if (ladder.length > MAX_RUNGS) return `a ladder has at most ${MAX_RUNGS} rungs`;
  for (const rung of ladder) {
    const problem = unusableRungSignal(rung.signal);
    if (problem) return problem;
    if (!(rung.windowMs >= 0 && rung.windowMs <= MAX_RUNG_WINDOW_MS)) return `a rung's window must be between 0 and ${formatDuration(MAX_RUNG_WINDOW_MS)}`;
  }
  return null;
}

/** Parses "TERM:5s,INT:3s,KILL:2s"; returns the ladder or a one-line problem naming the bad part. */
export function parseLadder(text: string): Ladder | string {
  const rungs: LadderRung[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*([^:\s]+)\s*:\s*(\S+)\s*$/.exec(part);
    if (!match) return `--ladder: rung ${quoted(part)} is not SIGNAL:DURATION (e.g. TERM:5s,INT:3s,KILL:2s)`;
    const signal = parseSignal(match[1]!);
    if (signal === null) return `--ladder: unknown signal ${quoted(match[1]!)} (see proctop kill -l)`;
    let windowMs: number;
    try {
      windowMs = parseDuration(match[2]!);
    } catch {
      return `--ladder: ${quoted(match[2]!)} is not a duration such as 500ms, 5s or 1m`;
    }
    rungs.push({ signal, windowMs });
  }
  const problem = ladderProblem(rungs);
  return problem === null ? rungs : `--ladder: ${problem}`;
}

/** "TERM:5s,KILL:2s" (the form --ladder takes). */
export function formatLadder(ladder: Ladder): string {
  return ladder.map((r) => `${signalName(r.signal).replace(/^SIG/, '')}:${formatDuration(r.windowMs)}`).join(',');
}

/** The bound on a whole run: the sum of the windows. */
export function ladderBoundMs(ladder: Ladder): number {
  return ladder.reduce((sum, r) => sum + r.windowMs, 0);
}
