// `proctop metrics` on this machine's real processes, checked by the real promtool and node_exporter.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killStartedChildren, waitFor } from './helpers/children.js';
import { builtCliPath, runCli } from './helpers/cli.js';
import {
  httpGet,
  namedProgram,
  parseExposition,
  promtoolCheck,
  sampleValue,
  hostileGroupName,
  startHostileProcess,
  startNamedSleeper,
  startNodeExporter,
  tempDir,
} from './helpers/prometheus-tools.js';

let cli: string;
const dir = tempDir('proctop-metrics-');
// A registry of this file's own (empty): the user's real one must not change what these tests see.
process.env.PROCTOP_REGISTRY = join(dir.path, 'registry.json');
const sleeperName = `pxm-${process.pid % 100000}`;

beforeAll(async () => {
  cli = await builtCliPath();
  namedProgram(dir.path, sleeperName, '/bin/sleep');
});
afterEach(killStartedChildren);
afterAll(() => dir.cleanup());

describe('proctop metrics', () => {
  it.each(['comm', 'user', 'unit'])('--group-by %s: promtool check metrics passes on the real box', async (groupBy) => {
    startNamedSleeper(dir.path, sleeperName);
    startNamedSleeper(dir.path, sleeperName);
    const run = await runCli(cli, ['metrics', '--group-by', groupBy]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const check = promtoolCheck(run.stdout);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
    const samples = parseExposition(run.stdout);
    expect(samples.some((s) => s.name === 'namedprocess_namegroup_num_procs')).toBe(true);
    if (groupBy === 'comm') expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: sleeperName })).toBe(2);
    else if (groupBy === 'unit') expect(samples.filter((s) => s.name === 'namedprocess_namegroup_num_procs').reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(2);
    else expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: userInfo().username })).toBeGreaterThanOrEqual(2);
  });

  it('a process named with invalid UTF-8, quotes, a backslash, a newline and ESC keeps the exposition valid and loses no group', async () => {
    startNamedSleeper(dir.path, sleeperName);
    const hostilePid = await startHostileProcess('cli');
    const run = await runCli(cli, ['metrics']);
    expect(run.code).toBe(0);
    const check = promtoolCheck(run.stdout);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
    // No raw control byte reaches whoever reads the output (a terminal, a log).
    expect(run.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    const samples = parseExposition(run.stdout);
    expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: hostileGroupName('cli') })).toBe(1);
    expect(sampleValue(samples, 'namedprocess_namegroup_num_procs', { groupname: sleeperName })).toBe(1);
    expect(hostilePid).toBeGreaterThan(0);
  });

  it('--proportional adds Pss and SwapPss as process-exporter\'s proportional memtypes', async () => {
    startNamedSleeper(dir.path, sleeperName);
    const run = await runCli(cli, ['metrics', '--proportional']);
    expect(run.code).toBe(0);
    expect(promtoolCheck(run.stdout)).toEqual({ status: 0, output: '' });
    const samples = parseExposition(run.stdout);
    const pss = sampleValue(samples, 'namedprocess_namegroup_memory_bytes', { groupname: sleeperName, memtype: 'proportionalResident' }) ?? 0;
    const rss = sampleValue(samples, 'namedprocess_namegroup_memory_bytes', { groupname: sleeperName, memtype: 'resident' }) ?? 0;
    expect(pss).toBeGreaterThan(0);
    expect(pss).toBeLessThanOrEqual(rss + 64 * 1024);
    expect(sampleValue(samples, 'namedprocess_namegroup_memory_bytes', { groupname: sleeperName, memtype: 'proportionalSwapped' })).toBe(0);
    // Without the flag, smaps_rollup is not read at all.
    const plain = parseExposition((await runCli(cli, ['metrics'])).stdout);
    expect(plain.some((s) => s.labels.memtype === 'proportionalResident')).toBe(false);
  });

  it('--sample counts from the first sample, like a running exporter', async () => {
    const run = await runCli(cli, ['metrics', '--sample', '300ms', '--openmetrics']);
    expect(run.code).toBe(0);
    expect(run.stdout.endsWith('# EOF\n')).toBe(true);
    expect(run.stdout).toContain('proctop_samples_total 2');
  });

  it.each([
    [['--group-by', 'pid'], '--group-by must be one of comm, user, unit, tag, group, name, got "pid"'],
    [['--sample', 'soon'], '--sample must be a duration'],
    [['--textfile', 'x.prom', '--openmetrics'], '--textfile writes Prometheus text'],
    [['--bogus'], 'unknown option "--bogus"'],
  ])('bad input %j: one line, exit 2', async (args, message) => {
    const run = await runCli(cli, ['metrics', ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('proctop metrics --textfile with node_exporter', () => {
  it('writes atomically and node_exporter\'s textfile collector serves proctop\'s series without a scrape error', async () => {
    startNamedSleeper(dir.path, sleeperName);
    const textDir = tempDir('proctop-textfile-');
    try {
      const target = join(textDir.path, 'proctop.prom');
      const run = await runCli(cli, ['metrics', '--textfile', target]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(readdirSync(textDir.path)).toEqual(['proctop.prom']); // no temp file left behind
      expect(promtoolCheck(readFileSync(target, 'utf8')).status).toBe(0);
      const exporter = await startNodeExporter(textDir.path);
      try {
        const scraped = parseExposition((await httpGet(exporter.url)).body);
        expect(sampleValue(scraped, 'node_textfile_scrape_error', {})).toBe(0);
        expect(sampleValue(scraped, 'namedprocess_namegroup_num_procs', { groupname: sleeperName })).toBe(1);
        expect(scraped.some((s) => s.name === 'namedprocess_namegroup_cpu_seconds_total')).toBe(true);
        // A rewrite replaces the file whole while node_exporter reads it.
        const again = await runCli(cli, ['metrics', '--textfile', target, '--group-by', 'user']);
        expect(again.code).toBe(0);
        const rescraped = parseExposition((await httpGet(exporter.url)).body);
        expect(sampleValue(rescraped, 'node_textfile_scrape_error', {})).toBe(0);
        expect(sampleValue(rescraped, 'namedprocess_namegroup_num_procs', { groupname: sleeperName })).toBeUndefined();
      } finally {
        await exporter.stop();
      }
    } finally {
      textDir.cleanup();
    }
  });

  it('a directory that cannot be written is a one-line error, exit 1, nothing left behind', async () => {
    const missing = join(dir.path, 'no-such-dir', 'proctop.prom');
    const run = await runCli(cli, ['metrics', '--textfile', missing]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^proctop: cannot write .*no-such-dir\/proctop\.prom: /);
    expect(existsSync(missing)).toBe(false);
  });
});
