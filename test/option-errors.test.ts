import { describe, expect, it } from 'vitest';
import { parseFdsArgs } from '../src/commands/fds.js';
import { parseKillArgs } from '../src/commands/kill.js';
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
});
