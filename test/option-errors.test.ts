import { describe, expect, it } from 'vitest';
import { parseFdsArgs } from '../src/commands/fds.js';
import { parseKillArgs } from '../src/commands/kill.js';
import { parseTerminateTreeArgs } from '../src/commands/terminate-tree.js';
import { UsageError } from '../src/output/usage-error.js';
import { parsePstatArgs } from '../src/commands/pstat.js';
import { optionError } from '../src/commands/option-errors.js';
import { parseArgs } from 'node:util';

/** The error parseArgs itself throws for argv, translated the way every command does. */
function translated(argv: string[]): string {
  try {
    parseArgs({ args: argv, strict: true, allowPositionals: false, options: { pid: { type: 'string' }, json: { type: 'boolean' } } });
  } catch (err) {
    return optionError(err, 'fds', argv, 'use --pid PID').message;
  }
  throw new Error('parseArgs accepted the arguments');
}

describe('option errors', () => {
  it('name a negative value instead of calling the option ambiguous', () => {
    expect(translated(['--pid', '-3'])).toBe('--pid must not be negative, got "-3"');
    expect(() => parseFdsArgs(['--pid', '-3'], false)).toThrow('--pid must not be negative, got "-3"');
  });

  it('say which option lacks a value, which option is unknown, and what a stray argument should be', () => {
    expect(translated(['--pid'])).toBe('--pid needs a value');
    expect(translated(['--frob'])).toBe('unknown option "--frob" (see proctop fds --help)');
    expect(translated(['42'])).toBe('unexpected argument "42" (use --pid PID)');
    expect(translated(['--pid', '--json'])).toBe('--pid needs a value, got the option "--json"');
  });

  it('are the same one-liners in every command', () => {
    expect(() => parseKillArgs(['--frob'])).toThrow('unknown option "--frob" (see proctop kill --help)');
    expect(() => parsePstatArgs(['--ppid', '-1'], false)).toThrow('--ppid must not be negative, got "-1"');
  });

  // Issue 12 §3: each of these once blamed the wrong thing ("invalid PID", "expected Infinity").
  it.each([
    [() => parseKillArgs(['5', '-s', '-9']), '--signal takes a signal name or number without a dash (e.g. 9, KILL, SIGKILL), got "-9"'],
    [() => parseKillArgs(['--cpu-above', '-1']), '--cpu-above must not be negative, got "-1"'],
    [() => parseTerminateTreeArgs(['5', '--require-start-time-ms', '-1']), '--require-start-time-ms must not be negative, got "-1"'],
    [() => parseKillArgs([`5:${'9'.repeat(30)}`]), `invalid identity "5:${'9'.repeat(30)}": START_TICKS is too large to be a start time`],
    [() => parseTerminateTreeArgs(['5', '--require-start-time-ms', '9'.repeat(30)]), `--require-start-time-ms must be a Unix time in milliseconds, got "${'9'.repeat(30)}"`],
    [() => parseKillArgs(['5', '-s']), '--signal needs a value'],
    [() => parseKillArgs(['-5']), 'invalid PID "-5": negative PIDs (process groups) are not accepted'],
  ])('name the right thing (%#)', (parse, message) => {
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(message);
  });

  it('echo at most 80 characters of a 100,000-character value, on one line', () => {
    let message = '';
    try {
      parseKillArgs(['--signal', 'X'.repeat(100_000)]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(`unknown signal "${'X'.repeat(80)}…" (see proctop kill -l)`);
  });
});
