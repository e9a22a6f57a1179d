// Issue 12 §7: a daemon that rewrites its own title (postgres children, redis, nginx workers) is
// shown as ps shows it: one title string, not the title plus dozens of empty arguments from the
// NUL padding of its old argv area. Node's process.title rewrites the argv area the same way.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsCollector, createNativeCollector } from '../src/sys/collector.js';
import type { Collector } from '../src/sys/types.js';
import { killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { builtCliPath, runCli } from './helpers/cli.js';

const TITLE = `zqtitle-${process.pid}: checkpointer`;
let pid = 0;
let cli: string;

beforeAll(async () => {
  cli = await builtCliPath();
  // Long original arguments: the title is much shorter than the argv area it overwrites.
  const child = startChild(process.execPath, ['-e', `process.title = ${JSON.stringify(TITLE)}; setTimeout(() => {}, 120000)`, 'x'.repeat(200), 'y'.repeat(200)]);
  pid = child.pid as number;
  await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith(TITLE));
}, 60_000);
afterAll(() => killStartedChildren());

describe('a process that rewrote its title', () => {
  it('really leaves NUL padding in /proc/PID/cmdline (the case under test)', () => {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    expect(raw.slice(TITLE.length)).toMatch(/^\0{20,}$/);
    expect(execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim()).toBe(TITLE);
  });

  const native = createNativeCollector();
  it.each([
    ['js', createJsCollector() as Collector | string],
    ['native', native],
  ])('reads as one argv entry, the title ps shows (%s backend)', async (_name, collector) => {
    if (typeof collector === 'string') throw new Error(collector);
    const row = (await collector.snapshot()).processes.find((p) => p.pid === pid);
    expect(row?.argv).toEqual([TITLE]);
  });

  it('pstat --json and --table show the title and nothing after it', async () => {
    const json = JSON.parse((await runCli(cli, ['pstat', '--json', '--pid', String(pid)])).stdout) as { processes: { cmdline: string[] }[] };
    expect(json.processes[0]?.cmdline).toEqual([TITLE]);
    const table = (await runCli(cli, ['pstat', '--table', '--pid', String(pid)])).stdout.split('\n')[1] ?? '';
    expect(table.endsWith(`  ${TITLE}`)).toBe(true);
  });

  it('the piped --watch table shows the title uncut', async () => {
    const run = await runCli(cli, ['--watch', '--iterations', '1', '--filter', `zqtitle-${process.pid}`]);
    const line = run.stdout.split('\n').find((l) => new RegExp(`^\\s*${pid}\\s`).test(l)) ?? '';
    expect(line.endsWith(TITLE)).toBe(true);
    expect(line).not.toContain('…');
  });
});
