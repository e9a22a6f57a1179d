import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../output/usage-error.js';
import { lookupUid } from '../sys/accounts.js';
import { quoted } from '../output/sanitize.js';

/**
 * Strict parseArgs for one subcommand: every parse problem becomes optionError's one-line
 * UsageError, so each command states only its options and what it takes as positionals.
 */
export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig['options']>, const P extends boolean>(
  command: string,
  argv: readonly string[],
  options: O,
  allowPositionals: P,
  unexpectedHint: string,
): ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: P; options: O }>> {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals, options });
  } catch (err) {
    throw optionError(err, command, argv, unexpectedHint);
  }
}

/**
 * Turns a node:util parseArgs error into one line that names the problem. Its own messages
 * span lines and talk about "--" tricks; a user typing `--pid -3` needs to hear about the -3.
 * `unexpectedHint` says what the command takes when a stray positional argument appears.
 */
export function optionError(err: unknown, command: string, argv: readonly string[], unexpectedHint: string): UsageError {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return new UsageError(`unknown option ${quoted(unknown[1] ?? '')} (see proctop ${command} --help)`);
  const missing = /Option '(-[^\s,]+)(?:, (-[^\s,]+))?[^']*' argument missing/.exec(message);
  if (missing) return new UsageError(`${missing[2] ?? missing[1]} needs a value`);
  const ambiguous = /Option '(-[^\s,]+)(?:, (-[^\s,]+))?[^']*' argument is ambiguous/.exec(message);
  if (ambiguous) {
    // "-s" alone is named by its long form, which the hint gives ("use '--signal=-XYZ'").
    const flag = ambiguous[2] ?? /use '(--[^=']+)=/.exec(message)?.[1] ?? ambiguous[1] ?? '';
    const at = argv.findIndex((a) => a === ambiguous[1] || a === ambiguous[2]);
    const value = at >= 0 ? argv[at + 1] : undefined;
    if (value !== undefined && /^-\d/.test(value)) {
      if (/signal/.test(flag)) return new UsageError(`${flag} takes a signal name or number without a dash (e.g. 9, KILL, SIGKILL), got ${quoted(value)}`);
      return new UsageError(`${flag} must not be negative, got ${quoted(value)}`);
    }
    return new UsageError(`${flag} needs a value, got the option ${quoted(value ?? '')}`);
  }
  const unexpected = /Unexpected argument '([^']+)'/.exec(message);
  if (unexpected) return new UsageError(`unexpected argument ${quoted(unexpected[1] ?? '')} (${unexpectedHint})`);
  return new UsageError(message.split('\n')[0] ?? message);
}

/** The option table a command hands to node:util parseArgs. */
export type OptionSpecs = Readonly<Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string; readonly multiple?: boolean }>>;

/**
 * `-5` would otherwise read as an unknown short option: name the real problem. A `-9` that is the
 * value of an option (`-s -9`, `--cpu-above -1`) is not a PID: parseArgs then calls it ambiguous
 * and optionError names that option.
 */
export function rejectNegativePids(argv: readonly string[], options: OptionSpecs): void {
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (spec.short) takesValue.add(`-${spec.short}`);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') return;
    if (takesValue.has(arg)) i++;
    else if (/^-\d+$/.test(arg)) throw new UsageError(`invalid PID ${quoted(arg)}: negative PIDs (process groups) are not accepted`);
  }
}

/**
 * --user NAME|UID (pstat, kill, the monitor): a name the password database does not know is an
 * error naming it, not a filter that silently matches nothing. A numeric uid is always accepted.
 */
export function checkKnownUser(text: string, flag = '--user'): void {
  if (lookupUid(text) === null) throw new UsageError(`${flag}: unknown user ${quoted(text)} (not in the password database; a numeric uid is accepted as is)`);
}
