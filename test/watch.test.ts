import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/output/usage-error.js';
import { parseMonitorArgs } from '../src/commands/monitor-options.js';
import { renderWatchText, runWatchBatch } from '../src/tui/watch-batch.js';
import { syntheticFrame, syntheticRow } from './helpers/synthetic-frames.js';
import { killStartedChildren, startChild } from './helpers/children.js';
import { ensureBuilt } from './helpers/cli.js';

const run = promisify(execFile);

describe('monitor flags', () => {
  it('refuses a --user the password database does not know, naming it (also for --watch)', () => {
    expect(() => parseMonitorArgs(['--watch', '--user', 'no-such-user-xyz'], {})).toThrow(/--user: unknown user "no-such-user-xyz"/);
    expect(parseMonitorArgs(['--user', '54321'], {}).user).toBe('54321');
  });

  it('prefills from flags, with defaults', () => {
    expect(parseMonitorArgs([], {})).toMatchObject({ intervalMs: 1500, sortColumn: 'cpu', filter: '', user: null, tree: false, color: true, watch: false, iterations: null });
    expect(parseMonitorArgs(['--interval', '500ms', '--sort', 'MEM%', '--filter=nginx', '--user', 'www-data', '--tree', '--no-color', '--watch', '--iterations', '3'], {})).toMatchObject({
      intervalMs: 500,
      sortColumn: 'mem',
      filter: 'nginx',
      user: 'www-data',
      tree: true,
      color: false,
      watch: true,
      iterations: 3,
    });
  });

  it('respects NO_COLOR when it is set and not empty', () => {
    expect(parseMonitorArgs([], { NO_COLOR: '1' }).color).toBe(false);
    expect(parseMonitorArgs([], { NO_COLOR: '' }).color).toBe(true);
  });

  it.each([
    [['--interval', 'soon'], '--interval must be a duration like 500ms, 1.5s or 2s, got "soon"'],
    [['--interval', '10ms'], '--interval must be between 250ms and 10s, got "10ms"'],
    [['--interval', '100ms'], '--interval must be between 250ms and 10s, got "100ms"'],
    // 99999h once overflowed Node's timer to 1 ms: a spinning TUI with a TimeoutOverflowWarning drawn in it.
    [['--interval', '99999h'], '--interval must be between 250ms and 10s, got "99999h"'],
    [['--interval', '10.5s'], '--interval must be between 250ms and 10s, got "10.5s"'],
    [['--sort', 'colour'], '--sort must be one of pid, user, pri, ni, s, cpu, mem, rss, thr, time, io_r, io_w, ctxsw, cgroup, command, got "colour"'],
    [['--watch', '--iterations', '0'], '--iterations must be a positive integer, got "0"'],
    [['--iterations', '2'], '--iterations only works with --watch'],
    [['--filter'], '--filter needs a value'],
    [['--bogus'], 'unknown option "--bogus" (see proctop --help)'],
  ])('rejects %j with one clear line', (argv, message) => {
    expect(() => parseMonitorArgs(argv, {})).toThrow(UsageError);
    expect(() => parseMonitorArgs(argv, {})).toThrow(message);
  });
});

describe('plain-text --watch warnings', () => {
  it('says each new kind of warning once on stderr, sanitized, and a count that moved not again', async () => {
    const per = [
      [],
      ['3 process(es) skipped: permission denied reading stat'],
      ['5 process(es) skipped: permission denied reading stat', 'cannot read /proc/7/stat of \x1b]0;evil\x07x'],
      ['5 process(es) skipped: permission denied reading stat'],
    ];
    let call = 0;
    // The first sample only primes CPU%: its warnings are the first table's too.
    const source = { sample: async () => syntheticFrame([syntheticRow({ pid: 5 })], { warnings: per[Math.max(0, call++ - 1)] ?? [] }) };
    const out: string[] = [];
    const err: string[] = [];
    const options = parseMonitorArgs(['--watch', '--iterations', '4', '--interval', '250ms'], {});
    await runWatchBatch(source, options, 'native', (t) => void out.push(t), (t) => void err.push(t));
    expect(out).toHaveLength(4);
    expect(err).toEqual([
      'proctop: warning: 3 process(es) skipped: permission denied reading stat\n',
      expect.stringMatching(/^proctop: warning: cannot read \/proc\/7\/stat of [^\x00-\x1f\x7f]*x\n$/),
    ]);
  });
});

describe('plain-text --watch output', () => {
  it('prints a summary and a table ordered by the chosen column', () => {
    const frame = syntheticFrame([syntheticRow({ pid: 5, cpuPercent: 1, rssBytes: 900 * 1024 * 1024 }), syntheticRow({ pid: 6, cpuPercent: 70 })]);
    const text = renderWatchText(frame, parseMonitorArgs(['--watch', '--sort', 'rss'], {}), 'native');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^proctop --watch {2}\d{4}-\d\d-\d\dT.*Z {2}interval 1\.5s {2}backend native$/);
    expect(lines[1]).toBe('CPU 25.0%  Mem 1.00G/4.00G  Swap 0K/1.00G  Load 0.50 0.25 0.13  Up 1 day, 01:01:01');
    expect(lines[4]).toMatch(/^PID\s+USER\s+PRI\s+NI\s+S\s+CPU%\s+MEM%\s+RSS\s+THR\s+TIME\+\s+COMMAND$/);
    expect(lines[5]).toMatch(/^ {2}5 +alice/);
    expect(lines[6]).toMatch(/^ {2}6 +alice .* 70\.0 /);
  });
});

describe('proctop --watch into a pipe (built CLI)', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);
  afterAll(killStartedChildren);

  it('prints a table per refresh, shows a busy child near the top, and stops after --iterations', async () => {
    // Three spinning threads: the machine is shared with other busy tests.
    const busy = startChild(process.execPath, ['-e', "const { Worker } = require('node:worker_threads'); for (let i = 0; i < 3; i++) new Worker('for(;;){}', { eval: true }); setTimeout(() => process.exit(0), 180000);"]);
    const { stdout, stderr } = await run(process.execPath, ['dist/cli.js', '--watch', '--iterations', '2', '--interval', '700ms'], {
      timeout: 60_000,
      maxBuffer: 256 * 1024 * 1024, // a table per refresh of every process: megabytes on a machine with 20,000
    });
    expect(stderr).toBe('');
    const tables = stdout.split(/^proctop --watch /m).filter(Boolean);
    expect(tables).toHaveLength(2);
    const last = tables[1] ?? '';
    const body = last.split('\n').filter((l) => /^\s*\d+\s/.test(l));
    const busyLine = body.findIndex((l) => l.trimStart().startsWith(`${busy.pid} `));
    const cpu = (line: string | undefined) => Number(line?.trim().split(/\s+/)[5]);
    expect(busyLine).toBeGreaterThanOrEqual(0);
    expect(cpu(body[busyLine])).toBeGreaterThan(10);
    // Sorted by CPU: whatever outranks it is busy too (on an idle machine it is the first row).
    expect(body.slice(0, busyLine).every((l) => cpu(l) >= cpu(body[busyLine]))).toBe(true);
    expect(busyLine).toBeLessThan(15);
  }, 60_000);

  it('without --watch and without a terminal explains and exits 2', async () => {
    const result = await run(process.execPath, ['dist/cli.js']).catch((e: { code: number; stderr: string }) => e);
    expect('code' in result ? result.code : 0).toBe(2);
    expect('stderr' in result ? result.stderr : '').toBe(
      'proctop: stdout is not a terminal: use "proctop --watch [--iterations N]" for a plain-text table, or "proctop pstat"\n',
    );
  });
});
