import { constants } from 'node:os';

/** One signal as listed by `proctop kill -l` and offered by the TUI's signal picker. */
export interface SignalInfo {
  /** Name without the SIG prefix: "TERM". */
  readonly name: string;
  /** Number on this platform (from os.constants.signals). */
  readonly number: number;
  /** What the default action does, in a few words. */
  readonly description: string;
}

/** Highest signal number Linux accepts (SIGRTMAX). */
export const MAX_SIGNAL = 64;

export const SIGNAL_NUMBERS = {
  TERM: constants.signals.SIGTERM,
  KILL: constants.signals.SIGKILL,
  STOP: constants.signals.SIGSTOP,
  CONT: constants.signals.SIGCONT,
} as const;

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  HUP: 'hangup; many daemons reload',
  INT: 'interrupt (Ctrl-C)',
  QUIT: 'quit with core dump (Ctrl-\\)',
  ILL: 'illegal instruction',
  TRAP: 'trace/breakpoint trap',
  ABRT: 'abort with core dump',
  BUS: 'bus error',
  FPE: 'arithmetic exception',
  KILL: 'kill; cannot be caught or ignored',
  USR1: 'user-defined 1',
  SEGV: 'invalid memory reference',
  USR2: 'user-defined 2',
  PIPE: 'broken pipe',
  ALRM: 'timer alarm',
  TERM: 'terminate politely (default)',
  STKFLT: 'coprocessor stack fault',
  CHLD: 'child stopped or exited (ignored by default)',
  CONT: 'continue a stopped process',
  STOP: 'stop; cannot be caught or ignored',
  TSTP: 'terminal stop (Ctrl-Z)',
  TTIN: 'background read from terminal',
  TTOU: 'background write to terminal',
  URG: 'urgent socket data',
  XCPU: 'CPU time limit exceeded',
  XFSZ: 'file size limit exceeded',
  VTALRM: 'virtual timer alarm',
  PROF: 'profiling timer alarm',
  WINCH: 'window resized',
  IO: 'I/O possible',
  PWR: 'power failure',
  SYS: 'bad system call',
};

// Aliases share a number with a primary name; listing shows the primary only.
const ALIASES: Readonly<Record<string, string>> = { IOT: 'ABRT', POLL: 'IO', CLD: 'CHLD' };

const byName = new Map<string, number>();
for (const [fullName, number] of Object.entries(constants.signals)) byName.set(fullName.slice(3), number);

/** Every named signal of this platform, in number order. */
export function listSignals(): readonly SignalInfo[] {
  const seen = new Set<number>();
  const list: SignalInfo[] = [];
  for (const [name, number] of [...byName.entries()].sort((a, b) => a[1] - b[1])) {
    if (ALIASES[name] !== undefined || seen.has(number)) continue;
    seen.add(number);
    list.push({ name, number, description: DESCRIPTIONS[name] ?? '' });
  }
  return list;
}

/**
 * Parses TERM, SIGTERM, sigterm, term or 15 (0..64; 0 only probes). Returns null for anything
 * else so the caller can name the bad text.
 */
export function parseSignal(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const number = Number(trimmed);
    return number <= MAX_SIGNAL ? number : null;
  }
  const upper = trimmed.toUpperCase();
  const bare = upper.startsWith('SIG') ? upper.slice(3) : upper;
  return byName.get(ALIASES[bare] ?? bare) ?? null;
}

/** "SIGTERM" for a named signal, "SIG34" for real-time or unnamed numbers, "0" for the probe. */
export function signalName(number: number): string {
  if (number === 0) return '0';
  const info = listSignals().find((s) => s.number === number);
  return info ? `SIG${info.name}` : `SIG${number}`;
}
